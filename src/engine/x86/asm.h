/* A minimal x86-64 instruction encoder for the JIT (jit_x86.c): a growable
 * code buffer and the handful of instruction forms the compiler emits.
 * General-purpose and SSE forms, and the VEX (AVX) three-operand form of
 * scalar SSE arithmetic where the CPU offers it. Internal to the engine. */
#ifndef ENGINE_X86_ASM_H
#define ENGINE_X86_ASM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum x86_reg {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15,
};
enum { XMM0 = 0, XMM1 = 1 };

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
enum x86_cc {
    CC_O = 0, CC_NO = 1, CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
    CC_S = 8, CC_NS = 9, CC_P = 10, CC_NP = 11, CC_L = 12, CC_GE = 13, CC_LE = 14, CC_G = 15,
};

typedef struct xbuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
    /* encode nothing, write nothing (a pass that only counts): every
     * emitter returns at once, len does not move */
    bool discard;
} xbuf;

static inline bool xb_reserve(xbuf *b, size_t n)
{
    if (b->discard)
        return false;
    if (b->len + n <= b->cap)
        return true;
    if (b->oom)
        return false;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static inline void xb_byte(xbuf *b, uint8_t v)
{
    if (xb_reserve(b, 1))
        b->p[b->len++] = v;
}

static inline void xb_u32(xbuf *b, uint32_t v)
{
    if (xb_reserve(b, 4)) {
        memcpy(b->p + b->len, &v, 4);
        b->len += 4;
    }
}

static inline void xb_u64(xbuf *b, uint64_t v)
{
    if (xb_reserve(b, 8)) {
        memcpy(b->p + b->len, &v, 8);
        b->len += 8;
    }
}

static inline void xb_patch32(xbuf *b, size_t at, uint32_t v)
{
    if (!b->oom && !b->discard && at + 4 <= b->len)
        memcpy(b->p + at, &v, 4);
}

static inline bool fits_i8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* An instruction: optional mandatory prefix (0x66/0xf2/0xf3, 0 = none),
 * REX.W, opcode bytes (1-3, most significant first in `op`, length `n`),
 * then the ModRM operand. */
typedef struct xop {
    uint8_t prefix;
    bool w;
    uint32_t op;
    int n;
} xop;

static inline void x_head(xbuf *b, xop o, int reg, int index, int base, bool byte_reg)
{
    if (b->discard)
        return;
    if (o.prefix)
        xb_byte(b, o.prefix);
    uint8_t rex = (uint8_t)(0x40 | (o.w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
                            ((base & 8) ? 1 : 0));
    /* spl/bpl/sil/dil need an empty REX to be addressed as bytes */
    if (rex != 0x40 || (byte_reg && (reg & 7) >= 4 && reg < 8))
        xb_byte(b, rex);
    for (int i = o.n - 1; i >= 0; i--)
        xb_byte(b, (uint8_t)(o.op >> (8 * i)));
}

/* op reg, rm (register direct) */
static inline void x_rr(xbuf *b, xop o, int reg, int rm)
{
    if (b->discard)
        return;
    x_head(b, o, reg, 0, rm, false);
    xb_byte(b, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* op reg, [base + index + disp] (index < 0: none; scale 1) */
static inline void x_modrm_mem(xbuf *b, int reg, int base, int index, int32_t disp);

static inline void x_rm(xbuf *b, xop o, int reg, int base, int index, int32_t disp)
{
    if (b->discard)
        return;
    x_head(b, o, reg, index < 0 ? 0 : index, base, false);
    x_modrm_mem(b, reg, base, index, disp);
}

/* The ModRM byte (SIB, displacement) of [base + index + disp] (index < 0:
 * none; scale 1) with reg in ModRM.reg. */
static inline void x_modrm_mem(xbuf *b, int reg, int base, int index, int32_t disp)
{
    int mod = (disp == 0 && (base & 7) != RBP) ? 0 : fits_i8(disp) ? 1 : 2;
    if (index < 0 && (base & 7) != RSP) {
        xb_byte(b, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (base & 7)));
    } else {
        xb_byte(b, (uint8_t)((mod << 6) | ((reg & 7) << 3) | 4));
        int idx = index < 0 ? RSP : index; /* RSP as index: none */
        xb_byte(b, (uint8_t)(((idx & 7) << 3) | (base & 7)));
    }
    if (mod == 1)
        xb_byte(b, (uint8_t)(int8_t)disp);
    else if (mod == 2)
        xb_u32(b, (uint32_t)disp);
}

/* VEX prefix and opcode of a 128-bit (L = 0, W = 0) instruction of map 0F:
 * op reg, vreg, rm with the operand in ModRM.rm (register rm, or memory
 * with index/base). pp: the implied SSE prefix (0x66, 0xf3, 0xf2, 0 = none).
 * The two-byte form when neither X nor B is needed. */
static inline void x_vex_head(xbuf *b, uint8_t pp, uint8_t op, int reg, int vreg, int index, int base)
{
    if (b->discard)
        return;
    uint8_t p = pp == 0x66 ? 1 : pp == 0xf3 ? 2 : pp == 0xf2 ? 3 : 0;
    uint8_t r = (reg & 8) ? 0 : 0x80, v = (uint8_t)((~vreg & 15) << 3);
    if (!(index & 8) && !(base & 8)) {
        xb_byte(b, 0xc5);
        xb_byte(b, (uint8_t)(r | v | p));
    } else {
        xb_byte(b, 0xc4);
        xb_byte(b, (uint8_t)(r | ((index & 8) ? 0 : 0x40) | ((base & 8) ? 0 : 0x20) | 1)); /* map 0F */
        xb_byte(b, (uint8_t)(v | p));
    }
    xb_byte(b, op);
}

/* op reg, vreg, rm (registers: VEX three-operand form, e.g. vaddsd) */
static inline void x_vrr(xbuf *b, uint8_t pp, uint8_t op, int reg, int vreg, int rm)
{
    if (b->discard)
        return;
    x_vex_head(b, pp, op, reg, vreg, 0, rm);
    xb_byte(b, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* op reg, vreg, [base + index + disp] */
static inline void x_vrm(xbuf *b, uint8_t pp, uint8_t op, int reg, int vreg, int base, int index,
                         int32_t disp)
{
    if (b->discard)
        return;
    x_vex_head(b, pp, op, reg, vreg, index < 0 ? 0 : index, base);
    x_modrm_mem(b, reg, base, index, disp);
}

#define XOP(op_, n_) ((xop){0, false, (op_), (n_)})
#define XOPW(op_, n_) ((xop){0, true, (op_), (n_)})
#define XOPP(p_, w_, op_, n_) ((xop){(p_), (w_), (op_), (n_)})

/* ---- common forms ------------------------------------------------------- */

static inline void x_mov_load(xbuf *b, bool w, int reg, int base, int32_t disp)
{
    x_rm(b, (xop){0, w, 0x8b, 1}, reg, base, -1, disp);
}

static inline void x_mov_store(xbuf *b, bool w, int base, int32_t disp, int reg)
{
    x_rm(b, (xop){0, w, 0x89, 1}, reg, base, -1, disp);
}

static inline void x_mov_rr(xbuf *b, bool w, int dst, int src)
{
    x_rr(b, (xop){0, w, 0x89, 1}, src, dst);
}

/* dst = imm (zero-extended 32-bit, sign-extended 32-bit or full 64-bit form) */
static inline void x_mov_imm(xbuf *b, int dst, uint64_t imm)
{
    if (imm <= UINT32_MAX) {
        if (dst & 8)
            xb_byte(b, 0x41);
        xb_byte(b, (uint8_t)(0xb8 + (dst & 7)));
        xb_u32(b, (uint32_t)imm);
    } else if (fits_i32((int64_t)imm)) {
        x_rr(b, XOPW(0xc7, 1), 0, dst);
        xb_u32(b, (uint32_t)imm);
    } else {
        xb_byte(b, (uint8_t)(0x48 | ((dst & 8) ? 1 : 0)));
        xb_byte(b, (uint8_t)(0xb8 + (dst & 7)));
        xb_u64(b, imm);
    }
}

/* Group-1 arithmetic with an immediate: /ext = 0 add, 1 or, 4 and, 5 sub, 6 xor, 7 cmp */
static inline void x_alu_imm(xbuf *b, bool w, int ext, int rm, int32_t imm)
{
    if (fits_i8(imm)) {
        x_rr(b, (xop){0, w, 0x83, 1}, ext, rm);
        xb_byte(b, (uint8_t)(int8_t)imm);
    } else {
        x_rr(b, (xop){0, w, 0x81, 1}, ext, rm);
        xb_u32(b, (uint32_t)imm);
    }
}

static inline void x_alu_imm_mem(xbuf *b, bool w, int ext, int base, int32_t disp, int32_t imm)
{
    if (fits_i8(imm)) {
        x_rm(b, (xop){0, w, 0x83, 1}, ext, base, -1, disp);
        xb_byte(b, (uint8_t)(int8_t)imm);
    } else {
        x_rm(b, (xop){0, w, 0x81, 1}, ext, base, -1, disp);
        xb_u32(b, (uint32_t)imm);
    }
}

static inline void x_push(xbuf *b, int r)
{
    if (r & 8)
        xb_byte(b, 0x41);
    xb_byte(b, (uint8_t)(0x50 + (r & 7)));
}

static inline void x_pop(xbuf *b, int r)
{
    if (r & 8)
        xb_byte(b, 0x41);
    xb_byte(b, (uint8_t)(0x58 + (r & 7)));
}

/* call reg */
static inline void x_call_r(xbuf *b, int r) { x_rr(b, XOP(0xff, 1), 2, r); }
/* jmp reg */
static inline void x_jmp_r(xbuf *b, int r) { x_rr(b, XOP(0xff, 1), 4, r); }

/* jmp/jcc rel32 with a zero displacement; returns the offset of the
 * displacement for patching */
static inline size_t x_jmp32(xbuf *b)
{
    xb_byte(b, 0xe9);
    size_t at = b->len;
    xb_u32(b, 0);
    return at;
}

static inline size_t x_jcc32(xbuf *b, int cc)
{
    xb_byte(b, 0x0f);
    xb_byte(b, (uint8_t)(0x80 + cc));
    size_t at = b->len;
    xb_u32(b, 0);
    return at;
}

/* Points the rel32 at `at` to `target` (both buffer offsets). */
static inline void x_link(xbuf *b, size_t at, size_t target)
{
    xb_patch32(b, at, (uint32_t)(int32_t)((int64_t)target - (int64_t)(at + 4)));
}

/* jcc rel8 forward over a short sequence: returns the offset of the byte */
static inline size_t x_jcc8(xbuf *b, int cc)
{
    xb_byte(b, (uint8_t)(0x70 + cc));
    xb_byte(b, 0);
    return b->len - 1;
}

static inline size_t x_jmp8(xbuf *b)
{
    xb_byte(b, 0xeb);
    xb_byte(b, 0);
    return b->len - 1;
}

static inline void x_link8(xbuf *b, size_t at)
{
    if (!b->oom && !b->discard)
        b->p[at] = (uint8_t)(b->len - (at + 1));
}

/* setcc al; movzx eax, al */
static inline void x_setcc_eax(xbuf *b, int cc)
{
    x_rr(b, XOP(0x0f90 | cc, 2), 0, RAX);
    x_rr(b, XOP(0x0fb6, 2), RAX, RAX);
}

#endif
