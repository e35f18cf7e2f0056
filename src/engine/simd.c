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

static const uint8_t simd_kinds[256] = {
    [0x00] = SK_LOAD, [0x01] = SK_LOADX, [0x02] = SK_LOADX, [0x03] = SK_LOADX,
    [0x04] = SK_LOADX, [0x05] = SK_LOADX, [0x06] = SK_LOADX, [0x07] = SK_LOADX,
    [0x08] = SK_LOADX, [0x09] = SK_LOADX, [0x0a] = SK_LOADX, [0x0b] = SK_STORE,
    [0x0c] = SK_CONST, [0x0d] = SK_SHUFFLE, [0x0e] = SK_BIN, [0x0f] = SK_SPLAT,
    [0x10] = SK_SPLAT, [0x11] = SK_SPLAT, [0x12] = SK_SPLAT, [0x13] = SK_SPLAT,
    [0x14] = SK_SPLAT, [0x15] = SK_EXTRACT, [0x16] = SK_EXTRACT, [0x17] = SK_REPLACE,
    [0x18] = SK_EXTRACT, [0x19] = SK_EXTRACT, [0x1a] = SK_REPLACE, [0x1b] = SK_EXTRACT,
    [0x1c] = SK_REPLACE, [0x1d] = SK_EXTRACT, [0x1e] = SK_REPLACE, [0x1f] = SK_EXTRACT,
    [0x20] = SK_REPLACE, [0x21] = SK_EXTRACT, [0x22] = SK_REPLACE, [0x23] = SK_BIN,
    [0x24] = SK_BIN, [0x25] = SK_BIN, [0x26] = SK_BIN, [0x27] = SK_BIN, [0x28] = SK_BIN,
    [0x29] = SK_BIN, [0x2a] = SK_BIN, [0x2b] = SK_BIN, [0x2c] = SK_BIN, [0x2d] = SK_BIN,
    [0x2e] = SK_BIN, [0x2f] = SK_BIN, [0x30] = SK_BIN, [0x31] = SK_BIN, [0x32] = SK_BIN,
    [0x33] = SK_BIN, [0x34] = SK_BIN, [0x35] = SK_BIN, [0x36] = SK_BIN, [0x37] = SK_BIN,
    [0x38] = SK_BIN, [0x39] = SK_BIN, [0x3a] = SK_BIN, [0x3b] = SK_BIN, [0x3c] = SK_BIN,
    [0x3d] = SK_BIN, [0x3e] = SK_BIN, [0x3f] = SK_BIN, [0x40] = SK_BIN, [0x41] = SK_BIN,
    [0x42] = SK_BIN, [0x43] = SK_BIN, [0x44] = SK_BIN, [0x45] = SK_BIN, [0x46] = SK_BIN,
    [0x47] = SK_BIN, [0x48] = SK_BIN, [0x49] = SK_BIN, [0x4a] = SK_BIN, [0x4b] = SK_BIN,
    [0x4c] = SK_BIN, [0x4d] = SK_UN, [0x4e] = SK_BIN, [0x4f] = SK_BIN, [0x50] = SK_BIN,
    [0x51] = SK_BIN, [0x52] = SK_TER, [0x53] = SK_TEST, [0x54] = SK_LOADLANE,
    [0x55] = SK_LOADLANE, [0x56] = SK_LOADLANE, [0x57] = SK_LOADLANE, [0x58] = SK_STORELANE,
    [0x59] = SK_STORELANE, [0x5a] = SK_STORELANE, [0x5b] = SK_STORELANE, [0x5c] = SK_LOADX,
    [0x5d] = SK_LOADX, [0x5e] = SK_UN, [0x5f] = SK_UN, [0x60] = SK_UN, [0x61] = SK_UN,
    [0x62] = SK_UN, [0x63] = SK_TEST, [0x64] = SK_TEST, [0x65] = SK_BIN, [0x66] = SK_BIN,
    [0x67] = SK_UN, [0x68] = SK_UN, [0x69] = SK_UN, [0x6a] = SK_UN, [0x6b] = SK_SHIFT,
    [0x6c] = SK_SHIFT, [0x6d] = SK_SHIFT, [0x6e] = SK_BIN, [0x6f] = SK_BIN, [0x70] = SK_BIN,
    [0x71] = SK_BIN, [0x72] = SK_BIN, [0x73] = SK_BIN, [0x74] = SK_UN, [0x75] = SK_UN,
    [0x76] = SK_BIN, [0x77] = SK_BIN, [0x78] = SK_BIN, [0x79] = SK_BIN, [0x7a] = SK_UN,
    [0x7b] = SK_BIN, [0x7c] = SK_UN, [0x7d] = SK_UN, [0x7e] = SK_UN, [0x7f] = SK_UN,
    [0x80] = SK_UN, [0x81] = SK_UN, [0x82] = SK_BIN, [0x83] = SK_TEST, [0x84] = SK_TEST,
    [0x85] = SK_BIN, [0x86] = SK_BIN, [0x87] = SK_UN, [0x88] = SK_UN, [0x89] = SK_UN,
    [0x8a] = SK_UN, [0x8b] = SK_SHIFT, [0x8c] = SK_SHIFT, [0x8d] = SK_SHIFT, [0x8e] = SK_BIN,
    [0x8f] = SK_BIN, [0x90] = SK_BIN, [0x91] = SK_BIN, [0x92] = SK_BIN, [0x93] = SK_BIN,
    [0x94] = SK_UN, [0x95] = SK_BIN, [0x96] = SK_BIN, [0x97] = SK_BIN, [0x98] = SK_BIN,
    [0x99] = SK_BIN, [0x9b] = SK_BIN, [0x9c] = SK_BIN, [0x9d] = SK_BIN, [0x9e] = SK_BIN,
    [0x9f] = SK_BIN, [0xa0] = SK_UN, [0xa1] = SK_UN, [0xa3] = SK_TEST, [0xa4] = SK_TEST,
    [0xa7] = SK_UN, [0xa8] = SK_UN, [0xa9] = SK_UN, [0xaa] = SK_UN, [0xab] = SK_SHIFT,
    [0xac] = SK_SHIFT, [0xad] = SK_SHIFT, [0xae] = SK_BIN, [0xb1] = SK_BIN, [0xb5] = SK_BIN,
    [0xb6] = SK_BIN, [0xb7] = SK_BIN, [0xb8] = SK_BIN, [0xb9] = SK_BIN, [0xba] = SK_BIN,
    [0xbc] = SK_BIN, [0xbd] = SK_BIN, [0xbe] = SK_BIN, [0xbf] = SK_BIN, [0xc0] = SK_UN,
    [0xc1] = SK_UN, [0xc3] = SK_TEST, [0xc4] = SK_TEST, [0xc7] = SK_UN, [0xc8] = SK_UN,
    [0xc9] = SK_UN, [0xca] = SK_UN, [0xcb] = SK_SHIFT, [0xcc] = SK_SHIFT, [0xcd] = SK_SHIFT,
    [0xce] = SK_BIN, [0xd1] = SK_BIN, [0xd5] = SK_BIN, [0xd6] = SK_BIN, [0xd7] = SK_BIN,
    [0xd8] = SK_BIN, [0xd9] = SK_BIN, [0xda] = SK_BIN, [0xdb] = SK_BIN, [0xdc] = SK_BIN,
    [0xdd] = SK_BIN, [0xde] = SK_BIN, [0xdf] = SK_BIN, [0xe0] = SK_UN, [0xe1] = SK_UN,
    [0xe3] = SK_UN, [0xe4] = SK_BIN, [0xe5] = SK_BIN, [0xe6] = SK_BIN, [0xe7] = SK_BIN,
    [0xe8] = SK_BIN, [0xe9] = SK_BIN, [0xea] = SK_BIN, [0xeb] = SK_BIN, [0xec] = SK_UN,
    [0xed] = SK_UN, [0xef] = SK_UN, [0xf0] = SK_BIN, [0xf1] = SK_BIN, [0xf2] = SK_BIN,
    [0xf3] = SK_BIN, [0xf4] = SK_BIN, [0xf5] = SK_BIN, [0xf6] = SK_BIN, [0xf7] = SK_BIN,
    [0xf8] = SK_UN, [0xf9] = SK_UN, [0xfa] = SK_UN, [0xfb] = SK_UN, [0xfc] = SK_UN,
    [0xfd] = SK_UN, [0xfe] = SK_UN, [0xff] = SK_UN,
};

