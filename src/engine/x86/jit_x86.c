/* The JIT compiler: x86-64 machine code from a function's internal code
 * (ops.h), after translation (compile.c) has validated it, laid out its
 * frame and resolved its branches.
 *
 * Design of this first tier (see docs/engine.md, "The JIT"):
 *  - one pass per function over the internal code, one machine sequence per
 *    instruction; a pre-pass finds branch targets and refuses functions with
 *    an instruction not handled yet (those keep the interpreter entry);
 *  - values live in the interpreter's frame (rbx = fp), so both tiers share
 *    frames, calls and backtraces, except the hottest slots (loop-weighted
 *    counts from a first pass), kept in rsi/rdi/r8-r11 and xmm2-xmm15 for the
 *    whole function and written back around calls and C helpers; constants
 *    are folded into instructions as immediates (their frame cells are never
 *    read); a compare feeding the next br_if becomes one cmp + jcc;
 *  - fixed registers: rbx fp, r12 jit_ctx, r13 instance, r14 memory base,
 *    r15 memory size in bytes (explicit bounds mode; reloaded after calls
 *    and memory.grow; guard mode keeps the size in jit_ctx.mem_size and
 *    pins a seventh slot in r15), rbp the fuel left (metered) or the frame
 *    records' top (unmetered);
 *  - a function returning one cell returns it in rax too (direct callers
 *    take it from there, not from the frame);
 *  - memory accesses are bounds-checked either by an explicit compare of
 *    address + offset + size against r15, or (guard mode) not at all: the
 *    access faults in the PROT_NONE rest of the memory's reservation and
 *    the fault handler (fault.h) turns the fault into the trap;
 *  - every prologue compares rsp with the context's limit: below it the
 *    function runs in the interpreter (deep recursion continues on the heap);
 *  - a function returns nothing: a trap or failed call unwinds the whole
 *    activation to its C entry (jit_ctx.entry_sp / entry_resume), so call
 *    sites test no status.
 * A real allocator (values in registers between instructions, per program
 * point rather than per slot) is the next step (issue 13). */
#include "engine/codemem.h"
#include "engine/jit.h"
#include "engine/opcodes.h"
#include "engine/ops.h"
#include "engine/perfmap.h"
#include "engine/x86/asm.h"
#include "engine/x86/fault.h"

#include <cpuid.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>

/* A module's machine code: the shared stubs (C entry and the two
 * trampolines), then arenas that take each function compiled on its first
 * call on sealed pages of its own (one mprotect per function; arenas of
 * JIT_ARENA_BYTES save the mmap). Changed under the module's lock. */
#define JIT_ARENA_BYTES (256u << 10)
typedef struct jit_arena {
    code_arena code;
    int fault; /* its fault_region handle (guard mode), else -1 */
} jit_arena;
struct jit_module {
    codemem stubs;
    jit_arena *arenas; /* the last one is being filled */
    size_t narenas, caparenas;
    void *lazy_tramp;   /* every function's jit_fast until its first call */
    void *interp_tramp; /* jit_fast of the functions the compiler does not handle */
    void *osr_entry;    /* the C entry at a loop header (jit_osr_fn) */
    uint32_t compiled;  /* functions with machine code so far */
    uint32_t hot_calls; /* calls from the interpreter before compiling (func_code.hot) */
    uint32_t total;
    bool guard; /* memory accesses unchecked, faults become traps (fault.h) */
};

/* ---- the internal code's instruction lengths and handler words ---------------- */

static const uint8_t op_words[OP_COUNT_] = {
#define OPW(name, words, flags) [OP_##name] = (words),
    ENGINE_OPS(OPW)
#undef OPW
};

/* Handler word -> op: an open-addressing hash table built once per process
 * (O(1) per lookup: every pass over a function decodes each instruction). */
#define OP_HASH_BITS 12
#define OP_HASH_SIZE (1u << OP_HASH_BITS)
_Static_assert(OP_HASH_SIZE >= 4u * OP_COUNT_, "op hash table at most a quarter full");

typedef struct op_key {
    int32_t handler;
    int16_t op; /* -1 empty, -2 a handler shared by two ops (not compiled) */
} op_key;

static op_key op_keys[OP_HASH_SIZE];
static int op_keys_ready; /* 0 no, 1 building, 2 ready */

static uint32_t op_hash(int32_t handler)
{
    return ((uint32_t)handler * 2654435761u) >> (32 - OP_HASH_BITS);
}

static void build_op_keys(void)
{
    int state = __atomic_load_n(&op_keys_ready, __ATOMIC_ACQUIRE);
    if (state == 2)
        return;
    int expected = 0;
    if (__atomic_compare_exchange_n(&op_keys_ready, &expected, 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        const int32_t *h = interp_handler_table();
        for (uint32_t k = 0; k < OP_HASH_SIZE; k++)
            op_keys[k].op = -1;
        for (int i = 0; i < OP_COUNT_; i++) {
            uint32_t k = op_hash(h[i]);
            while (op_keys[k].op != -1 && op_keys[k].handler != h[i])
                k = (k + 1) & (OP_HASH_SIZE - 1);
            op_keys[k].op = op_keys[k].op == -1 ? (int16_t)i : -2;
            op_keys[k].handler = h[i];
        }
        __atomic_store_n(&op_keys_ready, 2, __ATOMIC_RELEASE);
        return;
    }
    while (__atomic_load_n(&op_keys_ready, __ATOMIC_ACQUIRE) != 2)
        ;
}

/* The op of a handler word, or -1 (unknown or shared by two handlers). */
static int op_of(uint32_t word)
{
    for (uint32_t k = op_hash((int32_t)word);; k = (k + 1) & (OP_HASH_SIZE - 1)) {
        if (op_keys[k].op == -1)
            return -1;
        if (op_keys[k].handler == (int32_t)word)
            return op_keys[k].op < 0 ? -1 : op_keys[k].op;
    }
}

static bool cpu_has_popcnt(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_POPCNT);
}

static bool cpu_has_sse41(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1);
}

/* BMI1 and BMI2 (andn, rorx) */
static bool cpu_has_bmi2(void)
{
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_BMI2) && (b & bit_BMI);
}

/* AVX usable: the CPU has it and the OS (or the Keep's shim) saves its
 * state: CR4.OSXSAVE (cpuid's OSXSAVE bit, without which xgetbv faults)
 * and XCR0's SSE and AVX bits. A Keep starting with XCR0 = x87 only gets
 * the SSE forms. */
static bool cpu_has_avx(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
        return false;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 6) == 6;
}

/* ---- one function ---------------------------------------------------------------- */

/* FIX_CONST: a rip-relative operand of the constant in slot `target`,
 * placed in the pool after the function's code. FIX_CALL: a call rel32 to
 * code already placed (another compiled function), patched once the
 * function's own address is known (place_linked) */
enum { FIX_REL32, FIX_TABLE, FIX_CONST, FIX_CALL };

typedef struct jfix {
    size_t at;          /* buffer offset of the rel32 / table entry */
    size_t table_base;  /* FIX_TABLE: the offset entries are relative to;
                         * FIX_CALL: the callee's address */
    uint32_t target;    /* internal code position */
    uint8_t kind;
} jfix;

typedef struct jtrap {
    size_t at;       /* the jcc/jmp rel32 to the stub */
    uint32_t kind;   /* 0: the trap kind is in eax */
    uint32_t pos;
} jtrap;

/* A call whose record reached jit_ctx.fcut (native stack low, or the
 * records full): its out-of-line path (emitted after the body) runs the
 * callee in the interpreter, or traps at fend, then continues at back. */
typedef struct jcold {
    size_t at;                /* the jae rel32 to the path */
    size_t back;              /* where the call continues (record popped, result in rax) */
    const func_code *callee;  /* NULL: its func_code is in rsi (call_checked) */
    uint32_t pos, ret_pos, base;
    bool ret1;                /* returns one cell: rax = its frame's first cell */
} jcold;

typedef struct jc {
    xbuf *b;
    const wasm_module *m;
    const func_code *fc;
    const uint32_t *code;
    uint32_t n;
    uint32_t *native;     /* per code position: buffer offset of its machine code */
    uint8_t *target;      /* per code position: TARGET_* bits */
    jfix *fix;
    size_t nfix, capfix;
    jtrap *traps;
    size_t ntrap, captrap;
    jcold *colds;
    size_t ncold, capcold;
    size_t ncalls;        /* FIX_CALL fixes */
    bool no_direct;       /* call compiled callees through jit_fast (rel32 out of reach) */
    size_t epilogue, common_trap;
    size_t entry;         /* buffer offset of the function's entry (after its stubs) */
    uint32_t flags_pos;   /* the position whose br_if may use the flags */
    uint32_t flags_slot;
    int flags_cc;
    /* the instruction at zf_pos may test slot zf_slot (an i32) with ZF: the
     * ALU operation that computed it just set the flags */
    uint32_t zf_pos, zf_slot;
    bool oom;
    bool unhandled;
    bool popcnt;
    /* Guard mode: no bounds compares; every access instruction is recorded
     * (sites: buffer offset, position, the function's trap path) for the
     * fault handler. access_pos: the position of the access being emitted. */
    bool guard;
    fault_site *sites;
    size_t nsites, capsites;
    uint32_t access_pos;
    bool sse41;
    bool bmi2;  /* BMI1 and BMI2: rorx (rotates), andn */
    bool avx; /* scalar float arithmetic in VEX's three-operand form */
    /* Register allocation: the hottest slots live in registers for the whole
     * function (pin[slot]: 0 none, PIN_GPR + register, PIN_XMM + register).
     * A first emission pass only counts accesses (counting), weighted by
     * loop depth (depth[pos]); calls and C helpers run with every pinned
     * value written back to the frame and reloaded after (unpinned). */
    uint8_t *pin;
    uint32_t *uses_int, *uses_float; /* per slot, weighted */
    uint8_t *v128;                   /* per slot: some instruction reads or writes it as half a v128 */
    uint32_t *depth;                 /* per code position: loops around it */
    uint64_t call_weight;
    uint32_t cur_pos;
    uint32_t frame_cells;
    bool counting;
    bool unpinned;
    bool elided;       /* the instruction just emitted left its result in the flags only */
    uint32_t result_in_rax; /* after a direct call: its result slot, also in rax (or UINT32_MAX) */
    uint32_t fwd; /* the temporary whose value the float operation just emitted left in xmm1
                   * for the next one (forwards_to), or UINT32_MAX */
    /* the temporary whose value (a zero-extended i32) the instruction just
     * emitted left in rax as the next access's address (forwards_addr):
     * ifwd_out as set by the producer, ifwd_in while the next one is
     * emitted; UINT32_MAX for none */
    uint32_t ifwd_in, ifwd_out;
    /* Within a basic block (cleared at branch targets and calls): the
     * pinned GPRs known to hold a zero-extended i32 (bit per register),
     * and the address slots whose accesses were bounds-checked, with the
     * end (offset + size) each check covered (see mem_addr). zx_always:
     * the registers of the GPR-pinned i32 parameters and locals, which hold
     * a zero-extended value everywhere in the function (see i32_homes):
     * part of zx at every point. */
    uint32_t zx, zx_always;
    struct { uint32_t slot; uint64_t end; } checked[8];
    uint32_t nchecked, next_checked;
    /* loop headers (the positions after a LOOP that a backward branch
     * targets): the interpreter may continue a running call there (OSR) */
    uint32_t *osr_pos;
    uint32_t *osr_off; /* each one's entry: offset in the function's code */
    size_t nosr, caposr;
} jc;

enum { PIN_GPR = 0x20, PIN_XMM = 0x40 };
/* j->target[pos]: a branch lands at pos; pos follows a LOOP instruction */
enum { TARGET_BRANCH = 1, TARGET_AFTER_LOOP = 2 };
/* The extensions m's machine code may use: what the CPU (for AVX, also the
 * OS or the Keep's shim) offers, without AVX and BMI when the module asks
 * for the baseline (wasm_module_options.baseline_isa), which keeps their
 * fallback encodings tested on machines that have both. */
static void use_isa(jc *j, const wasm_module *m)
{
    j->popcnt = cpu_has_popcnt();
    j->sse41 = cpu_has_sse41();
    j->bmi2 = !m->baseline_isa && cpu_has_bmi2();
    j->avx = !m->baseline_isa && cpu_has_avx();
}

static bool is_target(const jc *j, uint32_t pos) { return (j->target[pos] & TARGET_BRANCH) != 0; }
/* r15 last: it holds memory 0's size in explicit bounds mode, where only the
 * first six are pinned (pin_gpr_count) */
static const int pin_gprs[] = {RSI, RDI, R8, R9, R10, R11, R15};
static uint32_t pin_gpr_count(bool guard)
{
    uint32_t all = sizeof pin_gprs / sizeof *pin_gprs;
    return guard ? all : all - 1;
}
#define PIN_XMMS 14 /* xmm2..xmm15 */

/* The compiler's growable lists: arr reallocated to twice *cap elements
 * (first: the first capacity), *cap updated; NULL (arr kept) when out of
 * memory or the size would overflow. */
