/* The exec's deploy mode. Everything the client sends before it has verified
 * us, and everything the host hands us, is untrusted: the launch record, the
 * messages and the workload stream are all checked before use. */
#include "exec/deploy.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abi/deploy.h"
#include "abi/evidence.h"
#include "abi/log_level.h"
#include "exec/evidence.h"
#include "exec/log.h"
#include "exec/ratls.h"
#include "exec/run.h"
#include "exec/stream.h"
#include "tls/tls.h"

#define HANDSHAKE_TIMEOUT_MS 30000  /* the client's TLS handshake and its nonce */
#define IDLE_TIMEOUT_MS 60000       /* silence while the workload arrives */
#define LINGER_MS 2000             /* waiting for the client to close after EXIT */
#define RX_CAP (DEPLOY_MSG_HEADER_LEN + DEPLOY_MSG_MAX_DATA + 16384)

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- the connection ---- */

typedef struct dconn {
    SSL *ssl;
    int fd;
    bool failed;                 /* the client is gone or broke the protocol */
    uint8_t *rx;                 /* decrypted bytes not consumed yet */
    size_t rx_pos, rx_len;
    uint8_t *in;                 /* the workload's stdin: one STDIN message's bytes */
    size_t in_pos, in_len;
    bool in_eof;
    wasi_channel chan[3];
} dconn;

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for what OpenSSL asked for. Returns 0, or -ETIMEDOUT / -errno. */
static int wait_io(dconn *c, int ssl_err, int timeout_ms)
{
    struct pollfd p = {.fd = c->fd, .events = ssl_err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
    int n;
    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return n == 0 ? -ETIMEDOUT : 0;
}

/* One SSL_read into the free room of rx. > 0 bytes, 0 end of stream,
 * -EAGAIN (nonblock, nothing there), or -errno. */
static long rx_fill(dconn *c, bool nonblock, int timeout_ms)
{
    if (c->failed)
        return -EPIPE;
    if (c->rx_pos > 0 && c->rx_pos == c->rx_len)
        c->rx_pos = c->rx_len = 0;
    if (c->rx_len == RX_CAP && c->rx_pos > 0) {
        memmove(c->rx, c->rx + c->rx_pos, c->rx_len - c->rx_pos);
        c->rx_len -= c->rx_pos;
        c->rx_pos = 0;
    }
    if (c->rx_len == RX_CAP)
        return -ENOBUFS;
    for (;;) {
        size_t got = 0;
        if (SSL_read_ex(c->ssl, c->rx + c->rx_len, RX_CAP - c->rx_len, &got) == 1) {
            c->rx_len += got;
            return (long)got;
        }
        int e = SSL_get_error(c->ssl, 0);
        if (e == SSL_ERROR_ZERO_RETURN)
            return 0;
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            c->failed = true;
            return -EIO;
        }
        if (nonblock)
            return -EAGAIN;
        int rc = wait_io(c, e, timeout_ms);
        if (rc < 0)
            return rc;
    }
}

static int ssl_write_all(dconn *c, const uint8_t *buf, size_t len)
{
    while (len > 0 && !c->failed) {
        size_t done = 0;
        if (SSL_write_ex(c->ssl, buf, len, &done) == 1) {
            buf += done;
            len -= done;
            continue;
        }
        int e = SSL_get_error(c->ssl, 0);
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) || wait_io(c, e, -1) < 0)
            c->failed = true;
    }
    return c->failed ? -EPIPE : 0;
}

static int send_msg(dconn *c, uint32_t type, const void *payload, size_t len)
{
    uint8_t head[DEPLOY_MSG_HEADER_LEN];
    put32(head, type);
    put32(head + 4, (uint32_t)len);
    /* one write for small messages: one TLS record */
    if (len <= 4096) {
        uint8_t buf[DEPLOY_MSG_HEADER_LEN + 4096];
        memcpy(buf, head, sizeof head);
        if (len)
            memcpy(buf + sizeof head, payload, len);
        return ssl_write_all(c, buf, sizeof head + len);
    }
    return ssl_write_all(c, head, sizeof head) == 0 ? ssl_write_all(c, payload, len) : -EPIPE;
}

/* The next message of the phase, waiting up to timeout_ms (-1: forever)
 * unless nonblock. 1 with *type etc. (valid until the next call), 0 at end
 * of stream, -EAGAIN, or another -errno (err says why for protocol errors). */
