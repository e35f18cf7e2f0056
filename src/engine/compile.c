/* Validation and translation of one function body into internal code.
 *
 * One pass over the bytecode does both jobs. The validator's operand stack is
 * also the allocator of frame slots: each stack position has a fixed "home"
 * slot among the frame's temporaries, and an entry records where its value
 * currently lives (its home, a local, or a constant). `local.get` and
 * constants therefore emit nothing; consumers read the local or constant slot
 * directly. Values are copied to their homes only where control flow merges
 * (block boundaries, branches, calls), and a local is copied out before a
 * `local.set` would overwrite a value still waiting on the stack.
 *
 * JIT and tiered modules (comp.split_classes) compute f32/f64 results into
 * their home's float twin instead, so that no slot holds an integer at one
 * point and a float at another (the JIT gives each slot one register class).
 *
 * While compiling, slot operands are tagged: locals are plain indices, temps
 * carry TEMP_FLAG (float twins SHADOW_FLAG too), constants CONST_FLAG; every
 * slot operand's position is recorded so the final pass can lay the frame out
 * as [params | locals | constants | float twins | temps] once the constant
 * count is known (twins below the homes: a call's frame overlays the caller's
 * homes above its arguments, never the twins of values below them).
 *
 * Instructions are decoded by read_instr and translated as the instruction
 * table (opcodes.def) says: most by the table alone (`plain`), the rest by a
 * case of `translate` each. This file emits the plain code; where fusion may
 * combine an instruction with the ones before, it asks fuse.h. */
#include "engine/fuse.h"
#include "engine/translate.h"

#include <stdio.h>
#include <stdlib.h>

static const uint8_t op_flags[OP_COUNT_ + 1] = { /* + 1: OP_NOP */
#define OPF(name, words, flags) [OP_##name] = (flags),
    ENGINE_OPS(OPF)
#undef OPF
};

/* ---- errors ------------------------------------------------------------------ */

