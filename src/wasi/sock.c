/* sock_accept, sock_recv, sock_send, sock_shutdown. Sockets are created by
 * the exec from Enarx.toml (listen/connect); the guest cannot create any. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tls/tls.h"
#include "wasi/internal.h"

static bool is_socket(const wfd *f)
{
    return f->kind == WFD_STREAM || f->kind == WFD_LISTEN ||
           ((f->kind == WFD_STDIO || f->kind == WFD_FILE) &&
            (f->filetype == WASI_FILETYPE_SOCKET_STREAM || f->filetype == WASI_FILETYPE_SOCKET_DGRAM));
}

WASI_FN(sock_accept)
{
    int rc;
    wfd *f = fd_get(c->ctx, a[0].of.i32, 0, &rc);
    if (!f)
        return rc;
    if (!is_socket(f))
        return WASI_ENOTSOCK;
    if (!(f->rights_base & R_SOCK_ACCEPT))
        return WASI_ENOTCAPABLE;
    uint32_t flags = a[1].of.i32;
    if (flags & ~(uint32_t)WASI_FDFLAG_NONBLOCK)
        return WASI_EINVAL;
    if (!mem_ptr(&c->mem, a[2].of.i32, 4))
        return WASI_EFAULT;
    if (f->kind != WFD_LISTEN)
        return WASI_EINVAL;
    int conn;
    for (;;) {
        conn = accept4(f->host_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (conn >= 0)
            break;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && fd_blocking(f)) {
            rc = wait_fd(f->host_fd, POLLIN);
            if (rc)
                return rc;
            continue;
        }
        return wasi_errno(errno);
    }
    /* Responses go out when written, as from a native server that sets
     * TCP_NODELAY (most do): with Nagle, a reply written in two parts waits
     * for the peer's delayed ACK. Best effort: not every socket is TCP. */
    int one = 1;
    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    wfd entry = {.kind = WFD_STREAM, .host_fd = conn, .filetype = WASI_FILETYPE_SOCKET_STREAM};
    entry.rights_base = RIGHTS_SOCKET_STREAM & f->rights_inheriting;
    entry.flags = (uint16_t)flags;
    if (f->tls_server) {
        entry.tls = tls_conn_new_server(f->tls_server, conn);
        if (!entry.tls) {
            close(conn);
            return WASI_ENOMEM;
        }
    }
    int fd = fd_insert(c->ctx, &entry);
    if (fd < 0) {
        if (entry.tls)
            tls_conn_free(entry.tls);
        close(conn);
        return WASI_EMFILE;
    }
    return mem_store_u32(&c->mem, a[2].of.i32, (uint32_t)fd);
}

/* The socket behind a WASI fd, if it holds RIGHT; else NULL with *rc set. */
static wfd *socket_get(wasi_call *c, uint32_t fd, uint64_t right, int *rc)
{
    wfd *f = fd_get(c->ctx, fd, 0, rc);
    if (!f)
        return NULL;
    if (!is_socket(f)) {
        *rc = WASI_ENOTSOCK;
        return NULL;
    }
    if (!(f->rights_base & right)) {
        *rc = WASI_ENOTCAPABLE;
        return NULL;
    }
    return f;
}

WASI_FN(sock_recv)
{
    int rc;
    wfd *f = socket_get(c, a[0].of.i32, R_FD_READ, &rc);
    if (!f)
        return rc;
    uint32_t riflags = a[3].of.i32;
    if (riflags & ~(uint32_t)(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
        return WASI_EINVAL;
    struct iovec iov[WASI_IOV_MAX];
    size_t n, done;
    rc = mem_iovecs(&c->mem, a[1].of.i32, a[2].of.i32, iov, WASI_IOV_MAX, &n, NULL);
    if (rc)
        return rc;
    if (!mem_ptr(&c->mem, a[4].of.i32, 4) || !mem_ptr(&c->mem, a[5].of.i32, 2))
        return WASI_EFAULT;
    rc = stream_read(f, iov, n, riflags & WASI_RIFLAG_RECV_PEEK, riflags & WASI_RIFLAG_RECV_WAITALL, &done);
    if (rc)
        return rc;
    mem_store_u32(&c->mem, a[4].of.i32, (uint32_t)done);
    put_u16(mem_ptr(&c->mem, a[5].of.i32, 2), 0);
    return 0;
}

WASI_FN(sock_send)
{
    int rc;
    wfd *f = socket_get(c, a[0].of.i32, R_FD_WRITE, &rc);
    if (!f)
        return rc;
    if (a[3].of.i32 != 0)
        return WASI_EINVAL; /* no siflags are defined */
    struct iovec iov[WASI_IOV_MAX];
    size_t n, done;
    rc = mem_iovecs(&c->mem, a[1].of.i32, a[2].of.i32, iov, WASI_IOV_MAX, &n, NULL);
    if (rc)
        return rc;
    if (!mem_ptr(&c->mem, a[4].of.i32, 4))
        return WASI_EFAULT;
    rc = stream_write(f, iov, n, &done);
    if (rc)
        return rc;
    return mem_store_u32(&c->mem, a[4].of.i32, (uint32_t)done);
}

WASI_FN(sock_shutdown)
{
    int rc;
    wfd *f = socket_get(c, a[0].of.i32, R_SOCK_SHUTDOWN, &rc);
    if (!f)
        return rc;
    uint32_t how = a[1].of.i32;
    int host;
    switch (how) {
    case WASI_SDFLAG_RD: host = SHUT_RD; break;
    case WASI_SDFLAG_WR: host = SHUT_WR; break;
    case WASI_SDFLAG_RD | WASI_SDFLAG_WR: host = SHUT_RDWR; break;
    default: return WASI_EINVAL;
    }
    if (f->tls && (how & WASI_SDFLAG_WR)) {
        /* the peer must see close_notify before the TCP FIN */
        while (tls_conn_shutdown_write(f->tls) == TLS_AGAIN) {
            rc = wait_fd(f->host_fd, POLLOUT);
            if (rc)
                return rc;
        }
    }
    return shutdown(f->host_fd, host) ? wasi_errno(errno) : 0;
}
