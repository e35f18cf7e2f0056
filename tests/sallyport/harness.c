/* In-process sallyport loop for tests; see harness.h. */
#define SP_KEEP_TRACE 1
#include "harness.h"

#include <errno.h>
#include <signal.h>

struct harness *harness_current;
static const char *allowed_prefix;

static void flip_pending(struct harness *h)
{
    for (uint64_t i = 0; i < h->pend_len; i++)
        h->block[h->pend_off + i] ^= 0xa5;
    h->pend_len = 0;
}

void sp_trace_load(struct sp_keep *k, uint64_t off, uint64_t len)
{
    struct harness *h = k->ctx;
    for (int i = 0; i < h->nloads; i++)
        if (off < h->loads[i][1] && h->loads[i][0] < off + len) {
            h->double_reads++;
            fprintf(stderr, "double read of block bytes [%llu, %llu)\n", (unsigned long long)off,
                    (unsigned long long)off + len);
        }
    if (h->nloads < 256) {
        h->loads[h->nloads][0] = off;
        h->loads[h->nloads][1] = off + len;
        h->nloads++;
    }
    if (h->mutate_after_read) {
        /* The host changes the reply as soon as the Keep has read it: the
         * Keep must be working from its copy. */
        h->pend_off = off;
        h->pend_len = len;
        flip_pending(h);
    }
}

/* The buffers each call needs: (offset argument, length argument, or a
 * fixed length when the length argument is -1). */
static const struct {
    uint64_t nr;
    int off, len;
    uint64_t fixed;
} buffers[] = {
    {SP_READ, 1, 2, 0}, {SP_WRITE, 1, 2, 0}, {SP_PREAD, 1, 2, 0}, {SP_PWRITE, 1, 2, 0},
    {SP_OPENAT, 1, 2, 0}, {SP_FSTAT, 1, -1, SP_STAT_SIZE}, {SP_FSTATFS, 1, -1, SP_STATFS_SIZE},
    {SP_PIPE2, 0, -1, 8},
    {SP_GETDENTS64, 1, 2, 0}, {SP_READLINKAT, 1, 2, 0}, {SP_READLINKAT, 3, 4, 0},
    {SP_FSTATAT, 1, -1, 1}, {SP_FSTATAT, 2, -1, SP_STAT_SIZE}, {SP_MKDIRAT, 1, -1, 1},
    {SP_UNLINKAT, 1, -1, 1}, {SP_RENAMEAT, 1, -1, 1}, {SP_RENAMEAT, 3, -1, 1},
    {SP_LINKAT, 1, -1, 1}, {SP_LINKAT, 3, -1, 1}, {SP_SYMLINKAT, 0, -1, 1},
    {SP_SYMLINKAT, 2, -1, 1}, {SP_SOCKETPAIR, 3, -1, 8}, {SP_BIND, 1, 2, 0},
    {SP_CONNECT, 1, 2, 0}, {SP_GETSOCKNAME, 1, -1, 1}, {SP_GETSOCKNAME, 2, -1, 4},
    {SP_GETPEERNAME, 1, -1, 1}, {SP_GETPEERNAME, 2, -1, 4}, {SP_SETSOCKOPT, 3, 4, 0},
    {SP_GETSOCKOPT, 3, -1, 1}, {SP_GETSOCKOPT, 4, -1, 4}, {SP_SENDTO, 1, 2, 0},
    {SP_RECVFROM, 1, 2, 0}, {SP_POLL, 0, 1, 0}, {SP_CLOCK_GETTIME, 1, -1, 16},
    {SP_CLOCK_GETRES, 1, -1, 16}, {SP_CLOCK_NANOSLEEP, 2, -1, 16}, {SP_LOG, 1, 2, 0},
    {SP_ABORT, 1, 2, 0}, {SP_IOCTL, 2, 3, 0}, {SP_SENDTO, 4, 5, 0}, {SP_GETATT, 0, -1, 64},
    {SP_GETATT, 1, 2, 0},
};

static void count_null_buffers(struct harness *h)
{
    const struct sp_header *hdr = (const struct sp_header *)(const void *)h->block;
    for (uint32_t i = 0; i < hdr->ncalls && i < SP_MAX_CALLS; i++) {
        const struct sp_call *c = &hdr->call[i];
        for (size_t b = 0; b < sizeof buffers / sizeof buffers[0]; b++) {
            if (buffers[b].nr != c->nr)
                continue;
            uint64_t len = buffers[b].len < 0 ? buffers[b].fixed : c->arg[buffers[b].len];
            if (len && c->arg[buffers[b].off] == SP_NULL) {
                fprintf(stderr, "call %llu staged without a place for its buffer (argument %d)\n",
                        (unsigned long long)c->nr, buffers[b].off);
                h->null_buffers++;
            }
        }
    }
}

static int doorbell(struct sp_keep *k)
{
    struct harness *h = k->ctx;
    h->nloads = 0;
    count_null_buffers(h);
    int r = sp_host_run_batch(&h->host, h->block, h->data_size);
    return r < 0 ? -1 : 0;
}

static void violation(struct sp_keep *k, const char *call, const char *what, int64_t value)
{
    struct harness *h = k->ctx;
    h->violations++;
    snprintf(h->last_call, sizeof h->last_call, "%s", call);
    snprintf(h->last_what, sizeof h->last_what, "%s", what);
    h->last_value = value;
}

static int64_t keep_call(struct sp_host *host, const struct sp_call *c, int *stop)
{
    struct harness *h = host->ctx;
    switch (c->nr) {
    case SP_EXIT:
        h->exits++;
        h->exit_status = (int)c->arg[0];
        *stop = 1;
        return 0;
    case SP_ABORT: {
        const char *m = sp_host_data(host, c->arg[1], c->arg[2]);
        h->aborts++;
        snprintf(h->abort_msg, sizeof h->abort_msg, "%.*s", m ? (int)c->arg[2] : 0, m ? m : "");
        *stop = 1;
        return 0;
    }
    case SP_LOG:
        h->logged = c->arg[2];
        return 0;
    case SP_DISCARD:
    case SP_GETATT:
        return 0;
    default:
        return -ENOSYS;
    }
}

static int policy(struct sp_host *host, const char *path, int flags)
{
    (void)host;
    (void)flags;
    if (allowed_prefix && strncmp(path, allowed_prefix, strlen(allowed_prefix)) == 0)
        return 0;
    return -EACCES;
}

void harness_allow(const char *prefix)
{
    allowed_prefix = prefix;
}

void harness_init(struct harness *h, uint64_t data_size)
{
    memset(h, 0, sizeof *h);
    signal(SIGPIPE, SIG_IGN); /* as the VMM does: EPIPE goes back to the Keep */
    h->data_size = data_size;
    h->block = aligned_alloc(4096, (SP_HEADER_SIZE + data_size + 4095) & ~4095ull);
    memset(h->block, 0, SP_HEADER_SIZE + data_size);
    sp_host_init(&h->host);
    h->host.keep_call = keep_call;
    h->host.open_policy = policy;
    h->host.ctx = h;
    h->keep.block = h->block;
    h->keep.data_size = data_size;
    h->keep.doorbell = doorbell;
    h->keep.violation = violation;
    h->keep.ctx = h;
    sp_keep_init(&h->keep);
    harness_current = h;
}

void harness_give(struct harness *h, int kfd, int hostfd, int domain)
{
    sp_host_give_fd(&h->host, kfd, hostfd);
    sp_keep_adopt_fd(&h->keep, kfd, domain);
}

void harness_free(struct harness *h)
{
    sp_host_close_all(&h->host);
    free(h->block);
}
