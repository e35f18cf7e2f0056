/* `enarx deploy`: the tenant's side. Nothing of the workload leaves this
 * process before the Keep's certificate, its fresh evidence bound to this
 * very TLS connection, the policy and the measurement have all been checked.
 * Every byte from the Keep (and from whatever relays it) is untrusted. */
#include "deploy/deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/deploy.h"
#include "abi/evidence.h"
#include "attest/ratls.h"
#include "backend/backend.h"

#define CONNECT_TIMEOUT_MS 10000
#define SETUP_TIMEOUT_MS 60000   /* handshake, evidence: a Keep that says nothing for this long has failed */
#define RX_CAP (DEPLOY_MSG_HEADER_LEN + ENARX_EVIDENCE_MAX + 16384)

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fail(deploy_outcome *o, const char *check, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(deploy_outcome *o, const char *check, const char *fmt, ...)
{
    snprintf(o->failed_check, sizeof o->failed_check, "%s", check);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->message, sizeof o->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- the connection ---- */

int deploy_connect(const char *host, char *err, size_t errlen)
{
    char name[512];
    const char *colon = strrchr(host, ':');
    if (!colon || colon == host || !colon[1] || (size_t)(colon - host) >= sizeof name) {
        snprintf(err, errlen, "--host %s: expected HOST:PORT (e.g. 127.0.0.1:8443 or [::1]:8443)", host);
        return -1;
    }
    memcpy(name, host, (size_t)(colon - host));
    name[colon - host] = 0;
    char *n = name;
    if (n[0] == '[' && n[strlen(n) - 1] == ']') {
        n[strlen(n) - 1] = 0;
        n++;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(n, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "--host %s: cannot resolve it: %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int e = 0;
            socklen_t el = sizeof e;
            if (poll(&p, 1, CONNECT_TIMEOUT_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0)
                continue;
            saved = e ? e : ETIMEDOUT;
        } else if (errno == 0 || errno == EISCONN) {
            continue;
        } else {
            saved = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    int one = 1;
    if (fd >= 0) /* small messages (the nonce) must not wait for the peer's delayed ACK */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0)
        snprintf(err, errlen, "cannot connect to %s: %s (is `enarx host --listen %s` running there?)", host,
                 strerror(saved ? saved : ECONNREFUSED), host);
    return fd;
}

/* All of len bytes over the plain socket (the preamble and the agent's
 * answer), waiting at most timeout_ms for each step. 0, or -1. */
static int plain_io(int fd, void *buf, size_t len, bool sending, int timeout_ms)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = sending ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pf = {.fd = fd, .events = sending ? POLLOUT : POLLIN};
            if (poll(&pf, 1, timeout_ms) <= 0)
                return -1;
            continue;
        }
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_all_plain(int fd, const void *buf, size_t len)
{
    return plain_io(fd, (void *)(uintptr_t)buf, len, true, SETUP_TIMEOUT_MS);
}

static int read_exact_plain(int fd, void *buf, size_t len, int timeout_ms)
{
    return plain_io(fd, buf, len, false, timeout_ms);
}

/* The plain-text preamble to an agent: 0, or -1 with the agent's words. */
static int agent_preamble(int fd, const char *wanted, deploy_outcome *o)
{
    uint8_t pre[DEPLOY_MAGIC_LEN + 1 + DEPLOY_BACKEND_NAME_MAX];
    size_t blen = wanted ? strlen(wanted) : 0;
    if (blen > DEPLOY_BACKEND_NAME_MAX)
        return fail(o, "usage", "--backend %s: no backend has so long a name", wanted);
    memcpy(pre, DEPLOY_PREAMBLE_DEPLOY, DEPLOY_MAGIC_LEN);
    pre[DEPLOY_MAGIC_LEN] = (uint8_t)blen;
    if (blen)
        memcpy(pre + DEPLOY_MAGIC_LEN + 1, wanted, blen);
    uint8_t answer[DEPLOY_MAGIC_LEN];
    if (write_all_plain(fd, pre, DEPLOY_MAGIC_LEN + 1 + blen) != 0 ||
        read_exact_plain(fd, answer, sizeof answer, SETUP_TIMEOUT_MS) != 0)
        return fail(o, "agent", "the agent closed the connection without an answer (it stopped, or it is not "
                                "an `enarx host` agent)");
    if (memcmp(answer, DEPLOY_ANSWER_OK, DEPLOY_MAGIC_LEN) == 0)
        return 0;
    if (memcmp(answer, DEPLOY_ANSWER_NO, DEPLOY_MAGIC_LEN) != 0)
        return fail(o, "agent", "the agent answered something other than %s or %s: not an `enarx host` agent",
                    DEPLOY_ANSWER_OK, DEPLOY_ANSWER_NO);
    uint8_t lb[2];
    char text[DEPLOY_REFUSAL_MAX + 1];
    if (read_exact_plain(fd, lb, 2, SETUP_TIMEOUT_MS) != 0)
        return fail(o, "agent", "the agent refused the deploy without saying why");
    size_t n = (size_t)lb[0] | (size_t)lb[1] << 8;
    if (n > DEPLOY_REFUSAL_MAX || read_exact_plain(fd, text, n, SETUP_TIMEOUT_MS) != 0)
        return fail(o, "agent", "the agent refused the deploy; its reason was malformed");
    text[n] = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            text[i] = '?'; /* the agent's words go to a terminal */
    return fail(o, "agent", "the agent refused the deploy: %s", text);
}

int deploy_agent_info(const char *host, char **json, char *err, size_t errlen)
{
    *json = NULL;
    int fd = deploy_connect(host, err, errlen);
    if (fd < 0)
        return -1;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    int rc = buf && write_all_plain(fd, DEPLOY_PREAMBLE_INFO, DEPLOY_MAGIC_LEN) == 0 ? 0 : -1;
    while (rc == 0 && len < cap) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, SETUP_TIMEOUT_MS) <= 0) {
            rc = -1;
            break;
        }
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n == 0 ? 0 : -1;
            break;
        }
        len += (size_t)n;
    }
    close(fd);
    if (rc != 0 || len == 0) {
        free(buf);
        snprintf(err, errlen, "%s did not answer the info request", host);
        return -1;
    }
    buf[len] = 0;
    *json = buf;
    return 0;
}