static void *grown(void *arr, size_t *cap, size_t elem, size_t first)
{
    size_t want = *cap ? *cap * 2 : first;
    if (want < *cap || want > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(arr, want * elem);
    if (p)
        *cap = want;
    return p;
}

static bool push_fix(jc *j, jfix f)
{
    if (j->nfix == j->capfix) {
        jfix *p = grown(j->fix, &j->capfix, sizeof *p, 64);
        if (!p)
            return !(j->oom = true);
        j->fix = p;
    }
    j->fix[j->nfix++] = f;
    return true;
}

static void add_trap(jc *j, size_t at, uint32_t kind, uint32_t pos)
{
    if (j->ntrap == j->captrap) {
        jtrap *p = grown(j->traps, &j->captrap, sizeof *p, 32);
        if (!p) {
            j->oom = true;
            return;
        }
        j->traps = p;
    }
    j->traps[j->ntrap++] = (jtrap){at, kind, pos};
}

static void trap_if(jc *j, int cc, uint32_t kind, uint32_t pos)
{
    add_trap(j, x_jcc32(j->b, cc), kind, pos);
}

static void trap_always(jc *j, uint32_t kind, uint32_t pos)
{
    add_trap(j, x_jmp32(j->b), kind, pos);
}

static void charge(jc *j, int64_t cost, uint32_t pos);

/* A jump (cc < 0) or conditional jump from pos to target. A backward one
 * closes a loop iteration: it charges the loop's cost (the word before the
 * target) as the interpreter does. */
static void branch_to(jc *j, int cc, uint32_t pos, uint32_t target)
{
    if (target <= pos && target >= 2 && (j->target[target] & TARGET_AFTER_LOOP)) {
        /* to a loop header: through the LOOP instruction itself, whose
         * charge is this one (the same cost, the same trap position) */
        size_t at = cc < 0 ? x_jmp32(j->b) : x_jcc32(j->b, cc);
        push_fix(j, (jfix){at, 0, target - 2, FIX_REL32});
        return;
    }
    if (target <= pos && target > 0) {
        size_t skip = cc < 0 ? 0 : x_jcc8(j->b, cc ^ 1);
        charge(j, (int32_t)j->code[target - 1], target);
        push_fix(j, (jfix){x_jmp32(j->b), 0, target, FIX_REL32});
        if (cc >= 0)
            x_link8(j->b, skip);
        return;
    }
    size_t at = cc < 0 ? x_jmp32(j->b) : x_jcc32(j->b, cc);
    push_fix(j, (jfix){at, 0, target, FIX_REL32});
}

/* ---- operands ---- */

static int32_t disp(uint32_t slot) { return (int32_t)(slot * 8u); }

static bool is_const(const jc *j, uint32_t slot)
{
    return slot >= j->fc->const_base && slot - j->fc->const_base < j->fc->const_count;
}

/* A temporary (float twins included): above the parameters, locals and
 * constants. Popped by the instruction that reads it, so a value only the
 * next instruction reads need never be stored (flags_only, forwards_to). */
static bool is_temp(const jc *j, uint32_t slot)
{
    return slot >= j->fc->const_base + j->fc->const_count && slot < j->frame_cells;
}

static uint64_t const_of(const jc *j, uint32_t slot)
{
    return j->fc->consts[slot - j->fc->param_cells];
}

static uint32_t loop_weight(const jc *j)
{
    uint32_t d = j->depth ? j->depth[j->cur_pos] : 0;
    return 1u << (4 * (d < 4 ? d : 4));
}

/* Notes an access (counting pass); returns the slot's register, or -1. */
static int pin_of(jc *j, uint32_t slot, bool is_float)
{
    if (j->counting) {
        if (slot < j->frame_cells && !is_const(j, slot))
            (is_float ? j->uses_float : j->uses_int)[slot] += loop_weight(j);
        return -1;
    }
    if (!j->pin || j->unpinned || slot >= j->frame_cells || !j->pin[slot])
        return -1;
    return j->pin[slot];
}

/* Counting pass: slot and slot + 1 hold a v128 somewhere in the function.
 * Such cells are never pinned: SIMD helpers read and write them in the
 * frame, and a pin would class half a vector as an integer or a float. */
static void note_v128(jc *j, uint32_t slot)
{
    for (uint32_t c = 0; c < 2 && j->counting; c++)
        if (slot + c < j->frame_cells)
            j->v128[slot + c] = 1;
}

static bool pin_is_xmm(int p) { return (p & PIN_XMM) != 0; }
static int pin_reg(int p) { return p & 0x1f; }

static void ld32(jc *j, int reg, uint32_t slot)
{
    int p = pin_of(j, slot, false);
    if (is_const(j, slot))
        x_mov_imm(j->b, reg, (uint32_t)const_of(j, slot));
    else if (p < 0)
        x_mov_load(j->b, false, reg, RBX, disp(slot));
    else if (pin_is_xmm(p))
        x_rr(j->b, XOPP(0x66, false, 0x0f7e, 2), pin_reg(p), reg); /* movd reg, xmm */
    else
        x_mov_rr(j->b, false, reg, pin_reg(p));
}

static void ld64(jc *j, int reg, uint32_t slot)
{
    int p = pin_of(j, slot, false);
    if (is_const(j, slot))
        x_mov_imm(j->b, reg, const_of(j, slot));
    else if (p < 0)
        x_mov_load(j->b, true, reg, RBX, disp(slot));
    else if (pin_is_xmm(p))
        x_rr(j->b, XOPP(0x66, true, 0x0f7e, 2), pin_reg(p), reg); /* movq reg, xmm */
    else
        x_mov_rr(j->b, true, reg, pin_reg(p));
}

static void st64(jc *j, uint32_t slot, int reg)
{
    int p = pin_of(j, slot, false);
    if (p < 0)
        x_mov_store(j->b, true, RBX, disp(slot), reg);
    else if (pin_is_xmm(p))
        x_rr(j->b, XOPP(0x66, true, 0x0f6e, 2), pin_reg(p), reg); /* movq xmm, reg */
    else
        x_mov_rr(j->b, true, pin_reg(p), reg);
}

/* The pin of slot s (a parameter, local or temporary) in the emitting pass, or 0. */
static int local_pin(const jc *j, uint32_t s)
{
    return j->pin && !j->counting && s < j->frame_cells ? j->pin[s] : 0;
}

/* Whether slot s is kept zero-extended in its register (zx_always). */
static bool zx_home(const jc *j, uint32_t s)
{
    int p = local_pin(j, s);
    return p && !pin_is_xmm(p) && (j->zx_always & (1u << pin_reg(p)));
}

/* Writes every pinned slot but `skip` back to the frame (before code that
 * reads the frame or clobbers registers: calls, C helpers), or reloads
 * them after. */
static void sync_pinned_but(jc *j, bool to_frame, uint32_t skip)
{
    if (!j->pin || j->counting)
        return;
    for (uint32_t s = 0; s < j->frame_cells; s++) {
        int p = j->pin[s];
        if (!p || s == skip)
            continue;
        if (pin_is_xmm(p))
            x_rm(j->b, XOPP(0xf2, false, to_frame ? 0x0f11 : 0x0f10, 2), pin_reg(p), RBX, -1, disp(s));
        else if (to_frame)
            x_mov_store(j->b, true, RBX, disp(s), pin_reg(p));
        else /* an i32 home 32-bit: its cell's upper half may be garbage */
            x_mov_load(j->b, !zx_home(j, s), pin_reg(p), RBX, disp(s));
    }
}

static void sync_pinned(jc *j, bool to_frame) { sync_pinned_but(j, to_frame, UINT32_MAX); }

/* After a call out: the pinned values reloaded, a direct call's result
 * (result_in_rax) from rax rather than the frame. */
static void reload_pinned(jc *j)
{
    uint32_t r = j->result_in_rax;
    j->result_in_rax = UINT32_MAX;
    sync_pinned_but(j, false, r);
    int p = r == UINT32_MAX ? 0 : local_pin(j, r);
    if (!p)
        return;
    if (pin_is_xmm(p))
        x_rr(j->b, XOPP(0x66, true, 0x0f6e, 2), pin_reg(p), RAX); /* movq xmm, rax */
    else
        x_mov_rr(j->b, !zx_home(j, r), pin_reg(p), RAX);
}

/* A constant's cell, written for code that reads the frame (C helpers):
 * harmless, constants never change. */
static void materialize(jc *j, uint32_t slot)
{
    if (is_const(j, slot)) {
        x_mov_imm(j->b, RAX, const_of(j, slot));
        st64(j, slot, RAX);
    }
}

/* op reg, [rip + the constant in slot] (the pool after the code) */
static void x_const_operand(jc *j, xop o, int reg, uint32_t slot)
{
    xbuf *b = j->b;
    if (b->discard)
        return;
    x_head(b, o, reg, 0, 0, false);
    xb_byte(b, (uint8_t)(((reg & 7) << 3) | 5)); /* mod 00, rm 101: rip + disp32 */
    size_t at = b->len;
    xb_u32(b, 0);
    push_fix(j, (jfix){at, 0, slot, FIX_CONST});
}

/* op reg, vreg, [rip + the constant in slot] (VEX form, pp: the SSE prefix) */
static void x_const_operand_vex(jc *j, uint8_t pp, uint8_t op, int reg, int vreg, uint32_t slot)
{
    xbuf *b = j->b;
    if (b->discard)
        return;
    x_vex_head(b, pp, op, reg, vreg, 0, 0);
    xb_byte(b, (uint8_t)(((reg & 7) << 3) | 5)); /* mod 00, rm 101: rip + disp32 */
    size_t at = b->len;
    xb_u32(b, 0);
    push_fix(j, (jfix){at, 0, slot, FIX_CONST});
}

/* xmm = the f32 (dbl: f64) in slot */
static void ldf(jc *j, int xmm, uint32_t slot, bool dbl)
{
    int p = pin_of(j, slot, true);
    if (is_const(j, slot)) {
        x_const_operand(j, XOPP(dbl ? 0xf2 : 0xf3, false, 0x0f10, 2), xmm, slot); /* movs[sd] */
    } else if (p < 0) {
        x_rm(j->b, XOPP(dbl ? 0xf2 : 0xf3, false, 0x0f10, 2), xmm, RBX, -1, disp(slot));
    } else if (pin_is_xmm(p)) {
        x_rr(j->b, XOP(0x0f28, 2), xmm, pin_reg(p)); /* movaps */
    } else {
        x_rr(j->b, XOPP(0x66, dbl, 0x0f6e, 2), xmm, pin_reg(p));
    }
}

static void stf(jc *j, uint32_t slot, int xmm, bool dbl)
{
    int p = pin_of(j, slot, true);
    if (p < 0)
        x_rm(j->b, XOPP(dbl ? 0xf2 : 0xf3, false, 0x0f11, 2), xmm, RBX, -1, disp(slot));
    else if (pin_is_xmm(p))
        x_rr(j->b, XOP(0x0f28, 2), pin_reg(p), xmm);
    else /* an f32 leaves the upper half zero: unspecified anyway */
        x_rr(j->b, XOPP(0x66, dbl, 0x0f7e, 2), xmm, pin_reg(p)); /* movd/movq r, xmm */
}

static void call_abs(jc *j, const void *fn)
{
    x_mov_imm(j->b, RAX, (uint64_t)(uintptr_t)fn);
    x_call_r(j->b, RAX);
}

/* Fuel (rbp): charged as the interpreter does, at function entry, loop
 * entry and backward branches; running out traps at pos. In a store without
 * fuel rbp starts at INT64_MAX and cannot run out in practice; a module
 * compiled unmetered (no store may meter it) charges nothing. */
static void charge(jc *j, int64_t cost, uint32_t pos)
{
    if (j->m->unmetered)
        return;
    if (fits_i32(cost)) {
        x_alu_imm(j->b, true, 5, RBP, (int32_t)cost);
    } else {
        x_mov_imm(j->b, RAX, (uint64_t)cost);
        x_rr(j->b, XOPW(0x29, 1), RAX, RBP); /* sub rbp, rax */
    }
    trap_if(j, CC_S, WASM_TRAP_FUEL_EXHAUSTED, pos);
}

/* rbp holds the fuel left in a metered module's code; an unmetered
 * module's code, which charges none, keeps the frame records' top there
 * instead (jit_ctx.ftop in memory only while C code runs): a call then
 * pushes and pops its record without a load and store of ftop. */
static int32_t rbp_home(bool unmetered)
{
    return unmetered ? (int32_t)offsetof(jit_ctx, ftop) : (int32_t)offsetof(jit_ctx, fuel);
}

/* rbp into its jit_ctx field (before C code that reads it) and back */
static void emit_rbp_out(xbuf *b, bool unmetered) { x_mov_store(b, true, R12, rbp_home(unmetered), RBP); }
static void emit_rbp_in(xbuf *b, bool unmetered) { x_mov_load(b, true, RBP, R12, rbp_home(unmetered)); }

/* around calls into other code, which keeps the fuel and ftop in the context */
static void fuel_out(jc *j) { emit_rbp_out(j->b, j->m->unmetered); }
static void fuel_in(jc *j) { emit_rbp_in(j->b, j->m->unmetered); }

/* r14 = memory 0's base and its size into r15 (explicit bounds mode) or
 * jit_ctx.mem_size (guard mode: r15 may hold a pinned value), from the
 * instance in r13 (rcx clobbered, rax kept: it may hold a status). Every
 * function keeps them current for its callers: after anything that may
 * grow memory. */
static void emit_reload_mem(xbuf *b, bool guard)
{
    int size = guard ? RCX : R15;
    x_mov_load(b, true, RCX, R13, (int32_t)offsetof(wasm_instance, mem0));
    x_rr(b, XOP(0x31, 1), R14, R14); /* xor r14d, r14d */
    if (!guard)
        x_rr(b, XOP(0x31, 1), R15, R15);
    x_rr(b, XOPW(0x85, 1), RCX, RCX);
    size_t skip = x_jcc8(b, CC_E);
    x_mov_load(b, true, R14, RCX, (int32_t)offsetof(wasm_memory, data));
    x_mov_load(b, true, size, RCX, (int32_t)offsetof(wasm_memory, size));
    x_link8(b, skip);
    if (guard) /* rcx: the size, or 0 (no memory) */
        x_mov_store(b, true, R12, (int32_t)offsetof(jit_ctx, mem_size), RCX);
}

static void reload_mem(jc *j) { emit_reload_mem(j->b, j->guard); }

/* cmp reg, memory 0's size (64-bit) */
static void cmp_mem_size(jc *j, int reg)
{
    if (j->guard)
        x_rm(j->b, XOPW(0x3b, 1), reg, R12, -1, (int32_t)offsetof(jit_ctx, mem_size));
    else
        x_rr(j->b, XOPW(0x3b, 1), reg, R15);
}

/* Ends the activation with the status in eax (a trap or failure already
 * reported): back to its C entry, past every machine-code frame. */
static void emit_unwind(xbuf *b)
{
    x_mov_load(b, true, RSP, R12, (int32_t)offsetof(jit_ctx, entry_sp));
    x_rm(b, XOP(0xff, 1), 4, R12, -1, (int32_t)offsetof(jit_ctx, entry_resume)); /* jmp [r12+resume] */
}

/* ---- integer operations ---- */

/* ALU opcodes "op r, r/m" and group-1 extensions */
typedef struct alu { uint8_t rm_op; uint8_t ext; } alu;
static const alu ALU_ADD = {0x03, 0}, ALU_OR = {0x0b, 1}, ALU_AND = {0x23, 4},
                 ALU_SUB = {0x2b, 5}, ALU_XOR = {0x33, 6}, ALU_CMP = {0x3b, 7};

/* The GPR slot is pinned to, or -1 (a constant, a frame cell or an xmm
 * register); counts an integer use. */
static int gpr_of(jc *j, uint32_t slot)
{
    if (is_const(j, slot))
        return -1;
    int p = pin_of(j, slot, false);
    return p >= 0 && !pin_is_xmm(p) ? pin_reg(p) : -1;
}

/* The xmm register slot is pinned to, or -1; counts a float use. */
static int xmm_of(jc *j, uint32_t slot)
{
    if (is_const(j, slot))
        return -1;
    int p = pin_of(j, slot, true);
    return p >= 0 && pin_is_xmm(p) ? pin_reg(p) : -1;
}

/* Counts a use that is neither integer nor float (a copy, a value loaded
 * or stored): the slot's other uses choose its register class. Returns its
 * pin, or -1. */
static int pin_any(jc *j, uint32_t slot)
{
    if (j->counting) {
        if (slot < j->frame_cells && !is_const(j, slot)) {
            j->uses_int[slot] += loop_weight(j);
            j->uses_float[slot] += loop_weight(j);
        }
        return -1;
    }
    return is_const(j, slot) ? -1 : pin_of(j, slot, false);
}

/* A non-constant slot kept in the frame (no register). Counts nothing:
 * the caller counted the use (gpr_of, xmm_of). */
static bool in_frame(jc *j, uint32_t slot)
{
    if (is_const(j, slot))
        return false;
    if (j->counting)
        return true;
    return pin_of(j, slot, false) < 0;
}

/* d = x op y with y in d's register and x not: an operation that commutes
 * swaps its operands, so that d's register can take x first. reg_of:
 * gpr_of or xmm_of (rx, ry: the operands' registers). */
static void commute_for_dst(jc *j, int (*reg_of)(jc *, uint32_t), int rd, uint32_t *x,
                            uint32_t *y, int *rx, int *ry)
{
    if (rd < 0 || *ry != rd || *rx == rd)
        return;
    uint32_t t = *x;
    *x = *y;
    *y = t;
    *rx = *ry;
    *ry = reg_of(j, *y);
}

static void ld_int(jc *j, bool w, int reg, uint32_t slot)
{
    if (w)
        ld64(j, reg, slot);
    else
        ld32(j, reg, slot);
}

/* A constant operand as the immediate of a w-bit operation (sign-extended
 * from 32 bits): whether it fits. */
static bool const_imm(jc *j, bool w, uint32_t slot, int64_t *imm)
{
    if (!is_const(j, slot))
        return false;
    uint64_t v = const_of(j, slot);
    *imm = w ? (int64_t)v : (int64_t)(int32_t)(uint32_t)v;
    return fits_i32(*imm);
}

/* r op= b (r is not rcx: rcx is the scratch for b) */
static void alu_to(jc *j, bool w, alu a, int r, uint32_t b)
{
    int64_t imm;
    if (const_imm(j, w, b, &imm)) {
        x_alu_imm(j->b, w, a.ext, r, (int32_t)imm);
        return;
    }
    int rb = gpr_of(j, b);
    if (rb >= 0) {
        x_rr(j->b, (xop){0, w, a.rm_op, 1}, r, rb);
    } else if (in_frame(j, b)) {
        x_rm(j->b, (xop){0, w, a.rm_op, 1}, r, RBX, -1, disp(b));
    } else { /* a wide constant, or a value in an xmm register */
        ld_int(j, w, RCX, b);
        x_rr(j->b, (xop){0, w, a.rm_op, 1}, r, RCX);
    }
}

/* The register an integer result is computed in: dst's own (when b, read
 * after the first operand is in place, does not live there), else rax, to
 * be stored by finish_int. */
static int result_reg(jc *j, uint32_t dst, int ra, int rb)
{
    int rd = gpr_of(j, dst);
    if (rd >= 0 && rb == rd && ra != rd)
        return RAX;
    return rd >= 0 ? rd : RAX;
}

static void finish_int(jc *j, uint32_t dst, int r)
{
    if (r == RAX && j->ifwd_out != dst)
        st64(j, dst, RAX);
}

/* Whether the i32 result t of the integer operation at pos is only the
 * address of the scalar load or store at next: it is then computed in rax
 * (a 32-bit operation: zero-extended) and mem_addr takes it from there,
 * never written to a register of its own or the frame (forwarded).
 * Sound by forwards_to's argument: next pops t (a temporary), is no branch
 * target, and nothing runs in between; mem_addr reads rax before anything
 * of next's clobbers it (the loaded value goes to rcx or a pin, a stored
 * one comes from its pin or rdx; v128 accesses, whose constant operands
 * go through rax, do not qualify). A temporary every value of which is
 * forwarded counts no use, so its pin goes to a slot that lives longer. */
static bool forwards_addr(const jc *j, bool w, uint32_t t, uint32_t next)
{
    if (w || !is_temp(j, t) ||
        next + 4 > j->n || is_target(j, next))
        return false;
    const uint32_t *npc = j->code + next;
    switch (op_of(npc[0])) {
    case OP_LD_I32: case OP_LD_I64: case OP_LD_I32_8S: case OP_LD_I32_8U: case OP_LD_I32_16S:
    case OP_LD_I32_16U: case OP_LD_I64_8S: case OP_LD_I64_8U: case OP_LD_I64_16S:
    case OP_LD_I64_16U: case OP_LD_I64_32S: case OP_LD_I64_32U:
        return npc[2] == t;
    case OP_ST_8: case OP_ST_16: case OP_ST_32: case OP_ST_64:
        return npc[1] == t && npc[2] != t;
    default:
        return false;
    }
}

/* dst = a op b: in dst's register when it has one (`add r8d, r11d`,
 * `add r8d, 12`), three-operand adds and subtractions of registers as lea;
 * 32-bit operations leave the upper half zero (mem_addr relies on it). */
static void binop(jc *j, bool w, alu a, const uint32_t *pc, bool commutative)
{
    uint32_t x = pc[2], y = pc[3];
    bool fwd = forwards_addr(j, w, pc[1], (uint32_t)(pc - j->code) + 4);
    int rx = gpr_of(j, x), ry = gpr_of(j, y), rd = fwd ? -1 : gpr_of(j, pc[1]);
    if (commutative)
        commute_for_dst(j, gpr_of, rd, &x, &y, &rx, &ry);
    if (commutative && !fwd && rd < 0 && y == pc[1] && x != y) { /* d = x op d: d op= x below */
        y = x;
        x = pc[1];
        int t = rx;
        rx = ry;
        ry = t;
    }
    int r = fwd ? RAX : result_reg(j, pc[1], rx, ry);
    if (fwd)
        j->ifwd_out = pc[1]; /* the stores below are then skipped */
    if (fwd && j->counting)
        j->uses_int[pc[1]] += loop_weight(j);
    bool is_add = a.ext == ALU_ADD.ext, is_sub = a.ext == ALU_SUB.ext;
    int64_t imm;
    if (!fwd && rd < 0 && x == pc[1] && in_frame(j, x) && y != x &&
        (ry >= 0 || const_imm(j, w, y, &imm) || !j->counting)) { /* counted as before */
        /* x op= y on a frame cell: op [rbx+x], imm / reg (an i32 leaves the
         * cell's upper half as it was: unspecified); y from elsewhere
         * through rax */
        if (ry < 0 && !const_imm(j, w, y, &imm)) {
            ld_int(j, w, RAX, y);
            ry = RAX;
        }
        if (ry >= 0)
            x_rm(j->b, (xop){0, w, (uint8_t)(a.rm_op - 2), 1}, ry, RBX, -1, disp(x));
        else
            x_alu_imm_mem(j->b, w, a.ext, RBX, disp(x), (int32_t)imm);
        if (!w) {
            j->zf_pos = (uint32_t)(pc - j->code) + 4;
            j->zf_slot = pc[1];
        }
        return;
    }
    if (rx >= 0 && rx != r && (is_add || is_sub)) {
        if (is_add && ry >= 0) { /* lea r, [x + y] */
            x_rm(j->b, (xop){0, w, 0x8d, 1}, r, rx, ry, 0);
            finish_int(j, pc[1], r);
            return;
        }
        if (const_imm(j, w, y, &imm) && fits_i32(is_sub ? -imm : imm)) { /* lea r, [x + imm] */
            x_rm(j->b, (xop){0, w, 0x8d, 1}, r, rx, -1, (int32_t)(is_sub ? -imm : imm));
            finish_int(j, pc[1], r);
            return;
        }
    }
    if (rx != r)
        ld_int(j, w, r, x);
    alu_to(j, w, a, r, y);
    finish_int(j, pc[1], r); /* movs: the flags stay the operation's */
    if (!w) {
        j->zf_pos = (uint32_t)(pc - j->code) + 4;
        j->zf_slot = pc[1];
    }
}

/* Whether ZF already tells whether i32 slot is zero at pos (zf_pos) */
static bool zf_holds(const jc *j, uint32_t slot, uint32_t pos)
{
    return j->zf_pos == pos && j->zf_slot == slot && !is_target(j, pos);
}

static void mul(jc *j, bool w, const uint32_t *pc)
{
    uint32_t x = pc[2], y = pc[3];
    if (is_const(j, x) && !is_const(j, y)) { /* the constant second: imul r, x, imm */
        x = pc[3];
        y = pc[2];
    }
    int rx = gpr_of(j, x), ry = gpr_of(j, y), rd = gpr_of(j, pc[1]);
    commute_for_dst(j, gpr_of, rd, &x, &y, &rx, &ry);
    int r = result_reg(j, pc[1], rx, ry);
    int64_t imm;
    if (const_imm(j, w, y, &imm)) {
        xop o = {0, w, fits_i8(imm) ? 0x6b : 0x69, 1}; /* imul r, r/m, imm */
        if (rx >= 0) {
            x_rr(j->b, o, r, rx);
        } else if (in_frame(j, x)) {
            x_rm(j->b, o, r, RBX, -1, disp(x));
        } else {
            ld_int(j, w, r, x);
            x_rr(j->b, o, r, r);
        }
        if (fits_i8(imm))
            xb_byte(j->b, (uint8_t)(int8_t)imm);
        else
            xb_u32(j->b, (uint32_t)imm);
        finish_int(j, pc[1], r);
        return;
    }
    if (rx != r)
        ld_int(j, w, r, x);
    if (ry >= 0) {
        x_rr(j->b, (xop){0, w, 0x0faf, 2}, r, ry);
    } else if (in_frame(j, y)) {
        x_rm(j->b, (xop){0, w, 0x0faf, 2}, r, RBX, -1, disp(y));
    } else {
        ld_int(j, w, RCX, y);
        x_rr(j->b, (xop){0, w, 0x0faf, 2}, r, RCX);
    }
    finish_int(j, pc[1], r);
}

static const uint8_t cc_of_cmp[10] = {CC_E, CC_NE, CC_L, CC_B, CC_G, CC_A, CC_LE, CC_BE, CC_GE, CC_AE};

/* Whether the value of the compare at pos (into dst) is only the condition
 * of the br_if/br_unless at next_pos, which then reads the flags: the
 * compare need not write it. Proof from the translator's stack discipline
 * (compile.c): a temporary slot (above the constants) is the home of one
 * operand-stack height; the compare pushed its result there and the branch
 * pops it, so on both of the branch's paths the height is below that slot,
 * and any later read of the slot follows a later push that writes it
 * (branch targets take their values at lower heights). Locals (a
 * local.tee retargeted the compare) and positions other code jumps to
 * (another predecessor would not have set the flags) do not qualify. */
static bool flags_only(const jc *j, uint32_t dst, uint32_t next_pos)
{
    if (next_pos + 2 >= j->n || is_target(j, next_pos) ||
        !is_temp(j, dst))
        return false;
    int op = op_of(j->code[next_pos]);
    if (op == OP_I32_EQZ && j->code[next_pos + 1] == dst && j->code[next_pos + 2] == dst)
        return flags_only(j, dst, next_pos + 3); /* `if (!(a < b))`: eqz only inverts (eqz) */
    return (op == OP_BR_IF || op == OP_BR_UNLESS) && j->code[next_pos + 1] == dst;
}

/* dst = cc (flags set): materialized unless only the next br_if reads it */
static void set_flag_result(jc *j, int cc, uint32_t dst, uint32_t next_pos)
{
    j->flags_pos = next_pos;
    j->flags_slot = dst;
    j->flags_cc = cc;
    if (flags_only(j, dst, next_pos)) {
        j->elided = true;
        return;
    }
    int rd = gpr_of(j, dst);
    x_rr(j->b, XOP(0x0f90 | cc, 2), 0, RAX); /* setcc al */
    x_rr(j->b, XOP(0x0fb6, 2), rd >= 0 ? rd : RAX, RAX); /* movzx r32, al */
    if (rd < 0)
        st64(j, dst, RAX);
}

static void compare(jc *j, bool w, int cc, const uint32_t *pc, uint32_t next_pos)
{
    int r = gpr_of(j, pc[2]);
    int64_t imm;
    if (r < 0 && in_frame(j, pc[2])) { /* cmp [slot], imm / reg */
        int ry = gpr_of(j, pc[3]);
        if (const_imm(j, w, pc[3], &imm)) {
            x_alu_imm_mem(j->b, w, ALU_CMP.ext, RBX, disp(pc[2]), (int32_t)imm);
            set_flag_result(j, cc, pc[1], next_pos);
            return;
        }
        if (ry >= 0) {
            x_rm(j->b, (xop){0, w, 0x39, 1}, ry, RBX, -1, disp(pc[2]));
            set_flag_result(j, cc, pc[1], next_pos);
            return;
        }
    }
    if (r < 0) {
        ld_int(j, w, RAX, pc[2]);
        r = RAX;
    }
    alu_to(j, w, ALU_CMP, r, pc[3]);
    set_flag_result(j, cc, pc[1], next_pos);
}

static void eqz(jc *j, bool w, const uint32_t *pc, uint32_t next_pos)
{
    uint32_t pos = (uint32_t)(pc - j->code);
    if (!w && j->flags_pos == pos && j->flags_slot == pc[2] && !is_target(j, pos)) {
        /* of a compare just made (its value maybe only in the flags: the
         * operand is then pc[1] too, flags_only): the opposite condition */
        set_flag_result(j, j->flags_cc ^ 1, pc[1], next_pos);
        return;
    }
    int r = gpr_of(j, pc[2]);
    if (!w && zf_holds(j, pc[2], pos)) {
        /* ZF set by the operation that computed the operand */
    } else if (r < 0 && in_frame(j, pc[2])) {
        x_alu_imm_mem(j->b, w, 7, RBX, disp(pc[2]), 0); /* cmp [slot], 0 */
    } else {
        if (r < 0) {
            ld_int(j, w, RAX, pc[2]);
            r = RAX;
        }
        x_rr(j->b, (xop){0, w, 0x85, 1}, r, r);
    }
    set_flag_result(j, CC_E, pc[1], next_pos);
}

/* A VEX-encoded (3-byte prefix, L0) instruction `op d, [v,] src`: map 2
 * (0F38) or 3 (0F3A), pp the implied prefix (0 none, 3 F2), v the second
 * source register or -1 (none), src a register or the frame cell of slot
 * (src < 0). BMI1/BMI2 forms (andn, rorx). */
static void x_vex(jc *j, bool w, int map, int pp, uint8_t op, int d, int v, int src, uint32_t slot)
{
    xbuf *b = j->b;
    int base = src >= 0 ? src : RBX;
    xb_byte(b, 0xc4);
    xb_byte(b, (uint8_t)(((d & 8) ? 0 : 0x80) | 0x40 | ((base & 8) ? 0 : 0x20) | map));
    /* vvvv holds v inverted: 1111 when unused */
    xb_byte(b, (uint8_t)((w ? 0x80 : 0) | ((~(v >= 0 ? v : 0) & 15) << 3) | pp));
    xb_byte(b, op);
    if (src >= 0) {
        xb_byte(b, (uint8_t)(0xc0 | ((d & 7) << 3) | (src & 7)));
    } else {
        xb_byte(b, (uint8_t)(0x80 | ((d & 7) << 3) | (RBX & 7))); /* [rbx + disp32] */
        xb_u32(b, (uint32_t)disp(slot));
    }
}

/* shifts and rotates: /ext 0 rol, 1 ror, 4 shl, 5 shr, 7 sar */
static void shift(jc *j, bool w, int ext, const uint32_t *pc)
{
    int rx = gpr_of(j, pc[2]);
    int rd = gpr_of(j, pc[1]);
    int r = rd >= 0 ? rd : RAX;
    if (j->bmi2 && (ext == 0 || ext == 1) && is_const(j, pc[3]) && rx != r &&
        (rx >= 0 || in_frame(j, pc[2]))) {
        /* rotl k = rotr (width - k): rorx r, x, k (x not moved to r first) */
        unsigned width = w ? 64 : 32, k = (unsigned)const_of(j, pc[3]) & (width - 1);
        x_vex(j, w, 3, 3, 0xf0, r, -1, rx, pc[2]); /* rorx r, x, imm8 */
        xb_byte(j->b, (uint8_t)(ext == 0 ? (width - k) & (width - 1) : k));
        finish_int(j, pc[1], r);
        return;
    }
    if (is_const(j, pc[3])) {
        if (rx != r)
            ld_int(j, w, r, pc[2]);
        x_rr(j->b, (xop){0, w, 0xc1, 1}, ext, r);
        xb_byte(j->b, (uint8_t)(const_of(j, pc[3]) & (w ? 63 : 31)));
    } else {
        ld32(j, RCX, pc[3]); /* first: the count may live in r */
        if (rx != r)
            ld_int(j, w, r, pc[2]);
        x_rr(j->b, (xop){0, w, 0xd3, 1}, ext, r);
    }
    finish_int(j, pc[1], r);
}

/* div/rem: signed or not, the remainder or the quotient */
static void divide(jc *j, bool w, bool is_signed, bool rem, const uint32_t *pc, uint32_t pos)
{
    xbuf *b = j->b;
    bool by_const = is_const(j, pc[3]);
    uint64_t c = by_const ? (w ? const_of(j, pc[3]) : (uint32_t)const_of(j, pc[3])) : 0;
    if (by_const && !is_signed && c && !(c & (c - 1))) { /* by 2^k: shift or mask */
        int rd = gpr_of(j, pc[1]);
        int r = rd >= 0 ? rd : RAX;
        if (gpr_of(j, pc[2]) != r)
            ld_int(j, w, r, pc[2]);
        if (rem && fits_i32((int64_t)(c - 1))) {
            x_alu_imm(b, w, ALU_AND.ext, r, (int32_t)(c - 1));
        } else if (rem) {
            x_mov_imm(b, RCX, c - 1);
            x_rr(b, (xop){0, w, 0x23, 1}, r, RCX); /* and r, rcx */
        } else {
            x_rr(b, (xop){0, w, 0xc1, 1}, 5, r); /* shr r, k */
            xb_byte(b, (uint8_t)__builtin_ctzll(c));
        }
        finish_int(j, pc[1], r);
        return;
    }
    ld_int(j, w, RAX, pc[2]);
    ld_int(j, w, RCX, pc[3]);
    if (!by_const || !c) { /* a non-zero constant cannot trap */
        x_rr(b, (xop){0, w, 0x85, 1}, RCX, RCX);
        trap_if(j, CC_E, WASM_TRAP_DIV_BY_ZERO, pos);
    }
    size_t done = 0, normal = 0;
    /* x / -1 and x % -1 need care (idiv faults on MIN / -1): not for
     * another constant */
    bool special = is_signed && (!by_const || c == (w ? UINT64_MAX : UINT32_MAX));
    if (special) {
        x_alu_imm(b, w, 7, RCX, -1);
        normal = x_jcc8(b, CC_NE);
        if (rem) {
            x_rr(b, XOP(0x31, 1), RDX, RDX); /* x % -1 == 0 (idiv would fault on MIN) */
            done = x_jmp8(b);
        } else {
            /* MIN / -1 overflows */
            if (w) {
                x_mov_imm(b, RDX, 0x8000000000000000ull);
                x_rr(b, XOPW(0x39, 1), RDX, RAX);
            } else {
                x_alu_imm(b, false, 7, RAX, INT32_MIN);
            }
            trap_if(j, CC_E, WASM_TRAP_INT_OVERFLOW, pos);
        }
        x_link8(b, normal);
    }
    if (is_signed) {
        if (w)
            xb_byte(b, 0x48);
        xb_byte(b, 0x99); /* cdq / cqo */
        x_rr(b, (xop){0, w, 0xf7, 1}, 7, RCX); /* idiv */
    } else {
        x_rr(b, XOP(0x31, 1), RDX, RDX);
        x_rr(b, (xop){0, w, 0xf7, 1}, 6, RCX); /* div */
    }
    if (special && rem)
        x_link8(b, done);
    st64(j, pc[1], rem ? RDX : RAX);
}

static void bitcount(jc *j, bool w, int what, const uint32_t *pc)
{
    xbuf *b = j->b;
    if (w)
        ld64(j, RCX, pc[2]);
    else
        ld32(j, RCX, pc[2]);
    int bits = w ? 64 : 32;
    switch (what) {
    case 0: /* clz = bits-1 - bsr, or bits for 0 */
        x_rr(b, (xop){0, w, 0x0fbd, 2}, RAX, RCX);
        x_mov_imm(b, RDX, UINT64_MAX);
        x_rr(b, (xop){0, w, 0x0f44, 2}, RAX, RDX); /* cmovz */
        x_rr(b, (xop){0, w, 0xf7, 1}, 3, RAX);     /* neg */
        x_alu_imm(b, w, 0, RAX, bits - 1);
        break;
    case 1: /* ctz = bsf, or bits for 0 */
        x_rr(b, (xop){0, w, 0x0fbc, 2}, RAX, RCX);
        x_mov_imm(b, RDX, (uint64_t)bits);
        x_rr(b, (xop){0, w, 0x0f44, 2}, RAX, RDX);
        break;
    default: /* popcnt */
        x_rr(b, (xop){0xf3, w, 0x0fb8, 2}, RAX, RCX);
        break;
    }
    if (!w)
        x_mov_rr(b, false, RAX, RAX);
    st64(j, pc[1], RAX);
}

/* ---- floats ---- */

/* The float operation (F32/F64 ADD, SUB, MUL, DIV) at next, if any, when
 * it reads temporary t as an operand and may take it from xmm1: the value t
 * gets from the float operation just before is then never written to a
 * register of its own or the frame (forwarded). Sound by the translator's
 * stack discipline (flags_only's argument): the operation at next pops t,
 * so t is read again only after a later push writes it (or next itself
 * writes it: its result at t's height); next is no branch target, so no
 * other path reaches it, and nothing runs in between (no call, no OSR
 * entry, no trap). A temporary whose every value is forwarded needs no pin
 * (the counting pass counts no use), which leaves the registers to the
 * slots that live longer. */
static bool forwards_to(const jc *j, uint32_t t, uint32_t next, bool dbl)
{
    if (!is_temp(j, t) || next + 4 > j->n ||
        is_target(j, next))
        return false;
    int nop = op_of(j->code[next]);
    bool ndbl = nop == OP_F64_ADD || nop == OP_F64_SUB || nop == OP_F64_MUL || nop == OP_F64_DIV;
    bool nflt = nop == OP_F32_ADD || nop == OP_F32_SUB || nop == OP_F32_MUL || nop == OP_F32_DIV;
    const uint32_t *npc = j->code + next;
    return (dbl ? ndbl : nflt) && (npc[2] == t || npc[3] == t);
}

/* An operand's register: xmm1 for the value the operation before
 * forwarded (j->fwd), else its pin (counting a float use) or -1. */
static int float_operand(jc *j, uint32_t slot)
{
    return slot == j->fwd ? XMM1 : xmm_of(j, slot);
}

/* xmm = slot (in register reg when reg >= 0, else its pin or cell) */
static void ldf_from(jc *j, int xmm, uint32_t slot, int reg, bool dbl)
{
    if (reg >= 0)
        x_rr(j->b, XOP(0x0f28, 2), xmm, reg); /* movaps */
    else
        ldf(j, xmm, slot, dbl);
}

/* SSE arithmetic: 0x58 add, 0x59 mul, 0x5c sub, 0x5e div: in dst's xmm
 * register when it has one and b does not live there (`mulsd xmm3, xmm5`),
 * operands from their registers or the frame; a result only the next float
 * operation reads goes to xmm1 (forwards_to). Even add and mul keep their
 * operand order: with two NaNs the result is the first one's (wasm's order,
 * as the interpreter computes it, see fp_order.h). */
static void fbinop(jc *j, bool dbl, uint8_t op, const uint32_t *pc, uint32_t next)
{
    uint32_t x = pc[2], y = pc[3];
    bool fwd_in = j->fwd == x || j->fwd == y;
    int xx = float_operand(j, x), xy = float_operand(j, y);
    j->fwd = UINT32_MAX;
    /* forward the result unless it has a register (its other uses) or an
     * operand came forwarded itself (no chains: xmm1 holds one value) */
    bool fwd_out = !fwd_in && forwards_to(j, pc[1], next, dbl) && !local_pin(j, pc[1]);
    int xd = fwd_out ? XMM1 : xmm_of(j, pc[1]);
    if (j->avx && xx >= 0 && xx != xd) {
        /* x in a register d does not have: vaddsd d, x, y (VEX's first
         * source is SSE's destination operand: the same NaN order), no
         * copy of x into d first, and d = x - d needs no detour */
        int r = xd >= 0 ? xd : XMM0;
        int scratch = xx == XMM1 ? XMM0 : XMM1;
        uint8_t pp = dbl ? 0xf2 : 0xf3;
        if (xy >= 0) {
            x_vrr(j->b, pp, op, r, xx, xy);
        } else if (in_frame(j, y)) {
            x_vrm(j->b, pp, op, r, xx, RBX, -1, disp(y));
        } else if (is_const(j, y)) {
            x_const_operand_vex(j, pp, op, r, xx, y);
        } else {
            ldf(j, scratch, y, dbl);
            x_vrr(j->b, pp, op, r, xx, scratch);
        }
        if (xd < 0)
            stf(j, pc[1], XMM0, dbl);
        if (fwd_out)
            j->fwd = pc[1];
        return;
    }
    if (xd >= 0 && xy == xd && xx != xd)
        xd = -1; /* d = x - d: computed in xmm0 (never forwarded: then y is not in xmm1) */
    int r = xd >= 0 ? xd : XMM0;
    if (xx != r)
        ldf_from(j, r, x, xx, dbl);
    int scratch = r == XMM1 ? XMM0 : XMM1; /* x, if it was in xmm1, is in r now */
    xop o = XOPP(dbl ? 0xf2 : 0xf3, false, 0x0f00 | op, 2);
    if (xy >= 0) {
        x_rr(j->b, o, r, xy);
    } else if (in_frame(j, y)) {
        x_rm(j->b, o, r, RBX, -1, disp(y));
    } else if (is_const(j, y)) {
        x_const_operand(j, o, r, y);
    } else {
        ldf(j, scratch, y, dbl);
        x_rr(j->b, o, r, scratch);
    }
    if (xd < 0)
        stf(j, pc[1], XMM0, dbl);
    if (fwd_out)
        j->fwd = pc[1];
}

static void fsqrt(jc *j, bool dbl, const uint32_t *pc)
{
    int xa = xmm_of(j, pc[2]), xd = xmm_of(j, pc[1]);
    int r = xd >= 0 ? xd : XMM0;
    xop o = XOPP(dbl ? 0xf2 : 0xf3, false, 0x0f51, 2);
    if (xa >= 0) {
        x_rr(j->b, o, r, xa);
    } else if (in_frame(j, pc[2])) {
        x_rm(j->b, o, r, RBX, -1, disp(pc[2]));
    } else {
        ldf(j, XMM0, pc[2], dbl);
        x_rr(j->b, o, r, XMM0);
    }
    if (xd < 0)
        stf(j, pc[1], XMM0, dbl);
}

/* 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge: unordered operands compare false (ne: true) */
static void fcompare(jc *j, bool dbl, int rel, const uint32_t *pc, uint32_t next_pos)
{
    xbuf *b = j->b;
    bool swap = rel == 2 || rel == 4; /* a < b as b > a */
    uint32_t x = pc[swap ? 3 : 2], y = pc[swap ? 2 : 3];
    int r = xmm_of(j, x), xy = xmm_of(j, y);
    if (r < 0) {
        ldf(j, XMM0, x, dbl);
        r = XMM0;
    }
    xop ucomi = XOPP(dbl ? 0x66 : 0, false, 0x0f2e, 2); /* ucomis[sd] */
    if (xy >= 0) {
        x_rr(b, ucomi, r, xy);
    } else if (in_frame(j, y)) {
        x_rm(b, ucomi, r, RBX, -1, disp(y));
    } else if (is_const(j, y)) {
        x_const_operand(j, ucomi, r, y);
    } else {
        ldf(j, XMM1, y, dbl);
        x_rr(b, ucomi, r, XMM1);
    }
    int cc;
    switch (rel) {
    case 0: /* ZF && !PF: and al, cl leaves ZF clear when equal */
        x_rr(b, XOP(0x0f94, 2), 0, RAX);
        x_rr(b, XOP(0x0f9b, 2), 0, RCX);
        x_rr(b, XOP(0x20, 1), RCX, RAX); /* and al, cl */
        cc = CC_NE;
        break;
    case 1: /* !ZF || PF */
        x_rr(b, XOP(0x0f95, 2), 0, RAX);
        x_rr(b, XOP(0x0f9a, 2), 0, RCX);
        x_rr(b, XOP(0x08, 1), RCX, RAX); /* or al, cl */
        cc = CC_NE;
        break;
    case 2: case 3: /* unordered sets CF and ZF: false */
        cc = CC_A;
        break;
    default:
        cc = CC_AE;
        break;
    }
    set_flag_result(j, cc, pc[1], next_pos);
}

/* bit operations on floats: abs (and), neg (xor), copysign */
static void fbits(jc *j, bool dbl, int what, const uint32_t *pc)
{
    xbuf *b = j->b;
    uint64_t sign = dbl ? 0x8000000000000000ull : 0x80000000ull;
    if (dbl)
        ld64(j, RAX, pc[2]);
    else
        ld32(j, RAX, pc[2]);
    if (what == 2) { /* (a & ~sign) | (b & sign) */
        if (dbl)
            ld64(j, RCX, pc[3]);
        else
            ld32(j, RCX, pc[3]);
        x_mov_imm(b, RDX, sign);
        x_rr(b, XOPW(0x21, 1), RDX, RCX); /* and rcx, rdx */
        x_rr(b, XOPW(0xf7, 1), 2, RDX);   /* not rdx */
        x_rr(b, XOPW(0x21, 1), RDX, RAX);
        x_rr(b, XOPW(0x09, 1), RCX, RAX);
    } else {
        x_mov_imm(b, RDX, what == 0 ? (dbl ? ~sign : (uint32_t)~sign) : sign);
        x_rr(b, XOPW(what == 0 ? 0x21 : 0x31, 1), RDX, RAX);
    }
    st64(j, pc[1], RAX);
}

static void call_bits2(jc *j, const void *fn, uint32_t a, uint32_t bslot, bool b_is_imm, uint64_t imm,
                       uint32_t dst)
{
    ld64(j, RDI, a);
    if (b_is_imm)
        x_mov_imm(j->b, RSI, imm);
    else
        ld64(j, RSI, bslot);
    call_abs(j, fn);
    st64(j, dst, RAX);
}

/* int -> float with cvtsi2s[sd] (w: from 64 bits) */
static void int_to_float(jc *j, bool dbl, bool w, bool zero_extend, const uint32_t *pc)
{
    if (w)
        ld64(j, RAX, pc[2]);
    else
        ld32(j, RAX, pc[2]);
    int xd = xmm_of(j, pc[1]);
    int r = xd >= 0 ? xd : XMM0;
    x_rr(j->b, XOP(0x0f57, 2), r, r); /* xorps: no false dependency */
    x_rr(j->b, XOPP(dbl ? 0xf2 : 0xf3, w || zero_extend, 0x0f2a, 2), r, RAX);
    if (xd < 0)
        stf(j, pc[1], XMM0, dbl);
}

/* ---- memory ---- */

/* Bounds checks. An access to [addr + offset, addr + offset + size) is
 * checked by comparing addr + offset + size (64-bit, addr zero-extended:
 * no wrap) with r15, memory 0's size. Within a basic block, a check of
 * address slot s covering end E proves every later access to s with
 * offset + size <= E, as long as
 *  - s has not been written since (the emitter forgets s after every
 *    instruction that writes it: check_written, from the internal code's
 *    operands, not from what the emitter did),
 *  - no other path joins (forgotten at every branch target; OSR entries are
 *    branch targets),
 *  - the memory is no smaller: wasm memories never shrink (memory.grow only
 *    adds; calls and helpers may grow it, so r15 is reloaded but only ever
 *    increases). Calls are still treated as the end of the block (they may
 *    write the frame), which only costs a check.
 * A proven access emits no compare; an unproven one records its check. */
static bool check_proven(const jc *j, uint32_t slot, uint64_t end)
{
    for (uint32_t i = 0; i < j->nchecked; i++)
        if (j->checked[i].slot == slot && j->checked[i].end >= end)
            return true;
    return false;
}

static void check_record(jc *j, uint32_t slot, uint64_t end)
{
    for (uint32_t i = 0; i < j->nchecked; i++)
        if (j->checked[i].slot == slot) {
            if (j->checked[i].end < end)
                j->checked[i].end = end;
            return;
        }
    uint32_t cap = sizeof j->checked / sizeof *j->checked;
    uint32_t at = j->nchecked < cap ? j->nchecked++ : j->next_checked++ % cap;
    j->checked[at].slot = slot;
    j->checked[at].end = end;
}

static void check_written(jc *j, uint32_t slot)
{
    for (uint32_t i = 0; i < j->nchecked;) {
        if (j->checked[i].slot == slot)
            j->checked[i] = j->checked[--j->nchecked];
        else
            i++;
    }
}

/* r = 0 when condition cc holds, from the context's zero cell: no register
 * needed, the flags kept (cmovcc r64, [r12 + zero]). */
static void mask_if(jc *j, int cc, int r)
{
    x_rm(j->b, XOPW(0x0f40 + cc, 2), r, R12, -1, (int32_t)offsetof(jit_ctx, zero));
}

/* The checked address of an access of size bytes at addr_slot + offset:
 * [r14 + *index + *d], *index < 0 for none. The index register is the
 * slot's own when it is known to hold a zero-extended i32 (j->zx), else
 * eax (rcx clobbered).
 * Guard mode: no compare at all. The address is still formed from the
 * zero-extended index plus the offset (at most 2^32 - 1 + 2^32 - 1, + 16
 * bytes of access), so it lies inside memory 0's reservation
 * (MEMORY_RESERVE from r14) and an access past its size faults there; the
 * access instruction x_mem emits next is a recorded site (fault.h). No
 * branch: no speculative path past a check either. */
static void mem_addr(jc *j, uint32_t addr_slot, uint32_t offset, uint32_t size, uint32_t pos,
                     int *index, int32_t *d)
{
    xbuf *b = j->b;
    uint64_t end = (uint64_t)offset + size;
    bool proven = j->guard || check_proven(j, addr_slot, end);
    j->access_pos = pos;
    if (is_const(j, addr_slot)) {
        uint64_t ea = (uint64_t)(uint32_t)const_of(j, addr_slot) + offset;
        if (ea + size <= INT32_MAX) { /* cmp r15, ea + size; jb trap; [r14 + ea] */
            if (!proven) {
                x_alu_imm(b, true, 7, R15, (int32_t)(ea + size));
                trap_if(j, CC_B, WASM_TRAP_OOB_MEMORY, pos);
                check_record(j, addr_slot, end);
            }
            *index = -1;
            *d = (int32_t)ea;
            return;
        }
    }
    bool fwd = addr_slot == j->ifwd_in; /* already in rax, zero-extended */
    int r = fwd ? RAX : gpr_of(j, addr_slot);
    if (!fwd && (r < 0 || !(j->zx & (1u << r)) || offset > 0x7fff0000u)) {
        ld32(j, RAX, addr_slot);
        r = RAX;
    }
    if (offset > 0x7fff0000u) {
        x_mov_imm(b, RCX, offset);
        x_rr(b, XOPW(0x01, 1), RCX, RAX); /* add rax, rcx */
        offset = 0;
    }
    if (!proven) {
        x_rm(b, XOPW(0x8d, 1), RCX, r, -1, (int32_t)(offset + size)); /* lea rcx, [r+off+size] */
        x_rr(b, XOPW(0x39, 1), R15, RCX);                           /* cmp rcx, r15 */
        trap_if(j, CC_A, WASM_TRAP_OOB_MEMORY, pos);
        check_record(j, addr_slot, end);
    }
    *index = r;
    *d = (int32_t)offset;
}

/* Guard mode: the instruction about to be emitted at the buffer's end may
 * fault; its trap reports position j->access_pos. */
static void record_site(jc *j)
{
    if (!j->guard || j->counting)
        return;
    if (j->nsites == j->capsites) {
        fault_site *p = grown(j->sites, &j->capsites, sizeof *p, 64);
        if (!p) {
            j->oom = true;
            return;
        }
        j->sites = p;
    }
    j->sites[j->nsites++] = (fault_site){(uint32_t)j->b->len, j->access_pos, (uint32_t)j->common_trap};
}

/* op reg, [r14 + index + d]: every access to linear memory (after mem_addr) */
static void x_mem(jc *j, xop o, int reg, int index, int32_t d)
{
    record_site(j);
    x_rm(j->b, o, reg, R14, index, d);
}

/* x_mem's VEX form: op reg, vreg, [r14 + index + d] (a recorded access) */
static void x_mem_vex(jc *j, uint8_t pp, uint8_t op, int reg, int vreg, int index, int32_t d)
{
    record_site(j);
    x_vrm(j->b, pp, op, reg, vreg, R14, index, d);
}

static void load(jc *j, int op, const uint32_t *pc, uint32_t pos)
{
    static const struct { uint8_t size; xop o; } forms[] = {
        [OP_LD_I32 - OP_LD_I32] = {4, {0, false, 0x8b, 1}},
        [OP_LD_I64 - OP_LD_I32] = {8, {0, true, 0x8b, 1}},
        [OP_LD_I32_8S - OP_LD_I32] = {1, {0, false, 0x0fbe, 2}},
        [OP_LD_I32_8U - OP_LD_I32] = {1, {0, false, 0x0fb6, 2}},
        [OP_LD_I32_16S - OP_LD_I32] = {2, {0, false, 0x0fbf, 2}},
        [OP_LD_I32_16U - OP_LD_I32] = {2, {0, false, 0x0fb7, 2}},
        [OP_LD_I64_8S - OP_LD_I32] = {1, {0, true, 0x0fbe, 2}},
        [OP_LD_I64_8U - OP_LD_I32] = {1, {0, false, 0x0fb6, 2}},
        [OP_LD_I64_16S - OP_LD_I32] = {2, {0, true, 0x0fbf, 2}},
        [OP_LD_I64_16U - OP_LD_I32] = {2, {0, false, 0x0fb7, 2}},
        [OP_LD_I64_32S - OP_LD_I32] = {4, {0, true, 0x63, 1}},
        [OP_LD_I64_32U - OP_LD_I32] = {4, {0, false, 0x8b, 1}},
    };
    int index;
    int32_t d;
    if (op == OP_LD_V128) {
        note_v128(j, pc[1]);
        mem_addr(j, pc[2], pc[3], 16, pos, &index, &d);
        x_mem(j, XOPP(0xf3, false, 0x0f6f, 2), XMM0, index, d); /* movdqu xmm0, [mem] */
        x_rm(j->b, XOPP(0xf3, false, 0x0f7f, 2), XMM0, RBX, -1, disp(pc[1]));
        return;
    }
    int k = op - OP_LD_I32;
    mem_addr(j, pc[2], pc[3], forms[k].size, pos, &index, &d);
    int p = pin_any(j, pc[1]);
    if (p >= 0 && pin_is_xmm(p) && (op == OP_LD_I32 || op == OP_LD_I64)) {
        /* movss/movsd xmm, [mem]: an f32/f64 straight into its register */
        x_mem(j, XOPP(op == OP_LD_I64 ? 0xf2 : 0xf3, false, 0x0f10, 2), pin_reg(p), index, d);
    } else if (p >= 0 && !pin_is_xmm(p)) {
        x_mem(j, forms[k].o, pin_reg(p), index, d);
    } else {
        x_mem(j, forms[k].o, RCX, index, d);
        st64(j, pc[1], RCX);
    }
}

static void store(jc *j, int op, const uint32_t *pc, uint32_t pos)
{
    int index;
    int32_t d;
    if (op == OP_ST_V128) {
        note_v128(j, pc[2]);
        materialize(j, pc[2]); /* a constant's cells (first: rax), for the frame read */
        materialize(j, pc[2] + 1);
        mem_addr(j, pc[1], pc[3], 16, pos, &index, &d);
        /* one 16-byte store: in guard mode a store straddling the end
         * faults before writing anything (x86 faults are precise) */
        x_rm(j->b, XOPP(0xf3, false, 0x0f6f, 2), XMM0, RBX, -1, disp(pc[2]));
        x_mem(j, XOPP(0xf3, false, 0x0f7f, 2), XMM0, index, d);
        return;
    }
    uint32_t size = op == OP_ST_8 ? 1 : op == OP_ST_16 ? 2 : op == OP_ST_32 ? 4 : 8;
    int p = pin_any(j, pc[2]);
    mem_addr(j, pc[1], pc[3], size, pos, &index, &d);
    if (p >= 0 && pin_is_xmm(p) && size >= 4) { /* movss/movsd [mem], xmm */
        x_mem(j, XOPP(size == 8 ? 0xf2 : 0xf3, false, 0x0f11, 2), pin_reg(p), index, d);
        return;
    }
    /* from the value's register (byte stores of sil/dil would need a REX
     * prefix x_rm does not emit: those go through rdx) */
    int v = p >= 0 && !pin_is_xmm(p) && (size > 1 || pin_reg(p) >= R8) ? pin_reg(p) : RDX;
    if (v == RDX)
        ld64(j, RDX, pc[2]);
    switch (size) {
    case 1: x_mem(j, XOP(0x88, 1), v, index, d); break;
    case 2: x_mem(j, XOPP(0x66, false, 0x89, 1), v, index, d); break;
    case 4: x_mem(j, XOP(0x89, 1), v, index, d); break;
    default: x_mem(j, XOPW(0x89, 1), v, index, d); break;
    }
}

/* A float load whose value only the next instruction reads, as that
 * instruction's memory operand: `LD_I64 t, addr, off; F64_ADD d, a, t`
 * becomes `addsd xmm_d, [r14 + addr + off]` (the load's bounds check and
 * trap position kept). t is then never written, which is sound when t is a
 * temporary: the translator pushed the loaded value at t's height and the
 * arithmetic pops it as its top operand (b), so after it the stack is below
 * t, and t is read again only after a later push writes it (flags_only's
 * argument). Only the second operand can be t, even for add and mul: with
 * two NaNs the result is the first operand's (see fp_order.h), so
 * `mem + x` cannot become `addsd x, [mem]`. Returns whether it emitted
 * both instructions. */
static bool float_load_operand(jc *j, int op, const uint32_t *pc, uint32_t pos, uint32_t next)
{
    if (op != OP_LD_I64 && op != OP_LD_I32)
        return false;
    uint32_t t = pc[1];
    if (next + 4 > j->n || is_target(j, next) || !is_temp(j, t))
        return false;
    int nop = op_of(j->code[next]);
    bool dbl = op == OP_LD_I64;
    uint8_t sse;
    switch (nop) {
    case OP_F64_ADD: case OP_F32_ADD: sse = 0x58; break;
    case OP_F64_MUL: case OP_F32_MUL: sse = 0x59; break;
    case OP_F64_SUB: case OP_F32_SUB: sse = 0x5c; break;
    case OP_F64_DIV: case OP_F32_DIV: sse = 0x5e; break;
    default: return false;
    }
    if (dbl != (nop == OP_F64_ADD || nop == OP_F64_MUL || nop == OP_F64_SUB || nop == OP_F64_DIV))
        return false;
    const uint32_t *npc = j->code + next;
    uint32_t d = npc[1], x;
    if (npc[3] == t && npc[2] != t)
        x = npc[2];
    else
        return false;
    int xd = xmm_of(j, d), xx = xmm_of(j, x);
    if (d == pc[2])
        xd = -1; /* d's register holds the address until mem_addr read it */
    int r = xd >= 0 ? xd : XMM0;
    bool vex = j->avx && xx >= 0 && xx != r; /* vaddsd r, x, [mem]: no copy of x */
    if (xx != r && !vex)
        ldf(j, r, x, dbl); /* first: mem_addr's rax may be the index */
    int index;
    int32_t disp_;
    mem_addr(j, pc[2], pc[3], dbl ? 8 : 4, pos, &index, &disp_);
    if (vex)
        x_mem_vex(j, dbl ? 0xf2 : 0xf3, sse, r, xx, index, disp_);
    else
        x_mem(j, XOPP(dbl ? 0xf2 : 0xf3, false, 0x0f00 | sse, 2), r, index, disp_);
    if (xd < 0)
        stf(j, d, XMM0, dbl);
    return true;
}

/* `I32_SHL t, x, k; I32_SHR_S d, t, k` with k = 16 or 24 (a sign extension
 * of x's low 16 or 8 bits, as compilers without the sign-extension
 * feature write it) as one movsx into d. Nothing but the second
 * instruction reads t: it is no branch target, and either overwrites t
 * (d = t) or pops t, a temporary (float_load_operand's argument), which
 * is then never written. Returns whether it emitted both. */
static bool sign_extend_pair(jc *j, int op, const uint32_t *pc, uint32_t next)
{
    if (op != OP_I32_SHL || next + 4 > j->n || is_target(j, next) || !is_const(j, pc[3]))
        return false;
    const uint32_t *npc = j->code + next;
    uint32_t k = (uint32_t)const_of(j, pc[3]) & 31;
    bool temp = is_temp(j, pc[1]);
    if (op_of(j->code[next]) != OP_I32_SHR_S || (npc[1] != pc[1] && !temp) || npc[2] != pc[1] ||
        !is_const(j, npc[3]) || ((uint32_t)const_of(j, npc[3]) & 31) != k || (k != 16 && k != 24) ||
        is_const(j, pc[2]))
        return false;
    xop movsx = XOP(k == 16 ? 0x0fbf : 0x0fbe, 2);
    uint32_t d = npc[1];
    int rd = gpr_of(j, d), rx = gpr_of(j, pc[2]);
    int r = rd >= 0 ? rd : RAX;
    if (rx >= 0 && (k == 16 || rx >= R8)) { /* sil/dil as bytes would need a REX prefix */
        x_rr(j->b, movsx, r, rx);
    } else if (rx < 0 && in_frame(j, pc[2])) {
        x_rm(j->b, movsx, r, RBX, -1, disp(pc[2])); /* the cell's low bytes */
    } else {
        ld32(j, RCX, pc[2]);
        x_rr(j->b, movsx, r, RCX);
    }
    finish_int(j, d, r);
    return true;
}

/* `XOR t, x, -1; AND d, t, y` (either operand order; i32 or i64): one andn
 * (BMI1) when t is read by nothing else: the AND is no branch target and
 * overwrites t or pops it as a temporary (float_load_operand's argument).
 * sha256's Ch(e, f, g) = (e & f) ^ (~e & g). Returns whether it emitted
 * both. */
static bool andn_pair(jc *j, int op, const uint32_t *pc, uint32_t next)
{
    if (!j->bmi2 || (op != OP_I32_XOR && op != OP_I64_XOR) || next + 4 > j->n ||
        is_target(j, next))
        return false;
    bool w = op == OP_I64_XOR;
    uint64_t ones = w ? UINT64_MAX : UINT32_MAX;
    uint32_t t = pc[1], x;
    if (is_const(j, pc[3]) && (const_of(j, pc[3]) & ones) == ones)
        x = pc[2];
    else if (is_const(j, pc[2]) && (const_of(j, pc[2]) & ones) == ones)
        x = pc[3];
    else
        return false;
    const uint32_t *npc = j->code + next;
    bool temp = is_temp(j, t);
    if (op_of(j->code[next]) != (w ? OP_I64_AND : OP_I32_AND) || (npc[1] != t && !temp) ||
        (npc[2] == t) == (npc[3] == t) || is_const(j, x))
        return false;
    uint32_t y = npc[2] == t ? npc[3] : npc[2], d = npc[1];
    int rx = gpr_of(j, x), ry = gpr_of(j, y), rd = gpr_of(j, d);
    int r = rd >= 0 ? rd : RAX;
    if (rx < 0) {
        ld_int(j, w, RCX, x);
        rx = RCX;
    }
    if (ry < 0 && !in_frame(j, y)) { /* a constant, an xmm register */
        ld_int(j, w, RDX, y);
        ry = RDX;
    }
    x_vex(j, w, 2, 0, 0xf2, r, rx, ry, y); /* andn r, x, y: ~x & y */
    finish_int(j, d, r);
    return true;
}

/* ---- calls ---- */

/* The internal convention passes a function with parameters its first
 * cell in rdx too (the prologue takes a pinned first parameter from there,
 * not from the frame the caller has just written). Where the callee is
 * known only at run time (rcx = its func_code, rdi = its fp): rdx = fp[0]
 * when it has a parameter (then the cell is inside its checked frame). */
static void emit_first_arg(xbuf *b)
{
    x_alu_imm_mem(b, false, 7, RCX, (int32_t)offsetof(func_code, param_cells), 0);
    size_t none = x_jcc8(b, CC_E);
    x_mov_load(b, true, RDX, RDI, 0);
    x_link8(b, none);
}

/* Traps "call stack exhausted" when the frame records are full, then pushes
 * the caller's record (return position ret_pos): through rbp in an
 * unmetered module (rbp_home), through rax = jit_ctx.ftop otherwise. A
 * record of machine code is read only by backtraces (the interpreter never
 * returns through one: it stops at its entry marker), which need its pc and
 * instance, not its fp: no fp is stored. A call that stays in this instance
 * (!cross) stores only its pc, tagged FRAME_PC_SAME_INST: the walk takes
 * the instance from the callee's frame (interp.c report_trap). */
static void store_record(jc *j, uint32_t ret_pos, bool cross);
static void first_arg(jc *j, uint32_t base);

/* A call of machine code (cold: not NULL) compares the records' top with
 * jit_ctx.fcut rather than fend: the native stack is checked there too
 * (jit.h), and the out-of-line path (cold_call) tells the two apart; *cold
 * is registered, its back set by the caller after pop_record. A call
 * through C (cold NULL: jit_call_func checks the native stack) traps at
 * fend. */
static void push_record(jc *j, uint32_t pos, uint32_t ret_pos, bool cross, jcold *cold)
{
    xbuf *b = j->b;
    int top = j->m->unmetered ? RBP : RAX;
    if (top == RAX)
        x_mov_load(b, true, RAX, R12, (int32_t)offsetof(jit_ctx, ftop));
    if (cold) {
        x_rm(b, XOPW(0x3b, 1), top, R12, -1, (int32_t)offsetof(jit_ctx, fcut));
        cold->at = x_jcc32(b, CC_AE);
        cold->pos = pos;
        cold->ret_pos = ret_pos;
    } else {
        x_rm(b, XOPW(0x3b, 1), top, R12, -1, (int32_t)offsetof(jit_ctx, fend));
        trap_if(j, CC_E, WASM_TRAP_STACK_EXHAUSTED, pos);
    }
    store_record(j, ret_pos, cross);
}

/* The record's words and the bump of the top (in rax when metered). */
static void store_record(jc *j, uint32_t ret_pos, bool cross)
{
    xbuf *b = j->b;
    int top = j->m->unmetered ? RBP : RAX;
    uintptr_t pc = (uintptr_t)(j->code + ret_pos);
    x_mov_imm(b, RCX, cross ? pc : pc | FRAME_PC_SAME_INST);
    x_mov_store(b, true, top, (int32_t)offsetof(frame, pc), RCX);
    if (cross)
        x_mov_store(b, true, top, (int32_t)offsetof(frame, inst), R13);
    if (top == RBP)
        x_alu_imm(b, true, 0, RBP, (int32_t)sizeof(frame));
    else
        x_alu_imm_mem(b, true, 0, R12, (int32_t)offsetof(jit_ctx, ftop), (int32_t)sizeof(frame));
}

/* Pops the record push_record pushed (after the callee returned). */
static void pop_record(jc *j)
{
    if (j->m->unmetered)
        x_alu_imm(j->b, true, 5, RBP, (int32_t)sizeof(frame));
    else
        x_alu_imm_mem(j->b, true, 5, R12, (int32_t)offsetof(jit_ctx, ftop), (int32_t)sizeof(frame));
}

/* Registers a call's out-of-line path (push_record), its back at the
 * current position (after pop_record). */
static void add_cold(jc *j, jcold c)
{
    if (j->counting)
        return;
    if (j->ncold == j->capcold) {
        jcold *p = grown(j->colds, &j->capcold, sizeof *p, 8);
        if (!p) {
            j->oom = true;
            return;
        }
        j->colds = p;
    }
    c.back = j->b->len;
    j->colds[j->ncold++] = c;
}

/* A call's out-of-line path (emitted after the body, push_record): the
 * records full at fend: "call stack exhausted" at the call, as the
 * interpreter; else the native stack is low: the record pushed, the callee
 * run by the interpreter (whose frames live on the heap: deep but legal
 * recursion behaves exactly as in the interpreter), its result in rax. */
static void cold_call(jc *j, const jcold *c, size_t common)
{
    xbuf *b = j->b;
    x_link(b, c->at, b->len);
    int top = j->m->unmetered ? RBP : RAX;
    x_rm(b, XOPW(0x3b, 1), top, R12, -1, (int32_t)offsetof(jit_ctx, fend));
    trap_if(j, CC_AE, WASM_TRAP_STACK_EXHAUSTED, c->pos);
    store_record(j, c->ret_pos, false);
    if (c->callee) {
        /* a direct caller may have passed the first argument in rdx only */
        if (c->callee->param_cells) {
            first_arg(j, c->base);
            x_mov_store(b, true, RBX, disp(c->base), RDX);
        }
        x_mov_imm(b, RCX, (uint64_t)(uintptr_t)c->callee);
    } else {
        x_mov_rr(b, true, RCX, RSI);
    }
    x_rm(b, XOPW(0x8d, 1), RDI, RBX, -1, disp(c->base));
    xb_byte(b, 0xe8); /* call the function's interpreter path */
    size_t at_common = b->len;
    xb_u32(b, 0);
    x_link(b, at_common, common);
    pop_record(j);
    if (c->ret1)
        x_mov_load(b, true, RAX, RBX, disp(c->base));
    size_t at = x_jmp32(b);
    x_link(b, at, c->back);
}

/* The part of the out-of-line paths a function's calls share (called with
 * rdi = the callee's fp, rcx = its func_code): runs it in the interpreter,
 * reloads r14/r15, unwinds on failure. Returns where it starts. */
static size_t cold_common(jc *j)
{
    xbuf *b = j->b;
    size_t start = b->len;
    x_alu_imm(b, true, 5, RSP, 8); /* the call here took 8 bytes: aligned for C */
    x_mov_rr(b, true, RSI, R12);
    x_mov_rr(b, true, RDX, R13);
    fuel_out(j);
    call_abs(j, (const void *)jit_interp_entry);
    fuel_in(j);
    reload_mem(j);
    x_alu_imm(b, true, 0, RSP, 8);
    x_rr(b, XOP(0x85, 1), RAX, RAX);
    size_t failed = x_jcc32(b, CC_NE);
    x_link(b, failed, j->epilogue);
    xb_byte(b, 0xc3);
    return start;
}

/* After a call: pop the record, propagate a trap or exit, reload memory. */
static void after_call(jc *j)
{
    xbuf *b = j->b;
    pop_record(j);
    x_rr(b, XOP(0x85, 1), RAX, RAX);
    size_t at = x_jcc32(b, CC_NE);
    x_link(b, at, j->epilogue);
    reload_mem(j);
}

/* Calls the func_code in rcx, translated, of this instance: its frame
 * checked against the value stack from its func_code at run time (before
 * the record, as call_direct), the record pushed (return position pos +
 * words), then through its jit_fast. rsi clobbered. */
static void call_checked(jc *j, uint32_t base, uint32_t pos, uint32_t words, bool ret1)
{
    xbuf *b = j->b;
    x_mov_load(b, false, RAX, RCX, (int32_t)offsetof(func_code, frame_cells));
    x_rr(b, XOPW(0xc1, 1), 4, RAX); /* shl rax, 3 */
    xb_byte(b, 3);
    x_rm(b, XOPW(0x8d, 1), RDX, RBX, -1, disp(base));
    x_rr(b, XOPW(0x03, 1), RAX, RDX); /* add rax, rdx */
    x_rm(b, XOPW(0x3b, 1), RAX, R12, -1, (int32_t)offsetof(jit_ctx, stack_end));
    trap_if(j, CC_A, WASM_TRAP_STACK_EXHAUSTED, pos);
    x_mov_rr(b, true, RSI, RCX); /* push_record uses rax, rcx */
    jcold cold = {.callee = NULL, .base = base, .ret1 = ret1};
    push_record(j, pos, pos + words, false, &cold);
    x_mov_rr(b, true, RCX, RSI);
    x_rm(b, XOPW(0x8d, 1), RDI, RBX, -1, disp(base));
    emit_first_arg(b); /* from the frame: call_indirect has taken rsi */
    x_rm(b, XOP(0xff, 1), 2, RCX, -1, (int32_t)offsetof(func_code, jit_fast)); /* call [rcx+fast] */
    pop_record(j);
    add_cold(j, cold);
    if (ret1) /* returned in rax only (OP_RET1); this path's reader is the frame */
        x_mov_store(b, true, RBX, disp(base), RAX);
}

static void call_through(jc *j, uint32_t base, uint32_t pos, uint32_t words);
static bool returns_one_cell(const wasm_module *m, const func_code *fc);

/* A direct call of a function not translated when the caller is compiled:
 * once it is, call_checked; before, through jit_call_func (which
 * translates it, then checks its frame) with this instance's wasm_func. */
static void call_late(jc *j, const func_code *callee, uint32_t base, uint32_t pos)
{
    xbuf *b = j->b;
    x_mov_imm(b, RCX, (uint64_t)(uintptr_t)callee);
    x_alu_imm_mem(b, true, 7, RCX, (int32_t)offsetof(func_code, code), 0);
    size_t untranslated = x_jcc32(b, CC_E);
    call_checked(j, base, pos, 4, returns_one_cell(j->m, callee));
    size_t done = x_jmp32(b);
    x_link(b, untranslated, b->len);
    x_mov_load(b, true, RAX, R13, (int32_t)offsetof(wasm_instance, funcs));
    x_mov_load(b, true, RSI, RAX, disp(callee->func_index));
    call_through(j, base, pos, 4);
    x_link(b, done, b->len);
}

/* Whether fc's type returns exactly one cell: then its machine code
 * returns that cell in rax too (OP_RET1, and the paths that run it in the
 * interpreter), for a direct caller to take without reading the frame. */
static bool type_returns_one_cell(const wasm_module *m, uint32_t type_index)
{
    if (type_index == UINT32_MAX)
        return false;
    const ftype *t = &m->types[type_index];
    return t->ft.result_count == 1 && t->result_cells == 1;
}

static bool returns_one_cell(const wasm_module *m, const func_code *fc)
{
    return type_returns_one_cell(m, fc->type_index);
}

/* The callee's machine code when it has been placed already (then it stays
 * its jit_fast: sealed code is never replaced), else NULL. */
static const void *compiled_entry(const jc *j, const func_code *callee)
{
    const struct jit_module *jm = j->m ? j->m->jit : NULL;
    if (!jm || j->no_direct)
        return NULL;
    const void *fast = __atomic_load_n(&callee->jit_fast, __ATOMIC_ACQUIRE);
    return fast && fast != jm->lazy_tramp && fast != jm->interp_tramp ? fast : NULL;
}

/* rdx = the callee's first cell, slot base, from its register when it is
 * pinned (the caller's pins are written back, not clobbered, before a
 * direct call): the callee's prologue takes it from there. */
static void first_arg(jc *j, uint32_t base)
{
    int p = local_pin(j, base);
    if (is_const(j, base))
        x_mov_imm(j->b, RDX, const_of(j, base));
    else if (p && pin_is_xmm(p))
        x_rr(j->b, XOPP(0x66, true, 0x0f7e, 2), pin_reg(p), RDX); /* movq rdx, xmm */
    else if (p)
        x_mov_rr(j->b, true, RDX, pin_reg(p));
    else
        x_mov_load(j->b, true, RDX, RBX, disp(base));
}

/* The slot of a direct call's first argument when the callee's own
 * machine code is called (itself, or placed: call rel32), which takes it
 * from rdx (first_arg) and stores it into its frame itself when it is not
 * pinned there (prologue; its native-stack-low path too): the caller's
 * write-back skips it. Else UINT32_MAX. Once true for a call, call_direct
 * decides the same (translated and placed code stay so). */
static uint32_t arg_in_rdx_only(const jc *j, int op, const uint32_t *pc)
{
    if (op != OP_CALL)
        return UINT32_MAX;
    uint64_t raw = pc[1] | ((uint64_t)pc[2] << 32);
    const func_code *callee = (const func_code *)(uintptr_t)raw;
    if (!callee->param_cells || !__atomic_load_n(&callee->code, __ATOMIC_ACQUIRE))
        return UINT32_MAX;
    return callee == j->fc || compiled_entry(j, callee) ? pc[3] : UINT32_MAX;
}

static void call_direct(jc *j, const uint32_t *pc, uint32_t pos)
{
    xbuf *b = j->b;
    uint64_t raw = pc[1] | ((uint64_t)pc[2] << 32);
    const func_code *callee = (const func_code *)(uintptr_t)raw;
    uint32_t base = pc[3];
    /* not translated yet (a module translated lazily): its frame size is
     * not known now, so checked at run time, after translation */
    if (!__atomic_load_n(&callee->code, __ATOMIC_ACQUIRE)) {
        call_late(j, callee, base, pos);
        return;
    }
    /* the callee's frame must fit the value stack (checked before the record, as the interpreter does) */
    x_rm(b, XOPW(0x8d, 1), RCX, RBX, -1, disp(base + callee->frame_cells));
    x_rm(b, XOPW(0x3b, 1), RCX, R12, -1, (int32_t)offsetof(jit_ctx, stack_end));
    trap_if(j, CC_A, WASM_TRAP_STACK_EXHAUSTED, pos);
    jcold cold = {.callee = callee, .base = base, .ret1 = returns_one_cell(j->m, callee)};
    push_record(j, pos, pos + 4, false, &cold);
    if (callee->param_cells)
        first_arg(j, base);
    x_rm(b, XOPW(0x8d, 1), RDI, RBX, -1, disp(base));
    const void *placed = compiled_entry(j, callee);
    if (callee == j->fc) {
        /* recursion: this code's own entry, call rel32 (machine code does
         * not read rcx; compiled code stays this function's jit_fast) */
        xb_byte(b, 0xe8);
        size_t at = b->len;
        xb_u32(b, 0);
        x_link(b, at, j->entry);
    } else if (placed) {
        /* compiled already: call rel32 to it, patched once this code's
         * address is known */
        xb_byte(b, 0xe8);
        size_t at = b->len;
        xb_u32(b, 0);
        if (!j->counting && push_fix(j, (jfix){at, (size_t)(uintptr_t)placed, 0, FIX_CALL}))
            j->ncalls++;
    } else {
        /* the internal convention (rdi = fp, rcx = the callee's func_code;
         * r12-r15 and rbp shared) through the callee's jit_fast: its machine
         * code, or the module's trampolines that compile it on this first
         * call or run it in the interpreter (they reload r14/r15 when memory
         * may have grown) */
        x_mov_imm(b, RCX, raw);
        x_rm(b, XOP(0xff, 1), 2, RCX, -1, (int32_t)offsetof(func_code, jit_fast)); /* call [rcx+fast] */
    }
    /* pop the record (a failed callee does not come back: it unwinds) */
    pop_record(j);
    add_cold(j, cold);
    if (cold.ret1) {
        /* in rax only (OP_RET1): into the pin by reload_pinned, else into
         * the frame here */
        j->result_in_rax = base;
        if (!local_pin(j, base))
            x_mov_store(b, true, RBX, disp(base), RAX);
    }
}

/* callee in rsi, frame base slot, call position */
static void call_through(jc *j, uint32_t base, uint32_t pos, uint32_t words)
{
    xbuf *b = j->b;
    x_mov_rr(b, true, R8, RSI); /* push_record uses rax, rcx */
    push_record(j, pos, pos + words, true, NULL);
    x_mov_rr(b, true, RDI, R12);
    x_mov_rr(b, true, RSI, R8);
    x_rm(b, XOPW(0x8d, 1), RDX, RBX, -1, disp(base));
    x_mov_rr(b, true, RCX, R13);
    x_mov_imm(b, R8, (uint64_t)(uintptr_t)(j->code + pos));
    fuel_out(j);
    call_abs(j, (const void *)jit_call_func);
    fuel_in(j);
    after_call(j);
}

/* call_indirect: the table bound, null and signature checks inline (the
 * interpreter's traps, at the call); a callee of this instance
 * (translated: its frame size known) is called like a direct call through
 * its jit_fast, with its frame checked from func_code at run time; hosts,
 * other instances and untranslated callees go through jit_call_func. */
static void call_indirect(jc *j, const uint32_t *pc, uint32_t pos)
{
    xbuf *b = j->b;
    uint32_t type = pc[1], table = pc[2], base = pc[4];
    ld32(j, RCX, pc[3]); /* the index, zero-extended */
    x_mov_load(b, true, RAX, R13, (int32_t)offsetof(wasm_instance, tables));
    x_mov_load(b, true, RAX, RAX, (int32_t)(table * 8u));
    x_rm(b, XOP(0x3b, 1), RCX, RAX, -1, (int32_t)offsetof(wasm_table, size)); /* cmp ecx, size */
    trap_if(j, CC_AE, WASM_TRAP_UNDEFINED_ELEMENT, pos);
    mask_if(j, CC_AE, RCX); /* Spectre v1: no table entry past the end, even speculatively */
    x_mov_load(b, true, RAX, RAX, (int32_t)offsetof(wasm_table, elems));
    x_rr(b, XOPW(0xc1, 1), 4, RCX); /* shl rcx, 3 */
    xb_byte(b, 3);
    x_rm(b, XOPW(0x8b, 1), RSI, RAX, RCX, 0); /* rsi = the wasm_func */
    x_rr(b, XOPW(0x85, 1), RSI, RSI);
    trap_if(j, CC_E, WASM_TRAP_UNINITIALIZED_ELEMENT, pos);
    x_mov_load(b, true, RAX, R13, (int32_t)offsetof(wasm_instance, type_ids));
    x_mov_load(b, false, RAX, RAX, (int32_t)(type * 4u));
    x_rm(b, XOP(0x3b, 1), RAX, RSI, -1, (int32_t)offsetof(wasm_func, type_id));
    trap_if(j, CC_NE, WASM_TRAP_INDIRECT_CALL_TYPE, pos);
    /* this instance's (a host function has none), translated */
    x_rm(b, XOPW(0x39, 1), R13, RSI, -1, (int32_t)offsetof(wasm_func, inst)); /* cmp [rsi+inst], r13 */
    size_t other = x_jcc32(b, CC_NE);
    x_mov_load(b, true, RCX, RSI, (int32_t)offsetof(wasm_func, code));
    x_alu_imm_mem(b, true, 7, RCX, (int32_t)offsetof(func_code, code), 0);
    size_t untranslated = x_jcc32(b, CC_E);
    call_checked(j, base, pos, 5, type_returns_one_cell(j->m, type));
    size_t done = x_jmp32(b);
    x_link(b, other, b->len);
    x_link(b, untranslated, b->len);
    call_through(j, base, pos, 5); /* rsi = the wasm_func */
    x_link(b, done, b->len);
}

/* A C helper that runs the instruction from the frame (jit_op_fn).
 * operands, one letter per word after the opcode: S a slot, V a v128's two
 * cells, I an immediate. */
static void helper_op(jc *j, jit_op_fn fn, const char *operands, const uint32_t *pc, uint32_t pos,
                      bool may_trap)
{
    for (int i = 0; operands[i]; i++) {
        if (operands[i] == 'S' || operands[i] == 'V')
            materialize(j, pc[i + 1]);
        if (operands[i] == 'V') {
            materialize(j, pc[i + 1] + 1);
            note_v128(j, pc[i + 1]);
        }
    }
    x_mov_rr(j->b, true, RDI, R13);
    x_mov_rr(j->b, true, RSI, RBX);
    x_mov_imm(j->b, RDX, (uint64_t)(uintptr_t)pc);
    call_abs(j, (const void *)fn);
    if (may_trap) {
        x_rr(j->b, XOP(0x85, 1), RAX, RAX);
        trap_if(j, CC_NE, 0, pos);
    }
}

/* Copies n (rcx, 4 <= n <= 16) bytes from host address rdx to rax in two
 * possibly overlapping moves of half the largest power of two in range,
 * both loaded before either is stored: memmove's result. */
static void copy_4_to_16(jc *j, bool eight)
{
    xbuf *b = j->b;
    int size = eight ? 8 : 4;
    xop load = eight ? XOPP(0xf3, false, 0x0f7e, 2) : XOPP(0x66, false, 0x0f6e, 2); /* movq/movd xmm, m */
    xop store = eight ? XOPP(0x66, false, 0x0fd6, 2) : XOPP(0x66, false, 0x0f7e, 2); /* movq/movd m, xmm */
    x_rm(b, load, XMM0, RDX, -1, 0);
    x_rm(b, load, XMM1, RDX, RCX, -size);
    x_rm(b, store, XMM0, RAX, -1, 0);
    x_rm(b, store, XMM1, RAX, RCX, -size);
}

/* memory.copy: both ranges bounds-checked inline (the helper's trap, at the
 * instruction), then up to 128 bytes copied inline, memmove's result: up
 * to 16 in two possibly overlapping moves loaded before stored; more, when the
 * destination does not start inside the source (a forward copy is then
 * right), 16 bytes at a time with the last 16 loaded first. Other copies
 * go to the helper (memmove), the pinned values written back around it
 * only there. */
static void mem_copy(jc *j, const uint32_t *pc, uint32_t pos)
{
    xbuf *b = j->b;
    ld32(j, RAX, pc[1]); /* dst */
    ld32(j, RDX, pc[2]); /* src */
    ld32(j, RCX, pc[3]); /* n */
    for (int r = 0; r < 2; r++) {
        int reg = r ? RDX : RAX;
        x_rr(b, XOPW(0x03, 1), reg, RCX); /* add reg, rcx: 33-bit sums, no overflow */
        cmp_mem_size(j, reg);
        trap_if(j, CC_A, WASM_TRAP_OOB_MEMORY, pos);
        x_rr(b, XOPW(0x2b, 1), reg, RCX); /* sub reg, rcx */
    }
    uint64_t n = is_const(j, pc[3]) ? (uint32_t)const_of(j, pc[3]) : UINT64_MAX;
    if (n == 0)
        return;
    x_rr(b, XOPW(0x03, 1), RAX, R14); /* host addresses */
    x_rr(b, XOPW(0x03, 1), RDX, R14);
    if (n >= 4 && n <= 16) {
        copy_4_to_16(j, n >= 8);
        return;
    }
    x_alu_imm(b, true, 7, RCX, 16);
    size_t big = x_jcc32(b, CC_A);
    x_alu_imm(b, true, 7, RCX, 8);
    size_t small = x_jcc32(b, CC_B);
    copy_4_to_16(j, true);
    size_t done[5];
    done[0] = x_jmp32(b);
    x_link(b, small, b->len);
    x_alu_imm(b, true, 7, RCX, 4);
    size_t tiny = x_jcc32(b, CC_B);
    copy_4_to_16(j, false);
    done[1] = x_jmp32(b);
    /* 1 to 3 bytes: one, or two possibly overlapping words loaded first
     * (rsi borrowed: it may hold a pinned value) */
    x_link(b, tiny, b->len);
    x_rr(b, XOP(0x85, 1), RCX, RCX);
    size_t none = x_jcc32(b, CC_E);
    x_alu_imm(b, true, 7, RCX, 2);
    size_t words = x_jcc8(b, CC_AE);
    x_rm(b, XOP(0x0fb6, 2), RCX, RDX, -1, 0); /* movzx ecx, byte [rdx] */
    x_rm(b, XOP(0x88, 1), RCX, RAX, -1, 0);   /* mov [rax], cl */
    done[3] = x_jmp32(b);
    x_link8(b, words);
    x_push(b, RSI);
    x_rm(b, XOP(0x0fb7, 2), RSI, RDX, RCX, -2); /* movzx esi, word [rdx + rcx - 2] */
    x_rm(b, XOP(0x0fb7, 2), RDX, RDX, -1, 0);
    x_rm(b, XOPP(0x66, false, 0x89, 1), RSI, RAX, RCX, -2);
    x_rm(b, XOPP(0x66, false, 0x89, 1), RDX, RAX, -1, 0);
    x_pop(b, RSI);
    done[4] = x_jmp32(b);
    x_link(b, big, b->len);
    x_alu_imm(b, true, 7, RCX, 128);
    size_t long_copy = x_jcc32(b, CC_A);
    x_rr(b, XOPW(0x2b, 1), RAX, RDX); /* dst - src < n: dst inside the source */
    x_rr(b, XOPW(0x3b, 1), RAX, RCX);
    x_rm(b, XOPW(0x8d, 1), RAX, RAX, RDX, 0); /* lea rax, [rax + rdx]: flags kept */
    size_t overlap = x_jcc32(b, CC_B);
    xop movdqu_load = XOPP(0xf3, false, 0x0f6f, 2), movdqu_store = XOPP(0xf3, false, 0x0f7f, 2);
    x_rm(b, movdqu_load, XMM1, RDX, RCX, -16); /* the last 16 */
    size_t loop = b->len;
    x_rm(b, movdqu_load, XMM0, RDX, -1, 0);
    x_rm(b, movdqu_store, XMM0, RAX, -1, 0);
    x_alu_imm(b, true, 0, RAX, 16);
    x_alu_imm(b, true, 0, RDX, 16);
    x_alu_imm(b, true, 5, RCX, 16);
    x_alu_imm(b, true, 7, RCX, 16);
    x_link(b, x_jcc32(b, CC_A), loop);
    x_rm(b, movdqu_store, XMM1, RAX, RCX, -16); /* rax + rcx: the end still */
    done[2] = x_jmp32(b);
    x_link(b, long_copy, b->len);
    x_link(b, overlap, b->len);
    sync_pinned(j, true);
    j->unpinned = true;
    helper_op(j, jit_op_mem_copy, "SSS", pc, pos, true);
    j->unpinned = false;
    sync_pinned(j, false);
    x_link(b, none, b->len);
    for (int d = 0; d < 5; d++)
        x_link(b, done[d], b->len);
}

/* A SIMD instruction: its shape's C helper (jit_rt.c), on the frame. */
static void simd_op(jc *j, int op, const uint32_t *pc, uint32_t pos)
{
    static const struct {
        jit_op_fn fn;
        const char *operands;
    } shapes[] = {
        [OP_V_LOAD - OP_V_LOAD] = {jit_op_v_load, "VSIII"},
        [OP_V_LOAD_LANE - OP_V_LOAD] = {jit_op_v_load_lane, "VSVIII"},
        [OP_V_STORE_LANE - OP_V_LOAD] = {jit_op_v_store_lane, "SVIII"},
        [OP_V_UN - OP_V_LOAD] = {jit_op_v_un, "VVI"},
        [OP_V_BIN - OP_V_LOAD] = {jit_op_v_bin, "VVVI"},
        [OP_V_BITSELECT - OP_V_LOAD] = {jit_op_v_bitselect, "VVVV"},
        [OP_V_SHUFFLE - OP_V_LOAD] = {jit_op_v_shuffle, "VVVIIII"},
        [OP_V_SHIFT - OP_V_LOAD] = {jit_op_v_shift, "VVSI"},
        [OP_V_TEST - OP_V_LOAD] = {jit_op_v_test, "SVI"},
        [OP_V_SPLAT - OP_V_LOAD] = {jit_op_v_splat, "VSI"},
        [OP_V_EXTRACT - OP_V_LOAD] = {jit_op_v_extract, "SVII"},
        [OP_V_REPLACE - OP_V_LOAD] = {jit_op_v_replace, "VVSII"},
        [OP_V_I8X16_ADD - OP_V_LOAD] = {jit_op_v_i8x16_add, "VVV"},
        [OP_V_I8X16_SUB - OP_V_LOAD] = {jit_op_v_i8x16_sub, "VVV"},
        [OP_V_I16X8_ADD - OP_V_LOAD] = {jit_op_v_i16x8_add, "VVV"},
        [OP_V_I16X8_SUB - OP_V_LOAD] = {jit_op_v_i16x8_sub, "VVV"},
        [OP_V_I16X8_MUL - OP_V_LOAD] = {jit_op_v_i16x8_mul, "VVV"},
        [OP_V_I32X4_ADD - OP_V_LOAD] = {jit_op_v_i32x4_add, "VVV"},
        [OP_V_I32X4_SUB - OP_V_LOAD] = {jit_op_v_i32x4_sub, "VVV"},
        [OP_V_I32X4_MUL - OP_V_LOAD] = {jit_op_v_i32x4_mul, "VVV"},
        [OP_V_I64X2_ADD - OP_V_LOAD] = {jit_op_v_i64x2_add, "VVV"},
        [OP_V_I64X2_SUB - OP_V_LOAD] = {jit_op_v_i64x2_sub, "VVV"},
        [OP_V_F32X4_ADD - OP_V_LOAD] = {jit_op_v_f32x4_add, "VVV"},
        [OP_V_F32X4_SUB - OP_V_LOAD] = {jit_op_v_f32x4_sub, "VVV"},
        [OP_V_F32X4_MUL - OP_V_LOAD] = {jit_op_v_f32x4_mul, "VVV"},
        [OP_V_F64X2_ADD - OP_V_LOAD] = {jit_op_v_f64x2_add, "VVV"},
        [OP_V_F64X2_SUB - OP_V_LOAD] = {jit_op_v_f64x2_sub, "VVV"},
        [OP_V_F64X2_MUL - OP_V_LOAD] = {jit_op_v_f64x2_mul, "VVV"},
        [OP_V_AND - OP_V_LOAD] = {jit_op_v_and, "VVV"},
        [OP_V_OR - OP_V_LOAD] = {jit_op_v_or, "VVV"},
        [OP_V_XOR - OP_V_LOAD] = {jit_op_v_xor, "VVV"},
    };
    _Static_assert(sizeof shapes / sizeof *shapes == OP_V_XOR - OP_V_LOAD + 1, "a SIMD shape without a helper");
    bool may_trap = op == OP_V_LOAD || op == OP_V_LOAD_LANE || op == OP_V_STORE_LANE;
    helper_op(j, shapes[op - OP_V_LOAD].fn, shapes[op - OP_V_LOAD].operands, pc, pos, may_trap);
}

static bool is_simd(int op) { return op >= OP_V_LOAD && op <= OP_V_XOR; }

/* The SSE instruction (xmm0 op= xmm1) of a lane-wise operation emitted
 * inline, or false for one left to its helper. Each computes what simd.c
 * does, bit for bit: wrapping integer lanes, and for floats the same
 * instruction with the same operand order (fp_order.h's f32x4_add etc.: a
 * NaN operand's payload, a's first). */
static bool lanewise_sse(const jc *j, int op, xop *o)
{
    switch (op) {
    case OP_V_I8X16_ADD: *o = XOPP(0x66, false, 0x0ffc, 2); return true;  /* paddb */
    case OP_V_I8X16_SUB: *o = XOPP(0x66, false, 0x0ff8, 2); return true;  /* psubb */
    case OP_V_I16X8_ADD: *o = XOPP(0x66, false, 0x0ffd, 2); return true;  /* paddw */
    case OP_V_I16X8_SUB: *o = XOPP(0x66, false, 0x0ff9, 2); return true;  /* psubw */
    case OP_V_I16X8_MUL: *o = XOPP(0x66, false, 0x0fd5, 2); return true;  /* pmullw */
    case OP_V_I32X4_ADD: *o = XOPP(0x66, false, 0x0ffe, 2); return true;  /* paddd */
    case OP_V_I32X4_SUB: *o = XOPP(0x66, false, 0x0ffa, 2); return true;  /* psubd */
    case OP_V_I32X4_MUL:                                                   /* pmulld (SSE4.1) */
        *o = XOPP(0x66, false, 0x0f3840, 3);
        return j->sse41;
    case OP_V_I64X2_ADD: *o = XOPP(0x66, false, 0x0fd4, 2); return true;  /* paddq */
    case OP_V_I64X2_SUB: *o = XOPP(0x66, false, 0x0ffb, 2); return true;  /* psubq */
    case OP_V_F32X4_ADD: *o = XOP(0x0f58, 2); return true;                 /* addps */
    case OP_V_F32X4_SUB: *o = XOP(0x0f5c, 2); return true;                 /* subps */
    case OP_V_F32X4_MUL: *o = XOP(0x0f59, 2); return true;                 /* mulps */
    case OP_V_F64X2_ADD: *o = XOPP(0x66, false, 0x0f58, 2); return true;  /* addpd */
    case OP_V_F64X2_SUB: *o = XOPP(0x66, false, 0x0f5c, 2); return true;  /* subpd */
    case OP_V_F64X2_MUL: *o = XOPP(0x66, false, 0x0f59, 2); return true;  /* mulpd */
    case OP_V_AND: *o = XOPP(0x66, false, 0x0fdb, 2); return true;        /* pand */
    case OP_V_OR: *o = XOPP(0x66, false, 0x0feb, 2); return true;         /* por */
    case OP_V_XOR: *o = XOPP(0x66, false, 0x0fef, 2); return true;        /* pxor */
    default: return false;
    }
}

/* dst = a op b through xmm0/xmm1, from and to the frame cells (v128 cells
 * are never pinned; constant operands are written to their cells first). */
static void lanewise_inline(jc *j, xop o, const uint32_t *pc)
{
    xop movdqu_load = XOPP(0xf3, false, 0x0f6f, 2), movdqu_store = XOPP(0xf3, false, 0x0f7f, 2);
    for (int i = 1; i <= 3; i++) {
        note_v128(j, pc[i]);
        materialize(j, pc[i]);
        materialize(j, pc[i] + 1);
    }
    x_rm(j->b, movdqu_load, XMM0, RBX, -1, disp(pc[2]));
    x_rm(j->b, movdqu_load, XMM1, RBX, -1, disp(pc[3]));
    x_rr(j->b, o, XMM0, XMM1);
    x_rm(j->b, movdqu_store, XMM0, RBX, -1, disp(pc[1]));
}

/* The lane width in bytes of a splat or extract_lane emitted inline (the
 * 32- and 64-bit lanes), or 0 for one left to its helper. */
static uint32_t lane_inline(int op, const uint32_t *pc)
{
    if (op != OP_V_SPLAT && op != OP_V_EXTRACT)
        return 0;
    switch (pc[3]) {
    case WOP_I32X4_SPLAT: case WOP_F32X4_SPLAT: case WOP_I32X4_EXTRACT_LANE:
    case WOP_F32X4_EXTRACT_LANE:
        return 4;
    case WOP_I64X2_SPLAT: case WOP_F64X2_SPLAT: case WOP_I64X2_EXTRACT_LANE:
    case WOP_F64X2_EXTRACT_LANE:
        return 8;
    default:
        return 0;
    }
}

/* splat: movd/movq xmm0 from the scalar, pshufd/punpcklqdq, to the frame;
 * extract_lane: the lane's bytes from the frame (a 32-bit lane
 * zero-extended, as simd_extract returns it) to the scalar's home. */
static void lane_op(jc *j, int op, const uint32_t *pc, uint32_t bytes)
{
    bool w = bytes == 8;
    if (op == OP_V_EXTRACT) {
        note_v128(j, pc[2]);
        materialize(j, pc[2]);
        materialize(j, pc[2] + 1);
        uint32_t lane = pc[4] & (w ? 1u : 3u);
        x_mov_load(j->b, w, RAX, RBX, disp(pc[2]) + (int32_t)(lane * bytes));
        st64(j, pc[1], RAX);
        return;
    }
    note_v128(j, pc[1]);
    if (w)
        ld64(j, RAX, pc[2]);
    else
        ld32(j, RAX, pc[2]);
    x_rr(j->b, XOPP(0x66, w, 0x0f6e, 2), XMM0, RAX); /* movd/movq xmm0, rax */
    if (w) {
        x_rr(j->b, XOPP(0x66, false, 0x0f6c, 2), XMM0, XMM0); /* punpcklqdq */
    } else {
        x_rr(j->b, XOPP(0x66, false, 0x0f70, 2), XMM0, XMM0); /* pshufd xmm0, xmm0, 0 */
        if (!j->b->discard)
            xb_byte(j->b, 0);
    }
    x_rm(j->b, XOPP(0xf3, false, 0x0f7f, 2), XMM0, RBX, -1, disp(pc[1])); /* movdqu */
}

/* A SIMD instruction that runs as a C helper (a call out). */
static bool simd_helper(const jc *j, int op, const uint32_t *pc)
{
    xop o;
    return is_simd(op) && !lanewise_sse(j, op, &o) && !lane_inline(op, pc);
}

/* ---- the pre-pass ---- */

static bool supported(const jc *j, int op)
{
    if (op < 0)
        return false;
    if (op > OP_V_XOR || op == OP_RET_I32_ADD || op == OP_RET_I64_ADD)
        return false; /* the fused forms (JIT modules are translated unfused) */
    if ((op == OP_I32_POPCNT || op == OP_I64_POPCNT) && !j->popcnt)
        return false;
    return true;
}

static bool mark(jc *j, uint32_t pos, uint32_t offset)
{
    uint32_t t = pos + offset; /* offsets are signed, in words */
    if (t >= j->n)
        return false;
    j->target[t] |= TARGET_BRANCH;
    return true;
}

/* Checks every instruction is handled and marks branch targets. */
static bool prepass(jc *j)
{
    bool ok = true;
    for (uint32_t pos = 0; pos < j->n;) {
        int op = op_of(j->code[pos]);
        if (!supported(j, op))
            return false;
        uint32_t words = op_words[op];
        if (op == OP_BR_TABLE) {
            if (pos + 2 >= j->n)
                return false;
            words = 3 + j->code[pos + 2] + 1;
        }
        if (!words || pos + words > j->n)
            return false;
        const uint32_t *pc = j->code + pos;
        switch (op) {
        case OP_BR: ok = mark(j, pos, pc[1]); break;
        case OP_BR_IF: case OP_BR_UNLESS: ok = mark(j, pos, pc[2]); break;
        case OP_BR_TABLE:
            for (uint32_t k = 0; k <= pc[2] && ok; k++)
                ok = mark(j, pos, pc[3 + k]);
            break;
        case OP_LOOP:
            if (pos + 2 < j->n)
                j->target[pos + 2] |= TARGET_AFTER_LOOP;
            break;
        default: break;
        }
        if (!ok)
            return false;
        pos += words;
    }
    return true;
}

/* ---- prologue, shared exits ---- */

/* jit_ctx.fcut for the machine code this C entry calls (rax, rdx
 * clobbered): fend, or lower where the records of machine-code frames
 * (JIT_FRAME_NATIVE bytes of native stack each) would take rsp below
 * stack_limit; the records' top when it is below already. */
static void emit_fcut(xbuf *b, bool unmetered)
{
    _Static_assert(JIT_FRAME_NATIVE == 16, "the shift below");
    x_mov_rr(b, true, RAX, RSP);
    x_rr(b, XOP(0x31, 1), RDX, RDX);
    x_rm(b, XOPW(0x2b, 1), RAX, R12, -1, (int32_t)offsetof(jit_ctx, stack_limit)); /* sub rax, [..] */
    x_rr(b, XOPW(0x0f42, 2), RAX, RDX); /* cmovb rax, rdx: none left */
    x_rr(b, XOPW(0xc1, 1), 5, RAX);     /* shr rax, 4: frames */
    xb_byte(b, 4);
    x_rr(b, XOPW(0x6b, 1), RAX, RAX);   /* imul rax, rax, sizeof(frame): their records */
    xb_byte(b, (uint8_t)sizeof(frame));
    if (unmetered)
        x_rr(b, XOPW(0x03, 1), RAX, RBP); /* add rax, rbp (the records' top) */
    else
        x_rm(b, XOPW(0x03, 1), RAX, R12, -1, (int32_t)offsetof(jit_ctx, ftop));
    x_mov_load(b, true, RDX, R12, (int32_t)offsetof(jit_ctx, fend));
    x_rr(b, XOPW(0x3b, 1), RAX, RDX);   /* cmp rax, rdx */
    x_rr(b, XOPW(0x0f47, 2), RAX, RDX); /* cmova rax, rdx */
    x_mov_store(b, true, R12, (int32_t)offsetof(jit_ctx, fcut), RAX);
}

/* The C entry shared by a module's functions (jit_entry_fn): saves the
 * callee-saved registers, sets up the internal convention's (r12 context,
 * r13 instance, r14/r15 or jit_ctx.mem_size memory, rbp fuel) and calls
 * fc->jit_fast with rdi = fp and rcx = fc; returns its status. */
static void emit_c_entry(xbuf *b, bool osr, bool unmetered, bool guard)
{
    static const int saved[] = {RBX, RBP, R12, R13, R14, R15};
    for (int i = 0; i < 6; i++)
        x_push(b, saved[i]);
    x_mov_rr(b, true, R12, RSI);
    /* an activation may already use this context (jit_call_func): its
     * unwind target is restored on the way out */
    x_rm(b, XOP(0xff, 1), 6, R12, -1, (int32_t)offsetof(jit_ctx, entry_resume)); /* push [..] */
    x_rm(b, XOP(0xff, 1), 6, R12, -1, (int32_t)offsetof(jit_ctx, entry_sp));
    x_rm(b, XOP(0xff, 1), 6, R12, -1, (int32_t)offsetof(jit_ctx, fcut));
    /* the outer activation's memory size (guard mode), as r15 is saved:
     * with the slot below, calls see an aligned stack */
    x_rm(b, XOP(0xff, 1), 6, R12, -1, (int32_t)offsetof(jit_ctx, mem_size));
    x_mov_rr(b, true, R13, RDX);
    emit_rbp_in(b, unmetered);
    emit_fcut(b, unmetered);
    /* a one-cell result comes back in rax only (OP_RET1): fp when it
     * goes to fp[0] after the call, else 0 */
    x_rr(b, XOP(0x31, 1), RAX, RAX);
    x_alu_imm_mem(b, false, 7, RCX, (int32_t)offsetof(func_code, jit_ret1), 0);
    x_rr(b, XOPW(0x0f45, 2), RAX, RDI); /* cmovne rax, rdi */
    x_push(b, RAX);
    x_mov_rr(b, true, RAX, RCX); /* fc: the reload below uses rcx */
    emit_reload_mem(b, guard);
    x_mov_rr(b, true, RCX, RAX);
    /* where an unwind continues (jit_ctx.entry_resume): below, status in eax */
    xb_byte(b, 0x48);
    xb_byte(b, 0x8d);
    xb_byte(b, 0x05); /* lea rax, [rip + rel32] */
    size_t resume = b->len;
    xb_u32(b, 0);
    x_mov_store(b, true, R12, (int32_t)offsetof(jit_ctx, entry_resume), RAX);
    x_mov_store(b, true, R12, (int32_t)offsetof(jit_ctx, entry_sp), RSP);
    if (osr) {
        x_call_r(b, R8); /* the loop header's entry (jit_osr_fn's fifth argument) */
    } else {
        emit_first_arg(b);
        x_rm(b, XOP(0xff, 1), 2, RCX, -1, (int32_t)offsetof(func_code, jit_fast)); /* call [rcx+fast] */
    }
    x_mov_load(b, true, RCX, RSP, 0);
    x_rr(b, XOPW(0x85, 1), RCX, RCX);
    size_t no_result = x_jcc8(b, CC_E);
    x_mov_store(b, true, RCX, 0, RAX);
    x_link8(b, no_result);
    x_rr(b, XOP(0x31, 1), RAX, RAX); /* returned: success */
    x_link(b, resume, b->len);
    if (!unmetered) /* the fuel left; an unmetered activation's records are popped (or dropped) */
        emit_rbp_out(b, false);
    x_alu_imm(b, true, 0, RSP, 8);
    x_rm(b, XOP(0x8f, 1), 0, R12, -1, (int32_t)offsetof(jit_ctx, mem_size)); /* pop [..] */
    x_rm(b, XOP(0x8f, 1), 0, R12, -1, (int32_t)offsetof(jit_ctx, fcut));
    x_rm(b, XOP(0x8f, 1), 0, R12, -1, (int32_t)offsetof(jit_ctx, entry_sp));
    x_rm(b, XOP(0x8f, 1), 0, R12, -1, (int32_t)offsetof(jit_ctx, entry_resume));
    for (int i = 5; i >= 0; i--)
        x_pop(b, saved[i]);
    xb_byte(b, 0xc3);
}

/* A function's machine code uses the internal convention: entered with
 * rdi = fp and the shared registers set; it saves rbx (its fp) only. Its
 * shared exits come first and the entry (j->entry) after them, so that
 * the entry falls through into the body. */
static void prologue(jc *j)
{
    xbuf *b = j->b;

    /* a failure, status in eax (reported): unwind the activation */
    j->epilogue = b->len;
    emit_unwind(b);

    /* trap: kind in esi, position in ecx (the backtrace reads ftop; the
     * fuel a metered module's trap leaves is the interpreter's anyway) */
    j->common_trap = b->len;
    if (j->m->unmetered)
        fuel_out(j);
    x_mov_rr(b, true, RDI, R12);
    x_mov_imm(b, RDX, (uint64_t)(uintptr_t)j->fc);
    call_abs(j, (const void *)jit_trap);
    size_t at = x_jmp32(b);
    x_link(b, at, j->epilogue);

    /* the native stack is not compared here: the call's record was below
     * jit_ctx.fcut (push_record) */
    j->entry = b->len;
    x_push(b, RBX); /* the stack is aligned for calls from here */
    x_mov_rr(b, true, RBX, RDI);
    charge(j, (int64_t)j->fc->fuel_cost, 0);

    /* zero the declared locals: a pinned one in its register only (its
     * cell is written before anything reads the frame: sync_pinned), the
     * others in the frame */
    uint32_t first = j->fc->param_cells, n = j->fc->local_cells;
    uint32_t from_frame = first + n; /* the slots whose pins load below */
    if (n) {
        if (n <= 16) {
            bool rax_zero = false;
            for (uint32_t i = 0; i < n; i++) {
                int p = local_pin(j, first + i);
                if (p && pin_is_xmm(p)) {
                    x_rr(b, XOP(0x0f57, 2), pin_reg(p), pin_reg(p)); /* xorps */
                } else if (p) {
                    x_rr(b, XOP(0x31, 1), pin_reg(p), pin_reg(p)); /* xor r32, r32 */
                } else {
                    if (!rax_zero)
                        x_rr(b, XOP(0x31, 1), RAX, RAX);
                    rax_zero = true;
                    x_mov_store(b, true, RBX, disp(first + i), RAX);
                }
            }
            from_frame = first; /* the parameters only */
        } else {
            x_rr(b, XOP(0x31, 1), RAX, RAX);
            x_rm(b, XOPW(0x8d, 1), RDI, RBX, -1, disp(first));
            x_mov_imm(b, RCX, n);
            xb_byte(b, 0xf3);
            xb_byte(b, 0x48);
            xb_byte(b, 0xab); /* rep stosq */
        }
    }
    /* pinned parameters (and locals zeroed in the frame) start from the
     * frame (temps are written before they are read) */
    for (uint32_t s = 0; s < from_frame; s++) {
        int p = local_pin(j, s);
        if (s == 0 && j->fc->param_cells) { /* the first parameter: in rdx (maybe only there) */
            if (!p)
                x_mov_store(b, true, RBX, 0, RDX);
            else if (pin_is_xmm(p))
                x_rr(b, XOPP(0x66, true, 0x0f6e, 2), pin_reg(p), RDX); /* movq xmm, rdx */
            else /* an i32 home zero-extended: mov r32, edx */
                x_mov_rr(b, !zx_home(j, s), pin_reg(p), RDX);
        } else if (p && pin_is_xmm(p))
            x_rm(b, XOPP(0xf2, false, 0x0f10, 2), pin_reg(p), RBX, -1, disp(s));
        else if (p)
            x_mov_load(b, !zx_home(j, s), pin_reg(p), RBX, disp(s));
    }
}

/* a return: no status (failures unwind) */
static void ret_ok(jc *j)
{
    x_pop(j->b, RBX);
    xb_byte(j->b, 0xc3);
}

/* ---- the instructions ---- */

static void cond_branch(jc *j, const uint32_t *pc, uint32_t pos, bool if_true)
{
    uint32_t target = pos + (int32_t)pc[2];
    if (is_const(j, pc[1])) {
        if (((const_of(j, pc[1]) & 0xffffffffu) != 0) == if_true)
            branch_to(j, -1, pos, target);
        return;
    }
    if (j->flags_pos == pos && j->flags_slot == pc[1] && !is_target(j, pos)) {
        branch_to(j, if_true ? j->flags_cc : j->flags_cc ^ 1, pos, target);
        return;
    }
    int r = gpr_of(j, pc[1]);
    if (zf_holds(j, pc[1], pos)) {
        /* the and/or/xor/add/sub that computed it set ZF */
    } else if (r >= 0) {
        x_rr(j->b, XOP(0x85, 1), r, r); /* test r32, r32 */
    } else if (!in_frame(j, pc[1])) {
        ld32(j, RAX, pc[1]);
        x_rr(j->b, XOP(0x85, 1), RAX, RAX);
    } else {
        x_alu_imm_mem(j->b, false, 7, RBX, disp(pc[1]), 0);
    }
    branch_to(j, if_true ? CC_NE : CC_E, pos, target);
}

static void br_table(jc *j, const uint32_t *pc, uint32_t pos)
{
    xbuf *b = j->b;
    uint32_t n = pc[2];
    ld32(j, RAX, pc[1]);
    x_mov_imm(b, RCX, n);
    x_rr(b, XOP(0x39, 1), RCX, RAX);          /* cmp eax, ecx */
    x_rr(b, XOP(0x0f47, 2), RAX, RCX);        /* cmova eax, ecx */
    x_rr(b, XOPW(0xc1, 1), 4, RAX);           /* shl rax, 2 */
    xb_byte(b, 2);
    /* lea rcx, [rip + table] */
    xb_byte(b, 0x48);
    xb_byte(b, 0x8d);
    xb_byte(b, 0x0d);
    size_t lea_at = b->len;
    xb_u32(b, 0);
    x_rm(b, XOPW(0x63, 1), RAX, RCX, RAX, 0); /* movsxd rax, [rcx+rax] */
    x_rr(b, XOPW(0x01, 1), RCX, RAX);         /* add rax, rcx */
    x_jmp_r(b, RAX);
    size_t table = b->len;
    xb_patch32(b, lea_at, (uint32_t)(table - (lea_at + 4)));
    for (uint32_t k = 0; k <= n; k++)
        xb_u32(b, 0);
    for (uint32_t k = 0; k <= n; k++) {
        size_t at = table + 4 * (size_t)k;
        uint32_t target = pos + pc[3 + k];
        if (target <= pos && target > 0) { /* backward: through a stub that charges fuel */
            xb_patch32(b, at, (uint32_t)(b->len - table));
            branch_to(j, -1, pos, target);
        } else {
            push_fix(j, (jfix){at, table, target, FIX_TABLE});
        }
    }
}

/* Result cell i = slot, for the caller, which reads the frame: stored
 * straight from the slot's register when it is pinned (no move through
 * rax), an immediate when it is a constant that fits. */
static void ret_cell(jc *j, uint32_t i, uint32_t slot)
{
    int p = pin_of(j, slot, false);
    if (p >= 0 && !pin_is_xmm(p)) {
        x_mov_store(j->b, true, RBX, disp(i), pin_reg(p));
    } else if (p >= 0) {
        x_rm(j->b, XOPP(0xf2, false, 0x0f11, 2), pin_reg(p), RBX, -1, disp(i)); /* movsd: 64 bits */
    } else if (is_const(j, slot) && fits_i32((int64_t)const_of(j, slot))) {
        x_rm(j->b, XOPW(0xc7, 1), 0, RBX, -1, disp(i)); /* mov qword [rbx+d], imm32 */
        xb_u32(j->b, (uint32_t)const_of(j, slot));
    } else {
        ld64(j, RAX, slot);
        x_mov_store(j->b, true, RBX, disp(i), RAX);
    }
}

static void ret_range(jc *j, const uint32_t *pc)
{
    uint32_t first = pc[1], n = pc[2];
    for (uint32_t i = 0; i < n; i++)
        ret_cell(j, i, first + i);
    ret_ok(j);
}

static void global_access(jc *j, const uint32_t *pc, bool set, int cells)
{
    xbuf *b = j->b;
    uint32_t g = set ? pc[1] : pc[2], slot = set ? pc[2] : pc[1];
    x_mov_load(b, true, RAX, R13, (int32_t)offsetof(wasm_instance, globals));
    x_mov_load(b, true, RAX, RAX, disp(g));
    for (int c = 0; c < cells; c++) {
        int32_t off = (int32_t)(offsetof(wasm_global, val) + sizeof(cell) * (size_t)c);
        if (set) {
            ld64(j, RCX, slot + (uint32_t)c);
            x_mov_store(b, true, RAX, off, RCX);
        } else {
            x_mov_load(b, true, RCX, RAX, off);
            st64(j, slot + (uint32_t)c, RCX);
        }
    }
}

static void select_op(jc *j, const uint32_t *pc, int cells)
{
    xbuf *b = j->b;
    if (cells == 1) { /* test the condition; r = a; cmovz r, b (movs keep the flags) */
        int rc = gpr_of(j, pc[4]), rb = gpr_of(j, pc[3]), rd = gpr_of(j, pc[1]);
        if (zf_holds(j, pc[4], (uint32_t)(pc - j->code))) {
            /* ZF set by the operation that computed the condition */
        } else if (rc >= 0) {
            x_rr(b, XOP(0x85, 1), rc, rc);
        } else if (in_frame(j, pc[4])) {
            x_alu_imm_mem(b, false, ALU_CMP.ext, RBX, disp(pc[4]), 0);
        } else {
            ld32(j, RAX, pc[4]);
            x_rr(b, XOP(0x85, 1), RAX, RAX);
        }
        int r = rd >= 0 && rd != rb ? rd : RCX;
        /* into an i32 home: 32-bit moves and cmov (which zero-extends its
         * destination whether it moves or not) */
        bool w = !zx_home(j, pc[1]);
        xop cmovz = {0, w, 0x0f44, 2};
        if (gpr_of(j, pc[2]) != r)
            ld_int(j, w, r, pc[2]);
        if (rb >= 0) {
            x_rr(b, cmovz, r, rb);
        } else if (in_frame(j, pc[3])) {
            x_rm(b, cmovz, r, RBX, -1, disp(pc[3]));
        } else {
            ld_int(j, w, RDX, pc[3]);
            x_rr(b, cmovz, r, RDX);
        }
        if (r == RCX)
            st64(j, pc[1], RCX);
        return;
    }
    for (int c = 0; c < cells; c++) {
        ld32(j, RAX, pc[4]);
        ld64(j, RCX, pc[2] + (uint32_t)c);
        ld64(j, RDX, pc[3] + (uint32_t)c);
        x_rr(b, XOP(0x85, 1), RAX, RAX);
        x_rr(b, XOPW(0x0f44, 2), RCX, RDX); /* cmovz rcx, rdx */
        st64(j, pc[1] + (uint32_t)c, RCX);
    }
}

static void conversion_helper(jc *j, int op, const uint32_t *pc)
{
    call_bits2(j, (const void *)jit_convert, pc[2], 0, true, (uint64_t)op, pc[1]);
}

static void trunc_trapping(jc *j, int op, const uint32_t *pc, uint32_t pos)
{
    ld64(j, RDI, pc[2]);
    x_mov_imm(j->b, RSI, (uint64_t)op);
    call_abs(j, (const void *)jit_trunc);
    st64(j, pc[1], RAX);
    x_mov_rr(j->b, false, RAX, RDX);
    x_rr(j->b, XOP(0x85, 1), RAX, RAX);
    trap_if(j, CC_NE, 0, pos);
}

/* dst = src, register to register where both have one (a copy does not
 * vote for a register class: pin_any) */
static void copy_slot(jc *j, uint32_t dst, uint32_t src)
{
    int pd = pin_any(j, dst), ps = pin_any(j, src);
    if (j->counting)
        return;
    bool xd = pd >= 0 && pin_is_xmm(pd), xs = ps >= 0 && pin_is_xmm(ps);
    if (xd && xs) {
        x_rr(j->b, XOP(0x0f28, 2), pin_reg(pd), pin_reg(ps)); /* movaps */
    } else if (xd && ps < 0 && !is_const(j, src)) {
        x_rm(j->b, XOPP(0xf2, false, 0x0f10, 2), pin_reg(pd), RBX, -1, disp(src)); /* movsd */
    } else if (xs && pd < 0) {
        x_rm(j->b, XOPP(0xf2, false, 0x0f11, 2), pin_reg(ps), RBX, -1, disp(dst));
    } else if (pd >= 0 && !xd) {
        ld_int(j, !zx_home(j, dst), pin_reg(pd), src); /* an i32 home: 32-bit */
    } else if (ps >= 0 && !xs && pd < 0) {
        x_mov_store(j->b, true, RBX, disp(dst), pin_reg(ps));
    } else {
        ld64(j, RAX, src);
        st64(j, dst, RAX);
    }
}

static void emit_instr(jc *j, int op, const uint32_t *pc, uint32_t pos, uint32_t next)
{
    xbuf *b = j->b;
    switch (op) {
    /* control */
    case OP_BR: branch_to(j, -1, pos, pos + (int32_t)pc[1]); break;
    case OP_BR_IF: cond_branch(j, pc, pos, true); break;
    case OP_BR_UNLESS: cond_branch(j, pc, pos, false); break;
    case OP_BR_TABLE: br_table(j, pc, pos); break;
    case OP_LOOP: charge(j, (int32_t)pc[1], pos + 2); break;
    case OP_UNREACHABLE: trap_always(j, WASM_TRAP_UNREACHABLE, pos); break;
    case OP_RET0: ret_ok(j); break;
    case OP_RET1: /* in rax only: every caller stores it where it needs it */
        ld64(j, RAX, pc[1]);
        ret_ok(j);
        break;
    case OP_RET_RANGE: ret_range(j, pc); break;
    case OP_CALL: call_direct(j, pc, pos); break;
    case OP_CALL_IMPORT:
        x_mov_load(b, true, RAX, R13, (int32_t)offsetof(wasm_instance, funcs));
        x_mov_load(b, true, RSI, RAX, disp(pc[1]));
        call_through(j, pc[2], pos, 3);
        break;
    case OP_CALL_INDIRECT: call_indirect(j, pc, pos); break;
    case OP_COPY: copy_slot(j, pc[1], pc[2]); break;
    case OP_COPY2:
        note_v128(j, pc[1]);
        note_v128(j, pc[2]);
        ld64(j, RAX, pc[2]);
        st64(j, pc[1], RAX);
        ld64(j, RAX, pc[2] + 1);
        st64(j, pc[1] + 1, RAX);
        break;
    case OP_SELECT: select_op(j, pc, 1); break;
    case OP_SELECT2:
        note_v128(j, pc[1]);
        note_v128(j, pc[2]);
        note_v128(j, pc[3]);
        select_op(j, pc, 2);
        break;
    case OP_GLOBAL_GET: global_access(j, pc, false, 1); break;
    case OP_GLOBAL_SET: global_access(j, pc, true, 1); break;
    case OP_GLOBAL_GET2:
        note_v128(j, pc[1]);
        global_access(j, pc, false, 2);
        break;
    case OP_GLOBAL_SET2:
        note_v128(j, pc[2]);
        global_access(j, pc, true, 2);
        break;
    /* memory */
    case OP_LD_I32: case OP_LD_I64: case OP_LD_I32_8S: case OP_LD_I32_8U: case OP_LD_I32_16S:
    case OP_LD_I32_16U: case OP_LD_I64_8S: case OP_LD_I64_8U: case OP_LD_I64_16S:
    case OP_LD_I64_16U: case OP_LD_I64_32S: case OP_LD_I64_32U: case OP_LD_V128:
        load(j, op, pc, pos);
        break;
    case OP_ST_8: case OP_ST_16: case OP_ST_32: case OP_ST_64: case OP_ST_V128:
        store(j, op, pc, pos);
        break;
    case OP_MEM_SIZE:
        if (j->guard)
            x_mov_load(b, true, RAX, R12, (int32_t)offsetof(jit_ctx, mem_size));
        else
            x_mov_rr(b, true, RAX, R15);
        x_rr(b, XOPW(0xc1, 1), 5, RAX); /* shr rax, 16 */
        xb_byte(b, 16);
        st64(j, pc[1], RAX);
        break;
    case OP_MEM_GROW:
        helper_op(j, jit_op_mem_grow, "SS", pc, pos, false);
        reload_mem(j);
        break;
    case OP_MEM_INIT: helper_op(j, jit_op_mem_init, "ISSS", pc, pos, true); break;
    case OP_DATA_DROP: helper_op(j, jit_op_data_drop, "I", pc, pos, false); break;
    case OP_MEM_COPY: mem_copy(j, pc, pos); break;
    case OP_MEM_FILL: helper_op(j, jit_op_mem_fill, "SSS", pc, pos, true); break;
    /* tables and references */
    case OP_TABLE_GET: helper_op(j, jit_op_table_get, "SIS", pc, pos, true); break;
    case OP_TABLE_SET: helper_op(j, jit_op_table_set, "ISS", pc, pos, true); break;
    case OP_TABLE_SIZE: helper_op(j, jit_op_table_size, "SI", pc, pos, false); break;
    case OP_TABLE_GROW: helper_op(j, jit_op_table_grow, "SISS", pc, pos, false); break;
    case OP_TABLE_FILL: helper_op(j, jit_op_table_fill, "ISSS", pc, pos, true); break;
    case OP_TABLE_COPY: helper_op(j, jit_op_table_copy, "IISSS", pc, pos, true); break;
    case OP_TABLE_INIT: helper_op(j, jit_op_table_init, "IISSS", pc, pos, true); break;
    case OP_ELEM_DROP: helper_op(j, jit_op_elem_drop, "I", pc, pos, false); break;
    case OP_V_LOAD: case OP_V_LOAD_LANE: case OP_V_STORE_LANE: case OP_V_UN: case OP_V_BIN:
    case OP_V_BITSELECT: case OP_V_SHUFFLE: case OP_V_SHIFT: case OP_V_TEST: case OP_V_SPLAT:
    case OP_V_EXTRACT: case OP_V_REPLACE: case OP_V_I8X16_ADD: case OP_V_I8X16_SUB:
    case OP_V_I16X8_ADD: case OP_V_I16X8_SUB: case OP_V_I16X8_MUL: case OP_V_I32X4_ADD:
    case OP_V_I32X4_SUB: case OP_V_I32X4_MUL: case OP_V_I64X2_ADD: case OP_V_I64X2_SUB:
    case OP_V_F32X4_ADD: case OP_V_F32X4_SUB: case OP_V_F32X4_MUL: case OP_V_F64X2_ADD:
    case OP_V_F64X2_SUB: case OP_V_F64X2_MUL: case OP_V_AND: case OP_V_OR: case OP_V_XOR:
    {
        xop o;
        if (lanewise_sse(j, op, &o))
            lanewise_inline(j, o, pc);
        else if (lane_inline(op, pc))
            lane_op(j, op, pc, lane_inline(op, pc));
        else
            simd_op(j, op, pc, pos);
        break;
    }
    case OP_REF_IS_NULL:
        ld64(j, RCX, pc[2]);
        x_rr(b, XOPW(0x85, 1), RCX, RCX);
        x_setcc_eax(b, CC_E);
        st64(j, pc[1], RAX);
        break;
    case OP_REF_FUNC:
        x_mov_load(b, true, RAX, R13, (int32_t)offsetof(wasm_instance, funcs));
        x_mov_load(b, true, RAX, RAX, disp(pc[2]));
        st64(j, pc[1], RAX);
        break;
    /* i32 / i64 */
    case OP_I32_EQZ: eqz(j, false, pc, next); break;
    case OP_I64_EQZ: eqz(j, true, pc, next); break;
    case OP_I32_CLZ: bitcount(j, false, 0, pc); break;
    case OP_I32_CTZ: bitcount(j, false, 1, pc); break;
    case OP_I32_POPCNT: bitcount(j, false, 2, pc); break;
    case OP_I64_CLZ: bitcount(j, true, 0, pc); break;
    case OP_I64_CTZ: bitcount(j, true, 1, pc); break;
    case OP_I64_POPCNT: bitcount(j, true, 2, pc); break;
    case OP_I32_EXTEND8_S: ld32(j, RCX, pc[2]); x_rr(b, XOP(0x0fbe, 2), RAX, RCX); st64(j, pc[1], RAX); break;
    case OP_I32_EXTEND16_S: ld32(j, RCX, pc[2]); x_rr(b, XOP(0x0fbf, 2), RAX, RCX); st64(j, pc[1], RAX); break;
    case OP_I64_EXTEND8_S: ld64(j, RCX, pc[2]); x_rr(b, XOPW(0x0fbe, 2), RAX, RCX); st64(j, pc[1], RAX); break;
    case OP_I64_EXTEND16_S: ld64(j, RCX, pc[2]); x_rr(b, XOPW(0x0fbf, 2), RAX, RCX); st64(j, pc[1], RAX); break;
    case OP_I64_EXTEND32_S: case OP_I64_EXTEND_I32_S:
        ld32(j, RCX, pc[2]);
        x_rr(b, XOPW(0x63, 1), RAX, RCX); /* movsxd rax, ecx */
        st64(j, pc[1], RAX);
        break;
    case OP_I64_EXTEND_I32_U: case OP_I32_WRAP_I64: { /* a 32-bit mov zero-extends */
        int rd = gpr_of(j, pc[1]);
        ld32(j, rd >= 0 ? rd : RAX, pc[2]);
        if (rd < 0)
            st64(j, pc[1], RAX);
        break;
    }
    case OP_I32_ADD: binop(j, false, ALU_ADD, pc, true); break;
    case OP_I32_SUB: binop(j, false, ALU_SUB, pc, false); break;
    case OP_I32_AND: binop(j, false, ALU_AND, pc, true); break;
    case OP_I32_OR: binop(j, false, ALU_OR, pc, true); break;
    case OP_I32_XOR: binop(j, false, ALU_XOR, pc, true); break;
    case OP_I64_ADD: binop(j, true, ALU_ADD, pc, true); break;
    case OP_I64_SUB: binop(j, true, ALU_SUB, pc, false); break;
    case OP_I64_AND: binop(j, true, ALU_AND, pc, true); break;
    case OP_I64_OR: binop(j, true, ALU_OR, pc, true); break;
    case OP_I64_XOR: binop(j, true, ALU_XOR, pc, true); break;
    case OP_I32_MUL: mul(j, false, pc); break;
    case OP_I64_MUL: mul(j, true, pc); break;
    case OP_I32_DIV_S: divide(j, false, true, false, pc, pos); break;
    case OP_I32_DIV_U: divide(j, false, false, false, pc, pos); break;
    case OP_I32_REM_S: divide(j, false, true, true, pc, pos); break;
    case OP_I32_REM_U: divide(j, false, false, true, pc, pos); break;
    case OP_I64_DIV_S: divide(j, true, true, false, pc, pos); break;
    case OP_I64_DIV_U: divide(j, true, false, false, pc, pos); break;
    case OP_I64_REM_S: divide(j, true, true, true, pc, pos); break;
    case OP_I64_REM_U: divide(j, true, false, true, pc, pos); break;
    case OP_I32_SHL: shift(j, false, 4, pc); break;
    case OP_I32_SHR_S: shift(j, false, 7, pc); break;
    case OP_I32_SHR_U: shift(j, false, 5, pc); break;
    case OP_I32_ROTL: shift(j, false, 0, pc); break;
    case OP_I32_ROTR: shift(j, false, 1, pc); break;
    case OP_I64_SHL: shift(j, true, 4, pc); break;
    case OP_I64_SHR_S: shift(j, true, 7, pc); break;
    case OP_I64_SHR_U: shift(j, true, 5, pc); break;
    case OP_I64_ROTL: shift(j, true, 0, pc); break;
    case OP_I64_ROTR: shift(j, true, 1, pc); break;
    /* f32 / f64 */
    case OP_F32_ABS: fbits(j, false, 0, pc); break;
    case OP_F32_NEG: fbits(j, false, 1, pc); break;
    case OP_F32_COPYSIGN: fbits(j, false, 2, pc); break;
    case OP_F64_ABS: fbits(j, true, 0, pc); break;
    case OP_F64_NEG: fbits(j, true, 1, pc); break;
    case OP_F64_COPYSIGN: fbits(j, true, 2, pc); break;
    case OP_F32_CEIL: call_bits2(j, (const void *)jit_f32_round, pc[2], 0, true, 0, pc[1]); break;
    case OP_F32_FLOOR: call_bits2(j, (const void *)jit_f32_round, pc[2], 0, true, 1, pc[1]); break;
    case OP_F32_TRUNC: call_bits2(j, (const void *)jit_f32_round, pc[2], 0, true, 2, pc[1]); break;
    case OP_F32_NEAREST: call_bits2(j, (const void *)jit_f32_round, pc[2], 0, true, 3, pc[1]); break;
    case OP_F64_CEIL: call_bits2(j, (const void *)jit_f64_round, pc[2], 0, true, 0, pc[1]); break;
    case OP_F64_FLOOR: call_bits2(j, (const void *)jit_f64_round, pc[2], 0, true, 1, pc[1]); break;
    case OP_F64_TRUNC: call_bits2(j, (const void *)jit_f64_round, pc[2], 0, true, 2, pc[1]); break;
    case OP_F64_NEAREST: call_bits2(j, (const void *)jit_f64_round, pc[2], 0, true, 3, pc[1]); break;
    case OP_F32_SQRT: fsqrt(j, false, pc); break;
    case OP_F64_SQRT: fsqrt(j, true, pc); break;
    case OP_F32_ADD: fbinop(j, false, 0x58, pc, next); break;
    case OP_F32_SUB: fbinop(j, false, 0x5c, pc, next); break;
    case OP_F32_MUL: fbinop(j, false, 0x59, pc, next); break;
    case OP_F32_DIV: fbinop(j, false, 0x5e, pc, next); break;
    case OP_F64_ADD: fbinop(j, true, 0x58, pc, next); break;
    case OP_F64_SUB: fbinop(j, true, 0x5c, pc, next); break;
    case OP_F64_MUL: fbinop(j, true, 0x59, pc, next); break;
    case OP_F64_DIV: fbinop(j, true, 0x5e, pc, next); break;
    case OP_F32_MIN: call_bits2(j, (const void *)jit_f32_min, pc[2], pc[3], false, 0, pc[1]); break;
    case OP_F32_MAX: call_bits2(j, (const void *)jit_f32_max, pc[2], pc[3], false, 0, pc[1]); break;
    case OP_F64_MIN: call_bits2(j, (const void *)jit_f64_min, pc[2], pc[3], false, 0, pc[1]); break;
    case OP_F64_MAX: call_bits2(j, (const void *)jit_f64_max, pc[2], pc[3], false, 0, pc[1]); break;
    case OP_F32_EQ: case OP_F32_NE: case OP_F32_LT: case OP_F32_GT: case OP_F32_LE: case OP_F32_GE:
        fcompare(j, false, op - OP_F32_EQ, pc, next);
        break;
    case OP_F64_EQ: case OP_F64_NE: case OP_F64_LT: case OP_F64_GT: case OP_F64_LE: case OP_F64_GE:
        fcompare(j, true, op - OP_F64_EQ, pc, next);
        break;
    /* conversions */
    case OP_I32_TRUNC_F32_S: case OP_I32_TRUNC_F32_U: case OP_I32_TRUNC_F64_S:
    case OP_I32_TRUNC_F64_U: case OP_I64_TRUNC_F32_S: case OP_I64_TRUNC_F32_U:
    case OP_I64_TRUNC_F64_S: case OP_I64_TRUNC_F64_U:
        trunc_trapping(j, op, pc, pos);
        break;
    case OP_I32_TRUNC_SAT_F32_S: case OP_I32_TRUNC_SAT_F32_U: case OP_I32_TRUNC_SAT_F64_S:
    case OP_I32_TRUNC_SAT_F64_U: case OP_I64_TRUNC_SAT_F32_S: case OP_I64_TRUNC_SAT_F32_U:
    case OP_I64_TRUNC_SAT_F64_S: case OP_I64_TRUNC_SAT_F64_U: case OP_F32_CONVERT_I64_U:
    case OP_F64_CONVERT_I64_U:
        conversion_helper(j, op, pc);
        break;
    case OP_F32_CONVERT_I32_S: int_to_float(j, false, false, false, pc); break;
    case OP_F32_CONVERT_I32_U: int_to_float(j, false, false, true, pc); break;
    case OP_F32_CONVERT_I64_S: int_to_float(j, false, true, false, pc); break;
    case OP_F64_CONVERT_I32_S: int_to_float(j, true, false, false, pc); break;
    case OP_F64_CONVERT_I32_U: int_to_float(j, true, false, true, pc); break;
    case OP_F64_CONVERT_I64_S: int_to_float(j, true, true, false, pc); break;
    case OP_F32_DEMOTE_F64:
        ldf(j, XMM0, pc[2], true);
        x_rr(b, XOPP(0xf2, false, 0x0f5a, 2), XMM0, XMM0);
        stf(j, pc[1], XMM0, false);
        break;
    case OP_F64_PROMOTE_F32:
        ldf(j, XMM0, pc[2], false);
        x_rr(b, XOPP(0xf3, false, 0x0f5a, 2), XMM0, XMM0);
        stf(j, pc[1], XMM0, true);
        break;
    default:
        if (op >= OP_I32_EQ && op <= OP_I32_GE_U) {
            compare(j, false, cc_of_cmp[op - OP_I32_EQ], pc, next);
            break;
        }
        if (op >= OP_I64_EQ && op <= OP_I64_GE_U) {
            compare(j, true, cc_of_cmp[op - OP_I64_EQ], pc, next);
            break;
        }
        /* the pre-pass admitted nothing else */
        j->unhandled = true;
        break;
    }
}

/* Emits function fc at the end of b. False when it is not handled (b is
 * rolled back) or memory ran out (j->oom). */
/* Instructions that call out (wasm calls, C helpers): they run with the
 * pinned values in the frame. */
static bool calls_out(const jc *j, int op, const uint32_t *pc)
{
    if (is_simd(op))
        return simd_helper(j, op, pc);
    switch (op) {
    case OP_CALL: case OP_CALL_IMPORT: case OP_CALL_INDIRECT: case OP_MEM_GROW: case OP_MEM_INIT:
    case OP_DATA_DROP: case OP_MEM_FILL: case OP_TABLE_GET: case OP_TABLE_SET:
    case OP_TABLE_SIZE: case OP_TABLE_GROW: case OP_TABLE_FILL: case OP_TABLE_COPY:
    case OP_TABLE_INIT: case OP_ELEM_DROP:
    case OP_F32_MIN: case OP_F32_MAX: case OP_F64_MIN: case OP_F64_MAX:
    case OP_F32_CEIL: case OP_F32_FLOOR: case OP_F32_TRUNC: case OP_F32_NEAREST:
    case OP_F64_CEIL: case OP_F64_FLOOR: case OP_F64_TRUNC: case OP_F64_NEAREST:
    case OP_I32_TRUNC_F32_S: case OP_I32_TRUNC_F32_U: case OP_I32_TRUNC_F64_S:
    case OP_I32_TRUNC_F64_U: case OP_I64_TRUNC_F32_S: case OP_I64_TRUNC_F32_U:
    case OP_I64_TRUNC_F64_S: case OP_I64_TRUNC_F64_U:
    case OP_I32_TRUNC_SAT_F32_S: case OP_I32_TRUNC_SAT_F32_U: case OP_I32_TRUNC_SAT_F64_S:
    case OP_I32_TRUNC_SAT_F64_U: case OP_I64_TRUNC_SAT_F32_S: case OP_I64_TRUNC_SAT_F32_U:
    case OP_I64_TRUNC_SAT_F64_S: case OP_I64_TRUNC_SAT_F64_U: case OP_F32_CONVERT_I64_U:
    case OP_F64_CONVERT_I64_U:
        return true;
    default:
        return false;
    }
}

/* The slots an instruction writes (first, count), read from its operands;
 * false when it may write others (calls and C helpers: callee frames,
 * results). */
static bool written_slots(const jc *j, int op, const uint32_t *pc, uint32_t *first,
                          uint32_t *count)
{
    if (calls_out(j, op, pc))
        return false;
    *first = 0;
    if (is_simd(op)) { /* not a call out: inline, a v128 result (extract: a scalar) */
        *first = pc[1];
        *count = op == OP_V_EXTRACT ? 1 : 2;
        return true;
    }
    switch (op) {
    case OP_BR: case OP_BR_IF: case OP_BR_UNLESS: case OP_BR_TABLE: case OP_LOOP:
    case OP_UNREACHABLE: case OP_RET0: case OP_RET1: case OP_RET_RANGE: case OP_GLOBAL_SET:
    case OP_GLOBAL_SET2: case OP_ST_8: case OP_ST_16: case OP_ST_32: case OP_ST_64:
    case OP_ST_V128:
        *count = 0;
        return true;
    case OP_COPY2: case OP_SELECT2: case OP_GLOBAL_GET2: case OP_LD_V128:
        *first = pc[1];
        *count = 2;
        return true;
    default: /* every other instruction the pre-pass admits: S dst first */
        *first = pc[1];
        *count = 1;
        return true;
    }
}

/* Whether the instruction as emitted leaves a zero-extended i32 in its
 * destination register (32-bit operations, movzx, zero-extending loads). */
static bool result_zero_extended(const jc *j, int op, const uint32_t *pc)
{
    if (j->elided)
        return false; /* the register was not written */
    if ((op >= OP_I32_EQZ && op <= OP_I32_ROTR) || (op >= OP_I64_EQ && op <= OP_I64_GE_U) ||
        (op >= OP_F32_EQ && op <= OP_F32_GE) || (op >= OP_F64_EQ && op <= OP_F64_GE))
        return true;
    switch (op) {
    case OP_I64_EQZ: case OP_LD_I32: case OP_LD_I32_8S: case OP_LD_I32_8U: case OP_LD_I32_16S:
    case OP_LD_I32_16U: case OP_LD_I64_8U: case OP_LD_I64_16U: case OP_LD_I64_32U:
    case OP_I32_WRAP_I64: case OP_I64_EXTEND_I32_U: case OP_MEM_SIZE: case OP_REF_IS_NULL:
        return true;
    case OP_SELECT:
        return zx_home(j, pc[1]); /* select_op's 32-bit cmov */
    case OP_COPY:
        if (zx_home(j, pc[1]))
            return true; /* copy_slot's 32-bit move */
        if (is_const(j, pc[2]))
            return const_of(j, pc[2]) <= UINT32_MAX;
        return pc[2] < j->frame_cells && j->pin[pc[2]] && !pin_is_xmm(j->pin[pc[2]]) &&
               (j->zx & (1u << pin_reg(j->pin[pc[2]])));
    default:
        return false;
    }
}

/* After an instruction: forget the checks of the slots it wrote and note
 * which of their registers now hold zero-extended i32s. */
static void track_writes(jc *j, int op, const uint32_t *pc)
{
    uint32_t first, count;
    if (!written_slots(j, op, pc, &first, &count)) {
        /* a call out: every pinned slot reloaded, the i32 homes 32-bit */
        j->nchecked = 0;
        j->zx = j->zx_always;
        return;
    }
    bool zx = count == 1 && result_zero_extended(j, op, pc);
    for (uint32_t k = 0; k < count; k++) {
        uint32_t slot = first + k;
        check_written(j, slot);
        if (slot == j->ifwd_out)
            continue; /* forwarded in rax: its register, if any, not written */
        int p = slot < j->frame_cells ? j->pin[slot] : 0;
        if (!p || pin_is_xmm(p))
            continue;
        uint32_t bit = 1u << pin_reg(p);
        if (zx) {
            j->zx |= bit;
        } else if (j->zx_always & bit) { /* an i32 home: zero-extend it now */
            x_mov_rr(j->b, false, pin_reg(p), pin_reg(p));
            j->zx |= bit;
        } else {
            j->zx &= ~bit;
        }
    }
}

static uint32_t instr_words(const jc *j, uint32_t pos, int op)
{
    return op == OP_BR_TABLE ? 3 + j->code[pos + 2] + 1 : op_words[op];
}

/* Loop depth of every position: a backward branch from p to t encloses [t, p]. */
static bool loop_depths(jc *j)
{
    int32_t *diff = calloc((size_t)j->n + 2, sizeof *diff);
    if (!diff)
        return false;
    for (uint32_t pos = 0; pos < j->n;) {
        int op = op_of(j->code[pos]);
        const uint32_t *pc = j->code + pos;
        uint32_t words = instr_words(j, pos, op);
        uint32_t k0 = 0, k1 = 0, at = 0; /* branch offsets pc[at + k], k0 <= k < k1 */
        if (op == OP_BR) at = 1, k1 = 1;
        else if (op == OP_BR_IF || op == OP_BR_UNLESS) at = 2, k1 = 1;
        else if (op == OP_BR_TABLE) at = 3, k1 = pc[2] + 1;
        for (uint32_t k = k0; k < k1; k++) {
            uint32_t t = pos + pc[at + k];
            if (t <= pos) {
                diff[t]++;
                diff[pos + 1]--;
            }
        }
        pos += words;
    }
    int32_t d = 0;
    for (uint32_t pos = 0; pos <= j->n; pos++) {
        d += diff[pos];
        j->depth[pos] = d > 0 ? (uint32_t)d : 0;
    }
    free(diff);
    return true;
}

/* Picks the slots to keep in registers from the counting pass: the most
 * used (loop-weighted), when they are used more than calls would cost to
 * write them back and reload them. */
static void choose_pins(jc *j)
{
    memset(j->pin, 0, j->frame_cells);
    uint32_t ngpr = 0, nxmm = 0;
    for (;;) {
        uint64_t best = 0;
        uint32_t pick = UINT32_MAX;
        for (uint32_t s = 0; s < j->frame_cells; s++) {
            uint64_t u = (uint64_t)j->uses_int[s] + j->uses_float[s];
            bool want_xmm = j->uses_float[s] > j->uses_int[s];
            if (j->pin[s] || j->v128[s] || u <= best || u <= 2 * j->call_weight + 1)
                continue;
            if (want_xmm ? nxmm >= PIN_XMMS : ngpr >= pin_gpr_count(j->guard))
                continue;
            best = u;
            pick = s;
        }
        if (pick == UINT32_MAX)
            break;
        if (j->uses_float[pick] > j->uses_int[pick])
            j->pin[pick] = (uint8_t)(PIN_XMM | (2 + nxmm++));
        else
            j->pin[pick] = (uint8_t)(PIN_GPR | pin_gprs[ngpr++]);
    }
}

/* The i32 parameters and locals among the GPR-pinned slots: their
 * registers go into zx_always. A parameter or declared local has one wasm
 * type for the whole function, so a single instruction reading or writing
 * it as an i32 proves it (every memory address is an i32: memory64 is not
 * supported); parameters also by their declared type. Such a register is
 * kept zero-extended everywhere, which makes it usable as an address index
 * with no `mov eax, r32` (mem_addr): the prologue loads it with a 32-bit
 * move, reloads from the frame (after calls, at OSR entries: the
 * interpreter leaves an i32 cell's upper half as it was) are 32-bit, and
 * an instruction writing it that does not leave it zero-extended by
 * itself gets a `mov r32, r32` after it (track_writes); the value is an
 * i32, so that changes nothing but the upper half. */
static void mark_i32(jc *j, uint32_t slot)
{
    if (slot >= j->fc->param_cells + j->fc->local_cells)
        return; /* a constant or a temporary: typed per value, not per slot */
    int p = j->pin[slot];
    if (p && !pin_is_xmm(p))
        j->zx_always |= 1u << pin_reg(p);
}

/* The operand word of op that is an i32 whatever its other types (0:
 * none): an address, an i32 result, a condition or table index. */
static uint32_t i32_operand(int op)
{
    if ((op >= OP_LD_I32 && op <= OP_LD_V128) || op == OP_I64_EXTEND_I32_S ||
        op == OP_I64_EXTEND_I32_U)
        return 2; /* the address; the extended value */
    if ((op >= OP_ST_8 && op <= OP_ST_V128) || (op >= OP_I64_EQ && op <= OP_I64_GE_U) ||
        op == OP_I64_EQZ || op == OP_I32_WRAP_I64 || (op >= OP_F32_EQ && op <= OP_F32_GE) ||
        (op >= OP_F64_EQ && op <= OP_F64_GE) || op == OP_BR_IF || op == OP_BR_UNLESS ||
        op == OP_BR_TABLE)
        return 1; /* the address; an i32 result; the condition, the index */
    return 0;
}

static void i32_homes(jc *j)
{
    j->zx_always = 0;
    uint32_t candidates = 0; /* the registers of the pinned parameters and locals */
    for (uint32_t s = 0; s < j->fc->param_cells + j->fc->local_cells && s < j->frame_cells; s++)
        if (j->pin[s] && !pin_is_xmm(j->pin[s]))
            candidates |= 1u << pin_reg(j->pin[s]);
    if (!candidates)
        return;
    const wasm_functype *ft = &j->m->types[j->fc->type_index].ft;
    for (uint32_t i = 0, c = 0; i < ft->param_count && c < j->fc->param_cells; i++) {
        if (ft->params[i] == WASM_I32)
            mark_i32(j, c);
        c += type_cells(ft->params[i]);
    }
    for (uint32_t pos = 0; pos < j->n && j->zx_always != candidates;) {
        int op = op_of(j->code[pos]);
        const uint32_t *pc = j->code + pos;
        if (op >= OP_I32_EQZ && op <= OP_I32_ROTR) { /* i32 operands and result */
            for (uint32_t k = 1; k < op_words[op]; k++)
                mark_i32(j, pc[k]);
        } else if (i32_operand(op)) {
            mark_i32(j, pc[i32_operand(op)]);
        }
        pos += instr_words(j, pos, op);
    }
}

static void push_osr(jc *j, uint32_t pos)
{
    if (j->nosr == j->caposr) {
        uint32_t *p = grown(j->osr_pos, &j->caposr, sizeof *p, 8);
        if (!p) {
            j->oom = true;
            return;
        }
        j->osr_pos = p;
    }
    j->osr_pos[j->nosr++] = pos;
}

/* An entry at loop header pos for a call the interpreter was running
 * (internal convention, rdi = fp): the frame holds every value there (a
 * branch target: nothing lives in registers but the pinned slots, loaded
 * now); the loop's fuel was charged by the interpreter's branch. */
static void emit_osr_entry(jc *j, uint32_t pos)
{
    x_push(j->b, RBX);
    x_mov_rr(j->b, true, RBX, RDI);
    sync_pinned(j, false);
    push_fix(j, (jfix){x_jmp32(j->b), 0, pos, FIX_REL32});
}

/* The prologue and every instruction (one pass). */
static void emit_function(jc *j, size_t start)
{
    xbuf *b = j->b;
    j->nfix = 0;
    j->ntrap = 0;
    j->ncold = 0;
    j->ncalls = 0;
    j->flags_pos = UINT32_MAX;
    j->zf_pos = UINT32_MAX;
    j->call_weight = 0;
    j->unpinned = false;
    j->nosr = 0;
    j->nchecked = 0;
    j->zx = 0;
    j->result_in_rax = UINT32_MAX;
    j->fwd = UINT32_MAX;
    j->ifwd_out = UINT32_MAX;
    j->nsites = 0;
    prologue(j);
    j->zx = j->zx_always;
    for (uint32_t pos = 0; pos < j->n && !j->oom;) {
        int op = op_of(j->code[pos]);
        uint32_t words = instr_words(j, pos, op);
        j->native[pos] = (uint32_t)(b->len - start);
        j->cur_pos = pos;
        j->ifwd_in = j->ifwd_out; /* only for the instruction right after its producer */
        j->ifwd_out = UINT32_MAX;
        bool out = calls_out(j, op, j->code + pos);
        if (is_target(j, pos)) { /* another path joins: nothing is known */
            j->nchecked = 0;
            j->zx = j->zx_always; /* but the function-wide invariant */
        }
        j->elided = false;
        if (out) {
            j->call_weight += loop_weight(j);
            sync_pinned_but(j, true, arg_in_rdx_only(j, op, j->code + pos));
            j->unpinned = true;
        }
        if (op == OP_LOOP && !j->counting && pos + 2 < j->n && is_target(j, pos + 2))
            push_osr(j, pos + 2);
        if (!out && (float_load_operand(j, op, j->code + pos, pos, pos + words) ||
                     (op == OP_I32_SHL && sign_extend_pair(j, op, j->code + pos, pos + words)) ||
                     ((op == OP_I32_XOR || op == OP_I64_XOR) &&
                      andn_pair(j, op, j->code + pos, pos + words)))) {
            /* two instructions: the second is no branch target */
            uint32_t next = pos + words;
            j->native[next] = j->native[pos];
            track_writes(j, op, j->code + pos);
            track_writes(j, op_of(j->code[next]), j->code + next);
            pos = next + instr_words(j, next, op_of(j->code[next]));
            continue;
        }
        emit_instr(j, op, j->code + pos, pos, pos + words);
        if (out) {
            j->unpinned = false;
            reload_pinned(j);
        }
        j->result_in_rax = UINT32_MAX;
        track_writes(j, op, j->code + pos);
        pos += words;
    }
}

/* Places the constants rip-relative operands read (FIX_CONST) after the
 * code, 8-byte aligned, each once; notes each one's offset in its fixes
 * (table_base) for the patching loop. */
static void const_pool(jc *j, xbuf *b)
{
    bool any = false;
    for (size_t i = 0; i < j->nfix && !any; i++)
        any = j->fix[i].kind == FIX_CONST;
    if (!any)
        return;
    while (b->len % 8)
        xb_byte(b, 0xcc);
    for (size_t i = 0; i < j->nfix; i++) {
        jfix *f = &j->fix[i];
        if (f->kind != FIX_CONST)
            continue;
        size_t at = SIZE_MAX;
        for (size_t k = 0; k < i && at == SIZE_MAX; k++)
            if (j->fix[k].kind == FIX_CONST && j->fix[k].target == f->target)
                at = j->fix[k].table_base;
        if (at == SIZE_MAX) {
            at = b->len;
            xb_u64(b, const_of(j, f->target));
        }
        f->table_base = at;
    }
}

/* Emits function fc at the end of b. False when it is not handled (b is
 * rolled back) or memory ran out (j->oom). */
static bool compile_one(jc *j, xbuf *b, const func_code *fc)
{
    size_t start = b->len;
    j->b = b;
    j->fc = fc;
    j->code = fc->code;
    j->n = fc->code_words;
    j->frame_cells = fc->frame_cells;
    j->unhandled = false;
    j->native = calloc((size_t)j->n + 1, sizeof *j->native);
    j->target = calloc((size_t)j->n + 1, 1);
    j->depth = calloc((size_t)j->n + 1, sizeof *j->depth);
    j->pin = calloc((size_t)j->frame_cells + 1, 1);
    j->uses_int = calloc((size_t)j->frame_cells + 1, sizeof *j->uses_int);
    j->uses_float = calloc((size_t)j->frame_cells + 1, sizeof *j->uses_float);
    j->v128 = calloc((size_t)j->frame_cells + 1, 1);
    bool ok = j->native && j->target && j->depth && j->pin && j->uses_int && j->uses_float && j->v128;
    if (!ok)
        j->oom = true;
    j->zx_always = 0;
    ok = ok && prepass(j) && loop_depths(j);
    if (ok) {
        /* pass 1 counts slot accesses, pass 2 emits with the chosen registers */
        j->counting = true;
        b->discard = true; /* counting only: no instruction is encoded */
        emit_function(j, start);
        b->discard = false;
        j->counting = false;
        b->len = start;
        choose_pins(j);
        i32_homes(j);
        emit_function(j, start);
        /* loop-header entries (osr_off: their offsets) */
        free(j->osr_off);
        j->osr_off = j->nosr ? malloc(j->nosr * sizeof *j->osr_off) : NULL;
        if (j->nosr && !j->osr_off)
            j->oom = true;
        for (size_t i = 0; i < j->nosr && !j->oom; i++) {
            j->osr_off[i] = (uint32_t)(b->len - start);
            emit_osr_entry(j, j->osr_pos[i]);
        }
        /* calls' out-of-line paths (they add trap stubs) */
        size_t common = j->ncold ? cold_common(j) : 0;
        for (size_t i = 0; i < j->ncold && !j->oom; i++)
            cold_call(j, &j->colds[i], common);
        /* trap stubs */
        for (size_t i = 0; i < j->ntrap; i++) {
            x_link(b, j->traps[i].at, b->len);
            if (j->traps[i].kind)
                x_mov_imm(b, RSI, j->traps[i].kind);
            else
                x_mov_rr(b, false, RSI, RAX);
            x_mov_imm(b, RCX, j->traps[i].pos);
            size_t at = x_jmp32(b);
            x_link(b, at, j->common_trap);
        }
        /* the constant pool (8-byte cells, each constant once) */
        const_pool(j, b);
        /* branches */
        for (size_t i = 0; i < j->nfix; i++) {
            const jfix *f = &j->fix[i];
            if (f->kind == FIX_CONST) {
                x_link(b, f->at, f->table_base);
                continue;
            }
            if (f->kind == FIX_CALL)
                continue; /* place_linked */
            size_t target = start + j->native[f->target];
            if (f->kind == FIX_REL32)
                x_link(b, f->at, target);
            else
                xb_patch32(b, f->at, (uint32_t)(int32_t)((int64_t)target - (int64_t)f->table_base));
        }
        ok = !b->oom && !j->oom && !j->unhandled;
    }
    free(j->native);
    free(j->target);
    free(j->depth);
    free(j->pin);
    free(j->uses_int);
    free(j->uses_float);
    free(j->v128);
    j->v128 = NULL;
    j->native = NULL;
    j->target = NULL;
    j->depth = NULL;
    j->pin = NULL;
    j->uses_int = j->uses_float = NULL;
    if (!ok)
        b->len = start;
    return ok;
}

/* ---- the module ------------------------------------------------------------------- */

/* The trampolines use the internal convention: entered like a function's
 * machine code (rdi = fp, rcx = fc, r12-r15 and rbp shared, the caller's
 * frame record pushed), they return its status in eax. */

/* Asks jit_lazy_prepare where this call goes (machine code compiled now, or
 * the interpreter trampoline while the function is not hot) and jumps there;
 * on failure returns the status it reported. */
static void emit_lazy_tramp(xbuf *b, bool unmetered)
{
    x_push(b, RDI);
    x_push(b, RCX);
    x_alu_imm(b, true, 5, RSP, 8); /* aligned for the C call */
    emit_rbp_out(b, unmetered);
    x_mov_rr(b, true, RDI, R12);
    x_mov_rr(b, true, RSI, RCX);
    x_mov_imm(b, RAX, (uint64_t)(uintptr_t)jit_lazy_prepare);
    x_call_r(b, RAX);
    x_alu_imm(b, true, 0, RSP, 8);
    x_pop(b, RCX);
    x_pop(b, RDI);
    x_rr(b, XOP(0x85, 1), RAX, RAX);
    size_t failed = x_jcc8(b, CC_E);
    emit_first_arg(b); /* the C call took rdx */
    x_jmp_r(b, RAX);
    x_link8(b, failed);
    x_mov_load(b, true, RAX, R12, (int32_t)offsetof(jit_ctx, err));
    x_mov_load(b, false, RAX, RAX, (int32_t)offsetof(wasm_error, status));
    emit_unwind(b);
}

/* Runs fc in the interpreter (jit_interp_entry), then reloads r14/r15:
 * the interpreted code may have grown memory. Returns the first cell of
 * the frame in rax, as compiled code returns a one-cell result (read
 * only from a frame of at least one cell: never past the value stack). */
static void emit_interp_tramp(xbuf *b, bool unmetered, bool guard)
{
    x_push(b, RDI);
    x_push(b, RCX);
    x_alu_imm(b, true, 5, RSP, 8); /* aligned for the C call */
    emit_rbp_out(b, unmetered);
    x_mov_rr(b, true, RSI, R12);
    x_mov_rr(b, true, RDX, R13);
    x_mov_imm(b, RAX, (uint64_t)(uintptr_t)jit_interp_entry);
    x_call_r(b, RAX);
    x_alu_imm(b, true, 0, RSP, 8);
    x_pop(b, RCX);
    x_pop(b, RDI);
    emit_rbp_in(b, unmetered);
    x_rr(b, XOP(0x85, 1), RAX, RAX);
    size_t failed = x_jcc8(b, CC_NE);
    x_alu_imm_mem(b, false, 7, RCX, (int32_t)offsetof(func_code, frame_cells), 0);
    size_t empty = x_jcc8(b, CC_E);
    x_mov_load(b, true, RAX, RDI, 0);
    x_link8(b, empty);
    emit_reload_mem(b, guard); /* rax kept */
    xb_byte(b, 0xc3);
    x_link8(b, failed);
    emit_unwind(b);
}

/* A compiled function's loop-header entries (func_code.jit_osr). */
typedef struct jit_osr {
    uint32_t count;
    struct {
        uint32_t pos;
        void *entry;
    } at[];
} jit_osr;

/* n entries at positions pos[], code offsets off[] from the function's
 * sealed code */
static jit_osr *osr_table(const uint32_t *pos, const uint32_t *off, size_t n, uint8_t *code)
{
    if (!n || !off)
        return NULL;
    jit_osr *t = malloc(sizeof *t + n * sizeof t->at[0]);
    if (!t)
        return NULL; /* no loop entries: the interpreter finishes such calls */
    t->count = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        t->at[i].pos = pos[i];
        t->at[i].entry = code + off[i];
    }
    return t;
}

