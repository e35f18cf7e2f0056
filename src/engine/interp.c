/* The interpreter: runs the internal code produced by compile.c.
 *
 * Direct threading with computed goto (a GNU C extension, used only in this
 * file): each instruction's first word is its handler's offset from a base
 * label, so dispatch is one load, one add and one indirect jump, and every
 * handler ends with its own jump (one branch-predictor entry per handler).
 *
 * Wasm calls never recurse on the C stack: frames live in the store's frame
 * array and cells in its value stack, both bounded, so runaway recursion traps
 * "call stack exhausted". Linear-memory accesses are bounds-checked explicitly
 * against the memory size cached in a local (no guard pages, no signals). */
#include "engine/fp_order.h"
#include "engine/internal.h"
#include "engine/jit.h"
#include "engine/ops.h"
#include "engine/simd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const int32_t *handler_table;

static wasm_status run(wasm_store *s, cell *fp, const func_code *code, wasm_instance *inst,
                       wasm_error *err);

const int32_t *interp_handler_table(void)
{
    const int32_t *t = __atomic_load_n(&handler_table, __ATOMIC_ACQUIRE);
    if (!t) {
        run(NULL, NULL, NULL, NULL, NULL);
        t = __atomic_load_n(&handler_table, __ATOMIC_ACQUIRE);
    }
    return t;
}

/* ---- numeric helpers --------------------------------------------------------- */

/* libm may return a signalling NaN unchanged; wasm wants it quieted. */
static inline float f32_ceil(float a) { return a != a ? a + a : ceilf(a); }
static inline float f32_floor(float a) { return a != a ? a + a : floorf(a); }
static inline float f32_trunc(float a) { return a != a ? a + a : truncf(a); }
static inline float f32_nearest(float a) { return a != a ? a + a : rintf(a); }
static inline double f64_ceil(double a) { return a != a ? a + a : ceil(a); }
static inline double f64_floor(double a) { return a != a ? a + a : floor(a); }
static inline double f64_trunc(double a) { return a != a ? a + a : trunc(a); }
static inline double f64_nearest(double a) { return a != a ? a + a : rint(a); }

static inline uint32_t rotl32(uint32_t x, uint32_t n) { n &= 31; return n ? (x << n) | (x >> (32 - n)) : x; }
static inline uint32_t rotr32(uint32_t x, uint32_t n) { n &= 31; return n ? (x >> n) | (x << (32 - n)) : x; }
static inline uint64_t rotl64(uint64_t x, uint64_t n) { n &= 63; return n ? (x << n) | (x >> (64 - n)) : x; }
static inline uint64_t rotr64(uint64_t x, uint64_t n) { n &= 63; return n ? (x >> n) | (x << (64 - n)) : x; }