/* ---- TLS ---- */

typedef struct cconn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    uint8_t *rx;
    size_t rx_pos, rx_len;
    bool eof;
} cconn;

static int wait_ssl(cconn *c, int e, int timeout_ms)
{
    struct pollfd p = {.fd = c->fd, .events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
    int n;
    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

static int tls_handshake(cconn *c, deploy_outcome *o)
{
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx || !SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION) ||
        !SSL_CTX_set_max_proto_version(c->ctx, TLS1_3_VERSION) || !(c->ssl = SSL_new(c->ctx)) ||
        SSL_set_fd(c->ssl, c->fd) != 1)
        return fail(o, "handshake", "cannot set up TLS");
    /* The certificate is self-signed by the Keep: what makes it trustworthy
     * is its evidence, checked right after the handshake, before anything
     * is sent. TLS still proves the Keep holds the certificate's key. */
    SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
    SSL_set_options(c->ssl, SSL_OP_NO_TICKET);
    for (;;) {
        int r = SSL_connect(c->ssl);
        if (r == 1)
            return 0;
        int e = SSL_get_error(c->ssl, r);
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) || wait_ssl(c, e, SETUP_TIMEOUT_MS) != 0) {
            unsigned long code = ERR_peek_last_error();
            return fail(o, "handshake",
                        "the TLS 1.3 handshake with the Keep failed (%s): the Keep stopped, or something between "
                        "us changed the bytes",
                        code ? ERR_reason_error_string(code) : "the connection closed");
        }
    }
}

