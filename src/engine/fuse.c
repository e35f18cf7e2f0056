/* Peephole fusion (fuse.h): the translator's plain code for a few
 * instructions in a row becomes one fused instruction (ops.h), chosen from
 * the hot handler pairs of compiled C: address arithmetic folded into loads
 * and stores, memory operands, read-modify-write, compare-and-branch,
 * add-compare-branch loop closings, multiply-add, immediates, pairs.
 *
 * Rules every fusion keeps (gen_diff checks them against the plain code):
 * no label falls inside a fused sequence (every label clears the peephole
 * window); a fused handler still writes every local its parts wrote (there
 * is no liveness analysis), only a temporary its successor consumed is left
 * out; floating-point operands keep their order (with two NaN operands x86
 * returns the first), in the fused form and in its handler, which computes
 * through fp_order.h (C's + and * let the compiler swap them); a fused
 * instruction that may trap reports the byte offset of its first part. */
#include "engine/fuse.h"

/* Forgets the instruction starts at or after pos (code removed or merged). */
static void drop_starts_from(comp *c, uint32_t pos)
{
    while (c->nknown && c->starts[(c->nstarts - 1) & 3] >= pos) {
        c->nstarts--;
        c->nknown--;
    }
}

/* Two adjacent i32.adds (both of slots, or both with an immediate), final (a
 * new instruction follows that will not fuse with the second), become one
 * I32_ADD2 / I32_ADD_I2: address arithmetic often computes
 * several pointers in a row. No label can fall between them (every label
 * resets the peephole state), and nothing has recorded a position after the
 * first, so shortening the code by a word here is safe. */
static void merge_add_pair(comp *c)
{
    uint32_t first = c->prev_op_pos;
    if (c->oom || first + 4 != c->last_op_pos || c->last_op_pos + 4 != c->len)
        return;
    uint32_t *w = &c->code[first];
    int pair = c->last_op == OP_I32_ADD ? OP_I32_ADD2 : OP_I32_ADD_I2;
    w[0] = (uint32_t)c->handlers[pair];
    w[4] = w[5];
    w[5] = w[6];
    w[6] = w[7];
    c->len--;
    drop_starts_from(c, first + 1);
    for (uint32_t i = c->nrelocs; i-- > 0 && c->relocs[i] > first + 4;)
        c->relocs[i]--;
    c->last_op = (uint32_t)pair;
    c->last_op_pos = first;
    c->last_dst_pos = c->last_dst_pos ? first + 4 : 0;
    c->prev_op = OP_COUNT_;
    c->prev_dst_pos = 0;
}

/* The same for two copies (register moves of clang's rotated variables, the
 * values of a branch): MOVE2, in order (the second may read the first's
 * destination). */
static void merge_copy_pair(comp *c)
{
    uint32_t first = c->prev_op_pos;
    if (c->oom || first + 3 != c->last_op_pos || c->last_op_pos + 3 != c->len)
        return;
    uint32_t *w = &c->code[first];
    w[0] = (uint32_t)c->handlers[OP_MOVE2];
    w[3] = w[4];
    w[4] = w[5];
    c->len--;
    drop_starts_from(c, first + 1);
    for (uint32_t i = c->nrelocs; i-- > 0 && c->relocs[i] > first + 3;)
        c->relocs[i]--;
    c->last_op = OP_MOVE2;
    c->last_op_pos = first;
    c->last_dst_pos = 0;
    c->prev_op = OP_COUNT_;
    c->prev_dst_pos = 0;
}

/* Removes the last instruction (for peephole rewrites). Returns the byte
 * offset it was compiled from when it could trap, so that the instruction
 * replacing it reports the same place. */
static uint32_t unemit_last(comp *c)
{
    uint32_t where = c->instr_offset;
    if (c->nmap && c->map[c->nmap - 1].code_pos == c->last_op_pos)
        where = c->map[c->nmap - 1].wasm_offset;
    c->len = c->last_op_pos;
    drop_starts_from(c, c->len);
    while (c->nrelocs && c->relocs[c->nrelocs - 1] >= c->len)
        c->nrelocs--;
    while (c->nmap && c->map[c->nmap - 1].code_pos >= c->len)
        c->nmap--;
    /* the instruction before becomes the last again */
    c->last_op = c->prev_op;
    c->last_op_pos = c->prev_op_pos;
    c->last_dst_pos = c->prev_dst_pos;
    c->prev_op = OP_COUNT_;
    c->prev_dst_pos = 0;
    return where;
}

/* Was e's value computed by the instruction just emitted (into e's home)? */
static bool made_by_last(const comp *c, const sentry *e)
{
    return !c->dead && !c->oom && c->last_dst_pos && e->slot == e->home &&
           c->code[c->last_dst_pos] == e->home;
}

/* Emits op in place of the last instruction, reporting traps at its offset. */
static uint32_t replace_last(comp *c, int op)
{
    uint32_t saved = c->instr_offset;
    c->instr_offset = unemit_last(c);
    uint32_t pos = emit_op(c, op);
    c->instr_offset = saved;
    return pos;
}

/* Binary operations that can take their right operand straight from memory
 * (the _M form after a plain load, the _MA form after a load at a fused
 * address), and whether the left one can be swapped there. Indexed by
 * instruction; 0 (OP_BR) is no form. */