/* The arena len bytes of code go to: the current one if they fit, else a
 * new one; NULL when memory runs out. */
static jit_arena *arena_for(struct jit_module *jm, size_t len)
{
    jit_arena *cur = jm->narenas ? &jm->arenas[jm->narenas - 1] : NULL;
    size_t pages = code_pages(len);
    if (cur && pages && pages <= cur->code.mem.size - cur->code.used)
        return cur;
    if (jm->narenas == jm->caparenas) {
        jit_arena *p = grown(jm->arenas, &jm->caparenas, sizeof *p, 8);
        if (!p)
            return NULL;
        jm->arenas = p;
    }
    if (!jm->arenas) /* not reached (capacity > count implies an array); for the analyzer */
        return NULL;
    jit_arena *fresh = &jm->arenas[jm->narenas];
    if (code_arena_map(&fresh->code, len > JIT_ARENA_BYTES ? len : JIT_ARENA_BYTES) != 0)
        return NULL;
    fresh->fault = -1;
    /* guard mode: the handler must know the arena before its code runs */
    if (jm->guard &&
        (fresh->fault = fault_region_add(fresh->code.mem.base, fresh->code.mem.size)) < 0) {
        codemem_free(&fresh->code.mem);
        return NULL;
    }
    jm->narenas++;
    return fresh;
}

