/* Well- and badly-behaved HTTP peers for the socket fault suite
 * (tests/suites/40-runtime-sockets.sh), against tests/workloads/http_server.c
 * in a Keep or natively, on loopback, over TCP or TLS 1.3 (--tls; the Keep's
 * certificate is self-signed, so it is not verified).
 *
 *   httpfault get PORT [--tls] PATH      one request; prints "STATUS LENGTH" and
 *                                        the body when it is short; exit 0 on 200
 *   httpfault fault PORT [--tls] NAME    one misbehaviour (the table below);
 *                                        prints what the client saw
 *   httpfault hold PORT COUNT SECONDS    opens COUNT connections, holds them
 *                                        (until SECONDS pass or stdin ends),
 *                                        then closes them all
 *   httpfault serve PORTFILE [--tls CERT KEY] FAULT
 *                                        a server for a Keep's `connect` socket:
 *                                        one connection, one request, a 1000-byte
 *                                        response, ended per FAULT: complete,
 *                                        reset-mid, fin-mid
 *
 * Every wait is bounded (10 s) so that a hang shows as a failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 10000

typedef struct peer {
    int fd;
    SSL *ssl;
} peer;

static bool use_tls;
static SSL_CTX *client_ctx;
static int records_seen; /* application-data records received (msg callback) */

static void die(const char *what)
{
    fprintf(stderr, "httpfault: %s: %s\n", what, errno ? strerror(errno) : "failed");
    ERR_print_errors_fp(stderr);
    exit(3);
}

static void set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = WAIT_MS / 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect");
    set_timeouts(fd);
    return fd;
}

static void count_records(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
                          void *arg)
{
    (void)version, (void)ssl, (void)arg;
    /* a received record's inner content type (TLS 1.3 hides it inside the
     * record): application data, not the session ticket that also comes in
     * an outer type-23 record */
    if (!write_p && content_type == SSL3_RT_INNER_CONTENT_TYPE && len >= 1 &&
        ((const unsigned char *)buf)[0] == SSL3_RT_APPLICATION_DATA)
        records_seen++;
}

/* A connection; over TLS offering SESSION (a ticket from an earlier one) when not NULL. */
static peer peer_open_offering(int port, SSL_SESSION *session)
{
    peer p = {.fd = tcp_connect(port)};
    if (!use_tls)
        return p;
    if (!client_ctx) {
        client_ctx = SSL_CTX_new(TLS_client_method());
        if (!client_ctx)
            die("SSL_CTX_new");
        SSL_CTX_set_min_proto_version(client_ctx, TLS1_3_VERSION);
        SSL_CTX_set_options(client_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    }
    p.ssl = SSL_new(client_ctx);
    SSL_set_fd(p.ssl, p.fd);
    SSL_set_msg_callback(p.ssl, count_records);
    if (session && SSL_set_session(p.ssl, session) != 1)
        die("SSL_set_session");
    if (SSL_connect(p.ssl) != 1)
        die("TLS handshake");
    return p;
}

static peer peer_open(int port) { return peer_open_offering(port, NULL); }

/* Closes without close_notify when clean is false. */
static void peer_close(peer *p, bool clean)
{
    if (p->ssl) {
        if (clean)
            SSL_shutdown(p->ssl);
        SSL_free(p->ssl);
    }
    close(p->fd);
    p->fd = -1;
    p->ssl = NULL;
}

static void peer_reset(peer *p)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    if (p->ssl)
        SSL_free(p->ssl);
    close(p->fd);
    p->fd = -1;
    p->ssl = NULL;
}