static int tls_write_all(cconn *c, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        size_t done = 0;
        if (SSL_write_ex(c->ssl, p, len, &done) == 1) {
            p += done;
            len -= done;
            continue;
        }
        int e = SSL_get_error(c->ssl, 0);
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) || wait_ssl(c, e, SETUP_TIMEOUT_MS) != 0)
            return -1;
    }
    return 0;
}

static int send_msg(cconn *c, uint32_t type, const void *payload, size_t len)
{
    uint8_t head[DEPLOY_MSG_HEADER_LEN];
    put32(head, type);
    put32(head + 4, (uint32_t)len);
    return tls_write_all(c, head, sizeof head) == 0 && (len == 0 || tls_write_all(c, payload, len) == 0) ? 0 : -1;
}

/* One SSL_read into rx. > 0, 0 at end, -EAGAIN (nonblock), -1 failure. */
static long rx_fill(cconn *c, bool nonblock, int timeout_ms)
{
    if (c->rx_pos == c->rx_len)
        c->rx_pos = c->rx_len = 0;
    if (c->rx_len == RX_CAP && c->rx_pos > 0) {
        memmove(c->rx, c->rx + c->rx_pos, c->rx_len - c->rx_pos);
        c->rx_len -= c->rx_pos;
        c->rx_pos = 0;
    }
    for (;;) {
        size_t got = 0;
        if (SSL_read_ex(c->ssl, c->rx + c->rx_len, RX_CAP - c->rx_len, &got) == 1) {
            c->rx_len += got;
            return (long)got;
        }
        int e = SSL_get_error(c->ssl, 0);
        if (e == SSL_ERROR_ZERO_RETURN)
            return 0;
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return -1;
        if (nonblock)
            return -EAGAIN;
        if (wait_ssl(c, e, timeout_ms) != 0)
            return -ETIMEDOUT;
    }
}

/* The next message of the phase: 1, or -1 with the outcome filled. */
static int next_msg(cconn *c, enum deploy_client_phase phase, uint32_t *type, const uint8_t **payload, uint32_t *len,
                    deploy_outcome *o)
{
    char err[256];
    for (;;) {
        long used = deploy_keep_msg_parse(c->rx + c->rx_pos, c->rx_len - c->rx_pos, phase, type, payload, len, err,
                                          sizeof err);
        if (used < 0)
            return fail(o, "protocol", "%s", err);
        if (used > 0) {
            c->rx_pos += (size_t)used;
            return 1;
        }
        long r = rx_fill(c, false, SETUP_TIMEOUT_MS);
        if (r == -ETIMEDOUT)
            return fail(o, "connection", "the Keep said nothing for %d s", SETUP_TIMEOUT_MS / 1000);
        if (r <= 0)
            return fail(o, "connection", "the connection to the Keep ended before it answered (the agent or the "
                                         "Keep stopped, or something between us broke the TLS stream)");
    }
}

/* ---- verification ---- */

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static int refused(deploy_outcome *o, const char *what, const attest_result *res)
{
    return fail(o, what, "%s: check '%s' failed: %s%s%s", what, res->check[0] ? res->check : "?", res->reason,
                res->hint[0] ? "\n  what to do: " : "", res->hint);
}

/* The policy, the unattested rule and the measurement, on a valid result. */
static int judge(const deploy_checks *ck, attest_result *res, const char *what, deploy_outcome *o)
{
    if (res->status == ATTEST_VALID && ck->policy)
        attest_policy_apply(ck->policy, res);
    if (res->status == ATTEST_VALID && ck->expect_measurement)
        attest_expect_measurement(res, ck->expect_measurement, ck->expect_len);
    else if (res->status == ATTEST_VALID && ck->local_measurement)
        attest_expect_measurement(res, ck->local_measurement, ck->local_len);
    if (res->status != ATTEST_VALID)
        return refused(o, what, res);
    return 0;
}