static bool fail(comp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(comp *c, const char *fmt, ...)
{
    if (c->err->status != WASM_OK)
        return false;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *name = module_func_name(c->m, c->func_index);
    err_set(c->err, WASM_ERR_INVALID, "%s (in function %u%s%s%s, at byte offset %u)", msg,
            c->func_index, name ? " \"" : "", name ? name : "", name ? "\"" : "",
            c->instr_offset);
    return false;
}

static bool nomem(comp *c)
{
    c->oom = true;
    if (c->err->status == WASM_OK)
        err_set(c->err, WASM_ERR_NOMEM, "out of memory compiling function %u", c->func_index);
    return false;
}

bool grow_slow(comp *c, void **p, uint32_t *cap, size_t elem, uint32_t need)
{
    uint64_t n = *cap ? (uint64_t)*cap * 2 : 16;
    while (n < need)
        n *= 2;
    if (n > UINT32_MAX / 2)
        return nomem(c);
    void *q = realloc(*p, (size_t)n * elem);
    if (!q)
        return nomem(c);
    *p = q;
    *cap = (uint32_t)n;
    return true;
}

/* ---- emission ------------------------------------------------------------------ */


uint32_t emit_op(comp *c, int op)
{
    if (c->dead)
        return 0;
    if (c->last_op == c->prev_op && c->fuse)
        fuse_pair(c, op);
    uint32_t pos = c->len;
    if ((op_flags[op] & OPF_T) &&
        grow(c, (void **)&c->map, &c->mapcap, sizeof *c->map, c->nmap + 1)) {
        c->map[c->nmap].code_pos = pos;
        c->map[c->nmap].wasm_offset = c->instr_offset;
        c->nmap++;
    }
    emit_word(c, (uint32_t)c->handlers[op]);
    c->starts[c->nstarts++ & 3] = pos; /* a ring: only the last 4 are ever read */
    c->nknown += c->nknown < 4;
    c->prev_op = c->last_op;
    c->prev_op_pos = c->last_op_pos;
    c->prev_dst_pos = c->last_dst_pos;
    c->last_op = (uint32_t)op;
    c->last_op_pos = pos;
    c->last_dst_pos = 0;
    return pos;
}





static void emit_copy(comp *c, uint8_t type, uint32_t dst, uint32_t src)
{
    if (c->dead || dst == src)
        return;
    emit_op(c, type == WASM_V128 ? OP_COPY2 : OP_COPY);
    emit_dst(c, dst);
    emit_slot(c, src);
}

/* A branch offset to patch once the target is known. */
static void add_fixup(comp *c, ctrl *f, uint32_t instr_pos, uint32_t word_pos)
{
    if (c->dead)
        return;
    if (!grow(c, (void **)&c->fixups, &c->fixcap, sizeof *c->fixups, c->nfix + 1))
        return;
    c->fixups[c->nfix] = (fixup){instr_pos, word_pos, f->fixups};
    c->nfix++;
    f->fixups = c->nfix;
}

static void patch_fixups(comp *c, ctrl *f, uint32_t target)
{
    for (uint32_t i = f->fixups; i; i = c->fixups[i - 1].next) {
        fixup *x = &c->fixups[i - 1];
        if (!c->oom)
            c->code[x->word_pos] = target - x->instr_pos;
    }
    f->fixups = 0;
}

/* ---- constants --------------------------------------------------------------------- */

static uint32_t const_hash(uint64_t bits, uint32_t cap)
{
    return (uint32_t)((bits * 0x9E3779B97F4A7C15ull) >> 40) & (cap - 1);
}

uint32_t const_slot(comp *c, uint64_t bits)
{
    if (c->dead) /* never emitted: no need for a cell */
        return CONST_FLAG;
    uint64_t live = (uint64_t)c->chash_stamp << 32;
    if (c->nconsts * 2 >= c->chash_cap) {
        uint32_t ncap = c->chash_cap ? c->chash_cap * 2 : 64;
        uint64_t *h = calloc(ncap, sizeof *h);
        if (!h) {
            nomem(c);
            return CONST_FLAG;
        }
        for (uint32_t i = 0; i < c->nconsts; i++) {
            if (c->const_wide && c->const_wide[i])
                continue;
            uint32_t k = const_hash(c->consts[i], ncap);
            while (h[k] >> 32 == c->chash_stamp)
                k = (k + 1) & (ncap - 1);
            h[k] = live | (i + 1);
        }
        free(c->chash);
        c->chash = h;
        c->chash_cap = ncap;
    }
    uint32_t k = const_hash(bits, c->chash_cap);
    while (c->chash[k] >> 32 == c->chash_stamp) {
        uint32_t idx = (uint32_t)c->chash[k] - 1;
        if (c->consts[idx] == bits && !(c->const_wide && c->const_wide[idx]))
            return CONST_FLAG | idx;
        k = (k + 1) & (c->chash_cap - 1);
    }
    if (!grow(c, (void **)&c->consts, &c->constcap, sizeof *c->consts, c->nconsts + 1))
        return CONST_FLAG;
    if (c->const_wide) {
        uint8_t *w = realloc(c->const_wide, c->nconsts + 1);
        if (!w) {
            nomem(c);
            return CONST_FLAG;
        }
        c->const_wide = w;
        c->const_wide[c->nconsts] = 0;
    }
    c->consts[c->nconsts] = bits;
    c->chash[k] = live | (c->nconsts + 1);
    return CONST_FLAG | c->nconsts++;
}

/* v128 constants take two adjacent cells and are not shared. */
static uint32_t const_slot_v128(comp *c, uint64_t lo, uint64_t hi)
{
    if (c->dead)
        return CONST_FLAG;
    if (!grow(c, (void **)&c->consts, &c->constcap, sizeof *c->consts, c->nconsts + 2))
        return CONST_FLAG;
    uint8_t *w = realloc(c->const_wide, c->nconsts + 2);
    if (!w) {
        nomem(c);
        return CONST_FLAG;
    }
    if (!c->const_wide)
        memset(w, 0, c->nconsts);
    c->const_wide = w;
    c->const_wide[c->nconsts] = 1;
    c->const_wide[c->nconsts + 1] = 0;
    c->consts[c->nconsts] = lo;
    c->consts[c->nconsts + 1] = hi;
    c->nconsts += 2;
    /* keep the hash table's load accounting simple: it only holds scalars */
    return CONST_FLAG | (c->nconsts - 2);
}

/* ---- operand stack --------------------------------------------------------------------- */

static inline ctrl *top_ctrl(comp *c) { return &c->ctrls[c->csp - 1]; }

static uint32_t next_home(comp *c)
{
    if (!c->sp)
        return TEMP_FLAG;
    const sentry *e = &c->stack[c->sp - 1];
    return e->home + type_cells(e->type);
}

static sentry *get_scratch(comp *c, uint32_t n)
{
    if (!grow(c, (void **)&c->scratch, &c->scratch_cap, sizeof *c->scratch, n + 1))
        return NULL;
    return c->scratch;
}

#define AT_HOME UINT32_MAX

static HOT_INLINE sentry *push_at(comp *c, uint8_t type, uint32_t slot)
{
    if (!grow(c, (void **)&c->stack, &c->scap, sizeof *c->stack, c->sp + 1))
        return NULL;
    uint32_t home = next_home(c);
    uint32_t top = SLOT_INDEX(home) + type_cells(type);
    if (top > c->max_cells)
        c->max_cells = top;
    uint32_t idx = c->sp++;
    sentry *e = &c->stack[idx];
    e->type = type;
    e->home = home;
    e->slot = slot == AT_HOME ? home : slot;
    e->prev_same = NONE;
    /* dead code (and validate-only passes) emits nothing, so nothing needs to
     * know which entries still read a local */
    if (c->dead && IS_LOCAL_SLOT(e->slot))
        e->slot = home;
    if (IS_LOCAL_SLOT(e->slot)) {
        if (!grow(c, (void **)&c->lrefs, &c->lrefcap, sizeof *c->lrefs, c->nlrefs + 1)) {
            c->sp--;
            return NULL;
        }
        e->prev_same = c->lhead[e->slot];
        c->lhead[e->slot] = idx;
        c->lrefs[c->nlrefs++] = idx;
    }
    return e;
}

/* Removes the top entry, keeping the local-reference bookkeeping right. */
static inline void drop_entry(comp *c)
{
    uint32_t idx = --c->sp;
    const sentry *e = &c->stack[idx];
    if (IS_LOCAL_SLOT(e->slot) && c->lhead[e->slot] == idx)
        c->lhead[e->slot] = e->prev_same;
    if (c->nlrefs && c->lrefs[c->nlrefs - 1] == idx)
        c->nlrefs--;
}

static void set_height(comp *c, uint32_t h)
{
    while (c->sp > h)
        drop_entry(c);
}

static sentry *push(comp *c, uint8_t type) { return push_at(c, type, AT_HOME); }

/* Pushes the result an instruction is about to compute (into the entry's
 * slot): a float one into its home's float twin when classes are split
 * (comp.split_classes), anything else into its home. Only for values the
 * instruction itself writes: a call's or a block's results are in their
 * homes already. */
static HOT_INLINE sentry *push_result(comp *c, uint8_t type)
{
    sentry *e = push(c, type);
    if (e && c->split_classes && !c->dead && (type == WASM_F32 || type == WASM_F64)) {
        uint32_t index = SLOT_INDEX(e->home);
        e->slot = e->home | SHADOW_FLAG;
        if (index >= c->max_shadows)
            c->max_shadows = index + 1;
    }
    return e;
}

static inline bool pop_any(comp *c, sentry *out)
{
    ctrl *f = top_ctrl(c);
    if (c->sp == f->height) {
        if (f->unreachable) {
            uint32_t h = next_home(c);
            *out = (sentry){0, h, h, NONE};
            return true;
        }
        return fail(c, "type mismatch: the operand stack is empty");
    }
    *out = c->stack[c->sp - 1];
    drop_entry(c);
    return true;
}

static bool pop_expect_slow(comp *c, uint8_t want, sentry *out);

static inline bool pop_expect(comp *c, uint8_t want, sentry *out)
{
    uint32_t sp = c->sp;
    if (LIKELY(sp > top_ctrl(c)->height)) {
        const sentry *e = &c->stack[sp - 1];
        if (LIKELY(!want || e->type == want || e->type == 0)) {
            *out = *e;
            drop_entry(c);
            return true;
        }
    }
    return pop_expect_slow(c, want, out);
}

static bool pop_expect_slow(comp *c, uint8_t want, sentry *out)
{
    if (!pop_any(c, out))
        return false;
    /* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): entries are set by push */
    if (out->type == 0) /* unknown (below an unreachable): matches anything */
        return true;
    if (want && out->type != want)
        return fail(c, "type mismatch: expected %s, got %s", type_name(want), type_name(out->type));
    return true;
}

/* Pops values of the given types (last on top) into out (may be NULL). */
static bool pop_types(comp *c, const wasm_type *types, uint32_t n, sentry *out)
{
    for (uint32_t i = n; i-- > 0;) {
        sentry e;
        if (!pop_expect(c, (uint8_t)types[i], &e))
            return false;
        if (out)
            out[i] = e;
    }
    return true;
}

/* Moves entry idx to its home. When it reads a local it must be the newest
 * reader of that local (the head of its chain), or its chain must be being
 * cleared by the caller. */
static void materialize(comp *c, uint32_t idx)
{
    sentry *e = &c->stack[idx];
    if (e->slot == e->home)
        return;
    if (IS_LOCAL_SLOT(e->slot) && c->lhead[e->slot] == idx)
        c->lhead[e->slot] = e->prev_same;
    emit_copy(c, e->type, e->home, e->slot);
    e->slot = e->home;
}

/* Values referring to locals are copied to their homes before control flow
 * splits, so that a local.set on one path cannot change them. */
static void materialize_local_refs(comp *c)
{
    for (uint32_t k = c->nlrefs; k-- > 0;) {
        uint32_t idx = c->lrefs[k];
        if (idx >= c->sp)
            continue;
        sentry *e = &c->stack[idx];
        if (!IS_LOCAL_SLOT(e->slot))
            continue;
        c->lhead[e->slot] = NONE;
        emit_copy(c, e->type, e->home, e->slot);
        e->slot = e->home;
    }
    c->nlrefs = 0;
}

static void materialize_top(comp *c, uint32_t n)
{
    for (uint32_t i = c->sp; i-- > c->sp - n;)
        materialize(c, i);
}

/* ---- block types ------------------------------------------------------------------------ */

static uint32_t bt_nparams(comp *c, const ctrl *f)
{
    return f->type_index != UINT32_MAX ? c->m->types[f->type_index].ft.param_count : 0;
}

static const wasm_type *bt_params(comp *c, const ctrl *f)
{
    return f->type_index != UINT32_MAX ? c->m->types[f->type_index].ft.params : NULL;
}

static uint32_t bt_nresults(comp *c, const ctrl *f)
{
    if (f->type_index != UINT32_MAX)
        return c->m->types[f->type_index].ft.result_count;
    return f->single ? 1 : 0;
}

static const wasm_type *bt_results(comp *c, const ctrl *f, wasm_type *single)
{
    if (f->type_index != UINT32_MAX)
        return c->m->types[f->type_index].ft.results;
    *single = (wasm_type)f->single;
    return single;
}

/* The types a branch to f carries. */
static uint32_t label_arity(comp *c, const ctrl *f)
{
    return f->kind == CK_LOOP ? bt_nparams(c, f) : bt_nresults(c, f);
}

static const wasm_type *label_types(comp *c, const ctrl *f, wasm_type *single)
{
    return f->kind == CK_LOOP ? bt_params(c, f) : bt_results(c, f, single);
}

/* The block type of block, loop or if. */
static bool set_blocktype(comp *c, ctrl *f, const instr *in)
{
    f->single = in->type == 0x40 ? 0 : in->type;
    f->type_index = UINT32_MAX;
    if (in->type)
        return true;
    if (in->x >= c->m->type_count)
        return fail(c, "unknown type %u", in->x);
    f->type_index = in->x;
    return true;
}

/* ---- control ------------------------------------------------------------------------------ */

static bool push_ctrl(comp *c, ctrl *f)
{
    if (!grow(c, (void **)&c->ctrls, &c->ccap, sizeof *c->ctrls, c->csp + 1))
        return false;
    c->ctrls[c->csp++] = *f;
    return true;
}

static void set_unreachable(comp *c)
{
    ctrl *f = top_ctrl(c);
    set_height(c, f->height);
    f->unreachable = true;
    c->dead = true;
    reset_peephole(c);
}

/* Opens a block, loop or if whose params are on the stack. */
static bool begin_block(comp *c, ctrl *f)
{
    uint32_t np = bt_nparams(c, f);
    const wasm_type *pt = bt_params(c, f);
    sentry *params = get_scratch(c, np);
    if (!params)
        return false;
    if (!pop_types(c, pt, np, params))
        return false;
    /* Re-push so that their homes are known, then materialize. */
    for (uint32_t i = 0; i < np; i++) {
        sentry *e = push_at(c, (uint8_t)pt[i], params[i].slot);
        if (!e)
            return false;
    }
    materialize_local_refs(c);
    materialize_top(c, np);
    f->height = c->sp - np;
    f->base_home = np ? c->stack[f->height].home : next_home(c);
    f->unreachable = false;
    f->dead_at_start = c->dead;
    f->branched = false;
    f->then_live = false;
    f->fixups = 0;
    f->has_else_fix = false;
    f->instr_start = c->instr_count;
    reset_peephole(c);
    return push_ctrl(c, f);
}

/* Copies the top n values to the homes of the label of f. Returns whether
 * anything needs moving (with emit = false, only tests). */
static bool branch_needs_moves(comp *c, const ctrl *f, uint32_t n)
{
    uint32_t home = f->base_home;
    for (uint32_t i = 0; i < n; i++) {
        const sentry *e = &c->stack[c->sp - n + i];
        if (e->slot != home)
            return true;
        home += type_cells(e->type);
    }
    return false;
}

static void emit_branch_moves(comp *c, const ctrl *f, uint32_t n)
{
    uint32_t home = f->base_home;
    for (uint32_t i = 0; i < n; i++) {
        const sentry *e = &c->stack[c->sp - n + i];
        emit_copy(c, e->type, home, e->slot);
        home += type_cells(e->type);
    }
}

static void emit_return(comp *c, uint32_t n_values);

/* An unconditional jump to the label of f with the top values already moved. */
static void emit_jump(comp *c, ctrl *f)
{
    if (c->dead)
        return;
    if (f->kind == CK_FUNC) {
        emit_return(c, c->type->ft.result_count);
        return;
    }
    uint32_t pos = emit_op(c, OP_BR);
    if (f->kind == CK_LOOP) {
        emit_imm(c, f->loop_target - pos);
    } else {
        f->branched = true;
        emit_imm(c, 0);
        add_fixup(c, f, pos, pos + 1);
    }
}

/* Writes the branch offset operand at the current position for target f. */
void emit_target(comp *c, ctrl *f, uint32_t instr_pos)
{
    if (c->dead)
        return;
    if (f->kind == CK_LOOP) {
        emit_imm(c, f->loop_target - instr_pos);
    } else {
        f->branched = true;
        uint32_t at = c->len;
        emit_imm(c, 0);
        add_fixup(c, f, instr_pos, at);
    }
}

static void emit_return(comp *c, uint32_t n_values)
{
    if (c->dead)
        return;
    const ftype *t = c->type;
    if (t->ft.result_count == 0) {
        emit_op(c, OP_RET0);
    } else if (t->ft.result_count == 1 && t->result_cells == 1) {
        const sentry *e = &c->stack[c->sp - 1];
        if (c->fuse && fuse_return(c, e))
            return;
        emit_op(c, OP_RET1);
        emit_slot(c, e->slot);
    } else {
        /* copies to the homes without recording them: this may be one path only */
        for (uint32_t i = c->sp - n_values; i < c->sp; i++)
            emit_copy(c, c->stack[i].type, c->stack[i].home, c->stack[i].slot);
        emit_op(c, OP_RET_RANGE);
        emit_slot(c, c->stack[c->sp - n_values].home);
        emit_imm(c, t->result_cells);
    }
}

/* ---- locals --------------------------------------------------------------------------------- */

/* An index into one of the function's or the module's index spaces. */
static inline bool need_index(comp *c, uint32_t idx, uint32_t count, const char *space)
{
    if (LIKELY(idx < count))
        return true;
    return fail(c, "unknown %s %u", space, idx);
}

static bool check_local(comp *c, uint32_t idx) { return need_index(c, idx, c->nlocals, "local"); }

/* Before local `slot` is written, copies out the stack values still reading it. */
static void preserve_local(comp *c, uint32_t slot)
{
    for (uint32_t i = c->lhead[slot]; i != NONE;) {
        sentry *e = &c->stack[i];
        uint32_t next = e->prev_same;
        emit_copy(c, e->type, e->home, e->slot);
        e->slot = e->home;
        i = next;
    }
    c->lhead[slot] = NONE;
}

/* local.set / local.tee: retarget the producer of the value when possible. */
static bool do_local_set(comp *c, uint32_t idx, bool tee)
{
    if (!check_local(c, idx))
        return false;
    uint8_t t = c->ltype[idx];
    uint32_t slot = c->lslot[idx];
    sentry v;
    if (!pop_expect(c, t, &v))
        return false;
    if (!c->dead && !(c->retarget && fuse_local_set(c, &v, slot))) {
        preserve_local(c, slot);
        emit_copy(c, t, slot, v.slot);
    }
    /* no peephole reset: the last instruction now writes the local, whose slot
     * never equals a temp's home, and add-compare-branch fusion wants it */
    if (tee && !push_at(c, t, c->dead ? AT_HOME : slot))
        return false;
    return true;
}

/* ---- instruction helpers ------------------------------------------------------------------------ */

/* A binary operation of the table (two operands of one type). */
static bool binary(comp *c, uint8_t in, uint8_t out, int op)
{
    sentry a, b;
    uint32_t sp = c->sp;
    if (LIKELY(sp >= top_ctrl(c)->height + 2 && c->stack[sp - 1].type == in &&
               c->stack[sp - 2].type == in)) {
        /* the common case, without pop_expect's checks for the rare ones */
        b = c->stack[sp - 1];
        drop_entry(c);
        a = c->stack[sp - 2];
        drop_entry(c);
    } else if (!pop_expect(c, in, &b) || !pop_expect(c, in, &a)) {
        return false;
    }
    sentry *d = push_result(c, out);
    if (!d)
        return false;
    if (c->dead)
        return true;
    if (c->fuse && fuse_binary(c, op, in, &a, &b, d->home))
        return true;
    emit_op(c, op);
    emit_dst(c, d->slot);
    emit_slot(c, a.slot);
    emit_slot(c, b.slot);
    return true;
}

static bool need_memory(comp *c, uint32_t idx)
{
    return need_index(c, idx, c->m->mem_count, "memory");
}

static bool need_table(comp *c, uint32_t idx)
{
    return need_index(c, idx, c->m->table_count, "table");
}

/* The immediates' validity beyond their encoding (memory, alignment, lanes),
 * for the instructions the table describes. */
static inline bool check_memarg(comp *c, const instr *in)
{
    if (!need_memory(c, 0))
        return false;
    if (in->x > in->info->param)
        return fail(c, "alignment must not be larger than natural (2^%u > 2^%u)", in->x,
                    in->info->param);
    return true;
}

static bool check_imm(comp *c, const instr *in)
{
    const wasm_opinfo *info = in->info;
    switch (info->imm) {
    case IMM_MEMARG: case IMM_MEMARG_LANE:
        if (!check_memarg(c, in))
            return false;
        if (info->imm == IMM_MEMARG_LANE && in->lane >= 16u >> info->param)
            return fail(c, "invalid lane index %u (of %u)", in->lane, 16u >> info->param);
        return true;
    case IMM_MEMORY: case IMM_MEMORY2:
        return need_memory(c, 0);
    case IMM_LANE:
        if (in->lane >= info->param)
            return fail(c, "invalid lane index %u (of %u)", in->lane, info->param);
        return true;
    case IMM_SHUFFLE:
        for (int i = 0; i < 16; i++) {
            uint32_t lane = (uint32_t)((i < 8 ? in->lo : in->hi) >> (8 * (i & 7))) & 0xff;
            if (lane >= 32)
                return fail(c, "invalid lane index %u (of 32)", lane);
        }
        return true;
    default:
        return true;
    }
}

/* Pops an instruction's operands as the table gives them (args may be NULL). */
static bool pop_operands(comp *c, const wasm_opinfo *info, sentry *args)
{
    sentry v;
    for (uint32_t i = info->nin; i-- > 0;) {
        if (!pop_expect(c, info->in[i], &v))
            return false;
        if (args)
            args[i] = v;
    }
    return true;
}

/* The operands after the slots, in the order every handler takes them: the
 * memory offset, shuffle lanes, the instruction number (SIMD handlers that
 * pass it on to simd.c), a lane index, the bytes accessed. */
static void emit_trailing_imms(comp *c, const instr *in)
{
    const wasm_opinfo *info = in->info;
    if (info->imm == IMM_MEMARG || info->imm == IMM_MEMARG_LANE)
        emit_imm(c, in->y);
    if (info->imm == IMM_SHUFFLE) {
        emit_imm(c, (uint32_t)in->lo);
        emit_imm(c, (uint32_t)(in->lo >> 32));
        emit_imm(c, (uint32_t)in->hi);
        emit_imm(c, (uint32_t)(in->hi >> 32));
    }
    if (op_flags[info->emits] & OPF_SUB)
        emit_imm(c, in->code);
    if (info->imm == IMM_LANE || info->imm == IMM_MEMARG_LANE)
        emit_imm(c, in->lane);
    if (op_flags[info->emits] & OPF_BYTES)
        emit_imm(c, 1u << info->param);
}

/* An instruction the table describes completely: pop the operands, push the
 * result, emit [result] operands... trailing immediates. */
static bool plain(comp *c, const instr *in)
{
    const wasm_opinfo *info = in->info;
    sentry args[3];
    if (!check_imm(c, in) || !pop_operands(c, info, args))
        return false;
    sentry *d = NULL;
    if (info->out && !(d = push_result(c, info->out)))
        return false;
    emit_op(c, info->emits);
    if (d)
        emit_dst(c, d->slot);
    for (uint32_t i = 0; i < info->nin; i++)
        emit_slot(c, args[i].slot);
    emit_trailing_imms(c, in);
    return true;
}

/* Emits "branch to f if cond (negate: if !cond)". */
static void emit_cond_branch(comp *c, const sentry *cond, ctrl *f, bool negate)
{
    if (c->dead)
        return;
    if (!c->fuse || !fuse_cond_branch(c, cond, f, negate)) {
        uint32_t pos = emit_op(c, negate ? OP_BR_UNLESS : OP_BR_IF);
        emit_slot(c, cond->slot);
        emit_target(c, f, pos);
    }
    reset_peephole(c);
}

static bool check_label(comp *c, uint32_t depth) { return need_index(c, depth, c->csp, "label"); }

/* br_if l: branch when cond != 0 with the label's values. */
static bool do_br_if(comp *c, uint32_t depth)
{
    sentry cond;
    if (!check_label(c, depth) || !pop_expect(c, WASM_I32, &cond))
        return false;
    ctrl *f = &c->ctrls[c->csp - 1 - depth];
    wasm_type single;
    uint32_t n = label_arity(c, f);
    const wasm_type *types = label_types(c, f, &single);
    sentry *vals = get_scratch(c, n);
    if (!vals || !pop_types(c, types, n, vals))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!push_at(c, (uint8_t)types[i], vals[i].slot))
            return false;
    if (c->dead)
        return true;
    if (f->kind == CK_FUNC || branch_needs_moves(c, f, n)) {
        /* if (!cond) skip; moves; jump; skip: */
        uint32_t pos = emit_op(c, OP_BR_UNLESS);
        emit_slot(c, cond.slot);
        uint32_t at = c->len;
        emit_imm(c, 0);
        if (f->kind == CK_FUNC) {
            emit_return(c, n);
        } else {
            emit_branch_moves(c, f, n);
            emit_jump(c, f);
        }
        if (!c->oom)
            c->code[at] = c->len - pos;
        /* the copies above materialized nothing on the fall-through path */
        reset_peephole(c);
        return true;
    }
    emit_cond_branch(c, &cond, f, false);
    return true;
}

