/* Differential test of the compiler's peephole fusion, and of the JIT tier
 * against the interpreter, on random programs.
 *
 * Generates valid modules (deterministic seeds) rich in the patterns the
 * compiler fuses: loads and stores at computed addresses, x op= mem[a],
 * arithmetic with constants, compare-and-branch, counted loops, local.tee,
 * calls. Each module is compiled with and without fusion, by the JIT, and
 * tiered (interpreter first, machine code after a few calls: mixed tiers);
 * all four run with the same fuel and must give the same result or trap (and
 * trap message), the same fuel left, the same memory and the same globals.
 *
 *   gen_diff [COUNT [FIRST_SEED]]     (default 3000 modules from seed 1)
 *   gen_diff -dump SEED > x.wasm      (writes one module, for debugging) */
#include "check.h"
#include "wasm_buf.h"
#include "engine/internal.h" /* reads memory and globals of the instance directly */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random ----------------------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? (uint32_t)(rng % n) : 0;
}

static bool chance(uint32_t percent) { return rnd(100) < percent; }

/* ---- program generation ------------------------------------------------------- */

enum { T_I32, T_I64, T_F32, T_F64 };

/* locals of "run": 0..2 i32, 3 = address register, 4..5 i64, 6..7 f32,
 * 8..9 f64, 10 = loop counter */
static const uint32_t first_local[] = {0, 4, 6, 8};
static const uint32_t num_locals[] = {3, 2, 2, 2};
enum { LOCAL_COUNTER = 10, LOCAL_ADDR = 3 };

static int depth;
/* How often a float constant is a NaN with a payload: most modules rarely,
 * some often, so that operations meet two NaNs (whose payload must be the
 * first operand's in every tier and build; see src/engine/fp_order.h). */
static uint32_t nan_percent;

static void gen_expr(buf *b, int t);

static void gen_const(buf *b, int t)
{
    static const int32_t small[] = {0, 1, 2, 3, 4, 7, 8, 16, -1, -2, 255, 1024, 65535, 0x7fffffff,
                                    (int32_t)0x80000000};
    switch (t) {
    case T_I32:
        put(b, 0x41);
        put_s64(b, chance(70) ? small[rnd(15)] : (int32_t)rnd(0xffffffffu));
        break;
    case T_I64:
        put(b, 0x42);
        put_s64(b, chance(70) ? small[rnd(15)] : (int64_t)(((uint64_t)rnd(0xffffffffu) << 32) | rnd(0xffffffffu)));
        break;
    case T_F32: {
        static const float fs[] = {0.0f, -0.0f, 1.0f, -1.5f, 0.5f, 3e38f, 1e-40f};
        float f = fs[rnd(7)];
        uint32_t bits;
        memcpy(&bits, &f, 4);
        if (chance(nan_percent))
            bits = 0x7fa00000 | rnd(0x1fffff); /* a NaN with payload */
        put(b, 0x43);
        put_bytes(b, &bits, 4);
        break;
    }
    case T_F64: {
        static const double fs[] = {0.0, -0.0, 1.0, -2.25, 0.1, 1e300, 5e-324};
        double f = fs[rnd(7)];
        uint64_t bits;
        memcpy(&bits, &f, 8);
        if (chance(nan_percent))
            bits = 0x7ff4000000000000ull | rnd(0xffffff);
        put(b, 0x44);
        put_bytes(b, &bits, 8);
        break;
    }
    }
}

static void local_get(buf *b, int t)
{
    put(b, 0x20);
    put_u32(b, first_local[t] + rnd(num_locals[t]));
}

/* An address, usually in bounds of the 1-page memory: patterns the compiler
 * fuses (base + index, base + (index << 2), a local) and occasional wild ones. */
