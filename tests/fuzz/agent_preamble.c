/* libFuzzer: the agent's preamble parser, the only client bytes it reads. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/deploy.h"
#include "agent/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char wanted[DEPLOY_BACKEND_NAME_MAX + 1], err[256];
    size_t used = 0;
    for (size_t n = 0; n <= size && n <= DEPLOY_MAGIC_LEN + 1 + DEPLOY_BACKEND_NAME_MAX; n++) {
        enum agent_request r = agent_parse_preamble(data, n, wanted, sizeof wanted, &used, err, sizeof err);
        if (r == AGENT_DEPLOY && (used > n || strlen(wanted) > DEPLOY_BACKEND_NAME_MAX))
            __builtin_trap();
        if (r != AGENT_NEED_MORE)
            break;
    }
    return 0;
}