static bool do_br(comp *c, uint32_t depth)
{
    if (!check_label(c, depth))
        return false;
    ctrl *f = &c->ctrls[c->csp - 1 - depth];
    wasm_type single;
    uint32_t n = label_arity(c, f);
    const wasm_type *types = label_types(c, f, &single);
    if (!pop_types(c, types, n, NULL))
        return false;
    if (!c->dead) {
        /* values are back on the stack for the moves */
        c->sp += n;
        if (f->kind == CK_FUNC) {
            emit_return(c, n);
        } else {
            emit_branch_moves(c, f, n);
            emit_jump(c, f);
        }
        c->sp -= n;
    }
    set_unreachable(c);
    return true;
}

static bool do_br_table(comp *c, const instr *in)
{
    uint32_t n = in->x;
    uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
    if (!depths)
        return nomem(c);
    /* the decoder checked the n + 1 depths' encoding (and that n fits in the body) */
    reader labels = c->r;
    labels.pos = in->y;
    bool ok = true;
    for (uint32_t i = 0; i <= n && ok; i++)
        ok = rd_u32(&labels, &depths[i]) && check_label(c, depths[i]);
    sentry idx;
    if (ok)
        ok = pop_expect(c, WASM_I32, &idx);
    if (!ok) {
        free(depths);
        return false;
    }
    ctrl *def = &c->ctrls[c->csp - 1 - depths[n]];
    uint32_t arity = label_arity(c, def);
    for (uint32_t i = 0; i <= n && ok; i++) {
        ctrl *f = &c->ctrls[c->csp - 1 - depths[i]];
        if (label_arity(c, f) != arity) {
            ok = fail(c, "type mismatch: br_table labels have different arities");
            break;
        }
        wasm_type single;
        const wasm_type *types = label_types(c, f, &single);
        sentry *vals = get_scratch(c, arity);
        ok = vals && pop_types(c, types, arity, vals);
        /* the popped values go back as they were: unknown stays unknown */
        for (uint32_t k = 0; ok && k < arity; k++)
            ok = push_at(c, vals[k].type, vals[k].slot) != NULL;
    }
    if (ok && !c->dead) {
        uint32_t pos = emit_op(c, OP_BR_TABLE);
        emit_slot(c, idx.slot);
        emit_imm(c, n);
        uint32_t table_at = c->len;
        for (uint32_t i = 0; i <= n; i++)
            emit_imm(c, 0);
        /* direct entries, or a stub that moves values then jumps; one stub per
         * target (stub_pos is valid where stub_stamp == this br_table's stamp) */
        uint32_t old_cap = c->stub_cap;
        if (!grow(c, (void **)&c->stub_pos, &c->stub_cap, sizeof *c->stub_pos, c->csp)) {
            free(depths);
            return false;
        }
        if (c->stub_cap != old_cap || !c->stub_stamp) {
            uint32_t *st = realloc(c->stub_stamp, c->stub_cap * sizeof *st);
            if (!st) {
                free(depths);
                return nomem(c);
            }
            memset(st + old_cap, 0, (c->stub_cap - old_cap) * sizeof *st);
            c->stub_stamp = st;
        }
        c->stamp++;
        for (uint32_t i = 0; i <= n && !c->oom; i++) {
            ctrl *f = &c->ctrls[c->csp - 1 - depths[i]];
            if (f->kind != CK_FUNC && !branch_needs_moves(c, f, arity)) {
                if (f->kind == CK_LOOP) {
                    c->code[table_at + i] = f->loop_target - pos;
                } else {
                    f->branched = true;
                    add_fixup(c, f, pos, table_at + i);
                }
                continue;
            }
            if (c->stub_stamp[depths[i]] != c->stamp) {
                c->stub_stamp[depths[i]] = c->stamp;
                c->stub_pos[depths[i]] = c->len;
                if (f->kind == CK_FUNC) {
                    emit_return(c, arity);
                } else {
                    emit_branch_moves(c, f, arity);
                    emit_jump(c, f);
                }
            }
            if (!c->oom)
                c->code[table_at + i] = c->stub_pos[depths[i]] - pos;
        }
    }
    free(depths);
    if (ok)
        set_unreachable(c);
    return ok;
}

