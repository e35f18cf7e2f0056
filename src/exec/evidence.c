/* Evidence for the exec: ENARX_SYS_GETATT to the shim (kvm, sev), or, when
 * nothing serves it (nil: Linux says ENOSYS), the UNATTESTED document built
 * here from what the host claimed. Whatever comes from beneath is checked
 * for shape before it is used: the host may be the one answering. */
#include "exec/evidence.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi/evidence.h"
#include "common/unattested.h"

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The header says what follows; the lengths must add up and the kind must be
 * the one the call returned. */
static int check_shape(const uint8_t *buf, size_t len, uint32_t kind, char *err, size_t errlen)
{
    if (len < ENARX_EVIDENCE_HEADER_LEN || memcmp(buf, ENARX_EVIDENCE_MAGIC, ENARX_EVIDENCE_MAGIC_LEN) != 0 ||
        get32(buf + 8) != kind || get32(buf + 12) != ENARX_EVIDENCE_HEADER_LEN ||
        (uint64_t)ENARX_EVIDENCE_HEADER_LEN + get32(buf + 16) + get32(buf + 20) != len) {
        snprintf(err, errlen, "the evidence from beneath the Keep (%zu bytes, kind %u) is malformed", len, kind);
        return -1;
    }
    return 0;
}

static int from_test_attester(const uint8_t report_data[64], int fd, uint8_t **out, size_t *len, uint32_t *kind,
                              char *err, size_t errlen)
{
    uint8_t head[8];
    if (write(fd, report_data, ENARX_REPORT_DATA_LEN) != ENARX_REPORT_DATA_LEN ||
        read(fd, head, sizeof head) != (ssize_t)sizeof head) {
        snprintf(err, errlen, "the test attester did not answer: %s", strerror(errno));
        return -1;
    }
    uint32_t n = get32(head);
    *kind = get32(head + 4);
    if (n == 0 || n > ENARX_EVIDENCE_MAX) {
        snprintf(err, errlen, "the test attester answered %u bytes", n);
        return -1;
    }
    uint8_t *buf = malloc(n);
    size_t got = 0;
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (!buf || got != n || check_shape(buf, n, *kind, err, errlen) != 0) {
        if (buf && got != n)
            snprintf(err, errlen, "the test attester's answer ended early");
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

int exec_evidence(const uint8_t report_data[64], const exec_claim *claim, uint8_t **out, size_t *len,
                  uint32_t *kind, char *err, size_t errlen)
{
    *out = NULL;
    long size = syscall(ENARX_SYS_GETATT, report_data, (size_t)ENARX_REPORT_DATA_LEN, NULL, (size_t)0);
    if (size < 0 && errno == ENOSYS) {
        if (claim && claim->attester_fd >= 0)
            return from_test_attester(report_data, claim->attester_fd, out, len, kind, err, errlen);
        uint8_t *buf = malloc(UNATTESTED_DOCUMENT_LEN);
        if (!buf) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *len = unattested_document(report_data, claim ? claim->alg : 0, claim ? claim->measurement : NULL,
                                   claim ? claim->len : 0, buf);
        *kind = ENARX_EVIDENCE_UNATTESTED;
        *out = buf;
        return 0;
    }
    if (size < 0 || size > (long)ENARX_EVIDENCE_MAX) {
        snprintf(err, errlen, "the evidence call failed: %s", size < 0 ? strerror(errno) : "too large");
        return -1;
    }
    uint8_t *buf = calloc(1, (size_t)size);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* the kind comes back in rdx, which syscall() does not return: ask with
     * inline assembly */
    long ret;
    unsigned long rdx;
    register long r10 __asm__("r10") = (long)size;
    __asm__ volatile("syscall"
                     : "=a"(ret), "=d"(rdx)
                     : "a"((long)ENARX_SYS_GETATT), "D"(report_data), "S"((long)ENARX_REPORT_DATA_LEN), "d"(buf),
                       "r"(r10)
                     : "rcx", "r11", "memory");
    if (ret != size || rdx >= ENARX_EVIDENCE_KIND_COUNT || check_shape(buf, (size_t)ret, (uint32_t)rdx, err, errlen) != 0) {
        if (ret != size)
            snprintf(err, errlen, "the evidence call returned %ld bytes where it announced %ld", ret, size);
        else if (rdx >= ENARX_EVIDENCE_KIND_COUNT)
            snprintf(err, errlen, "the evidence call returned an unknown kind %lu", rdx);
        free(buf);
        return -1;
    }
    *out = buf;
    *len = (size_t)ret;
    *kind = (uint32_t)rdx;
    return 0;
}
