/* fd_* functions, and the reads and writes that sockets share. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tls/tls.h"
#include "wasi/internal.h"

/* ---- reads and writes ---- */

/* For descriptors whose host side we do not own (stdio), non-blocking mode is
 * emulated: a zero-timeout poll first. Our own files carry the real flag. */
static int emulated_nonblock_ready(const wfd *f, short events)
{
    if (f->kind != WFD_STDIO || fd_blocking(f))
        return 0;
    struct pollfd p = {.fd = f->host_fd, .events = events};
    int n = poll(&p, 1, 0);
    if (n < 0)
        return wasi_errno(errno);
    return n == 0 ? WASI_EAGAIN : 0;
}

static size_t iov_total(const struct iovec *iov, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += iov[i].iov_len;
    return t;
}

/* A failed TLS connection's errno, as the workload would get it from a
 * plain socket: ECONNRESET for a reset, EIO for a TLS protocol failure. */
static int tls_failure(const wfd *f)
{
    return wasi_errno(tls_conn_errno(f->tls));
}

/* Moves cur and left past skip bytes of a (local copy of an) iovec array. */
static void iov_advance(struct iovec **cur, size_t *left, size_t skip)
{
    while (*left > 0 && skip >= (*cur)->iov_len) {
        skip -= (*cur)->iov_len;
        (*cur)++;
        (*left)--;
    }
    if (*left > 0) {
        (*cur)->iov_base = (uint8_t *)(*cur)->iov_base + skip;
        (*cur)->iov_len -= skip;
    }
}

/* Where a vectored write that may take several rounds has got to: a copy of
 * the guest's iovec list (advanced as bytes go out), the bytes taken, the
 * bytes wanted. */
typedef struct iov_cursor {
    struct iovec copy[WASI_IOV_MAX];
    struct iovec *cur;
    size_t left, total, want;
} iov_cursor;

static void iov_cursor_init(iov_cursor *c, const struct iovec *iov, size_t n)
{
    memcpy(c->copy, iov, n * sizeof *iov);
    c->cur = c->copy;
    c->left = n;
    c->total = 0;
    c->want = iov_total(iov, n);
}

static void iov_cursor_take(iov_cursor *c, size_t bytes)
{
    c->total += bytes;
    iov_advance(&c->cur, &c->left, bytes);
}

static int tls_read_iov(wfd *f, struct iovec *iov, size_t n, bool peek, bool waitall, size_t *done)
{
    size_t total = 0, want = iov_total(iov, n);
    size_t i = 0, off = 0;
    while (i < n && total < want) {
        if (iov[i].iov_len == off) {
            i++;
            off = 0;
            continue;
        }
        if (peek && total > 0)
            break; /* peek returns what the first buffer can see */
        ssize_t r = tls_conn_read(f->tls, (uint8_t *)iov[i].iov_base + off, iov[i].iov_len - off, peek);
        if (r > 0) {
            total += (size_t)r;
            off += (size_t)r;
            /* what was decrypted is taken: return it, as a socket read
             * returns what has arrived (pumping again here would only cost
             * a recv that finds nothing, once per request) */
            if (!waitall && !peek && tls_conn_pending(f->tls) == 0 && !tls_conn_input_buffered(f->tls))
                break;
            continue;
        }
        if (r == 0)
            break;
        if (r == TLS_FAILED) {
            if (total > 0)
                break;
            return tls_failure(f);
        }
        /* TLS_AGAIN */
        if (total > 0 && !waitall)
            break;
        if (!fd_blocking(f))
            return total ? (*done = total, 0) : WASI_EAGAIN;
        int rc = wait_fd(f->host_fd, tls_conn_poll_events(f->tls, true, false));
        if (rc)
            return rc;
        tls_conn_pump(f->tls); /* a failure shows in the next read */
    }
    *done = total;
    return 0;
}

/* Read-ahead for plain stream sockets (issue 14). poll_oneoff reports how
 * many bytes a readable socket holds; asking the kernel (FIONREAD) cost a
 * system call per ready socket — a VM exit in a KVM Keep — on top of the
 * read that follows. Reading the bytes when the socket polls readable answers
 * the question and serves the workload's next read from memory, and when
 * that read ahead found the queue empty behind it, the workload's "read until
 * EAGAIN" gets its EAGAIN without asking again (data arriving meanwhile makes
 * its next poll_oneoff return at once). The buffer lives only while it holds
 * bytes: idle connections cost nothing. */
