/* Floating-point operations whose NaN result does not depend on the
 * compiler, shared by the interpreter (interp.c, simd.c) and the JIT's C
 * helpers (jit_rt.c). Internal to the engine.
 *
 * With two NaN operands x86 returns the first (quieted), and so do the JIT's
 * instructions and V8. C lets the compiler swap the operands of a commutative
 * + or *, and GCC does: the fused x + a*b came out as a*b + x at -O2, and the
 * -O1 ASan build swapped most plain adds and multiplies, so the interpreter's
 * NaN payloads changed with fusion and with the build (gen_diff seeds 37521
 * and 1773). On x86-64 the instruction is written out (no cost: it is the
 * one the compiler would pick); elsewhere a NaN first operand is returned
 * quieted (a + a, whose operands are the same) before the operation can see
 * two NaNs. Wasm's min and max give a NaN operand's NaN the same way. */
#ifndef ENGINE_FP_ORDER_H
#define ENGINE_FP_ORDER_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#define FP_ORDER_OP(name, T, insn)                                                         \
    static inline T name(T a, T b)                                                         \
    {                                                                                      \
        __asm__(insn " %1, %0" : "+x"(a) : "xm"(b));                                       \
        return a;                                                                          \
    }
FP_ORDER_OP(f32_add, float, "addss")
FP_ORDER_OP(f32_mul, float, "mulss")
FP_ORDER_OP(f64_add, double, "addsd")
FP_ORDER_OP(f64_mul, double, "mulsd")
#else
#define FP_ORDER_OP(name, T, op)                                                           \
    static inline T name(T a, T b) { return a != a ? a + a : a op b; }
FP_ORDER_OP(f32_add, float, +)
FP_ORDER_OP(f32_mul, float, *)
FP_ORDER_OP(f64_add, double, +)
FP_ORDER_OP(f64_mul, double, *)
#endif
#undef FP_ORDER_OP

/* wasm's min and max: a NaN operand gives a NaN (the first one's when both
 * are), and -0 is below +0 */
#define FP_ORDER_MINMAX(name, T, U, add, pick, cmp)                                        \
    static inline T name(T a, T b)                                                         \
    {                                                                                      \
        if (a != a || b != b)                                                              \
            return add(a, b);                                                              \
        if (a == b) { /* equal, or zeros of either sign */                                 \
            U x, y;                                                                        \
            memcpy(&x, &a, sizeof x);                                                      \
            memcpy(&y, &b, sizeof y);                                                      \
            x = x pick y;                                                                  \
            memcpy(&a, &x, sizeof a);                                                      \
            return a;                                                                      \
        }                                                                                  \
        return a cmp b ? a : b;                                                            \
    }
FP_ORDER_MINMAX(f32_min, float, uint32_t, f32_add, |, <)
FP_ORDER_MINMAX(f32_max, float, uint32_t, f32_add, &, >)
FP_ORDER_MINMAX(f64_min, double, uint64_t, f64_add, |, <)
FP_ORDER_MINMAX(f64_max, double, uint64_t, f64_add, &, >)
#undef FP_ORDER_MINMAX

/* The same for the lane-wise f32x4/f64x2 add and mul (the JIT emits them
 * inline as addps/mulps/addpd/mulpd, first operand first). Register operands
 * only: the memory form would need 16-byte alignment. */
typedef float fp_f32x4 __attribute__((vector_size(16)));
typedef double fp_f64x2 __attribute__((vector_size(16)));
#if defined(__x86_64__)
#define FP_ORDER_VOP(name, T, S, insn, lanes)                                               \
    static inline T name(T a, T b)                                                         \
    {                                                                                      \
        __asm__(insn " %1, %0" : "+x"(a) : "x"(b));                                        \
        return a;                                                                          \
    }
#else
#define FP_ORDER_VOP(name, T, S, insn, lanes)                                               \
    static inline T name(T a, T b)                                                         \
    {                                                                                      \
        for (int i = 0; i < (lanes); i++)                                                  \
            a[i] = S(a[i], b[i]);                                                          \
        return a;                                                                          \
    }
#endif
FP_ORDER_VOP(f32x4_add, fp_f32x4, f32_add, "addps", 4)
FP_ORDER_VOP(f32x4_mul, fp_f32x4, f32_mul, "mulps", 4)
FP_ORDER_VOP(f64x2_add, fp_f64x2, f64_add, "addpd", 2)
FP_ORDER_VOP(f64x2_mul, fp_f64x2, f64_mul, "mulpd", 2)
#undef FP_ORDER_VOP

#endif
