/* TLS 1.3 connections over non-blocking sockets, with OpenSSL working on
 * memory BIOs so that no OpenSSL call ever blocks or touches the socket. */
#include "tls/tls.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define PLAIN_CAP 32768           /* decrypted bytes buffered per connection */
#define OUT_LIMIT (256u << 10)    /* encrypted bytes queued before writes say "again" */
#define TLS_RECORD_MAX 16384      /* plaintext bytes in one TLS record */
#define TLS_WRITE_MAX OUT_LIMIT   /* plaintext bytes one write call takes at most */
#define IN_LIMIT (64u << 10)      /* encrypted bytes read ahead into OpenSSL */
#define CLOSE_FLUSH_MS 5000       /* how long closing waits for queued output */

struct tls_server {
    SSL_CTX *ctx;
    char *cert_pem;
};

struct tls_client {
    SSL_CTX *ctx;
};

struct tls_conn {
    SSL *ssl;
    BIO *rbio;             /* socket -> OpenSSL */
    BIO *wbio;             /* OpenSSL -> out, see out_bio_write */
    int fd;
    uint8_t *out;          /* encrypted bytes waiting for the socket */
    size_t out_off, out_len, out_cap;
    uint8_t plain[PLAIN_CAP];
    size_t plain_off, plain_len;
    bool handshake_done, sock_eof, tls_eof, failed, close_sent;
    bool caught_up;        /* the last pump emptied the socket's queue: see tls_conn_read */
    int sys_errno;         /* the socket's error when it failed (ECONNRESET...), else 0 */
    char error[256];
};

static void openssl_reason(char *out, size_t len, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[200] = "unknown error";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    snprintf(out, len, "%s: %s", what, buf);
}

static BIO_METHOD *out_bio_method;

static int out_bio_write(BIO *b, const char *data, size_t len, size_t *written);
static long out_bio_ctrl(BIO *b, int cmd, long num, void *ptr);

int tls_init(char *err, size_t errlen)
{
    /* No configuration file: the host's openssl.cnf must not steer the Keep. */
    if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1) {
        openssl_reason(err, errlen, "initialising OpenSSL");
        return -1;
    }
    if (out_bio_method)
        return 0;
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "enarx tls output");
    if (!m || BIO_meth_set_write_ex(m, out_bio_write) != 1 || BIO_meth_set_ctrl(m, out_bio_ctrl) != 1) {
        BIO_meth_free(m);
        openssl_reason(err, errlen, "initialising OpenSSL (output BIO)");
        return -1;
    }
    out_bio_method = m;
    return 0;
}

/* ---- contexts ---- */

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
    X509 *cert = X509_new();
    if (!cert)
        return NULL;
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    ASN1_INTEGER *sn = NULL;
    X509_NAME *name = X509_NAME_new();
    char san[300];
    snprintf(san, sizeof san, "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", cn);
    bool ok = name && RAND_bytes(serial, sizeof serial) == 1 && X509_set_version(cert, 2) == 1;
    if (ok) {
        serial[0] &= 0x7f; /* a positive serial number */
        bn = BN_bin2bn(serial, sizeof serial, NULL);
        sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
        ok = sn && X509_set_serialNumber(cert, sn) == 1 &&
             X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
             X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) == 1 &&
             X509_set_subject_name(cert, name) == 1 && X509_set_issuer_name(cert, name) == 1 &&
             X509_set_pubkey(cert, key) == 1 &&
             add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
             add_ext(cert, NID_key_usage, "critical,digitalSignature") == 0 &&
             add_ext(cert, NID_ext_key_usage, "serverAuth") == 0 &&
             add_ext(cert, NID_subject_alt_name, san) == 0 &&
             X509_sign(cert, key, EVP_sha256()) > 0;
    }
    BN_free(bn);
    ASN1_INTEGER_free(sn);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

static char *cert_to_pem(X509 *cert)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && PEM_write_bio_X509(b, cert) == 1) {
        char *data;
        long len = BIO_get_mem_data(b, &data);
        out = malloc((size_t)len + 1);
        if (out) {
            memcpy(out, data, (size_t)len);
            out[len] = 0;
        }
    }
    BIO_free(b);
    return out;
}

