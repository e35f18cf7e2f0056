/* The internal instruction set the compiler emits and the interpreter runs.
 *
 * Every instruction is a sequence of 32-bit words: the handler (as an offset
 * from the interpreter's base label) followed by operands. Operands are frame
 * slot indices (S: cell index from the frame pointer), immediates (I), or
 * branch offsets (B: words relative to the instruction's first word).
 *
 *   X(name, words, flags)     words = 0 for variable-length instructions
 *   flags: T = may trap or calls (its byte offset is kept for backtraces);
 *          SUB = takes the wasm instruction's number (WOP_*) as an operand,
 *          after the slots and the memory offset (the SIMD handlers that
 *          pass it on to simd.c); BYTES = takes the number of bytes it
 *          accesses as its last operand
 */
#ifndef ENGINE_OPS_H
#define ENGINE_OPS_H

#define OPF_T 1
#define OPF_SUB 2
#define OPF_BYTES 4

#define ENGINE_OPS(X)                                                  \
    /* control */                                                      \
    X(BR, 2, 0)               /* B */                                  \
    X(BR_IF, 3, 0)            /* S cond, B */                          \
    X(BR_UNLESS, 3, 0)        /* S cond, B */                          \
    X(BR_TABLE, 0, 0)         /* S idx, I n, B[n+1] (last = default) */ \
    X(LOOP, 2, 0)             /* I fuel cost of one iteration */       \
    X(UNREACHABLE, 1, OPF_T)                                           \
    X(RET0, 1, 0)                                                      \
    X(RET1, 2, 0)             /* S value */                            \
    X(RET_RANGE, 3, 0)        /* S first, I cells */                   \
    X(RET_I32_ADD, 3, 0)      /* return a + b: S a, S b */             \
    X(RET_I64_ADD, 3, 0)                                               \
    X(CALL, 4, OPF_T)         /* I func_code pointer (2 words), S arg base */ \
    X(CALL_IMPORT, 3, OPF_T)  /* I func index, S arg base */           \
    X(CALL_INDIRECT, 5, OPF_T) /* I type, I table, S index, S base */  \
    X(COPY, 3, 0)             /* S dst, S src */                       \
    X(COPY2, 3, 0)            /* v128 */                               \
    X(SELECT, 5, 0)           /* S dst, S a, S b, S cond */            \
    X(SELECT2, 5, 0)                                                   \
    /* variables */                                                    \
    X(GLOBAL_GET, 3, 0)       /* S dst, I global */                    \
    X(GLOBAL_SET, 3, 0)       /* I global, S src */                    \
    X(GLOBAL_GET2, 3, 0)                                               \
    X(GLOBAL_SET2, 3, 0)                                               \
    /* memory: loads S dst, S addr, I offset; stores S addr, S val, I offset */ \
    X(LD_I32, 4, OPF_T) X(LD_I64, 4, OPF_T)                            \
    X(LD_I32_8S, 4, OPF_T) X(LD_I32_8U, 4, OPF_T)                      \
    X(LD_I32_16S, 4, OPF_T) X(LD_I32_16U, 4, OPF_T)                    \
    X(LD_I64_8S, 4, OPF_T) X(LD_I64_8U, 4, OPF_T)                      \
    X(LD_I64_16S, 4, OPF_T) X(LD_I64_16U, 4, OPF_T)                    \
    X(LD_I64_32S, 4, OPF_T) X(LD_I64_32U, 4, OPF_T)                    \
    X(LD_V128, 4, OPF_T)                                               \
    X(ST_8, 4, OPF_T) X(ST_16, 4, OPF_T) X(ST_32, 4, OPF_T) X(ST_64, 4, OPF_T) \
    X(ST_V128, 4, OPF_T)                                               \
    X(MEM_SIZE, 2, 0)         /* S dst */                              \
    X(MEM_GROW, 3, 0)         /* S dst, S delta */                     \
    X(MEM_INIT, 5, OPF_T)     /* I seg, S d, S s, S n */               \
    X(DATA_DROP, 2, 0)        /* I seg */                              \
    X(MEM_COPY, 4, OPF_T)     /* S d, S s, S n */                      \
    X(MEM_FILL, 4, OPF_T)     /* S d, S val, S n */                    \
    /* tables and references */                                        \
    X(TABLE_GET, 4, OPF_T)    /* S dst, I table, S i */                \
    X(TABLE_SET, 4, OPF_T)    /* I table, S i, S val */                \
    X(TABLE_SIZE, 3, 0)       /* S dst, I table */                     \
    X(TABLE_GROW, 5, 0)       /* S dst, I table, S init, S n */        \
    X(TABLE_FILL, 5, OPF_T)   /* I table, S i, S val, S n */           \
    X(TABLE_COPY, 6, OPF_T)   /* I dst table, I src table, S d, S s, S n */ \
    X(TABLE_INIT, 6, OPF_T)   /* I table, I seg, S d, S s, S n */      \
    X(ELEM_DROP, 2, 0)        /* I seg */                              \
    X(REF_IS_NULL, 3, 0)      /* S dst, S ref */                       \
    X(REF_FUNC, 3, 0)         /* S dst, I func */                      \
    /* i32 (unary: S dst, S a; binary: S dst, S a, S b) */             \
    X(I32_EQZ, 3, 0) X(I32_CLZ, 3, 0) X(I32_CTZ, 3, 0) X(I32_POPCNT, 3, 0) \
    X(I32_EXTEND8_S, 3, 0) X(I32_EXTEND16_S, 3, 0)                     \
    X(I32_EQ, 4, 0) X(I32_NE, 4, 0) X(I32_LT_S, 4, 0) X(I32_LT_U, 4, 0) \
    X(I32_GT_S, 4, 0) X(I32_GT_U, 4, 0) X(I32_LE_S, 4, 0) X(I32_LE_U, 4, 0) \
    X(I32_GE_S, 4, 0) X(I32_GE_U, 4, 0)                                \
    X(I32_ADD, 4, 0) X(I32_SUB, 4, 0) X(I32_MUL, 4, 0)                 \
    X(I32_DIV_S, 4, OPF_T) X(I32_DIV_U, 4, OPF_T)                      \
    X(I32_REM_S, 4, OPF_T) X(I32_REM_U, 4, OPF_T)                      \
    X(I32_AND, 4, 0) X(I32_OR, 4, 0) X(I32_XOR, 4, 0)                  \
    X(I32_SHL, 4, 0) X(I32_SHR_S, 4, 0) X(I32_SHR_U, 4, 0)             \
    X(I32_ROTL, 4, 0) X(I32_ROTR, 4, 0)                                \
    /* i64 */                                                          \
    X(I64_EQZ, 3, 0) X(I64_CLZ, 3, 0) X(I64_CTZ, 3, 0) X(I64_POPCNT, 3, 0) \
    X(I64_EXTEND8_S, 3, 0) X(I64_EXTEND16_S, 3, 0) X(I64_EXTEND32_S, 3, 0) \
    X(I64_EQ, 4, 0) X(I64_NE, 4, 0) X(I64_LT_S, 4, 0) X(I64_LT_U, 4, 0) \
    X(I64_GT_S, 4, 0) X(I64_GT_U, 4, 0) X(I64_LE_S, 4, 0) X(I64_LE_U, 4, 0) \
    X(I64_GE_S, 4, 0) X(I64_GE_U, 4, 0)                                \
    X(I64_ADD, 4, 0) X(I64_SUB, 4, 0) X(I64_MUL, 4, 0)                 \
    X(I64_DIV_S, 4, OPF_T) X(I64_DIV_U, 4, OPF_T)                      \
    X(I64_REM_S, 4, OPF_T) X(I64_REM_U, 4, OPF_T)                      \
    X(I64_AND, 4, 0) X(I64_OR, 4, 0) X(I64_XOR, 4, 0)                  \
    X(I64_SHL, 4, 0) X(I64_SHR_S, 4, 0) X(I64_SHR_U, 4, 0)             \
    X(I64_ROTL, 4, 0) X(I64_ROTR, 4, 0)                                \
    /* f32 */                                                          \
    X(F32_ABS, 3, 0) X(F32_NEG, 3, 0) X(F32_CEIL, 3, 0) X(F32_FLOOR, 3, 0) \
    X(F32_TRUNC, 3, 0) X(F32_NEAREST, 3, 0) X(F32_SQRT, 3, 0)          \
    X(F32_EQ, 4, 0) X(F32_NE, 4, 0) X(F32_LT, 4, 0) X(F32_GT, 4, 0)    \
    X(F32_LE, 4, 0) X(F32_GE, 4, 0)                                    \
    X(F32_ADD, 4, 0) X(F32_SUB, 4, 0) X(F32_MUL, 4, 0) X(F32_DIV, 4, 0) \
    X(F32_MIN, 4, 0) X(F32_MAX, 4, 0) X(F32_COPYSIGN, 4, 0)            \
    /* f64 */                                                          \
    X(F64_ABS, 3, 0) X(F64_NEG, 3, 0) X(F64_CEIL, 3, 0) X(F64_FLOOR, 3, 0) \
    X(F64_TRUNC, 3, 0) X(F64_NEAREST, 3, 0) X(F64_SQRT, 3, 0)          \
    X(F64_EQ, 4, 0) X(F64_NE, 4, 0) X(F64_LT, 4, 0) X(F64_GT, 4, 0)    \
    X(F64_LE, 4, 0) X(F64_GE, 4, 0)                                    \
    X(F64_ADD, 4, 0) X(F64_SUB, 4, 0) X(F64_MUL, 4, 0) X(F64_DIV, 4, 0) \
    X(F64_MIN, 4, 0) X(F64_MAX, 4, 0) X(F64_COPYSIGN, 4, 0)            \
    /* conversions (S dst, S a) */                                     \
    X(I32_WRAP_I64, 3, 0)                                              \
    X(I32_TRUNC_F32_S, 3, OPF_T) X(I32_TRUNC_F32_U, 3, OPF_T)          \
    X(I32_TRUNC_F64_S, 3, OPF_T) X(I32_TRUNC_F64_U, 3, OPF_T)          \
    X(I64_EXTEND_I32_S, 3, 0) X(I64_EXTEND_I32_U, 3, 0)                \
    X(I64_TRUNC_F32_S, 3, OPF_T) X(I64_TRUNC_F32_U, 3, OPF_T)          \
    X(I64_TRUNC_F64_S, 3, OPF_T) X(I64_TRUNC_F64_U, 3, OPF_T)          \
    X(F32_CONVERT_I32_S, 3, 0) X(F32_CONVERT_I32_U, 3, 0)              \
    X(F32_CONVERT_I64_S, 3, 0) X(F32_CONVERT_I64_U, 3, 0)              \
    X(F32_DEMOTE_F64, 3, 0)                                            \
    X(F64_CONVERT_I32_S, 3, 0) X(F64_CONVERT_I32_U, 3, 0)              \
    X(F64_CONVERT_I64_S, 3, 0) X(F64_CONVERT_I64_U, 3, 0)              \
    X(F64_PROMOTE_F32, 3, 0)                                           \
    X(I32_TRUNC_SAT_F32_S, 3, 0) X(I32_TRUNC_SAT_F32_U, 3, 0)          \
    X(I32_TRUNC_SAT_F64_S, 3, 0) X(I32_TRUNC_SAT_F64_U, 3, 0)          \
    X(I64_TRUNC_SAT_F32_S, 3, 0) X(I64_TRUNC_SAT_F32_U, 3, 0)          \
    X(I64_TRUNC_SAT_F64_S, 3, 0) X(I64_TRUNC_SAT_F64_U, 3, 0)          \
    /* SIMD (sub = the instruction's WOP_* number; v128 values take two cells) */ \
    X(V_LOAD, 6, OPF_T | OPF_SUB | OPF_BYTES) /* S dst, S addr, I off, I sub, I bytes */ \
    X(V_LOAD_LANE, 7, OPF_T | OPF_BYTES) /* S dst, S addr, S src, I off, I lane, I bytes */ \
    X(V_STORE_LANE, 6, OPF_T | OPF_BYTES) /* S addr, S src, I off, I lane, I bytes */ \
    X(V_UN, 4, OPF_SUB)       /* S dst, S a, I sub */                  \
    X(V_BIN, 5, OPF_SUB)      /* S dst, S a, S b, I sub */             \
    X(V_BITSELECT, 5, 0)      /* S dst, S a, S b, S mask */            \
    X(V_SHUFFLE, 8, 0)        /* S dst, S a, S b, I lanes[16 bytes] */ \
    X(V_SHIFT, 5, OPF_SUB)    /* S dst, S a, S n, I sub */             \
    X(V_TEST, 4, OPF_SUB)     /* S dst, S a, I sub */                  \
    X(V_SPLAT, 4, OPF_SUB)    /* S dst, S x, I sub */                  \
    X(V_EXTRACT, 5, OPF_SUB)  /* S dst, S a, I sub, I lane */          \
    X(V_REPLACE, 6, OPF_SUB)  /* S dst, S a, S x, I sub, I lane */     \
    /* the commonest lane-wise operations, without the second dispatch:  \
     * S dst, S a, S b */                                                 \
    X(V_I8X16_ADD, 4, 0) X(V_I8X16_SUB, 4, 0) X(V_I16X8_ADD, 4, 0) \
    X(V_I16X8_SUB, 4, 0) X(V_I16X8_MUL, 4, 0) X(V_I32X4_ADD, 4, 0) \
    X(V_I32X4_SUB, 4, 0) X(V_I32X4_MUL, 4, 0) X(V_I64X2_ADD, 4, 0) \
    X(V_I64X2_SUB, 4, 0) X(V_F32X4_ADD, 4, 0) X(V_F32X4_SUB, 4, 0) \
    X(V_F32X4_MUL, 4, 0) X(V_F64X2_ADD, 4, 0) X(V_F64X2_SUB, 4, 0) \
    X(V_F64X2_MUL, 4, 0) X(V_AND, 4, 0) X(V_OR, 4, 0) X(V_XOR, 4, 0) \
    ENGINE_FUSED_OPS(X)

