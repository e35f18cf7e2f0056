/* The agent's only look at what a client sends: the plain-text preamble
 * (abi/deploy.h). Apart from the event loop so that the fuzz target
 * (tests/fuzz/agent_preamble.c) links it alone. */
#include <stdio.h>
#include <string.h>

#include "abi/deploy.h"
#include "agent/agent.h"

enum agent_request agent_parse_preamble(const uint8_t *buf, size_t len, char *wanted, size_t wanted_cap,
                                        size_t *used, char *err, size_t errlen)
{
    size_t head = len < DEPLOY_MAGIC_LEN ? len : DEPLOY_MAGIC_LEN;
    bool info = memcmp(buf, DEPLOY_PREAMBLE_INFO, head) == 0, deploy = memcmp(buf, DEPLOY_PREAMBLE_DEPLOY, head) == 0;
    if (!info && !deploy) {
        snprintf(err, errlen, "not an enarx client (the preamble is neither %s nor %s)", DEPLOY_PREAMBLE_DEPLOY,
                 DEPLOY_PREAMBLE_INFO);
        return AGENT_BAD;
    }
    if (len < DEPLOY_MAGIC_LEN)
        return AGENT_NEED_MORE;
    wanted[0] = 0;
    if (info) {
        *used = DEPLOY_MAGIC_LEN;
        return AGENT_INFO;
    }
    if (len < DEPLOY_MAGIC_LEN + 1)
        return AGENT_NEED_MORE;
    size_t n = buf[DEPLOY_MAGIC_LEN];
    if (n > DEPLOY_BACKEND_NAME_MAX || n >= wanted_cap) {
        snprintf(err, errlen, "a backend name of %zu bytes (at most %u)", n, DEPLOY_BACKEND_NAME_MAX);
        return AGENT_BAD;
    }
    if (len < DEPLOY_MAGIC_LEN + 1 + n)
        return AGENT_NEED_MORE;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf[DEPLOY_MAGIC_LEN + 1 + i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            snprintf(err, errlen, "the backend name has a byte 0x%02x (names are a-z 0-9 - _)", c);
            return AGENT_BAD;
        }
        wanted[i] = (char)c;
    }
    wanted[n] = 0;
    *used = DEPLOY_MAGIC_LEN + 1 + n;
    return AGENT_DEPLOY;
}