static int verify_keep(cconn *c, const deploy_checks *ck, attest_trust *trust, deploy_outcome *o)
{
    X509 *peer = SSL_get1_peer_certificate(c->ssl);
    unsigned char *der = NULL;
    int der_len = peer ? i2d_X509(peer, &der) : -1;
    X509_free(peer);
    if (der_len <= 0)
        return fail(o, "certificate", "the Keep presented no certificate");
    attest_inputs in;
    memset(&in, 0, sizeof in);
    in.time = time(NULL);
    in.allow_unattested = ck->allow_unattested;
    attest_result res;
    attest_result_init(&res);
    ratls_cert cert;
    memset(&cert, 0, sizeof cert);
    double t0 = now_ms();
    attest_status st = ratls_verify_cert(trust, der, (size_t)der_len, &in, &res, &cert);
    OPENSSL_free(der);
    int rc = st == ATTEST_VALID ? judge(ck, &res, "the Keep's RA-TLS certificate", o)
                                : refused(o, "the Keep's RA-TLS certificate", &res);
    attest_result_clear(&res);
    o->ms_verify_cert = now_ms() - t0;
    if (rc != 0) {
        ratls_cert_free(&cert);
        return -1;
    }
    /* fresh evidence for this connection */
    t0 = now_ms();
    uint8_t nonce[DEPLOY_NONCE_LEN], exporter[DEPLOY_EXPORTER_LEN];
    if (RAND_bytes(nonce, sizeof nonce) != 1 ||
        SSL_export_keying_material(c->ssl, exporter, sizeof exporter, DEPLOY_EXPORTER_LABEL,
                                   strlen(DEPLOY_EXPORTER_LABEL), NULL, 0, 0) != 1) {
        ratls_cert_free(&cert);
        return fail(o, "fresh evidence", "cannot make a nonce or the TLS exporter value");
    }
    uint32_t type, len;
    const uint8_t *evidence;
    if (send_msg(c, DEPLOY_MSG_NONCE, nonce, sizeof nonce) != 0 ||
        next_msg(c, DEPLOY_WANT_EVIDENCE, &type, &evidence, &len, o) != 1) {
        ratls_cert_free(&cert);
        if (!o->failed_check[0])
            fail(o, "fresh evidence", "the connection to the Keep broke while asking for fresh evidence");
        return -1;
    }
    attest_result_init(&res);
    st = ratls_verify_fresh(trust, evidence, len, exporter, nonce, cert.spki_sha256, &in, &res);
    ratls_cert_free(&cert);
    rc = st == ATTEST_VALID ? judge(ck, &res, "the Keep's fresh evidence", o)
                            : refused(o, "the Keep's fresh evidence", &res);
    if (rc == 0) {
        o->kind = res.kind;
        o->hardware_rooted = res.hardware_rooted;
        o->test_root = res.test_root;
        o->measurement_len = res.measurement_len <= sizeof o->measurement ? res.measurement_len : 0;
        memcpy(o->measurement, res.measurement, o->measurement_len);
        o->verified = true;
    }
    attest_result_clear(&res);
    o->ms_fresh = now_ms() - t0;
    return rc;
}

/* ---- the workload and its stdio ---- */