static int next_msg(dconn *c, enum deploy_phase phase, bool nonblock, int timeout_ms, uint32_t *type,
                    const uint8_t **payload, uint32_t *len, char *err, size_t errlen)
{
    for (;;) {
        long used = deploy_msg_parse(c->rx + c->rx_pos, c->rx_len - c->rx_pos, phase, type, payload, len, err, errlen);
        if (used < 0) {
            c->failed = true;
            return -EPROTO;
        }
        if (used > 0) {
            c->rx_pos += (size_t)used;
            return 1;
        }
        long r = rx_fill(c, nonblock, timeout_ms);
        if (r == 0 && c->rx_len > c->rx_pos) {
            snprintf(err, errlen, "the client's connection ended inside a message");
            return -EPROTO;
        }
        if (r <= 0)
            return (int)r;
    }
}

/* wl_read_fn over the channel: the workload stream arrives as raw bytes. */
static ssize_t stream_source(void *source, void *buf, size_t len)
{
    dconn *c = source;
    if (c->rx_pos == c->rx_len) {
        long r = rx_fill(c, false, IDLE_TIMEOUT_MS);
        if (r <= 0)
            return r == -ETIMEDOUT ? -ETIMEDOUT : r < 0 ? -EIO : 0;
    }
    size_t n = c->rx_len - c->rx_pos < len ? c->rx_len - c->rx_pos : len;
    memcpy(buf, c->rx + c->rx_pos, n);
    c->rx_pos += n;
    return (ssize_t)n;
}

/* ---- stdio for the workload ---- */

/* Takes in STDIN messages until stdin has bytes or ended. 0 when it has,
 * -EAGAIN, or -errno. */
static long stdin_want(dconn *c, bool nonblock)
{
    while (c->in_pos == c->in_len && !c->in_eof) {
        uint32_t type, len;
        const uint8_t *payload;
        char err[256];
        int r = next_msg(c, DEPLOY_PHASE_RUNNING, nonblock, -1, &type, &payload, &len, err, sizeof err);
        if (r == -EAGAIN)
            return -EAGAIN;
        if (r <= 0) {
            if (r == -EPROTO) {
                exec_log_set_sink(NULL); /* the channel is broken: tell the host's log */
                exec_log(ENARX_LOG_ERROR, "deploy: %s", err);
            }
            c->in_eof = true; /* the client is gone: stdin ends */
            break;
        }
        if (type == DEPLOY_MSG_STDIN_EOF) {
            c->in_eof = true;
        } else {
            memcpy(c->in, payload, len);
            c->in_pos = 0;
            c->in_len = len;
        }
    }
    return 0;
}

static long chan_read(void *opaque, void *buf, size_t len, bool nonblock)
{
    dconn *c = opaque;
    long r = stdin_want(c, nonblock);
    if (r < 0)
        return r;
    size_t n = c->in_len - c->in_pos < len ? c->in_len - c->in_pos : len;
    memcpy(buf, c->in + c->in_pos, n);
    c->in_pos += n;
    return (long)n;
}

static bool chan_readable(void *opaque)
{
    return stdin_want(opaque, true) == 0;
}

static int chan_poll_fd(void *opaque)
{
    return ((dconn *)opaque)->fd;
}

static long chan_write(dconn *c, uint32_t type, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    for (size_t off = 0; off < len; off += DEPLOY_MSG_MAX_DATA) {
        size_t n = len - off < DEPLOY_MSG_MAX_DATA ? len - off : DEPLOY_MSG_MAX_DATA;
        if (send_msg(c, type, p + off, n) != 0)
            return -EPIPE;
    }
    return (long)len;
}

static long chan_write_out(void *opaque, const void *buf, size_t len)
{
    return chan_write(opaque, DEPLOY_MSG_STDOUT, buf, len);
}

static long chan_write_err(void *opaque, const void *buf, size_t len)
{
    return chan_write(opaque, DEPLOY_MSG_STDERR, buf, len);
}

static dconn *log_conn; /* where exec_log's lines go while the workload runs */

static void log_to_client(const char *line, size_t len)
{
    chan_write(log_conn, DEPLOY_MSG_STDERR, line, len);
}

/* ---- the flow ---- */

