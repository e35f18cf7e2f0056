/* The Keep side of the sallyport: stages calls into the shared block, asks the
 * host to run them, and checks every reply before any of it is used.
 *
 * Freestanding (the shim links it; so do hosted tests and the fuzzer). The
 * caller (the shim) has already checked that every pointer it passes points to
 * Keep memory of the stated length; this module never trusts a byte of the
 * block. Every function returns a Linux result: >= 0 on success, -errno on
 * failure. When the host breaks the protocol the `violation` hook runs (in the
 * shim it stops the Keep and never returns); if it returns, the call returns
 * -EIO, nothing of the bad reply has reached the caller (outputs are wiped),
 * and every later call fails with -EIO without touching the block.
 */
#ifndef SALLYPORT_KEEP_H
#define SALLYPORT_KEEP_H

#include <stddef.h>
#include <stdint.h>

#include "abi/sallyport.h"

struct sp_keep;

/* Makes the host process the batch just published (req_seq written). Returns
 * when the host says it is done (or 0 after it has had its chance; the caller
 * checks rsp_seq itself). Nonzero = the doorbell itself failed. */
typedef int (*sp_doorbell_fn)(struct sp_keep *k);

/* A reply broke the protocol: `call` is the call's name, `what` describes the
 * check that failed, `value` is the offending value. */
typedef void (*sp_violation_fn)(struct sp_keep *k, const char *call, const char *what,
                                int64_t value);

struct sp_iovec {
    void *base;
    uint64_t len;
};

struct sp_keep {
    /* Set by the user before sp_keep_init. */
    volatile uint8_t *block;     /* SP_HEADER_SIZE + data_size shared bytes */
    uint64_t data_size;
    sp_doorbell_fn doorbell;
    sp_violation_fn violation;
    void *ctx;

    /* Private state. */
    uint64_t seq;
    uint32_t ncalls;
    uint64_t data_used;
    int broken;
    uint64_t violations;
    uint64_t batches;
    uint8_t fd_open[SP_MAX_FD / 8];
    uint8_t fd_domain[SP_MAX_FD];            /* socket domain, 0 = not a socket */
    uint8_t fd_message[SP_MAX_FD / 8];       /* sockets whose sends go whole (datagrams) */
    struct sp_timespec last_clock[8];        /* monotonic clocks never go back */
    /* Small writes waiting to be sent with the next batch (see sp_write). */
    int pending_fd;
    uint32_t pending_slot_count;
    uint32_t pending_len[SP_MAX_CALLS];
    uint64_t pending_bytes;
    int64_t pending_error;                   /* a deferred write failed: report it */
    int pending_error_fd;                    /* ... on the next write to this fd */
    int coalesce;                            /* write coalescing enabled */
};

void sp_keep_init(struct sp_keep *k);
/* Marks an fd open at start (stdin/stdout/stderr, the workload stream...). */
void sp_keep_adopt_fd(struct sp_keep *k, int fd, int domain);
int sp_keep_fd_is_open(const struct sp_keep *k, int fd);
/* Sends any coalesced writes now. */
int64_t sp_flush(struct sp_keep *k);

int64_t sp_read(struct sp_keep *k, int fd, void *buf, uint64_t len);
int64_t sp_write(struct sp_keep *k, int fd, const void *buf, uint64_t len);
int64_t sp_pread(struct sp_keep *k, int fd, void *buf, uint64_t len, int64_t pos);
int64_t sp_pwrite(struct sp_keep *k, int fd, const void *buf, uint64_t len, int64_t pos);
int64_t sp_readv(struct sp_keep *k, int fd, const struct sp_iovec *iov, int n);
int64_t sp_writev(struct sp_keep *k, int fd, const struct sp_iovec *iov, int n);
int64_t sp_openat(struct sp_keep *k, int dirfd, const char *path, int flags, int mode);
int64_t sp_close(struct sp_keep *k, int fd);
int64_t sp_fstat(struct sp_keep *k, int fd, void *statbuf /* SP_STAT_SIZE */);
int64_t sp_fstatfs(struct sp_keep *k, int fd, void *statfsbuf /* SP_STATFS_SIZE */);
int64_t sp_lseek(struct sp_keep *k, int fd, int64_t off, int whence);
int64_t sp_fcntl(struct sp_keep *k, int fd, int cmd, uint64_t arg);
int64_t sp_ioctl(struct sp_keep *k, int fd, uint64_t request, void *arg);
int64_t sp_dup(struct sp_keep *k, int fd);
int64_t sp_dup3(struct sp_keep *k, int oldfd, int newfd, int flags);
int64_t sp_pipe2(struct sp_keep *k, int fds[2], int flags);
int64_t sp_getdents64(struct sp_keep *k, int fd, void *buf, uint64_t len);
int64_t sp_fsync(struct sp_keep *k, int fd, int data_only);
int64_t sp_ftruncate(struct sp_keep *k, int fd, int64_t len);
int64_t sp_readlinkat(struct sp_keep *k, int dirfd, const char *path, char *buf, uint64_t len);
int64_t sp_preadv(struct sp_keep *k, int fd, const struct sp_iovec *iov, int n, int64_t pos);
int64_t sp_pwritev(struct sp_keep *k, int fd, const struct sp_iovec *iov, int n, int64_t pos);
int64_t sp_fstatat(struct sp_keep *k, int dirfd, const char *path, void *statbuf, int flags);
int64_t sp_mkdirat(struct sp_keep *k, int dirfd, const char *path, int mode);
int64_t sp_unlinkat(struct sp_keep *k, int dirfd, const char *path, int flags);
int64_t sp_renameat(struct sp_keep *k, int olddirfd, const char *old, int newdirfd,
                    const char *new_path);
