/* The compiling tier: x86-64 machine code from the internal code of
 * translated functions (see docs/engine.md, "The JIT"). Internal to the
 * engine.
 *
 * Calling convention (both tiers keep the interpreter's frame layout):
 * every defined function of a JIT module has a native entry
 *     uint32_t entry(cell *fp, jit_ctx *ctx, wasm_instance *inst, const func_code *fc)
 * that runs the function on the frame at fp (arguments in its first cells,
 * results written from fp[0]) and returns WASM_OK or the status of a trap or
 * exit already reported in ctx->err. The entry is the function's machine
 * code, or jit_interp_entry (interpreter) for a function the compiler does
 * not handle. Calls push the interpreter's frame records (internal return
 * positions), so traps get the interpreter's messages and backtraces.
 * Between compiled functions (jit_x86.c) the convention is internal: rdi =
 * the callee's fp, nothing returned; a failure unwinds to the C entry. */
#ifndef ENGINE_JIT_H
#define ENGINE_JIT_H

#include "engine/internal.h"

/* One activation of JIT code entered from the host (on the C stack). The
 * generated code addresses these fields by offset. */
typedef struct jit_ctx {
    wasm_store *s;
    wasm_error *err;
    frame *ftop;            /* the next free frame record (an unmetered module's
                             * code keeps it in rbp: current here only while C
                             * code runs, see jit_x86.c rbp_home) */
    frame *fend;
    cell *stack_end;
    uintptr_t stack_limit;  /* below this native stack pointer, calls run interpreted */
    frame *entry;           /* the entry marker of this activation */
    int64_t fuel;           /* fuel left (INT64_MAX unmetered) while C code runs;
                             * a metered module's code keeps it in rbp */
    /* Set by the C entry: its stack pointer at the call of the machine code
     * and where it continues after that call with a status in eax. A trap
     * or a failed call (reported in err) unwinds every machine-code frame
     * of the activation at once: rsp = entry_sp, jmp entry_resume. So a
     * function returns nothing on success and its callers test nothing. */
    uintptr_t entry_sp;
    void *entry_resume;
    /* Always 0: the source of the conditional moves of Spectre index
     * masking (cmov reg, [r12 + zero]), which need no free register. */
    uint64_t zero;
    /* Set by the C entry (the previous value restored on the way out): the
     * frame records' end for its machine code, fend or lower, where the
     * native stack would pass stack_limit first (each machine-code frame
     * takes JIT_FRAME_NATIVE bytes of it): a call whose record would reach
     * it runs in the interpreter, or traps at fend (jit_x86.c push_record).
     * So no prologue compares rsp. */
    frame *fcut;
    /* Guard mode: memory 0's size in bytes for the running machine code
     * (explicit bounds mode keeps it in r15; guard mode pins a value
     * there). Set wherever r15 would be (jit_x86.c emit_reload_mem); the C
     * entry restores the outer activation's on the way out, as it does r15. */
    uint64_t mem_size;
} jit_ctx;

/* Native stack a machine-code frame takes: return address and saved rbx. */
#define JIT_FRAME_NATIVE 16

typedef uint32_t (*jit_entry_fn)(cell *fp, jit_ctx *ctx, wasm_instance *inst,
                                 const func_code *fc);

/* Native stack the JIT's recursion may use; deeper calls continue in the
 * interpreter (whose frames live on the heap), so behaviour does not depend
 * on it. */
#define JIT_STACK_BUDGET (1u << 20)

/* Prepares m for machine code (m->jit): every function is compiled on its
 * hot_calls-th call from the interpreter or the host, or its first call
 * from machine code (eager: every translated function now). False when executable
 * memory is refused or memory runs out: m then runs in the interpreter.
 * Functions the compiler does not handle get the interpreter entry. */
/* explicit_bounds: compare before every memory access; otherwise the code
 * uses guard pages (no compares, faults become traps: x86/fault.h) when the
 * fault handler is installed and an address-space reservation can be made
 * (else explicit too). */
bool jit_compile_module(wasm_module *m, bool eager, uint32_t hot_calls, bool explicit_bounds);
/* Whether m's machine code relies on guard pages (jit_compile_module):
 * its instances need memory 0 reserved (MEMORY_RESERVE). */
bool jit_module_guard(const wasm_module *m);
/* Whether m's functions wait for hot_calls calls (> 1) before compiling. */
bool jit_module_tiered(const wasm_module *m);
/* Tiered: the fuel units between the interpreter's looks for a hot loop
 * (hot_calls * TIER_TICK_PER_CALL); 0 otherwise. */
int64_t jit_module_tick(const wasm_module *m);
void jit_free_module(wasm_module *m);
/* How many of m's defined functions have machine code (0 of 0 without). */
void jit_module_counts(const wasm_module *m, uint32_t *compiled, uint32_t *total);
/* Whether fc has machine code to enter, or will get it on entry (a JIT
 * module's function the compiler has not refused). */
bool jit_enterable(const func_code *fc);

/* On-stack replacement: the entry of fc's machine code at loop header pos
 * (the position after a LOOP that a backward branch targets), or NULL. */