/* Guard mode: publishes the access sites of code just placed in arena a
 * (site offsets from its start). False when memory runs out: the code must
 * then not run (its accesses would fault unrecognised). */
static bool publish_sites(const struct jit_module *jm, const jit_arena *a, const uint8_t *code,
                          size_t len, const fault_site *sites, size_t n)
{
    if (!jm->guard || !n)
        return true;
    fault_sites *t = fault_sites_new(n);
    if (!t)
        return false;
    t->code = code;
    t->len = len;
    memcpy(t->at, sites, n * sizeof *sites);
    fault_region_publish(a->fault, t);
    return true;
}

/* Seals len bytes of code in the current arena, or a new one, with its
 * access sites: its address, or NULL. */
static void *place_code(struct jit_module *jm, const uint8_t *code, size_t len,
                        const fault_site *sites, size_t nsites)
{
    jit_arena *a = arena_for(jm, len);
    uint8_t *at = a ? code_arena_append(&a->code, code, len) : NULL;
    return at && publish_sites(jm, a, at, len, sites, nsites) ? at : NULL;
}

/* place_code for a function whose calls rel32 to other compiled code
 * (FIX_CALL) are patched for the address it gets first; NULL as well when
 * one is out of rel32 reach (the caller compiles it again without them). */
static void *place_linked(struct jit_module *jm, xbuf *b, const jc *j)
{
    jit_arena *a = arena_for(jm, b->len);
    if (!a)
        return NULL;
    const uint8_t *dest = a->code.mem.base + a->code.used; /* where code_arena_append puts it */
    for (size_t i = 0; i < j->nfix; i++) {
        const jfix *f = &j->fix[i];
        if (f->kind != FIX_CALL)
            continue;
        int64_t rel = (int64_t)((intptr_t)f->table_base - (intptr_t)(dest + f->at + 4));
        if (!fits_i32(rel))
            return NULL;
        xb_patch32(b, f->at, (uint32_t)(int32_t)rel);
    }
    uint8_t *code = code_arena_append(&a->code, b->p, b->len);
    return code == dest && publish_sites(jm, a, code, b->len, j->sites, j->nsites) ? code : NULL;
}