static SSL_CTX *tls13_ctx(const SSL_METHOD *method)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (!ctx)
        return NULL;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* A TCP FIN without close_notify ends the read side only, as over plain
     * TCP: a client that half-closes after its request still gets the reply.
     * (OpenSSL 3 otherwise makes it a fatal error and answers with an alert.) */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* Idle connections give their record buffers back. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

/* Every ticket a client offers is ignored: a full handshake, every time. */
static SSL_TICKET_RETURN refuse_ticket(SSL *ssl, SSL_SESSION *session, const unsigned char *keyname,
                                       size_t keyname_len, SSL_TICKET_STATUS status, void *arg)
{
    (void)ssl, (void)session, (void)keyname, (void)keyname_len, (void)status, (void)arg;
    return SSL_TICKET_RETURN_IGNORE;
}

tls_server *tls_server_new_selfsigned(const char *common_name, char *err, size_t errlen)
{
    tls_server *s = calloc(1, sizeof *s);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = key ? self_signed(key, common_name) : NULL;
    if (!s || !cert) {
        openssl_reason(err, errlen, "creating the Keep's TLS certificate");
        goto failed;
    }
    s->ctx = tls13_ctx(TLS_server_method());
    if (!s->ctx || SSL_CTX_use_certificate(s->ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey(s->ctx, key) != 1 || SSL_CTX_check_private_key(s->ctx) != 1) {
        openssl_reason(err, errlen, "setting up the TLS server");
        goto failed;
    }
    /* One session ticket per connection, none ever accepted: no resumption,
     * within this Keep or across Keeps (the ticket key is this SSL_CTX's
     * random one, and refuse_ticket turns every ticket down). The ticket is
     * sent for its side effect: it answers the client's Finished at once.
     * Without it a client that leaves Nagle on (Python's, curl's) sends
     * Finished, then holds its first request until our delayed ACK, ~40 ms
     * on Linux, for every new connection (docs/exec.md). */
    SSL_CTX_set_num_tickets(s->ctx, 1);
    SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_set_session_ticket_cb(s->ctx, NULL, refuse_ticket, NULL) != 1) {
        openssl_reason(err, errlen, "setting up the TLS server's session tickets");
        goto failed;
    }
    s->cert_pem = cert_to_pem(cert);
    X509_free(cert);
    EVP_PKEY_free(key);
    return s;
failed:
    X509_free(cert);
    EVP_PKEY_free(key);
    tls_server_free(s);
    return NULL;
}

const char *tls_server_cert_pem(const tls_server *server)
{
    return server->cert_pem ? server->cert_pem : "";
}

void tls_server_free(tls_server *s)
{
    if (!s)
        return;
    SSL_CTX_free(s->ctx);
    free(s->cert_pem);
    free(s);
}

tls_client *tls_client_new(const uint8_t *anchors, size_t len, char *err, size_t errlen)
{
    if (!anchors)
        anchors = tls_builtin_anchors(&len);
    tls_client *c = calloc(1, sizeof *c);
    if (!c || !(c->ctx = tls13_ctx(TLS_client_method()))) {
        openssl_reason(err, errlen, "setting up the TLS client");
        tls_client_free(c);
        return NULL;
    }
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    X509_STORE *store = SSL_CTX_get_cert_store(c->ctx);
    BIO *b = BIO_new_mem_buf(anchors, (int)(len > INT32_MAX ? INT32_MAX : len));
    int count = 0;
    X509 *x;
    while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, x) == 1)
            count++;
        X509_free(x);
    }
    ERR_clear_error(); /* the loop ends with "no start line" */
    BIO_free(b);
    if (count == 0) {
        snprintf(err, errlen, "the trust anchors hold no PEM certificate");
        tls_client_free(c);
        return NULL;
    }
    return c;
}

void tls_client_free(tls_client *c)
{
    if (!c)
        return;
    SSL_CTX_free(c->ctx);
    free(c);
}

/* ---- connections ---- */

/* OpenSSL's error queue is per thread and shared by every connection, and
 * SSL_get_error reads it: an entry one connection left behind makes another
 * connection's "want read" look like a failure. So every call whose result
 * goes to SSL_get_error starts with an empty queue, and every public function
 * here leaves it empty. */