void *jit_osr_entry(const func_code *fc, uint32_t pos);
/* Compiles fc now if it has not been (translated): whether it has machine code. */
bool jit_compile_now(const func_code *fc);
/* The module's C entry at a loop header:
 *     uint32_t osr(cell *fp, jit_ctx *ctx, wasm_instance *inst, const func_code *fc, void *at)
 * (jit_entry_fn's convention, entering at `at`). */
typedef uint32_t (*jit_osr_fn)(cell *fp, jit_ctx *ctx, wasm_instance *inst, const func_code *fc,
                               void *at);
void *jit_osr_stub(const func_code *fc);
/* Continues the interpreter's running call of fc (frame fp, its callees'
 * records from top on) in machine code at `at` (jit_osr_entry): a status
 * once the call returned (results in fp[0..]), or JIT_NOT_ENTERED. */
int jit_osr_from_interp(wasm_store *s, cell *fp, const func_code *fc, wasm_instance *inst,
                        wasm_error *err, frame *base, frame *top, int64_t *fuel, void *at);

/* jit_enter / jit_call_from_interp: nothing ran, the interpreter runs fc. */
#define JIT_NOT_ENTERED (-1)
/* Runs fc's machine code (translated, frame checked by the caller) from the
 * host: a wasm_status, or JIT_NOT_ENTERED. */
int jit_enter(wasm_store *s, cell *fp, const func_code *fc, wasm_instance *inst, wasm_error *err);
/* The same from the interpreter, whose frame records [base + 1, top) are in
 * use (the caller's pushed) and whose fuel is *fuel: traps raised in the
 * machine code are reported with the interpreter's frames too. */
int jit_call_from_interp(wasm_store *s, cell *fp, const func_code *fc, wasm_instance *inst,
                         wasm_error *err, frame *base, frame *top, int64_t *fuel);

/* ---- called from generated code (jit_rt.c) ---- */
/* The lazy trampoline's question, on a call of fc from machine code before
 * fc is compiled: translates fc if needed, counts the call and, once fc is
 * hot, compiles it. Returns where the call goes (fc's machine code, or the
 * interpreter trampoline), or NULL after an error reported in ctx->err. */
void *jit_lazy_prepare(jit_ctx *ctx, const func_code *fc);
uint32_t jit_interp_entry(cell *fp, jit_ctx *ctx, wasm_instance *inst, const func_code *fc);
uint32_t jit_trap(jit_ctx *ctx, uint32_t kind, const func_code *fc, uint32_t pos);
/* A call through a function reference (an import, or a table entry the
 * generated code checked but does not call itself): the caller's frame
 * record is pushed; call_pc is the calling instruction. */
uint32_t jit_call_func(jit_ctx *ctx, wasm_func *callee, cell *nfp, wasm_instance *inst,
                       const uint32_t *call_pc);

/* Instructions run by a helper: operands read from the frame exactly as the
 * interpreter does (pc at the instruction); return a trap kind or 0. */
typedef uint32_t (*jit_op_fn)(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_mem_grow(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_mem_init(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_data_drop(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_mem_copy(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_mem_fill(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_table_get(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_table_set(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_table_size(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_table_grow(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_table_fill(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_table_copy(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_table_init(wasm_instance *inst, cell *fp, const uint32_t *pc);
uint32_t jit_op_elem_drop(wasm_instance *inst, cell *fp, const uint32_t *pc);
/* SIMD, one helper per instruction shape (ops.h's V_*), with simd.c's
 * semantics; the loads and stores check bounds as the interpreter does. */
#define JIT_SIMD_HELPERS(X)                                                    \
    X(v_load) X(v_load_lane) X(v_store_lane) X(v_un) X(v_bin) X(v_bitselect) \
    X(v_shuffle) X(v_shift) X(v_test) X(v_splat) X(v_extract) X(v_replace)   \
    X(v_i8x16_add) X(v_i8x16_sub) X(v_i16x8_add) X(v_i16x8_sub) X(v_i16x8_mul) \
    X(v_i32x4_add) X(v_i32x4_sub) X(v_i32x4_mul) X(v_i64x2_add) X(v_i64x2_sub) \
    X(v_f32x4_add) X(v_f32x4_sub) X(v_f32x4_mul) X(v_f64x2_add) X(v_f64x2_sub) \
    X(v_f64x2_mul) X(v_and) X(v_or) X(v_xor)
#define JIT_SIMD_DECL(name) uint32_t jit_op_##name(wasm_instance *inst, cell *fp, const uint32_t *pc);
JIT_SIMD_HELPERS(JIT_SIMD_DECL)
#undef JIT_SIMD_DECL

/* Numeric helpers on raw bits (floats as their bit patterns). */
typedef struct jit_pair {
    uint64_t value;
    uint64_t trap; /* 0, or a trap kind */
} jit_pair;
uint64_t jit_f32_min(uint64_t a, uint64_t b);
uint64_t jit_f32_max(uint64_t a, uint64_t b);
uint64_t jit_f64_min(uint64_t a, uint64_t b);
uint64_t jit_f64_max(uint64_t a, uint64_t b);
uint64_t jit_f32_round(uint64_t a, uint64_t mode);
uint64_t jit_f64_round(uint64_t a, uint64_t mode);
uint64_t jit_convert(uint64_t a, uint64_t op);  /* the non-trapping conversions by op */
jit_pair jit_trunc(uint64_t a, uint64_t op);     /* the trapping ones */

#endif