static int write_fd_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Relays stdin to the Keep and its output to us until EXIT. */
static int relay(cconn *c, int in_fd, int out_fd, int err_fd, deploy_outcome *o)
{
    uint8_t *tx = malloc(DEPLOY_MSG_HEADER_LEN + DEPLOY_MSG_MAX_DATA);
    size_t tx_len = 0, tx_pos = 0;
    bool in_open = in_fd >= 0, eof_sent = false, out_ok = true;
    if (!tx)
        return fail(o, "memory", "out of memory");
    if (in_fd >= 0)
        fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
    int rc = -1;
    for (;;) {
        /* everything already decrypted first */
        uint32_t type, len;
        const uint8_t *payload;
        char err[256];
        long used;
        while ((used = deploy_keep_msg_parse(c->rx + c->rx_pos, c->rx_len - c->rx_pos, DEPLOY_WANT_OUTPUT, &type,
                                             &payload, &len, err, sizeof err)) > 0) {
            c->rx_pos += (size_t)used;
            if (type == DEPLOY_MSG_EXIT) {
                o->status = (int)le32(payload);
                o->ran = true;
                rc = 0;
                goto out;
            }
            if (type == DEPLOY_MSG_ERROR) {
                fprintf(stderr, "enarx deploy: the Keep: %.*s\n", (int)len, (const char *)payload);
                continue;
            }
            if (out_ok && write_fd_all(type == DEPLOY_MSG_STDOUT ? out_fd : err_fd, payload, len) != 0)
                out_ok = false; /* a closed stdout: keep going until EXIT, as a pipe reader would */
        }
        if (used < 0) {
            fail(o, "protocol", "%s", err);
            goto out;
        }
        /* then stdin towards the Keep, one message at a time */
        if (tx_pos == tx_len && in_open) {
            ssize_t n = read(in_fd, tx + DEPLOY_MSG_HEADER_LEN, DEPLOY_MSG_MAX_DATA);
            if (n > 0) {
                put32(tx, DEPLOY_MSG_STDIN);
                put32(tx + 4, (uint32_t)n);
                tx_pos = 0;
                tx_len = DEPLOY_MSG_HEADER_LEN + (size_t)n;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                in_open = false;
            }
        }
        if (tx_pos == tx_len && !in_open && !eof_sent) {
            put32(tx, DEPLOY_MSG_STDIN_EOF);
            put32(tx + 4, 0);
            tx_pos = 0;
            tx_len = DEPLOY_MSG_HEADER_LEN;
            eof_sent = true;
        }
        bool want_write = false;
        while (tx_pos < tx_len) {
            size_t done = 0;
            if (SSL_write_ex(c->ssl, tx + tx_pos, tx_len - tx_pos, &done) == 1) {
                tx_pos += done;
                continue;
            }
            int e = SSL_get_error(c->ssl, 0);
            if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
                want_write = true;
                break;
            }
            fail(o, "connection", "the connection to the Keep broke while sending stdin");
            goto out;
        }
        long r = rx_fill(c, true, 0);
        if (r > 0)
            continue;
        if (r == 0 || r == -1) {
            fail(o, "connection", "the connection to the Keep ended before the workload's exit status arrived (the "
                                  "Keep crashed or was stopped, or the agent was killed)");
            goto out;
        }
        struct pollfd p[2] = {{.fd = c->fd, .events = (short)(POLLIN | (want_write ? POLLOUT : 0))},
                              {.fd = in_open && tx_pos == tx_len ? in_fd : -1, .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) {
            fail(o, "connection", "poll: %s", strerror(errno));
            goto out;
        }
    }
out:
    free(tx);
    return rc;
}