#define RX_AHEAD_SIZE 16384

struct rx_ahead {
    uint32_t off, len;
    uint8_t data[]; /* len bytes: a copy sized to what arrived */
};

uint64_t socket_read_ahead(wasi_ctx *ctx, wfd *f)
{
    if (f->rx)
        return f->rx->len - f->rx->off;
    if (f->rx_errno)
        return 0;
    /* received into one buffer per context, then kept at its own size: a
     * fresh 16 KiB block per request made malloc grow and trim the heap */
    if (!ctx->rx_scratch && !(ctx->rx_scratch = malloc(RX_AHEAD_SIZE)))
        return 0; /* the workload's read goes to the socket itself */
    struct iovec v = {.iov_base = ctx->rx_scratch, .iov_len = RX_AHEAD_SIZE};
    struct msghdr msg = {.msg_iov = &v, .msg_iovlen = 1};
    ssize_t r;
    do
        r = recvmsg(f->host_fd, &msg, MSG_DONTWAIT);
    while (r < 0 && errno == EINTR);
    if (r > RX_AHEAD_SIZE) { /* a host claiming more than it was given */
        r = -1;
        errno = EIO;
    }
    if (r <= 0) {
        /* a reset is the next read's to report, as Linux would; end of
         * stream is left in the socket, where it stays */
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            f->rx_errno = errno;
        return 0;
    }
    struct rx_ahead *rx = malloc(sizeof *rx + (size_t)r);
    if (!rx) {
        f->rx_errno = ENOMEM; /* the bytes are gone: the read must not skip them silently */
        return 0;
    }
    memcpy(rx->data, ctx->rx_scratch, (size_t)r);
    rx->off = 0;
    rx->len = (uint32_t)r;
    f->rx = rx;
    f->rx_caught_up = r < RX_AHEAD_SIZE;
    return (uint64_t)r;
}

bool socket_has_read_ahead(const wfd *f)
{
    return f->rx || f->rx_errno;
}

void socket_drop_read_ahead(wfd *f)
{
    free(f->rx);
    f->rx = NULL;
}

/* Copies buffered bytes into iov (consuming them unless peek). */
static size_t rx_ahead_take(wfd *f, const struct iovec *iov, size_t n, bool peek)
{
    struct rx_ahead *rx = f->rx;
    size_t got = 0;
    for (size_t i = 0; i < n && rx->off + got < rx->len; i++) {
        size_t k = rx->len - rx->off - got;
        if (k > iov[i].iov_len)
            k = iov[i].iov_len;
        memcpy(iov[i].iov_base, rx->data + rx->off + got, k);
        got += k;
    }
    if (!peek) {
        rx->off += (uint32_t)got;
        if (rx->off == rx->len)
            socket_drop_read_ahead(f);
    }
    return got;
}

/* What the read-ahead answers by itself. Returns 1 when the read is
 * complete (*done set), a WASI errno, or 0 to go on to the socket with
 * *done bytes already taken. */
static int rx_ahead_read(wfd *f, const struct iovec *iov, size_t n, size_t want, bool peek, bool waitall,
                         size_t *done)
{
    *done = 0;
    if (f->rx) {
        bool caught_up = f->rx_caught_up;
        *done = rx_ahead_take(f, iov, n, peek);
        if (peek || *done == want || (caught_up && !waitall))
            return 1;
        f->rx_caught_up = false;
        return 0;
    }
    if (f->rx_errno) {
        int e = f->rx_errno;
        f->rx_errno = 0;
        return wasi_errno(e);
    }
    if (f->rx_caught_up && !peek && !waitall && !fd_blocking(f)) {
        f->rx_caught_up = false;
        return WASI_EAGAIN;
    }
    f->rx_caught_up = false;
    return 0;
}

