/* The 128-bit SIMD instructions (the v128 part of Wasm 2.0), lane by lane.
 *
 * Values are 16 bytes in two consecutive frame cells. The interpreter has one
 * handler per instruction shape (unary, binary, shift, ...) that calls into
 * here with the wasm opcode after 0xfd; all inputs are copied before the
 * output is written, since an output may overlap an input. GCC vector types
 * (a GNU extension, like computed goto in interp.c) express the lane-wise
 * operations; everything with a wasm-specific rule (NaNs, saturation,
 * rounding, shifts modulo the lane width) is written out per lane. */
#include "engine/simd.h"
#include "engine/fp_order.h"
#include "engine/opcodes.h"

#include <math.h>

typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int64_t i64x2 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));
typedef float f32x4 __attribute__((vector_size(16)));
typedef double f64x2 __attribute__((vector_size(16)));

typedef union v128 {
    i8x16 i8;
    u8x16 u8;
    i16x8 i16;
    u16x8 u16;
    i32x4 i32;
    u32x4 u32;
    i64x2 i64;
    u64x2 u64;
    f32x4 f32;
    f64x2 f64;
    uint8_t b[16];
} v128;

static inline v128 get(const void *p)
{
    v128 v;
    memcpy(&v, p, 16);
    return v;
}

static inline void put(void *p, v128 v) { memcpy(p, &v, 16); }

/* ---- scalar rules shared with the scalar instructions ------------------------ */

/* rounding: a NaN comes back quieted, as from any arithmetic */
static inline float round32(uint32_t op, float a)
{
    if (a != a)
        return a + a;
    switch (op) {
    case WOP_F32X4_CEIL: return ceilf(a);
    case WOP_F32X4_FLOOR: return floorf(a);
    case WOP_F32X4_TRUNC: return truncf(a);
    default: return rintf(a);
    }
}
static inline double round64(uint32_t op, double a)
{
    if (a != a)
        return a + a;
    switch (op) {
    case WOP_F64X2_CEIL: return ceil(a);
    case WOP_F64X2_FLOOR: return floor(a);
    case WOP_F64X2_TRUNC: return trunc(a);
    default: return rint(a);
    }
}