static void clean_queue(void)
{
    /* ERR_clear_error walks all of the queue's slots (~770 instructions);
     * looking first is ~10 times cheaper, and the queue is nearly always
     * empty (7 calls per keep-alive request: 8% of a 1 KiB TLS request's
     * instructions went here). */
    if (ERR_peek_error() != 0)
        ERR_clear_error();
}

/* Live connections, and the most there were since memory was last given
 * back. A burst of connections leaves tens of MiB in malloc's free lists
 * (~80 KiB per TLS connection at its peak: the SSL object, its handshake
 * state, our plaintext buffer, output queues); glibc keeps them. */
static atomic_size_t live_conns, peak_conns;

static void conn_counted(void)
{
    size_t now = atomic_fetch_add(&live_conns, 1) + 1, peak = atomic_load(&peak_conns);
    while (now > peak && !atomic_compare_exchange_weak(&peak_conns, &peak, now)) {
    }
}

/* When every connection has closed, or three quarters of a burst of at
 * least 64 have, the freed memory goes back to the system (malloc_trim:
 * tens of microseconds, against a handshake's millisecond). After rounds of
 * 500 connections the idle Keep kept 49 MiB resident, now 11 MiB, mostly
 * the workload's linear memory (docs/performance.md). */
static void conn_uncounted(void)
{
    size_t now = atomic_fetch_sub(&live_conns, 1) - 1, peak = atomic_load(&peak_conns);
    if (now == 0 || (peak >= 64 && now <= peak / 4)) {
        atomic_store(&peak_conns, now);
        malloc_trim(0);
    }
}

static tls_conn *conn_new(SSL_CTX *ctx, int fd)
{
    tls_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->ssl = SSL_new(ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = out_bio_method ? BIO_new(out_bio_method) : NULL;
    if (!c->ssl || !c->rbio || !c->wbio) {
        SSL_free(c->ssl);
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        free(c);
        clean_queue();
        return NULL;
    }
    BIO_set_mem_eof_return(c->rbio, -1); /* empty means "not yet", not end of stream */
    BIO_set_data(c->wbio, c);
    BIO_set_init(c->wbio, 1);
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    conn_counted();
    return c;
}

tls_conn *tls_conn_new_server(tls_server *server, int sockfd)
{
    tls_conn *c = conn_new(server->ctx, sockfd);
    if (c)
        SSL_set_accept_state(c->ssl);
    return c;
}

tls_conn *tls_conn_new_client(tls_client *client, int sockfd, const char *host)
{
    tls_conn *c = conn_new(client->ctx, sockfd);
    if (!c)
        return NULL;
    SSL_set_connect_state(c->ssl);
    unsigned char addr[16];
    bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    bool ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host) == 1
                    : SSL_set_tlsext_host_name(c->ssl, host) == 1 && SSL_set1_host(c->ssl, host) == 1;
    if (!ok) {
        SSL_free(c->ssl);
        free(c);
        clean_queue();
        return NULL;
    }
    return c;
}

/* A TLS-level failure (bad record, failed verification): EIO for the workload. */
static void fail(tls_conn *c, const char *what)
{
    if (c->failed)
        return;
    c->failed = true;
    c->sys_errno = EIO;
    long verify = SSL_get_verify_result(c->ssl);
    if (verify != X509_V_OK && !c->handshake_done)
        snprintf(c->error, sizeof c->error, "%s: certificate verification failed: %s", what,
                 X509_verify_cert_error_string(verify));
    else
        openssl_reason(c->error, sizeof c->error, what);
}

/* The socket failed: the workload gets its errno (ECONNRESET, EPIPE...), as
 * it would over plain TCP, never a clean end of stream. */
static void fail_socket(tls_conn *c, int err, const char *what)
{
    if (c->failed)
        return;
    c->failed = true;
    c->sys_errno = err;
    snprintf(c->error, sizeof c->error, "%s: %s", what, strerror(err));
}

