/* The client's parser of the Keep's channel messages (abi/deploy.h):
 * untrusted bytes, whoever relays them. Apart from the rest of the client
 * so that the fuzz target (tests/fuzz/deploy_client_msg.c) links it alone. */
#include <stdbool.h>
#include <stdio.h>

#include "abi/deploy.h"
#include "abi/evidence.h"
#include "deploy/deploy.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

long deploy_keep_msg_parse(const uint8_t *buf, size_t len, enum deploy_client_phase phase, uint32_t *type,
                           const uint8_t **payload, uint32_t *payload_len, char *err, size_t errlen)
{
    if (len < DEPLOY_MSG_HEADER_LEN)
        return 0;
    uint32_t t = le32(buf), n = le32(buf + 4);
    uint32_t min = 0, max;
    bool allowed;
    switch (t) {
    case DEPLOY_MSG_EVIDENCE:
        allowed = phase == DEPLOY_WANT_EVIDENCE;
        min = ENARX_EVIDENCE_HEADER_LEN;
        max = ENARX_EVIDENCE_MAX;
        break;
    case DEPLOY_MSG_RUNNING:
        allowed = phase == DEPLOY_WANT_RUNNING;
        min = max = 4 + DEPLOY_DIGEST_LEN;
        break;
    case DEPLOY_MSG_ERROR:
        allowed = phase != DEPLOY_WANT_EVIDENCE;
        max = DEPLOY_MSG_MAX_ERROR;
        break;
    case DEPLOY_MSG_STDOUT:
    case DEPLOY_MSG_STDERR:
        allowed = phase == DEPLOY_WANT_OUTPUT;
        max = DEPLOY_MSG_MAX_DATA;
        break;
    case DEPLOY_MSG_EXIT:
        allowed = phase != DEPLOY_WANT_EVIDENCE;
        min = max = 4;
        break;
    default:
        snprintf(err, errlen, "the Keep sent a message of unknown type %u", t);
        return -1;
    }
    if (!allowed) {
        snprintf(err, errlen, "the Keep sent a message of type 0x%x out of order", t);
        return -1;
    }
    if (n < min || n > max) {
        snprintf(err, errlen, "the Keep sent a type 0x%x message of %u bytes (expected %u..%u)", t, n, min, max);
        return -1;
    }
    if (len - DEPLOY_MSG_HEADER_LEN < n)
        return 0;
    if (t == DEPLOY_MSG_RUNNING && le32(buf + DEPLOY_MSG_HEADER_LEN) != DEPLOY_DIGEST_ALG_SHA256) {
        snprintf(err, errlen, "the Keep reports its workload's digest with an unknown algorithm");
        return -1;
    }
    if (t == DEPLOY_MSG_EXIT && le32(buf + DEPLOY_MSG_HEADER_LEN) > 255) {
        snprintf(err, errlen, "the Keep reports an exit status above 255");
        return -1;
    }
    *type = t;
    *payload = buf + DEPLOY_MSG_HEADER_LEN;
    *payload_len = n;
    return (long)(DEPLOY_MSG_HEADER_LEN + n);
}