/* Calls: arguments are copied to consecutive homes; the callee's frame begins
 * at the first of them and leaves its results there. */
static bool do_call_common(comp *c, const ftype *t, sentry *extra_index, int op, uint32_t imm1,
                           uint32_t imm2)
{
    uint32_t np = t->ft.param_count;
    sentry *args = get_scratch(c, np);
    if (!args || !pop_types(c, t->ft.params, np, args))
        return false;
    for (uint32_t i = 0; i < np; i++)
        if (!push_at(c, (uint8_t)t->ft.params[i], args[i].slot))
            return false;
    materialize_top(c, np);
    uint32_t base = np ? c->stack[c->sp - np].home : next_home(c);
    set_height(c, c->sp - np);
    emit_op(c, op);
    if (op == OP_CALL) {
        /* the callee's code is shared by all instances: point at it directly */
        uint64_t p = (uint64_t)(uintptr_t)&c->m->codes[imm1];
        emit_imm(c, (uint32_t)p);
        emit_imm(c, (uint32_t)(p >> 32));
    } else {
        emit_imm(c, imm1);
    }
    if (op == OP_CALL_INDIRECT) {
        emit_imm(c, imm2);
        emit_slot(c, extra_index->slot);
    }
    emit_slot(c, base);
    for (uint32_t i = 0; i < t->ft.result_count; i++)
        if (!push(c, (uint8_t)t->ft.results[i]))
            return false;
    /* The callee's frame overlaps everything above base. */
    uint32_t need = SLOT_INDEX(base) + (t->param_cells > t->result_cells ? t->param_cells : t->result_cells);
    if (need > c->max_cells)
        c->max_cells = need;
    reset_peephole(c);
    return true;
}