static int peer_write(peer *p, const void *buf, size_t len)
{
    if (p->ssl) {
        size_t n;
        return SSL_write_ex(p->ssl, buf, len, &n) == 1 ? 0 : -1;
    }
    const char *s = buf;
    while (len > 0) {
        ssize_t n = send(p->fd, s, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

/* > 0 bytes, 0 at the end of the stream, -1 on an error (errno, or EPROTO for TLS). */
static ssize_t peer_read(peer *p, void *buf, size_t len)
{
    if (!p->ssl)
        return recv(p->fd, buf, len, 0);
    size_t n;
    if (SSL_read_ex(p->ssl, buf, len, &n) == 1)
        return (ssize_t)n;
    int e = SSL_get_error(p->ssl, 0);
    ERR_clear_error();
    if (e == SSL_ERROR_ZERO_RETURN)
        return 0;
    if (e != SSL_ERROR_SYSCALL || errno == 0)
        errno = EPROTO;
    return -1;
}

typedef struct response {
    int status;
    long long length, body;   /* Content-Length, body bytes received */
    char text[512];           /* the start of the body */
    bool complete;
} response;

/* Reads one response (Content-Length framed). Returns 0, or -1 with errno. */
static int read_response(peer *p, response *r)
{
    memset(r, 0, sizeof *r);
    char head[8192];
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have == sizeof head - 1)
            return errno = EMSGSIZE, -1;
        ssize_t n = peer_read(p, head + have, sizeof head - 1 - have);
        if (n <= 0)
            return n == 0 ? (errno = ENODATA, -1) : -1;
        have += (size_t)n;
        head[have] = 0;
        end = strstr(head, "\r\n\r\n");
    }
    if (sscanf(head, "HTTP/1.1 %d", &r->status) != 1)
        return errno = EBADMSG, -1;
    char *cl = strcasestr(head, "Content-Length:");
    r->length = cl ? atoll(cl + 15) : 0;
    size_t extra = have - (size_t)(end + 4 - head);
    memcpy(r->text, end + 4, extra < sizeof r->text - 1 ? extra : sizeof r->text - 1);
    r->body = (long long)extra;
    char buf[65536];
    while (r->body < r->length) {
        long long want = r->length - r->body;
        ssize_t n = peer_read(p, buf, want < (long long)sizeof buf ? (size_t)want : sizeof buf);
        if (n <= 0)
            return n == 0 ? (errno = ENODATA, -1) : -1;
        if ((size_t)r->body < sizeof r->text - 1)
            memcpy(r->text + r->body, buf,
                   (size_t)n < sizeof r->text - 1 - (size_t)r->body ? (size_t)n : sizeof r->text - 1 - (size_t)r->body);
        r->body += n;
    }
    r->complete = true;
    return 0;
}

static int request(peer *p, const char *path, response *r)
{
    char req[512];
    int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path);
    if (peer_write(p, req, (size_t)len) != 0)
        return -1;
    return read_response(p, r);
}

static int cmd_get(int port, const char *path)
{
    peer p = peer_open(port);
    response r;
    if (request(&p, path, &r) != 0) {
        printf("error: %s\n", strerror(errno));
        return 1;
    }
    printf("%d %lld\n", r.status, r.body);
    if (r.body < 400)
        printf("%s", r.text);
    peer_close(&p, true);
    return r.status == 200 ? 0 : 1;
}

static void msleep(int ms)
{
    nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000}, NULL);
}

/* A second, normal client: the server still serves others. */
static bool other_client_served(int port)
{
    peer q = peer_open(port);
    response r;
    bool ok = request(&q, "/bytes/100", &r) == 0 && r.status == 200 && r.body == 100;
    peer_close(&q, true);
    return ok;
}

/* What the client sees next: the end of the stream, an error, or data. */
static const char *outcome(peer *p)
{
    char buf[4096];
    for (;;) {
        ssize_t n = peer_read(p, buf, sizeof buf);
        if (n > 0)
            continue;
        if (n == 0)
            return "end of stream";
        return errno == EAGAIN ? "timeout" : strerror(errno);
    }
}