/* Makes room for `more` bytes at the end of the output queue. */
static int reserve_output(tls_conn *c, size_t more)
{
    if (c->out_off > 0 && c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_len + more <= c->out_cap)
        return 0;
    if (c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    if (c->out_len + more <= c->out_cap)
        return 0;
    size_t cap = c->out_cap ? c->out_cap : 4096;
    while (cap < c->out_len + more)
        cap *= 2;
    uint8_t *grown = realloc(c->out, cap);
    if (!grown) {
        fail_socket(c, ENOMEM, "queueing output");
        return -1;
    }
    c->out = grown;
    c->out_cap = cap;
    return 0;
}

/* OpenSSL writes its records straight into our output queue: a memory BIO
 * in between cost a copy of every byte sent, and zeroed every buffer it
 * grew (a 1 MiB response: three passes over the data besides the cipher). */
static int out_bio_write(BIO *b, const char *data, size_t len, size_t *written)
{
    tls_conn *c = BIO_get_data(b);
    if (reserve_output(c, len) != 0)
        return 0;
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    *written = len;
    return 1;
}

static long out_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0; /* flushing is ours, after each call */
}

/* The output queue, once empty, goes back to the allocator: an idle
 * keep-alive connection should not hold what its largest response needed. */
static void release_output(tls_conn *c)
{
    if (c->out_off < c->out_len || !c->out)
        return;
    free(c->out);
    c->out = NULL;
    c->out_off = c->out_len = c->out_cap = 0;
}

/* Sends queued output without blocking; returns bytes sent or -1. */
static ssize_t flush_output(tls_conn *c)
{
    ssize_t total = 0;
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            total += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        fail_socket(c, n < 0 ? errno : EIO, "sending");
        return -1;
    }
    release_output(c);
    return total;
}

/* Reads what the socket holds into OpenSSL. *drained: the socket had no
 * more (a short read or "again"), so reading again before the next poll
 * would only cost a system call. */
static bool read_socket(tls_conn *c, bool *drained)
{
    if (c->sock_eof || BIO_ctrl_pending(c->rbio) >= IN_LIMIT)
        return false;
    uint8_t buf[16384];
    ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    *drained = n < (ssize_t)sizeof buf;
    if (n > 0) {
        if (BIO_write(c->rbio, buf, (int)n) != (int)n) {
            fail_socket(c, ENOMEM, "receiving");
            clean_queue();
        }
        return true;
    }
    if (n == 0) {
        c->sock_eof = true;
        BIO_set_mem_eof_return(c->rbio, 0);
        return true;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return false;
    if (errno == ECONNRESET && !c->handshake_done)
        fail_socket(c, errno, "during the handshake, receiving");
    else
        fail_socket(c, errno, "receiving");
    return true;
}

static bool advance_handshake(tls_conn *c)
{
    if (c->handshake_done)
        return false;
    clean_queue();
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->handshake_done = true;
        return true;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (c->sock_eof && BIO_ctrl_pending(c->rbio) == 0) {
            fail_socket(c, ECONNRESET, "the peer closed the connection during the handshake");
            snprintf(c->error, sizeof c->error, "the peer closed the connection during the handshake");
            return true;
        }
        return false;
    }
    fail(c, "TLS handshake");
    return true;
}