static inline int32_t sat_s32(double x)
{
    if (x != x) return 0;
    if (x <= -2147483648.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t sat_u32(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}

static inline int8_t sat_i8(int32_t x) { return (int8_t)(x < -128 ? -128 : x > 127 ? 127 : x); }
static inline uint8_t sat_u8(int32_t x) { return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x); }
static inline int16_t sat_i16(int32_t x) { return (int16_t)(x < -32768 ? -32768 : x > 32767 ? 32767 : x); }
static inline uint16_t sat_u16(int32_t x) { return (uint16_t)(x < 0 ? 0 : x > 65535 ? 65535 : x); }

/* ---- unary ---------------------------------------------------------------- */

void simd_unary(uint32_t op, void *dst, const void *src)
{
    v128 a = get(src), r;
    memset(&r, 0, sizeof r);
    int i;
    switch (op) {
    case WOP_V128_NOT: r.u64 = ~a.u64; break;
    case WOP_F32X4_DEMOTE_F64X2_ZERO: /* f32x4.demote_f64x2_zero */
        r.f32[0] = (float)a.f64[0];
        r.f32[1] = (float)a.f64[1];
        break;
    case WOP_F64X2_PROMOTE_LOW_F32X4: /* f64x2.promote_low_f32x4 */
        r.f64[0] = (double)a.f32[0];
        r.f64[1] = (double)a.f32[1];
        break;
    case WOP_I8X16_ABS: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)(a.i8[i] < 0 ? -(uint8_t)a.u8[i] : a.u8[i]); break;
    case WOP_I8X16_NEG: r.u8 = -a.u8; break;
    case WOP_I8X16_POPCNT: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)__builtin_popcount(a.u8[i]); break;
    case WOP_F32X4_CEIL: case WOP_F32X4_FLOOR: case WOP_F32X4_TRUNC: case WOP_F32X4_NEAREST:
        for (i = 0; i < 4; i++) r.f32[i] = round32(op, a.f32[i]);
        break;
    case WOP_F64X2_CEIL: case WOP_F64X2_FLOOR: case WOP_F64X2_TRUNC: case WOP_F64X2_NEAREST:
        for (i = 0; i < 2; i++) r.f64[i] = round64(op, a.f64[i]);
        break;
    case WOP_I16X8_EXTADD_PAIRWISE_I8X16_S: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]); break;
    case WOP_I16X8_EXTADD_PAIRWISE_I8X16_U: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]); break;
    case WOP_I32X4_EXTADD_PAIRWISE_I16X8_S: for (i = 0; i < 4; i++) r.i32[i] = a.i16[2 * i] + a.i16[2 * i + 1]; break;
    case WOP_I32X4_EXTADD_PAIRWISE_I16X8_U: for (i = 0; i < 4; i++) r.u32[i] = (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1]; break;
    case WOP_I16X8_ABS: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.i16[i] < 0 ? -(uint16_t)a.u16[i] : a.u16[i]); break;
    case WOP_I16X8_NEG: r.u16 = -a.u16; break;
    case WOP_I16X8_EXTEND_LOW_I8X16_S: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)a.i8[i]; break;
    case WOP_I16X8_EXTEND_HIGH_I8X16_S: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)a.i8[i + 8]; break;
    case WOP_I16X8_EXTEND_LOW_I8X16_U: for (i = 0; i < 8; i++) r.u16[i] = a.u8[i]; break;
    case WOP_I16X8_EXTEND_HIGH_I8X16_U: for (i = 0; i < 8; i++) r.u16[i] = a.u8[i + 8]; break;
    case WOP_I32X4_ABS: for (i = 0; i < 4; i++) r.u32[i] = a.i32[i] < 0 ? -a.u32[i] : a.u32[i]; break;
    case WOP_I32X4_NEG: r.u32 = -a.u32; break;
    case WOP_I32X4_EXTEND_LOW_I16X8_S: for (i = 0; i < 4; i++) r.i32[i] = a.i16[i]; break;
    case WOP_I32X4_EXTEND_HIGH_I16X8_S: for (i = 0; i < 4; i++) r.i32[i] = a.i16[i + 4]; break;
    case WOP_I32X4_EXTEND_LOW_I16X8_U: for (i = 0; i < 4; i++) r.u32[i] = a.u16[i]; break;
    case WOP_I32X4_EXTEND_HIGH_I16X8_U: for (i = 0; i < 4; i++) r.u32[i] = a.u16[i + 4]; break;
    case WOP_I64X2_ABS: for (i = 0; i < 2; i++) r.u64[i] = a.i64[i] < 0 ? -a.u64[i] : a.u64[i]; break;
    case WOP_I64X2_NEG: r.u64 = -a.u64; break;
    case WOP_I64X2_EXTEND_LOW_I32X4_S: for (i = 0; i < 2; i++) r.i64[i] = a.i32[i]; break;
    case WOP_I64X2_EXTEND_HIGH_I32X4_S: for (i = 0; i < 2; i++) r.i64[i] = a.i32[i + 2]; break;
    case WOP_I64X2_EXTEND_LOW_I32X4_U: for (i = 0; i < 2; i++) r.u64[i] = a.u32[i]; break;
    case WOP_I64X2_EXTEND_HIGH_I32X4_U: for (i = 0; i < 2; i++) r.u64[i] = a.u32[i + 2]; break;
    case WOP_F32X4_ABS: r.u32 = a.u32 & 0x7fffffffu; break;
    case WOP_F32X4_NEG: r.u32 = a.u32 ^ 0x80000000u; break;
    case WOP_F32X4_SQRT: for (i = 0; i < 4; i++) r.f32[i] = sqrtf(a.f32[i]); break;
    case WOP_F64X2_ABS: r.u64 = a.u64 & 0x7fffffffffffffffull; break;
    case WOP_F64X2_NEG: r.u64 = a.u64 ^ 0x8000000000000000ull; break;
    case WOP_F64X2_SQRT: for (i = 0; i < 2; i++) r.f64[i] = sqrt(a.f64[i]); break;
    case WOP_I32X4_TRUNC_SAT_F32X4_S: for (i = 0; i < 4; i++) r.i32[i] = sat_s32(a.f32[i]); break;
    case WOP_I32X4_TRUNC_SAT_F32X4_U: for (i = 0; i < 4; i++) r.u32[i] = sat_u32(a.f32[i]); break;
    case WOP_F32X4_CONVERT_I32X4_S: for (i = 0; i < 4; i++) r.f32[i] = (float)a.i32[i]; break;
    case WOP_F32X4_CONVERT_I32X4_U: for (i = 0; i < 4; i++) r.f32[i] = (float)a.u32[i]; break;
    case WOP_I32X4_TRUNC_SAT_F64X2_S_ZERO: for (i = 0; i < 2; i++) r.i32[i] = sat_s32(a.f64[i]); break;
    case WOP_I32X4_TRUNC_SAT_F64X2_U_ZERO: for (i = 0; i < 2; i++) r.u32[i] = sat_u32(a.f64[i]); break;
    case WOP_F64X2_CONVERT_LOW_I32X4_S: for (i = 0; i < 2; i++) r.f64[i] = (double)a.i32[i]; break;
    case WOP_F64X2_CONVERT_LOW_I32X4_U: for (i = 0; i < 2; i++) r.f64[i] = (double)a.u32[i]; break;
    default: break;
    }
    put(dst, r);
}