enum simd_kind simd_kind(uint32_t op)
{
    return op < 256 ? (enum simd_kind)simd_kinds[op] : SK_ILLEGAL;
}

/* ---- scalar rules shared with the scalar instructions ------------------------ */

static inline uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t dbits(double f) { uint64_t u; memcpy(&u, &f, 8); return u; }
static inline float bitsf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline double bitsd(uint64_t u) { double f; memcpy(&f, &u, 8); return f; }

static inline float fmin32(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return bitsf(fbits(a) | fbits(b));
    return a < b ? a : b;
}
static inline float fmax32(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return bitsf(fbits(a) & fbits(b));
    return a > b ? a : b;
}
static inline double fmin64(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return bitsd(dbits(a) | dbits(b));
    return a < b ? a : b;
}
static inline double fmax64(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return bitsd(dbits(a) & dbits(b));
    return a > b ? a : b;
}

/* rounding: a NaN comes back quieted, as from any arithmetic */
static inline float round32(uint32_t op, float a)
{
    if (a != a)
        return a + a;
    switch (op) {
    case 0x67: return ceilf(a);
    case 0x68: return floorf(a);
    case 0x69: return truncf(a);
    default: return rintf(a);
    }
}
static inline double round64(uint32_t op, double a)
{
    if (a != a)
        return a + a;
    switch (op) {
    case 0x74: return ceil(a);
    case 0x75: return floor(a);
    case 0x7a: return trunc(a);
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
    case 0x4d: r.u64 = ~a.u64; break;
    case 0x5e: /* f32x4.demote_f64x2_zero */
        r.f32[0] = (float)a.f64[0];
        r.f32[1] = (float)a.f64[1];
        break;
    case 0x5f: /* f64x2.promote_low_f32x4 */
        r.f64[0] = (double)a.f32[0];
        r.f64[1] = (double)a.f32[1];
        break;
    case 0x60: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)(a.i8[i] < 0 ? -(uint8_t)a.u8[i] : a.u8[i]); break;
    case 0x61: r.u8 = -a.u8; break;
    case 0x62: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)__builtin_popcount(a.u8[i]); break;
    case 0x67: case 0x68: case 0x69: case 0x6a:
        for (i = 0; i < 4; i++) r.f32[i] = round32(op, a.f32[i]);
        break;
    case 0x74: case 0x75: case 0x7a: case 0x94:
        for (i = 0; i < 2; i++) r.f64[i] = round64(op, a.f64[i]);
        break;
    case 0x7c: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]); break;
    case 0x7d: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]); break;
    case 0x7e: for (i = 0; i < 4; i++) r.i32[i] = a.i16[2 * i] + a.i16[2 * i + 1]; break;
    case 0x7f: for (i = 0; i < 4; i++) r.u32[i] = (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1]; break;
    case 0x80: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.i16[i] < 0 ? -(uint16_t)a.u16[i] : a.u16[i]); break;
    case 0x81: r.u16 = -a.u16; break;
    case 0x87: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)a.i8[i]; break;
    case 0x88: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)a.i8[i + 8]; break;
    case 0x89: for (i = 0; i < 8; i++) r.u16[i] = a.u8[i]; break;
    case 0x8a: for (i = 0; i < 8; i++) r.u16[i] = a.u8[i + 8]; break;
    case 0xa0: for (i = 0; i < 4; i++) r.u32[i] = a.i32[i] < 0 ? -a.u32[i] : a.u32[i]; break;
    case 0xa1: r.u32 = -a.u32; break;
    case 0xa7: for (i = 0; i < 4; i++) r.i32[i] = a.i16[i]; break;
    case 0xa8: for (i = 0; i < 4; i++) r.i32[i] = a.i16[i + 4]; break;
    case 0xa9: for (i = 0; i < 4; i++) r.u32[i] = a.u16[i]; break;
    case 0xaa: for (i = 0; i < 4; i++) r.u32[i] = a.u16[i + 4]; break;
    case 0xc0: for (i = 0; i < 2; i++) r.u64[i] = a.i64[i] < 0 ? -a.u64[i] : a.u64[i]; break;
    case 0xc1: r.u64 = -a.u64; break;
    case 0xc7: for (i = 0; i < 2; i++) r.i64[i] = a.i32[i]; break;
    case 0xc8: for (i = 0; i < 2; i++) r.i64[i] = a.i32[i + 2]; break;
    case 0xc9: for (i = 0; i < 2; i++) r.u64[i] = a.u32[i]; break;
    case 0xca: for (i = 0; i < 2; i++) r.u64[i] = a.u32[i + 2]; break;
    case 0xe0: r.u32 = a.u32 & 0x7fffffffu; break;
    case 0xe1: r.u32 = a.u32 ^ 0x80000000u; break;
    case 0xe3: for (i = 0; i < 4; i++) r.f32[i] = sqrtf(a.f32[i]); break;
    case 0xec: r.u64 = a.u64 & 0x7fffffffffffffffull; break;
    case 0xed: r.u64 = a.u64 ^ 0x8000000000000000ull; break;
    case 0xef: for (i = 0; i < 2; i++) r.f64[i] = sqrt(a.f64[i]); break;
    case 0xf8: for (i = 0; i < 4; i++) r.i32[i] = sat_s32(a.f32[i]); break;
    case 0xf9: for (i = 0; i < 4; i++) r.u32[i] = sat_u32(a.f32[i]); break;
    case 0xfa: for (i = 0; i < 4; i++) r.f32[i] = (float)a.i32[i]; break;
    case 0xfb: for (i = 0; i < 4; i++) r.f32[i] = (float)a.u32[i]; break;
    case 0xfc: for (i = 0; i < 2; i++) r.i32[i] = sat_s32(a.f64[i]); break;
    case 0xfd: for (i = 0; i < 2; i++) r.u32[i] = sat_u32(a.f64[i]); break;
    case 0xfe: for (i = 0; i < 2; i++) r.f64[i] = (double)a.i32[i]; break;
    case 0xff: for (i = 0; i < 2; i++) r.f64[i] = (double)a.u32[i]; break;
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
    case 0x0e: for (i = 0; i < 16; i++) r.u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i]] : 0; break;
    /* comparisons: all ones or all zeros per lane */
    case 0x23: r.i8 = a.i8 == b.i8; break;
    case 0x24: r.i8 = a.i8 != b.i8; break;
    case 0x25: r.i8 = a.i8 < b.i8; break;
    case 0x26: r.i8 = (i8x16)(a.u8 < b.u8); break;
    case 0x27: r.i8 = a.i8 > b.i8; break;
    case 0x28: r.i8 = (i8x16)(a.u8 > b.u8); break;
    case 0x29: r.i8 = a.i8 <= b.i8; break;
    case 0x2a: r.i8 = (i8x16)(a.u8 <= b.u8); break;
    case 0x2b: r.i8 = a.i8 >= b.i8; break;
    case 0x2c: r.i8 = (i8x16)(a.u8 >= b.u8); break;
    case 0x2d: r.i16 = a.i16 == b.i16; break;
    case 0x2e: r.i16 = a.i16 != b.i16; break;
    case 0x2f: r.i16 = a.i16 < b.i16; break;
    case 0x30: r.i16 = (i16x8)(a.u16 < b.u16); break;
    case 0x31: r.i16 = a.i16 > b.i16; break;
    case 0x32: r.i16 = (i16x8)(a.u16 > b.u16); break;
    case 0x33: r.i16 = a.i16 <= b.i16; break;
    case 0x34: r.i16 = (i16x8)(a.u16 <= b.u16); break;
    case 0x35: r.i16 = a.i16 >= b.i16; break;
    case 0x36: r.i16 = (i16x8)(a.u16 >= b.u16); break;
    case 0x37: r.i32 = a.i32 == b.i32; break;
    case 0x38: r.i32 = a.i32 != b.i32; break;
    case 0x39: r.i32 = a.i32 < b.i32; break;
    case 0x3a: r.i32 = (i32x4)(a.u32 < b.u32); break;
    case 0x3b: r.i32 = a.i32 > b.i32; break;
    case 0x3c: r.i32 = (i32x4)(a.u32 > b.u32); break;
    case 0x3d: r.i32 = a.i32 <= b.i32; break;
    case 0x3e: r.i32 = (i32x4)(a.u32 <= b.u32); break;
    case 0x3f: r.i32 = a.i32 >= b.i32; break;
    case 0x40: r.i32 = (i32x4)(a.u32 >= b.u32); break;
    case 0x41: r.i32 = a.f32 == b.f32; break;
    case 0x42: r.i32 = a.f32 != b.f32; break;
    case 0x43: r.i32 = a.f32 < b.f32; break;
    case 0x44: r.i32 = a.f32 > b.f32; break;
    case 0x45: r.i32 = a.f32 <= b.f32; break;
    case 0x46: r.i32 = a.f32 >= b.f32; break;
    case 0x47: r.i64 = a.f64 == b.f64; break;
    case 0x48: r.i64 = a.f64 != b.f64; break;
    case 0x49: r.i64 = a.f64 < b.f64; break;
    case 0x4a: r.i64 = a.f64 > b.f64; break;
    case 0x4b: r.i64 = a.f64 <= b.f64; break;
    case 0x4c: r.i64 = a.f64 >= b.f64; break;
    case 0xd6: r.i64 = a.i64 == b.i64; break;
    case 0xd7: r.i64 = a.i64 != b.i64; break;
    case 0xd8: r.i64 = a.i64 < b.i64; break;
    case 0xd9: r.i64 = a.i64 > b.i64; break;
    case 0xda: r.i64 = a.i64 <= b.i64; break;
    case 0xdb: r.i64 = a.i64 >= b.i64; break;
    /* bitwise */
    case 0x4e: r.u64 = a.u64 & b.u64; break;
    case 0x4f: r.u64 = a.u64 & ~b.u64; break;
    case 0x50: r.u64 = a.u64 | b.u64; break;
    case 0x51: r.u64 = a.u64 ^ b.u64; break;
    /* narrowing with saturation */
    case 0x65: for (i = 0; i < 8; i++) r.i8[i] = sat_i8(a.i16[i]), r.i8[i + 8] = sat_i8(b.i16[i]); break;
    case 0x66: for (i = 0; i < 8; i++) r.u8[i] = sat_u8(a.i16[i]), r.u8[i + 8] = sat_u8(b.i16[i]); break;
    case 0x85: for (i = 0; i < 4; i++) r.i16[i] = sat_i16(a.i32[i]), r.i16[i + 4] = sat_i16(b.i32[i]); break;
    case 0x86: for (i = 0; i < 4; i++) r.u16[i] = sat_u16(a.i32[i]), r.u16[i + 4] = sat_u16(b.i32[i]); break;
    /* i8x16 arithmetic */
    case 0x6e: r.u8 = a.u8 + b.u8; break;
    case 0x6f: for (i = 0; i < 16; i++) r.i8[i] = sat_i8(a.i8[i] + b.i8[i]); break;
    case 0x70: for (i = 0; i < 16; i++) r.u8[i] = sat_u8(a.u8[i] + b.u8[i]); break;
    case 0x71: r.u8 = a.u8 - b.u8; break;
    case 0x72: for (i = 0; i < 16; i++) r.i8[i] = sat_i8(a.i8[i] - b.i8[i]); break;
    case 0x73: for (i = 0; i < 16; i++) r.u8[i] = sat_u8(a.u8[i] - b.u8[i]); break;
    case 0x76: for (i = 0; i < 16; i++) r.i8[i] = a.i8[i] < b.i8[i] ? a.i8[i] : b.i8[i]; break;
    case 0x77: for (i = 0; i < 16; i++) r.u8[i] = a.u8[i] < b.u8[i] ? a.u8[i] : b.u8[i]; break;
    case 0x78: for (i = 0; i < 16; i++) r.i8[i] = a.i8[i] > b.i8[i] ? a.i8[i] : b.i8[i]; break;
    case 0x79: for (i = 0; i < 16; i++) r.u8[i] = a.u8[i] > b.u8[i] ? a.u8[i] : b.u8[i]; break;
    case 0x7b: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)((a.u8[i] + b.u8[i] + 1) >> 1); break;
    /* i16x8 arithmetic */
    case 0x82: /* q15mulr_sat_s */
        for (i = 0; i < 8; i++)
            r.i16[i] = sat_i16((a.i16[i] * b.i16[i] + 0x4000) >> 15);
        break;
    case 0x8e: r.u16 = a.u16 + b.u16; break;
    case 0x8f: for (i = 0; i < 8; i++) r.i16[i] = sat_i16(a.i16[i] + b.i16[i]); break;
    case 0x90: for (i = 0; i < 8; i++) r.u16[i] = sat_u16(a.u16[i] + b.u16[i]); break;
    case 0x91: r.u16 = a.u16 - b.u16; break;
    case 0x92: for (i = 0; i < 8; i++) r.i16[i] = sat_i16(a.i16[i] - b.i16[i]); break;
    case 0x93: for (i = 0; i < 8; i++) r.u16[i] = sat_u16(a.u16[i] - b.u16[i]); break;
    case 0x95: r.u16 = a.u16 * b.u16; break;
    case 0x96: for (i = 0; i < 8; i++) r.i16[i] = a.i16[i] < b.i16[i] ? a.i16[i] : b.i16[i]; break;
    case 0x97: for (i = 0; i < 8; i++) r.u16[i] = a.u16[i] < b.u16[i] ? a.u16[i] : b.u16[i]; break;
    case 0x98: for (i = 0; i < 8; i++) r.i16[i] = a.i16[i] > b.i16[i] ? a.i16[i] : b.i16[i]; break;
    case 0x99: for (i = 0; i < 8; i++) r.u16[i] = a.u16[i] > b.u16[i] ? a.u16[i] : b.u16[i]; break;
    case 0x9b: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)((a.u16[i] + b.u16[i] + 1) >> 1); break;
    case 0x9c: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i8[i] * b.i8[i]); break;
    case 0x9d: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i8[i + 8] * b.i8[i + 8]); break;
    case 0x9e: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u8[i] * b.u8[i]); break;
    case 0x9f: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u8[i + 8] * b.u8[i + 8]); break;
    /* i32x4 arithmetic */
    case 0xae: r.u32 = a.u32 + b.u32; break;
    case 0xb1: r.u32 = a.u32 - b.u32; break;
    case 0xb5: r.u32 = a.u32 * b.u32; break;
    case 0xb6: for (i = 0; i < 4; i++) r.i32[i] = a.i32[i] < b.i32[i] ? a.i32[i] : b.i32[i]; break;
    case 0xb7: for (i = 0; i < 4; i++) r.u32[i] = a.u32[i] < b.u32[i] ? a.u32[i] : b.u32[i]; break;
    case 0xb8: for (i = 0; i < 4; i++) r.i32[i] = a.i32[i] > b.i32[i] ? a.i32[i] : b.i32[i]; break;
    case 0xb9: for (i = 0; i < 4; i++) r.u32[i] = a.u32[i] > b.u32[i] ? a.u32[i] : b.u32[i]; break;
    case 0xba: /* dot_i16x8_s: the one overflow case wraps */
        for (i = 0; i < 4; i++)
            r.u32[i] = (uint32_t)(a.i16[2 * i] * b.i16[2 * i]) + (uint32_t)(a.i16[2 * i + 1] * b.i16[2 * i + 1]);
        break;
    case 0xbc: for (i = 0; i < 4; i++) r.i32[i] = a.i16[i] * b.i16[i]; break;
    case 0xbd: for (i = 0; i < 4; i++) r.i32[i] = a.i16[i + 4] * b.i16[i + 4]; break;
    case 0xbe: for (i = 0; i < 4; i++) r.u32[i] = (uint32_t)a.u16[i] * b.u16[i]; break;
    case 0xbf: for (i = 0; i < 4; i++) r.u32[i] = (uint32_t)a.u16[i + 4] * b.u16[i + 4]; break;
    /* i64x2 arithmetic */
    case 0xce: r.u64 = a.u64 + b.u64; break;
    case 0xd1: r.u64 = a.u64 - b.u64; break;
    case 0xd5: r.u64 = a.u64 * b.u64; break;
    case 0xdc: for (i = 0; i < 2; i++) r.i64[i] = (int64_t)a.i32[i] * b.i32[i]; break;
    case 0xdd: for (i = 0; i < 2; i++) r.i64[i] = (int64_t)a.i32[i + 2] * b.i32[i + 2]; break;
    case 0xde: for (i = 0; i < 2; i++) r.u64[i] = (uint64_t)a.u32[i] * b.u32[i]; break;
    case 0xdf: for (i = 0; i < 2; i++) r.u64[i] = (uint64_t)a.u32[i + 2] * b.u32[i + 2]; break;
    /* floats */
    case 0xe4: r.f32 = a.f32 + b.f32; break;
    case 0xe5: r.f32 = a.f32 - b.f32; break;
    case 0xe6: r.f32 = a.f32 * b.f32; break;
    case 0xe7: r.f32 = a.f32 / b.f32; break;
    case 0xe8: for (i = 0; i < 4; i++) r.f32[i] = fmin32(a.f32[i], b.f32[i]); break;
    case 0xe9: for (i = 0; i < 4; i++) r.f32[i] = fmax32(a.f32[i], b.f32[i]); break;
    case 0xea: for (i = 0; i < 4; i++) r.f32[i] = b.f32[i] < a.f32[i] ? b.f32[i] : a.f32[i]; break;
    case 0xeb: for (i = 0; i < 4; i++) r.f32[i] = a.f32[i] < b.f32[i] ? b.f32[i] : a.f32[i]; break;
    case 0xf0: r.f64 = a.f64 + b.f64; break;
    case 0xf1: r.f64 = a.f64 - b.f64; break;
    case 0xf2: r.f64 = a.f64 * b.f64; break;
    case 0xf3: r.f64 = a.f64 / b.f64; break;
    case 0xf4: for (i = 0; i < 2; i++) r.f64[i] = fmin64(a.f64[i], b.f64[i]); break;
    case 0xf5: for (i = 0; i < 2; i++) r.f64[i] = fmax64(a.f64[i], b.f64[i]); break;
    case 0xf6: for (i = 0; i < 2; i++) r.f64[i] = b.f64[i] < a.f64[i] ? b.f64[i] : a.f64[i]; break;
    case 0xf7: for (i = 0; i < 2; i++) r.f64[i] = a.f64[i] < b.f64[i] ? b.f64[i] : a.f64[i]; break;
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
    case 0x6b: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)(a.u8[i] << (n & 7)); break;
    case 0x6c: for (i = 0; i < 16; i++) r.i8[i] = (int8_t)(a.i8[i] >> (n & 7)); break;
    case 0x6d: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)(a.u8[i] >> (n & 7)); break;
    case 0x8b: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u16[i] << (n & 15)); break;
    case 0x8c: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(a.i16[i] >> (n & 15)); break;
    case 0x8d: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)(a.u16[i] >> (n & 15)); break;
    case 0xab: for (i = 0; i < 4; i++) r.u32[i] = a.u32[i] << (n & 31); break;
    case 0xac: for (i = 0; i < 4; i++) r.i32[i] = a.i32[i] >> (n & 31); break;
    case 0xad: for (i = 0; i < 4; i++) r.u32[i] = a.u32[i] >> (n & 31); break;
    case 0xcb: for (i = 0; i < 2; i++) r.u64[i] = a.u64[i] << (n & 63); break;
    case 0xcc: for (i = 0; i < 2; i++) r.i64[i] = a.i64[i] >> (n & 63); break;
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
    case 0x53: return (a.u64[0] | a.u64[1]) != 0;
    case 0x63: for (i = 0; i < 16; i++) if (!a.u8[i]) return 0; return 1;
    case 0x83: for (i = 0; i < 8; i++) if (!a.u16[i]) return 0; return 1;
    case 0xa3: for (i = 0; i < 4; i++) if (!a.u32[i]) return 0; return 1;
    case 0xc3: for (i = 0; i < 2; i++) if (!a.u64[i]) return 0; return 1;
    case 0x64: for (i = 0; i < 16; i++) r |= (uint32_t)(a.u8[i] >> 7) << i; return r;
    case 0x84: for (i = 0; i < 8; i++) r |= (uint32_t)(a.u16[i] >> 15) << i; return r;
    case 0xa4: for (i = 0; i < 4; i++) r |= (a.u32[i] >> 31) << i; return r;
    default: for (i = 0; i < 2; i++) r |= (uint32_t)(a.u64[i] >> 63) << i; return r;
    }
}