static SSL_CTX *server_ctx(const ratls_identity *id)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return NULL;
    /* TLS 1.3 only; no tickets (no resumption), no 0-RTT, no renegotiation */
    int ok = SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) && SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) &&
             SSL_CTX_set_num_tickets(ctx, 0) && SSL_CTX_set_max_early_data(ctx, 0) &&
             SSL_CTX_use_certificate(ctx, id->cert) == 1 && SSL_CTX_use_PrivateKey(ctx, id->key) == 1;
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (!ok) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int handshake(dconn *c, char *err, size_t errlen)
{
    long long deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
    for (;;) {
        int r = SSL_accept(c->ssl);
        if (r == 1)
            return 0;
        int e = SSL_get_error(c->ssl, r);
        long long left = deadline - now_ms();
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) || left <= 0 ||
            wait_io(c, e, (int)left) < 0) {
            unsigned long code = ERR_peek_last_error();
            snprintf(err, errlen, "the TLS handshake with the client failed: %s",
                     left <= 0 ? "timed out" : code ? ERR_reason_error_string(code) : "the connection closed");
            return -1;
        }
    }
}

/* The fresh evidence: report data = the binder of abi/deploy.h. */
static int send_fresh_evidence(dconn *c, const ratls_identity *id, const exec_claim *claim, char *err, size_t errlen)
{
    uint32_t type, len;
    const uint8_t *nonce;
    int r = next_msg(c, DEPLOY_PHASE_NONCE, false, HANDSHAKE_TIMEOUT_MS, &type, &nonce, &len, err, errlen);
    if (r <= 0) {
        if (r != -EPROTO)
            snprintf(err, errlen, "the client sent no nonce after the handshake (%s)",
                     r == 0 || r == -EIO ? "it closed the connection: it did not accept this Keep's certificate"
                                         : strerror(-r));
        return -1;
    }
    uint8_t exporter[DEPLOY_EXPORTER_LEN], binder[SHA512_DIGEST_LENGTH];
    if (SSL_export_keying_material(c->ssl, exporter, sizeof exporter, DEPLOY_EXPORTER_LABEL,
                                   strlen(DEPLOY_EXPORTER_LABEL), NULL, 0, 0) != 1) {
        snprintf(err, errlen, "cannot derive the TLS exporter value");
        return -1;
    }
    uint8_t input[DEPLOY_BINDER_LABEL_LEN + DEPLOY_EXPORTER_LEN + DEPLOY_NONCE_LEN + 32];
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): the label is hashed without its NUL */
    memcpy(input, DEPLOY_BINDER_LABEL, DEPLOY_BINDER_LABEL_LEN);
    memcpy(input + DEPLOY_BINDER_LABEL_LEN, exporter, DEPLOY_EXPORTER_LEN);
    memcpy(input + DEPLOY_BINDER_LABEL_LEN + DEPLOY_EXPORTER_LEN, nonce, DEPLOY_NONCE_LEN);
    memcpy(input + DEPLOY_BINDER_LABEL_LEN + DEPLOY_EXPORTER_LEN + DEPLOY_NONCE_LEN, id->spki_hash, 32);
    SHA512(input, sizeof input, binder);
    uint8_t *evidence;
    size_t evidence_len;
    uint32_t kind;
    if (exec_evidence(binder, claim, &evidence, &evidence_len, &kind, err, errlen) != 0)
        return -1;
    r = send_msg(c, DEPLOY_MSG_EVIDENCE, evidence, evidence_len);
    free(evidence);
    if (r != 0) {
        snprintf(err, errlen, "the client closed the connection before the evidence was sent");
        return -1;
    }
    return 0;
}

/* Receives the workload and checks what only a deploy may carry. */
static int receive_workload(dconn *c, wl_stream *s, uint8_t digest[32], char *err, size_t errlen)
{
    if (wl_stream_read(s, stream_source, c, err, errlen) != 0)
        return -1;
    SHA256(s->module, s->module_size, digest);
    if (s->has_digest && memcmp(s->digest, digest, 32) != 0) {
        snprintf(err, errlen, "the module that arrived is not the one the client hashed (DIGEST frame differs)");
        wl_stream_free(s);
        return -1;
    }
    return 0;
}

static int fail_to_client(dconn *c, int status, const char *msg)
{
    exec_log(ENARX_LOG_ERROR, "deploy: %s", msg);
    if (!c->failed) {
        size_t n = strlen(msg);
        send_msg(c, DEPLOY_MSG_ERROR, msg, n < DEPLOY_MSG_MAX_ERROR ? n : DEPLOY_MSG_MAX_ERROR);
        uint8_t st[4];
        put32(st, (uint32_t)status);
        send_msg(c, DEPLOY_MSG_EXIT, st, sizeof st);
    }
    return status;
}