static int fault(int port, const char *name)
{
    response r;
    if (strcmp(name, "slow") == 0) { /* slowloris: one byte every 20 ms */
        peer p = peer_open(port);
        const char *req = "GET /bytes/10 HTTP/1.1\r\nHost: slow\r\n\r\n";
        bool others = true;
        for (size_t i = 0; req[i]; i++) {
            if (peer_write(&p, req + i, 1) != 0)
                break;
            if (i == 10)
                others = other_client_served(port);
            msleep(20);
        }
        bool ok = read_response(&p, &r) == 0 && r.status == 200;
        printf("slow: others served meanwhile: %s; slow one served: %s\n", others ? "yes" : "no", ok ? "yes" : "no");
        peer_close(&p, true);
        return others && ok ? 0 : 1;
    }
    if (strcmp(name, "partial-fin") == 0 || strcmp(name, "partial-reset") == 0) {
        peer p = peer_open(port);
        peer_write(&p, "GET /bytes/10 HTT", 17);
        msleep(100); /* the server reads the part first */
        if (strcmp(name, "partial-reset") == 0) {
            peer_reset(&p);
            printf("partial-reset: sent\n");
            return 0;
        }
        shutdown(p.fd, SHUT_WR); /* a FIN; over TLS without close_notify */
        printf("partial-fin: %s\n", outcome(&p));
        peer_close(&p, false);
        return 0;
    }
    if (strcmp(name, "request-fin") == 0) { /* the request, then a FIN: the reply must come */
        peer p = peer_open(port);
        const char *req = "GET /bytes/1000 HTTP/1.1\r\nHost: x\r\n\r\n";
        peer_write(&p, req, strlen(req));
        shutdown(p.fd, SHUT_WR);
        int rc = read_response(&p, &r);
        printf("request-fin: %s\n", rc == 0 ? "reply complete" : strerror(errno));
        peer_close(&p, false);
        return rc == 0 ? 0 : 1;
    }
    if (strcmp(name, "response-reset") == 0) { /* reset halfway through a 4 MiB reply */
        peer p = peer_open(port);
        const char *req = "GET /bytes/4194304 HTTP/1.1\r\nHost: x\r\n\r\n";
        peer_write(&p, req, strlen(req));
        char buf[16384];
        long long got = 0;
        while (got < 65536) {
            ssize_t n = peer_read(&p, buf, sizeof buf);
            if (n <= 0)
                break;
            got += n;
        }
        peer_reset(&p);
        printf("response-reset: reset after %s64 KiB\n", got >= 65536 ? "" : "less than ");
        return 0;
    }
    if (strcmp(name, "stop-reading") == 0) { /* asks for 16 MiB, reads none of it */
        peer p = peer_open(port);
        const char *req = "GET /bytes/16777216 HTTP/1.1\r\nHost: x\r\n\r\n";
        peer_write(&p, req, strlen(req));
        msleep(200);
        bool others = other_client_served(port);
        peer_close(&p, false); /* unread data: the kernel resets */
        printf("stop-reading: others served meanwhile: %s\n", others ? "yes" : "no");
        return others ? 0 : 1;
    }
    if (strcmp(name, "garbage") == 0) {
        peer p = peer_open(port);
        char junk[1024];
        unsigned s = 12345;
        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = (char)((s = s * 1103515245 + 12345) >> 16);
        for (size_t i = sizeof junk - 4; i < sizeof junk; i += 2) /* ends like a header */
            junk[i] = '\r', junk[i + 1] = '\n';
        peer_write(&p, junk, sizeof junk);
        int rc = read_response(&p, &r);
        printf("garbage: %d, then %s\n", rc == 0 ? r.status : -1, outcome(&p));
        peer_close(&p, true);
        return 0;
    }
    if (strcmp(name, "oversized") == 0) { /* a header block past 8 KiB */
        peer p = peer_open(port);
        peer_write(&p, "GET / HTTP/1.1\r\nX: ", 19);
        char fill[4096];
        memset(fill, 'x', sizeof fill);
        for (int i = 0; i < 3; i++)
            peer_write(&p, fill, sizeof fill);
        int rc = read_response(&p, &r);
        printf("oversized: %d, then %s\n", rc == 0 ? r.status : -1, outcome(&p));
        peer_close(&p, true);
        return 0;
    }
    if (strcmp(name, "unclean-close") == 0) { /* a reply, then no close_notify */
        peer p = peer_open(port);
        int rc = request(&p, "/bytes/10", &r);
        peer_close(&p, false);
        printf("unclean-close: %s\n", rc == 0 ? "reply complete" : strerror(errno));
        return rc;
    }
    if (strcmp(name, "interleave") == 0) { /* issue 14's failure 2 */
        peer a = peer_open(port);
        int answered = 0, rounds = 20;
        for (int i = 0; i < rounds; i++) {
            peer b = peer_open(port);
            if (request(&b, "/bytes/10", &r) == 0)
                peer_write(&b, "GET /bytes/10 HTTP/1.1\r\n", 24); /* half a request... */
            peer_close(&b, false);                                /* ...and gone, uncleanly */
            msleep(20);
            if (request(&a, "/bytes/10", &r) == 0 && r.status == 200)
                answered++;
        }
        peer_close(&a, true);
        printf("interleave: %d of %d keep-alive requests answered\n", answered, rounds);
        return answered == rounds ? 0 : 1;
    }
    if (strcmp(name, "records") == 0) { /* header and body: one TLS record */
        peer p = peer_open(port);
        records_seen = 0;
        int rc = request(&p, "/bytes/1000", &r);
        printf("records: %d for a 1000-byte reply\n", rc == 0 ? records_seen : -1);
        peer_close(&p, true);
        return rc;
    }
    if (strcmp(name, "abort-handshake") == 0 || strcmp(name, "reset-handshake") == 0) {
        int fd = tcp_connect(port);
        /* the start of a TLS ClientHello record, then nothing more */
        static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
        if (write(fd, hello, sizeof hello) != (ssize_t)sizeof hello)
            die("write");
        msleep(100);
        peer p = {.fd = fd};
        if (strcmp(name, "reset-handshake") == 0)
            peer_reset(&p);
        else
            peer_close(&p, false);
        printf("%s: done\n", name);
        return 0;
    }
    if (strcmp(name, "ticket") == 0) {
        /* One session ticket per connection (it answers the client's Finished,
         * so a client with Nagle on does not wait for a delayed ACK before its
         * first request), and offering it back never resumes. */
        peer p = peer_open(port);
        bool served = request(&p, "/bytes/10", &r) == 0 && r.status == 200;
        SSL_SESSION *session = SSL_get1_session(p.ssl);
        bool ticket = session && SSL_SESSION_has_ticket(session);
        peer_close(&p, true);
        bool resumed = false;
        if (ticket) {
            peer q = peer_open_offering(port, session);
            served = served && request(&q, "/bytes/10", &r) == 0 && r.status == 200;
            resumed = SSL_session_reused(q.ssl) == 1;
            peer_close(&q, true);
        }
        SSL_SESSION_free(session);
        printf("ticket: %s, %s, served: %s\n", ticket ? "a ticket" : "no ticket", resumed ? "resumed" : "not resumed",
               served ? "yes" : "no");
        return 0;
    }
    if (strcmp(name, "plain-on-tls") == 0) { /* HTTP in the clear on the TLS port */
        bool was = use_tls;
        use_tls = false;
        peer p = peer_open(port);
        use_tls = was;
        const char *req = "GET /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n";
        peer_write(&p, req, strlen(req));
        printf("plain-on-tls: %s\n", outcome(&p));
        peer_close(&p, false);
        return 0;
    }
    fprintf(stderr, "httpfault: no fault named %s\n", name);
    return 2;
}