static int socket_read(wfd *f, struct iovec *iov, size_t n, bool peek, bool waitall, size_t *done)
{
    size_t total = 0, want = iov_total(iov, n);
    struct iovec local[WASI_IOV_MAX];
    memcpy(local, iov, n * sizeof *iov);
    struct iovec *cur = local;
    size_t left = n;
    if (f->kind == WFD_STREAM) {
        int rc = rx_ahead_read(f, iov, n, want, peek, waitall, &total);
        if (rc == 1) {
            *done = total;
            return 0;
        }
        if (rc)
            return rc;
        iov_advance(&cur, &left, total);
    }
    for (;;) {
        struct msghdr msg = {.msg_iov = cur, .msg_iovlen = left};
        ssize_t r = recvmsg(f->host_fd, &msg, MSG_DONTWAIT | (peek ? MSG_PEEK : 0));
        if (r > 0) {
            total += (size_t)r;
            if (!waitall || peek || total >= want)
                break;
            iov_advance(&cur, &left, (size_t)r); /* past what arrived */
            continue;
        }
        if (r == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return total ? (*done = total, 0) : wasi_errno(errno);
        if (total > 0 && !waitall)
            break;
        if (!fd_blocking(f)) {
            if (total == 0)
                return WASI_EAGAIN;
            break;
        }
        int rc = wait_fd(f->host_fd, POLLIN);
        if (rc)
            return rc;
    }
    *done = total;
    return 0;
}

/* One readv (events == POLLIN) or writev (POLLOUT) on a file or stdio
 * descriptor, waiting when the workload asked for blocking I/O. */
static int file_transfer(wfd *f, const struct iovec *iov, size_t n, short events, size_t *done)
{
    int rc = emulated_nonblock_ready(f, events);
    if (rc)
        return rc;
    for (;;) {
        ssize_t r = events == POLLIN ? readv(f->host_fd, iov, (int)n) : writev(f->host_fd, iov, (int)n);
        if (r >= 0) {
            *done = (size_t)r;
            return 0;
        }
        if (errno == EINTR)
            continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && fd_blocking(f)) {
            /* someone else made the shared host descriptor non-blocking */
            rc = wait_fd(f->host_fd, events);
            if (rc)
                return rc;
            continue;
        }
        return wasi_errno(errno);
    }
}

int stream_read(wfd *f, struct iovec *iov, size_t n, bool peek, bool waitall, size_t *done)
{
    *done = 0;
    switch (f->kind) {
    case WFD_NULL:
        return 0;
    case WFD_DIR:
        return WASI_EISDIR;
    case WFD_STREAM:
        if (f->tls)
            return tls_read_iov(f, iov, n, peek, waitall, done);
        /* fall through */
    case WFD_LISTEN:
        return socket_read(f, iov, n, peek, waitall, done);
    case WFD_CHANNEL:
        return peek ? WASI_ENOTSUP : channel_read(f, iov, n, done);
    case WFD_MEMDIR:
    case WFD_MEMFILE:
        return memfs_read(f, iov, n, peek, done);
    case WFD_FILE:
    case WFD_STDIO:
        break;
    }
    return file_transfer(f, iov, n, POLLIN, done);
}

/* One tls_conn_writev per round: the buffers become as few records as fit,
 * sent together (issue 14: a header and a body in two records and two
 * sends cost a delayed-ACK wait each). */
static int tls_write_iov(wfd *f, const struct iovec *iov, size_t n, size_t *done)
{
    iov_cursor c;
    iov_cursor_init(&c, iov, n);
    while (c.total < c.want) {
        ssize_t r = tls_conn_writev(f->tls, c.cur, c.left);
        if (r > 0) {
            iov_cursor_take(&c, (size_t)r);
            continue;
        }
        if (r == TLS_FAILED)
            return c.total ? (*done = c.total, 0) : tls_failure(f);
        if (!fd_blocking(f))
            return c.total ? (*done = c.total, 0) : WASI_EAGAIN;
        int rc = wait_fd(f->host_fd, tls_conn_poll_events(f->tls, false, true));
        if (rc)
            return rc;
        tls_conn_pump(f->tls); /* a failure shows in the next write */
    }
    *done = c.total;
    return 0;
}

