/* The instruction table built from opcodes.def, and the decoding of the
 * immediates read_instr leaves out of line. */
#include "engine/opcodes.h"

#define T__ 0
#define T_I32 WASM_I32
#define T_I64 WASM_I64
#define T_F32 WASM_F32
#define T_F64 WASM_F64
#define T_V128 WASM_V128
#define T_FUNCREF WASM_FUNCREF
#define NIN(a, b, c) ((T_##a != 0) + (T_##b != 0) + (T_##c != 0))

const wasm_opinfo wasm_ops[WOP_COUNT] = {
#define OP(prefix, sub, name, text, imm, param, how, in1, in2, in3, out, emits)                    \
    [WOP_INDEX(prefix, sub)] = {text,     OP_##emits, IMM_##imm,       param, HOW_##how,           \
                                NIN(in1, in2, in3),   {T_##in1, T_##in2, T_##in3}, T_##out},
#include "engine/opcodes.def"
#undef OP
    /* the prefixes: read_imm_slow reads the instruction that follows */
    [0xfc] = {.imm = IMM_PREFIX},
    [0xfd] = {.imm = IMM_PREFIX},
};

/* Operand types are listed deepest first with no gaps: the translator pops
 * nin of them. */
#define OP(prefix, sub, name, text, imm, param, how, in1, in2, in3, out, emits)                    \
    _Static_assert((T_##in1 != 0 || T_##in2 == 0) && (T_##in2 != 0 || T_##in3 == 0),               \
                   #name ": operand types with a gap");
#include "engine/opcodes.def"
#undef OP

static bool read_zero_byte(reader *r) { return rd_zero_byte(r, "zero byte expected"); }

/* A block type given by a type index (read_imms took 0x40 and value types). */
static bool read_block_index(reader *r, instr *in, size_t at)
{
    int64_t idx;
    if (!rd_s33(r, &idx))
        return false;
    if (idx < 0)
        return rd_fail_at(r, at, "malformed block type");
    in->type = 0;
    in->x = (uint32_t)idx; /* s33: below 2^32 */
    return true;
}

static bool need_data_count(reader *r, const wasm_module *m, size_t at)
{
    if (!m->has_data_count && m->data_seg_count)
        return rd_fail_at(r, at, "data count section required");
    return true;
}

bool read_prefixed(reader *r, const wasm_module *m, instr *in, size_t at)
{
    uint32_t sub, prefix = in->code;
    if (!rd_u32(r, &sub))
        return false;
    /* out of range: the prefix's own entry, which stands for no instruction */
    if (prefix == 0xfc)
        in->code = sub < WOP_FC_COUNT ? WOP_FC_BASE + sub : 0xfc;
    else
        in->code = sub < WOP_FD_COUNT ? WOP_FD_BASE + sub : 0xfd;
    in->info = &wasm_ops[in->code];
    if (in->info->imm == IMM_PREFIX)
        return rd_fail_at(r, at, prefix == 0xfc ? "illegal opcode (unknown 0xfc operator)"
                                                : "illegal opcode (unknown 0xfd operator)");
    return read_imms(r, m, in, in->info, at);
}

bool read_imm_rare(reader *r, const wasm_module *m, instr *in, size_t at)
{
    const wasm_opinfo *info = in->info;
    uint32_t n;
    switch ((enum imm_kind)info->imm) {
    case IMM_PREFIX:
        return read_prefixed(r, m, in, at);
    case IMM_ILLEGAL:
        if (in->code >= WOP_FC_BASE && in->code < WOP_FC_BASE + WOP_FC_COUNT)
            return rd_fail_at(r, at, "illegal opcode (unknown 0xfc operator)");
        if (in->code >= WOP_FD_BASE)
            return rd_fail_at(r, at, "illegal opcode (unknown 0xfd operator)");
        return rd_fail_at(r, at, "illegal opcode");
    case IMM_BLOCK:
        return read_block_index(r, in, at);
    case IMM_BR_TABLE:
        if (!rd_count(r, &n, 1))
            return false;
        in->x = n;
        in->y = (uint32_t)r->pos;
        for (uint64_t i = 0; i <= n; i++) {
            uint32_t depth;
            if (!rd_u32(r, &depth))
                return false;
        }
        return true;
    case IMM_CALL_INDIRECT: case IMM_TABLE_INIT: case IMM_TABLE_COPY:
        return rd_u32(r, &in->x) && rd_u32(r, &in->y);
    case IMM_SELECT_T:
        if (!rd_count(r, &n, 1))
            return false;
        in->x = n;
        in->type = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t t;
            if (!rd_valtype(r, &t))
                return false;
            if (i == 0)
                in->type = t;
        }
        return true;
    case IMM_MEMARG_LANE:
        return read_memarg(r, in) && rd_u8(r, &in->lane);
    case IMM_MEMORY:
        return read_zero_byte(r);
    case IMM_MEMORY2:
        return read_zero_byte(r) && read_zero_byte(r);
    case IMM_I64: {
        int64_t v;
        if (!rd_s64(r, &v))
            return false;
        in->lo = (uint64_t)v;
        return true;
    }
    case IMM_F32: {
        uint32_t v;
        if (!rd_fixed32(r, &v))
            return false;
        in->lo = v;
        return true;
    }
    case IMM_F64:
        return rd_fixed64(r, &in->lo);
    case IMM_V128: case IMM_SHUFFLE:
        return rd_fixed64(r, &in->lo) && rd_fixed64(r, &in->hi);
    case IMM_LANE:
        return rd_u8(r, &in->lane);
    case IMM_REFTYPE:
        return rd_reftype(r, &in->type);
    case IMM_DATA:
        return need_data_count(r, m, at) && rd_u32(r, &in->x);
    case IMM_MEMORY_INIT:
        return need_data_count(r, m, at) && rd_u32(r, &in->x) && read_zero_byte(r);
    default: /* read_imms' own: IMM_NONE, IMM_LABEL..., IMM_I32, IMM_MEMARG */
        break;
    }
    return rd_fail_at(r, at, "illegal opcode");
}