static bool do_select(comp *c, const instr *in)
{
    bool typed = in->info->imm == IMM_SELECT_T;
    uint8_t want = 0;
    if (typed) {
        if (in->x != 1)
            return fail(c, "invalid result arity for select");
        want = in->type;
    }
    sentry cond, b, a;
    if (!pop_expect(c, WASM_I32, &cond) || !pop_expect(c, want, &b) || !pop_expect(c, want, &a))
        return false;
    uint8_t t = want;
    if (!typed) {
        if ((a.type && is_reftype(a.type)) || (b.type && is_reftype(b.type)))
            return fail(c, "type mismatch: select without a type needs numeric operands");
        if (a.type && b.type && a.type != b.type)
            return fail(c, "type mismatch: select operands are %s and %s", type_name(a.type),
                        type_name(b.type));
        t = a.type ? a.type : b.type;
    }
    sentry *d = push_result(c, t);
    if (!d)
        return false;
    emit_op(c, t == WASM_V128 ? OP_SELECT2 : OP_SELECT);
    emit_dst(c, d->slot);
    emit_slot(c, a.slot);
    emit_slot(c, b.slot);
    emit_slot(c, cond.slot);
    return true;
}

static bool do_end(comp *c)
{
    ctrl *f = top_ctrl(c);
    wasm_type single;
    uint32_t nr = bt_nresults(c, f);
    const wasm_type *rt = bt_results(c, f, &single);
    sentry *vals = get_scratch(c, nr);
    if (!vals || !pop_types(c, rt, nr, vals))
        return false;
    if (c->sp != f->height)
        return fail(c, "type mismatch: %u value(s) left on the stack at the end of a block",
                    c->sp - f->height);
    if (f->kind == CK_IF) {
        /* the missing else passes the params through */
        uint32_t np = bt_nparams(c, f);
        const wasm_type *pt = bt_params(c, f);
        bool same = np == nr;
        for (uint32_t i = 0; same && i < np; i++)
            same = pt[i] == rt[i];
        if (!same)
            return fail(c, "type mismatch: if without else must not change the stack's types");
    }
    if (f->kind == CK_FUNC) {
        if (!c->dead) {
            c->sp += nr;
            for (uint32_t i = 0; i < nr; i++)
                c->stack[c->sp - nr + i] = vals[i];
            emit_return(c, nr);
            c->sp -= nr;
        }
        c->csp--;
        return true;
    }
    /* results to their homes on the fall-through path */
    if (!c->dead) {
        uint32_t home = f->base_home;
        for (uint32_t i = 0; i < nr; i++) {
            emit_copy(c, vals[i].type, home, vals[i].slot);
            home += type_cells((uint8_t)rt[i]);
        }
    }
    bool live;
    if (f->kind == CK_LOOP) {
        live = !f->dead_at_start && !f->unreachable;
        if (!f->dead_at_start && !c->oom)
            c->code[f->loop_cost_pos] = c->instr_count - f->instr_start + 1;
        c->loop_depth--;
    } else {
        live = !f->dead_at_start &&
               (!f->unreachable || f->branched || f->kind == CK_IF || f->then_live);
    }
    uint32_t here = c->len;
    if (f->has_else_fix && !c->oom)
        c->code[f->else_fix.word_pos] = here - f->else_fix.instr_pos;
    patch_fixups(c, f, here);
    c->csp--;
    c->dead = !live;
    for (uint32_t i = 0; i < nr; i++)
        if (!push(c, (uint8_t)rt[i]))
            return false;
    reset_peephole(c);
    return true;
}

static bool do_else(comp *c)
{
    ctrl *f = top_ctrl(c);
    if (f->kind != CK_IF)
        return fail(c, "else without a matching if");
    wasm_type single;
    uint32_t nr = bt_nresults(c, f);
    const wasm_type *rt = bt_results(c, f, &single);
    sentry *vals = get_scratch(c, nr);
    if (!vals || !pop_types(c, rt, nr, vals))
        return false;
    if (c->sp != f->height)
        return fail(c, "type mismatch: %u value(s) left on the stack at the end of a block",
                    c->sp - f->height);
    if (!c->dead) {
        uint32_t home = f->base_home;
        for (uint32_t i = 0; i < nr; i++) {
            emit_copy(c, vals[i].type, home, vals[i].slot);
            home += type_cells((uint8_t)rt[i]);
        }
        f->then_live = true;
        uint32_t pos = emit_op(c, OP_BR);
        emit_imm(c, 0);
        add_fixup(c, f, pos, pos + 1);
    }
    if (f->has_else_fix && !c->oom)
        c->code[f->else_fix.word_pos] = c->len - f->else_fix.instr_pos;
    f->has_else_fix = false;
    f->kind = CK_ELSE;
    f->unreachable = false;
    c->dead = f->dead_at_start;
    /* the else arm starts again from the params, in their homes */
    uint32_t np = bt_nparams(c, f);
    const wasm_type *pt = bt_params(c, f);
    for (uint32_t i = 0; i < np; i++)
        if (!push(c, (uint8_t)pt[i]))
            return false;
    reset_peephole(c);
    return true;
}

/* ---- instructions ---------------------------------------------------------------------------- */

static bool do_block(comp *c, const instr *in, bool loop)
{
    ctrl f = {.kind = loop ? CK_LOOP : CK_BLOCK};
    if (!set_blocktype(c, &f, in) || !begin_block(c, &f))
        return false;
    if (loop) {
        ctrl *lf = top_ctrl(c);
        uint32_t pos = emit_op(c, OP_LOOP);
        emit_imm(c, 1);
        lf->loop_cost_pos = pos + 1;
        lf->loop_target = c->len;
        c->loop_depth++;
        reset_peephole(c);
    }
    return true;
}

static bool do_if(comp *c, const instr *in)
{
    ctrl f = {.kind = CK_IF};
    sentry cond;
    if (!set_blocktype(c, &f, in) || !pop_expect(c, WASM_I32, &cond))
        return false;
    /* Keep a compare just before `if` fusable: begin_block may emit copies. */
    uint32_t last_dst = c->last_dst_pos, last_op = c->last_op, last_pos = c->last_op_pos;
    uint32_t len_before = c->len;
    if (!begin_block(c, &f))
        return false;
    ctrl *nf = top_ctrl(c);
    if (c->len == len_before) {
        c->last_dst_pos = last_dst;
        c->last_op = last_op;
        c->last_op_pos = last_pos;
    }
    if (!c->dead) {
        /* branch to the else arm (or end) when cond is zero */
        ctrl tmp = {.kind = CK_BLOCK};
        uint32_t fix_before = c->nfix;
        emit_cond_branch(c, &cond, &tmp, true);
        if (c->nfix > fix_before) {
            nf->else_fix = c->fixups[c->nfix - 1];
            nf->has_else_fix = true;
            c->nfix--;
        }
    }
    return true;
}