static void gen_addr(buf *b)
{
    switch (rnd(6)) {
    case 0: /* local address register */
        put(b, 0x20), put_u32(b, LOCAL_ADDR);
        break;
    case 1: /* (a & mask) + (i << 2) */
        gen_expr(b, T_I32);
        put(b, 0x41), put_s64(b, 0x3ff0);
        put(b, 0x71);
        local_get(b, T_I32);
        put(b, 0x41), put_s64(b, 0xff);
        put(b, 0x71);
        put(b, 0x41), put_s64(b, 2);
        put(b, 0x74);
        put(b, 0x6a);
        break;
    case 2: /* a + const */
        put(b, 0x20), put_u32(b, LOCAL_ADDR);
        put(b, 0x41), put_s64(b, (int32_t)rnd(4096));
        put(b, 0x6a);
        break;
    case 3: /* masked expression */
        gen_expr(b, T_I32);
        put(b, 0x41), put_s64(b, 0x7ff8);
        put(b, 0x71);
        break;
    case 4: /* constant */
        put(b, 0x41), put_s64(b, chance(95) ? (int32_t)rnd(65528) : (int32_t)(65530 + rnd(10)));
        break;
    default: /* anything (rarely): may trap out of bounds, or wrap in the add */
        if (chance(93)) {
            put(b, 0x20), put_u32(b, LOCAL_ADDR);
            break;
        }
        gen_expr(b, T_I32);
        local_get(b, T_I32);
        put(b, 0x6a);
        break;
    }
}

static uint32_t gen_memarg(buf *b, uint32_t max_align)
{
    uint32_t off = chance(60) ? 0 : rnd(64);
    put_u32(b, rnd(max_align + 1));
    put_u32(b, off);
    return off;
}

static void gen_load(buf *b, int t)
{
    static const uint8_t i32_loads[] = {0x28, 0x2c, 0x2d, 0x2e, 0x2f};
    static const uint8_t i32_align[] = {2, 0, 0, 1, 1};
    static const uint8_t i64_loads[] = {0x29, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35};
    static const uint8_t i64_align[] = {3, 0, 0, 1, 1, 2, 2};
    gen_addr(b);
    switch (t) {
    case T_I32: {
        uint32_t k = chance(60) ? 0 : rnd(5);
        put(b, i32_loads[k]);
        gen_memarg(b, i32_align[k]);
        break;
    }
    case T_I64: {
        uint32_t k = chance(60) ? 0 : rnd(7);
        put(b, i64_loads[k]);
        gen_memarg(b, i64_align[k]);
        break;
    }
    case T_F32: put(b, 0x2a); gen_memarg(b, 2); break;
    case T_F64: put(b, 0x2b); gen_memarg(b, 3); break;
    }
}

/* binary operators per type (opcode), and which may trap */
static const uint8_t bin_i32[] = {0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78};
static const uint8_t bin_i64[] = {0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a};
static const uint8_t bin_f32[] = {0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98};
static const uint8_t bin_f64[] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6};
static const uint8_t cmp_base[] = {0x46, 0x51, 0x5b, 0x61}; /* eq of i32 i64 f32 f64 */
static const uint8_t cmp_count[] = {10, 10, 6, 6};

static void gen_binop(buf *b, int t)
{
    /* favour the fused ones: add, sub, mul, and, or, xor */
    switch (t) {
    case T_I32: put(b, chance(60) ? bin_i32[rnd(3)] : chance(70) ? bin_i32[7 + rnd(8)] : bin_i32[rnd(15)]); break;
    case T_I64: put(b, chance(60) ? bin_i64[rnd(3)] : chance(70) ? bin_i64[7 + rnd(8)] : bin_i64[rnd(15)]); break;
    case T_F32: put(b, chance(70) ? bin_f32[rnd(3)] : bin_f32[rnd(7)]); break;
    case T_F64: put(b, chance(70) ? bin_f64[rnd(3)] : bin_f64[rnd(7)]); break;
    }
}