static const struct { uint16_t m, ma; bool comm; } memory_form[OP_COUNT_] = {
    [OP_I32_ADD] = {OP_I32_ADD_M, OP_I32_ADD_MA, true}, [OP_I32_SUB] = {OP_I32_SUB_M, 0, false},
    [OP_I32_MUL] = {OP_I32_MUL_M, OP_I32_MUL_MA, true}, [OP_I32_AND] = {OP_I32_AND_M, 0, true},
    [OP_I32_OR] = {OP_I32_OR_M, 0, true},               [OP_I32_XOR] = {OP_I32_XOR_M, 0, true},
    [OP_I64_ADD] = {OP_I64_ADD_M, 0, true},             [OP_I64_SUB] = {OP_I64_SUB_M, 0, false},
    [OP_I64_MUL] = {OP_I64_MUL_M, 0, true},             [OP_I64_AND] = {OP_I64_AND_M, 0, true},
    [OP_I64_OR] = {OP_I64_OR_M, 0, true},               [OP_I64_XOR] = {OP_I64_XOR_M, 0, true},
    [OP_F32_ADD] = {OP_F32_ADD_M, OP_F32_ADD_MA, true}, [OP_F32_SUB] = {OP_F32_SUB_M, 0, false},
    [OP_F32_MUL] = {OP_F32_MUL_M, OP_F32_MUL_MA, true}, [OP_F64_ADD] = {OP_F64_ADD_M, OP_F64_ADD_MA, true},
    [OP_F64_SUB] = {OP_F64_SUB_M, 0, false},            [OP_F64_MUL] = {OP_F64_MUL_M, OP_F64_MUL_MA, true},
};
_Static_assert(OP_BR == 0, "0 marks a missing form");

static int memory_operand_form(int op, bool *commutative)
{
    *commutative = memory_form[op].comm;
    return memory_form[op].m ? memory_form[op].m : -1;
}

/* The same at an address that is itself a fused i32.add (after LDA_*). */
static int memory_operand_form_at_sum(int op)
{
    return memory_form[op].ma ? memory_form[op].ma : -1;
}

/* Removes the last two instructions; returns the byte offset of the first
 * (the earlier trap site) for the instruction replacing them. */
static uint32_t unemit_last_two(comp *c)
{
    uint32_t first = c->prev_op_pos;
    uint32_t where = c->instr_offset;
    for (uint32_t i = c->nmap; i-- > 0 && c->map[i].code_pos >= first;)
        where = c->map[i].wasm_offset;
    c->len = first;
    while (c->nrelocs && c->relocs[c->nrelocs - 1] >= c->len)
        c->nrelocs--;
    while (c->nmap && c->map[c->nmap - 1].code_pos >= c->len)
        c->nmap--;
    /* no label came in between: the instructions before stay fusable */
    uint32_t nstarts = c->nstarts, nknown = c->nknown;
    reset_peephole(c);
    c->nstarts = nstarts;
    c->nknown = nknown;
    drop_starts_from(c, c->len);
    return where;
}

/* acc = acc + mem[x1+y1+o1], then acc = acc + mem[x2+y2+o2] (a stencil's or
 * a dot product's sum of neighbours): one instruction, and one trip of the
 * running sum through the frame instead of two. The first may be F64_ADD_M
 * (y1 is then a zero constant). The intermediate sum must not be read by the
 * second's address. */
static void try_add_chain(comp *c)
{
    if ((c->prev_op != OP_F64_ADD_MA && c->prev_op != OP_F64_ADD_M) || c->oom)
        return;
    const uint32_t *p = &c->code[c->prev_op_pos], *q = &c->code[c->last_op_pos];
    uint32_t plen = c->prev_op == OP_F64_ADD_MA ? 6 : 5;
    if (c->prev_op_pos + plen != c->last_op_pos || c->last_op_pos + 6 != c->len)
        return;
    uint32_t d = p[1];
    if (q[1] != d || q[2] != d || q[3] == d || q[4] == d)
        return;
    uint32_t a = p[2], x1 = p[3], y1, o1, x2 = q[3], y2 = q[4], o2 = q[5];
    if (c->prev_op == OP_F64_ADD_MA) {
        y1 = p[4];
        o1 = p[5];
    } else {
        y1 = const_slot(c, 0);
        o1 = p[4];
    }
    uint32_t saved = c->instr_offset;
    c->instr_offset = unemit_last_two(c);
    emit_op(c, OP_F64_ADD2_MA);
    emit_dst(c, d);
    emit_slot(c, a);
    emit_slot(c, x1);
    emit_slot(c, y1);
    emit_imm(c, o1);
    emit_slot(c, x2);
    emit_slot(c, y2);
    emit_imm(c, o2);
    c->instr_offset = saved;
}

/* `d1 = a1 + b1; d2 = a2 + b2` (I32_ADD2) right before an F64_ADD_MA
 * reading mem[d2+y+off]: one I32_ADD2_F64_ADD_MA, the address staying in a
 * register (the stencil's inner loop starts so: 7 -> 6 handlers per point).
 * The locals are still written. */
