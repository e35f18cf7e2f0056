/* libFuzzer: what the exec parses in deploy mode before anything is
 * verified: the host's launch record and the client's channel messages.
 * The first byte picks the parser (and the phase). */
#include <stddef.h>
#include <stdint.h>

#include "abi/deploy.h"
#include "exec/deploy.h"
#include "exec/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char err[256];
    if (data[0] & 1) {
        exec_claim claim;
        int fd, level;
        deploy_launch_parse(data + 1, size - 1, &claim, &fd, &level, err, sizeof err);
        return 0;
    }
    enum deploy_phase phase = data[0] & 2 ? DEPLOY_PHASE_RUNNING : DEPLOY_PHASE_NONCE;
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    for (;;) { /* a run of messages, as the exec takes them in */
        uint32_t type, len;
        const uint8_t *payload;
        long used = deploy_msg_parse(p, left, phase, &type, &payload, &len, err, sizeof err);
        if (used <= 0)
            break;
        if (payload < p || payload + len > p + used || (size_t)used > left)
            __builtin_trap();
        p += used;
        left -= (size_t)used;
    }
    return 0;
}