static void gen_expr(buf *b, int t)
{
    depth++;
    uint32_t choice = depth > 5 ? rnd(3) : rnd(12);
    switch (choice) {
    case 0:
        gen_const(b, t);
        break;
    case 1: case 2:
        local_get(b, t);
        break;
    case 3: case 4: /* binary op, often with a load or a constant operand */
        if (t == T_F64 && chance(15)) {
            /* x + a*b or a*b + x (F64_MUL_ADD, _R) */
            bool product_first = chance(50);
            if (!product_first)
                gen_expr(b, t);
            gen_expr(b, t);
            chance(50) ? local_get(b, t) : gen_expr(b, t);
            put(b, 0xa2);
            if (product_first)
                gen_expr(b, t);
            put(b, 0xa0);
            break;
        }
        if (t == T_F64 && chance(15)) {
            /* x + mem[..] + mem[..]: a sum of neighbours (F64_ADD2_MA) */
            gen_expr(b, t);
            for (int k = 0; k < 2; k++) {
                gen_addr(b);
                put(b, 0x2b), put_u32(b, 3), put_u32(b, chance(60) ? 0 : rnd(64));
                put(b, 0xa0);
            }
            break;
        }
        if (chance(30)) {
            gen_load(b, t);
            gen_expr(b, t);
        } else {
            gen_expr(b, t);
            if (chance(40))
                gen_load(b, t);
            else if (chance(40))
                gen_const(b, t);
            else
                gen_expr(b, t);
        }
        gen_binop(b, t);
        break;
    case 5:
        gen_load(b, t);
        break;
    case 6: { /* comparison producing i32, then converted */
        int ct = (int)rnd(4);
        gen_expr(b, ct);
        if (chance(50))
            gen_const(b, ct);
        else
            gen_expr(b, ct);
        put(b, (uint8_t)(cmp_base[ct] + rnd(cmp_count[ct])));
        if (t == T_I64)
            put(b, 0xad);
        else if (t == T_F32)
            put(b, 0xb2);
        else if (t == T_F64)
            put(b, 0xb7);
        break;
    }
    case 7: /* select */
        gen_expr(b, t);
        gen_expr(b, t);
        gen_expr(b, T_I32);
        put(b, 0x1b);
        break;
    case 8: /* local.tee */
        gen_expr(b, t);
        put(b, 0x22);
        put_u32(b, first_local[t] + rnd(num_locals[t]));
        break;
    case 9: /* conversions */
        switch (t) {
        case T_I32: gen_expr(b, T_I64); put(b, 0xa7); break;
        case T_I64: gen_expr(b, T_I32); put(b, chance(50) ? 0xac : 0xad); break;
        case T_F32: gen_expr(b, T_F64); put(b, 0xb6); break;
        case T_F64: gen_expr(b, T_I32); put(b, 0xb7); break;
        }
        break;
    case 10: /* call the helper (i32 i32) -> i32 */
        gen_expr(b, T_I32);
        gen_expr(b, T_I32);
        put(b, 0x10), put_u32(b, 1);
        if (t != T_I32)
            put(b, t == T_I64 ? 0xac : t == T_F32 ? 0xb2 : 0xb7);
        break;
    default: /* unary */
        gen_expr(b, t);
        switch (t) {
        case T_I32: put(b, (uint8_t)(chance(50) ? 0x45 : 0x67 + rnd(3))); break;
        case T_I64: put(b, (uint8_t)(0x79 + rnd(3))); break;
        case T_F32: put(b, (uint8_t)(0x8b + rnd(7))); break;
        case T_F64: put(b, (uint8_t)(0x99 + rnd(7))); break;
        }
        break;
    }
    depth--;
}

/* mem[ADDR+off] += k * mem[x+off2] for the addresses just computed
 * (gemm's inner loop): F64_MULADD_RMW fused with the adds before it. */
