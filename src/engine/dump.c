/* Debug listing of the internal code: with the module option `dump` every
 * function is printed to stderr when translated (wasm_run sets it from
 * ENGINE_DUMP=1; used when working on the compiler). */
#include "engine/internal.h"
#include "engine/ops.h"

#include <stdio.h>

static const char *const op_names[OP_COUNT_] = {
#define OPN(name, words, flags) [OP_##name] = #name,
    ENGINE_OPS(OPN)
#undef OPN
};

static const uint8_t op_words[OP_COUNT_] = {
#define OPW(name, words, flags) [OP_##name] = (words),
    ENGINE_OPS(OPW)
#undef OPW
};

void dump_function(const func_code *fc);

void dump_function(const func_code *fc)
{
    const int32_t *handlers = interp_handler_table();
    fprintf(stderr, "func %u: params %u locals %u consts@%u x%u frame %u\n", fc->func_index,
            fc->param_cells, fc->local_cells, fc->const_base, fc->const_count, fc->frame_cells);
    for (uint32_t i = 0; i < fc->const_count; i++)
        fprintf(stderr, "  const [%u] = 0x%llx\n", fc->const_base + i,
                (unsigned long long)fc->consts[fc->local_cells + i]);
    uint32_t pc = 0;
    while (pc < fc->code_words) {
        int op = -1;
        for (int k = 0; k < OP_COUNT_; k++)
            if ((uint32_t)handlers[k] == fc->code[pc]) {
                op = k;
                break;
            }
        if (op < 0) {
            fprintf(stderr, "  %5u: ??? %08x\n", pc, fc->code[pc]);
            pc++;
            continue;
        }
        uint32_t words = op_words[op];
        if (op == OP_BR_TABLE)
            words = 3 + fc->code[pc + 2] + 1;
        fprintf(stderr, "  %5u: %-16s", pc, op_names[op]);
        for (uint32_t k = 1; k < words && pc + k < fc->code_words; k++)
            fprintf(stderr, " %d", (int32_t)fc->code[pc + k]);
        fprintf(stderr, "\n");
        pc += words ? words : 1;
    }
}
