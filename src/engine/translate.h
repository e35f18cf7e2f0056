/* The translator's state (compile.c), shared with the peephole fusion that
 * rewrites what it emits (fuse.c). Internal to the engine: only those two
 * files include it. */
#ifndef ENGINE_TRANSLATE_H
#define ENGINE_TRANSLATE_H

#include "engine/opcodes.h"

/* The operand-stack and emission primitives run for every instruction of
 * every function loaded: inlined, they are a third of the compiler's cost. */
#define HOT_INLINE inline __attribute__((always_inline))

#define TEMP_FLAG 0x40000000u
#define CONST_FLAG 0x80000000u
#define SLOT_INDEX(s) ((s) & 0x3fffffffu)
/* A temp tagged SHADOW_FLAG too is the float twin of the home with the same
 * index (split_classes: floats computed into their own slots) */
#define SHADOW_FLAG 0x20000000u

enum { CK_FUNC, CK_BLOCK, CK_LOOP, CK_IF, CK_ELSE };

typedef struct sentry {
    uint8_t type;       /* 0 = unknown (below an unreachable) */
    uint32_t slot;      /* where the value is now */
    uint32_t home;      /* its temp slot */
    uint32_t prev_same; /* next lower entry reading the same local (NONE) */
} sentry;

#define NONE UINT32_MAX
#define IS_LOCAL_SLOT(s) (!((s) & (TEMP_FLAG | CONST_FLAG)))

typedef struct fixup {
    uint32_t instr_pos; /* instruction the offset is relative to */
    uint32_t word_pos;  /* word to patch */
    uint32_t next;      /* index + 1 of the next fixup, 0 = none */
} fixup;

typedef struct ctrl {
    uint8_t kind;
    bool unreachable;
    bool dead_at_start;
    bool branched;      /* a live branch targets the end label */
    bool then_live;     /* if/else: the then-arm fell through live */
    uint8_t single;     /* block type: one result of this type (0 = none) */
    uint32_t type_index;/* block type: a function type, or UINT32_MAX */
    uint32_t height;    /* operand stack entries below the block's params */
    uint32_t base_home; /* home of the first param/result */
    uint32_t loop_target;
    uint32_t loop_cost_pos;
    uint32_t instr_start;
    uint32_t fixups;
    fixup else_fix;
    bool has_else_fix;
} ctrl;