static bool do_return(comp *c)
{
    if (!pop_types(c, c->type->ft.results, c->type->ft.result_count, NULL))
        return false;
    if (!c->dead) {
        c->sp += c->type->ft.result_count;
        emit_return(c, c->type->ft.result_count);
        c->sp -= c->type->ft.result_count;
    }
    set_unreachable(c);
    return true;
}

static bool do_call(comp *c, uint32_t func)
{
    if (func >= c->m->func_count)
        return fail(c, "unknown function %u", func);
    const ftype *t = &c->m->types[c->m->func_types[func]];
    if (func < c->m->func_imports)
        return do_call_common(c, t, NULL, OP_CALL_IMPORT, func, 0);
    return do_call_common(c, t, NULL, OP_CALL, func - c->m->func_imports, 0);
}

static bool do_call_indirect(comp *c, uint32_t type, uint32_t table)
{
    if (type >= c->m->type_count)
        return fail(c, "unknown type %u", type);
    if (!need_table(c, table))
        return false;
    if (c->m->tables[table].elem != WASM_FUNCREF)
        return fail(c, "type mismatch: call_indirect through a table of %s",
                    type_name(c->m->tables[table].elem));
    sentry idx;
    if (!pop_expect(c, WASM_I32, &idx))
        return false;
    return do_call_common(c, &c->m->types[type], &idx, OP_CALL_INDIRECT, type, table);
}

static bool need_global(comp *c, uint32_t idx)
{
    return need_index(c, idx, c->m->global_count, "global");
}

static bool do_global_get(comp *c, uint32_t idx)
{
    if (!need_global(c, idx))
        return false;
    uint8_t t = c->m->globals[idx].type;
    sentry *d = push_result(c, t);
    if (!d)
        return false;
    emit_op(c, t == WASM_V128 ? OP_GLOBAL_GET2 : OP_GLOBAL_GET);
    emit_dst(c, d->slot);
    emit_imm(c, idx);
    return true;
}

static bool do_global_set(comp *c, uint32_t idx)
{
    if (!need_global(c, idx))
        return false;
    if (!c->m->globals[idx].mut)
        return fail(c, "global is immutable (global %u)", idx);
    uint8_t t = c->m->globals[idx].type;
    sentry v;
    if (!pop_expect(c, t, &v))
        return false;
    emit_op(c, t == WASM_V128 ? OP_GLOBAL_SET2 : OP_GLOBAL_SET);
    emit_imm(c, idx);
    emit_slot(c, v.slot);
    return true;
}

static bool do_table_get(comp *c, uint32_t table)
{
    sentry i;
    if (!need_table(c, table) || !pop_expect(c, WASM_I32, &i))
        return false;
    sentry *d = push(c, c->m->tables[table].elem);
    if (!d)
        return false;
    emit_op(c, OP_TABLE_GET);
    emit_dst(c, d->home);
    emit_imm(c, table);
    emit_slot(c, i.slot);
    return true;
}

static bool do_table_set(comp *c, uint32_t table)
{
    sentry i, v;
    if (!need_table(c, table) || !pop_expect(c, c->m->tables[table].elem, &v) ||
        !pop_expect(c, WASM_I32, &i))
        return false;
    emit_op(c, OP_TABLE_SET);
    emit_imm(c, table);
    emit_slot(c, i.slot);
    emit_slot(c, v.slot);
    return true;
}

static bool do_load(comp *c, const instr *in)
{
    const wasm_opinfo *info = in->info;
    sentry a;
    if (!check_memarg(c, in) || !pop_expect(c, WASM_I32, &a))
        return false;
    sentry *d = push_result(c, info->out);
    if (!d)
        return false;
    uint32_t offset = in->y;
    if (c->fuse && fuse_load(c, info->emits, &a, d->home, offset))
        return true;
    emit_op(c, info->emits);
    emit_dst(c, d->slot);
    emit_slot(c, a.slot);
    emit_imm(c, offset);
    return true;
}

static bool do_store(comp *c, const instr *in)
{
    const wasm_opinfo *info = in->info;
    sentry a, v;
    if (!check_memarg(c, in) || !pop_expect(c, info->in[1], &v) || !pop_expect(c, WASM_I32, &a))
        return false;
    uint32_t offset = in->y;
    int store = info->emits;
    if (c->fuse && fuse_store(c, store, &a, &v, offset))
        return true;
    emit_op(c, store);
    emit_slot(c, a.slot);
    emit_slot(c, v.slot);
    emit_imm(c, offset);
    return true;
}

static bool do_const(comp *c, const instr *in)
{
    bool null = !in->info->out; /* ref.null: the type is its immediate */
    uint8_t t = null ? in->type : in->info->out;
    sentry *e = push(c, t);
    if (!e)
        return false;
    e->slot = t == WASM_V128 ? const_slot_v128(c, in->lo, in->hi) : const_slot(c, null ? 0 : in->lo);
    return true;
}

static bool do_reinterpret(comp *c, const instr *in)
{
    sentry a;
    if (!pop_expect(c, in->info->in[0], &a))
        return false;
    return push_at(c, in->info->out, a.slot) != NULL;
}

static bool do_ref_is_null(comp *c)
{
    sentry a = {0};
    if (!pop_any(c, &a))
        return false;
    if (a.type && !is_reftype(a.type))
        return fail(c, "type mismatch: ref.is_null of %s", type_name(a.type));
    sentry *d = push(c, WASM_I32);
    if (!d)
        return false;
    emit_op(c, OP_REF_IS_NULL);
    emit_dst(c, d->home);
    emit_slot(c, a.slot);
    return true;
}

static bool do_ref_func(comp *c, uint32_t func)
{
    if (func >= c->m->func_count)
        return fail(c, "unknown function %u", func);
    if (!c->m->declared_refs[func])
        return fail(c, "undeclared function reference %u", func);
    sentry *d = push(c, WASM_FUNCREF);
    if (!d)
        return false;
    emit_op(c, OP_REF_FUNC);
    emit_dst(c, d->home);
    emit_imm(c, func);
    return true;
}

static bool need_data(comp *c, uint32_t seg)
{
    return need_index(c, seg, c->m->data_count, "data segment");
}

static bool need_elem(comp *c, uint32_t seg)
{
    return need_index(c, seg, c->m->elem_count, "elem segment");
}

/* memory.init, table.init, table.copy: immediates, then d, s, n */
static bool do_bulk_init_copy(comp *c, const instr *in, uint32_t imm1, uint32_t imm2, bool two)
{
    sentry a[3] = {{0}};
    if (!pop_operands(c, in->info, a))
        return false;
    emit_op(c, in->info->emits);
    emit_imm(c, imm1);
    if (two)
        emit_imm(c, imm2);
    for (int i = 0; i < 3; i++)
        emit_slot(c, a[i].slot);
    return true;
}

static bool do_memory_init(comp *c, const instr *in)
{
    if (!need_memory(c, 0) || !need_data(c, in->x))
        return false;
    return do_bulk_init_copy(c, in, in->x, 0, false);
}

static bool do_table_init(comp *c, const instr *in)
{
    uint32_t elem = in->x, table = in->y;
    if (!need_table(c, table) || !need_elem(c, elem))
        return false;
    if (c->m->elems[elem].type != c->m->tables[table].elem)
        return fail(c, "type mismatch: table.init of %s into a table of %s",
                    type_name(c->m->elems[elem].type), type_name(c->m->tables[table].elem));
    return do_bulk_init_copy(c, in, table, elem, true);
}

static bool do_table_copy(comp *c, const instr *in)
{
    uint32_t dst = in->x, src = in->y;
    if (!need_table(c, dst) || !need_table(c, src))
        return false;
    if (c->m->tables[dst].elem != c->m->tables[src].elem)
        return fail(c, "type mismatch: table.copy between tables of %s and %s",
                    type_name(c->m->tables[src].elem), type_name(c->m->tables[dst].elem));
    return do_bulk_init_copy(c, in, dst, src, true);
}

