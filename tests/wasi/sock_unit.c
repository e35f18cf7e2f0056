/* Unit tests of the WASI socket path (sock_accept, fd_read/fd_write on
 * sockets, poll_oneoff) over real loopback TCP, plain and TLS, driven the way
 * the engine calls it. Each case is a failure issue 14 found:
 *   - accepted sockets get TCP_NODELAY, as a native server would set it;
 *   - a TLS writev becomes as few records as the record size allows;
 *   - a reset is ECONNRESET/EPIPE, never a clean end of stream, even after
 *     poll_oneoff saw it (SO_ERROR is the kernel's to report);
 *   - one TLS client's unclean close leaves nothing in OpenSSL's per-thread
 *     error queue for another connection to trip over;
 *   - a TLS client that half-closes (FIN, no close_notify) still gets its reply.
 * The clients are plain sockets or src/tls client connections pumped by hand,
 * so everything runs in one thread, deterministically. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <openssl/err.h>

#include "check.h"
#include "fake_call.h"
#include "tls/tls.h"
#include "wasi/internal.h"

#define MEM_SIZE (1u << 20)
static uint8_t memory[MEM_SIZE];
#define call(ctx, ...) call_on((ctx), memory, MEM_SIZE, __VA_ARGS__)

/* Guest memory layout of these tests. */
#define IOVS 0x100     /* iovec array */
#define RESULT 0x80    /* u32 results */
#define SUBS 0x400     /* poll subscriptions */
#define EVENTS 0x800   /* poll events */
#define BUF 0x10000    /* data */

static char err[512];
static tls_server *server_ctx;

static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 8) == 0 &&
          getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    return fd;
}