static void try_addr_add_ma(comp *c)
{
    if (c->oom || c->dead || c->last_op != OP_F64_ADD_MA || c->nknown < 2 ||
        c->starts[(c->nstarts - 1) & 3] != c->last_op_pos || c->last_op_pos + 6 != c->len)
        return;
    uint32_t at = c->starts[(c->nstarts - 2) & 3];
    const uint32_t *w = &c->code[at], *m = &c->code[c->last_op_pos];
    if (at + 7 != c->last_op_pos || w[0] != (uint32_t)c->handlers[OP_I32_ADD2] ||
        m[3] != w[4] || w[1] == w[4])
        return;
    uint32_t add[7], ma[6];
    memcpy(add, w, sizeof add);
    memcpy(ma, m, sizeof ma);
    uint32_t saved = c->instr_offset;
    c->instr_offset = unemit_last(c); /* the F64_ADD_MA; the add has no trap entry */
    c->len = at;
    while (c->nrelocs && c->relocs[c->nrelocs - 1] >= c->len)
        c->nrelocs--;
    drop_starts_from(c, c->len);
    reset_peephole(c);
    emit_op(c, OP_I32_ADD2_F64_ADD_MA);
    emit_slot(c, add[1]);
    emit_slot(c, add[2]);
    emit_slot(c, add[3]);
    emit_slot(c, add[4]);
    emit_slot(c, add[5]);
    emit_slot(c, add[6]);
    emit_dst(c, ma[1]);
    emit_slot(c, ma[2]);
    emit_slot(c, ma[4]);
    emit_imm(c, ma[5]);
    c->instr_offset = saved;
}

/* x op load(addr+off) when the load was the last instruction emitted. */
static bool try_memory_operand(comp *c, int op, uint8_t type, const sentry *a, const sentry *b,
                               uint32_t dst)
{
    if (c->last_op != OP_LD_I32 && c->last_op != OP_LD_I64 && c->last_op != OP_LDA_I32 &&
        c->last_op != OP_LDA_I64)
        return false; /* the common case: no load to fold, no table to search */
    bool comm;
    int fused = memory_operand_form(op, &comm);
    if (fused < 0)
        return false;
    bool narrow = type == WASM_I32 || type == WASM_F32;
    /* floats keep their operand order: with two NaNs, x86 returns the first */
    if (type == WASM_F32 || type == WASM_F64)
        comm = false;
    int load = narrow ? OP_LD_I32 : OP_LD_I64;
    int load_at_sum = narrow ? OP_LDA_I32 : OP_LDA_I64;
    if (c->last_op == (uint32_t)load_at_sum && (fused = memory_operand_form_at_sum(op)) >= 0) {
        const sentry *other = made_by_last(c, b) ? a : (comm && made_by_last(c, a)) ? b : NULL;
        if (!other)
            return false;
        uint32_t x = c->code[c->last_op_pos + 2], y = c->code[c->last_op_pos + 3];
        uint32_t off = c->code[c->last_op_pos + 4];
        replace_last(c, fused);
        emit_dst(c, dst);
        emit_slot(c, other->slot);
        emit_slot(c, x);
        emit_slot(c, y);
        emit_imm(c, off);
        if (fused == OP_F64_ADD_MA) {
            try_add_chain(c);
            try_addr_add_ma(c);
        }
        return true;
    }
    if (c->last_op != (uint32_t)load)
        return false;
    const sentry *from_mem, *other;
    if (made_by_last(c, b)) {
        from_mem = b, other = a;
    } else if (comm && made_by_last(c, a)) {
        from_mem = a, other = b;
    } else {
        return false;
    }
    (void)from_mem;
    uint32_t addr = c->code[c->last_op_pos + 2], off = c->code[c->last_op_pos + 3];
    replace_last(c, fused);
    emit_dst(c, dst);
    emit_slot(c, other->slot);
    emit_slot(c, addr);
    emit_imm(c, off);
    return true;
}

/* A store of v to a+offset where v = x op mem[a+offset] was just computed. */
static int rmw_form(comp *c, int store_op, const sentry *addr, const sentry *v, uint32_t offset)
{
    /* by the operation just emitted: the store it must be, the fused form */
    static const struct { uint16_t st, rmw; } forms[OP_COUNT_] = {
        [OP_I32_ADD_M] = {OP_ST_32, OP_I32_ADD_RMW}, [OP_I32_AND_M] = {OP_ST_32, OP_I32_AND_RMW},
        [OP_I32_OR_M] = {OP_ST_32, OP_I32_OR_RMW},   [OP_I32_XOR_M] = {OP_ST_32, OP_I32_XOR_RMW},
        [OP_I64_ADD_M] = {OP_ST_64, OP_I64_ADD_RMW}, [OP_F32_ADD_M] = {OP_ST_32, OP_F32_ADD_RMW},
        [OP_F64_ADD_M] = {OP_ST_64, OP_F64_ADD_RMW},
    };
    if (!made_by_last(c, v) || c->last_op >= OP_COUNT_)
        return -1;
    if (forms[c->last_op].rmw && forms[c->last_op].st == store_op &&
        c->code[c->last_op_pos + 3] == addr->slot && c->code[c->last_op_pos + 4] == offset)
        return forms[c->last_op].rmw;
    return -1;
}