/* data.drop, elem.drop */
static bool do_drop_segment(comp *c, const instr *in, bool data)
{
    if (!(data ? need_data(c, in->x) : need_elem(c, in->x)))
        return false;
    emit_op(c, in->info->emits);
    emit_imm(c, in->x);
    return true;
}

static bool do_table_grow(comp *c, uint32_t table)
{
    sentry n, v;
    if (!need_table(c, table) || !pop_expect(c, WASM_I32, &n) ||
        !pop_expect(c, c->m->tables[table].elem, &v))
        return false;
    sentry *d = push(c, WASM_I32);
    if (!d)
        return false;
    emit_op(c, OP_TABLE_GROW);
    emit_dst(c, d->home);
    emit_imm(c, table);
    emit_slot(c, v.slot);
    emit_slot(c, n.slot);
    return true;
}

static bool do_table_size(comp *c, uint32_t table)
{
    if (!need_table(c, table))
        return false;
    sentry *d = push(c, WASM_I32);
    if (!d)
        return false;
    emit_op(c, OP_TABLE_SIZE);
    emit_dst(c, d->home);
    emit_imm(c, table);
    return true;
}

static bool do_table_fill(comp *c, uint32_t table)
{
    sentry d, v, n;
    if (!need_table(c, table) || !pop_expect(c, WASM_I32, &n) ||
        !pop_expect(c, c->m->tables[table].elem, &v) || !pop_expect(c, WASM_I32, &d))
        return false;
    emit_op(c, OP_TABLE_FILL);
    emit_imm(c, table);
    emit_slot(c, d.slot);
    emit_slot(c, v.slot);
    emit_slot(c, n.slot);
    return true;
}

/* Validates and translates one decoded instruction: the table's `how`. */
static bool translate(comp *c, const instr *in)
{
    const wasm_opinfo *info = in->info;
    sentry a;
    switch ((enum how)info->how) {
    case HOW_PLAIN: return plain(c, in);
    case HOW_BINARY: return binary(c, info->in[0], info->out, info->emits);
    case HOW_LOAD: return do_load(c, in);
    case HOW_STORE: return do_store(c, in);
    case HOW_CONST: return do_const(c, in);
    case HOW_REINTERPRET: return do_reinterpret(c, in);
    case HOW_UNREACHABLE:
        emit_op(c, OP_UNREACHABLE);
        set_unreachable(c);
        return true;
    case HOW_NOP: return true;
    case HOW_BLOCK: return do_block(c, in, false);
    case HOW_LOOP: return do_block(c, in, true);
    case HOW_IF: return do_if(c, in);
    case HOW_ELSE: return do_else(c);
    case HOW_END: return do_end(c);
    case HOW_BR: return do_br(c, in->x);
    case HOW_BR_IF: return do_br_if(c, in->x);
    case HOW_BR_TABLE: return do_br_table(c, in);
    case HOW_RETURN: return do_return(c);
    case HOW_CALL: return do_call(c, in->x);
    case HOW_CALL_INDIRECT: return do_call_indirect(c, in->x, in->y);
    case HOW_DROP: return pop_any(c, &a);
    case HOW_SELECT: return do_select(c, in);
    case HOW_LOCAL_GET:
        return check_local(c, in->x) && push_at(c, c->ltype[in->x], c->lslot[in->x]) != NULL;
    case HOW_LOCAL_SET: return do_local_set(c, in->x, false);
    case HOW_LOCAL_TEE: return do_local_set(c, in->x, true);
    case HOW_GLOBAL_GET: return do_global_get(c, in->x);
    case HOW_GLOBAL_SET: return do_global_set(c, in->x);
    case HOW_TABLE_GET: return do_table_get(c, in->x);
    case HOW_TABLE_SET: return do_table_set(c, in->x);
    case HOW_REF_IS_NULL: return do_ref_is_null(c);
    case HOW_REF_FUNC: return do_ref_func(c, in->x);
    case HOW_MEMORY_INIT: return do_memory_init(c, in);
    case HOW_DATA_DROP: return do_drop_segment(c, in, true);
    case HOW_TABLE_INIT: return do_table_init(c, in);
    case HOW_ELEM_DROP: return do_drop_segment(c, in, false);
    case HOW_TABLE_COPY: return do_table_copy(c, in);
    case HOW_TABLE_GROW: return do_table_grow(c, in->x);
    case HOW_TABLE_SIZE: return do_table_size(c, in->x);
    case HOW_TABLE_FILL: return do_table_fill(c, in->x);
    case HOW_ILLEGAL: break; /* read_instr refuses these */
    }
    return rd_fail_at(&c->r, c->instr_offset - c->r.origin, "illegal opcode");
}

static bool compile_body(comp *c)
{
    instr in = {0}; /* each instruction sets the fields its immediates use */
    for (;;) {
        if (c->csp == 0) {
            if (c->r.pos != c->r.end)
                return rd_fail(&c->r, "section size mismatch: junk after the function's last `end`");
            return true;
        }
        if (c->r.pos >= c->r.end)
            return rd_fail(&c->r, "END opcode expected");
        c->instr_offset = (uint32_t)(c->r.pos + c->r.origin);
        c->instr_count++;
        if (!c->loop_depth)
            c->outside_loops++;
        if (c->r.base[c->r.pos] == WOP_LOCAL_GET) {
            /* a third of all instructions, and it emits nothing */
            uint32_t idx;
            c->r.pos++;
            if (!rd_u32(&c->r, &idx) || !check_local(c, idx) ||
                !push_at(c, c->ltype[idx], c->lslot[idx]))
                return false;
            continue;
        }
        if (!read_instr(&c->r, c->m, &in) || !translate(c, &in) || c->oom)
            return false;
    }
}

/* ---- driver ----------------------------------------------------------------------------------- */

static bool read_locals(comp *c)
{
    const ftype *t = c->type;
    uint32_t groups;
    if (!rd_u32(&c->r, &groups))
        return false;
    /* sizes were checked by the decoder; read them twice to size the arrays */
    size_t save = c->r.pos;
    uint64_t total = t->ft.param_count;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t n;
        uint8_t vt;
        if (!rd_u32(&c->r, &n) || !rd_valtype(&c->r, &vt))
            return false;
        total += n;
    }
    if (total > MAX_LOCALS)
        return rd_fail(&c->r, "too many locals");
    c->nlocals = (uint32_t)total;
    if (!grow(c, (void **)&c->ltype, &c->ltype_cap, 1, c->nlocals + 1) ||
        !grow(c, (void **)&c->lslot, &c->lslot_cap, sizeof *c->lslot, c->nlocals + 1))
        return false;
    uint32_t k = 0, cells = 0;
    for (; k < t->ft.param_count; k++) {
        c->ltype[k] = (uint8_t)t->ft.params[k];
        c->lslot[k] = cells;
        cells += type_cells(c->ltype[k]);
    }
    c->param_cells = cells;
    c->r.pos = save;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t n;
        uint8_t vt;
        rd_u32(&c->r, &n);
        rd_valtype(&c->r, &vt);
        for (uint32_t i = 0; i < n; i++, k++) {
            c->ltype[k] = vt;
            c->lslot[k] = cells;
            cells += type_cells(vt);
        }
    }
    c->local_cells = cells - c->param_cells;
    if (!grow(c, (void **)&c->lhead, &c->lhead_cap, sizeof *c->lhead, cells + 1))
        return false;
    for (uint32_t i = 0; i < cells; i++)
        c->lhead[i] = NONE;
    return true;
}

static void comp_free(comp *c)
{
    free(c->ltype);
    free(c->lslot);
    free(c->stack);
    free(c->ctrls);
    free(c->code);
    free(c->relocs);
    free(c->map);
    free(c->fixups);
    free(c->consts);
    free(c->chash);
    free(c->scratch);
    free(c->const_wide);
    free(c->lhead);
    free(c->lrefs);
    free(c->stub_pos);
    free(c->stub_stamp);
    free(c->remap);
}