static void gen_muladd_at(buf *b, uint32_t x)
{
    uint32_t off = chance(60) ? 0 : 8 * rnd(8);
    put(b, 0x20), put_u32(b, LOCAL_ADDR);
    chance(70) ? local_get(b, T_F64) : gen_expr(b, T_F64);
    put(b, 0x20), put_u32(b, x);
    put(b, 0x2b), put_u32(b, 3), put_u32(b, chance(60) ? 0 : 8 * rnd(8));
    put(b, 0xa2);
    put(b, 0x20), put_u32(b, LOCAL_ADDR);
    put(b, 0x2b), put_u32(b, 3), put_u32(b, off);
    put(b, 0xa0);
    put(b, 0x39), put_u32(b, 3), put_u32(b, off);
}

/* ADDR = i + j; x = i + m (two adds in a row: I32_ADD2), the muladd, then
 * ADDR += 8 (I32_ADD_I) and another muladd: the i32 locals are masked first
 * so the addresses stay mostly in bounds. */
static void gen_muladd_rows(buf *b)
{
    for (uint32_t l = 0; l < 3; l++) {
        put(b, 0x20), put_u32(b, l);
        put(b, 0x41), put_s64(b, chance(95) ? 0x1ff8 : 0x7fffffff);
        put(b, 0x71);
        put(b, 0x21), put_u32(b, l);
    }
    uint32_t x = rnd(3), i = rnd(3), j = rnd(3), m = rnd(3);
    put(b, 0x20), put_u32(b, i), put(b, 0x20), put_u32(b, j), put(b, 0x6a);
    put(b, 0x21), put_u32(b, LOCAL_ADDR);
    put(b, 0x20), put_u32(b, chance(80) ? i : LOCAL_ADDR), put(b, 0x20), put_u32(b, m), put(b, 0x6a);
    put(b, 0x21), put_u32(b, x);
    if (chance(40)) { /* mem[ADDR] = a + mem[x + j + off] (I32_ADD2_F64_ADD_MA) */
        put(b, 0x20), put_u32(b, LOCAL_ADDR);
        chance(70) ? local_get(b, T_F64) : gen_expr(b, T_F64);
        put(b, 0x20), put_u32(b, chance(80) ? x : rnd(3));
        put(b, 0x20), put_u32(b, rnd(3)), put(b, 0x6a);
        put(b, 0x2b), put_u32(b, 3), put_u32(b, chance(60) ? 0 : 8 * rnd(8));
        if (chance(50)) /* kept in a local too (F64_LDA_ADD) */
            put(b, 0x22), put_u32(b, first_local[T_F64] + rnd(num_locals[T_F64]));
        put(b, 0xa0);
        if (chance(50)) { /* (.. + mem[..] + mem[..]) * k (F64_ADD2_MA_MUL_ST) */
            for (int n = 0; n < 2; n++) {
                put(b, 0x20), put_u32(b, chance(80) ? x : rnd(3));
                put(b, 0x20), put_u32(b, rnd(3)), put(b, 0x6a);
                put(b, 0x2b), put_u32(b, 3), put_u32(b, 8 * rnd(4));
                put(b, 0xa0);
            }
            chance(50) ? local_get(b, T_F64) : gen_const(b, T_F64);
            put(b, 0xa2);
        }
        put(b, 0x39), put_u32(b, 3), put_u32(b, 0);
        return;
    }
    gen_muladd_at(b, x);
    if (chance(70)) {
        put(b, 0x20), put_u32(b, LOCAL_ADDR);
        put(b, 0x41), put_s64(b, chance(80) ? 8 : (int32_t)rnd(70000));
        put(b, 0x6a);
        put(b, 0x21), put_u32(b, LOCAL_ADDR);
        gen_muladd_at(b, chance(80) ? x : rnd(3));
    }
}