typedef struct comp {
    const wasm_module *m;
    reader r;
    wasm_error *err;
    uint32_t func_index;
    const ftype *type;
    const int32_t *handlers;

    uint32_t nlocals;
    uint8_t *ltype;
    uint32_t *lslot;
    uint32_t ltype_cap, lslot_cap, lhead_cap, remap_cap;
    uint32_t *remap;          /* finish(): old constant index -> new */
    bool validate_only;       /* check the body, emit nothing */
    uint32_t param_cells, local_cells;
    /* Stack entries still reading a local: a chain per local slot (lhead),
     * and all of them in stack order (lrefs, may hold stale entries), so that
     * no operation has to scan the whole operand stack. */
    uint32_t *lhead;
    uint32_t *lrefs;
    uint32_t nlrefs, lrefcap;
    /* br_table: stub already emitted per target depth (valid when stamp matches) */
    uint32_t *stub_pos, *stub_stamp;
    uint32_t stub_cap, stamp;

    sentry *stack;
    uint32_t sp, scap;
    uint32_t max_cells;
    uint32_t max_shadows; /* float twins used: SLOT_INDEX 0 .. max_shadows - 1 (split_classes) */

    ctrl *ctrls;
    uint32_t csp, ccap;

    uint32_t *code;
    uint32_t len, cap;
    uint32_t *relocs;
    uint32_t nrelocs, relcap;
    pc_map *map;
    uint32_t nmap, mapcap;
    fixup *fixups;
    uint32_t nfix, fixcap;

    uint64_t *consts;
    uint32_t nconsts, constcap;
    uint64_t *chash; /* (stamp << 32) | index+1 into consts, open addressing */
    uint32_t chash_cap;
    uint32_t chash_stamp; /* entries of other stamps are empty */

    uint8_t *const_wide; /* per constant: first cell of a v128 (NULL if none) */
    sentry *scratch; /* values popped for a moment (one user at a time) */
    uint32_t scratch_cap;

    bool dead;
    bool oom;
    bool fuse;             /* peephole fusion on (the module's option) */
    bool retarget;         /* local.set/tee retarget the producer (fuse_local_set) */
    /* f32/f64 results go to their home's float twin (a slot of its own, below
     * every home: calls overwrite the frame above their arguments), copied to
     * the home only where a home is needed (merges, calls): a temporary slot
     * then never holds an integer at one point and a float at another, and
     * the JIT's one register class per slot fits it. JIT and tiered modules
     * (retarget without fusion: fusion pattern-matches homes). */
    bool split_classes;
    /* The peephole window, kept by emit_op and emit_dst and cleared at every
     * label (reset_peephole), read by fuse.c: the last instructions emitted. */
    uint32_t last_op;
    uint32_t last_op_pos;
    uint32_t last_dst_pos; /* 0 = the last instruction has no retargetable dst */
    uint32_t prev_op, prev_op_pos, prev_dst_pos; /* the one before (OP_COUNT_ = none) */
    /* where the last few instructions start, since the last reset of the peephole
     * state (so no label falls between them): fusions reaching further back */
    uint32_t starts[4]; /* a ring: start k is starts[k & 3] */
    uint32_t nstarts;   /* instructions started since the reset */
    uint32_t nknown;    /* how many of the last of them the ring still holds (<= 4) */
    uint32_t instr_offset; /* byte offset of the instruction being compiled */
    uint32_t instr_count;
    uint32_t loop_depth;
    uint32_t outside_loops;
} comp;

/* ---- emission (compile.c) ---------------------------------------------------- */

bool grow_slow(comp *c, void **p, uint32_t *cap, size_t elem, uint32_t need);

/* The check inline, the reallocation out of line: called for every push and
 * every emitted word. */
static inline bool grow(comp *c, void **p, uint32_t *cap, size_t elem, uint32_t need)
{
    return LIKELY(need <= *cap) || grow_slow(c, p, cap, elem, need);
}

static HOT_INLINE void emit_word(comp *c, uint32_t w)
{
    if (c->len == c->cap && !grow(c, (void **)&c->code, &c->cap, sizeof *c->code, c->len + 1))
        return;
    c->code[c->len++] = w;
}

static HOT_INLINE void emit_imm(comp *c, uint32_t v)
{
    if (!c->dead)
        emit_word(c, v);
}

static HOT_INLINE void emit_slot(comp *c, uint32_t slot)
{
    if (c->dead)
        return;
    if ((slot & (TEMP_FLAG | CONST_FLAG)) &&
        grow(c, (void **)&c->relocs, &c->relcap, sizeof *c->relocs, c->nrelocs + 1))
        c->relocs[c->nrelocs++] = c->len;
    emit_word(c, slot);
}

static HOT_INLINE void emit_dst(comp *c, uint32_t slot)
{
    if (c->dead)
        return;
    uint32_t pos = c->len;
    emit_slot(c, slot);
    c->last_dst_pos = pos;
}

/* Appends instruction op (its handler word; operands follow with emit_*),
 * recording its start in the peephole window. Returns its position. */
uint32_t emit_op(comp *c, int op);

/* The frame slot of a scalar constant (shared between equal constants). */
uint32_t const_slot(comp *c, uint64_t bits);

/* Writes the branch offset operand for a branch to f starting at instr_pos. */
void emit_target(comp *c, ctrl *f, uint32_t instr_pos);

/* Forgets the instructions emitted so far as fusion partners: at labels,
 * where control flow may arrive from elsewhere. */
static inline void reset_peephole(comp *c)
{
    c->last_dst_pos = 0;
    c->last_op = OP_COUNT_;
    c->prev_dst_pos = 0;
    c->prev_op = OP_COUNT_;
    c->nstarts = 0;
    c->nknown = 0;
}

#endif