static int socket_write(wfd *f, const struct iovec *iov, size_t n, size_t *done)
{
    iov_cursor c;
    iov_cursor_init(&c, iov, n);
    while (c.total < c.want) {
        struct msghdr msg = {.msg_iov = c.cur, .msg_iovlen = c.left};
        ssize_t r = sendmsg(f->host_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r >= 0) {
            iov_cursor_take(&c, (size_t)r);
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return c.total ? (*done = c.total, 0) : wasi_errno(errno);
        if (!fd_blocking(f)) {
            if (c.total == 0)
                return WASI_EAGAIN;
            break;
        }
        int rc = wait_fd(f->host_fd, POLLOUT);
        if (rc)
            return rc;
    }
    *done = c.total;
    return 0;
}

int stream_write(wfd *f, const struct iovec *iov, size_t n, size_t *done)
{
    *done = 0;
    switch (f->kind) {
    case WFD_NULL:
        *done = iov_total(iov, n);
        return 0;
    case WFD_DIR:
        return WASI_EISDIR;
    case WFD_STREAM:
        if (f->tls)
            return tls_write_iov(f, iov, n, done);
        return socket_write(f, iov, n, done);
    case WFD_LISTEN:
        return WASI_ENOTCONN;
    case WFD_CHANNEL:
        return channel_write(f, iov, n, done);
    case WFD_MEMDIR:
        return WASI_EISDIR;
    case WFD_MEMFILE:
        return WASI_EBADF;
    case WFD_FILE:
    case WFD_STDIO:
        break;
    }
    return file_transfer(f, iov, n, POLLOUT, done);
}

WASI_FN(fd_read)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_READ, &rc);
    if (!f)
        return rc;
    struct iovec iov[WASI_IOV_MAX];
    size_t n, done;
    rc = mem_iovecs(&c->mem, a[1].of.i32, a[2].of.i32, iov, WASI_IOV_MAX, &n, NULL);
    if (rc)
        return rc;
    if (mem_ptr(&c->mem, a[3].of.i32, 4) == NULL)
        return WASI_EFAULT;
    rc = stream_read(f, iov, n, false, false, &done);
    if (rc)
        return rc;
    return mem_store_u32(&c->mem, a[3].of.i32, (uint32_t)done);
}

WASI_FN(fd_write)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_WRITE, &rc);
    if (!f)
        return rc;
    struct iovec iov[WASI_IOV_MAX];
    size_t n, done;
    rc = mem_iovecs(&c->mem, a[1].of.i32, a[2].of.i32, iov, WASI_IOV_MAX, &n, NULL);
    if (rc)
        return rc;
    if (mem_ptr(&c->mem, a[3].of.i32, 4) == NULL)
        return WASI_EFAULT;
    rc = stream_write(f, iov, n, &done);
    if (rc)
        return rc;
    return mem_store_u32(&c->mem, a[3].of.i32, (uint32_t)done);
}

static bool positional(const wfd *f)
{
    return f->kind == WFD_FILE || f->kind == WFD_STDIO;
}

WASI_FN(fd_pread)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_READ | R_FD_SEEK, &rc);
    if (!f)
        return rc;
    uint64_t offset = a[3].of.i64;
    if (offset > INT64_MAX)
        return WASI_EINVAL;
    struct iovec iov[WASI_IOV_MAX];
    size_t n;
    rc = mem_iovecs(&c->mem, a[1].of.i32, a[2].of.i32, iov, WASI_IOV_MAX, &n, NULL);
    if (rc)
        return rc;
    if (mem_ptr(&c->mem, a[4].of.i32, 4) == NULL)
        return WASI_EFAULT;
    if (f->kind == WFD_NULL)
        return mem_store_u32(&c->mem, a[4].of.i32, 0);
    if (f->kind == WFD_DIR)
        return WASI_EISDIR;
    if (f->kind == WFD_MEMFILE || f->kind == WFD_MEMDIR) {
        size_t done;
        rc = memfs_pread(f, iov, n, offset, &done);
        return rc ? rc : mem_store_u32(&c->mem, a[4].of.i32, (uint32_t)done);
    }
    if (!positional(f))
        return WASI_ESPIPE;
    ssize_t r;
    do
        r = preadv(f->host_fd, iov, (int)n, (off_t)offset);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return wasi_errno(errno);
    return mem_store_u32(&c->mem, a[4].of.i32, (uint32_t)r);
}

