/* In-process sallyport loop for tests: the Keep-side client and the host
 * executor share one block in this process; the "doorbell" runs the
 * executor. Built with SP_KEEP_TRACE so that every load the client makes
 * from the block is recorded: a test fails if any byte of a reply is read
 * twice in one batch, and can make the "host" change what was read right
 * after it was read. */
#ifndef TESTS_SALLYPORT_HARNESS_H
#define TESTS_SALLYPORT_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sallyport/host.h"
#include "sallyport/keep.h"

struct harness {
    struct sp_keep keep;
    struct sp_host host;
    uint8_t *block;
    uint64_t data_size;
    /* Violations reported by the client. */
    int violations;
    char last_call[64], last_what[160];
    int64_t last_value;
    /* Loads of the current batch: [start, end) ranges. */
    uint64_t loads[256][2];
    int nloads;
    int double_reads;
    int mutate_after_read;     /* flip every byte right after the client read it */
    uint64_t pend_off, pend_len;
    int exits, aborts, exit_status;
    /* Buffers the Keep sent without a place in the block (SP_NULL where the
     * call needs one), and the bytes of the last SP_LOG message. */
    int null_buffers;
    uint64_t logged;
    char abort_msg[512];
};

extern struct harness *harness_current;

void harness_init(struct harness *h, uint64_t data_size);
void harness_free(struct harness *h);
/* Hands the Keep fd `kfd`, backed by `hostfd` (owned by the harness now). */
void harness_give(struct harness *h, int kfd, int hostfd, int domain);
/* Allows the Keep to open paths under `prefix`. */
void harness_allow(const char *prefix);

#endif
