/* The WebAssembly instruction set as data (opcodes.def), and the one decoder
 * of an instruction and its immediates, shared by the syntax-only walk
 * (decode.c) and the validating translator (compile.c). Internal to the
 * engine. */
#ifndef ENGINE_OPCODES_H
#define ENGINE_OPCODES_H

#include "engine/internal.h"
#include "engine/ops.h"
#include "engine/reader.h"

/* An instruction's number (WOP_NAME) is its index in wasm_ops: a one-byte
 * opcode is its byte, 0xfc sub is 0x100 + sub, 0xfd sub is 0x120 + sub.
 * SIMD handlers pass this number to simd.c. */
#define WOP_FC_BASE 0x100u
#define WOP_FC_COUNT 0x20u
#define WOP_FD_BASE 0x120u
#define WOP_FD_COUNT 0x100u
#define WOP_COUNT (WOP_FD_BASE + WOP_FD_COUNT)
#define WOP_INDEX(prefix, sub) \
    ((prefix) == 0xfd ? WOP_FD_BASE + (sub) : (prefix) == 0xfc ? WOP_FC_BASE + (sub) : (sub))

enum wasm_opcode {
#define OP(prefix, sub, name, ...) WOP_##name = WOP_INDEX(prefix, sub),
#include "engine/opcodes.def"
#undef OP
};

/* What follows the opcode (fields of `instr` they fill). */
enum imm_kind {
    IMM_ILLEGAL = 0,   /* no such instruction (the table's gaps) */
    IMM_PREFIX,        /* 0xfc, 0xfd: the instruction is the LEB128 u32 that follows */
    IMM_NONE,
    IMM_BLOCK,         /* block type: type = 0x40 (none) or a value type, or 0 with x = type index */
    IMM_LABEL,         /* x = label depth */
    IMM_BR_TABLE,      /* x = n, y = reader position of the n + 1 label depths (read again by the user) */
    IMM_FUNC,          /* x = function index */
    IMM_CALL_INDIRECT, /* x = type index, y = table index */
    IMM_LOCAL,         /* x = local index */
    IMM_GLOBAL,        /* x = global index */
    IMM_TABLE,         /* x = table index */
    IMM_SELECT_T,      /* x = number of types (valid: 1), type = the first */
    IMM_MEMARG,        /* x = alignment (log2), y = offset */
    IMM_MEMARG_LANE,   /* the same, and lane */
    IMM_MEMORY,        /* a zero byte (memory 0) */
    IMM_MEMORY2,       /* two zero bytes (memory.copy) */
    IMM_I32,           /* lo = the value's 32 bits */
    IMM_I64,           /* lo */
    IMM_F32,           /* lo = the bits */
    IMM_F64,           /* lo = the bits */
    IMM_V128,          /* lo, hi */
    IMM_SHUFFLE,       /* lo, hi = 16 lane indices, one byte each */
    IMM_LANE,          /* lane */
    IMM_REFTYPE,       /* type */
    IMM_DATA,          /* x = data segment */
    IMM_MEMORY_INIT,   /* x = data segment, then a zero byte */
    IMM_ELEM,          /* x = element segment */
    IMM_TABLE_INIT,    /* x = element segment, y = table */
    IMM_TABLE_COPY,    /* x = destination table, y = source table */
};

/* How the translator handles an instruction (its case in compile.c). */
enum how {
    HOW_ILLEGAL = 0, /* no such instruction */
    HOW_PLAIN,       /* pops in[], pushes out, emits `emits` (operands in the table's order) */
    HOW_BINARY,      /* the same for two operands, after trying fusion */
    HOW_LOAD,        /* the same for a scalar load, after trying fusion */
    HOW_STORE,       /* the same for a scalar store, after trying fusion */
    HOW_CONST,       /* pushes a constant: no code */
    HOW_REINTERPRET, /* retypes the operand: no code */
    HOW_UNREACHABLE, HOW_NOP, HOW_BLOCK, HOW_LOOP, HOW_IF, HOW_ELSE, HOW_END, HOW_BR, HOW_BR_IF,
    HOW_BR_TABLE, HOW_RETURN, HOW_CALL, HOW_CALL_INDIRECT, HOW_DROP, HOW_SELECT, HOW_LOCAL_GET,
    HOW_LOCAL_SET, HOW_LOCAL_TEE, HOW_GLOBAL_GET, HOW_GLOBAL_SET, HOW_TABLE_GET, HOW_TABLE_SET,
    HOW_REF_IS_NULL, HOW_REF_FUNC, HOW_MEMORY_INIT, HOW_DATA_DROP, HOW_TABLE_INIT, HOW_ELEM_DROP,
    HOW_TABLE_COPY, HOW_TABLE_GROW, HOW_TABLE_SIZE, HOW_TABLE_FILL,
};