/* ---- binary --------------------------------------------------------------- */

void simd_binary(uint32_t op, void *dst, const void *x, const void *y)
{
    v128 a = get(x), b = get(y), r;
    memset(&r, 0, sizeof r);
    int i;
    switch (op) {
    case WOP_I8X16_SWIZZLE: for (i = 0; i < 16; i++) r.u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i]] : 0; break;
    /* comparisons: all ones or all zeros per lane */
    case WOP_I8X16_EQ: r.i8 = a.i8 == b.i8; break;
    case WOP_I8X16_NE: r.i8 = a.i8 != b.i8; break;
    case WOP_I8X16_LT_S: r.i8 = a.i8 < b.i8; break;
    case WOP_I8X16_LT_U: r.i8 = (i8x16)(a.u8 < b.u8); break;
    case WOP_I8X16_GT_S: r.i8 = a.i8 > b.i8; break;
    case WOP_I8X16_GT_U: r.i8 = (i8x16)(a.u8 > b.u8); break;
    case WOP_I8X16_LE_S: r.i8 = a.i8 <= b.i8; break;
    case WOP_I8X16_LE_U: r.i8 = (i8x16)(a.u8 <= b.u8); break;
    case WOP_I8X16_GE_S: r.i8 = a.i8 >= b.i8; break;
    case WOP_I8X16_GE_U: r.i8 = (i8x16)(a.u8 >= b.u8); break;
    case WOP_I16X8_EQ: r.i16 = a.i16 == b.i16; break;
    case WOP_I16X8_NE: r.i16 = a.i16 != b.i16; break;
    case WOP_I16X8_LT_S: r.i16 = a.i16 < b.i16; break;
    case WOP_I16X8_LT_U: r.i16 = (i16x8)(a.u16 < b.u16); break;
    case WOP_I16X8_GT_S: r.i16 = a.i16 > b.i16; break;
    case WOP_I16X8_GT_U: r.i16 = (i16x8)(a.u16 > b.u16); break;
    case WOP_I16X8_LE_S: r.i16 = a.i16 <= b.i16; break;
    case WOP_I16X8_LE_U: r.i16 = (i16x8)(a.u16 <= b.u16); break;
    case WOP_I16X8_GE_S: r.i16 = a.i16 >= b.i16; break;
    case WOP_I16X8_GE_U: r.i16 = (i16x8)(a.u16 >= b.u16); break;
    case WOP_I32X4_EQ: r.i32 = a.i32 == b.i32; break;
    case WOP_I32X4_NE: r.i32 = a.i32 != b.i32; break;
    case WOP_I32X4_LT_S: r.i32 = a.i32 < b.i32; break;
    case WOP_I32X4_LT_U: r.i32 = (i32x4)(a.u32 < b.u32); break;
    case WOP_I32X4_GT_S: r.i32 = a.i32 > b.i32; break;
    case WOP_I32X4_GT_U: r.i32 = (i32x4)(a.u32 > b.u32); break;
    case WOP_I32X4_LE_S: r.i32 = a.i32 <= b.i32; break;
    case WOP_I32X4_LE_U: r.i32 = (i32x4)(a.u32 <= b.u32); break;
    case WOP_I32X4_GE_S: r.i32 = a.i32 >= b.i32; break;
    case WOP_I32X4_GE_U: r.i32 = (i32x4)(a.u32 >= b.u32); break;
    case WOP_F32X4_EQ: r.i32 = a.f32 == b.f32; break;
    case WOP_F32X4_NE: r.i32 = a.f32 != b.f32; break;
    case WOP_F32X4_LT: r.i32 = a.f32 < b.f32; break;
    case WOP_F32X4_GT: r.i32 = a.f32 > b.f32; break;
    case WOP_F32X4_LE: r.i32 = a.f32 <= b.f32; break;
    case WOP_F32X4_GE: r.i32 = a.f32 >= b.f32; break;
    case WOP_F64X2_EQ: r.i64 = a.f64 == b.f64; break;
    case WOP_F64X2_NE: r.i64 = a.f64 != b.f64; break;
    case WOP_F64X2_LT: r.i64 = a.f64 < b.f64; break;
    case WOP_F64X2_GT: r.i64 = a.f64 > b.f64; break;
    case WOP_F64X2_LE: r.i64 = a.f64 <= b.f64; break;
    case WOP_F64X2_GE: r.i64 = a.f64 >= b.f64; break;
    case WOP_I64X2_EQ: r.i64 = a.i64 == b.i64; break;
    case WOP_I64X2_NE: r.i64 = a.i64 != b.i64; break;
    case WOP_I64X2_LT_S: r.i64 = a.i64 < b.i64; break;
    case WOP_I64X2_GT_S: r.i64 = a.i64 > b.i64; break;
    case WOP_I64X2_LE_S: r.i64 = a.i64 <= b.i64; break;
    case WOP_I64X2_GE_S: r.i64 = a.i64 >= b.i64; break;
    /* bitwise */
    case WOP_V128_AND: r.u64 = a.u64 & b.u64; break;
    case WOP_V128_ANDNOT: r.u64 = a.u64 & ~b.u64; break;
    case WOP_V128_OR: r.u64 = a.u64 | b.u64; break;
    case WOP_V128_XOR: r.u64 = a.u64 ^ b.u64; break;
    /* narrowing with saturation */
    case WOP_I8X16_NARROW_I16X8_S: for (i = 0; i < 8; i++) r.i8[i] = sat_i8(a.i16[i]), r.i8[i + 8] = sat_i8(b.i16[i]); break;
    case WOP_I8X16_NARROW_I16X8_U: for (i = 0; i < 8; i++) r.u8[i] = sat_u8(a.i16[i]), r.u8[i + 8] = sat_u8(b.i16[i]); break;
    case WOP_I16X8_NARROW_I32X4_S: for (i = 0; i < 4; i++) r.i16[i] = sat_i16(a.i32[i]), r.i16[i + 4] = sat_i16(b.i32[i]); break;
    case WOP_I16X8_NARROW_I32X4_U: for (i = 0; i < 4; i++) r.u16[i] = sat_u16(a.i32[i]), r.u16[i + 4] = sat_u16(b.i32[i]); break;
    /* i8x16 arithmetic */
    case WOP_I8X16_ADD: r.u8 = a.u8 + b.u8; break;
    case WOP_I8X16_ADD_SAT_S: for (i = 0; i < 16; i++) r.i8[i] = sat_i8(a.i8[i] + b.i8[i]); break;
    case WOP_I8X16_ADD_SAT_U: for (i = 0; i < 16; i++) r.u8[i] = sat_u8(a.u8[i] + b.u8[i]); break;
    case WOP_I8X16_SUB: r.u8 = a.u8 - b.u8; break;
    case WOP_I8X16_SUB_SAT_S: for (i = 0; i < 16; i++) r.i8[i] = sat_i8(a.i8[i] - b.i8[i]); break;
    case WOP_I8X16_SUB_SAT_U: for (i = 0; i < 16; i++) r.u8[i] = sat_u8(a.u8[i] - b.u8[i]); break;
    case WOP_I8X16_MIN_S: for (i = 0; i < 16; i++) r.i8[i] = a.i8[i] < b.i8[i] ? a.i8[i] : b.i8[i]; break;
    case WOP_I8X16_MIN_U: for (i = 0; i < 16; i++) r.u8[i] = a.u8[i] < b.u8[i] ? a.u8[i] : b.u8[i]; break;
    case WOP_I8X16_MAX_S: for (i = 0; i < 16; i++) r.i8[i] = a.i8[i] > b.i8[i] ? a.i8[i] : b.i8[i]; break;
    case WOP_I8X16_MAX_U: for (i = 0; i < 16; i++) r.u8[i] = a.u8[i] > b.u8[i] ? a.u8[i] : b.u8[i]; break;
    case WOP_I8X16_AVGR_U: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)((a.u8[i] + b.u8[i] + 1) >> 1); break;
    /* i16x8 arithmetic */
    case WOP_I16X8_Q15MULR_SAT_S: /* q15mulr_sat_s */
        for (i = 0; i < 8; i++)
            r.i16[i] = sat_i16((a.i16[i] * b.i16[i] + 0x4000) >> 15);
        break;
    case WOP_I16X8_ADD: r.u16 = a.u16 + b.u16; break;
    case WOP_I16X8_ADD_SAT_S: for (i = 0; i < 8; i++) r.i16[i] = sat_i16(a.i16[i] + b.i16[i]); break;
    case WOP_I16X8_ADD_SAT_U: for (i = 0; i < 8; i++) r.u16[i] = sat_u16(a.u16[i] + b.u16[i]); break;
    case WOP_I16X8_SUB: r.u16 = a.u16 - b.u16; break;
    case WOP_I16X8_SUB_SAT_S: for (i = 0; i < 8; i++) r.i16[i] = sat_i16(a.i16[i] - b.i16[i]); break;
    case WOP_I16X8_SUB_SAT_U: for (i = 0; i < 8; i++) r.u16[i] = sat_u16(a.u16[i] - b.u16[i]); break;
    case WOP_I16X8_MUL: r.u16 = a.u16 * b.u16; break;
    case WOP_I16X8_MIN_S: for (i = 0; i < 8; i++) r.i16[i] = a.i16[i] < b.i16[i] ? a.i16[i] : b.i16[i]; break;
    case WOP_I16X8_MIN_U: for (i = 0; i < 8; i++) r.u16[i] = a.u16[i] < b.u16[i] ? a.u16[i] : b.u16[i]; break;
    case WOP_I16X8_MAX_S: for (i = 0; i < 8; i++) r.i16[i] = a.i16[i] > b.i16[i] ? a.i16[i] : b.i16[i]; break;
    case WOP_I16X8_MAX_U: for (i = 0; i < 8; i++) r.u16[i] = a.u16[i] > b.u16[i] ? a.u16[i] : b.u16[i]; break;
    case WOP_I16X8_AVGR_U: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)((a.u16[i] + b.u16[i] + 1) >> 1); break;
    case WOP_I16X8_EXTMUL_LOW_I8X16_S: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i8[i] * b.i8[i]); break;
    case WOP_I16X8_EXTMUL_HIGH_I8X16_S: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i8[i + 8] * b.i8[i + 8]); break;
    case WOP_I16X8_EXTMUL_LOW_I8X16_U: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u8[i] * b.u8[i]); break;
    case WOP_I16X8_EXTMUL_HIGH_I8X16_U: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u8[i + 8] * b.u8[i + 8]); break;
    /* i32x4 arithmetic */
    case WOP_I32X4_ADD: r.u32 = a.u32 + b.u32; break;
    case WOP_I32X4_SUB: r.u32 = a.u32 - b.u32; break;
    case WOP_I32X4_MUL: r.u32 = a.u32 * b.u32; break;
    case WOP_I32X4_MIN_S: for (i = 0; i < 4; i++) r.i32[i] = a.i32[i] < b.i32[i] ? a.i32[i] : b.i32[i]; break;
    case WOP_I32X4_MIN_U: for (i = 0; i < 4; i++) r.u32[i] = a.u32[i] < b.u32[i] ? a.u32[i] : b.u32[i]; break;
    case WOP_I32X4_MAX_S: for (i = 0; i < 4; i++) r.i32[i] = a.i32[i] > b.i32[i] ? a.i32[i] : b.i32[i]; break;
    case WOP_I32X4_MAX_U: for (i = 0; i < 4; i++) r.u32[i] = a.u32[i] > b.u32[i] ? a.u32[i] : b.u32[i]; break;
    case WOP_I32X4_DOT_I16X8_S: /* dot_i16x8_s: the one overflow case wraps */
        for (i = 0; i < 4; i++)
            r.u32[i] = (uint32_t)(a.i16[2 * i] * b.i16[2 * i]) + (uint32_t)(a.i16[2 * i + 1] * b.i16[2 * i + 1]);
        break;
    case WOP_I32X4_EXTMUL_LOW_I16X8_S: for (i = 0; i < 4; i++) r.i32[i] = a.i16[i] * b.i16[i]; break;
    case WOP_I32X4_EXTMUL_HIGH_I16X8_S: for (i = 0; i < 4; i++) r.i32[i] = a.i16[i + 4] * b.i16[i + 4]; break;
    case WOP_I32X4_EXTMUL_LOW_I16X8_U: for (i = 0; i < 4; i++) r.u32[i] = (uint32_t)a.u16[i] * b.u16[i]; break;
    case WOP_I32X4_EXTMUL_HIGH_I16X8_U: for (i = 0; i < 4; i++) r.u32[i] = (uint32_t)a.u16[i + 4] * b.u16[i + 4]; break;
    /* i64x2 arithmetic */
    case WOP_I64X2_ADD: r.u64 = a.u64 + b.u64; break;
    case WOP_I64X2_SUB: r.u64 = a.u64 - b.u64; break;
    case WOP_I64X2_MUL: r.u64 = a.u64 * b.u64; break;
    case WOP_I64X2_EXTMUL_LOW_I32X4_S: for (i = 0; i < 2; i++) r.i64[i] = (int64_t)a.i32[i] * b.i32[i]; break;
    case WOP_I64X2_EXTMUL_HIGH_I32X4_S: for (i = 0; i < 2; i++) r.i64[i] = (int64_t)a.i32[i + 2] * b.i32[i + 2]; break;
    case WOP_I64X2_EXTMUL_LOW_I32X4_U: for (i = 0; i < 2; i++) r.u64[i] = (uint64_t)a.u32[i] * b.u32[i]; break;
    case WOP_I64X2_EXTMUL_HIGH_I32X4_U: for (i = 0; i < 2; i++) r.u64[i] = (uint64_t)a.u32[i + 2] * b.u32[i + 2]; break;
    /* floats */
    case WOP_F32X4_ADD: r.f32 = f32x4_add(a.f32, b.f32); break;
    case WOP_F32X4_SUB: r.f32 = a.f32 - b.f32; break;
    case WOP_F32X4_MUL: r.f32 = f32x4_mul(a.f32, b.f32); break;
    case WOP_F32X4_DIV: r.f32 = a.f32 / b.f32; break;
    case WOP_F32X4_MIN: for (i = 0; i < 4; i++) r.f32[i] = f32_min(a.f32[i], b.f32[i]); break;
    case WOP_F32X4_MAX: for (i = 0; i < 4; i++) r.f32[i] = f32_max(a.f32[i], b.f32[i]); break;
    case WOP_F32X4_PMIN: for (i = 0; i < 4; i++) r.f32[i] = b.f32[i] < a.f32[i] ? b.f32[i] : a.f32[i]; break;
    case WOP_F32X4_PMAX: for (i = 0; i < 4; i++) r.f32[i] = a.f32[i] < b.f32[i] ? b.f32[i] : a.f32[i]; break;
    case WOP_F64X2_ADD: r.f64 = f64x2_add(a.f64, b.f64); break;
    case WOP_F64X2_SUB: r.f64 = a.f64 - b.f64; break;
    case WOP_F64X2_MUL: r.f64 = f64x2_mul(a.f64, b.f64); break;
    case WOP_F64X2_DIV: r.f64 = a.f64 / b.f64; break;
    case WOP_F64X2_MIN: for (i = 0; i < 2; i++) r.f64[i] = f64_min(a.f64[i], b.f64[i]); break;
    case WOP_F64X2_MAX: for (i = 0; i < 2; i++) r.f64[i] = f64_max(a.f64[i], b.f64[i]); break;
    case WOP_F64X2_PMIN: for (i = 0; i < 2; i++) r.f64[i] = b.f64[i] < a.f64[i] ? b.f64[i] : a.f64[i]; break;
    case WOP_F64X2_PMAX: for (i = 0; i < 2; i++) r.f64[i] = a.f64[i] < b.f64[i] ? b.f64[i] : a.f64[i]; break;
    default: break;
    }
    put(dst, r);
}