/* Lays out the frame and rewrites tagged slot operands into frame indices. */
static bool finish(comp *c, func_code *fc)
{
    /* keep only the constants some instruction still reads */
    if (!grow(c, (void **)&c->remap, &c->remap_cap, sizeof *c->remap, c->nconsts + 1))
        return false;
    uint32_t *remap = c->remap;
    memset(remap, 0, c->nconsts * sizeof *remap);
    for (uint32_t i = 0; i < c->nrelocs; i++) {
        uint32_t w = c->code[c->relocs[i]];
        if (w & CONST_FLAG) {
            remap[SLOT_INDEX(w)] = 1;
            if (c->const_wide && c->const_wide[SLOT_INDEX(w)])
                remap[SLOT_INDEX(w) + 1] = 1;
        }
    }
    uint32_t used = 0;
    for (uint32_t k = 0; k < c->nconsts; k++) {
        if (remap[k]) {
            c->consts[used] = c->consts[k];
            remap[k] = used++;
        }
    }
    c->nconsts = used;
    for (uint32_t i = 0; i < c->nrelocs; i++) {
        uint32_t *w = &c->code[c->relocs[i]];
        if (*w & CONST_FLAG)
            *w = CONST_FLAG | remap[SLOT_INDEX(*w)];
    }
    uint32_t const_base = c->param_cells + c->local_cells;
    uint32_t shadow_base = const_base + c->nconsts; /* the float twins, below the homes */
    uint32_t temp_base = shadow_base + c->max_shadows;
    uint64_t frame_size = (uint64_t)temp_base + c->max_cells;
    if (frame_size > MAX_FRAME_CELLS)
        return fail(c, "function needs too large a frame (%llu cells)", (unsigned long long)frame_size);
    for (uint32_t i = 0; i < c->nrelocs; i++) {
        uint32_t *w = &c->code[c->relocs[i]];
        if (*w & CONST_FLAG)
            *w = const_base + SLOT_INDEX(*w);
        else if ((*w & TEMP_FLAG) && (*w & SHADOW_FLAG))
            *w = shadow_base + (SLOT_INDEX(*w) & ~SHADOW_FLAG);
        else if (*w & TEMP_FLAG)
            *w = temp_base + SLOT_INDEX(*w);
    }
    /* exact-size copies: the workspace is reused for the next function */
    uint32_t *code = malloc((c->len ? c->len : 1) * sizeof *code);
    pc_map *map = malloc((c->nmap ? c->nmap : 1) * sizeof *map);
    if (!code || !map) {
        free(code);
        free(map);
        return nomem(c);
    }
    memcpy(code, c->code, c->len * sizeof *code);
    if (c->nmap)
        memcpy(map, c->map, c->nmap * sizeof *map);
    fc->code_words = c->len;
    fc->param_cells = c->param_cells;
    fc->local_cells = c->local_cells;
    fc->const_base = const_base;
    fc->const_count = c->nconsts;
    fc->frame_cells = (uint32_t)frame_size;
    /* the entry image: zeroed locals followed by the constants */
    size_t image = (size_t)c->local_cells + c->nconsts;
    uint64_t *consts = calloc(image ? image : 1, sizeof(uint64_t));
    if (!consts) {
        free(code);
        free(map);
        return nomem(c);
    }
    if (c->nconsts)
        memcpy(consts + c->local_cells, c->consts, c->nconsts * sizeof(uint64_t));
    fc->consts = consts;
    fc->map = map;
    fc->map_count = c->nmap;
    /* published last: a non-NULL code pointer means the function is ready */
    __atomic_store_n(&fc->code, code, __ATOMIC_RELEASE);
    __atomic_add_fetch(&((wasm_module *)c->m)->translated, 1, __ATOMIC_RELEASE);
    fc->fuel_cost = c->outside_loops ? c->outside_loops : 1;
    return true;
}

bool compile_lazy(const func_code *cfc, wasm_error *err)
{
    func_code *fc = (func_code *)cfc;
    wasm_module *m = (wasm_module *)fc->module;
    module_lock(m);
    bool ok = true;
    if (!__atomic_load_n(&fc->code, __ATOMIC_ACQUIRE)) {
        if (!m->lazy_ws)
            m->lazy_ws = compiler_new();
        ok = m->lazy_ws && compile_function(m->lazy_ws, m, fc->func_index - m->func_imports,
                                            m->code_bytes, m->code_origin, false, err);
        if (!m->lazy_ws)
            err_set(err, WASM_ERR_NOMEM, "out of memory compiling function %u", fc->func_index);
    }
    module_unlock(m);
    return ok;
}

/* Clears the per-function state and keeps the buffers. */
static void comp_reset(comp *c)
{
    comp keep = *c;
    memset(c, 0, sizeof *c);
#define KEEP(f) c->f = keep.f
    KEEP(ltype); KEEP(lslot); KEEP(ltype_cap); KEEP(lslot_cap); KEEP(lhead); KEEP(lhead_cap);
    KEEP(remap); KEEP(remap_cap); KEEP(lrefs); KEEP(lrefcap); KEEP(stub_pos); KEEP(stub_stamp);
    KEEP(stub_cap); KEEP(stamp); KEEP(stack); KEEP(scap); KEEP(ctrls); KEEP(ccap); KEEP(code);
    KEEP(cap); KEEP(relocs); KEEP(relcap); KEEP(map); KEEP(mapcap); KEEP(fixups); KEEP(fixcap);
    KEEP(consts); KEEP(constcap); KEEP(chash); KEEP(chash_cap); KEEP(scratch); KEEP(scratch_cap);
#undef KEEP
    c->chash_stamp = keep.chash_stamp + 1;
    if (c->chash_stamp == 0) { /* wrapped: forget every entry */
        if (c->chash)
            memset(c->chash, 0, c->chash_cap * sizeof *c->chash);
        c->chash_stamp = 1;
    }
    free(keep.const_wide);
}

comp *compiler_new(void)
{
    comp *c = calloc(1, sizeof *c);
    if (c)
        c->chash_stamp = 1;
    return c;
}

void compiler_free(comp *c)
{
    if (!c)
        return;
    comp_free(c);
    free(c);
}

/* Validates (validate_only) or translates function def_index. bytes holds
 * the module from byte offset `origin` on. */
bool compile_function(comp *c, const wasm_module *m, uint32_t def_index, const uint8_t *bytes,
                      size_t origin, bool validate_only, wasm_error *err)
{
    comp_reset(c);
    c->m = m;
    c->err = err;
    c->func_index = m->func_imports + def_index;
    c->type = &m->types[m->func_types[c->func_index]];
    c->handlers = interp_handler_table();
    c->r = (reader){bytes, m->body_start[def_index] - origin, m->body_end[def_index] - origin, err,
                    origin};
    c->last_op = OP_COUNT_;
    c->prev_op = OP_COUNT_;
    c->fuse = m->fuse;
    c->retarget = m->fuse || m->retarget;
    c->split_classes = m->retarget && !m->fuse;
    c->validate_only = validate_only;
    /* validating only: the whole body is "dead code" for the emitter */
    c->dead = validate_only;
    func_code *fc = &((wasm_module *)m)->codes[def_index];
    c->instr_offset = m->body_start[def_index];
    if (!validate_only) {
        /* about one code word per body byte: size the buffers once rather than
         * doubling them from 16 (the workspace keeps them for the next body) */
        uint32_t body = m->body_end[def_index] - m->body_start[def_index];
        uint32_t want = (body < (1u << 20) ? body : (1u << 20)) + 64;
        if (!grow(c, (void **)&c->code, &c->cap, sizeof *c->code, want) ||
            !grow(c, (void **)&c->relocs, &c->relcap, sizeof *c->relocs, want))
            return false;
    }

    bool ok = read_locals(c);
    if (ok) {
        ctrl f = {.kind = CK_FUNC, .type_index = fc->type_index};
        f.height = 0;
        f.base_home = TEMP_FLAG;
        f.dead_at_start = c->dead;
        ok = push_ctrl(c, &f);
    }
    ok = ok && compile_body(c) && !c->oom;
    if (ok && validate_only &&
        (uint64_t)c->param_cells + c->local_cells + c->max_shadows + c->max_cells > MAX_FRAME_CELLS)
        ok = fail(c, "function needs too large a frame");
    if (ok && !validate_only)
        ok = finish(c, fc);
    if (ok && !validate_only && m->dump)
        dump_function(fc);
    return ok;
}