int64_t sp_linkat(struct sp_keep *k, int olddirfd, const char *old, int newdirfd,
                  const char *new_path, int flags);
int64_t sp_symlinkat(struct sp_keep *k, const char *target, int newdirfd, const char *path);
/* path may be NULL (the fd itself), times NULL (now). */
int64_t sp_utimensat(struct sp_keep *k, int dirfd, const char *path,
                     const struct sp_timespec *times, int flags);
int64_t sp_fallocate(struct sp_keep *k, int fd, int mode, int64_t off, int64_t len);
/* The ioctls a Keep forwards: argument size and direction (0 = unsupported). */
int sp_ioctl_arg(uint64_t request, uint32_t *len, int *out);

int64_t sp_socket(struct sp_keep *k, int domain, int type, int protocol);
int64_t sp_socketpair(struct sp_keep *k, int domain, int type, int protocol, int fds[2]);
int64_t sp_bind(struct sp_keep *k, int fd, const void *addr, uint32_t addrlen);
int64_t sp_connect(struct sp_keep *k, int fd, const void *addr, uint32_t addrlen);
int64_t sp_listen(struct sp_keep *k, int fd, int backlog);
/* addr may be NULL; *addrlen is in/out as in accept4(2). */
int64_t sp_accept4(struct sp_keep *k, int fd, void *addr, uint32_t *addrlen, int flags);
int64_t sp_getsockname(struct sp_keep *k, int fd, void *addr, uint32_t *addrlen);
int64_t sp_getpeername(struct sp_keep *k, int fd, void *addr, uint32_t *addrlen);
int64_t sp_setsockopt(struct sp_keep *k, int fd, int level, int name, const void *val,
                      uint32_t len);
int64_t sp_getsockopt(struct sp_keep *k, int fd, int level, int name, void *val,
                      uint32_t *len);
int64_t sp_sendto(struct sp_keep *k, int fd, const void *buf, uint64_t len, int flags,
                  const void *addr, uint32_t addrlen);
int64_t sp_recvfrom(struct sp_keep *k, int fd, void *buf, uint64_t len, int flags, void *addr,
                    uint32_t *addrlen);
int64_t sp_shutdown(struct sp_keep *k, int fd, int how);

/* timeout NULL = wait forever. */
int64_t sp_poll(struct sp_keep *k, struct sp_pollfd *fds, uint64_t n,
                const struct sp_timespec *timeout);
int64_t sp_clock_gettime(struct sp_keep *k, int clock, struct sp_timespec *ts);
int64_t sp_clock_getres(struct sp_keep *k, int clock, struct sp_timespec *ts);
int64_t sp_clock_nanosleep(struct sp_keep *k, int clock, int flags,
                           const struct sp_timespec *req, struct sp_timespec *rem);

/* The Keep's own calls. sp_exit and sp_abort return only if the host ignored
 * them (the caller then stops the Keep another way). */
int64_t sp_exit(struct sp_keep *k, int status);
int64_t sp_abort(struct sp_keep *k, int status, int kind, const char *msg, uint64_t len);
int64_t sp_log(struct sp_keep *k, int level, const char *msg, uint64_t len);
int64_t sp_discard(struct sp_keep *k, uint64_t gpa, uint64_t len);
/* Evidence for 64 bytes of report data (abi/evidence.h), at most cap bytes
 * into out: the length (checked against cap), or -errno. The caller checks
 * the document's shape. */
int64_t sp_getatt(struct sp_keep *k, const uint8_t report_data[64], uint8_t *out, uint64_t cap);

/* Hooks for the tests' "nothing read twice" checks: every load from the
 * block goes through these when SP_KEEP_TRACE is defined. */
#ifdef SP_KEEP_TRACE
void sp_trace_load(struct sp_keep *k, uint64_t block_off, uint64_t len);
#endif

#endif