void simd_splat(uint32_t op, void *dst, uint64_t x)
{
    v128 r;
    int i;
    switch (op) {
    case 0x0f: for (i = 0; i < 16; i++) r.u8[i] = (uint8_t)x; break;
    case 0x10: for (i = 0; i < 8; i++) r.u16[i] = (uint16_t)x; break;
    case 0x11: case 0x13: for (i = 0; i < 4; i++) r.u32[i] = (uint32_t)x; break;
    default: for (i = 0; i < 2; i++) r.u64[i] = x; break;
    }
    put(dst, r);
}

uint64_t simd_extract(uint32_t op, const void *src, uint32_t lane)
{
    v128 a = get(src);
    switch (op) {
    case 0x15: return (uint32_t)(int32_t)a.i8[lane & 15];
    case 0x16: return a.u8[lane & 15];
    case 0x18: return (uint32_t)(int32_t)a.i16[lane & 7];
    case 0x19: return a.u16[lane & 7];
    case 0x1b: case 0x1f: return a.u32[lane & 3];
    default: return a.u64[lane & 1];
    }
}

void simd_replace(uint32_t op, void *dst, const void *src, uint32_t lane, uint64_t x)
{
    v128 a = get(src);
    switch (op) {
    case 0x17: a.u8[lane & 15] = (uint8_t)x; break;
    case 0x1a: a.u16[lane & 7] = (uint16_t)x; break;
    case 0x1c: case 0x20: a.u32[lane & 3] = (uint32_t)x; break;
    default: a.u64[lane & 1] = x; break;
    }
    put(dst, a);
}

