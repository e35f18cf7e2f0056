/* Peephole fusion: combined instructions (ops.h's fused forms) in place of
 * short sequences the plain translation would emit. Internal to the engine.
 *
 * The translator (compile.c) calls one of these wherever the instruction it
 * is about to emit may combine with the ones just emitted (the peephole
 * window in comp, translate.h). Each returns true when it emitted the fused
 * form, and the caller then emits nothing more; false leaves the code as it
 * was. The translator calls them only when the module's fusion option is on:
 * with it off, the translation is the plain one, which gen_diff and the
 * fuzzer compare against. */
#ifndef ENGINE_FUSE_H
#define ENGINE_FUSE_H

#include "engine/translate.h"

/* Before next_op is emitted after two instructions of one kind: two i32.adds
 * or two copies in a row become one instruction (I32_ADD2, MOVE2...). */
void fuse_pair(comp *c, int next_op);

/* dst = a op b (a binary operation of operand type `type`). */
bool fuse_binary(comp *c, int op, uint8_t type, const sentry *a, const sentry *b, uint32_t dst);

/* dst = load (op) from addr + offset. */
bool fuse_load(comp *c, int op, const sentry *addr, uint32_t dst, uint32_t offset);

/* store (op) of value to addr + offset. */
bool fuse_store(comp *c, int op, const sentry *addr, const sentry *value, uint32_t offset);

/* local.set/tee of value into the local at slot: the producer writes it. */
bool fuse_local_set(comp *c, const sentry *value, uint32_t slot);

/* return of one value. */
bool fuse_return(comp *c, const sentry *value);

/* branch to f when cond (negate: when !cond). */
bool fuse_cond_branch(comp *c, const sentry *cond, ctrl *f, bool negate);

#endif
