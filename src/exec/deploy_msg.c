/* The exec's parsers of the deploy's untrusted bytes (abi/deploy.h): the
 * launch record the host hands in, and the client's channel messages.
 * Apart from the rest of deploy mode so that the fuzz target
 * (tests/fuzz/deploy_keep_msg.c) links them alone. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "abi/deploy.h"
#include "abi/evidence.h"
#include "abi/log_level.h"
#include "exec/deploy.h"
#include "exec/evidence.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int deploy_launch_parse(const uint8_t *rec, size_t len, exec_claim *claim, int *conn_fd, int *log_level, char *err,
                        size_t errlen)
{
    if (len != DEPLOY_LAUNCH_LEN || memcmp(rec, DEPLOY_LAUNCH_MAGIC, DEPLOY_MAGIC_LEN) != 0) {
        snprintf(err, errlen, "deploy launch record: %zu bytes or a bad magic (expected %d bytes, \"%s\")", len,
                 DEPLOY_LAUNCH_LEN, DEPLOY_LAUNCH_MAGIC);
        return -1;
    }
    uint32_t fd = le32(rec + 8), level = le32(rec + 12), alg = le32(rec + 16), mlen = le32(rec + 20);
    int32_t attester = (int32_t)le32(rec + 88);
    uint32_t reserved = le32(rec + 92);
    uint32_t want = alg == ENARX_HASH_SHA256 ? 32 : alg == ENARX_HASH_SHA384 ? 48 : alg == ENARX_HASH_SHA512 ? 64 : 0;
    const char *bad = fd != DEPLOY_CONN_FD                             ? "conn_fd is not 4"
                      : level >= ENARX_LOG_LEVEL_COUNT                 ? "log_level is not 0..4"
                      : (alg != ENARX_HASH_NONE && want == 0)          ? "unknown measurement algorithm"
                      : mlen != want                                   ? "measurement length does not fit its algorithm"
                      : (attester != -1 && attester != DEPLOY_ATTESTER_FD) ? "attester_fd is neither -1 nor 5"
                      : reserved != 0                                  ? "reserved field is not zero"
                                                                       : NULL;
    if (bad) {
        snprintf(err, errlen, "deploy launch record: %s", bad);
        return -1;
    }
    memset(claim, 0, sizeof *claim);
    claim->alg = alg;
    claim->len = mlen;
    memcpy(claim->measurement, rec + 24, mlen);
    claim->attester_fd = attester;
    *conn_fd = (int)fd;
    *log_level = (int)level;
    return 0;
}

long deploy_msg_parse(const uint8_t *buf, size_t len, enum deploy_phase phase, uint32_t *type,
                      const uint8_t **payload, uint32_t *payload_len, char *err, size_t errlen)
{
    if (len < DEPLOY_MSG_HEADER_LEN)
        return 0;
    uint32_t t = le32(buf), n = le32(buf + 4);
    uint32_t limit;
    bool allowed;
    switch (t) {
    case DEPLOY_MSG_NONCE:
        allowed = phase == DEPLOY_PHASE_NONCE;
        limit = DEPLOY_NONCE_LEN;
        break;
    case DEPLOY_MSG_STDIN:
        allowed = phase == DEPLOY_PHASE_RUNNING;
        limit = DEPLOY_MSG_MAX_DATA;
        break;
    case DEPLOY_MSG_STDIN_EOF:
        allowed = phase == DEPLOY_PHASE_RUNNING;
        limit = 0;
        break;
    default:
        snprintf(err, errlen, "the client sent a message of unknown type %u", t);
        return -1;
    }
    if (!allowed) {
        snprintf(err, errlen, "the client sent a message of type %u out of order", t);
        return -1;
    }
    if (n > limit || (t == DEPLOY_MSG_NONCE && n != DEPLOY_NONCE_LEN)) {
        snprintf(err, errlen, "the client sent a type %u message of %u bytes (limit %u)", t, n, limit);
        return -1;
    }
    if (len - DEPLOY_MSG_HEADER_LEN < n)
        return 0;
    *type = t;
    *payload = buf + DEPLOY_MSG_HEADER_LEN;
    *payload_len = n;
    return (long)(DEPLOY_MSG_HEADER_LEN + n);
}