WASI_FN(fd_pwrite)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_WRITE | R_FD_SEEK, &rc);
    if (!f)
        return rc;
    uint64_t offset = a[3].of.i64;
    if (offset > INT64_MAX)
        return WASI_EINVAL;
    struct iovec iov[WASI_IOV_MAX];
    size_t n;
    uint64_t total;
    rc = mem_iovecs(&c->mem, a[1].of.i32, a[2].of.i32, iov, WASI_IOV_MAX, &n, &total);
    if (rc)
        return rc;
    if (mem_ptr(&c->mem, a[4].of.i32, 4) == NULL)
        return WASI_EFAULT;
    if (f->kind == WFD_NULL)
        return mem_store_u32(&c->mem, a[4].of.i32, (uint32_t)total);
    if (f->kind == WFD_DIR)
        return WASI_EISDIR;
    if (!positional(f))
        return WASI_ESPIPE;
    ssize_t r;
    do
        r = pwritev(f->host_fd, iov, (int)n, (off_t)offset);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return wasi_errno(errno);
    return mem_store_u32(&c->mem, a[4].of.i32, (uint32_t)r);
}

WASI_FN(fd_seek)
{
    int64_t offset = (int64_t)a[1].of.i64;
    uint32_t whence = a[2].of.i32;
    uint64_t need = (offset == 0 && whence == WASI_WHENCE_CUR) ? R_FD_TELL : R_FD_SEEK;
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, 0, &rc);
    if (!f)
        return rc;
    if ((f->rights_base & need) != need && (f->rights_base & R_FD_SEEK) == 0)
        return WASI_ENOTCAPABLE;
    int how;
    switch (whence) {
    case WASI_WHENCE_SET: how = SEEK_SET; break;
    case WASI_WHENCE_CUR: how = SEEK_CUR; break;
    case WASI_WHENCE_END: how = SEEK_END; break;
    default: return WASI_EINVAL;
    }
    if (mem_ptr(&c->mem, a[3].of.i32, 8) == NULL)
        return WASI_EFAULT;
    if (f->kind == WFD_NULL)
        return mem_store_u64(&c->mem, a[3].of.i32, 0);
    if (f->kind == WFD_DIR)
        return WASI_EISDIR;
    if (f->kind == WFD_MEMFILE || f->kind == WFD_MEMDIR) {
        uint64_t pos;
        rc = memfs_seek(f, offset, how, &pos);
        return rc ? rc : mem_store_u64(&c->mem, a[3].of.i32, pos);
    }
    if (!positional(f))
        return WASI_ESPIPE;
    off_t r = lseek(f->host_fd, (off_t)offset, how);
    if (r < 0)
        return wasi_errno(errno);
    return mem_store_u64(&c->mem, a[3].of.i32, (uint64_t)r);
}

WASI_FN(fd_tell)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_TELL, &rc);
    if (!f)
        return rc;
    if (mem_ptr(&c->mem, a[1].of.i32, 8) == NULL)
        return WASI_EFAULT;
    if (f->kind == WFD_NULL)
        return mem_store_u64(&c->mem, a[1].of.i32, 0);
    if (f->kind == WFD_DIR || f->kind == WFD_MEMDIR)
        return WASI_EISDIR;
    if (f->kind == WFD_MEMFILE)
        return mem_store_u64(&c->mem, a[1].of.i32, f->mem_pos);
    if (!positional(f))
        return WASI_ESPIPE;
    off_t r = lseek(f->host_fd, 0, SEEK_CUR);
    if (r < 0)
        return wasi_errno(errno);
    return mem_store_u64(&c->mem, a[1].of.i32, (uint64_t)r);
}

WASI_FN(fd_close)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, 0, &rc);
    if (!f)
        return rc;
    fd_release(f);
    return 0;
}

static int sync_fd(wasi_call *c, uint32_t fd, uint64_t right, bool data_only)
{
    int rc;
    wfd *f = fd_get(c->ctx, fd, right, &rc);
    if (!f)
        return rc;
    if (f->kind == WFD_NULL)
        return 0;
    if (f->kind == WFD_STREAM || f->kind == WFD_LISTEN)
        return WASI_EINVAL;
    int r = data_only ? fdatasync(f->host_fd) : fsync(f->host_fd);
    return r ? wasi_errno(errno) : 0;
}

WASI_FN(fd_datasync) { return sync_fd(c, a[0].of.i32, R_FD_DATASYNC, true); }
WASI_FN(fd_sync) { return sync_fd(c, a[0].of.i32, R_FD_SYNC, false); }