/* Compiles fc (translated) onto sealed pages of its own and publishes its
 * entry; a function the compiler does not handle, or that finds no memory,
 * gets the interpreter. Under the module's lock. */
static void compile_locked(struct jit_module *jm, const wasm_module *m, func_code *fc)
{
    jc j;
    memset(&j, 0, sizeof j);
    use_isa(&j, m);
    j.guard = jm->guard;
    j.m = m;
    xbuf b = {0};
    void *entry = jm->interp_tramp;
    bool compiled = compile_one(&j, &b, fc) && !b.oom;
    void *code = compiled ? place_linked(jm, &b, &j) : NULL;
    if (compiled && !code && j.ncalls) {
        /* a callee out of rel32 reach: through jit_fast then */
        j.no_direct = true;
        b.len = 0;
        code = compile_one(&j, &b, fc) && !b.oom ? place_code(jm, b.p, b.len, j.sites, j.nsites)
                                                 : NULL;
    }
    if (code) {
        perf_map_note(m, fc, code, b.len);
        entry = (uint8_t *)code + j.entry;
        __atomic_store_n(&fc->jit_osr, osr_table(j.osr_pos, j.osr_off, j.nosr, code), __ATOMIC_RELEASE);
        __atomic_add_fetch(&jm->compiled, 1, __ATOMIC_RELAXED);
    }
    free(b.p);
    free(j.fix);
    free(j.traps);
    free(j.colds);
    free(j.sites);
    free(j.osr_pos);
    free(j.osr_off);
    /* generated code reads jit_fast without the lock */
    __atomic_store_n(&fc->jit_fast, entry, __ATOMIC_RELEASE);
}

