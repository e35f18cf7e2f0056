/* Starting a Keep for an attested deploy: the launch record (abi/deploy.h)
 * on fd 3, the client's connection on fd 4. The host hands the connection
 * over and keeps nothing of it: it never holds a key or sees plaintext. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi/deploy.h"
#include "abi/evidence.h"
#include "backend/backend.h"
#include "measure/measure.h"

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The record, in a memfd read from offset 0. */
static int launch_record(const backend_deploy_options *opt, const uint8_t *claim, size_t claim_len, char *err,
                         size_t errlen)
{
    uint8_t rec[DEPLOY_LAUNCH_LEN];
    memset(rec, 0, sizeof rec);
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): a magic, not a string */
    memcpy(rec, DEPLOY_LAUNCH_MAGIC, DEPLOY_MAGIC_LEN);
    put32(rec + 8, DEPLOY_CONN_FD);
    put32(rec + 12, (uint32_t)(opt->log_level < 0 ? 0 : opt->log_level > 4 ? 4 : opt->log_level));
    put32(rec + 16, claim_len ? ENARX_HASH_SHA384 : ENARX_HASH_NONE);
    put32(rec + 20, (uint32_t)claim_len);
    if (claim_len)
        memcpy(rec + 24, claim, claim_len);
    put32(rec + 88, opt->attester ? DEPLOY_ATTESTER_FD : (uint32_t)-1);
    int fd = memfd_create("enarx-deploy", MFD_CLOEXEC);
    if (fd < 0 || write(fd, rec, sizeof rec) != (ssize_t)sizeof rec || lseek(fd, 0, SEEK_SET) != 0) {
        snprintf(err, errlen, "cannot write the deploy launch record: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int backend_deploy(const backend *b, int conn_fd, const backend_deploy_options *opt, char *err, size_t errlen)
{
    if (!b->launch) {
        snprintf(err, errlen, "the %s backend cannot launch Keeps in this build", b->name);
        return -1;
    }
    uint8_t claim[MEASURE_SHA384_LEN];
    size_t claim_len = 0;
    if (strcmp(b->name, "nil") == 0) {
        /* nil: what the host claims is the digest of the exec it starts; a
         * VM Keep's VMM answers the evidence call with its own measurement */
        if (opt->claimed)
            memcpy(claim, opt->claimed, sizeof claim);
        else if (measure_file_sha384(opt->exec_path, claim, err, errlen) != 0)
            return -1;
        claim_len = sizeof claim;
    }
    int rec = launch_record(opt, claim, claim_len, err, errlen);
    if (rec < 0)
        return -1;
    backend_launch l = {.stream_fd = rec, .exec_path = opt->exec_path, .log_level = opt->log_level,
                        .deploy = true, .conn_fd = conn_fd, .attester = opt->attester, .mem_size = opt->mem_size,
                        .quiet = true};
    int status = b->launch(&l, err, errlen);
    close(rec);
    return status;
}