/* A store of v where v = x op y was just computed into a temporary. */
static int store_of_result_form(comp *c, int store_op, const sentry *v)
{
    /* by the operation just emitted: the store it must be, the fused form */
    static const struct { uint16_t st, fused; } forms[OP_COUNT_] = {
        [OP_F64_ADD] = {OP_ST_64, OP_F64_ADD_ST}, [OP_F64_SUB] = {OP_ST_64, OP_F64_SUB_ST},
        [OP_F64_MUL] = {OP_ST_64, OP_F64_MUL_ST}, [OP_I32_ADD] = {OP_ST_32, OP_I32_ADD_ST},
        [OP_I64_ADD] = {OP_ST_64, OP_I64_ADD_ST},
    };
    if (!made_by_last(c, v) || !(v->slot & TEMP_FLAG) || c->last_op >= OP_COUNT_)
        return -1;
    if (forms[c->last_op].fused && forms[c->last_op].st == store_op)
        return forms[c->last_op].fused;
    return -1;
}

/* mem[a+off] = ((s + mem[..]) + mem[..]) * k: the F64_ADD2_MA making the sum,
 * then F64_MUL (about to become F64_MUL_ST) scaling it, become one
 * F64_ADD2_MA_MUL_ST; the sum's temporary is dead, read only by the multiply (the stencil's
 * `0.2 * (...)`: 5 -> 4 handlers per point). */
static bool try_sum_mul_store(comp *c, uint32_t addr, uint32_t offset)
{
    if (c->prev_op != OP_F64_ADD2_MA || c->prev_op_pos + 9 != c->last_op_pos ||
        c->last_op_pos + 4 != c->len)
        return false;
    uint32_t sum[9], x = c->code[c->last_op_pos + 2], k = c->code[c->last_op_pos + 3];
    memcpy(sum, &c->code[c->prev_op_pos], sizeof sum);
    if (x != sum[1] || !(x & TEMP_FLAG))
        return false;
    uint32_t saved = c->instr_offset;
    c->instr_offset = unemit_last_two(c);
    emit_op(c, OP_F64_ADD2_MA_MUL_ST);
    emit_slot(c, addr);
    for (int i = 1; i < 9; i++)
        (i == 5 || i == 8) ? emit_imm(c, sum[i]) : emit_slot(c, sum[i]);
    emit_slot(c, k);
    emit_imm(c, offset);
    c->instr_offset = saved;
    reset_peephole(c);
    return true;
}

/* The address arithmetic right before an F64_MULADD_RMW about to be emitted
 * at c->len: `d1 = a1 + b1; d2 = a2 + b2` (I32_ADD2) with the store's address
 * in d1 and the product's in d2, or `d = a + k` (I32_ADD_I) with the store's
 * address in d. Fused, the handler keeps the addresses in registers instead
 * of passing them through frame cells (gemm's inner loop: 5 handlers per two
 * elements become 3). The locals are still written: they may be read later.
 * Returns the fused opcode after removing the add, or -1. */
static int take_addr_add(comp *c, uint32_t addr, uint32_t x, uint32_t add[7])
{
    if (c->oom || c->dead || !c->nknown)
        return -1;
    uint32_t at = c->starts[(c->nstarts - 1) & 3];
    const uint32_t *w = &c->code[at];
    int op;
    uint32_t words;
    if (at + 7 == c->len && w[0] == (uint32_t)c->handlers[OP_I32_ADD2] && w[1] == addr &&
        w[4] == x && w[1] != w[4]) {
        op = OP_I32_ADD2_MULADD_RMW;
        words = 7;
    } else if (at + 4 == c->len && w[0] == (uint32_t)c->handlers[OP_I32_ADD_I] && w[1] == addr) {
        op = OP_I32_ADD_I_MULADD_RMW;
        words = 4;
    } else {
        return -1;
    }
    for (uint32_t i = 0; i < 7; i++)
        add[i] = i < words ? w[i] : 0;
    c->len = at;
    while (c->nrelocs && c->relocs[c->nrelocs - 1] >= c->len)
        c->nrelocs--;
    while (c->nmap && c->map[c->nmap - 1].code_pos >= c->len)
        c->nmap--;
    drop_starts_from(c, c->len);
    return op;
}

/* mem[a+off] = k * mem[x+y+off2] + mem[a+off] (`c[j] += k * b[j]`): an
 * F64_MUL_M/_MA into a temporary, then F64_ADD_M of that temporary and
 * mem[a+off] (about to become F64_ADD_RMW), become one instruction. */