void simd_bitselect(void *dst, const void *x, const void *y, const void *m)
{
    v128 a = get(x), b = get(y), c = get(m), r;
    r.u64 = (a.u64 & c.u64) | (b.u64 & ~c.u64);
    put(dst, r);
}

void simd_shuffle(void *dst, const void *x, const void *y, const uint8_t lanes[16])
{
    v128 a = get(x), b = get(y), r;
    for (int i = 0; i < 16; i++)
        r.u8[i] = lanes[i] < 16 ? a.u8[lanes[i]] : b.u8[lanes[i] - 16];
    put(dst, r);
}

/* ---- shifts, tests, lanes ---------------------------------------------------- */

void simd_shift(uint32_t op, void *dst, const void *src, uint32_t n)
{
    v128 a = get(src), r;
    int i;
    switch (op) {
    case WOP_I8X16_SHL: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)(a.u8[i] << (n & 7)); break;
    case WOP_I8X16_SHR_S: for (i = 0; i < 16; i++) r.i8[i] = (int8_t)(a.i8[i] >> (n & 7)); break;
    case WOP_I8X16_SHR_U: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)(a.u8[i] >> (n & 7)); break;
    case WOP_I16X8_SHL: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u16[i] << (n & 15)); break;
    case WOP_I16X8_SHR_S: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i16[i] >> (n & 15)); break;
    case WOP_I16X8_SHR_U: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u16[i] >> (n & 15)); break;
    case WOP_I32X4_SHL: for (i = 0; i < 4; i++) r.u32[i] = a.u32[i] << (n & 31); break;
    case WOP_I32X4_SHR_S: for (i = 0; i < 4; i++) r.i32[i] = a.i32[i] >> (n & 31); break;
    case WOP_I32X4_SHR_U: for (i = 0; i < 4; i++) r.u32[i] = a.u32[i] >> (n & 31); break;
    case WOP_I64X2_SHL: for (i = 0; i < 2; i++) r.u64[i] = a.u64[i] << (n & 63); break;
    case WOP_I64X2_SHR_S: for (i = 0; i < 2; i++) r.i64[i] = a.i64[i] >> (n & 63); break;
    default: for (i = 0; i < 2; i++) r.u64[i] = a.u64[i] >> (n & 63); break;
    }
    put(dst, r);
}