/* Eager compilation: every translated function of m into one staging
 * buffer, copied to fresh pages and sealed once (a page and an mprotect for
 * the batch, not per function). Functions the compiler does not handle, or
 * all of them when memory runs out, get the interpreter. At load: m is not
 * shared yet. */
static void compile_batch(struct jit_module *jm, wasm_module *m)
{
    uint32_t ndef = m->func_count - m->func_imports;
    typedef struct {
        size_t at; /* offset in the batch, SIZE_MAX: refused */
        size_t entry; /* the entry's offset from at */
        size_t len;
        uint32_t *osr_pos, *osr_off;
        size_t nosr;
    } placed;
    placed *p = calloc(ndef ? ndef : 1, sizeof *p);
    xbuf b = {0};
    fault_site *sites = NULL; /* guard mode: the batch's, offsets from its start */
    size_t nsites = 0, capsites = 0;
    bool sites_oom = false;
    for (uint32_t i = 0; p && i < ndef; i++) {
        p[i].at = SIZE_MAX;
        if (!m->codes[i].code)
            continue;
        jc j;
        memset(&j, 0, sizeof j);
        use_isa(&j, m);
        j.m = m;
        j.guard = jm->guard;
        j.no_direct = true; /* the batch is placed at once, unpatched */
        size_t start = b.len;
        if (compile_one(&j, &b, &m->codes[i]) && !b.oom) {
            p[i] = (placed){start, j.entry - start, b.len - start, j.osr_pos, j.osr_off, j.nosr};
            j.osr_pos = j.osr_off = NULL;
            for (size_t k = 0; k < j.nsites && !sites_oom; k++) {
                if (nsites == capsites) {
                    fault_site *g = grown(sites, &capsites, sizeof *g, 256);
                    sites_oom = !g;
                    sites = g ? g : sites;
                }
                if (!sites_oom)
                    sites[nsites++] = j.sites[k];
            }
        }
        free(j.fix);
        free(j.traps);
        free(j.colds);
        free(j.sites);
        free(j.osr_pos);
        free(j.osr_off);
    }
    uint8_t *code = p && b.len && !b.oom && !sites_oom ? place_code(jm, b.p, b.len, sites, nsites)
                                                        : NULL;
    free(sites);
    for (uint32_t i = 0; p && i < ndef; i++) {
        func_code *fc = &m->codes[i];
        if (code && p[i].at != SIZE_MAX) {
            perf_map_note(m, fc, code + p[i].at, p[i].len);
            fc->jit_osr = osr_table(p[i].osr_pos, p[i].osr_off, p[i].nosr, code + p[i].at);
            fc->jit_fast = code + p[i].at + p[i].entry;
            jm->compiled++;
        } else if (fc->code) {
            fc->jit_fast = jm->interp_tramp;
        }
        free(p[i].osr_pos);
        free(p[i].osr_off);
    }
    free(p);
    free(b.p);
}

