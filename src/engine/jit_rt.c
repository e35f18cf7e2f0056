/* The JIT's runtime: entry from the host, calls crossing tiers, traps, and
 * the instructions generated code leaves to C (bulk memory, tables, the
 * float operations without a single x86 instruction). Semantics are the
 * interpreter's (interp.c), instruction for instruction. */
#include "engine/fp_order.h"
#include "engine/jit.h"
#include "engine/ops.h"
#include "engine/opcodes.h"
#include "engine/simd.h"

#include <math.h>

/* ---- entry and calls ------------------------------------------------------------ */

/* Runs fc's machine code with frame records [base + 1, top) in use below
 * it (base: the activation's entry marker, where backtraces stop) and the
 * fuel in *fuel, at its start or (at != NULL) at a loop header's entry;
 * JIT_NOT_ENTERED, without running anything, when fc has no machine code to
 * enter or the native stack is too deep for it. */
static int enter_machine(wasm_store *s, cell *fp, const func_code *fc, wasm_instance *inst,
                         wasm_error *err, frame *base, frame *top, int64_t *fuel, void *at)
{
    if (!jit_enterable(fc)) {
        __atomic_store_n(&((func_code *)fc)->hot, INT32_MAX, __ATOMIC_RELAXED);
        return JIT_NOT_ENTERED;
    }
    __atomic_store_n(&((func_code *)fc)->hot, 0, __ATOMIC_RELAXED);
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    bool outermost = s->jit_stack_limit == 0;
    if (outermost)
        s->jit_stack_limit = here > JIT_STACK_BUDGET ? here - JIT_STACK_BUDGET : 1;
    else if (here < s->jit_stack_limit)
        return JIT_NOT_ENTERED; /* the interpreter's frames live on the heap */
    jit_ctx ctx;
    ctx.s = s;
    ctx.err = err;
    ctx.entry = base;
    ctx.ftop = top;
    ctx.fend = s->frames_end;
    ctx.stack_end = s->stack_end;
    ctx.stack_limit = s->jit_stack_limit;
    ctx.fuel = *fuel;
    ctx.entry_sp = 0; /* set by the C entry */
    ctx.entry_resume = NULL;
    ctx.zero = 0;
    ctx.fcut = NULL;   /* set by the C entry */
    ctx.mem_size = 0; /* set by the C entry (guard mode) */
    uint32_t st;
    if (at) {
        jit_osr_fn osr = (jit_osr_fn)jit_osr_stub(fc);
        st = osr(fp, &ctx, inst, fc, at);
    } else {
        jit_entry_fn entry = (jit_entry_fn)fc->jit_entry;
        st = entry(fp, &ctx, inst, fc);
    }
    *fuel = ctx.fuel;
    if (outermost)
        s->jit_stack_limit = 0;
    return (int)st;
}

int jit_enter(wasm_store *s, cell *fp, const func_code *fc, wasm_instance *inst, wasm_error *err)
{
    frame *marker = s->ftop;
    marker->pc = NULL;
    marker->fp = NULL;
    marker->inst = NULL;
    int64_t fuel = s->fuel_on ? s->fuel : INT64_MAX;
    int st = enter_machine(s, fp, fc, inst, err, marker, marker + 1, &fuel, NULL);
    if (s->fuel_on && st != JIT_NOT_ENTERED)
        s->fuel = fuel < 0 ? 0 : fuel;
    s->ftop = marker;
    return st;
}

int jit_call_from_interp(wasm_store *s, cell *fp, const func_code *fc, wasm_instance *inst,
                         wasm_error *err, frame *base, frame *top, int64_t *fuel)
{
    return enter_machine(s, fp, fc, inst, err, base, top, fuel, NULL);
}

int jit_osr_from_interp(wasm_store *s, cell *fp, const func_code *fc, wasm_instance *inst,
                        wasm_error *err, frame *base, frame *top, int64_t *fuel, void *at)
{
    return enter_machine(s, fp, fc, inst, err, base, top, fuel, at);
}

/* The interpreter runs fc with the caller's frame record (the one below
 * ctx->ftop: pushed by the calling JIT code, or the activation's own entry
 * marker) as its entry marker, so that it has exactly the frame records it
 * would have had calling fc itself: both tiers exhaust the stack at the same
 * depth. Its backtraces continue below that record, down to the JIT
 * activation's base. */
