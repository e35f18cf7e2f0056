/* Host side of the sallyport: executes a batch of calls a Keep wrote into the
 * shared block.
 *
 * The Keep is not trusted by the host either: every offset and length in a
 * call is checked against the data area before use, anything the host must
 * look at (paths, socket addresses, pollfds, times) is copied out of the block
 * before it is checked, and the Keep only reaches host files through its own
 * fd table (Keep fd -> host fd), never the host's other fds.
 *
 * Calls about the Keep itself (SP_EXIT, SP_ABORT, SP_LOG, SP_DISCARD) go to
 * the `keep_call` callback of whoever runs the Keep (the VMM, or a test).
 */
#ifndef SALLYPORT_HOST_H
#define SALLYPORT_HOST_H

#include <stdint.h>

#include "abi/sallyport.h"

struct sp_host;

/* Handles a Keep call. `data`/`data_size` is the data area (already checked
 * offsets are the callback's job: use sp_host_data()). Returns the call's
 * result; sets *stop to end the batch and the Keep. */
typedef int64_t (*sp_keep_call_fn)(struct sp_host *h, const struct sp_call *c, int *stop);

/* Decides whether the Keep may open `path` (already copied and terminated)
 * with `flags`. Returns 0 to allow, or -errno. */
typedef int (*sp_open_policy_fn)(struct sp_host *h, const char *path, int flags);

struct sp_host {
    int fds[SP_MAX_FD];            /* Keep fd -> host fd; -1 = not open */
    sp_keep_call_fn keep_call;
    sp_open_policy_fn open_policy; /* NULL = the Keep may open nothing */
    void *ctx;
    /* Filled by sp_host_run_batch. */
    uint8_t *data;
    uint64_t data_size;
    uint64_t calls;                /* calls executed, all batches */
    char error[256];               /* why a batch was refused */
};

/* Initialises with no fds open. */
void sp_host_init(struct sp_host *h);
/* Gives the Keep `keep_fd`, backed by the host's `host_fd` (which the
 * executor then owns and closes). Returns 0 or -1. */
int sp_host_give_fd(struct sp_host *h, int keep_fd, int host_fd);
/* Closes every host fd the Keep still holds. */
void sp_host_close_all(struct sp_host *h);

/* Runs the batch in `block` (SP_HEADER_SIZE + data_size bytes). Returns
 *   0  batch done, rsp_seq written: let the Keep continue
 *   1  a call ended the Keep (keep_call set *stop)
 *  -1  the batch was malformed (h->error says why); the Keep must be stopped */
int sp_host_run_batch(struct sp_host *h, uint8_t *block, uint64_t data_size);

/* sp_host_run_batch in its two steps, for a caller that must see the replies
 * before the Keep may (the hostile-host tests, tests/sallyport/hostile_host.h):
 * sp_host_execute runs the calls and writes their results, and
 * sp_host_complete then publishes the response sequence number. */
struct sp_batch {
    uint64_t seq;   /* the batch's req_seq, as read at the start */
    uint32_t ran;   /* the calls run (a Keep call may end the batch early) */
};
int sp_host_execute(struct sp_host *h, uint8_t *block, uint64_t data_size, struct sp_batch *batch);
void sp_host_complete(uint8_t *block, uint64_t seq);

/* A checked pointer into the data area: `len` bytes at `off`, or NULL when
 * they do not fit. */
void *sp_host_data(struct sp_host *h, uint64_t off, uint64_t len);

#endif