uint32_t simd_load_size(uint32_t op)
{
    switch (op) {
    case 0x07: return 1;
    case 0x08: return 2;
    case 0x09: case 0x5c: return 4;
    default: return 8; /* 8x8, 16x4, 32x2, load64_splat, load64_zero */
    }
}

void simd_load(uint32_t op, void *dst, const uint8_t *mem)
{
    v128 r;
    memset(&r, 0, sizeof r);
    uint8_t in[8];
    memcpy(in, mem, simd_load_size(op));
    int i;
    switch (op) {
    case 0x01: for (i = 0; i < 8; i++) r.i16[i] = (int16_t)(int8_t)in[i]; break;
    case 0x02: for (i = 0; i < 8; i++) r.u16[i] = in[i]; break;
    case 0x03: for (i = 0; i < 4; i++) { int16_t v; memcpy(&v, in + (size_t)2 * i, 2); r.i32[i] = v; } break;
    case 0x04: for (i = 0; i < 4; i++) { uint16_t v; memcpy(&v, in + (size_t)2 * i, 2); r.u32[i] = v; } break;
    case 0x05: for (i = 0; i < 2; i++) { int32_t v; memcpy(&v, in + (size_t)4 * i, 4); r.i64[i] = v; } break;
    case 0x06: for (i = 0; i < 2; i++) { uint32_t v; memcpy(&v, in + (size_t)4 * i, 4); r.u64[i] = v; } break;
    case 0x07: for (i = 0; i < 16; i++) r.u8[i] = in[0]; break;
    case 0x08: { uint16_t v; memcpy(&v, in, 2); for (i = 0; i < 8; i++) r.u16[i] = v; break; }
    case 0x09: { uint32_t v; memcpy(&v, in, 4); for (i = 0; i < 4; i++) r.u32[i] = v; break; }
    case 0x0a: { uint64_t v; memcpy(&v, in, 8); r.u64[0] = r.u64[1] = v; break; }
    case 0x5c: memcpy(r.b, in, 4); break;
    default: memcpy(r.b, in, 8); break; /* 0x5d */
    }
    put(dst, r);
}