uint32_t jit_interp_entry(cell *fp, jit_ctx *ctx, wasm_instance *inst, const func_code *fc)
{
    wasm_store *s = ctx->s;
    frame *saved = s->ftop;
    s->ftop = ctx->ftop - 1;
    s->trace_base = ctx->entry;
    if (s->fuel_on)
        s->fuel = ctx->fuel < 0 ? 0 : ctx->fuel;
    wasm_status st = interp_run(s, fp, fc, inst, ctx->err);
    if (s->fuel_on)
        ctx->fuel = s->fuel;
    s->ftop = saved;
    return (uint32_t)st;
}

uint32_t jit_trap(jit_ctx *ctx, uint32_t kind, const func_code *fc, uint32_t pos)
{
    interp_report_trap(ctx->s, ctx->err, (wasm_trap_kind)kind, fc, NULL, fc->code + pos, ctx->entry,
                       ctx->ftop);
    return WASM_ERR_TRAP;
}

static uint32_t call_trap(jit_ctx *ctx, wasm_trap_kind kind, wasm_instance *inst,
                          const uint32_t *call_pc)
{
    /* the caller's own record is pushed: the trap is at its call instruction */
    interp_report_trap(ctx->s, ctx->err, kind, NULL, inst, call_pc, ctx->entry, ctx->ftop - 1);
    return WASM_ERR_TRAP;
}

uint32_t jit_call_func(jit_ctx *ctx, wasm_func *callee, cell *nfp, wasm_instance *inst,
                       const uint32_t *call_pc)
{
    wasm_store *s = ctx->s;
    if (callee->is_host) {
        uint32_t cells = callee->param_cells > callee->result_cells ? callee->param_cells
                                                                    : callee->result_cells;
        if (s->host_nesting >= MAX_HOST_NESTING || cells > (size_t)(ctx->stack_end - nfp))
            return call_trap(ctx, WASM_TRAP_STACK_EXHAUSTED, inst, call_pc);
        cell *saved_sp = s->sp;
        frame *saved_ftop = s->ftop;
        s->sp = nfp + cells;
        s->ftop = ctx->ftop;
        if (s->fuel_on)
            s->fuel = ctx->fuel < 0 ? 0 : ctx->fuel;
        wasm_status st = interp_call_host(s, callee, inst, nfp);
        if (s->fuel_on)
            ctx->fuel = s->fuel;
        s->sp = saved_sp;
        s->ftop = saved_ftop;
        if (st == WASM_OK)
            return WASM_OK;
        if (st == WASM_ERR_EXIT)
            return interp_report_exit(s, ctx->err);
        return call_trap(ctx, WASM_TRAP_HOST, inst, call_pc);
    }
    const func_code *fc = callee->code;
    if (!__atomic_load_n(&fc->code, __ATOMIC_ACQUIRE) && !compile_lazy(fc, ctx->err))
        return (uint32_t)ctx->err->status;
    if (fc->frame_cells > (size_t)(ctx->stack_end - nfp))
        return call_trap(ctx, WASM_TRAP_STACK_EXHAUSTED, inst, call_pc);
    jit_entry_fn entry = fc->jit_entry ? (jit_entry_fn)fc->jit_entry : jit_interp_entry;
    /* machine code checks no native stack itself (jit_ctx.fcut): below
     * the limit, the callee runs in the interpreter, as a call from the
     * interpreter would */
    if ((uintptr_t)__builtin_frame_address(0) < ctx->stack_limit)
        entry = jit_interp_entry;
    return entry(nfp, ctx, callee->inst, fc);
}

/* ---- instructions run in C ------------------------------------------------------- */

#define S(i) (fp[pc[i]])

static inline uint8_t *mem_base(const wasm_instance *inst) { return inst->mem0 ? inst->mem0->data : NULL; }
static inline uint64_t mem_size(const wasm_instance *inst) { return inst->mem0 ? inst->mem0->size : 0; }

uint32_t jit_op_mem_grow(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    S(1).i64 = (uint32_t)memory_grow(inst->mem0, S(2).i32);
    return 0;
}

uint32_t jit_op_mem_init(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    const inst_data *d = &inst->datas[pc[1]];
    uint64_t dst = S(2).i32, src = S(3).i32, n = S(4).i32;
    if (src + n > d->size || dst + n > mem_size(inst))
        return WASM_TRAP_OOB_MEMORY;
    if (n)
        memcpy(mem_base(inst) + dst, d->bytes + src, n);
    return 0;
}

uint32_t jit_op_data_drop(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)fp;
    inst->datas[pc[1]].size = 0;
    return 0;
}