static void gen_store(buf *b)
{
    if (chance(8)) {
        gen_muladd_rows(b);
        return;
    }
    int t = (int)rnd(4);
    if (chance(30) && t != T_F32) {
        /* mem[a+off] = x op mem[a+off], with a in a local: read-modify-write */
        uint32_t off = chance(60) ? 0 : rnd(64);
        uint8_t ld = t == T_I32 ? 0x28 : t == T_I64 ? 0x29 : 0x2b;
        uint8_t st = t == T_I32 ? 0x36 : t == T_I64 ? 0x37 : 0x39;
        uint32_t al = t == T_I32 ? 2 : 3;
        put(b, 0x20), put_u32(b, LOCAL_ADDR);
        bool muladd = t == T_F64 && chance(40);
        if (muladd) { /* c[j] += k * b[j]: F64_MULADD_RMW */
            chance(50) ? local_get(b, t) : gen_expr(b, t);
            if (chance(50)) { /* the other factor from memory, or a register */
                gen_addr(b);
                put(b, 0x2b), put_u32(b, 3), put_u32(b, chance(60) ? 0 : rnd(64));
            } else {
                local_get(b, t);
            }
            put(b, 0xa2);
        } else {
            gen_expr(b, t);
        }
        put(b, 0x20), put_u32(b, LOCAL_ADDR);
        put(b, ld), put_u32(b, al), put_u32(b, off);
        if (muladd)
            put(b, 0xa0);
        else
            gen_binop(b, t);
        put(b, st), put_u32(b, al), put_u32(b, off);
        return;
    }
    gen_addr(b);
    if (chance(50))
        chance(50) ? gen_const(b, t) : local_get(b, t);
    else
        gen_expr(b, t);
    switch (t) {
    case T_I32: {
        static const uint8_t ops[] = {0x36, 0x3a, 0x3b};
        static const uint8_t al[] = {2, 0, 1};
        uint32_t k = rnd(3);
        put(b, ops[k]);
        gen_memarg(b, al[k]);
        break;
    }
    case T_I64: {
        static const uint8_t ops[] = {0x37, 0x3c, 0x3d, 0x3e};
        static const uint8_t al[] = {3, 0, 1, 2};
        uint32_t k = rnd(4);
        put(b, ops[k]);
        gen_memarg(b, al[k]);
        break;
    }
    case T_F32: put(b, 0x38); gen_memarg(b, 2); break;
    case T_F64: put(b, 0x39); gen_memarg(b, 3); break;
    }
}

static void gen_stmts(buf *b, int n, int nest);

static void gen_stmt(buf *b, int nest)
{
    switch (rnd(nest < 3 ? 9 : 6)) {
    case 0: case 1: { /* local.set */
        int t = (int)rnd(4);
        gen_expr(b, t);
        put(b, 0x21);
        put_u32(b, first_local[t] + rnd(num_locals[t]));
        break;
    }
    case 2: case 3:
        gen_store(b);
        break;
    case 4: /* globals */
        if (chance(50)) {
            gen_expr(b, T_I32);
            put(b, 0x24), put_u32(b, 0);
        } else {
            put(b, 0x23), put_u32(b, 1);
            gen_expr(b, T_I64);
            put(b, 0x7c);
            put(b, 0x24), put_u32(b, 1);
        }
        break;
    case 5: /* address register */
        gen_expr(b, T_I32);
        put(b, 0x41), put_s64(b, 0x7ff0);
        put(b, 0x71);
        put(b, 0x21), put_u32(b, LOCAL_ADDR);
        break;
    case 6: { /* counted loop: i32 or i64 counter, various closing tests */
        bool wide = chance(30);
        uint32_t counter = wide ? 4 : LOCAL_COUNTER;
        uint32_t limit = 1 + rnd(12);
        put(b, wide ? 0x42 : 0x41), put_s64(b, 0);
        put(b, 0x21), put_u32(b, counter);
        put(b, 0x02), put(b, 0x40); /* block */
        put(b, 0x03), put(b, 0x40); /* loop */
        gen_stmts(b, 1 + (int)rnd(3), nest + 1);
        put(b, 0x20), put_u32(b, counter);
        put(b, wide ? 0x42 : 0x41), put_s64(b, chance(80) ? 1 : 2);
        put(b, wide ? 0x7c : 0x6a);
        put(b, 0x22), put_u32(b, counter);
        if (chance(50)) {
            put(b, wide ? 0x42 : 0x41), put_s64(b, limit);
        } else { /* the limit in a local, sometimes on the left */
            put(b, wide ? 0x42 : 0x41), put_s64(b, limit);
            put(b, 0x21), put_u32(b, wide ? 5 : 2);
            put(b, 0x20), put_u32(b, wide ? 5 : 2);
        }
        if (wide)
            put(b, (uint8_t)(chance(50) ? 0x53 : 0x52)); /* lt_s, ne */
        else
            put(b, (uint8_t)(chance(34) ? 0x48 : chance(50) ? 0x49 : 0x47)); /* lt_s lt_u ne */
        put(b, 0x0d), put_u32(b, 0); /* br_if loop */
        put(b, 0x0b), put(b, 0x0b);
        break;
    }
    case 7: /* if / else on a comparison */
        gen_expr(b, T_I32);
        if (chance(60)) {
            gen_const(b, T_I32);
            put(b, (uint8_t)(0x46 + rnd(10)));
        }
        put(b, 0x04), put(b, 0x40);
        gen_stmts(b, 1 + (int)rnd(2), nest + 1);
        if (chance(50)) {
            put(b, 0x05);
            gen_stmts(b, 1 + (int)rnd(2), nest + 1);
        }
        put(b, 0x0b);
        break;
    default: /* block with a conditional early exit */
        put(b, 0x02), put(b, 0x40);
        gen_stmts(b, 1, nest + 1);
        gen_expr(b, T_I32);
        put(b, 0x0d), put_u32(b, 0);
        gen_stmts(b, 1, nest + 1);
        put(b, 0x0b);
        break;
    }
}