/* OP_NOP: the instruction emits nothing of its own. */
#define OP_NOP OP_COUNT_

typedef struct wasm_opinfo {
    const char *text;  /* the spec's name */
    uint16_t emits;    /* enum engine_op, or OP_NOP */
    uint8_t imm;       /* enum imm_kind */
    uint8_t param;     /* natural alignment (log2) of a memarg, or the lane count of a lane */
    uint8_t how;       /* enum how */
    uint8_t nin;       /* number of operands */
    uint8_t in[3];     /* operand types, deepest first (WASM_I32...) */
    uint8_t out;       /* result type, 0 = none */
} wasm_opinfo;

extern const wasm_opinfo wasm_ops[WOP_COUNT];

/* One decoded instruction. */
typedef struct instr {
    const wasm_opinfo *info;
    uint32_t code; /* WOP_* */
    uint32_t x, y; /* index immediates (see enum imm_kind) */
    uint64_t lo, hi;
    uint8_t type;
    uint8_t lane;
} instr;

#define DECODE_INLINE inline __attribute__((always_inline))

/* Out of line (opcodes.c): the rarer immediates, the instruction after a
 * prefix, and the errors. */
bool read_prefixed(reader *r, const wasm_module *m, instr *in, size_t at);
bool read_imm_rare(reader *r, const wasm_module *m, instr *in, size_t at);

static DECODE_INLINE bool read_memarg(reader *r, instr *in)
{
    size_t flags_at = r->pos;
    if (!rd_u32(r, &in->x))
        return false;
    if (in->x >= 32)
        return rd_fail_at(r, flags_at, "malformed memop flags");
    return rd_u32(r, &in->y);
}

/* The immediates of in's instruction, info (at: where it starts, for
 * messages): the commonest inline, on the path of every instruction
 * translated. */
static DECODE_INLINE bool read_imms(reader *r, const wasm_module *m, instr *in,
                                    const wasm_opinfo *info, size_t at)
{
    switch (info->imm) {
    case IMM_NONE:
        return true;
    case IMM_LABEL: case IMM_FUNC: case IMM_LOCAL: case IMM_GLOBAL: case IMM_TABLE: case IMM_ELEM:
        return rd_u32(r, &in->x);
    case IMM_I32: {
        int32_t v;
        if (!rd_s32(r, &v))
            return false;
        in->lo = (uint32_t)v;
        return true;
    }
    case IMM_BLOCK:
        if (LIKELY(r->pos < r->end)) { /* no result, or one value: the index form out of line */
            uint8_t b = r->base[r->pos];
            if (b == 0x40 || is_valtype(b)) {
                r->pos++;
                in->type = b;
                return true;
            }
        }
        break;
    case IMM_MEMARG:
        return read_memarg(r, in);
    default:
        break;
    }
    return read_imm_rare(r, m, in, at);
}

/* Decodes the instruction at the reader (which must not be at its end):
 * opcode, prefix and immediates, with the syntax rules of the binary format
 * (malformed: an unknown opcode, a truncated or oversized LEB128, a bad
 * block type, memop flags, a non-zero memory byte...). Validity (indices,
 * alignment, lanes, types) is the caller's. */
static DECODE_INLINE bool read_instr(reader *r, const wasm_module *m, instr *in)
{
    size_t at = r->pos;
    uint32_t code = r->base[r->pos++];
    const wasm_opinfo *info = &wasm_ops[code];
    in->info = info;
    in->code = code;
    return read_imms(r, m, in, info, at);
}

#endif