WASI_FN(fd_fdstat_get)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, 0, &rc);
    if (!f)
        return rc;
    uint8_t *p = mem_ptr(&c->mem, a[1].of.i32, WASI_FDSTAT_SIZE);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, WASI_FDSTAT_SIZE);
    put_u8(p, f->filetype);
    put_u16(p + 2, f->flags);
    put_u64(p + 8, f->rights_base);
    put_u64(p + 16, f->rights_inheriting);
    return 0;
}

WASI_FN(fd_fdstat_set_flags)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_FDSTAT_SET_FLAGS, &rc);
    if (!f)
        return rc;
    uint32_t flags = a[1].of.i32;
    if (flags & ~(uint32_t)WASI_FDFLAGS_ALL)
        return WASI_EINVAL;
    const uint16_t sync_flags = WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC;
    if ((flags & sync_flags) != (f->flags & sync_flags))
        return WASI_ENOTSUP; /* Linux cannot change these after open */
    if (f->kind == WFD_FILE || (f->kind == WFD_STDIO && ((flags ^ f->flags) & WASI_FDFLAG_APPEND))) {
        int host = fcntl(f->host_fd, F_GETFL);
        if (host < 0)
            return wasi_errno(errno);
        host &= ~(O_APPEND | (f->kind == WFD_FILE ? O_NONBLOCK : 0));
        if (flags & WASI_FDFLAG_APPEND)
            host |= O_APPEND;
        if (f->kind == WFD_FILE && (flags & WASI_FDFLAG_NONBLOCK))
            host |= O_NONBLOCK;
        if (fcntl(f->host_fd, F_SETFL, host) != 0)
            return wasi_errno(errno);
    } else if ((f->kind == WFD_STREAM || f->kind == WFD_LISTEN) && (flags & WASI_FDFLAG_APPEND)) {
        return WASI_EINVAL;
    }
    f->flags = (uint16_t)flags;
    return 0;
}

WASI_FN(fd_fdstat_set_rights)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, 0, &rc);
    if (!f)
        return rc;
    uint64_t base = a[1].of.i64, inheriting = a[2].of.i64;
    if ((base & ~f->rights_base) || (inheriting & ~f->rights_inheriting))
        return WASI_ENOTCAPABLE;
    f->rights_base = base;
    f->rights_inheriting = inheriting;
    return 0;
}

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static uint8_t mode_filetype(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

void filestat_store(uint8_t *p, const struct stat *st)
{
    memset(p, 0, WASI_FILESTAT_SIZE);
    put_u64(p, (uint64_t)st->st_dev);
    put_u64(p + 8, (uint64_t)st->st_ino);
    put_u8(p + 16, mode_filetype(st->st_mode));
    put_u64(p + 24, (uint64_t)st->st_nlink);
    put_u64(p + 32, (uint64_t)st->st_size);
    put_u64(p + 40, ts_ns(&st->st_atim));
    put_u64(p + 48, ts_ns(&st->st_mtim));
    put_u64(p + 56, ts_ns(&st->st_ctim));
}

WASI_FN(fd_filestat_get)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_FILESTAT_GET, &rc);
    if (!f)
        return rc;
    uint8_t *p = mem_ptr(&c->mem, a[1].of.i32, WASI_FILESTAT_SIZE);
    if (!p)
        return WASI_EFAULT;
    if (f->kind == WFD_NULL) {
        memset(p, 0, WASI_FILESTAT_SIZE);
        put_u8(p + 16, WASI_FILETYPE_CHARACTER_DEVICE);
        put_u64(p + 24, 1);
        return 0;
    }
    if (f->kind == WFD_CHANNEL || f->kind == WFD_MEMDIR || f->kind == WFD_MEMFILE) {
        memfs_filestat(f, p);
        return 0;
    }
    struct stat st;
    if (fstat(f->host_fd, &st) != 0)
        return wasi_errno(errno);
    filestat_store(p, &st);
    if (f->filetype == WASI_FILETYPE_SOCKET_DGRAM)
        put_u8(p + 16, WASI_FILETYPE_SOCKET_DGRAM);
    return 0;
}

WASI_FN(fd_filestat_set_size)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_FILESTAT_SET_SIZE, &rc);
    if (!f)
        return rc;
    uint64_t size = a[1].of.i64;
    if (size > INT64_MAX)
        return WASI_EINVAL;
    if (f->kind == WFD_NULL)
        return 0;
    if (f->kind == WFD_DIR)
        return WASI_EISDIR;
    return ftruncate(f->host_fd, (off_t)size) ? wasi_errno(errno) : 0;
}