static void gen_stmts(buf *b, int n, int nest)
{
    for (int i = 0; i < n; i++)
        gen_stmt(b, nest);
}

static void gen_module(buf *out, uint64_t seed)
{
    rng = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < 8; i++)
        rnd(1);
    nan_percent = chance(25) ? 40 : 5;
    buf s = {0}, body = {0};
    static const uint8_t magic[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    put_bytes(out, magic, 8);
    /* types: 0 = () -> i64, 1 = (i32 i32) -> i32 */
    put_u32(&s, 2);
    put(&s, 0x60), put_u32(&s, 0), put_u32(&s, 1), put(&s, 0x7e);
    put(&s, 0x60), put_u32(&s, 2), put(&s, 0x7f), put(&s, 0x7f), put_u32(&s, 1), put(&s, 0x7f);
    put_section(out, 1, &s);
    put_u32(&s, 2), put_u32(&s, 0), put_u32(&s, 1);
    put_section(out, 3, &s);
    put_u32(&s, 1), put(&s, 0), put_u32(&s, 1); /* memory 1 */
    put_section(out, 5, &s);
    put_u32(&s, 2);
    put(&s, 0x7f), put(&s, 1), put(&s, 0x41), put_s64(&s, 7), put(&s, 0x0b);
    put(&s, 0x7e), put(&s, 1), put(&s, 0x42), put_s64(&s, -3), put(&s, 0x0b);
    put_section(out, 6, &s);
    put_u32(&s, 1), put_u32(&s, 3), put_bytes(&s, "run", 3), put(&s, 0), put_u32(&s, 0);
    put_section(out, 7, &s);

    /* code: run, then helper */
    put_u32(&s, 2);
    put_u32(&body, 5); /* local groups */
    put_u32(&body, 4), put(&body, 0x7f);
    put_u32(&body, 2), put(&body, 0x7e);
    put_u32(&body, 2), put(&body, 0x7d);
    put_u32(&body, 2), put(&body, 0x7c);
    put_u32(&body, 1), put(&body, 0x7f);
    depth = 0;
    gen_stmts(&body, 3 + (int)rnd(10), 0);
    /* result: mix of all locals */
    put(&body, 0x42), put_s64(&body, 0);
    for (int t = 0; t < 4; t++)
        for (uint32_t i = 0; i < num_locals[t]; i++) {
            put(&body, 0x20), put_u32(&body, first_local[t] + i);
            if (t == T_I32)
                put(&body, 0xad);
            else if (t == T_F32)
                put(&body, 0xbc), put(&body, 0xad);
            else if (t == T_F64)
                put(&body, 0xbd);
            put(&body, 0x85); /* i64.xor */
            put(&body, 0x42), put_s64(&body, 31);
            put(&body, 0x89); /* i64.rotl */
        }
    put(&body, 0x0b);
    put_u32(&s, (uint32_t)body.n), put_bytes(&s, body.p, body.n);
    body.n = 0;
    /* helper(a, b) = a * 3 + (b ^ mem[a & 0xff0]) */
    static const uint8_t helper[] = {0x00, 0x20, 0x00, 0x41, 0x03, 0x6c, 0x20, 0x01, 0x20, 0x00,
                                     0x41, 0xf0, 0x1f, 0x71, 0x28, 0x02, 0x00, 0x73, 0x6a, 0x0b};
    put_u32(&s, sizeof helper), put_bytes(&s, helper, sizeof helper);
    put_section(out, 10, &s);
    /* data: some bytes at 0 */
    put_u32(&s, 1), put(&s, 0), put(&s, 0x41), put_s64(&s, 0), put(&s, 0x0b), put_u32(&s, 64);
    for (int i = 0; i < 64; i++)
        put(&s, (uint8_t)rnd(256));
    put_section(out, 11, &s);
    free(s.p);
    free(body.p);
}

