/* SIMD (v128) instruction semantics, called by the interpreter. Each function
 * takes the instruction's number (WOP_*, opcodes.h). Internal to the engine. */
#ifndef ENGINE_SIMD_H
#define ENGINE_SIMD_H

#include <stdint.h>
#include <string.h>

void simd_unary(uint32_t op, void *dst, const void *a);
void simd_binary(uint32_t op, void *dst, const void *a, const void *b);
void simd_bitselect(void *dst, const void *a, const void *b, const void *mask);
void simd_shuffle(void *dst, const void *a, const void *b, const uint8_t lanes[16]);
void simd_shift(uint32_t op, void *dst, const void *a, uint32_t n);
uint32_t simd_test(uint32_t op, const void *a);   /* any_true, all_true, bitmask */
void simd_splat(uint32_t op, void *dst, uint64_t x);
uint64_t simd_extract(uint32_t op, const void *a, uint32_t lane);
void simd_replace(uint32_t op, void *dst, const void *a, uint32_t lane, uint64_t x);
/* an extending, splat or zero-filling load of bytes (at most 8) */
void simd_load(uint32_t op, void *dst, const uint8_t *mem, uint32_t bytes);

#endif