uint32_t jit_op_mem_copy(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    uint64_t dst = S(1).i32, src = S(2).i32, n = S(3).i32, size = mem_size(inst);
    if (src + n > size || dst + n > size)
        return WASM_TRAP_OOB_MEMORY;
    if (n)
        memmove(mem_base(inst) + dst, mem_base(inst) + src, n);
    return 0;
}

uint32_t jit_op_mem_fill(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    uint64_t dst = S(1).i32, n = S(3).i32;
    if (dst + n > mem_size(inst))
        return WASM_TRAP_OOB_MEMORY;
    if (n)
        memset(mem_base(inst) + dst, (uint8_t)S(2).i32, n);
    return 0;
}

uint32_t jit_op_table_get(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    const wasm_table *t = inst->tables[pc[2]];
    uint64_t i = S(3).i32;
    if (oob_masked(&i, i + 1, t->size))
        return WASM_TRAP_OOB_TABLE;
    S(1).ref = t->elems[i];
    return 0;
}

uint32_t jit_op_table_set(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    wasm_table *t = inst->tables[pc[1]];
    uint64_t i = S(2).i32;
    if (oob_masked(&i, i + 1, t->size))
        return WASM_TRAP_OOB_TABLE;
    t->elems[i] = S(3).ref;
    return 0;
}

uint32_t jit_op_table_size(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    S(1).i64 = inst->tables[pc[2]]->size;
    return 0;
}

uint32_t jit_op_table_grow(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    void *init = S(3).ref;
    S(1).i64 = (uint32_t)table_grow(inst->tables[pc[2]], S(4).i32, init);
    return 0;
}

uint32_t jit_op_table_fill(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    wasm_table *t = inst->tables[pc[1]];
    uint64_t i = S(2).i32, n = S(4).i32;
    void *v = S(3).ref;
    if (oob_masked(&n, i + n, t->size))
        return WASM_TRAP_OOB_TABLE;
    for (uint64_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    return 0;
}

uint32_t jit_op_table_copy(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    wasm_table *td = inst->tables[pc[1]], *ts = inst->tables[pc[2]];
    uint64_t d = S(3).i32, src = S(4).i32, n = S(5).i32;
    if (copy_oob_masked(&n, src, ts->size, d, td->size))
        return WASM_TRAP_OOB_TABLE;
    if (n)
        memmove(td->elems + d, ts->elems + src, n * sizeof(void *));
    return 0;
}

uint32_t jit_op_table_init(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    wasm_table *t = inst->tables[pc[1]];
    const inst_elem *e = &inst->elems[pc[2]];
    uint64_t d = S(3).i32, src = S(4).i32, n = S(5).i32;
    if (copy_oob_masked(&n, src, e->count, d, t->size))
        return WASM_TRAP_OOB_TABLE;
    if (n)
        memcpy(t->elems + d, e->refs + src, n * sizeof(void *));
    return 0;
}

uint32_t jit_op_elem_drop(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)fp;
    inst->elems[pc[1]].count = 0;
    return 0;
}

/* ---- SIMD (interp.c's L_V_* handlers) ---- */

/* The host address of [ea, ea + n) in memory 0, or NULL when out of bounds. */
static uint8_t *mem_range(const wasm_instance *inst, uint64_t ea, uint64_t n)
{
    if (ea + n > mem_size(inst))
        return NULL;
    return mem_base(inst) + ea;
}

uint32_t jit_op_v_load(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    const uint8_t *at = mem_range(inst, (uint64_t)S(2).i32 + pc[3], pc[5]);
    if (!at)
        return WASM_TRAP_OOB_MEMORY;
    simd_load(pc[4], &fp[pc[1]], at, pc[5]);
    return 0;
}

uint32_t jit_op_v_load_lane(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    uint32_t bytes = pc[6];
    const uint8_t *at = mem_range(inst, (uint64_t)S(2).i32 + pc[4], bytes);
    /* the lane and its width: the validator's, checked again */
    if (!at || bytes == 0 || bytes > 8 || pc[5] >= 16 / bytes)
        return WASM_TRAP_OOB_MEMORY;
    uint8_t v[16];
    memcpy(v, &fp[pc[3]], 16);
    memcpy(v + (size_t)pc[5] * bytes, at, bytes);
    memcpy(&fp[pc[1]], v, 16);
    return 0;
}