static bool try_muladd_rmw(comp *c, uint32_t addr, uint32_t offset)
{
    if ((c->prev_op != OP_F64_MUL_M && c->prev_op != OP_F64_MUL_MA && c->prev_op != OP_F64_MUL) ||
        !c->prev_dst_pos)
        return false;
    uint32_t t = c->code[c->last_op_pos + 2]; /* the add's register operand */
    const uint32_t *mul = &c->code[c->prev_op_pos];
    uint32_t mul_words = c->prev_op == OP_F64_MUL ? 4 : c->prev_op == OP_F64_MUL_M ? 5 : 6;
    if (!(t & TEMP_FLAG) || mul[1] != t || c->prev_dst_pos != c->prev_op_pos + 1 ||
        c->last_op_pos != c->prev_op_pos + mul_words)
        return false;
    if (c->prev_op == OP_F64_MUL) { /* both factors in cells: mem[a+off] += x * y */
        uint32_t x = mul[2], y = mul[3];
        uint32_t saved = c->instr_offset;
        c->instr_offset = unemit_last_two(c);
        emit_op(c, OP_F64_MULADD_RMW_R);
        emit_slot(c, addr);
        emit_slot(c, x);
        emit_slot(c, y);
        emit_imm(c, offset);
        c->instr_offset = saved;
        reset_peephole(c);
        return true;
    }
    uint32_t k = mul[2], x = mul[3], y, moff;
    if (c->prev_op == OP_F64_MUL_M) {
        y = const_slot(c, 0);
        moff = mul[4];
    } else {
        y = mul[4];
        moff = mul[5];
    }
    if (k == t) /* the multiplier was the temporary itself: keep it simple */
        return false;
    uint32_t saved = c->instr_offset;
    c->instr_offset = unemit_last_two(c);
    uint32_t add[7];
    int fused = take_addr_add(c, addr, x, add);
    if (fused == OP_I32_ADD2_MULADD_RMW) {
        emit_op(c, fused);
        emit_dst(c, add[1]);
        emit_slot(c, add[2]);
        emit_slot(c, add[3]);
        emit_dst(c, add[4]);
        emit_slot(c, add[5]);
        emit_slot(c, add[6]);
        emit_slot(c, k);
        emit_slot(c, y);
        emit_imm(c, offset);
        emit_imm(c, moff);
        c->instr_offset = saved;
        reset_peephole(c);
        return true;
    }
    if (fused == OP_I32_ADD_I_MULADD_RMW) {
        emit_op(c, fused);
        emit_dst(c, add[1]);
        emit_slot(c, add[2]);
        emit_imm(c, add[3]);
        emit_slot(c, k);
        emit_slot(c, x);
        emit_slot(c, y);
        emit_imm(c, offset);
        emit_imm(c, moff);
        c->instr_offset = saved;
        reset_peephole(c);
        return true;
    }
    emit_op(c, OP_F64_MULADD_RMW);
    emit_slot(c, addr);
    emit_slot(c, k);
    emit_slot(c, x);
    emit_slot(c, y);
    emit_imm(c, offset);
    emit_imm(c, moff);
    c->instr_offset = saved;
    reset_peephole(c);
    return true;
}

/* i32 operations with a constant operand take it as an immediate, so the
 * constant needs no frame cell: the immediate form (0: none), the form with
 * the constant on the left (commuted, or a comparison mirrored). Indexed by
 * instruction (no instruction's fused form is OP_BR, 0). */
static const struct { uint16_t right, left; } imm_form[OP_COUNT_] = {
    [OP_I32_ADD] = {OP_I32_ADD_I, OP_I32_ADD_I}, [OP_I32_MUL] = {OP_I32_MUL_I, OP_I32_MUL_I},
    [OP_I32_AND] = {OP_I32_AND_I, OP_I32_AND_I}, [OP_I32_OR] = {OP_I32_OR_I, OP_I32_OR_I},
    [OP_I32_XOR] = {OP_I32_XOR_I, OP_I32_XOR_I}, [OP_I32_SHL] = {OP_I32_SHL_I, 0},
    [OP_I32_SHR_S] = {OP_I32_SHR_S_I, 0},         [OP_I32_SHR_U] = {OP_I32_SHR_U_I, 0},
    [OP_I32_ROTL] = {OP_I32_ROTL_I, 0},
    [OP_I32_EQ] = {OP_I32_EQ_I, OP_I32_EQ_I},     [OP_I32_NE] = {OP_I32_NE_I, OP_I32_NE_I},
    [OP_I32_LT_S] = {OP_I32_LT_S_I, OP_I32_GT_S_I}, [OP_I32_LT_U] = {OP_I32_LT_U_I, OP_I32_GT_U_I},
    [OP_I32_GT_S] = {OP_I32_GT_S_I, OP_I32_LT_S_I}, [OP_I32_GT_U] = {OP_I32_GT_U_I, OP_I32_LT_U_I},
    [OP_I32_LE_S] = {OP_I32_LE_S_I, OP_I32_GE_S_I}, [OP_I32_LE_U] = {OP_I32_LE_U_I, OP_I32_GE_U_I},
    [OP_I32_GE_S] = {OP_I32_GE_S_I, OP_I32_LE_S_I}, [OP_I32_GE_U] = {OP_I32_GE_U_I, OP_I32_LE_U_I},
};
_Static_assert(OP_BR == 0, "0 marks a missing form");

static bool try_immediate(comp *c, int op, const sentry *a, const sentry *b, uint32_t dst)
{
    if (c->dead)
        return false;
    uint32_t imm;
    const sentry *x;
    int form;
    if (b->slot & CONST_FLAG) {
        imm = (uint32_t)c->consts[SLOT_INDEX(b->slot)];
        x = a;
        form = imm_form[op].right;
        if (op == OP_I32_SUB) {
            form = OP_I32_ADD_I;
            imm = 0u - imm;
        }
    } else if (a->slot & CONST_FLAG) {
        /* constant on the left: commute, or mirror a comparison */
        imm = (uint32_t)c->consts[SLOT_INDEX(a->slot)];
        x = b;
        form = imm_form[op].left;
    } else {
        return false;
    }
    if (!form)
        return false;
    emit_op(c, form);
    emit_dst(c, dst);
    emit_slot(c, x->slot);
    emit_imm(c, imm);
    return true;
}

/* a ^ rotl(x, k), a | (x << k)...: hash and checksum code combines shifted
 * and rotated copies of a word; the shift just computed into a temporary
 * becomes the operation's right operand. */