/* WASI fstflags -> the two timespecs utimensat wants. */
int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec out[2]);
int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec out[2])
{
    if (fst & ~(uint32_t)0xf)
        return WASI_EINVAL;
    if ((fst & WASI_FSTFLAG_ATIM) && (fst & WASI_FSTFLAG_ATIM_NOW))
        return WASI_EINVAL;
    if ((fst & WASI_FSTFLAG_MTIM) && (fst & WASI_FSTFLAG_MTIM_NOW))
        return WASI_EINVAL;
    uint64_t t[2] = {atim, mtim};
    uint32_t set[2] = {WASI_FSTFLAG_ATIM, WASI_FSTFLAG_MTIM};
    uint32_t now[2] = {WASI_FSTFLAG_ATIM_NOW, WASI_FSTFLAG_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        if (fst & now[i]) {
            out[i].tv_sec = 0;
            out[i].tv_nsec = UTIME_NOW;
        } else if (fst & set[i]) {
            out[i].tv_sec = (time_t)(t[i] / 1000000000u);
            out[i].tv_nsec = (long)(t[i] % 1000000000u);
        } else {
            out[i].tv_sec = 0;
            out[i].tv_nsec = UTIME_OMIT;
        }
    }
    return 0;
}

WASI_FN(fd_filestat_set_times)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_FILESTAT_SET_TIMES, &rc);
    if (!f)
        return rc;
    struct timespec ts[2];
    rc = wasi_times(a[1].of.i64, a[2].of.i64, a[3].of.i32, ts);
    if (rc)
        return rc;
    if (f->kind == WFD_NULL)
        return 0;
    return futimens(f->host_fd, ts) ? wasi_errno(errno) : 0;
}

WASI_FN(fd_advise)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_ADVISE, &rc);
    if (!f)
        return rc;
    uint64_t offset = a[1].of.i64, len = a[2].of.i64;
    static const int advice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                 POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    uint32_t which = a[3].of.i32;
    if (which >= sizeof advice / sizeof advice[0] || offset > INT64_MAX || len > INT64_MAX)
        return WASI_EINVAL;
    if (f->kind == WFD_NULL)
        return 0;
    if (f->kind == WFD_DIR)
        return WASI_EBADF;
    if (!positional(f))
        return WASI_ESPIPE;
    int r = posix_fadvise(f->host_fd, (off_t)offset, (off_t)len, advice[which]);
    return r ? wasi_errno(r) : 0;
}

WASI_FN(fd_allocate)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_ALLOCATE, &rc);
    if (!f)
        return rc;
    uint64_t offset = a[1].of.i64, len = a[2].of.i64;
    if (offset > INT64_MAX || len > INT64_MAX || offset + len > INT64_MAX)
        return WASI_EFBIG;
    if (f->kind == WFD_NULL)
        return 0;
    if (f->kind == WFD_DIR)
        return WASI_EBADF;
    if (!positional(f))
        return WASI_ESPIPE;
    if (len == 0)
        return WASI_EINVAL;
    if (fallocate(f->host_fd, 0, (off_t)offset, (off_t)len) == 0)
        return 0;
    if (errno != EOPNOTSUPP)
        return wasi_errno(errno);
    /* the file system cannot reserve blocks: grow the file the plain way */
    struct stat st;
    if (fstat(f->host_fd, &st) != 0)
        return wasi_errno(errno);
    if ((uint64_t)st.st_size < offset + len && ftruncate(f->host_fd, (off_t)(offset + len)) != 0)
        return wasi_errno(errno);
    return 0;
}

WASI_FN(fd_prestat_get)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, 0, &rc);
    if (!f)
        return rc;
    if (!f->preopen_path)
        return WASI_EBADF;
    uint8_t *p = mem_ptr(&c->mem, a[1].of.i32, WASI_PRESTAT_SIZE);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, WASI_PRESTAT_SIZE);
    put_u8(p, WASI_PREOPENTYPE_DIR);
    put_u32(p + 4, (uint32_t)strlen(f->preopen_path));
    return 0;
}