/* ---- running ------------------------------------------------------------------ */

typedef struct outcome {
    wasm_status status;
    wasm_trap_kind trap;
    uint64_t result;
    uint64_t fuel_left;
    uint8_t *mem;
    uint64_t g0, g1;
    char message[sizeof ((wasm_error *)0)->message]; /* of a trap: where, by byte offset */
} outcome;

static bool run_once(const buf *mod, wasm_module_options options, outcome *o, char *why,
                     size_t why_len)
{
    memset(o, 0, sizeof *o);
    wasm_error err;
    wasm_module *m = wasm_module_new_with(mod->p, mod->n, &options, &err);
    if (!m) {
        snprintf(why, why_len, "generated module does not load: %s", err.message);
        return false;
    }
    if (options.tier == WASM_TIER_JIT) { /* eager: every generated function is machine code */
        uint32_t compiled, functions;
        wasm_module_jit_counts(m, &compiled, &functions);
        check_record(compiled == functions && functions > 0, __FILE__, __LINE__,
                     "the JIT compiles every generated function");
    }
    wasm_store *s = wasm_store_new(NULL);
    wasm_store_set_fuel(s, 200000);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, 0, &err);
    if (!inst) {
        snprintf(why, why_len, "instantiate: %s", err.message);
        wasm_store_free(s);
        wasm_module_free(m);
        return false;
    }
    wasm_extern ex;
    wasm_instance_export(inst, "run", &ex);
    wasm_value res;
    o->status = wasm_call(s, ex.of.func, NULL, 0, &res, 1, &err);
    o->trap = err.trap;
    if (o->status != WASM_OK)
        memcpy(o->message, err.message, sizeof o->message);
    o->result = o->status == WASM_OK ? res.of.i64 : 0;
    o->fuel_left = wasm_store_fuel_remaining(s);
    o->mem = malloc(WASM_PAGE_SIZE);
    memcpy(o->mem, inst->mem0->data, WASM_PAGE_SIZE);
    o->g0 = inst->globals[0]->val[0].i32;
    o->g1 = inst->globals[1]->val[0].i64;
    wasm_store_free(s);
    wasm_module_free(m);
    return true;
}

/* with_message: the trap messages too (their byte offsets name a fused
 * instruction's first wasm instruction: they differ between fused and plain
 * code, never between the plain interpreter and machine code) */