uint32_t simd_test(uint32_t op, const void *src)
{
    v128 a = get(src);
    uint32_t r = 0;
    int i;
    switch (op) {
    case WOP_V128_ANY_TRUE: return (a.u64[0] | a.u64[1]) != 0;
    case WOP_I8X16_ALL_TRUE: for (i = 0; i < 16; i++) if (!a.u8[i]) return 0; return 1;
    case WOP_I16X8_ALL_TRUE: for (i = 0; i < 8; i++) if (!a.u16[i]) return 0; return 1;
    case WOP_I32X4_ALL_TRUE: for (i = 0; i < 4; i++) if (!a.u32[i]) return 0; return 1;
    case WOP_I64X2_ALL_TRUE: for (i = 0; i < 2; i++) if (!a.u64[i]) return 0; return 1;
    case WOP_I8X16_BITMASK: for (i = 0; i < 16; i++) r |= (uint32_t)(a.u8[i] >> 7) << i; return r;
    case WOP_I16X8_BITMASK: for (i = 0; i < 8; i++) r |= (uint32_t)(a.u16[i] >> 15) << i; return r;
    case WOP_I32X4_BITMASK: for (i = 0; i < 4; i++) r |= (a.u32[i] >> 31) << i; return r;
    default: for (i = 0; i < 2; i++) r |= (uint32_t)(a.u64[i] >> 63) << i; return r;
    }
}