static bool decrypt(tls_conn *c)
{
    if (!c->handshake_done || c->tls_eof || c->failed)
        return false;
    if (c->plain_off > 0) {
        memmove(c->plain, c->plain + c->plain_off, c->plain_len);
        c->plain_off = 0;
    }
    size_t room = PLAIN_CAP - c->plain_len;
    if (room == 0)
        return false;
    /* Nothing received and nothing held inside OpenSSL: SSL_read could only
     * say "want read", at the cost of a record buffer allocated and, with
     * SSL_MODE_RELEASE_BUFFERS, freed again (two of three calls per
     * keep-alive request). */
    if (!c->sock_eof && BIO_ctrl_pending(c->rbio) == 0 && !SSL_has_pending(c->ssl))
        return false;
    size_t got = 0;
    clean_queue();
    int r = SSL_read_ex(c->ssl, c->plain + c->plain_len, room, &got);
    if (r == 1) {
        c->plain_len += got;
        return true;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return false;
    if (e == SSL_ERROR_ZERO_RETURN) {
        /* close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a FIN between
         * records: the end of the read side; writing goes on */
        c->tls_eof = true;
        return true;
    }
    if (c->sock_eof) {
        /* a FIN inside a record: the stream is cut short, and over */
        fail_socket(c, ECONNRESET, "the peer closed the connection inside a TLS record");
        clean_queue();
        return true;
    }
    fail(c, "TLS read");
    return true;
}

int tls_conn_pump(tls_conn *c)
{
    bool drained = false; /* the socket had no more: the next poll says when it has */
    for (int round = 0; round < 64 && !c->failed; round++) {
        bool progress = false;
        if (flush_output(c) < 0)
            break;
        /* after close_notify, read on: a reset that followed it is reported */
        if (!drained || c->tls_eof)
            progress |= read_socket(c, &drained);
        progress |= advance_handshake(c);
        progress |= decrypt(c);
        ssize_t sent = flush_output(c);
        if (sent < 0)
            break;
        progress |= sent > 0;
        if (!progress)
            break;
    }
    c->caught_up = drained;
    clean_queue();
    return c->failed ? TLS_FAILED : 0;
}

/* Whether a read finding no plaintext may say "again" without asking the
 * socket: the last pump found it empty, and everything it brought has been
 * read. The workload's read-until-"again" after each request then costs no
 * recv() (a system call, or a VM exit in a KVM Keep, per request); bytes
 * arriving meanwhile make its next poll_oneoff return at once. Once only:
 * a workload reading again without polling asks the socket. */
static bool answer_again(tls_conn *c)
{
    if (!c->caught_up || c->sock_eof || BIO_ctrl_pending(c->rbio) > 0 || SSL_has_pending(c->ssl) ||
        c->out_off < c->out_len)
        return false;
    c->caught_up = false;
    return true;
}

ssize_t tls_conn_read(tls_conn *c, void *buf, size_t len, bool peek)
{
    if (c->plain_len == 0 && !c->tls_eof && !c->failed) {
        if (answer_again(c))
            return TLS_AGAIN;
        tls_conn_pump(c);
    }
    if (c->plain_len > 0) {
        size_t take = len < c->plain_len ? len : c->plain_len;
        memcpy(buf, c->plain + c->plain_off, take);
        if (!peek) {
            c->plain_off += take;
            c->plain_len -= take;
            if (c->plain_len == 0)
                c->plain_off = 0;
        }
        return (ssize_t)take;
    }
    if (c->failed)
        return TLS_FAILED;
    if (c->tls_eof)
        return 0;
    return TLS_AGAIN;
}

/* Encrypts len bytes into records in the output queue (memory BIO writes
 * never block, so OpenSSL takes all of it). */
#define TLS_RECORD_OVERHEAD 22 /* TLS 1.3: header 5, content type 1, AEAD tag 16 */

static int seal(tls_conn *c, const void *buf, size_t len)
{
    size_t written = 0;
    /* room for every record at once: no queue regrown record by record */
    if (reserve_output(c, len + (len / TLS_RECORD_MAX + 1) * TLS_RECORD_OVERHEAD) != 0)
        return -1;
    clean_queue();
    if (SSL_write_ex(c->ssl, buf, len, &written) != 1 || written != len) {
        fail(c, "TLS write");
        return -1;
    }
    return 0;
}

/* Output queued beyond this makes writes wait ("again"). */
static bool output_full(const tls_conn *c)
{
    return c->out_len - c->out_off >= OUT_LIMIT;
}

ssize_t tls_conn_writev(tls_conn *c, const struct iovec *iov, size_t iovcnt)
{
    if (c->failed)
        return TLS_FAILED;
    if (c->close_sent) {
        snprintf(c->error, sizeof c->error, "write after shutdown");
        return TLS_FAILED;
    }
    if (!c->handshake_done || output_full(c)) {
        if (tls_conn_pump(c) != 0)
            return TLS_FAILED;
        if (!c->handshake_done || output_full(c))
            return TLS_AGAIN;
    }
    /* Small buffers are gathered into full records (a header and a body are
     * one record, not two); whole records are sealed straight from the
     * caller's memory. Everything goes out in one flush at the end. */
    uint8_t stage[TLS_RECORD_MAX];
    size_t total = 0, i = 0, off = 0;
    while (i < iovcnt && total < TLS_WRITE_MAX && !output_full(c)) {
        size_t left = iov[i].iov_len - off;
        if (left == 0) {
            i++;
            off = 0;
            continue;
        }
        const uint8_t *base = (const uint8_t *)iov[i].iov_base + off;
        size_t room = TLS_WRITE_MAX - total;
        if (left >= TLS_RECORD_MAX || i + 1 == iovcnt) {
            size_t take = i + 1 == iovcnt ? left : left - left % TLS_RECORD_MAX;
            if (take > room)
                take = room;
            if (seal(c, base, take) != 0)
                break;
            total += take;
            off += take;
            continue;
        }
        size_t staged = 0;
        while (i < iovcnt && staged < sizeof stage && staged < room) {
            size_t n = iov[i].iov_len - off, space = sizeof stage - staged;
            if (n > space)
                n = space;
            if (n > room - staged)
                n = room - staged;
            memcpy(stage + staged, (const uint8_t *)iov[i].iov_base + off, n);
            staged += n;
            off += n;
            if (off == iov[i].iov_len) {
                i++;
                off = 0;
            }
        }
        if (seal(c, stage, staged) != 0)
            break;
        total += staged;
    }
    if (flush_output(c) < 0 || (c->failed && total == 0)) {
        clean_queue();
        return total ? (ssize_t)total : TLS_FAILED;
    }
    clean_queue();
    return (ssize_t)total;
}

ssize_t tls_conn_write(tls_conn *c, const void *buf, size_t len)
{
    struct iovec one = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
    return tls_conn_writev(c, &one, 1);
}

int tls_conn_shutdown_write(tls_conn *c)
{
    if (c->failed)
        return TLS_FAILED;
    if (!c->close_sent) {
        if (!c->handshake_done) {
            tls_conn_pump(c);
            if (!c->handshake_done)
                return c->failed ? TLS_FAILED : TLS_AGAIN;
        }
        clean_queue();
        SSL_shutdown(c->ssl); /* queues close_notify; we do not wait for the peer's */
        clean_queue();        /* its complaints (a peer already gone) are not ours to keep */
        c->close_sent = true;
    }
    if (flush_output(c) < 0)
        return TLS_FAILED;
    return c->out_off < c->out_len ? TLS_AGAIN : 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tls_conn_free(tls_conn *c)
{
    if (!c)
        return;
    /* Deliver what the workload wrote, then close_notify, waiting a bounded time. */
    long long deadline = now_ms() + CLOSE_FLUSH_MS;
    if (c->handshake_done && !c->failed) {
        while (tls_conn_shutdown_write(c) == TLS_AGAIN) {
            long long left = deadline - now_ms();
            if (left <= 0)
                break;
            struct pollfd p = {.fd = c->fd, .events = POLLOUT};
            if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
                break;
        }
    }
    SSL_free(c->ssl); /* frees both BIOs */
    clean_queue();
    free(c->out);
    free(c);
    conn_uncounted();
}

bool tls_conn_handshake_done(const tls_conn *c) { return c->handshake_done; }

bool tls_conn_readable(const tls_conn *c)
{
    return c->plain_len > 0 || c->tls_eof || c->failed;
}

bool tls_conn_writable(const tls_conn *c)
{
    return c->failed || (c->handshake_done && !output_full(c));
}

size_t tls_conn_pending(const tls_conn *c) { return c->plain_len; }

bool tls_conn_input_buffered(const tls_conn *c)
{
    return BIO_ctrl_pending(c->rbio) > 0 || SSL_pending(c->ssl) > 0;
}

short tls_conn_poll_events(const tls_conn *c, bool for_read, bool for_write)
{
    short ev = 0;
    if (c->out_off < c->out_len)
        ev |= POLLOUT;
    if (!c->sock_eof && (for_read || !c->handshake_done || (for_write && !(ev & POLLOUT))))
        ev |= POLLIN;
    return ev ? ev : POLLIN;
}

const char *tls_conn_error(const tls_conn *c)
{
    return c->error[0] ? c->error : "no error";
}

int tls_conn_errno(const tls_conn *c)
{
    return c->failed ? (c->sys_errno ? c->sys_errno : EIO) : 0;
}

/* Both defined by the assembly src/tls/module.mk generates around the bundle. */
extern const uint8_t enarx_ca_bundle[];
extern const uint64_t enarx_ca_bundle_size;

const uint8_t *tls_builtin_anchors(size_t *len)
{
    *len = (size_t)enarx_ca_bundle_size;
    return enarx_ca_bundle;
}