static bool same_outcome(const outcome *a, const outcome *b, bool with_message)
{
    return a->status == b->status && a->trap == b->trap && a->result == b->result &&
           a->fuel_left == b->fuel_left && a->g0 == b->g0 && a->g1 == b->g1 &&
           (!with_message || !strcmp(a->message, b->message)) && memcmp(a->mem, b->mem, WASM_PAGE_SIZE) == 0;
}

static void report(uint64_t seed, const char *what, const outcome *a, const outcome *b)
{
    printf("seed %llu: %s differ: status %d/%d trap %d/%d result %llx/%llx fuel %llu/%llu%s\n"
           "  \"%s\" / \"%s\"\n",
           (unsigned long long)seed, what, a->status, b->status, a->trap, b->trap,
           (unsigned long long)a->result, (unsigned long long)b->result,
           (unsigned long long)a->fuel_left, (unsigned long long)b->fuel_left,
           memcmp(a->mem, b->mem, WASM_PAGE_SIZE) ? " (memory differs)" : "", a->message,
           b->message);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "-dump")) {
        buf mod = {0};
        gen_module(&mod, strtoull(argv[2], NULL, 0));
        fwrite(mod.p, 1, mod.n, stdout);
        free(mod.p);
        return 0;
    }
    uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 0) : 3000;
    uint64_t first = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    unsigned traps = 0, oks = 0, kinds[16] = {0};
    for (uint64_t seed = first; seed < first + count; seed++) {
        buf mod = {0};
        gen_module(&mod, seed);
        outcome a, b, c, d;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        memset(&c, 0, sizeof c);
        memset(&d, 0, sizeof d);
        char why[600];
        wasm_module_options fused = {.tier = WASM_TIER_INTERP},
                            plain = {.tier = WASM_TIER_INTERP, .no_fusion = true}, jit = {.tier = WASM_TIER_JIT,
                                                                          .compile = WASM_COMPILE_EAGER};
        /* tiered, compiling after 1-4 calls: every program mixes the tiers,
         * the interpreter calling machine code and back; odd seeds without
         * AVX encodings (the JIT run has them where the CPU does) */
        wasm_module_options tiered = {.tier = WASM_TIER_TIERED, .hot_calls = 1 + (uint32_t)(seed % 4),
                                      .baseline_isa = (seed & 1) != 0};
        bool ok = run_once(&mod, fused, &a, why, sizeof why) &&
                  run_once(&mod, plain, &b, why, sizeof why) && run_once(&mod, jit, &c, why, sizeof why) &&
                  run_once(&mod, tiered, &d, why, sizeof why);
        if (!ok) {
            printf("seed %llu: %s\n", (unsigned long long)seed, why);
            check_record(0, __FILE__, __LINE__, "generated module runs");
        } else {
            bool same = same_outcome(&a, &b, false);
            if (!same)
                report(seed, "fused and plain", &a, &b);
            check_record(same, __FILE__, __LINE__, "fused == plain");
            same = same_outcome(&b, &c, true);
            if (!same)
                report(seed, "interpreter and JIT", &b, &c);
            check_record(same, __FILE__, __LINE__, "interpreter == JIT");
            same = same_outcome(&b, &d, true);
            if (!same)
                report(seed, "interpreter and tiered", &b, &d);
            check_record(same, __FILE__, __LINE__, "interpreter == tiered");
            if (a.status == WASM_OK)
                oks++;
            else
                traps++, kinds[a.trap & 15]++;
        }
        free(a.mem); /* NULL unless that run got far enough */
        free(b.mem);
        free(c.mem);
        free(d.mem);
        free(mod.p);
    }
    printf("%u modules ran to the end, %u trapped (all four ways alike):", oks, traps);
    for (int k = 1; k < 16; k++)
        if (kinds[k])
            printf(" %s %u,", wasm_trap_message((wasm_trap_kind)k), kinds[k]);
    printf("\n");
    return check_summary();
}