static int converse(cconn *c, const deploy_checks *ck, const uint8_t *stream, size_t stream_len,
                    const uint8_t digest[32], int in_fd, int out_fd, int err_fd, deploy_outcome *o)
{
    double t0 = now_ms();
    if (tls_handshake(c, o) != 0)
        return -1;
    o->ms_handshake = now_ms() - t0;
    char err[256];
    attest_trust *trust = attest_trust_new(err, sizeof err);
    if (!trust)
        return fail(o, "trust", "%s", err);
    if (ck->test_roots && attest_trust_add_test_roots(trust, ck->test_roots, ck->test_roots_len, err, sizeof err) != 0) {
        attest_trust_free(trust);
        return fail(o, "usage", "--test-root: %s", err);
    }
    if (ck->policy)
        attest_policy_pin_test_roots(ck->policy, trust);
    int rc = verify_keep(c, ck, trust, o);
    attest_trust_free(trust);
    if (rc != 0)
        return -1;
    /* verified: only now does anything of the workload leave this process */
    if (ck->verified)
        ck->verified(o);
    t0 = now_ms();
    uint32_t type, len;
    const uint8_t *payload;
    if (tls_write_all(c, stream, stream_len) != 0)
        return fail(o, "connection", "the connection to the Keep broke while sending the workload");
    if (next_msg(c, DEPLOY_WANT_RUNNING, &type, &payload, &len, o) != 1)
        return -1;
    if (type == DEPLOY_MSG_ERROR) {
        char text[DEPLOY_MSG_MAX_ERROR + 1];
        memcpy(text, payload, len);
        text[len] = 0;
        return fail(o, "workload", "the Keep refused the workload: %s", text);
    }
    if (type == DEPLOY_MSG_EXIT)
        return fail(o, "workload", "the Keep ended before running the workload (status %u)", le32(payload));
    memcpy(o->workload_digest, payload + 4, 32);
    if (memcmp(o->workload_digest, digest, 32) != 0) {
        char want[65], got[65];
        hex(digest, 32, want);
        hex(o->workload_digest, 32, got);
        return fail(o, "workload digest", "the Keep runs a module with SHA-256 %s, not the one sent (%s)", got, want);
    }
    o->ms_workload = now_ms() - t0;
    return relay(c, in_fd, out_fd, err_fd, o);
}

/* A local Keep: a socketpair, the other end handed to a Keep we start. */
static pid_t start_local(const deploy_target *t, int *fd, deploy_outcome *o)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        fail(o, "local Keep", "socketpair: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fail(o, "local Keep", "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* no Keep outlives the client that started it */
        close(sv[0]);
        char err[512];
        int st = backend_deploy(t->local_backend, sv[1], t->local_options, err, sizeof err);
        if (st < 0)
            fprintf(stderr, "enarx deploy: cannot start a %s Keep: %s\n", t->local_backend->name, err);
        _exit(st < 0 ? 125 : st);
    }
    close(sv[1]);
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    *fd = sv[0];
    return pid;
}

int deploy_run(const deploy_target *t, const deploy_checks *ck, const uint8_t *stream, size_t stream_len,
               const uint8_t digest[32], int in_fd, int out_fd, int err_fd, deploy_outcome *o)
{
    memset(o, 0, sizeof *o);
    signal(SIGPIPE, SIG_IGN);
    cconn c = {.fd = -1, .rx = malloc(RX_CAP)};
    if (!c.rx)
        return fail(o, "memory", "out of memory");
    double t0 = now_ms();
    pid_t local = -1;
    char err[512];
    int rc = -1;
    if (t->host) {
        c.fd = deploy_connect(t->host, err, sizeof err);
        if (c.fd < 0)
            fail(o, "connect", "%s", err);
        else if (agent_preamble(c.fd, t->backend, o) == 0)
            rc = 0;
    } else {
        local = start_local(t, &c.fd, o);
        rc = local > 0 ? 0 : -1;
    }
    o->ms_connect = now_ms() - t0;
    if (rc == 0)
        rc = converse(&c, ck, stream, stream_len, digest, in_fd, out_fd, err_fd, o);
    if (c.ssl && rc == 0)
        SSL_shutdown(c.ssl);
    SSL_free(c.ssl);
    SSL_CTX_free(c.ctx);
    if (c.fd >= 0)
        close(c.fd); /* a Keep still waiting for us sees the end and stops */
    if (local > 0) {
        int ws;
        while (waitpid(local, &ws, 0) < 0 && errno == EINTR)
            ;
        if (rc != 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 125 && !o->failed_check[0])
            fail(o, "local Keep", "the local Keep could not start");
    }
    free(c.rx);
    return rc;
}