/* Compiles fc unless it has been (or is being refused): under the module
 * lock, so that racing callers compile it once. Returns its entry now. */
static void *compile_pending(wasm_module *m, func_code *fc)
{
    module_lock(m);
    if (__atomic_load_n(&fc->jit_fast, __ATOMIC_ACQUIRE) == m->jit->lazy_tramp)
        compile_locked(m->jit, m, fc);
    module_unlock(m);
    return __atomic_load_n(&fc->jit_fast, __ATOMIC_ACQUIRE);
}

void *jit_lazy_prepare(jit_ctx *ctx, const func_code *cfc)
{
    func_code *fc = (func_code *)cfc;
    if (!__atomic_load_n(&fc->code, __ATOMIC_ACQUIRE) && !compile_lazy(fc, ctx->err))
        return NULL;
    wasm_module *m = (wasm_module *)fc->module;
    /* not hot yet: this call runs in the interpreter (counted as there) */
    if (func_hot_countdown(fc) > 0)
        return m->jit->interp_tramp;
    return compile_pending(m, fc);
}

/* Whether an address-space reservation (MEMORY_RESERVE) can be made now:
 * under an address-space limit it cannot, and guard mode would make every
 * instance fail. */
static bool reservation_possible(void)
{
    void *p = mmap(NULL, MEMORY_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return false;
    munmap(p, MEMORY_RESERVE);
    return true;
}

bool jit_compile_module(wasm_module *m, bool eager, uint32_t hot_calls, bool explicit_bounds)
{
    build_op_keys();
    uint32_t ndef = m->func_count - m->func_imports;
    struct jit_module *jm = calloc(1, sizeof *jm);
    xbuf b = {0};
    if (!jm)
        return false;
    jm->guard = !explicit_bounds && fault_handler_ready() && reservation_possible();
    emit_c_entry(&b, false, m->unmetered, jm->guard); /* at offset 0 */
    size_t osr = b.len;
    emit_c_entry(&b, true, m->unmetered, jm->guard);
    size_t lazy = b.len;
    emit_lazy_tramp(&b, m->unmetered);
    size_t interp = b.len;
    emit_interp_tramp(&b, m->unmetered, jm->guard);
    if (b.oom || codemem_seal(&jm->stubs, b.p, b.len) != 0) {
        free(b.p);
        free(jm);
        return false;
    }
    free(b.p);
    jm->lazy_tramp = jm->stubs.base + lazy;
    jm->osr_entry = jm->stubs.base + osr;
    jm->interp_tramp = jm->stubs.base + interp;
    jm->total = ndef;
    jm->hot_calls = hot_calls;
    for (uint32_t i = 0; i < ndef; i++) {
        m->codes[i].jit_entry = jm->stubs.base;
        m->codes[i].jit_fast = jm->lazy_tramp;
        m->codes[i].hot = (int32_t)(hot_calls < INT32_MAX ? hot_calls : INT32_MAX - 1);
        m->codes[i].jit_ret1 = returns_one_cell(m, &m->codes[i]);
    }
    m->jit = jm;
    /* eager: every translated function now, in one batch (the lazy ones on
     * first call) */
    if (eager)
        compile_batch(jm, m);
    return true;
}

void jit_free_module(wasm_module *m)
{
    if (!m->jit)
        return;
    for (uint32_t i = 0; i < m->func_count - m->func_imports; i++) {
        free(m->codes[i].jit_osr);
        m->codes[i].jit_osr = NULL;
    }
    for (size_t i = 0; i < m->jit->narenas; i++) {
        fault_region_remove(m->jit->arenas[i].fault); /* before its code goes */
        codemem_free(&m->jit->arenas[i].code.mem);
    }
    free(m->jit->arenas);
    codemem_free(&m->jit->stubs);
    free(m->jit);
    m->jit = NULL;
}

void *jit_osr_entry(const func_code *fc, uint32_t pos)
{
    const jit_osr *t = __atomic_load_n(&fc->jit_osr, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; t && i < t->count; i++)
        if (t->at[i].pos == pos)
            return t->at[i].entry;
    return NULL;
}

void *jit_osr_stub(const func_code *fc)
{
    return fc->module->jit ? fc->module->jit->osr_entry : NULL;
}

bool jit_compile_now(const func_code *cfc)
{
    func_code *fc = (func_code *)cfc;
    wasm_module *m = (wasm_module *)fc->module;
    if (!m->jit || !__atomic_load_n(&fc->code, __ATOMIC_ACQUIRE))
        return false;
    bool compiled = compile_pending(m, fc) != m->jit->interp_tramp;
    __atomic_store_n(&fc->hot, compiled ? 0 : INT32_MAX, __ATOMIC_RELAXED);
    return compiled;
}

int64_t jit_module_tick(const wasm_module *m)
{
    return jit_module_tiered(m) ? (int64_t)m->jit->hot_calls * TIER_TICK_PER_CALL : 0;
}

bool jit_module_guard(const wasm_module *m)
{
    return m->jit && m->jit->guard;
}

bool jit_module_tiered(const wasm_module *m)
{
    return m->jit && m->jit->hot_calls > 1;
}

bool jit_enterable(const func_code *fc)
{
    const struct jit_module *jm = fc->module->jit;
    return jm && __atomic_load_n(&fc->jit_fast, __ATOMIC_ACQUIRE) != jm->interp_tramp;
}

void jit_module_counts(const wasm_module *m, uint32_t *compiled, uint32_t *total)
{
    *compiled = m->jit ? __atomic_load_n(&m->jit->compiled, __ATOMIC_RELAXED) : 0;
    *total = m->jit ? m->jit->total : 0;
}