/* The ten integer comparisons, in the order every family below uses. */
#define ENGINE_CC10(X, P, words, flags)                                        \
    X(P##_EQ, words, flags) X(P##_NE, words, flags) X(P##_LT_S, words, flags)  \
    X(P##_LT_U, words, flags) X(P##_GT_S, words, flags) X(P##_GT_U, words, flags) \
    X(P##_LE_S, words, flags) X(P##_LE_U, words, flags) X(P##_GE_S, words, flags) \
    X(P##_GE_U, words, flags)

/* Fused and specialised forms the compiler emits for common sequences:
 *  LDA_* / STA_*  a load or store whose address is an i32.add just computed:
 *                 loads S dst, S a, S b, I offset; stores S a, S b, S val, I offset
 *  *_M            a binary operation whose right operand is a value just
 *                 loaded: S dst, S a, S addr, I offset (full-width loads only) */
#define ENGINE_FUSED_OPS(X)                                                \
    X(LDA_I32, 5, OPF_T) X(LDA_I64, 5, OPF_T)                              \
    X(LDA_I32_8S, 5, OPF_T) X(LDA_I32_8U, 5, OPF_T)                        \
    X(LDA_I32_16S, 5, OPF_T) X(LDA_I32_16U, 5, OPF_T)                      \
    X(LDA_I64_8S, 5, OPF_T) X(LDA_I64_8U, 5, OPF_T)                        \
    X(LDA_I64_16S, 5, OPF_T) X(LDA_I64_16U, 5, OPF_T)                      \
    X(LDA_I64_32S, 5, OPF_T) X(LDA_I64_32U, 5, OPF_T)                      \
    X(STA_8, 5, OPF_T) X(STA_16, 5, OPF_T) X(STA_32, 5, OPF_T) X(STA_64, 5, OPF_T) \
    X(I32_ADD_M, 5, OPF_T) X(I32_SUB_M, 5, OPF_T) X(I32_MUL_M, 5, OPF_T)   \
    X(I32_AND_M, 5, OPF_T) X(I32_OR_M, 5, OPF_T) X(I32_XOR_M, 5, OPF_T)    \
    X(I64_ADD_M, 5, OPF_T) X(I64_SUB_M, 5, OPF_T) X(I64_MUL_M, 5, OPF_T)   \
    X(I64_AND_M, 5, OPF_T) X(I64_OR_M, 5, OPF_T) X(I64_XOR_M, 5, OPF_T)    \
    X(F32_ADD_M, 5, OPF_T) X(F32_SUB_M, 5, OPF_T) X(F32_MUL_M, 5, OPF_T)   \
    X(F64_ADD_M, 5, OPF_T) X(F64_SUB_M, 5, OPF_T) X(F64_MUL_M, 5, OPF_T)   \
    /* read-modify-write: mem[addr+off] = mem[addr+off] op val: S addr, S val, I off */ \
    X(I32_ADD_RMW, 4, OPF_T) X(I32_AND_RMW, 4, OPF_T)                      \
    X(I32_OR_RMW, 4, OPF_T) X(I32_XOR_RMW, 4, OPF_T) X(I64_ADD_RMW, 4, OPF_T) \
    X(F32_ADD_RMW, 4, OPF_T) X(F64_ADD_RMW, 4, OPF_T)                      \
    /* mem[a+off] = k * mem[x+y+off2] + mem[a+off]: S a, S k, S x, S y, I off, I off2 */ \
    X(F64_MULADD_RMW, 7, OPF_T)                                            \
    X(F64_MULADD_RMW_R, 5, OPF_T) /* mem[a+off] = x * y + mem[a+off]: S a, S x, S y, I off */ \
    /* I32_ADD2 (d1 = a1 + b1, d2 = a2 + b2), then F64_MULADD_RMW with a = d1, x = d2: \
     * S d1, S a1, S b1, S d2, S a2, S b2, S k, S y, I off, I off2 */       \
    X(I32_ADD2_MULADD_RMW, 11, OPF_T)                                      \
    /* I32_ADD_I (d = a + imm), then F64_MULADD_RMW with a = d: S d, S a, I imm, \
     * S k, S x, S y, I off, I off2 */                                     \
    X(I32_ADD_I_MULADD_RMW, 9, OPF_T)                                      \
    /* I32_ADD2, then F64_ADD_MA reading mem[d2+y+off]: S d1, S a1, S b1, S d2, \
     * S a2, S b2, S dst, S a, S y, I off */                               \
    X(I32_ADD2_F64_ADD_MA, 11, OPF_T)                                      \
    /* d = mem[x+y+off] (a local), then t = a + d: S d, S x, S y, I off, S t, S a */ \
    X(F64_LDA_ADD, 7, OPF_T)                                               \
    /* mem[a+off] = (d = (s + mem[x1+y1+o1]) + mem[x2+y2+o2]) * k: S a, S d, S s, \
     * S x1, S y1, I o1, S x2, S y2, I o2, S k, I off */                  \
    X(F64_ADD2_MA_MUL_ST, 12, OPF_T)                                       \
    /* d = c + a * b / d = a * b + c: S d, S c, S a, S b */                \
    X(F64_MUL_ADD, 5, 0) X(F64_MUL_ADD_R, 5, 0)                            \
    /* a store of an operation's result: mem[a+off] = x op y: S a, S x, S y, I off */ \
    X(F64_ADD_ST, 5, OPF_T) X(F64_SUB_ST, 5, OPF_T) X(F64_MUL_ST, 5, OPF_T) \
    X(I32_ADD_ST, 5, OPF_T) X(I64_ADD_ST, 5, OPF_T)                        \
    /* two i32.adds in a row: S d1, S a1, S b1, S d2, S a2, S b2 */         \
    X(I32_ADD2, 7, 0)                                                      \
    X(I32_ADD_I2, 7, 0)       /* S d1, S a1, I k1, S d2, S a2, I k2 */  \
    X(MOVE2, 5, 0)            /* two copies in order: S d1, S s1, S d2, S s2 */ \
    /* a shifted or rotated right operand: S dst, S a, S x, I k */          \
    X(I32_XOR_ROTL_I, 5, 0) X(I32_XOR_SHR_U_I, 5, 0) X(I32_XOR_SHL_I, 5, 0) \
    X(I32_OR_ROTL_I, 5, 0) X(I32_OR_SHR_U_I, 5, 0) X(I32_OR_SHL_I, 5, 0)   \
    /* d = (a + mem[x1+y1+o1]) + mem[x2+y2+o2]: S d, S a, S x1, S y1, I o1, S x2, S y2, I o2 */ \
    X(F64_ADD2_MA, 9, OPF_T)                                               \
    /* a memory operand at a fused address: S dst, S a, S x, S y, I off */ \
    X(I32_ADD_MA, 6, OPF_T) X(I32_MUL_MA, 6, OPF_T)                        \
    X(F32_MUL_MA, 6, OPF_T) X(F64_MUL_MA, 6, OPF_T)                        \
    X(F32_ADD_MA, 6, OPF_T) X(F64_ADD_MA, 6, OPF_T)                        \
    /* an immediate right operand: S dst, S a, I imm */                    \
    X(I32_ADD_I, 4, 0) X(I32_MUL_I, 4, 0) X(I32_AND_I, 4, 0)               \
    X(I32_OR_I, 4, 0) X(I32_XOR_I, 4, 0) X(I32_SHL_I, 4, 0)                \
    X(I32_SHR_S_I, 4, 0) X(I32_SHR_U_I, 4, 0) X(I32_ROTL_I, 4, 0)          \
    X(I32_EQ_I, 4, 0) X(I32_NE_I, 4, 0) X(I32_LT_S_I, 4, 0) X(I32_LT_U_I, 4, 0) \
    X(I32_GT_S_I, 4, 0) X(I32_GT_U_I, 4, 0) X(I32_LE_S_I, 4, 0) X(I32_LE_U_I, 4, 0) \
    X(I32_GE_S_I, 4, 0) X(I32_GE_U_I, 4, 0)                                \
    /* compare with an immediate and branch: S a, I imm, B */              \
    X(BR_I32_EQ_I, 4, 0) X(BR_I32_NE_I, 4, 0)                              \
    X(BR_I32_LT_S_I, 4, 0) X(BR_I32_LT_U_I, 4, 0)                          \
    X(BR_I32_GT_S_I, 4, 0) X(BR_I32_GT_U_I, 4, 0)                          \
    X(BR_I32_LE_S_I, 4, 0) X(BR_I32_LE_U_I, 4, 0)                          \
    X(BR_I32_GE_S_I, 4, 0) X(BR_I32_GE_U_I, 4, 0)                          \
    X(I64_ADD_I, 4, 0)        /* S dst, S a, I imm (sign-extended) */      \
    X(BR_EQZ_I32, 3, 0)       /* S a, B: branch if a == 0 */               \
    X(BR_NEZ_I32, 3, 0)                                                    \
    X(BR_EQZ_I64, 3, 0) X(BR_NEZ_I64, 3, 0)                                \
    /* compare-and-branch: S a, S b, B (branch when the compare holds) */  \
    X(BR_I32_EQ, 4, 0) X(BR_I32_NE, 4, 0)                                  \
    X(BR_I32_LT_S, 4, 0) X(BR_I32_LT_U, 4, 0)                              \
    X(BR_I32_GT_S, 4, 0) X(BR_I32_GT_U, 4, 0)                              \
    X(BR_I32_LE_S, 4, 0) X(BR_I32_LE_U, 4, 0)                              \
    X(BR_I32_GE_S, 4, 0) X(BR_I32_GE_U, 4, 0)                              \
    X(BR_I64_EQ, 4, 0) X(BR_I64_NE, 4, 0)                                  \
    X(BR_I64_LT_S, 4, 0) X(BR_I64_LT_U, 4, 0)                              \
    X(BR_I64_GT_S, 4, 0) X(BR_I64_GT_U, 4, 0)                              \
    X(BR_I64_LE_S, 4, 0) X(BR_I64_LE_U, 4, 0)                              \
    X(BR_I64_GE_S, 4, 0) X(BR_I64_GE_U, 4, 0)                              \
    /* loop closing: d = x + y; branch if d cc b. S d, S x, S|I y, S|I b, B  \
     * AB32: y slot, b slot; AB32I: y imm; AB32_..I: b imm; AB64: i64 */     \
    ENGINE_CC10(X, AB32, 6, 0) ENGINE_CC10(X, AB32I, 6, 0)                 \
    ENGINE_CC10(X, AB32BI, 6, 0) ENGINE_CC10(X, AB32IBI, 6, 0)             \
    ENGINE_CC10(X, AB64, 6, 0)

enum engine_op {
#define ENGINE_OP_ENUM(name, words, flags) OP_##name,
    ENGINE_OPS(ENGINE_OP_ENUM)
#undef ENGINE_OP_ENUM
    OP_COUNT_
};

#endif
