/* SIMD (v128) instruction semantics, called by the interpreter. Each function
 * takes the wasm opcode that follows the 0xfd prefix. Internal to the engine. */
#ifndef ENGINE_SIMD_H
#define ENGINE_SIMD_H

#include <stdint.h>
#include <string.h>

enum simd_kind {
    SK_ILLEGAL = 0, SK_LOAD, SK_LOADX, SK_STORE, SK_CONST, SK_SHUFFLE, SK_BIN, SK_UN, SK_TER,
    SK_TEST, SK_SHIFT, SK_SPLAT, SK_EXTRACT, SK_REPLACE, SK_LOADLANE, SK_STORELANE,
};

/* The shape of a 0xfd instruction (its immediates and operand types). */
enum simd_kind simd_kind(uint32_t op);

void simd_unary(uint32_t op, void *dst, const void *a);
void simd_binary(uint32_t op, void *dst, const void *a, const void *b);
void simd_bitselect(void *dst, const void *a, const void *b, const void *mask);
void simd_shuffle(void *dst, const void *a, const void *b, const uint8_t lanes[16]);
void simd_shift(uint32_t op, void *dst, const void *a, uint32_t n);
uint32_t simd_test(uint32_t op, const void *a);   /* any_true, all_true, bitmask */
void simd_splat(uint32_t op, void *dst, uint64_t x);
uint64_t simd_extract(uint32_t op, const void *a, uint32_t lane);
void simd_replace(uint32_t op, void *dst, const void *a, uint32_t lane, uint64_t x);
uint32_t simd_load_size(uint32_t op);            /* bytes read by an extending/splat/zero load */
void simd_load(uint32_t op, void *dst, const uint8_t *mem);

#endif
