/* Peephole fusion: combined instructions (ops.h's fused forms) in place of
 * short sequences the plain translation would emit. Internal to the engine.
 *
 * The translator (compile.c) calls one of these wherever the instruction it
 * is about to emit may combine with the ones just emitted (the peephole
 * window in comp, translate.h). fuse_pair merges a pair in place; the others
 * return true when they emitted the fused form, and the caller then emits
 * nothing more; false leaves the code as it was. The translator calls them
 * only when the module's fusion option is on: with it off, the translation
 * is the plain one, which gen_diff and the fuzzer compare against.
 *
 * Most instructions fuse with nothing: the entry points below are inline
 * gates that rule that out from the peephole window in a few instructions
 * and call into fuse.c only when a fusion may apply. */
#ifndef ENGINE_FUSE_H
#define ENGINE_FUSE_H

#include "engine/translate.h"

/* fuse.c: the fusions themselves, called by the gates below */
void fuse_pair_slow(comp *c, int next_op);
bool fuse_binary_slow(comp *c, int op, uint8_t type, const sentry *a, const sentry *b, uint32_t dst);
bool fuse_load_slow(comp *c, int op, const sentry *addr, uint32_t dst, uint32_t offset);
bool fuse_store_slow(comp *c, int op, const sentry *addr, const sentry *value, uint32_t offset);
bool fuse_return_slow(comp *c, const sentry *value);
bool fuse_cond_branch_slow(comp *c, const sentry *cond, ctrl *f, bool negate);

/* Did the last instruction emitted write one of these slots? */
static inline bool fuse_last_wrote(const comp *c, uint32_t slot1, uint32_t slot2)
{
    if (!c->last_dst_pos || c->oom)
        return false;
    uint32_t dst = c->code[c->last_dst_pos];
    return dst == slot1 || dst == slot2;
}

/* Before next_op is emitted: two i32.adds or two copies in a row become one
 * instruction (I32_ADD2, MOVE2...). */
static inline void fuse_pair(comp *c, int next_op)
{
    if (c->last_op == c->prev_op &&
        (c->last_op == OP_I32_ADD || c->last_op == OP_I32_ADD_I || c->last_op == OP_COPY))
        fuse_pair_slow(c, next_op);
}

/* dst = a op b (a binary operation of operand type `type`): an operand just
 * computed (memory operands, shifts, multiply-add) or an i32 constant
 * (immediate forms). */
static inline bool fuse_binary(comp *c, int op, uint8_t type, const sentry *a, const sentry *b,
                               uint32_t dst)
{
    if (!(type == WASM_I32 && ((a->slot | b->slot) & CONST_FLAG)) &&
        !fuse_last_wrote(c, a->slot, b->slot))
        return false;
    return fuse_binary_slow(c, op, type, a, b, dst);
}

/* dst = load (op) from addr + offset: an address just added. */
static inline bool fuse_load(comp *c, int op, const sentry *addr, uint32_t dst, uint32_t offset)
{
    if (c->last_op != OP_I32_ADD && c->last_op != OP_I32_ADD_I)
        return false;
    return fuse_load_slow(c, op, addr, dst, offset);
}

/* store (op) of value to addr + offset: a value or an address just computed. */
static inline bool fuse_store(comp *c, int op, const sentry *addr, const sentry *value,
                              uint32_t offset)
{
    if (!fuse_last_wrote(c, addr->slot, value->slot))
        return false;
    return fuse_store_slow(c, op, addr, value, offset);
}

/* local.set/tee of value into the local at slot: the instruction just
 * emitted computed the value into its home (or float twin), and no stack entry still reads
 * the local: it writes the local directly. */
static inline bool fuse_local_set(comp *c, const sentry *value, uint32_t slot)
{
    if ((value->slot != value->home && value->slot != (value->home | SHADOW_FLAG)) ||
        !fuse_last_wrote(c, value->slot, value->slot) ||
        c->lhead[slot] != NONE)
        return false;
    c->code[c->last_dst_pos] = slot;
    return true;
}

/* return of one value: `return a + b`. */
static inline bool fuse_return(comp *c, const sentry *value)
{
    if (c->last_op != OP_I32_ADD && c->last_op != OP_I64_ADD)
        return false;
    return fuse_return_slow(c, value);
}

/* branch to f when cond (negate: when !cond): a compare just computed. */
static inline bool fuse_cond_branch(comp *c, const sentry *cond, ctrl *f, bool negate)
{
    if (cond->slot != cond->home || !fuse_last_wrote(c, cond->home, cond->home))
        return false;
    return fuse_cond_branch_slow(c, cond, f, negate);
}

#endif