static bool try_shifted_operand(comp *c, int op, const sentry *a, const sentry *b, uint32_t dst)
{
    static const struct { uint16_t op, shift, fused; } forms[] = {
        {OP_I32_XOR, OP_I32_ROTL_I, OP_I32_XOR_ROTL_I}, {OP_I32_XOR, OP_I32_SHR_U_I, OP_I32_XOR_SHR_U_I},
        {OP_I32_XOR, OP_I32_SHL_I, OP_I32_XOR_SHL_I},   {OP_I32_OR, OP_I32_ROTL_I, OP_I32_OR_ROTL_I},
        {OP_I32_OR, OP_I32_SHR_U_I, OP_I32_OR_SHR_U_I}, {OP_I32_OR, OP_I32_SHL_I, OP_I32_OR_SHL_I},
    };
    const sentry *other;
    if (made_by_last(c, b) && (b->slot & TEMP_FLAG))
        other = a; /* both are commutative */
    else if (made_by_last(c, a) && (a->slot & TEMP_FLAG))
        other = b;
    else
        return false;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (forms[i].op == op && forms[i].shift == c->last_op) {
            uint32_t x = c->code[c->last_op_pos + 2], k = c->code[c->last_op_pos + 3];
            replace_last(c, forms[i].fused);
            emit_dst(c, dst);
            emit_slot(c, other->slot);
            emit_slot(c, x);
            emit_imm(c, k);
            return true;
        }
    return false;
}

/* x + a*b (two roundings, as wasm wants: the engine is built with
 * -ffp-contract=off) with the product just computed into a temporary. The
 * add keeps its operand order (NaN payloads), hence two forms. */
static bool try_mul_add(comp *c, const sentry *a, const sentry *b, uint32_t dst)
{
    int form;
    const sentry *other;
    if (made_by_last(c, b) && (b->slot & TEMP_FLAG) && !(made_by_last(c, a))) {
        form = OP_F64_MUL_ADD, other = a;
    } else if (made_by_last(c, a) && (a->slot & TEMP_FLAG) && !(made_by_last(c, b))) {
        form = OP_F64_MUL_ADD_R, other = b;
    } else {
        return false;
    }
    uint32_t x = c->code[c->last_op_pos + 2], y = c->code[c->last_op_pos + 3];
    replace_last(c, form);
    emit_dst(c, dst);
    emit_slot(c, other->slot);
    emit_slot(c, x);
    emit_slot(c, y);
    return true;
}

/* a + d where d = mem[x+y+off] was just loaded into a local (local.tee or
 * set, then get): one F64_LDA_ADD that still writes the local (the stencil
 * keeps row[j+1] for the next point so: 6 -> 5 handlers per point). */
static bool try_add_loaded(comp *c, const sentry *a, const sentry *b, uint32_t dst)
{
    const uint32_t *w = &c->code[c->last_op_pos];
    if (c->oom || c->last_op_pos + 5 != c->len || b->slot != w[1] || !c->last_dst_pos)
        return false;
    uint32_t d = w[1], x = w[2], y = w[3], off = w[4];
    replace_last(c, OP_F64_LDA_ADD);
    emit_slot(c, d);
    emit_slot(c, x);
    emit_slot(c, y);
    emit_imm(c, off);
    emit_dst(c, dst);
    emit_slot(c, a->slot);
    return true;
}

/* Integer compares that a following br_if / if can absorb: the
 * compare-and-branch on the compare, and on its negation (0: none). */