static int cmd_hold(int port, int count, int seconds)
{
    int *fds = calloc((size_t)count, sizeof *fds);
    if (!fds)
        die("calloc");
    for (int i = 0; i < count; i++)
        fds[i] = tcp_connect(port);
    printf("holding %d connections\n", count);
    fflush(stdout);
    msleep(seconds * 1000); /* the whole time: the server must meet its limit (EMFILE) meanwhile */
    for (int i = 0; i < count; i++)
        close(fds[i]);
    free(fds);
    return 0;
}

/* ---- the server side, for a Keep's connect socket ---- */

static int cmd_serve(const char *portfile, const char *cert, const char *key, const char *how)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 4) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) != 0)
        die("listen");
    FILE *f = fopen(portfile, "w");
    if (!f)
        die(portfile);
    fprintf(f, "%d\n", ntohs(a.sin_port));
    fclose(f);
    struct pollfd pl = {.fd = l, .events = POLLIN};
    if (poll(&pl, 1, 60000) != 1)
        die("nobody connected");
    peer p = {.fd = accept(l, NULL, NULL)};
    if (p.fd < 0)
        die("accept");
    set_timeouts(p.fd);
    if (cert) {
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
        if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
            die("server certificate");
        p.ssl = SSL_new(ctx);
        SSL_set_fd(p.ssl, p.fd);
        if (SSL_accept(p.ssl) != 1)
            die("TLS accept");
    }
    char req[4096];
    size_t have = 0;
    while (have < sizeof req - 1) {
        ssize_t n = peer_read(&p, req + have, sizeof req - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        req[have] = 0;
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    char body[1000];
    memset(body, 'z', sizeof body);
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    peer_write(&p, head, strlen(head));
    bool whole = strcmp(how, "complete") == 0;
    peer_write(&p, body, whole ? sizeof body : sizeof body / 2);
    msleep(100); /* the half arrives before the end does */
    if (strcmp(how, "reset-mid") == 0)
        peer_reset(&p);
    else
        peer_close(&p, whole);
    close(l);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--tls") == 0 && strcmp(argv[1], "serve") != 0) {
            use_tls = true;
            memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof *argv);
            argc--;
            break;
        }
    if (argc == 4 && strcmp(argv[1], "get") == 0)
        return cmd_get(atoi(argv[2]), argv[3]);
    if (argc == 4 && strcmp(argv[1], "fault") == 0)
        return fault(atoi(argv[2]), argv[3]);
    if (argc == 5 && strcmp(argv[1], "hold") == 0)
        return cmd_hold(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "serve") == 0)
        return cmd_serve(argv[2], NULL, NULL, argv[3]);
    if (argc == 7 && strcmp(argv[1], "serve") == 0 && strcmp(argv[3], "--tls") == 0)
        return cmd_serve(argv[2], argv[4], argv[5], argv[6]);
    fprintf(stderr, "usage: httpfault get PORT [--tls] PATH\n"
                    "       httpfault fault PORT [--tls] NAME\n"
                    "       httpfault hold PORT COUNT SECONDS\n"
                    "       httpfault serve PORTFILE [--tls CERT KEY] complete|reset-mid|fin-mid\n");
    return 2;
}