/* Saturating truncations: NaN gives 0, out-of-range values clamp. */
static inline int32_t sat_i32_f64(double x)
{
    if (x != x) return 0;
    if (x <= -2147483648.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t sat_u32_f64(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
static inline int64_t sat_i64_f64(double x)
{
    if (x != x) return 0;
    if (x < -9223372036854775808.0) return INT64_MIN;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)x;
}
static inline uint64_t sat_u64_f64(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

/* ---- traps ---------------------------------------------------------------------- */

static uint32_t wasm_offset_of(const func_code *code, const uint32_t *pc, bool is_return_address)
{
    if (!code || !pc || !code->map_count)
        return code ? code->body_offset : 0;
    uint32_t pos = (uint32_t)(pc - code->code);
    /* last entry with code_pos <= pos (< pos for a return address) */
    uint32_t lo = 0, hi = code->map_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        bool before = is_return_address ? code->map[mid].code_pos < pos : code->map[mid].code_pos <= pos;
        if (before)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? code->map[lo - 1].wasm_offset : code->body_offset;
}

static int cmp_code_start(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)(*(const func_code *const *)a)->code;
    uintptr_t y = (uintptr_t)(*(const func_code *const *)b)->code;
    return x < y ? -1 : x > y;
}

/* (Re)builds m's index of translated functions by code address (module lock
 * held). False when out of memory: the backtrace then names no frames. */
static bool build_code_index(wasm_module *m, uint64_t *work)
{
    uint32_t translated = __atomic_load_n(&m->translated, __ATOMIC_ACQUIRE);
    uint32_t ndef = m->func_count - m->func_imports;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    const func_code **index = realloc(m->code_index, (translated ? translated : 1) * sizeof *index);
    if (!index)
        return false;
    m->code_index = index;
    uint32_t n = 0;
    for (uint32_t i = 0; i < ndef && n < translated; i++)
        if (__atomic_load_n(&m->codes[i].code, __ATOMIC_ACQUIRE))
            index[n++] = &m->codes[i];
    *work += ndef;
    qsort(index, n, sizeof *index, cmp_code_start); // NOLINT(bugprone-sizeof-expression)
    m->code_index_count = n;
    m->code_index_of = translated;
    return true;
}

/* The function whose code contains pc (trap reporting only): a binary search
 * of the module's code index. work counts the functions examined. */
static const func_code *code_in(const wasm_module *cm, const uint32_t *pc, uint64_t *work)
{
    if (!cm || !pc)
        return NULL;
    wasm_module *m = (wasm_module *)cm;
    const func_code *found = NULL;
    module_lock(m);
    if (m->code_index_of == __atomic_load_n(&m->translated, __ATOMIC_ACQUIRE) ||
        build_code_index(m, work)) {
        /* the last function whose code starts at or before pc */
        uint32_t lo = 0, hi = m->code_index_count;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            (*work)++;
            if ((uintptr_t)m->code_index[mid]->code <= (uintptr_t)pc)
                lo = mid + 1;
            else
                hi = mid;
        }
        const func_code *fc = lo ? m->code_index[lo - 1] : NULL;
        /* a return address may point just past the last instruction */
        if (fc && (uintptr_t)pc <= (uintptr_t)(fc->code + fc->code_words))
            found = fc;
    }
    module_unlock(m);
    return found;
}

static const func_code *code_of(const wasm_instance *inst, const uint32_t *pc, uint64_t *work)
{
    return inst ? code_in(inst->module, pc, work) : NULL;
}

static void add_frame(wasm_error *err, const func_code *code, const uint32_t *pc, bool ret_addr)
{
    if (!code || err->frame_count >= WASM_MAX_BACKTRACE)
        return;
    wasm_frame_info *fi = &err->frames[err->frame_count++];
    fi->func_index = code->func_index;
    fi->code_offset = wasm_offset_of(code, pc, ret_addr);
    const char *name = module_func_name(code->module, code->func_index);
    snprintf(fi->name, sizeof fi->name, "%s", name ? name : "");
}

/* Fills err for a trap raised at pc in code, with the caller chain from the
 * frame records between base (exclusive, the entry marker) and top. Cold and
 * out of line: it stays out of the interpreter function, whose handlers'
 * layout it would otherwise shift. */
static __attribute__((noinline, cold)) void report_trap(wasm_store *s, wasm_error *err,
                                                        wasm_trap_kind kind, const func_code *code,
                                                        const uint32_t *pc, frame *base, frame *top)
{
    err->status = WASM_ERR_TRAP;
    err->trap = kind;
    err->frame_count = 0;
    add_frame(err, code, pc, false);
    /* only the innermost frames are reported: the walk stops there, however
     * deep the stack (up to max_call_depth frames) */
    uint32_t walked = 1;
    /* the module of the frame above: a record machine code tagged
     * FRAME_PC_SAME_INST has no instance of its own (its caller's is its
     * callee's) */
    const wasm_module *above = code ? code->module : NULL;
    for (frame *f = top - 1; f > base && walked < WASM_MAX_BACKTRACE; f--, walked++) {
        uintptr_t raw = (uintptr_t)f->pc;
        const uint32_t *pc_f = (const uint32_t *)(raw & ~FRAME_PC_SAME_INST);
        if (!(raw & FRAME_PC_SAME_INST))
            above = f->inst ? f->inst->module : NULL;
        add_frame(err, code_in(above, pc_f, &s->backtrace_work), pc_f, true);
    }
    const char *what = kind == WASM_TRAP_HOST ? s->host_msg : wasm_trap_message(kind);
    if (err->frame_count) {
        const wasm_frame_info *fi = &err->frames[0];
        snprintf(err->message, sizeof err->message, "%s (in function %u%s%s%s, at byte offset %u)",
                 what, fi->func_index, fi->name[0] ? " \"" : "", fi->name,
                 fi->name[0] ? "\"" : "", fi->code_offset);
    } else {
        snprintf(err->message, sizeof err->message, "%s", what);
    }
}

/* ---- host calls ------------------------------------------------------------------ */

static void cells_to_values(const wasm_type *types, uint32_t n, const cell *c, wasm_value *out)
{
    for (uint32_t i = 0; i < n; i++) {
        out[i] = value_from_cells((uint8_t)types[i], c);
        c += type_cells((uint8_t)types[i]);
    }
}

static void values_to_cells(const wasm_type *types, uint32_t n, const wasm_value *v, cell *c)
{
    for (uint32_t i = 0; i < n; i++) {
        value_to_cells((uint8_t)types[i], &v[i], c);
        c += type_cells((uint8_t)types[i]);
    }
}

/* Calls a host function with arguments in cells (results replace them). */
static wasm_status call_host(wasm_store *s, wasm_func *f, wasm_instance *caller, cell *cells)
{
    const wasm_functype *t = f->type;
    wasm_value small[16];
    wasm_value *args = small, *results;
    size_t need = (size_t)t->param_count + t->result_count;
    if (need > 16) {
        args = calloc(need, sizeof *args);
        if (!args) {
            snprintf(s->host_msg, sizeof s->host_msg, "out of memory calling host function %s",
                     f->name ? f->name : "");
            return WASM_ERR_TRAP;
        }
    }
    results = args + t->param_count;
    cells_to_values(t->params, t->param_count, cells, args);
    for (uint32_t i = 0; i < t->result_count; i++) {
        results[i].type = t->results[i];
        memset(&results[i].of, 0, sizeof results[i].of);
    }
    wasm_call_ctx ctx = {s, caller, f};
    s->host_msg[0] = 0;
    wasm_status st = f->host(&ctx, f->env, args, results);
    if (st == WASM_OK) {
        for (uint32_t i = 0; i < t->result_count; i++)
            if (results[i].type != t->results[i]) {
                snprintf(s->host_msg, sizeof s->host_msg,
                         "host function %s returned a %s as result %u, expected %s",
                         f->name ? f->name : "", type_name(results[i].type), i,
                         type_name(t->results[i]));
                st = WASM_ERR_TRAP;
                break;
            }
        if (st == WASM_OK)
            values_to_cells(t->results, t->result_count, results, cells);
    } else if (st == WASM_ERR_TRAP) {
        if (!s->host_msg[0])
            snprintf(s->host_msg, sizeof s->host_msg, "host function %s trapped",
                     f->name ? f->name : "");
    } else if (st != WASM_ERR_EXIT) {
        snprintf(s->host_msg, sizeof s->host_msg, "host function %s failed: %s",
                 f->name ? f->name : "", wasm_status_name(st));
        st = WASM_ERR_TRAP;
    }
    if (args != small)
        free(args);
    return st;
}

/* ---- entry ---------------------------------------------------------------------- */

/* Zeroes the locals and loads the constants of a new frame: a plain loop,
 * cheaper than a libc call for the few cells a typical frame has. */
static inline void frame_init(cell *fp, const func_code *fc)
{
    // cppcheck-suppress ctunullpointer ; run() returns before this when called for its table
    cell *dst = fp + fc->param_cells;
    const uint64_t *img = fc->consts;
    uint32_t n = fc->local_cells + fc->const_count;
    for (uint32_t i = 0; i < n; i++)
        dst[i].i64 = img[i];
}

/* Counts a call of fc down (func_code.hot): true when the interpreter
 * should enter its machine code (jit_call_from_interp decides for good).
 * Functions of modules without machine code (no jit_fast) are not counted:
 * their shared func_code is never written by a call. */
static inline bool tier_hot(const func_code *fc)
{
    if (LIKELY(!__atomic_load_n(&fc->jit_fast, __ATOMIC_RELAXED)))
        return false;
    return func_hot_countdown(fc) <= 0;
}

/* Called every TIER_TICK fuel units in a tiered module, at pc (an
 * instruction about to run). Two looks in a row at the same position make
 * its function hot: it is compiled now (later calls enter machine code) and,
 * when pc is one of its loop headers, the running call continues there in
 * machine code: the returned entry (*fc: the function). */
static __attribute__((noinline, cold)) void *tier_tick(wasm_store *s, const wasm_instance *inst,
                                                       const uint32_t *pc, const func_code **fc)
{
    if (pc != s->tick_pc) {
        s->tick_pc = pc;
        return NULL;
    }
    uint64_t work = 0;
    const func_code *code = code_of(inst, pc, &work);
    if (!code || !jit_compile_now(code))
        return NULL;
    *fc = code;
    return jit_osr_entry(code, (uint32_t)(pc - code->code));
}

static bool ensure_stack(wasm_store *s)
{
    if (s->stack)
        return true;
    size_t cells = DEFAULT_STACK_CELLS;
    uint32_t depth = s->limits.max_call_depth ? s->limits.max_call_depth : DEFAULT_CALL_DEPTH;
    s->stack = malloc(cells * sizeof(cell));
    s->frames = malloc(((size_t)depth + 2) * sizeof(frame));
    if (!s->stack || !s->frames) {
        free(s->stack);
        free(s->frames);
        s->stack = NULL;
        s->frames = NULL;
        return false;
    }
    s->stack_end = s->stack + cells;
    s->sp = s->stack;
    s->frames_end = s->frames + depth + 1;
    s->ftop = s->frames;
    return true;
}

wasm_status interp_call(wasm_store *s, wasm_func *f, cell *args, wasm_error *err)
{
    if (f->is_host) {
        wasm_status st = call_host(s, f, NULL, args);
        if (st == WASM_ERR_TRAP) {
            err->status = WASM_ERR_TRAP;
            err->trap = WASM_TRAP_HOST;
            snprintf(err->message, sizeof err->message, "%s", s->host_msg);
        } else if (st == WASM_ERR_EXIT) {
            err->status = WASM_ERR_EXIT;
            err->exit_code = s->exit_code;
            snprintf(err->message, sizeof err->message, "exit with code %d", (int)s->exit_code);
        }
        return st;
    }
    if (!ensure_stack(s)) {
        err_set(err, WASM_ERR_NOMEM, "out of memory allocating the wasm stack");
        return WASM_ERR_NOMEM;
    }
    const func_code *code = f->code;
    if (!__atomic_load_n(&code->code, __ATOMIC_ACQUIRE) && !compile_lazy(code, err))
        return err->status;
    cell *fp = s->sp;
    if (s->host_nesting >= MAX_HOST_NESTING || s->ftop + 1 >= s->frames_end ||
        (size_t)(s->stack_end - fp) < code->frame_cells) {
        err->status = WASM_ERR_TRAP;
        err->trap = WASM_TRAP_STACK_EXHAUSTED;
        err->frame_count = 0;
        snprintf(err->message, sizeof err->message, "%s", wasm_trap_message(WASM_TRAP_STACK_EXHAUSTED));
        return WASM_ERR_TRAP;
    }
    const ftype *t = &code->module->types[code->type_index];
    memcpy(fp, args, t->param_cells * sizeof(cell));
    cell *saved_sp = s->sp;
    s->host_nesting++;
    /* machine code when the function has it (or is hot) and the native
     * stack allows; else the interpreter */
    int jst = tier_hot(code) ? jit_enter(s, fp, code, f->inst, err) : JIT_NOT_ENTERED;
    wasm_status st = jst != JIT_NOT_ENTERED ? (wasm_status)jst : run(s, fp, code, f->inst, err);
    s->host_nesting--;
    s->sp = saved_sp;
    if (st == WASM_OK)
        memcpy(args, fp, t->result_cells * sizeof(cell));
    return st;
}

#ifdef ENGINE_PROFILE
static uint64_t prof_ops[OP_COUNT_], prof_pairs[OP_COUNT_][OP_COUNT_];
static int prof_last = -1;
static const char *const prof_names[OP_COUNT_] = {
#define OPN(name, words, flags) [OP_##name] = #name,
    ENGINE_OPS(OPN)
#undef OPN
};
static int op_of_word(uint32_t w)
{
    const int32_t *h = interp_handler_table();
    for (int k = 0; k < OP_COUNT_; k++)
        if ((uint32_t)h[k] == w)
            return k;
    return 0;
}
__attribute__((destructor)) static void prof_report(void)
{
    uint64_t total = 0;
    for (int i = 0; i < OP_COUNT_; i++)
        total += prof_ops[i];
    if (!total)
        return;
    fprintf(stderr, "== %llu instructions\n", (unsigned long long)total);
    for (int n = 0; n < 40; n++) {
        int best = 0;
        for (int i = 1; i < OP_COUNT_; i++)
            if (prof_ops[i] > prof_ops[best])
                best = i;
        if (!prof_ops[best])
            break;
        fprintf(stderr, "%5.1f%% %s\n", 100.0 * (double)prof_ops[best] / (double)total, prof_names[best]);
        prof_ops[best] = 0;
    }
    fprintf(stderr, "== pairs\n");
    for (int n = 0; n < 40; n++) {
        int bi = 0, bj = 0;
        for (int i = 0; i < OP_COUNT_; i++)
            for (int j = 0; j < OP_COUNT_; j++)
                if (prof_pairs[i][j] > prof_pairs[bi][bj])
                    bi = i, bj = j;
        if (!prof_pairs[bi][bj])
            break;
        fprintf(stderr, "%5.1f%% %s -> %s\n", 100.0 * (double)prof_pairs[bi][bj] / (double)total,
                prof_names[bi], prof_names[bj]);
        prof_pairs[bi][bj] = 0;
    }
}
#endif

/* vector types for the commonest SIMD handlers (GNU C, as in simd.c) */
typedef uint8_t vu8 __attribute__((vector_size(16)));
typedef uint16_t vu16 __attribute__((vector_size(16)));
typedef uint32_t vu32 __attribute__((vector_size(16)));
typedef uint64_t vu64 __attribute__((vector_size(16)));
typedef float vf32 __attribute__((vector_size(16)));
typedef double vf64 __attribute__((vector_size(16)));
#define VBINF(name, T, fn)                                                                 \
    L_##name : {                                                                           \
        T a_, b_;                                                                          \
        memcpy(&a_, &fp[pc[2]], 16);                                                       \
        memcpy(&b_, &fp[pc[3]], 16);                                                       \
        a_ = fn;                                                                           \
        memcpy(&fp[pc[1]], &a_, 16);                                                       \
        NEXT(4);                                                                           \
    }
#define VBIN(name, T, op) VBINF(name, T, a_ op b_)

/* ---- the loop ------------------------------------------------------------------- */

#ifdef ENGINE_PROFILE
/* Build with -DENGINE_PROFILE to count executed instructions and pairs
 * (printed at exit); used to choose superinstructions. */
#define PROFILE()                                                                          \
    do {                                                                                   \
        int op_ = op_of_word(*pc);                                                         \
        prof_ops[op_]++;                                                                   \
        if (prof_last >= 0)                                                                \
            prof_pairs[prof_last][op_]++;                                                  \
        prof_last = op_;                                                                   \
    } while (0)
#else
#define PROFILE() ((void)0)
#endif
#define DISPATCH()                                                                         \
    do {                                                                                   \
        PROFILE();                                                                         \
        goto *(void *)(label_base + (int32_t)*pc);                                         \
    } while (0)
#define NEXT(n)                                                                            \
    do {                                                                                   \
        pc += (n);                                                                         \
        DISPATCH();                                                                        \
    } while (0)
#define S(i) (fp[pc[i]])
#define TRAP(kind)                                                                         \
    do {                                                                                   \
        trap_kind = (kind);                                                                \
        goto trap;                                                                         \
    } while (0)
/* Backward branches close loop iterations: charge the loop's cost (the word
 * before the loop's first instruction). */
#define BRANCH(off)                                                                        \
    do {                                                                                   \
        int32_t o_ = (int32_t)(off);                                                       \
        pc += o_;                                                                          \
        if (o_ <= 0) { /* a loop branching to its own start has offset 0 */           \
            fuel -= (int32_t)pc[-1];                                                       \
            if (UNLIKELY(fuel < 0))                                                        \
                goto out_of_fuel;                                                          \
        }                                                                                  \
        DISPATCH();                                                                        \
    } while (0)