uint32_t jit_op_v_store_lane(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    uint32_t bytes = pc[5];
    uint8_t *at = mem_range(inst, (uint64_t)S(1).i32 + pc[3], bytes);
    /* the lane and its width: the validator's, checked again */
    if (!at || bytes == 0 || bytes > 8 || pc[4] >= 16 / bytes)
        return WASM_TRAP_OOB_MEMORY;
    uint8_t v[16];
    memcpy(v, &fp[pc[2]], 16);
    memcpy(at, v + (size_t)pc[4] * bytes, bytes);
    return 0;
}

uint32_t jit_op_v_un(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    simd_unary(pc[3], &fp[pc[1]], &fp[pc[2]]);
    return 0;
}

uint32_t jit_op_v_bin(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    simd_binary(pc[4], &fp[pc[1]], &fp[pc[2]], &fp[pc[3]]);
    return 0;
}

uint32_t jit_op_v_bitselect(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    simd_bitselect(&fp[pc[1]], &fp[pc[2]], &fp[pc[3]], &fp[pc[4]]);
    return 0;
}

uint32_t jit_op_v_shuffle(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    uint8_t lanes[16];
    memcpy(lanes, pc + 4, 16);
    simd_shuffle(&fp[pc[1]], &fp[pc[2]], &fp[pc[3]], lanes);
    return 0;
}

uint32_t jit_op_v_shift(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    simd_shift(pc[4], &fp[pc[1]], &fp[pc[2]], S(3).i32);
    return 0;
}

uint32_t jit_op_v_test(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    S(1).i64 = simd_test(pc[3], &fp[pc[2]]);
    return 0;
}

uint32_t jit_op_v_splat(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    simd_splat(pc[3], &fp[pc[1]], S(2).i64);
    return 0;
}

uint32_t jit_op_v_extract(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    S(1).i64 = simd_extract(pc[3], &fp[pc[2]], pc[4]);
    return 0;
}

uint32_t jit_op_v_replace(wasm_instance *inst, cell *fp, const uint32_t *pc)
{
    (void)inst;
    uint64_t x = S(3).i64;
    simd_replace(pc[4], &fp[pc[1]], &fp[pc[2]], pc[5], x);
    return 0;
}