void simd_splat(uint32_t op, void *dst, uint64_t x)
{
    v128 r;
    int i;
    switch (op) {
    case WOP_I8X16_SPLAT: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)x; break;
    case WOP_I16X8_SPLAT: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)x; break;
    case WOP_I32X4_SPLAT: case WOP_F32X4_SPLAT: for (i = 0; i < 4; i++) r.u32[i] = (uint32_t)x; break;
    default: for (i = 0; i < 2; i++) r.u64[i] = x; break;
    }
    put(dst, r);
}

uint64_t simd_extract(uint32_t op, const void *src, uint32_t lane)
{
    v128 a = get(src);
    switch (op) {
    case WOP_I8X16_EXTRACT_LANE_S: return (uint32_t)(int32_t)a.i8[lane & 15];
    case WOP_I8X16_EXTRACT_LANE_U: return a.u8[lane & 15];
    case WOP_I16X8_EXTRACT_LANE_S: return (uint32_t)(int32_t)a.i16[lane & 7];
    case WOP_I16X8_EXTRACT_LANE_U: return a.u16[lane & 7];
    case WOP_I32X4_EXTRACT_LANE: case WOP_F32X4_EXTRACT_LANE: return a.u32[lane & 3];
    default: return a.u64[lane & 1];
    }
}