/* fuel + slack left (see run): kept in the store, given to machine code */
#define FUEL_SPLIT(left)                                                                   \
    do {                                                                                   \
        int64_t l_ = (left);                                                               \
        fuel = l_ < tick ? l_ : tick;                                                      \
        slack = l_ - fuel;                                                                 \
    } while (0)
/* After a call that ran elsewhere (machine code, the host) with fuel +
 * slack, now `left`: the interpreter's own progress towards its next tick
 * is kept. Restarting the tick there instead would let a loop that calls
 * machine code on every iteration never tick (never reach its own machine
 * code): _start's step loop around a compiled kick() in nbody ran
 * interpreted for good. */
#define FUEL_LOAD(left)                                                                    \
    do {                                                                                   \
        if (ticks) {                                                                       \
            int64_t phase_ = fuel;                                                         \
            FUEL_SPLIT(left);                                                              \
            if (phase_ < fuel) {                                                           \
                slack += fuel - phase_;                                                    \
                fuel = phase_;                                                             \
            }                                                                              \
        } else {                                                                           \
            fuel = (left);                                                                 \
        }                                                                                  \
    } while (0)
#define FUEL_SAVE() (s->fuel = fuel + slack < 0 ? 0 : fuel + slack)
#define RELOAD_MEM()                                                                       \
    do {                                                                                   \
        wasm_memory *m0_ = inst->mem0;                                                     \
        mbase = m0_ ? m0_->data : NULL;                                                    \
        msize = m0_ ? m0_->size : 0;                                                       \
    } while (0)
/* No Spectre masking needed: every address an access can form lies in the
 * memory's reservation (MEMORY_RESERVE) */
#define MEMCHECK(ea, n)                                                                    \
    if (UNLIKELY((ea) + (n) > msize))                                                      \
    TRAP(WASM_TRAP_OOB_MEMORY)

#define UNOP(name, rf, af, expr)                                                           \
    L_##name : {                                                                           \
        __typeof__(S(2).af) a = S(2).af;                                                   \
        S(1).rf = (expr);                                                                  \
        NEXT(3);                                                                           \
    }
#define BINOP(name, rf, af, expr)                                                          \
    L_##name : {                                                                           \
        __typeof__(S(2).af) a = S(2).af;                                                   \
        __typeof__(S(3).af) b = S(3).af;                                                   \
        S(1).rf = (expr);                                                                  \
        NEXT(4);                                                                           \
    }
#define CMPBR(name, af, T, op)                                                             \
    L_##name : {                                                                           \
        if ((T)S(1).af op (T)S(2).af)                                                      \
            BRANCH(pc[3]);                                                                 \
        NEXT(4);                                                                           \
    }
#define LOAD(name, T, rf, conv)                                                            \
    L_##name : {                                                                           \
        uint64_t ea = (uint64_t)S(2).i32 + pc[3];                                          \
        MEMCHECK(ea, sizeof(T));                                                           \
        T v_;                                                                              \
        memcpy(&v_, mbase + ea, sizeof v_);                                                \
        S(1).rf = conv(v_);                                                                \
        NEXT(4);                                                                           \
    }
#define STORE(name, T, af)                                                                 \
    L_##name : {                                                                           \
        uint64_t ea = (uint64_t)S(1).i32 + pc[3];                                          \
        MEMCHECK(ea, sizeof(T));                                                           \
        T v_ = (T)S(2).af;                                                                 \
        memcpy(mbase + ea, &v_, sizeof v_);                                                \
        NEXT(4);                                                                           \
    }
#define TRUNC(name, rf, af, conv, lo_ok, hi_ok)                                               \
    L_##name : {                                                                           \
        __typeof__(S(2).af) x = S(2).af;                                                   \
        if (UNLIKELY(x != x))                                                              \
            TRAP(WASM_TRAP_INVALID_CONVERSION);                                            \
        if (UNLIKELY(!(lo_ok) || !(hi_ok)))                                                \
            TRAP(WASM_TRAP_INT_OVERFLOW);                                                  \
        S(1).rf = (conv);                                                                  \
        NEXT(3);                                                                           \
    }

#define LOADA(name, T, rf, conv)                                                           \
    L_##name : {                                                                           \
        uint64_t ea = (uint64_t)(uint32_t)(S(2).i32 + S(3).i32) + pc[4];                   \
        MEMCHECK(ea, sizeof(T));                                                           \
        T v_;                                                                              \
        memcpy(&v_, mbase + ea, sizeof v_);                                                \
        S(1).rf = conv(v_);                                                                \
        NEXT(5);                                                                           \
    }
#define STOREA(name, T, af)                                                                \
    L_##name : {                                                                           \
        uint64_t ea = (uint64_t)(uint32_t)(S(1).i32 + S(2).i32) + pc[4];                   \
        MEMCHECK(ea, sizeof(T));                                                           \
        T v_ = (T)S(3).af;                                                                 \
        memcpy(mbase + ea, &v_, sizeof v_);                                                \
        NEXT(5);                                                                           \
    }
/* b comes from memory: bytes loaded into a cell's low half, read as af */
#define BINOP_M(name, rf, af, width, expr)                                                 \
    L_##name : {                                                                           \
        __typeof__(S(2).af) a = S(2).af;                                                   \
        uint64_t ea = (uint64_t)S(3).i32 + pc[4];                                          \
        MEMCHECK(ea, width);                                                               \
        cell m_;                                                                           \
        m_.i64 = 0;                                                                        \
        memcpy(&m_, mbase + ea, width);                                                    \
        __typeof__(S(2).af) b = m_.af;                                                     \
        S(1).rf = (expr);                                                                  \
        NEXT(5);                                                                           \
    }

/* mem[addr+off] op= val, for `a[i] += x` */
#define RMW(name, af, T, expr)                                                             \
    L_##name : {                                                                           \
        uint64_t ea = (uint64_t)S(1).i32 + pc[3];                                          \
        MEMCHECK(ea, sizeof(T));                                                           \
        T a = (T)S(2).af, b;                                                               \
        memcpy(&b, mbase + ea, sizeof b);                                                  \
        T m_ = (expr); /* a is x, b is mem[a]: x op mem[a], for NaN payloads */            \
        memcpy(mbase + ea, &m_, sizeof m_);                                                \
        NEXT(4);                                                                           \
    }
/* b comes from memory at a fused address (x + y, wrapping) + off */
#define BINOP_MA(name, rf, af, width, expr)                                                \
    L_##name : {                                                                           \
        __typeof__(S(2).af) a = S(2).af;                                                   \
        uint64_t ea = (uint64_t)(uint32_t)(S(3).i32 + S(4).i32) + pc[5];                   \
        MEMCHECK(ea, width);                                                               \
        cell m_;                                                                           \
        m_.i64 = 0;                                                                        \
        memcpy(&m_, mbase + ea, width);                                                    \
        __typeof__(S(2).af) b = m_.af;                                                     \
        S(1).rf = (expr);                                                                  \
        NEXT(6);                                                                           \
    }

/* d = x + y; if (d cc b) branch: y and b are slots or immediates */
#define ADDBR(name, W, f, T, op, yexpr, bexpr)                                             \
    L_##name : {                                                                           \
        W d_ = S(2).f + (W)(yexpr);                                                        \
        S(1).f = d_;                                                                       \
        if ((T)d_ op (T)(bexpr))                                                           \
            BRANCH(pc[5]);                                                                 \
        NEXT(6);                                                                           \
    }