WASI_FN(fd_prestat_dir_name)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, 0, &rc);
    if (!f)
        return rc;
    if (!f->preopen_path)
        return WASI_EBADF;
    size_t len = strlen(f->preopen_path);
    uint8_t *p = mem_ptr(&c->mem, a[1].of.i32, a[2].of.i32);
    if (!p)
        return WASI_EFAULT;
    if (a[2].of.i32 < len)
        return WASI_ENAMETOOLONG;
    memcpy(p, f->preopen_path, len);
    return 0;
}

WASI_FN(fd_renumber)
{
    int rc;
    uint32_t from = a[0].of.i32, to = a[1].of.i32;
    wfd *src = fd_get(c->ctx, from, 0, &rc);
    if (!src)
        return rc;
    wfd *dst = fd_get(c->ctx, to, 0, &rc);
    if (!dst)
        return rc;
    if (from == to)
        return 0;
    fd_release(dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
    src->host_fd = -1;
    return 0;
}

static uint8_t dtype_filetype(unsigned char t)
{
    switch (t) {
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

void dirent_put(uint8_t *out, uint32_t buf_len, uint32_t *used, uint64_t next, uint64_t ino, const char *name,
                uint32_t namlen, uint8_t type)
{
    uint8_t entry[WASI_DIRENT_SIZE];
    memset(entry, 0, sizeof entry);
    put_u64(entry, next);
    put_u64(entry + 8, ino);
    put_u32(entry + 16, namlen);
    put_u8(entry + 20, type);
    uint32_t room = buf_len - *used;
    uint32_t take = room < WASI_DIRENT_SIZE ? room : WASI_DIRENT_SIZE;
    memcpy(out + *used, entry, take);
    *used += take;
    room = buf_len - *used;
    take = room < namlen ? room : namlen;
    memcpy(out + *used, name, take);
    *used += take;
}

/* The fixed part of Linux's struct linux_dirent64 before d_name. */
#define DIRENT64_NAME_OFFSET 19

WASI_FN(fd_readdir)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, R_FD_READDIR, &rc);
    if (!f)
        return rc;
    uint32_t buf_len = a[2].of.i32;
    uint64_t cookie = a[3].of.i64;
    uint8_t *out = mem_ptr(&c->mem, a[1].of.i32, buf_len);
    if (!out || !mem_ptr(&c->mem, a[4].of.i32, 4))
        return WASI_EFAULT;
    if (f->kind == WFD_MEMDIR) {
        uint32_t used;
        rc = memfs_readdir(f, out, buf_len, cookie, &used);
        return rc ? rc : mem_store_u32(&c->mem, a[4].of.i32, used);
    }
    if (f->kind != WFD_DIR)
        return WASI_ENOTDIR;
    if (cookie > INT64_MAX)
        return WASI_EINVAL;
    if (lseek(f->host_fd, (off_t)cookie, SEEK_SET) < 0)
        return wasi_errno(errno);
    static _Alignas(8) uint8_t raw[32768];
    uint32_t used = 0;
    while (used < buf_len) {
        long n = syscall(SYS_getdents64, f->host_fd, raw, sizeof raw);
        if (n < 0)
            return wasi_errno(errno);
        if (n == 0 || n > (long)sizeof raw)
            break;
        size_t pos = 0;
        while (pos < (size_t)n && used < buf_len) {
            /* the host filled this buffer: check every field before use */
            if ((size_t)n - pos < DIRENT64_NAME_OFFSET + 1)
                return WASI_EIO;
            uint64_t ino, off;
            uint16_t reclen;
            memcpy(&ino, raw + pos, 8);
            memcpy(&off, raw + pos + 8, 8);
            memcpy(&reclen, raw + pos + 16, 2);
            unsigned char type = raw[pos + 18];
            if (reclen < DIRENT64_NAME_OFFSET + 1 || reclen > (size_t)n - pos)
                return WASI_EIO;
            const char *name = (const char *)raw + pos + DIRENT64_NAME_OFFSET;
            const char *nul = memchr(name, 0, reclen - DIRENT64_NAME_OFFSET);
            if (!nul)
                return WASI_EIO;
            dirent_put(out, buf_len, &used, off, ino, name, (uint32_t)(nul - name), dtype_filetype(type));
            pos += reclen;
        }
    }
    return mem_store_u32(&c->mem, a[4].of.i32, used);
}