static void reset_close(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* sock_accept on the WASI listener; returns the new WASI fd. */
static uint32_t accept_one(wasi_ctx *ctx, uint32_t lfd, uint16_t flags)
{
    CHECK_EQ_INT(call(ctx, wasi_sock_accept, 3, I(lfd), I(flags), I(RESULT)), 0);
    return get_u32(memory + RESULT);
}

static int host_fd(wasi_ctx *ctx, uint32_t fd)
{
    int rc;
    wfd *f = fd_get(ctx, fd, 0, &rc);
    return f ? f->host_fd : -1;
}

static void set_iov(int i, uint32_t buf, uint32_t len)
{
    put_u32(memory + IOVS + (size_t)8 * (size_t)i, buf);
    put_u32(memory + IOVS + (size_t)8 * (size_t)i + 4, len);
}

/* fd_read into BUF; returns the WASI errno, *n the bytes read. */
static int wasi_read(wasi_ctx *ctx, uint32_t fd, uint32_t len, uint32_t *n)
{
    set_iov(0, BUF, len);
    int rc = call(ctx, wasi_fd_read, 4, I(fd), I(IOVS), I(1), I(RESULT));
    *n = rc ? 0 : get_u32(memory + RESULT);
    return rc;
}

/* fd_write of one buffer; returns the WASI errno. */
static int wasi_write(wasi_ctx *ctx, uint32_t fd, const char *text)
{
    size_t len = strlen(text);
    memcpy(memory + BUF, text, len + 1); /* the guest gets len bytes; the NUL is spare */
    set_iov(0, BUF, (uint32_t)len);
    return call(ctx, wasi_fd_write, 4, I(fd), I(IOVS), I(1), I(RESULT));
}

/* poll_oneoff for reading on one fd; returns the event's error field. */
static int wasi_poll_read(wasi_ctx *ctx, uint32_t fd)
{
    memset(memory + SUBS, 0, WASI_SUBSCRIPTION_SIZE);
    put_u8(memory + SUBS + 8, WASI_EVENTTYPE_FD_READ);
    put_u32(memory + SUBS + 16, fd);
    CHECK_EQ_INT(call(ctx, wasi_poll_oneoff, 4, I(SUBS), I(EVENTS), I(1), I(RESULT)), 0);
    CHECK_EQ_INT(get_u32(memory + RESULT), 1);
    return get_u16(memory + EVENTS + 8);
}

static void test_nodelay(void)
{
    for (int tls = 0; tls < 2; tls++) {
        wasi_ctx *ctx = wasi_ctx_new();
        uint16_t port;
        int lfd = listener(&port);
        uint32_t lw = (uint32_t)wasi_ctx_add_listener(ctx, lfd, tls ? server_ctx : NULL);
        int c = connect_to(port);
        uint32_t conn = accept_one(ctx, lw, 0);
        int on = 0;
        socklen_t len = sizeof on;
        CHECK(getsockopt(host_fd(ctx, conn), IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0);
        CHECK_EQ_INT(on, 1);
        close(c);
        /* the context owns the listener and the server context now */
        wfd *lf = fd_get(ctx, lw, 0, &(int){0});
        if (lf)
            lf->tls_server = NULL;
        wasi_ctx_free(ctx);
    }
}

/* A peer that resets after sending part of a request: the workload reads the
 * part, then ECONNRESET; a write then fails with EPIPE, as on Linux. The
 * poll_oneoff that saw the reset must not have swallowed it. */
static void test_reset_plain(void)
{
    wasi_ctx *ctx = wasi_ctx_new();
    uint16_t port;
    uint32_t lw = (uint32_t)wasi_ctx_add_listener(ctx, listener(&port), NULL);
    int c = connect_to(port);
    uint32_t conn = accept_one(ctx, lw, 0);
    CHECK_EQ_INT(write(c, "GET", 3), 3);
    reset_close(c);
    struct pollfd p = {.fd = host_fd(ctx, conn), .events = POLLIN};
    while (poll(&p, 1, 5000) == 1 && !(p.revents & POLLERR))
        usleep(1000); /* the reset is on its way */
    wasi_poll_read(ctx, conn);
    uint32_t n;
    CHECK_EQ_INT(wasi_read(ctx, conn, 100, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(wasi_read(ctx, conn, 100, &n), WASI_ECONNRESET);
    CHECK_EQ_INT(wasi_write(ctx, conn, "reply"), WASI_EPIPE);
    wasi_ctx_free(ctx);
}

/* poll_oneoff on a socket and a 2 s clock; returns the fd event's nbytes, or
 * UINT64_MAX when the clock fired first (the poll would have hung). */
static uint64_t poll_nbytes(wasi_ctx *ctx, uint32_t fd, uint16_t *error)
{
    memset(memory + SUBS, 0, 2 * WASI_SUBSCRIPTION_SIZE);
    put_u64(memory + SUBS, 1);
    put_u8(memory + SUBS + 8, WASI_EVENTTYPE_FD_READ);
    put_u32(memory + SUBS + 16, fd);
    uint8_t *clock = memory + SUBS + WASI_SUBSCRIPTION_SIZE;
    put_u64(clock, 2);
    put_u8(clock + 8, WASI_EVENTTYPE_CLOCK);
    put_u32(clock + 16, WASI_CLOCK_MONOTONIC);
    put_u64(clock + 24, 2000000000u);
    CHECK_EQ_INT(call(ctx, wasi_poll_oneoff, 4, I(SUBS), I(EVENTS), I(2), I(RESULT)), 0);
    if (get_u32(memory + RESULT) < 1 || get_u64(memory + EVENTS) != 1)
        return UINT64_MAX;
    *error = get_u16(memory + EVENTS + 8);
    return get_u64(memory + EVENTS + 16);
}

/* The read-ahead (poll_oneoff reads a ready socket's bytes so that nbytes is
 * exact without FIONREAD): bytes held by the runtime while the kernel's
 * queue is empty still make the socket ready at once; reads take them in
 * order; "again" once the queue was found empty; a reset met while reading
 * ahead is the next read's error, after the bytes before it. */
static void test_read_ahead_plain(void)
{
    wasi_ctx *ctx = wasi_ctx_new();
    uint16_t port;
    uint32_t lw = (uint32_t)wasi_ctx_add_listener(ctx, listener(&port), NULL);
    int c = connect_to(port);
    uint32_t conn = accept_one(ctx, lw, WASI_FDFLAG_NONBLOCK);
    uint16_t error = 0;
    uint32_t n;
    CHECK_EQ_INT(write(c, "hello", 5), 5);
    CHECK_EQ_INT(poll_nbytes(ctx, conn, &error), 5);
    CHECK_EQ_INT(error, 0);
    CHECK_EQ_INT(wasi_read(ctx, conn, 2, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK(memcmp(memory + BUF, "he", 2) == 0);
    /* the kernel holds nothing now; the runtime holds 3 bytes */
    CHECK_EQ_INT(poll_nbytes(ctx, conn, &error), 3);
    CHECK_EQ_INT(wasi_read(ctx, conn, 100, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK(memcmp(memory + BUF, "llo", 3) == 0);
    CHECK_EQ_INT(wasi_read(ctx, conn, 100, &n), WASI_EAGAIN);
    CHECK_EQ_INT(wasi_read(ctx, conn, 100, &n), WASI_EAGAIN); /* this one asked the socket */
    /* bytes, then a reset, both read ahead by one poll_oneoff after another */
    CHECK_EQ_INT(write(c, "GET", 3), 3);
    CHECK_EQ_INT(poll_nbytes(ctx, conn, &error), 3);
    reset_close(c);
    struct pollfd p = {.fd = host_fd(ctx, conn), .events = POLLIN};
    while (poll(&p, 1, 5000) == 1 && !(p.revents & POLLERR))
        usleep(1000); /* the reset is on its way */
    CHECK_EQ_INT(wasi_read(ctx, conn, 100, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(wasi_read(ctx, conn, 100, &n), WASI_EAGAIN); /* the read ahead had emptied the queue */
    CHECK_EQ_INT(poll_nbytes(ctx, conn, &error), 0);          /* reads ahead: the reset */
    CHECK_EQ_INT(poll_nbytes(ctx, conn, &error), 0);          /* still ready: the error waits */
    CHECK_EQ_INT(wasi_read(ctx, conn, 100, &n), WASI_ECONNRESET);
    CHECK_EQ_INT(wasi_write(ctx, conn, "reply"), WASI_EPIPE);
    wasi_ctx_free(ctx);
}

/* ---- TLS: a src/tls client pumped by hand against the WASI server side ---- */

typedef struct tls_peer {
    int fd;
    tls_conn *tls;
    uint32_t conn; /* the server's WASI fd */
} tls_peer;

static tls_client *client_ctx;

/* Connects, accepts (non-blocking) and completes the handshake. */
static void tls_peer_open(wasi_ctx *ctx, uint32_t lw, uint16_t port, tls_peer *p)
{
    p->fd = connect_to(port);
    CHECK(fcntl(p->fd, F_SETFL, O_NONBLOCK) == 0);
    p->tls = tls_conn_new_client(client_ctx, p->fd, "localhost");
    p->conn = accept_one(ctx, lw, WASI_FDFLAG_NONBLOCK);
    int rc;
    wfd *f = fd_get(ctx, p->conn, 0, &rc);
    for (int i = 0; i < 2000 && f && !(tls_conn_handshake_done(p->tls) && tls_conn_handshake_done(f->tls)); i++) {
        tls_conn_pump(p->tls);
        uint32_t n;
        wasi_read(ctx, p->conn, 16, &n); /* EAGAIN: pumps the server side */
    }
    CHECK(tls_conn_handshake_done(p->tls));
    CHECK(f && tls_conn_handshake_done(f->tls));
    for (int i = 0; i < 10; i++)
        tls_conn_pump(p->tls); /* whatever followed the handshake */
}

/* Reads on the WASI side, waiting up to 5 s for something other than EAGAIN. */
static int tls_server_read(wasi_ctx *ctx, tls_peer *p, uint32_t len, uint32_t *n)
{
    int rc = WASI_EAGAIN;
    for (int i = 0; i < 5000 && rc == WASI_EAGAIN; i++) {
        if (p->tls)
            tls_conn_pump(p->tls);
        rc = wasi_read(ctx, p->conn, len, n);
        if (rc == WASI_EAGAIN)
            poll(&(struct pollfd){.fd = host_fd(ctx, p->conn), .events = POLLIN}, 1, 1);
    }
    return rc;
}

static ssize_t tls_client_read(tls_peer *p, char *buf, size_t len)
{
    ssize_t r = TLS_AGAIN;
    for (int i = 0; i < 5000 && r == TLS_AGAIN; i++) {
        r = tls_conn_read(p->tls, buf, len, false);
        if (r == TLS_AGAIN)
            poll(&(struct pollfd){.fd = p->fd, .events = POLLIN}, 1, 1);
    }
    return r;
}

static void tls_client_send(tls_peer *p, const char *text)
{
    CHECK_EQ_INT(tls_conn_write(p->tls, text, strlen(text)), (ssize_t)strlen(text));
    tls_conn_pump(p->tls);
}

/* Counts the TLS records on the raw socket until they carry want plaintext
 * bytes (each TLS 1.3 record adds a content-type byte and a 16-byte tag). */
static int count_records(int fd, size_t want)
{
    uint8_t raw[1 << 17];
    size_t have = 0, plain = 0;
    int records = 0;
    while (plain < want && have < sizeof raw) {
        if (poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 5000) != 1)
            break;
        ssize_t n = recv(fd, raw + have, sizeof raw - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
        size_t pos = 0;
        plain = 0;
        records = 0;
        while (have - pos >= 5) {
            size_t len = (size_t)raw[pos + 3] << 8 | raw[pos + 4];
            if (have - pos < 5 + len)
                break;
            if (raw[pos] == 23 && len >= 17)
                plain += len - 17;
            records++;
            pos += 5 + len;
        }
    }
    return plain >= want ? records : -1;
}

/* One writev of header + body is one record and one send, not one per
 * buffer: with Nagle and a delayed ACK, a second small send waits ~40 ms. */
static void test_tls_writev_records(wasi_ctx *ctx, uint32_t lw, uint16_t port)
{
    tls_peer p;
    tls_peer_open(ctx, lw, port, &p);
    memset(memory + BUF, 'h', 100);
    memset(memory + BUF + 100, 'b', 1000);
    set_iov(0, BUF, 100);
    set_iov(1, BUF + 100, 1000);
    CHECK_EQ_INT(call(ctx, wasi_fd_write, 4, I(p.conn), I(IOVS), I(2), I(RESULT)), 0);
    CHECK_EQ_INT(get_u32(memory + RESULT), 1100);
    CHECK_EQ_INT(count_records(p.fd, 1100), 1);
    /* 3 × 10,000 bytes fit in two 16 KiB records */
    for (int i = 0; i < 3; i++)
        set_iov(i, BUF + 10000u * (uint32_t)i, 10000);
    CHECK_EQ_INT(call(ctx, wasi_fd_write, 4, I(p.conn), I(IOVS), I(3), I(RESULT)), 0);
    CHECK_EQ_INT(get_u32(memory + RESULT), 30000);
    CHECK_EQ_INT(count_records(p.fd, 30000), 2);
    shutdown(p.fd, SHUT_RDWR);
    tls_conn_free(p.tls);
    close(p.fd);
    CHECK_EQ_INT(call(ctx, wasi_fd_close, 1, I(p.conn)), 0);
}

/* Client b closes without close_notify, the workload sees the end and
 * closes it; then client a's next request must still be served. */
static void test_tls_unclean_close_isolated(wasi_ctx *ctx, uint32_t lw, uint16_t port)
{
    tls_peer a, b;
    tls_peer_open(ctx, lw, port, &a);
    tls_peer_open(ctx, lw, port, &b);
    tls_client_send(&a, "first");
    uint32_t n;
    CHECK_EQ_INT(tls_server_read(ctx, &a, 100, &n), 0);
    CHECK_EQ_INT(n, 5);
    tls_client_send(&b, "partial");
    shutdown(b.fd, SHUT_RDWR); /* a FIN without close_notify */
    CHECK_EQ_INT(tls_server_read(ctx, &b, 100, &n), 0);
    CHECK_EQ_INT(n, 7);
    CHECK_EQ_INT(tls_server_read(ctx, &b, 100, &n), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(call(ctx, wasi_fd_close, 1, I(b.conn)), 0);
    CHECK_EQ_INT(ERR_peek_error(), 0); /* nothing left for the next SSL_get_error */
    /* a's next read finds nothing yet: "again", not a failure */
    CHECK_EQ_INT(wasi_read(ctx, a.conn, 100, &n), WASI_EAGAIN);
    tls_conn_free(b.tls);
    close(b.fd);
    /* and a client that resets */
    tls_peer r;
    tls_peer_open(ctx, lw, port, &r);
    tls_conn_free(r.tls);
    r.tls = NULL;
    reset_close(r.fd);
    CHECK_EQ_INT(tls_server_read(ctx, &r, 100, &n), WASI_ECONNRESET);
    CHECK_EQ_INT(call(ctx, wasi_fd_close, 1, I(r.conn)), 0);
    CHECK_EQ_INT(ERR_peek_error(), 0);
    CHECK_EQ_INT(wasi_read(ctx, a.conn, 100, &n), WASI_EAGAIN);

    tls_client_send(&a, "second");
    CHECK_EQ_INT(tls_server_read(ctx, &a, 100, &n), 0);
    CHECK_EQ_INT(n, 6);
    CHECK(memcmp(memory + BUF, "second", 6) == 0);
    CHECK_EQ_INT(wasi_write(ctx, a.conn, "ok"), 0);
    char buf[16];
    CHECK_EQ_INT(tls_client_read(&a, buf, sizeof buf), 2);
    tls_conn_free(a.tls);
    close(a.fd);
    CHECK_EQ_INT(call(ctx, wasi_fd_close, 1, I(a.conn)), 0);
}

/* The client sends its request and a FIN, without close_notify: the read
 * side ends, the reply still goes out (as over plain TCP). */
static void test_tls_half_close(wasi_ctx *ctx, uint32_t lw, uint16_t port)
{
    tls_peer p;
    tls_peer_open(ctx, lw, port, &p);
    tls_client_send(&p, "request");
    shutdown(p.fd, SHUT_WR);
    uint32_t n;
    CHECK_EQ_INT(tls_server_read(ctx, &p, 100, &n), 0);
    CHECK_EQ_INT(n, 7);
    CHECK_EQ_INT(tls_server_read(ctx, &p, 100, &n), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(wasi_write(ctx, p.conn, "reply"), 0);
    CHECK_EQ_INT(get_u32(memory + RESULT), 5);
    char buf[16] = {0};
    CHECK_EQ_INT(tls_client_read(&p, buf, sizeof buf), 5);
    CHECK_EQ_STR(buf, "reply");
    CHECK_EQ_INT(call(ctx, wasi_fd_close, 1, I(p.conn)), 0);
    CHECK_EQ_INT(tls_client_read(&p, buf, sizeof buf), 0); /* close_notify */
    tls_conn_free(p.tls);
    close(p.fd);
}

/* Records received but not yet decrypted (the plaintext buffer was full)
 * make the descriptor readable although the socket itself stays quiet:
 * poll_oneoff decrypts them instead of waiting on the socket for ever. */
static void test_tls_poll_decrypts_buffered(wasi_ctx *ctx, uint32_t lw, uint16_t port)
{
    tls_peer p;
    tls_peer_open(ctx, lw, port, &p);
    static char big[48 << 10];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    CHECK_EQ_INT(tls_conn_write(p.tls, big, sizeof big), (ssize_t)sizeof big);
    int queued = 0;
    for (int i = 0; i < 5000 && queued < (int)sizeof big; i++) { /* all three records on the server's socket */
        tls_conn_pump(p.tls);
        if (ioctl(host_fd(ctx, p.conn), FIONREAD, &queued) != 0)
            break;
        if (queued < (int)sizeof big)
            usleep(1000);
    }
    CHECK(queued > (int)sizeof big);
    uint16_t error = 0;
    CHECK_EQ_INT(poll_nbytes(ctx, p.conn, &error), 32 << 10); /* the plaintext buffer's worth */
    uint32_t n;
    CHECK_EQ_INT(wasi_read(ctx, p.conn, 32 << 10, &n), 0);
    CHECK_EQ_INT(n, 32 << 10);
    CHECK_EQ_INT(poll_nbytes(ctx, p.conn, &error), 16 << 10);
    CHECK_EQ_INT(wasi_read(ctx, p.conn, 32 << 10, &n), 0);
    CHECK_EQ_INT(n, 16 << 10);
    CHECK(memcmp(memory + BUF, big + (32 << 10), 16 << 10) == 0);
    tls_conn_free(p.tls);
    close(p.fd);
    CHECK_EQ_INT(call(ctx, wasi_fd_close, 1, I(p.conn)), 0);
}

static void test_tls(void)
{
    wasi_ctx *ctx = wasi_ctx_new();
    uint16_t port;
    int lfd = listener(&port);
    uint32_t lw = (uint32_t)wasi_ctx_add_listener(ctx, lfd, server_ctx);
    const char *pem = tls_server_cert_pem(server_ctx);
    client_ctx = tls_client_new((const uint8_t *)pem, strlen(pem), err, sizeof err);
    CHECK(client_ctx != NULL);
    test_tls_writev_records(ctx, lw, port);
    test_tls_unclean_close_isolated(ctx, lw, port);
    test_tls_half_close(ctx, lw, port);
    test_tls_poll_decrypts_buffered(ctx, lw, port);
    tls_client_free(client_ctx);
    wfd *lf = fd_get(ctx, lw, 0, &(int){0});
    if (lf)
        lf->tls_server = NULL; /* main frees it */
    wasi_ctx_free(ctx);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the exec does */
    CHECK_EQ_INT(tls_init(err, sizeof err), 0);
    server_ctx = tls_server_new_selfsigned("localhost", err, sizeof err);
    CHECK(server_ctx != NULL);
    if (!server_ctx)
        return check_summary();
    test_nodelay();
    test_reset_plain();
    test_read_ahead_plain();
    test_tls();
    tls_server_free(server_ctx);
    return check_summary();
}