static const struct { uint16_t on_true, on_false; } branch_form[OP_COUNT_] = {
    [OP_I32_EQ] = {OP_BR_I32_EQ, OP_BR_I32_NE},
    [OP_I32_NE] = {OP_BR_I32_NE, OP_BR_I32_EQ},
    [OP_I32_LT_S] = {OP_BR_I32_LT_S, OP_BR_I32_GE_S},
    [OP_I32_LT_U] = {OP_BR_I32_LT_U, OP_BR_I32_GE_U},
    [OP_I32_GT_S] = {OP_BR_I32_GT_S, OP_BR_I32_LE_S},
    [OP_I32_GT_U] = {OP_BR_I32_GT_U, OP_BR_I32_LE_U},
    [OP_I32_LE_S] = {OP_BR_I32_LE_S, OP_BR_I32_GT_S},
    [OP_I32_LE_U] = {OP_BR_I32_LE_U, OP_BR_I32_GT_U},
    [OP_I32_GE_S] = {OP_BR_I32_GE_S, OP_BR_I32_LT_S},
    [OP_I32_GE_U] = {OP_BR_I32_GE_U, OP_BR_I32_LT_U},
    [OP_I64_EQ] = {OP_BR_I64_EQ, OP_BR_I64_NE},
    [OP_I64_NE] = {OP_BR_I64_NE, OP_BR_I64_EQ},
    [OP_I64_LT_S] = {OP_BR_I64_LT_S, OP_BR_I64_GE_S},
    [OP_I64_LT_U] = {OP_BR_I64_LT_U, OP_BR_I64_GE_U},
    [OP_I64_GT_S] = {OP_BR_I64_GT_S, OP_BR_I64_LE_S},
    [OP_I64_GT_U] = {OP_BR_I64_GT_U, OP_BR_I64_LE_U},
    [OP_I64_LE_S] = {OP_BR_I64_LE_S, OP_BR_I64_GT_S},
    [OP_I64_LE_U] = {OP_BR_I64_LE_U, OP_BR_I64_GT_U},
    [OP_I64_GE_S] = {OP_BR_I64_GE_S, OP_BR_I64_LT_S},
    [OP_I64_GE_U] = {OP_BR_I64_GE_U, OP_BR_I64_LT_U},
    [OP_I32_EQZ] = {OP_BR_EQZ_I32, OP_BR_NEZ_I32},
    [OP_I64_EQZ] = {OP_BR_EQZ_I64, OP_BR_NEZ_I64},
    [OP_I32_EQ_I] = {OP_BR_I32_EQ_I, OP_BR_I32_NE_I},
    [OP_I32_NE_I] = {OP_BR_I32_NE_I, OP_BR_I32_EQ_I},
    [OP_I32_LT_S_I] = {OP_BR_I32_LT_S_I, OP_BR_I32_GE_S_I},
    [OP_I32_LT_U_I] = {OP_BR_I32_LT_U_I, OP_BR_I32_GE_U_I},
    [OP_I32_GT_S_I] = {OP_BR_I32_GT_S_I, OP_BR_I32_LE_S_I},
    [OP_I32_GT_U_I] = {OP_BR_I32_GT_U_I, OP_BR_I32_LE_U_I},
    [OP_I32_LE_S_I] = {OP_BR_I32_LE_S_I, OP_BR_I32_GT_S_I},
    [OP_I32_LE_U_I] = {OP_BR_I32_LE_U_I, OP_BR_I32_GT_U_I},
    [OP_I32_GE_S_I] = {OP_BR_I32_GE_S_I, OP_BR_I32_LT_S_I},
    [OP_I32_GE_U_I] = {OP_BR_I32_GE_U_I, OP_BR_I32_LT_U_I},
};

static int fused_branch(uint32_t op, bool negate)
{
    int br = negate ? branch_form[op].on_false : branch_form[op].on_true;
    return br ? br : -1;
}

/* The add-compare-branch form of compare-branch br when the last instruction
 * is an add whose result is the compare's left operand a. */
static int add_branch_form(comp *c, int br, uint32_t a)
{
    if (c->dead || c->oom || !c->last_dst_pos || c->code[c->last_dst_pos] != a)
        return -1;
    if (c->last_op == OP_I32_ADD || c->last_op == OP_I32_ADD_I) {
        bool y_imm = c->last_op == OP_I32_ADD_I;
        if (br >= OP_BR_I32_EQ && br <= OP_BR_I32_GE_U)
            return (y_imm ? OP_AB32I_EQ : OP_AB32_EQ) + (br - OP_BR_I32_EQ);
        if (br >= OP_BR_I32_EQ_I && br <= OP_BR_I32_GE_U_I)
            return (y_imm ? OP_AB32IBI_EQ : OP_AB32BI_EQ) + (br - OP_BR_I32_EQ_I);
    } else if (c->last_op == OP_I64_ADD) {
        if (br >= OP_BR_I64_EQ && br <= OP_BR_I64_GE_U)
            return OP_AB64_EQ + (br - OP_BR_I64_EQ);
    }
    return -1;
}

/* The compare-branch testing (b cc' a) for one testing (a cc b). */
static int mirror_branch(int br)
{
    static const int8_t mirror[10] = {0, 1, 4, 5, 2, 3, 8, 9, 6, 7}; /* EQ NE LT_S LT_U GT_S ... */
    if (br >= OP_BR_I32_EQ && br <= OP_BR_I32_GE_U)
        return OP_BR_I32_EQ + mirror[br - OP_BR_I32_EQ];
    if (br >= OP_BR_I64_EQ && br <= OP_BR_I64_GE_U)
        return OP_BR_I64_EQ + mirror[br - OP_BR_I64_EQ];
    return -1;
}

/* ---- entry points (fuse.h) --------------------------------------------------- */

void fuse_pair_slow(comp *c, int next_op)
{
    /* an i32 compare may still absorb the add before it (add-compare-branch) */
    if ((c->last_op == OP_I32_ADD || c->last_op == OP_I32_ADD_I) &&
        !(next_op >= OP_I32_EQ && next_op <= OP_I32_GE_U) &&
        !(next_op >= OP_I32_EQ_I && next_op <= OP_I32_GE_U_I))
        merge_add_pair(c);
    else if (c->last_op == OP_COPY)
        merge_copy_pair(c);
}

bool fuse_binary_slow(comp *c, int op, uint8_t type, const sentry *a, const sentry *b, uint32_t dst)
{
    if ((op == OP_I32_XOR || op == OP_I32_OR) && try_shifted_operand(c, op, a, b, dst))
        return true;
    if (try_memory_operand(c, op, type, a, b, dst))
        return true;
    if (op == OP_F64_ADD && c->last_op == OP_F64_MUL && try_mul_add(c, a, b, dst))
        return true;
    if (op == OP_F64_ADD && c->last_op == OP_LDA_I64 && try_add_loaded(c, a, b, dst))
        return true;
    return type == WASM_I32 && try_immediate(c, op, a, b, dst);
}