static int serve(dconn *c, const exec_claim *claim)
{
    char err[1024];
    ratls_identity id;
    long long t0 = now_us();
    if (ratls_identity_new(&id, claim, err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "deploy: %s", err);
        return 1;
    }
    SSL_CTX *ctx = server_ctx(&id);
    int status = 1;
    if (!ctx || !(c->ssl = SSL_new(ctx)) || SSL_set_fd(c->ssl, c->fd) != 1) {
        exec_log(ENARX_LOG_ERROR, "deploy: cannot set up TLS");
        goto out;
    }
    long long t1 = now_us();
    if (handshake(c, err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "deploy: %s", err);
        goto out;
    }
    long long t2 = now_us();
    if (send_fresh_evidence(c, &id, claim, err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "deploy: %s", err);
        goto out;
    }
    /* for bench/run-deploy.sh (the host sees this timing anyway) */
    exec_log(ENARX_LOG_DEBUG, "deploy: key pair, evidence and certificate %lld us; handshake %lld us; nonce to fresh "
                              "evidence sent %lld us", t1 - t0, t2 - t1, now_us() - t2);
    wl_stream s;
    uint8_t digest[32];
    if (receive_workload(c, &s, digest, err, sizeof err) != 0) {
        status = fail_to_client(c, 2, err);
        goto out;
    }
    if (s.log_level >= 0)
        exec_log_init(s.log_level);
    uint8_t running[4 + DEPLOY_DIGEST_LEN];
    put32(running, DEPLOY_DIGEST_ALG_SHA256);
    memcpy(running + 4, digest, DEPLOY_DIGEST_LEN);
    if (send_msg(c, DEPLOY_MSG_RUNNING, running, sizeof running) == 0) {
        exec_io io = {{&c->chan[0], &c->chan[1], &c->chan[2]}};
        log_conn = c;
        exec_log_set_sink(log_to_client);
        status = exec_run(&s, &io);
        exec_log_set_sink(NULL);
        uint8_t st[4];
        put32(st, (uint32_t)status);
        send_msg(c, DEPLOY_MSG_EXIT, st, sizeof st);
    }
    wl_stream_free(&s);
out:
    if (c->ssl && !c->failed)
        SSL_shutdown(c->ssl); /* close_notify, without waiting for the client's */
    SSL_free(c->ssl);
    c->ssl = NULL;
    SSL_CTX_free(ctx);
    ratls_identity_free(&id);
    return status;
}

/* Closing a socket with unread bytes (stdin the workload never read) makes
 * the kernel reset the connection, and a reset can destroy the EXIT message
 * before the client reads it: end our direction, let the client finish and
 * close (it does as soon as it has EXIT), discarding what it still sends. */
static void linger_close(int fd)
{
    shutdown(fd, SHUT_WR);
    long long deadline = now_ms() + LINGER_MS;
    static uint8_t sink[16384];
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = read(fd, sink, sizeof sink);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            break;
    }
    close(fd);
}

int exec_deploy(const uint8_t *rec, size_t len)
{
    char err[512];
    exec_claim claim;
    int conn_fd, level;
    if (deploy_launch_parse(rec, len, &claim, &conn_fd, &level, err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "%s", err);
        return 2;
    }
    exec_log_init(level);
    if (tls_init(err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "%s", err);
        return 1;
    }
    /* small messages (evidence, EXIT) must not wait for the client's delayed
     * ACK; a socketpair (a local deploy) has no such option */
    int one = 1;
    setsockopt(conn_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int flags = fcntl(conn_fd, F_GETFL);
    if (flags < 0 || fcntl(conn_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        exec_log(ENARX_LOG_ERROR, "deploy: no client connection on descriptor %d", conn_fd);
        return 2;
    }
    dconn c = {.fd = conn_fd, .rx = malloc(RX_CAP), .in = malloc(DEPLOY_MSG_MAX_DATA)};
    if (!c.rx || !c.in) {
        free(c.rx);
        free(c.in);
        exec_log(ENARX_LOG_ERROR, "out of memory");
        return 1;
    }
    c.chan[0] = (wasi_channel){.read = chan_read, .readable = chan_readable, .poll_fd = chan_poll_fd, .opaque = &c};
    c.chan[1] = (wasi_channel){.write = chan_write_out, .readable = chan_readable, .poll_fd = chan_poll_fd, .opaque = &c};
    c.chan[2] = (wasi_channel){.write = chan_write_err, .readable = chan_readable, .poll_fd = chan_poll_fd, .opaque = &c};
    int status = serve(&c, &claim);
    linger_close(conn_fd);
    if (claim.attester_fd >= 0)
        close(claim.attester_fd);
    free(c.rx);
    free(c.in);
    return status;
}