#define ADDBR10(P, W, f, S32, U32, yexpr, bexpr)                                           \
    ADDBR(P##_EQ, W, f, U32, ==, yexpr, bexpr)                                             \
    ADDBR(P##_NE, W, f, U32, !=, yexpr, bexpr)                                             \
    ADDBR(P##_LT_S, W, f, S32, <, yexpr, bexpr)                                            \
    ADDBR(P##_LT_U, W, f, U32, <, yexpr, bexpr)                                            \
    ADDBR(P##_GT_S, W, f, S32, >, yexpr, bexpr)                                            \
    ADDBR(P##_GT_U, W, f, U32, >, yexpr, bexpr)                                            \
    ADDBR(P##_LE_S, W, f, S32, <=, yexpr, bexpr)                                           \
    ADDBR(P##_LE_U, W, f, U32, <=, yexpr, bexpr)                                           \
    ADDBR(P##_GE_S, W, f, S32, >=, yexpr, bexpr)                                           \
    ADDBR(P##_GE_U, W, f, U32, >=, yexpr, bexpr)

#define ID(x) (x)
#define S8(x) ((uint32_t)(int32_t)(int8_t)(x))
#define S16(x) ((uint32_t)(int32_t)(int16_t)(x))
#define S8_64(x) ((uint64_t)(int64_t)(int8_t)(x))
#define S16_64(x) ((uint64_t)(int64_t)(int16_t)(x))
#define S32_64(x) ((uint64_t)(int64_t)(int32_t)(x))

static wasm_status run(wasm_store *s, cell *fp, const func_code *code, wasm_instance *inst,
                       wasm_error *err)
{
    static const int32_t handlers[OP_COUNT_] = {
#define HANDLER(name, words, flags) [OP_##name] = (int32_t)((char *)&&L_##name - (char *)&&L_BASE),
        ENGINE_OPS(HANDLER)
#undef HANDLER
    };
    if (!s) {
        __atomic_store_n(&handler_table, handlers, __ATOMIC_RELEASE);
        return WASM_OK;
    }
    // cppcheck-suppress assignBoolToPointer ; a label's address (GNU C), not a boolean
    char *const label_base = (char *)&&L_BASE;

    const uint32_t *pc;
    uint8_t *mbase;
    uint64_t msize;
    /* Fuel: fuel + slack are left. In a tiered module the interpreter
     * holds back all but `tick` units in slack, so that running out of fuel
     * stops it every `tick` units to look for a hot loop (tier_tick): no
     * cost on its paths. */
    int64_t fuel = s->fuel_on ? s->fuel : INT64_MAX, slack = 0;
    const int64_t tick = inst->module->jit ? jit_module_tick(inst->module) : 0;
    const bool ticks = tick > 0;
    const func_code *tick_code = NULL;
    void *osr_at;
    if (ticks)
        FUEL_SPLIT(fuel);
    wasm_trap_kind trap_kind = WASM_TRAP_NONE;
    /* The entry marker of this activation: returning to it ends the run. It
     * is not written: entered from machine code, it is the calling JIT
     * function's frame record, which backtraces still name. */
    frame *const entry = s->ftop;
    /* backtraces walk the records down to base: the entry, or the base of
     * the activation a tier crossing continues (jit_rt.c) */
    frame *const base = s->trace_base ? s->trace_base : entry;
    s->trace_base = NULL;
    frame *ftop = entry + 1;
    frame *const fend = s->frames_end;
    cell *const stack_end = s->stack_end;
    wasm_func *callee;
    const func_code *callee_code;
    wasm_instance *callee_inst;
    cell *nfp;
    const uint32_t *ret_pc;
    int jit_st;

    /* enter the first function */
    frame_init(fp, code);
    fuel -= code->fuel_cost;
    pc = code->code;
    RELOAD_MEM();
    if (UNLIKELY(fuel < 0))
        goto out_of_fuel;
    DISPATCH();

L_BASE:
    /* never reached: the base label sits in front of the handlers */
    __builtin_unreachable();

    /* ---- control ---- */
L_BR:
    BRANCH(pc[1]);
L_BR_IF:
    if (S(1).i32)
        BRANCH(pc[2]);
    NEXT(3);
L_BR_UNLESS:
    if (!S(1).i32)
        BRANCH(pc[2]);
    NEXT(3);
L_BR_TABLE: {
    uint32_t i = S(1).i32, n = pc[2];
    if (i > n)
        i = n;
    BRANCH(pc[3 + i]);
}
L_LOOP:
    fuel -= (int32_t)pc[1];
    if (UNLIKELY(fuel < 0)) {
        pc += 2;
        goto out_of_fuel;
    }
    NEXT(2);
L_UNREACHABLE:
    TRAP(WASM_TRAP_UNREACHABLE);
L_RET0:
    goto do_return;
L_RET1:
    fp[0] = S(1);
    goto do_return;
L_RET_I32_ADD:
    fp[0].i64 = (uint32_t)(S(1).i32 + S(2).i32);
    goto do_return;
L_RET_I64_ADD:
    fp[0].i64 = S(1).i64 + S(2).i64;
    goto do_return;
L_RET_RANGE:
    memmove(fp, fp + pc[1], (size_t)pc[2] * sizeof(cell));
    goto do_return;
do_return:
    ftop--;
    if (UNLIKELY(ftop == entry))
        goto finished;
    pc = ftop->pc;
    fp = ftop->fp;
    /* the memory registers are current unless the instance changes (a callee
     * of this instance that grew memory updated them itself) */
    if (UNLIKELY(ftop->inst != inst)) {
        inst = ftop->inst;
        RELOAD_MEM();
    }
    DISPATCH();

L_CALL: {
    uint64_t raw;
    memcpy(&raw, pc + 1, sizeof raw);
    const func_code *fc = (const func_code *)(uintptr_t)raw;
    const uint32_t *entry_pc = __atomic_load_n(&fc->code, __ATOMIC_ACQUIRE);
    if (UNLIKELY(!entry_pc)) { /* first call: translate it now */
        if (!compile_lazy(fc, err))
            goto compile_failed;
        entry_pc = fc->code;
    }
    nfp = fp + pc[3];
    if (UNLIKELY(ftop == fend || fc->frame_cells > (size_t)(stack_end - nfp)))
        TRAP(WASM_TRAP_STACK_EXHAUSTED);
    ftop->pc = pc + 4;
    ftop->fp = fp;
    ftop->inst = inst;
    ftop++;
    if (UNLIKELY(tier_hot(fc))) {
        callee_code = fc;
        callee_inst = inst;
        goto call_machine;
    }
    frame_init(nfp, fc);
    fp = nfp;
    pc = entry_pc;
    fuel -= fc->fuel_cost;
    if (UNLIKELY(fuel < 0))
        goto out_of_fuel;
    DISPATCH();
}
L_CALL_IMPORT:
    callee = inst->funcs[pc[1]];
    nfp = fp + pc[2];
    ret_pc = pc + 3;
    goto call_func;
L_CALL_INDIRECT: {
    wasm_table *t = inst->tables[pc[2]];
    uint64_t i = S(3).i32;
    if (UNLIKELY(oob_masked(&i, i + 1, t->size)))
        TRAP(WASM_TRAP_UNDEFINED_ELEMENT);
    callee = t->elems[i];
    if (UNLIKELY(!callee))
        TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
    if (UNLIKELY(callee->type_id != inst->type_ids[pc[1]]))
        TRAP(WASM_TRAP_INDIRECT_CALL_TYPE);
    nfp = fp + pc[4];
    ret_pc = pc + 5;
    goto call_func;
}
call_func:
    if (callee->is_host) {
        const wasm_functype *t = callee->type;
        (void)t;
        cell *top = nfp + (callee->param_cells > callee->result_cells ? callee->param_cells
                                                                       : callee->result_cells);
        if (UNLIKELY(s->host_nesting >= MAX_HOST_NESTING || top > stack_end || ftop == fend))
            TRAP(WASM_TRAP_STACK_EXHAUSTED);
        cell *saved_sp = s->sp;
        frame *saved_ftop = s->ftop;
        s->sp = top;
        s->ftop = ftop + 1;
        /* keep the caller's position for backtraces of nested traps */
        ftop->pc = ret_pc;
        ftop->fp = fp;
        ftop->inst = inst;
        if (s->fuel_on)
            FUEL_SAVE();
        wasm_status st = call_host(s, callee, inst, nfp);
        s->sp = saved_sp;
        s->ftop = saved_ftop;
        if (s->fuel_on)
            FUEL_LOAD(s->fuel);
        if (UNLIKELY(st != WASM_OK)) {
            if (st == WASM_ERR_EXIT)
                goto exited;
            TRAP(WASM_TRAP_HOST);
        }
        RELOAD_MEM();
        pc = ret_pc;
        DISPATCH();
    } else {
        const func_code *fc = callee->code;
        if (UNLIKELY(!__atomic_load_n(&fc->code, __ATOMIC_ACQUIRE)) && !compile_lazy(fc, err))
            goto compile_failed;
        if (UNLIKELY(ftop == fend || fc->frame_cells > (size_t)(stack_end - nfp)))
            TRAP(WASM_TRAP_STACK_EXHAUSTED);
        ftop->pc = ret_pc;
        ftop->fp = fp;
        ftop->inst = inst;
        ftop++;
        if (UNLIKELY(tier_hot(fc))) {
            callee_code = fc;
            callee_inst = callee->inst;
            goto call_machine;
        }
        frame_init(nfp, fc);
        fp = nfp;
        pc = fc->code;
        if (callee->inst != inst) {
            inst = callee->inst;
            RELOAD_MEM();
        }
        fuel -= fc->fuel_cost;
        if (UNLIKELY(fuel < 0))
            goto out_of_fuel;
        DISPATCH();
    }

call_machine:
    /* the callee has machine code (or is hot: compiled on entry); the
     * caller's record is pushed, the frame checked. The JIT code pushes its
     * records above ours and reports traps with the whole chain down to base,
     * fuel and depth counted as here. */
    {
        int64_t left = fuel + slack;
        jit_st = jit_call_from_interp(s, nfp, callee_code, callee_inst, err, base, ftop, &left);
        FUEL_LOAD(left);
    }
    if (UNLIKELY(jit_st == JIT_NOT_ENTERED)) {
        /* native stack too deep for machine code: interpret it */
        frame_init(nfp, callee_code);
        fp = nfp;
        pc = callee_code->code;
        if (callee_inst != inst) {
            inst = callee_inst;
            RELOAD_MEM();
        }
        fuel -= callee_code->fuel_cost;
        if (UNLIKELY(fuel < 0))
            goto out_of_fuel;
        DISPATCH();
    }
    ftop--;
    if (UNLIKELY(jit_st != WASM_OK))
        goto reported;
    pc = ftop->pc;
    RELOAD_MEM(); /* the callee may have grown memory */
    DISPATCH();

enter_loop:
    /* tier_tick found this call hot at a loop header (pc) with machine
     * code there: it continues there on the same frame and returns */
    {
        int64_t left = fuel + slack;
        jit_st = jit_osr_from_interp(s, fp, tick_code, inst, err, base, ftop, &left, osr_at);
        FUEL_LOAD(left);
    }
    if (UNLIKELY(jit_st == JIT_NOT_ENTERED))
        DISPATCH();
    if (UNLIKELY(jit_st != WASM_OK))
        goto reported;
    goto do_return;

L_COPY:
    S(1) = S(2);
    NEXT(3);
L_COPY2:
    fp[pc[1]] = fp[pc[2]];
    fp[pc[1] + 1] = fp[pc[2] + 1];
    NEXT(3);
L_SELECT:
    S(1) = S(4).i32 ? S(2) : S(3);
    NEXT(5);
L_SELECT2: {
    uint32_t src = S(4).i32 ? pc[2] : pc[3];
    cell lo = fp[src], hi = fp[src + 1];
    fp[pc[1]] = lo;
    fp[pc[1] + 1] = hi;
    NEXT(5);
}

    /* ---- variables ---- */
L_GLOBAL_GET:
    S(1) = inst->globals[pc[2]]->val[0];
    NEXT(3);
L_GLOBAL_SET:
    inst->globals[pc[1]]->val[0] = S(2);
    NEXT(3);
L_GLOBAL_GET2:
    fp[pc[1]] = inst->globals[pc[2]]->val[0];
    fp[pc[1] + 1] = inst->globals[pc[2]]->val[1];
    NEXT(3);
L_GLOBAL_SET2:
    inst->globals[pc[1]]->val[0] = fp[pc[2]];
    inst->globals[pc[1]]->val[1] = fp[pc[2] + 1];
    NEXT(3);

    /* ---- memory ---- */
    LOAD(LD_I32, uint32_t, i64, ID)
    LOAD(LD_I64, uint64_t, i64, ID)
    LOAD(LD_I32_8S, uint8_t, i64, S8)
    LOAD(LD_I32_8U, uint8_t, i64, ID)
    LOAD(LD_I32_16S, uint16_t, i64, S16)
    LOAD(LD_I32_16U, uint16_t, i64, ID)
    LOAD(LD_I64_8S, uint8_t, i64, S8_64)
    LOAD(LD_I64_8U, uint8_t, i64, ID)
    LOAD(LD_I64_16S, uint16_t, i64, S16_64)
    LOAD(LD_I64_16U, uint16_t, i64, ID)
    LOAD(LD_I64_32S, uint32_t, i64, S32_64)
    LOAD(LD_I64_32U, uint32_t, i64, ID)
L_LD_V128: {
    uint64_t ea = (uint64_t)S(2).i32 + pc[3];
    MEMCHECK(ea, 16);
    memcpy(&fp[pc[1]], mbase + ea, 16);
    NEXT(4);
}
    STORE(ST_8, uint8_t, i32)
    STORE(ST_16, uint16_t, i32)
    STORE(ST_32, uint32_t, i32)
    STORE(ST_64, uint64_t, i64)
L_ST_V128: {
    uint64_t ea = (uint64_t)S(1).i32 + pc[3];
    MEMCHECK(ea, 16);
    memcpy(mbase + ea, &fp[pc[2]], 16);
    NEXT(4);
}
L_MEM_SIZE:
    S(1).i32 = (uint32_t)(msize / WASM_PAGE_SIZE);
    NEXT(2);
L_MEM_GROW: {
    uint32_t delta = S(2).i32;
    int64_t r = memory_grow(inst->mem0, delta);
    S(1).i32 = (uint32_t)r;
    RELOAD_MEM();
    NEXT(3);
}
L_MEM_INIT: {
    const inst_data *d = &inst->datas[pc[1]];
    uint64_t dst = S(2).i32, src = S(3).i32, n = S(4).i32;
    if (UNLIKELY(src + n > d->size || dst + n > msize))
        TRAP(WASM_TRAP_OOB_MEMORY);
    if (n)
        memcpy(mbase + dst, d->bytes + src, n);
    NEXT(5);
}
L_DATA_DROP:
    inst->datas[pc[1]].size = 0;
    NEXT(2);
L_MEM_COPY: {
    uint64_t dst = S(1).i32, src = S(2).i32, n = S(3).i32;
    if (UNLIKELY(src + n > msize || dst + n > msize))
        TRAP(WASM_TRAP_OOB_MEMORY);
    if (n)
        memmove(mbase + dst, mbase + src, n);
    NEXT(4);
}
L_MEM_FILL: {
    uint64_t dst = S(1).i32, n = S(3).i32;
    uint8_t val = (uint8_t)S(2).i32;
    if (UNLIKELY(dst + n > msize))
        TRAP(WASM_TRAP_OOB_MEMORY);
    if (n)
        memset(mbase + dst, val, n);
    NEXT(4);
}

    /* ---- tables and references ---- */
L_TABLE_GET: {
    wasm_table *t = inst->tables[pc[2]];
    uint64_t i = S(3).i32;
    if (UNLIKELY(oob_masked(&i, i + 1, t->size)))
        TRAP(WASM_TRAP_OOB_TABLE);
    S(1).ref = t->elems[i];
    NEXT(4);
}
L_TABLE_SET: {
    wasm_table *t = inst->tables[pc[1]];
    uint64_t i = S(2).i32;
    if (UNLIKELY(oob_masked(&i, i + 1, t->size)))
        TRAP(WASM_TRAP_OOB_TABLE);
    t->elems[i] = S(3).ref;
    NEXT(4);
}
L_TABLE_SIZE:
    S(1).i32 = inst->tables[pc[2]]->size;
    NEXT(3);
L_TABLE_GROW: {
    void *init = S(3).ref;
    uint32_t n = S(4).i32;
    S(1).i32 = (uint32_t)table_grow(inst->tables[pc[2]], n, init);
    NEXT(5);
}
L_TABLE_FILL: {
    wasm_table *t = inst->tables[pc[1]];
    uint64_t i = S(2).i32, n = S(4).i32;
    void *v = S(3).ref;
    if (UNLIKELY(oob_masked(&n, i + n, t->size)))
        TRAP(WASM_TRAP_OOB_TABLE);
    for (uint64_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    NEXT(5);
}
L_TABLE_COPY: {
    wasm_table *td = inst->tables[pc[1]], *ts = inst->tables[pc[2]];
    uint64_t d = S(3).i32, sidx = S(4).i32, n = S(5).i32;
    if (UNLIKELY(copy_oob_masked(&n, sidx, ts->size, d, td->size)))
        TRAP(WASM_TRAP_OOB_TABLE);
    if (n)
        memmove(td->elems + d, ts->elems + sidx, n * sizeof(void *));
    NEXT(6);
}
L_TABLE_INIT: {
    wasm_table *t = inst->tables[pc[1]];
    const inst_elem *e = &inst->elems[pc[2]];
    uint64_t d = S(3).i32, sidx = S(4).i32, n = S(5).i32;
    if (UNLIKELY(copy_oob_masked(&n, sidx, e->count, d, t->size)))
        TRAP(WASM_TRAP_OOB_TABLE);
    if (n)
        memcpy(t->elems + d, e->refs + sidx, n * sizeof(void *));
    NEXT(6);
}
L_ELEM_DROP:
    inst->elems[pc[1]].count = 0;
    NEXT(2);
L_REF_IS_NULL:
    S(1).i64 = S(2).ref == NULL;
    NEXT(3);
L_REF_FUNC:
    S(1).ref = inst->funcs[pc[2]];
    NEXT(3);

    /* ---- i32 ---- */
    UNOP(I32_EQZ, i64, i32, a == 0)
    UNOP(I32_CLZ, i64, i32, a ? (uint32_t)__builtin_clz(a) : 32u)
    UNOP(I32_CTZ, i64, i32, a ? (uint32_t)__builtin_ctz(a) : 32u)
    UNOP(I32_POPCNT, i64, i32, (uint32_t)__builtin_popcount(a))
    UNOP(I32_EXTEND8_S, i64, i32, S8(a))
    UNOP(I32_EXTEND16_S, i64, i32, S16(a))
    BINOP(I32_EQ, i64, i32, a == b)
    BINOP(I32_NE, i64, i32, a != b)
    BINOP(I32_LT_S, i64, i32, (int32_t)a < (int32_t)b)
    BINOP(I32_LT_U, i64, i32, a < b)
    BINOP(I32_GT_S, i64, i32, (int32_t)a > (int32_t)b)
    BINOP(I32_GT_U, i64, i32, a > b)
    BINOP(I32_LE_S, i64, i32, (int32_t)a <= (int32_t)b)
    BINOP(I32_LE_U, i64, i32, a <= b)
    BINOP(I32_GE_S, i64, i32, (int32_t)a >= (int32_t)b)
    BINOP(I32_GE_U, i64, i32, a >= b)
    BINOP(I32_ADD, i32, i32, a + b)
    BINOP(I32_SUB, i32, i32, a - b)
    BINOP(I32_MUL, i32, i32, a * b)
L_I32_DIV_S: {
    int32_t a = (int32_t)S(2).i32, b = (int32_t)S(3).i32;
    if (UNLIKELY(b == 0))
        TRAP(WASM_TRAP_DIV_BY_ZERO);
    if (UNLIKELY(a == INT32_MIN && b == -1))
        TRAP(WASM_TRAP_INT_OVERFLOW);
    S(1).i32 = (uint32_t)(a / b);
    NEXT(4);
}
L_I32_DIV_U: {
    uint32_t a = S(2).i32, b = S(3).i32;
    if (UNLIKELY(b == 0))
        TRAP(WASM_TRAP_DIV_BY_ZERO);
    S(1).i32 = a / b;
    NEXT(4);
}
L_I32_REM_S: {
    int32_t a = (int32_t)S(2).i32, b = (int32_t)S(3).i32;
    if (UNLIKELY(b == 0))
        TRAP(WASM_TRAP_DIV_BY_ZERO);
    S(1).i32 = b == -1 ? 0 : (uint32_t)(a % b);
    NEXT(4);
}
L_I32_REM_U: {
    uint32_t a = S(2).i32, b = S(3).i32;
    if (UNLIKELY(b == 0))
        TRAP(WASM_TRAP_DIV_BY_ZERO);
    S(1).i32 = a % b;
    NEXT(4);
}
    BINOP(I32_AND, i32, i32, a & b)
    BINOP(I32_OR, i32, i32, a | b)
    BINOP(I32_XOR, i32, i32, a ^ b)
    BINOP(I32_SHL, i32, i32, a << (b & 31))
    BINOP(I32_SHR_S, i32, i32, (uint32_t)((int32_t)a >> (b & 31)))
    BINOP(I32_SHR_U, i32, i32, a >> (b & 31))
    BINOP(I32_ROTL, i32, i32, rotl32(a, b))
    BINOP(I32_ROTR, i32, i32, rotr32(a, b))

    /* ---- i64 ---- */
    UNOP(I64_EQZ, i64, i64, a == 0)
    UNOP(I64_CLZ, i64, i64, a ? (uint64_t)__builtin_clzll(a) : 64u)
    UNOP(I64_CTZ, i64, i64, a ? (uint64_t)__builtin_ctzll(a) : 64u)
    UNOP(I64_POPCNT, i64, i64, (uint64_t)__builtin_popcountll(a))
    UNOP(I64_EXTEND8_S, i64, i64, S8_64(a))
    UNOP(I64_EXTEND16_S, i64, i64, S16_64(a))
    UNOP(I64_EXTEND32_S, i64, i64, S32_64(a))
    BINOP(I64_EQ, i64, i64, a == b)
    BINOP(I64_NE, i64, i64, a != b)
    BINOP(I64_LT_S, i64, i64, (int64_t)a < (int64_t)b)
    BINOP(I64_LT_U, i64, i64, a < b)
    BINOP(I64_GT_S, i64, i64, (int64_t)a > (int64_t)b)
    BINOP(I64_GT_U, i64, i64, a > b)
    BINOP(I64_LE_S, i64, i64, (int64_t)a <= (int64_t)b)
    BINOP(I64_LE_U, i64, i64, a <= b)
    BINOP(I64_GE_S, i64, i64, (int64_t)a >= (int64_t)b)
    BINOP(I64_GE_U, i64, i64, a >= b)
    BINOP(I64_ADD, i64, i64, a + b)
    BINOP(I64_SUB, i64, i64, a - b)
    BINOP(I64_MUL, i64, i64, a * b)
L_I64_DIV_S: {
    int64_t a = (int64_t)S(2).i64, b = (int64_t)S(3).i64;
    if (UNLIKELY(b == 0))
        TRAP(WASM_TRAP_DIV_BY_ZERO);
    if (UNLIKELY(a == INT64_MIN && b == -1))
        TRAP(WASM_TRAP_INT_OVERFLOW);
    S(1).i64 = (uint64_t)(a / b);
    NEXT(4);
}
L_I64_DIV_U: {
    uint64_t a = S(2).i64, b = S(3).i64;
    if (UNLIKELY(b == 0))
        TRAP(WASM_TRAP_DIV_BY_ZERO);
    S(1).i64 = a / b;
    NEXT(4);
}
L_I64_REM_S: {
    int64_t a = (int64_t)S(2).i64, b = (int64_t)S(3).i64;
    if (UNLIKELY(b == 0))
        TRAP(WASM_TRAP_DIV_BY_ZERO);
    S(1).i64 = b == -1 ? 0 : (uint64_t)(a % b);
    NEXT(4);
}
L_I64_REM_U: {
    uint64_t a = S(2).i64, b = S(3).i64;
    if (UNLIKELY(b == 0))
        TRAP(WASM_TRAP_DIV_BY_ZERO);
    S(1).i64 = a % b;
    NEXT(4);
}
    BINOP(I64_AND, i64, i64, a & b)
    BINOP(I64_OR, i64, i64, a | b)
    BINOP(I64_XOR, i64, i64, a ^ b)
    BINOP(I64_SHL, i64, i64, a << (b & 63))
    BINOP(I64_SHR_S, i64, i64, (uint64_t)((int64_t)a >> (b & 63)))
    BINOP(I64_SHR_U, i64, i64, a >> (b & 63))
    BINOP(I64_ROTL, i64, i64, rotl64(a, b))
    BINOP(I64_ROTR, i64, i64, rotr64(a, b))

    /* ---- f32 (sign operations work on the bits, keeping NaN payloads) ---- */
    UNOP(F32_ABS, i64, i32, a & 0x7fffffffu)
    UNOP(F32_NEG, i64, i32, a ^ 0x80000000u)
    UNOP(F32_CEIL, f32, f32, f32_ceil(a))
    UNOP(F32_FLOOR, f32, f32, f32_floor(a))
    UNOP(F32_TRUNC, f32, f32, f32_trunc(a))
    UNOP(F32_NEAREST, f32, f32, f32_nearest(a))
    UNOP(F32_SQRT, f32, f32, sqrtf(a))
    BINOP(F32_EQ, i64, f32, a == b)
    BINOP(F32_NE, i64, f32, a != b)
    BINOP(F32_LT, i64, f32, a < b)
    BINOP(F32_GT, i64, f32, a > b)
    BINOP(F32_LE, i64, f32, a <= b)
    BINOP(F32_GE, i64, f32, a >= b)
    BINOP(F32_ADD, f32, f32, f32_add(a, b))
    BINOP(F32_SUB, f32, f32, a - b)
    BINOP(F32_MUL, f32, f32, f32_mul(a, b))
    BINOP(F32_DIV, f32, f32, a / b)
    BINOP(F32_MIN, f32, f32, f32_min(a, b))
    BINOP(F32_MAX, f32, f32, f32_max(a, b))
    BINOP(F32_COPYSIGN, i64, i32, (a & 0x7fffffffu) | (b & 0x80000000u))

    /* ---- f64 ---- */
    UNOP(F64_ABS, i64, i64, a & 0x7fffffffffffffffull)
    UNOP(F64_NEG, i64, i64, a ^ 0x8000000000000000ull)
    UNOP(F64_CEIL, f64, f64, f64_ceil(a))
    UNOP(F64_FLOOR, f64, f64, f64_floor(a))
    UNOP(F64_TRUNC, f64, f64, f64_trunc(a))
    UNOP(F64_NEAREST, f64, f64, f64_nearest(a))
    UNOP(F64_SQRT, f64, f64, sqrt(a))
    BINOP(F64_EQ, i64, f64, a == b)
    BINOP(F64_NE, i64, f64, a != b)
    BINOP(F64_LT, i64, f64, a < b)
    BINOP(F64_GT, i64, f64, a > b)
    BINOP(F64_LE, i64, f64, a <= b)
    BINOP(F64_GE, i64, f64, a >= b)
    BINOP(F64_ADD, f64, f64, f64_add(a, b))
    BINOP(F64_SUB, f64, f64, a - b)
    BINOP(F64_MUL, f64, f64, f64_mul(a, b))
    BINOP(F64_DIV, f64, f64, a / b)
    BINOP(F64_MIN, f64, f64, f64_min(a, b))
    BINOP(F64_MAX, f64, f64, f64_max(a, b))
    BINOP(F64_COPYSIGN, i64, i64, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

    /* ---- conversions ---- */
    UNOP(I32_WRAP_I64, i64, i64, (uint32_t)a)
    TRUNC(I32_TRUNC_F32_S, i64, f32, (uint32_t)(int32_t)x, x >= -2147483648.0f, x < 2147483648.0f)
    TRUNC(I32_TRUNC_F32_U, i64, f32, (uint32_t)x, x > -1.0f, x < 4294967296.0f)
    TRUNC(I32_TRUNC_F64_S, i64, f64, (uint32_t)(int32_t)x, x > -2147483649.0, x < 2147483648.0)
    TRUNC(I32_TRUNC_F64_U, i64, f64, (uint32_t)x, x > -1.0, x < 4294967296.0)
    UNOP(I64_EXTEND_I32_S, i64, i32, S32_64(a))
    UNOP(I64_EXTEND_I32_U, i64, i32, (uint64_t)a)
    TRUNC(I64_TRUNC_F32_S, i64, f32, (uint64_t)(int64_t)x, x >= -9223372036854775808.0f, x < 9223372036854775808.0f)
    TRUNC(I64_TRUNC_F32_U, i64, f32, (uint64_t)x, x > -1.0f, x < 18446744073709551616.0f)
    TRUNC(I64_TRUNC_F64_S, i64, f64, (uint64_t)(int64_t)x, x >= -9223372036854775808.0, x < 9223372036854775808.0)
    TRUNC(I64_TRUNC_F64_U, i64, f64, (uint64_t)x, x > -1.0, x < 18446744073709551616.0)
    UNOP(F32_CONVERT_I32_S, f32, i32, (float)(int32_t)a)
    UNOP(F32_CONVERT_I32_U, f32, i32, (float)a)
    UNOP(F32_CONVERT_I64_S, f32, i64, (float)(int64_t)a)
    UNOP(F32_CONVERT_I64_U, f32, i64, (float)a)
    UNOP(F32_DEMOTE_F64, f32, f64, (float)a)
    UNOP(F64_CONVERT_I32_S, f64, i32, (double)(int32_t)a)
    UNOP(F64_CONVERT_I32_U, f64, i32, (double)a)
    UNOP(F64_CONVERT_I64_S, f64, i64, (double)(int64_t)a)
    UNOP(F64_CONVERT_I64_U, f64, i64, (double)a)
    UNOP(F64_PROMOTE_F32, f64, f32, (double)a)
    UNOP(I32_TRUNC_SAT_F32_S, i64, f32, (uint32_t)sat_i32_f64(a))
    UNOP(I32_TRUNC_SAT_F32_U, i64, f32, sat_u32_f64(a))
    UNOP(I32_TRUNC_SAT_F64_S, i64, f64, (uint32_t)sat_i32_f64(a))
    UNOP(I32_TRUNC_SAT_F64_U, i64, f64, sat_u32_f64(a))
    UNOP(I64_TRUNC_SAT_F32_S, i64, f32, (uint64_t)sat_i64_f64(a))
    UNOP(I64_TRUNC_SAT_F32_U, i64, f32, sat_u64_f64(a))
    UNOP(I64_TRUNC_SAT_F64_S, i64, f64, (uint64_t)sat_i64_f64(a))
    UNOP(I64_TRUNC_SAT_F64_U, i64, f64, sat_u64_f64(a))

    /* ---- SIMD ---- */
L_V_LOAD: {
    uint64_t ea = (uint64_t)S(2).i32 + pc[3];
    MEMCHECK(ea, pc[5]);
    simd_load(pc[4], &fp[pc[1]], mbase + ea, pc[5]);
    NEXT(6);
}
L_V_LOAD_LANE: {
    uint64_t ea = (uint64_t)S(2).i32 + pc[4];
    uint32_t bytes = pc[6];
    MEMCHECK(ea, bytes);
    uint8_t v[16];
    memcpy(v, &fp[pc[3]], 16);
    memcpy(v + (size_t)pc[5] * bytes, mbase + ea, bytes);
    memcpy(&fp[pc[1]], v, 16);
    NEXT(7);
}
L_V_STORE_LANE: {
    uint64_t ea = (uint64_t)S(1).i32 + pc[3];
    uint32_t bytes = pc[5];
    MEMCHECK(ea, bytes);
    uint8_t v[16];
    memcpy(v, &fp[pc[2]], 16);
    memcpy(mbase + ea, v + (size_t)pc[4] * bytes, bytes);
    NEXT(6);
}
L_V_UN:
    simd_unary(pc[3], &fp[pc[1]], &fp[pc[2]]);
    NEXT(4);
L_V_BIN:
    simd_binary(pc[4], &fp[pc[1]], &fp[pc[2]], &fp[pc[3]]);
    NEXT(5);
L_V_BITSELECT:
    simd_bitselect(&fp[pc[1]], &fp[pc[2]], &fp[pc[3]], &fp[pc[4]]);
    NEXT(5);
L_V_SHUFFLE: {
    uint8_t lanes[16];
    memcpy(lanes, pc + 4, 16);
    simd_shuffle(&fp[pc[1]], &fp[pc[2]], &fp[pc[3]], lanes);
    NEXT(8);
}
L_V_SHIFT:
    simd_shift(pc[4], &fp[pc[1]], &fp[pc[2]], S(3).i32);
    NEXT(5);
L_V_TEST: {
    uint32_t r = simd_test(pc[3], &fp[pc[2]]);
    S(1).i64 = r;
    NEXT(4);
}
L_V_SPLAT: {
    uint64_t x = S(2).i64;
    simd_splat(pc[3], &fp[pc[1]], x);
    NEXT(4);
}
L_V_EXTRACT: {
    uint64_t v = simd_extract(pc[3], &fp[pc[2]], pc[4]);
    S(1).i64 = v;
    NEXT(5);
}
L_V_REPLACE: {
    uint64_t x = S(3).i64;
    simd_replace(pc[4], &fp[pc[1]], &fp[pc[2]], pc[5], x);
    NEXT(6);
}

    /* the commonest lane-wise operations */
    VBIN(V_I8X16_ADD, vu8, +)
    VBIN(V_I8X16_SUB, vu8, -)
    VBIN(V_I16X8_ADD, vu16, +)
    VBIN(V_I16X8_SUB, vu16, -)
    VBIN(V_I16X8_MUL, vu16, *)
    VBIN(V_I32X4_ADD, vu32, +)
    VBIN(V_I32X4_SUB, vu32, -)
    VBIN(V_I32X4_MUL, vu32, *)
    VBIN(V_I64X2_ADD, vu64, +)
    VBIN(V_I64X2_SUB, vu64, -)
    VBINF(V_F32X4_ADD, vf32, f32x4_add(a_, b_)) /* fp_order.h */
    VBIN(V_F32X4_SUB, vf32, -)
    VBINF(V_F32X4_MUL, vf32, f32x4_mul(a_, b_))
    VBINF(V_F64X2_ADD, vf64, f64x2_add(a_, b_))
    VBIN(V_F64X2_SUB, vf64, -)
    VBINF(V_F64X2_MUL, vf64, f64x2_mul(a_, b_))
    VBIN(V_AND, vu64, &)
    VBIN(V_OR, vu64, |)
    VBIN(V_XOR, vu64, ^)

    /* ---- fused ---- */
    ADDBR10(AB32, uint32_t, i32, int32_t, uint32_t, S(3).i32, S(4).i32)
    ADDBR10(AB32I, uint32_t, i32, int32_t, uint32_t, pc[3], S(4).i32)
    ADDBR10(AB32BI, uint32_t, i32, int32_t, uint32_t, S(3).i32, pc[4])
    ADDBR10(AB32IBI, uint32_t, i32, int32_t, uint32_t, pc[3], pc[4])
    ADDBR10(AB64, uint64_t, i64, int64_t, uint64_t, S(3).i64, S(4).i64)
    LOADA(LDA_I32, uint32_t, i64, ID)
    LOADA(LDA_I64, uint64_t, i64, ID)
    LOADA(LDA_I32_8S, uint8_t, i64, S8)
    LOADA(LDA_I32_8U, uint8_t, i64, ID)
    LOADA(LDA_I32_16S, uint16_t, i64, S16)
    LOADA(LDA_I32_16U, uint16_t, i64, ID)
    LOADA(LDA_I64_8S, uint8_t, i64, S8_64)
    LOADA(LDA_I64_8U, uint8_t, i64, ID)
    LOADA(LDA_I64_16S, uint16_t, i64, S16_64)
    LOADA(LDA_I64_16U, uint16_t, i64, ID)
    LOADA(LDA_I64_32S, uint32_t, i64, S32_64)
    LOADA(LDA_I64_32U, uint32_t, i64, ID)
    STOREA(STA_8, uint8_t, i32)
    STOREA(STA_16, uint16_t, i32)
    STOREA(STA_32, uint32_t, i32)
    STOREA(STA_64, uint64_t, i64)
    BINOP_M(I32_ADD_M, i32, i32, 4, a + b)
    BINOP_M(I32_SUB_M, i32, i32, 4, a - b)
    BINOP_M(I32_MUL_M, i32, i32, 4, a * b)
    BINOP_M(I32_AND_M, i32, i32, 4, a & b)
    BINOP_M(I32_OR_M, i32, i32, 4, a | b)
    BINOP_M(I32_XOR_M, i32, i32, 4, a ^ b)
    BINOP_M(I64_ADD_M, i64, i64, 8, a + b)
    BINOP_M(I64_SUB_M, i64, i64, 8, a - b)
    BINOP_M(I64_MUL_M, i64, i64, 8, a * b)
    BINOP_M(I64_AND_M, i64, i64, 8, a & b)
    BINOP_M(I64_OR_M, i64, i64, 8, a | b)
    BINOP_M(I64_XOR_M, i64, i64, 8, a ^ b)
    BINOP_M(F32_ADD_M, f32, f32, 4, f32_add(a, b))
    BINOP_M(F32_SUB_M, f32, f32, 4, a - b)
    BINOP_M(F32_MUL_M, f32, f32, 4, f32_mul(a, b))
    BINOP_M(F64_ADD_M, f64, f64, 8, f64_add(a, b))
    BINOP_M(F64_SUB_M, f64, f64, 8, a - b)
    BINOP_M(F64_MUL_M, f64, f64, 8, f64_mul(a, b))
    RMW(I32_ADD_RMW, i32, uint32_t, a + b)
    RMW(I32_AND_RMW, i32, uint32_t, a & b)
    RMW(I32_OR_RMW, i32, uint32_t, a | b)
    RMW(I32_XOR_RMW, i32, uint32_t, a ^ b)
    RMW(I64_ADD_RMW, i64, uint64_t, a + b)
    RMW(F32_ADD_RMW, f32, float, f32_add(a, b))
    RMW(F64_ADD_RMW, f64, double, f64_add(a, b))
#define OP_STORE(name, T, f, expr)                                                         \
    L_##name : {                                                                           \
        __typeof__(S(2).f) a = S(2).f, b = S(3).f;                                         \
        T v_ = (T)(expr);                                                                  \
        uint64_t ea = (uint64_t)S(1).i32 + pc[4];                                          \
        MEMCHECK(ea, sizeof(T));                                                           \
        memcpy(mbase + ea, &v_, sizeof v_);                                                \
        NEXT(5);                                                                           \
    }
    OP_STORE(F64_ADD_ST, double, f64, f64_add(a, b))
    OP_STORE(F64_SUB_ST, double, f64, a - b)
    OP_STORE(F64_MUL_ST, double, f64, f64_mul(a, b))
    OP_STORE(I32_ADD_ST, uint32_t, i32, a + b)
    OP_STORE(I64_ADD_ST, uint64_t, i64, a + b)
L_F64_ADD2_MA: {
    uint64_t e1 = (uint64_t)(uint32_t)(S(3).i32 + S(4).i32) + pc[5];
    MEMCHECK(e1, 8);
    uint64_t e2 = (uint64_t)(uint32_t)(S(6).i32 + S(7).i32) + pc[8];
    MEMCHECK(e2, 8);
    double m1, m2;
    memcpy(&m1, mbase + e1, 8);
    memcpy(&m2, mbase + e2, 8);
    S(1).f64 = f64_add(f64_add(S(2).f64, m1), m2);
    NEXT(9);
}
L_MOVE2:
    S(1) = S(2);
    S(3) = S(4);
    NEXT(5);
#define SHIFTED(name, op, shifted)                                                         \
    L_##name : {                                                                           \
        uint32_t x = S(3).i32, k = pc[4];                                                  \
        S(1).i64 = (uint32_t)(S(2).i32 op(shifted));                                       \
        NEXT(5);                                                                           \
    }
    SHIFTED(I32_XOR_ROTL_I, ^, rotl32(x, k))
    SHIFTED(I32_XOR_SHR_U_I, ^, x >> (k & 31))
    SHIFTED(I32_XOR_SHL_I, ^, x << (k & 31))
    SHIFTED(I32_OR_ROTL_I, |, rotl32(x, k))
    SHIFTED(I32_OR_SHR_U_I, |, x >> (k & 31))
    SHIFTED(I32_OR_SHL_I, |, x << (k & 31))
L_F64_MULADD_RMW_R: {
    uint64_t ea = (uint64_t)S(1).i32 + pc[4];
    MEMCHECK(ea, 8);
    double m_;
    memcpy(&m_, mbase + ea, 8);
    m_ = f64_add(f64_mul(S(2).f64, S(3).f64), m_);
    memcpy(mbase + ea, &m_, 8);
    NEXT(5);
}
L_F64_MUL_ADD:
    S(1).f64 = f64_add(S(2).f64, f64_mul(S(3).f64, S(4).f64));
    NEXT(5);
L_F64_MUL_ADD_R:
    S(1).f64 = f64_add(f64_mul(S(3).f64, S(4).f64), S(2).f64);
    NEXT(5);
L_I32_ADD_I2:
    S(1).i64 = (uint32_t)(S(2).i32 + pc[3]);
    S(4).i64 = (uint32_t)(S(5).i32 + pc[6]);
    NEXT(7);
L_I32_ADD2:
    S(1).i64 = (uint32_t)(S(2).i32 + S(3).i32);
    S(4).i64 = (uint32_t)(S(5).i32 + S(6).i32); /* after the first: it may read d1 */
    NEXT(7);
L_F64_MULADD_RMW: {
    /* the product's load first: it traps first in the unfused code */
    uint64_t eb = (uint64_t)(uint32_t)(S(3).i32 + S(4).i32) + pc[6];
    MEMCHECK(eb, 8);
    uint64_t ea = (uint64_t)S(1).i32 + pc[5];
    MEMCHECK(ea, 8);
    double b_, m_;
    memcpy(&b_, mbase + eb, 8);
    memcpy(&m_, mbase + ea, 8);
    m_ = f64_add(f64_mul(S(2).f64, b_), m_); /* two roundings, as in wasm */
    memcpy(mbase + ea, &m_, 8);
    NEXT(7);
}
L_I32_ADD2_MULADD_RMW: {
    /* the locals are written first: the later reads may name them */
    uint32_t a_ = S(2).i32 + S(3).i32;
    S(1).i64 = a_;
    uint32_t x_ = S(5).i32 + S(6).i32;
    S(4).i64 = x_;
    uint64_t eb = (uint64_t)(uint32_t)(x_ + S(8).i32) + pc[10];
    MEMCHECK(eb, 8);
    uint64_t ea = (uint64_t)a_ + pc[9];
    MEMCHECK(ea, 8);
    double b_, m_;
    memcpy(&b_, mbase + eb, 8);
    memcpy(&m_, mbase + ea, 8);
    m_ = f64_add(f64_mul(S(7).f64, b_), m_);
    memcpy(mbase + ea, &m_, 8);
    NEXT(11);
}
L_I32_ADD2_F64_ADD_MA: {
    uint32_t a_ = S(2).i32 + S(3).i32;
    S(1).i64 = a_;
    uint32_t x_ = S(5).i32 + S(6).i32;
    S(4).i64 = x_;
    uint64_t ea = (uint64_t)(uint32_t)(x_ + S(9).i32) + pc[10];
    MEMCHECK(ea, 8);
    double m_;
    memcpy(&m_, mbase + ea, 8);
    S(7).f64 = f64_add(S(8).f64, m_);
    NEXT(11);
}
L_F64_LDA_ADD: {
    uint64_t ea = (uint64_t)(uint32_t)(S(2).i32 + S(3).i32) + pc[4];
    MEMCHECK(ea, 8);
    uint64_t bits;
    memcpy(&bits, mbase + ea, 8);
    S(1).i64 = bits;
    double v_;
    memcpy(&v_, &bits, 8);
    S(5).f64 = f64_add(S(6).f64, v_); /* a is read after d is written: it may be d */
    NEXT(7);
}
L_F64_ADD2_MA_MUL_ST: {
    uint64_t e1 = (uint64_t)(uint32_t)(S(4).i32 + S(5).i32) + pc[6];
    MEMCHECK(e1, 8);
    uint64_t e2 = (uint64_t)(uint32_t)(S(7).i32 + S(8).i32) + pc[9];
    MEMCHECK(e2, 8);
    double m1, m2;
    memcpy(&m1, mbase + e1, 8);
    memcpy(&m2, mbase + e2, 8);
    /* S(2), the sum's temporary, is not written: the multiply consumed it */
    double v_ = f64_mul(f64_add(f64_add(S(3).f64, m1), m2), S(10).f64);
    uint64_t ea = (uint64_t)S(1).i32 + pc[11];
    MEMCHECK(ea, 8);
    memcpy(mbase + ea, &v_, 8);
    NEXT(12);
}
L_I32_ADD_I_MULADD_RMW: {
    uint32_t a_ = S(2).i32 + pc[3];
    S(1).i64 = a_;
    uint64_t eb = (uint64_t)(uint32_t)(S(5).i32 + S(6).i32) + pc[8];
    MEMCHECK(eb, 8);
    uint64_t ea = (uint64_t)a_ + pc[7];
    MEMCHECK(ea, 8);
    double b_, m_;
    memcpy(&b_, mbase + eb, 8);
    memcpy(&m_, mbase + ea, 8);
    m_ = f64_add(f64_mul(S(4).f64, b_), m_);
    memcpy(mbase + ea, &m_, 8);
    NEXT(9);
}
    BINOP_MA(I32_ADD_MA, i32, i32, 4, a + b)
    BINOP_MA(I32_MUL_MA, i32, i32, 4, a * b)
    BINOP_MA(F32_MUL_MA, f32, f32, 4, f32_mul(a, b))
    BINOP_MA(F64_MUL_MA, f64, f64, 8, f64_mul(a, b))
    BINOP_MA(F32_ADD_MA, f32, f32, 4, f32_add(a, b))
    BINOP_MA(F64_ADD_MA, f64, f64, 8, f64_add(a, b))
#define BINOP_I(name, expr)                                                                \
    L_##name : {                                                                           \
        uint32_t a = S(2).i32, b = pc[3];                                                  \
        S(1).i64 = (uint32_t)(expr);                                                       \
        NEXT(4);                                                                           \
    }
#define CMPBR_I(name, T, op)                                                               \
    L_##name : {                                                                           \
        if ((T)S(1).i32 op (T)pc[2])                                                       \
            BRANCH(pc[3]);                                                                 \
        NEXT(4);                                                                           \
    }
    BINOP_I(I32_ADD_I, a + b)
    BINOP_I(I32_MUL_I, a * b)
    BINOP_I(I32_AND_I, a & b)
    BINOP_I(I32_OR_I, a | b)
    BINOP_I(I32_XOR_I, a ^ b)
    BINOP_I(I32_SHL_I, a << (b & 31))
    BINOP_I(I32_SHR_S_I, (uint32_t)((int32_t)a >> (b & 31)))
    BINOP_I(I32_SHR_U_I, a >> (b & 31))
    BINOP_I(I32_ROTL_I, rotl32(a, b))
    BINOP_I(I32_EQ_I, a == b)
    BINOP_I(I32_NE_I, a != b)
    BINOP_I(I32_LT_S_I, (int32_t)a < (int32_t)b)
    BINOP_I(I32_LT_U_I, a < b)
    BINOP_I(I32_GT_S_I, (int32_t)a > (int32_t)b)
    BINOP_I(I32_GT_U_I, a > b)
    BINOP_I(I32_LE_S_I, (int32_t)a <= (int32_t)b)
    BINOP_I(I32_LE_U_I, a <= b)
    BINOP_I(I32_GE_S_I, (int32_t)a >= (int32_t)b)
    BINOP_I(I32_GE_U_I, a >= b)
    CMPBR_I(BR_I32_EQ_I, uint32_t, ==)
    CMPBR_I(BR_I32_NE_I, uint32_t, !=)
    CMPBR_I(BR_I32_LT_S_I, int32_t, <)
    CMPBR_I(BR_I32_LT_U_I, uint32_t, <)
    CMPBR_I(BR_I32_GT_S_I, int32_t, >)
    CMPBR_I(BR_I32_GT_U_I, uint32_t, >)
    CMPBR_I(BR_I32_LE_S_I, int32_t, <=)
    CMPBR_I(BR_I32_LE_U_I, uint32_t, <=)
    CMPBR_I(BR_I32_GE_S_I, int32_t, >=)
    CMPBR_I(BR_I32_GE_U_I, uint32_t, >=)
L_I64_ADD_I:
    S(1).i64 = S(2).i64 + (uint64_t)(int64_t)(int32_t)pc[3];
    NEXT(4);
L_BR_EQZ_I32:
    if (!S(1).i32)
        BRANCH(pc[2]);
    NEXT(3);
L_BR_NEZ_I32:
    if (S(1).i32)
        BRANCH(pc[2]);
    NEXT(3);
L_BR_EQZ_I64:
    if (!S(1).i64)
        BRANCH(pc[2]);
    NEXT(3);
L_BR_NEZ_I64:
    if (S(1).i64)
        BRANCH(pc[2]);
    NEXT(3);
    CMPBR(BR_I32_EQ, i32, uint32_t, ==)
    CMPBR(BR_I32_NE, i32, uint32_t, !=)
    CMPBR(BR_I32_LT_S, i32, int32_t, <)
    CMPBR(BR_I32_LT_U, i32, uint32_t, <)
    CMPBR(BR_I32_GT_S, i32, int32_t, >)
    CMPBR(BR_I32_GT_U, i32, uint32_t, >)
    CMPBR(BR_I32_LE_S, i32, int32_t, <=)
    CMPBR(BR_I32_LE_U, i32, uint32_t, <=)
    CMPBR(BR_I32_GE_S, i32, int32_t, >=)
    CMPBR(BR_I32_GE_U, i32, uint32_t, >=)
    CMPBR(BR_I64_EQ, i64, uint64_t, ==)
    CMPBR(BR_I64_NE, i64, uint64_t, !=)
    CMPBR(BR_I64_LT_S, i64, int64_t, <)
    CMPBR(BR_I64_LT_U, i64, uint64_t, <)
    CMPBR(BR_I64_GT_S, i64, int64_t, >)
    CMPBR(BR_I64_GT_U, i64, uint64_t, >)
    CMPBR(BR_I64_LE_S, i64, int64_t, <=)
    CMPBR(BR_I64_LE_U, i64, uint64_t, <=)
    CMPBR(BR_I64_GE_S, i64, int64_t, >=)
    CMPBR(BR_I64_GE_U, i64, uint64_t, >=)

    /* ---- exits ---- */
out_of_fuel:
    if (fuel + slack < 0) {
        if (s->fuel_on)
            TRAP(WASM_TRAP_FUEL_EXHAUSTED);
        fuel = INT64_MAX; /* unmetered: runs on */
        slack = 0;
    }
    if (ticks) {
        int64_t left = fuel + slack;
        osr_at = tier_tick(s, inst, pc, &tick_code);
        FUEL_SPLIT(left);
        if (osr_at)
            goto enter_loop;
    }
    DISPATCH();

finished:
    if (s->fuel_on)
        FUEL_SAVE();
    s->ftop = entry;
    return WASM_OK;

exited:
    if (s->fuel_on)
        FUEL_SAVE();
    s->ftop = entry;
    return interp_report_exit(s, err);

reported: /* a trap or exit in machine code, reported there */
    if (s->fuel_on)
        FUEL_SAVE();
    s->ftop = entry;
    return (wasm_status)jit_st;

compile_failed: /* only when out of memory: err says so */
    if (s->fuel_on)
        FUEL_SAVE();
    s->ftop = entry;
    return err->status;

trap:
    if (s->fuel_on)
        FUEL_SAVE();
    report_trap(s, err, trap_kind, code_of(inst, pc, &s->backtrace_work), pc, base, ftop);
    s->ftop = entry;
    return WASM_ERR_TRAP;
}

/* ---- entry points for the JIT's tier crossings (internal.h) -------------------------- */

wasm_status interp_run(wasm_store *s, cell *fp, const func_code *code, wasm_instance *inst,
                       wasm_error *err)
{
    return run(s, fp, code, inst, err);
}

wasm_status interp_call_host(wasm_store *s, wasm_func *f, wasm_instance *caller, cell *cells)
{
    return call_host(s, f, caller, cells);
}

wasm_status interp_report_exit(const wasm_store *s, wasm_error *err)
{
    err->status = WASM_ERR_EXIT;
    err->trap = WASM_TRAP_NONE;
    err->exit_code = s->exit_code;
    err->frame_count = 0;
    snprintf(err->message, sizeof err->message, "exit with code %d", (int)s->exit_code);
    return WASM_ERR_EXIT;
}

void interp_report_trap(wasm_store *s, wasm_error *err, wasm_trap_kind kind, const func_code *code,
                        const wasm_instance *inst, const uint32_t *pc, frame *base, frame *top)
{
    if (!code)
        code = code_of(inst, pc, &s->backtrace_work);
    report_trap(s, err, kind, code, pc, base, top);
}