void simd_replace(uint32_t op, void *dst, const void *src, uint32_t lane, uint64_t x)
{
    v128 a = get(src);
    switch (op) {
    case WOP_I8X16_REPLACE_LANE: a.u8[lane & 15] = (uint8_t)x; break;
    case WOP_I16X8_REPLACE_LANE: a.u16[lane & 7] = (uint16_t)x; break;
    case WOP_I32X4_REPLACE_LANE: case WOP_F32X4_REPLACE_LANE: a.u32[lane & 3] = (uint32_t)x; break;
    default: a.u64[lane & 1] = x; break;
    }
    put(dst, a);
}

void simd_load(uint32_t op, void *dst, const uint8_t *mem, uint32_t bytes)
{
    v128 r;
    memset(&r, 0, sizeof r);
    uint8_t in[8];
    memcpy(in, mem, bytes < sizeof in ? bytes : sizeof in);
    int i;
    switch (op) {
    case WOP_V128_LOAD8X8_S: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(int8_t)in[i]; break;
    case WOP_V128_LOAD8X8_U: for (i = 0; i < 8; i++) r.u16[i] = in[i]; break;
    case WOP_V128_LOAD16X4_S: for (i = 0; i < 4; i++) { int16_t v; memcpy(&v, in + (size_t)2 * i, 2); r.i32[i] = v; } break;
    case WOP_V128_LOAD16X4_U: for (i = 0; i < 4; i++) { uint16_t v; memcpy(&v, in + (size_t)2 * i, 2); r.u32[i] = v; } break;
    case WOP_V128_LOAD32X2_S: for (i = 0; i < 2; i++) { int32_t v; memcpy(&v, in + (size_t)4 * i, 4); r.i64[i] = v; } break;
    case WOP_V128_LOAD32X2_U: for (i = 0; i < 2; i++) { uint32_t v; memcpy(&v, in + (size_t)4 * i, 4); r.u64[i] = v; } break;
    case WOP_V128_LOAD8_SPLAT: for (i = 0; i < 16; i++) r.u8[i] = in[0]; break;
    case WOP_V128_LOAD16_SPLAT: { uint16_t v; memcpy(&v, in, 2); for (i = 0; i < 8; i++) r.u16[i] = v; break; }
    case WOP_V128_LOAD32_SPLAT: { uint32_t v; memcpy(&v, in, 4); for (i = 0; i < 4; i++) r.u32[i] = v; break; }
    case WOP_V128_LOAD64_SPLAT: { uint64_t v; memcpy(&v, in, 8); r.u64[0] = r.u64[1] = v; break; }
    case WOP_V128_LOAD32_ZERO: memcpy(r.b, in, 4); break;
    default: memcpy(r.b, in, 8); break; /* 0x5d */
    }
    put(dst, r);
}