/* the lane-wise operations the interpreter has direct handlers for */
#define JIT_V_LANEWISE(name, wop)                                              \
    uint32_t jit_op_##name(wasm_instance *inst, cell *fp, const uint32_t *pc) \
    {                                                                          \
        (void)inst;                                                            \
        simd_binary(WOP_##wop, &fp[pc[1]], &fp[pc[2]], &fp[pc[3]]);            \
        return 0;                                                              \
    }
JIT_V_LANEWISE(v_i8x16_add, I8X16_ADD)
JIT_V_LANEWISE(v_i8x16_sub, I8X16_SUB)
JIT_V_LANEWISE(v_i16x8_add, I16X8_ADD)
JIT_V_LANEWISE(v_i16x8_sub, I16X8_SUB)
JIT_V_LANEWISE(v_i16x8_mul, I16X8_MUL)
JIT_V_LANEWISE(v_i32x4_add, I32X4_ADD)
JIT_V_LANEWISE(v_i32x4_sub, I32X4_SUB)
JIT_V_LANEWISE(v_i32x4_mul, I32X4_MUL)
JIT_V_LANEWISE(v_i64x2_add, I64X2_ADD)
JIT_V_LANEWISE(v_i64x2_sub, I64X2_SUB)
JIT_V_LANEWISE(v_f32x4_add, F32X4_ADD)
JIT_V_LANEWISE(v_f32x4_sub, F32X4_SUB)
JIT_V_LANEWISE(v_f32x4_mul, F32X4_MUL)
JIT_V_LANEWISE(v_f64x2_add, F64X2_ADD)
JIT_V_LANEWISE(v_f64x2_sub, F64X2_SUB)
JIT_V_LANEWISE(v_f64x2_mul, F64X2_MUL)
JIT_V_LANEWISE(v_and, V128_AND)
JIT_V_LANEWISE(v_or, V128_OR)
JIT_V_LANEWISE(v_xor, V128_XOR)
#undef JIT_V_LANEWISE


#undef S

/* ---- numeric helpers --------------------------------------------------------------- */

static inline float as_f32(uint64_t b) { float f; uint32_t u = (uint32_t)b; memcpy(&f, &u, 4); return f; }
static inline double as_f64(uint64_t b) { double f; memcpy(&f, &b, 8); return f; }
static inline uint64_t of_f32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t of_f64(double f) { uint64_t u; memcpy(&u, &f, 8); return u; }

uint64_t jit_f32_min(uint64_t a, uint64_t b) { return of_f32(f32_min(as_f32(a), as_f32(b))); }
uint64_t jit_f32_max(uint64_t a, uint64_t b) { return of_f32(f32_max(as_f32(a), as_f32(b))); }
uint64_t jit_f64_min(uint64_t a, uint64_t b) { return of_f64(f64_min(as_f64(a), as_f64(b))); }
uint64_t jit_f64_max(uint64_t a, uint64_t b) { return of_f64(f64_max(as_f64(a), as_f64(b))); }

/* mode: 0 ceil, 1 floor, 2 trunc, 3 nearest; a NaN comes back quieted */
uint64_t jit_f32_round(uint64_t a, uint64_t mode)
{
    float x = as_f32(a);
    if (x != x)
        return of_f32(x + x);
    switch (mode) {
    case 0: return of_f32(ceilf(x));
    case 1: return of_f32(floorf(x));
    case 2: return of_f32(truncf(x));
    default: return of_f32(rintf(x));
    }
}

uint64_t jit_f64_round(uint64_t a, uint64_t mode)
{
    double x = as_f64(a);
    if (x != x)
        return of_f64(x + x);
    switch (mode) {
    case 0: return of_f64(ceil(x));
    case 1: return of_f64(floor(x));
    case 2: return of_f64(trunc(x));
    default: return of_f64(rint(x));
    }
}

/* Saturating truncations: NaN gives 0, out-of-range values clamp. */
static int64_t sat_i32(double x)
{
    if (x != x) return 0;
    if (x <= -2147483648.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}
static uint64_t sat_u32(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
static int64_t sat_i64(double x)
{
    if (x != x) return 0;
    if (x < -9223372036854775808.0) return INT64_MIN;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)x;
}
static uint64_t sat_u64(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

/* The conversions generated code calls, by their internal opcode (ops.h):
 * saturating truncations and the unsigned 64-bit integer to float ones. */
uint64_t jit_convert(uint64_t a, uint64_t op)
{
    switch (op) {
    case OP_I32_TRUNC_SAT_F32_S: return (uint32_t)sat_i32(as_f32(a));
    case OP_I32_TRUNC_SAT_F32_U: return sat_u32(as_f32(a));
    case OP_I32_TRUNC_SAT_F64_S: return (uint32_t)sat_i32(as_f64(a));
    case OP_I32_TRUNC_SAT_F64_U: return sat_u32(as_f64(a));
    case OP_I64_TRUNC_SAT_F32_S: return (uint64_t)sat_i64(as_f32(a));
    case OP_I64_TRUNC_SAT_F32_U: return sat_u64(as_f32(a));
    case OP_I64_TRUNC_SAT_F64_S: return (uint64_t)sat_i64(as_f64(a));
    case OP_I64_TRUNC_SAT_F64_U: return sat_u64(as_f64(a));
    case OP_F32_CONVERT_I64_U: return of_f32((float)a);
    case OP_F64_CONVERT_I64_U: return of_f64((double)a);
    default: return 0;
    }
}

/* The trapping truncations: NaN is an invalid conversion, values outside the
 * target's range an overflow; in range, the saturating result is exact. */
jit_pair jit_trunc(uint64_t a, uint64_t op)
{
    bool is32 = op == OP_I32_TRUNC_F32_S || op == OP_I32_TRUNC_F32_U ||
                op == OP_I64_TRUNC_F32_S || op == OP_I64_TRUNC_F32_U;
    double x = is32 ? (double)as_f32(a) : as_f64(a);
    jit_pair r = {0, 0};
    bool ok;
    switch (op) {
    case OP_I32_TRUNC_F32_S: case OP_I32_TRUNC_F64_S:
        ok = x > -2147483649.0 && x < 2147483648.0;
        r.value = (uint32_t)sat_i32(x);
        break;
    case OP_I32_TRUNC_F32_U: case OP_I32_TRUNC_F64_U:
        ok = x > -1.0 && x < 4294967296.0;
        r.value = sat_u32(x);
        break;
    case OP_I64_TRUNC_F32_S: case OP_I64_TRUNC_F64_S:
        ok = x >= -9223372036854775808.0 && x < 9223372036854775808.0;
        r.value = (uint64_t)sat_i64(x);
        break;
    default:
        ok = x > -1.0 && x < 18446744073709551616.0;
        r.value = sat_u64(x);
        break;
    }
    if (x != x)
        r.trap = WASM_TRAP_INVALID_CONVERSION;
    else if (!ok)
        r.trap = WASM_TRAP_INT_OVERFLOW;
    return r;
}