bool fuse_load_slow(comp *c, int op, const sentry *addr, uint32_t dst, uint32_t offset)
{
    if (!made_by_last(c, addr) || (c->last_op != OP_I32_ADD && c->last_op != OP_I32_ADD_I))
        return false;
    /* the address is an i32.add just computed: add inside the load (a
     * constant addend is read from its frame cell: compilers leave `x + k`
     * unfolded when it may wrap, so the offset field cannot take it) */
    uint32_t x = c->code[c->last_op_pos + 2], y = c->code[c->last_op_pos + 3];
    if (c->last_op == OP_I32_ADD_I)
        y = const_slot(c, y);
    replace_last(c, OP_LDA_I32 + (op - OP_LD_I32));
    emit_dst(c, dst);
    emit_slot(c, x);
    emit_slot(c, y);
    emit_imm(c, offset);
    return true;
}

bool fuse_store_slow(comp *c, int op, const sentry *addr, const sentry *value, uint32_t offset)
{
    int rmw = rmw_form(c, op, addr, value, offset);
    if (rmw == OP_F64_ADD_RMW && try_muladd_rmw(c, addr->slot, offset))
        return true;
    if (rmw >= 0) {
        /* mem[a] = x op mem[a]: one read-modify-write instruction */
        uint32_t other = c->code[c->last_op_pos + 2];
        replace_last(c, rmw);
        emit_slot(c, addr->slot);
        emit_slot(c, other);
        emit_imm(c, offset);
        reset_peephole(c);
        return true;
    }
    int st = store_of_result_form(c, op, value);
    if (st == OP_F64_MUL_ST && try_sum_mul_store(c, addr->slot, offset))
        return true;
    if (st >= 0) {
        /* mem[a] = x op y: the operation stores its result itself */
        uint32_t x = c->code[c->last_op_pos + 2], y = c->code[c->last_op_pos + 3];
        replace_last(c, st);
        emit_slot(c, addr->slot);
        emit_slot(c, x);
        emit_slot(c, y);
        emit_imm(c, offset);
        reset_peephole(c);
        return true;
    }
    if (made_by_last(c, addr) && c->last_op == OP_I32_ADD) {
        /* the address is an i32.add just computed */
        uint32_t x = c->code[c->last_op_pos + 2], y = c->code[c->last_op_pos + 3];
        replace_last(c, OP_STA_8 + (op - OP_ST_8));
        emit_slot(c, x);
        emit_slot(c, y);
        emit_slot(c, value->slot);
        emit_imm(c, offset);
        reset_peephole(c);
        return true;
    }
    return false;
}

bool fuse_return_slow(comp *c, const sentry *value)
{
    if (!made_by_last(c, value) || !(value->slot & TEMP_FLAG) ||
        (c->last_op != OP_I32_ADD && c->last_op != OP_I64_ADD))
        return false;
    /* `return a + b`: the add writes the result cell itself */
    uint32_t x = c->code[c->last_op_pos + 2], y = c->code[c->last_op_pos + 3];
    replace_last(c, c->last_op == OP_I32_ADD ? OP_RET_I32_ADD : OP_RET_I64_ADD);
    emit_slot(c, x);
    emit_slot(c, y);
    reset_peephole(c);
    return true;
}

/* A compare that produced cond just before becomes a compare-and-branch, and
 * an add just before that compare an add-compare-branch. */
bool fuse_cond_branch_slow(comp *c, const sentry *cond, ctrl *f, bool negate)
{
    if (!c->last_dst_pos || cond->slot != cond->home || c->oom ||
        c->code[c->last_dst_pos] != cond->home)
        return false;
    int fused = fused_branch(c->last_op, negate);
    if (fused < 0)
        return false;
    bool unary_cmp = c->last_op == OP_I32_EQZ || c->last_op == OP_I64_EQZ;
    bool imm = c->last_op >= OP_I32_EQ_I && c->last_op <= OP_I32_GE_U_I;
    uint32_t a = c->code[c->last_op_pos + 2];
    uint32_t b = unary_cmp ? 0 : c->code[c->last_op_pos + 3];
    unemit_last(c);
    int ab = unary_cmp ? -1 : add_branch_form(c, fused, a);
    if (ab < 0 && !unary_cmp && !imm) {
        /* the add's result on the right: swap the operands, mirror the test */
        int mirrored = mirror_branch(fused);
        if (mirrored >= 0 && (ab = add_branch_form(c, mirrored, b)) >= 0) {
            uint32_t t = a;
            a = b;
            b = t;
        }
    }
    if (ab >= 0) {
        /* d = x + y just before: one instruction adds, compares and branches */
        uint32_t d = c->code[c->last_op_pos + 1], x = c->code[c->last_op_pos + 2];
        uint32_t y = c->code[c->last_op_pos + 3];
        bool y_imm = c->last_op == OP_I32_ADD_I;
        uint32_t pos = replace_last(c, ab);
        emit_slot(c, d);
        emit_slot(c, x);
        if (y_imm)
            emit_imm(c, y);
        else
            emit_slot(c, y);
        if (imm)
            emit_imm(c, b);
        else
            emit_slot(c, b);
        emit_target(c, f, pos);
        return true;
    }
    uint32_t pos = emit_op(c, fused);
    emit_slot(c, a);
    if (imm)
        emit_imm(c, b);
    else if (!unary_cmp)
        emit_slot(c, b);
    emit_target(c, f, pos);
    return true;
}
