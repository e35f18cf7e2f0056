/* libFuzzer: the Keep's channel messages as `enarx deploy` parses them
 * (whoever relays them, they are untrusted). The first byte picks the phase. */
#include <stddef.h>
#include <stdint.h>

#include "deploy/deploy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum deploy_client_phase phase = (enum deploy_client_phase)(data[0] % 3);
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    char err[256];
    for (;;) {
        uint32_t type, len;
        const uint8_t *payload;
        long used = deploy_keep_msg_parse(p, left, phase, &type, &payload, &len, err, sizeof err);
        if (used <= 0)
            break;
        if (payload < p || payload + len > p + used || (size_t)used > left)
            __builtin_trap();
        p += used;
        left -= (size_t)used;
    }
    return 0;
}
