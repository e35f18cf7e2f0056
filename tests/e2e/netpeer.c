/* A test peer for the network scenarios, over TCP or TLS 1.3 on loopback.
 *
 *   netpeer serve PORTFILE [--tls CERT KEY] [--count N]
 *       listens on 127.0.0.1 (a free port, written to PORTFILE), and for each
 *       of N connections (default 1) answers every line with the line
 *       reversed, until the client ends the stream.
 *   netpeer free-port
 *       prints a TCP port on 127.0.0.1 that nobody listens on (at that moment).
 *   netpeer client PORT [--tls] [--timeout SECONDS] LINE...
 *       connects (retrying until the port opens), sends each line, prints the
 *       answer; with --tls prints the protocol and the server's certificate
 *       subject (without verifying it: the Keep's certificate is self-signed). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
    int fd;
    SSL *ssl;
} conn;

static void die(const char *what)
{
    fprintf(stderr, "netpeer: %s: %s\n", what, errno ? strerror(errno) : "failed");
    ERR_print_errors_fp(stderr);
    exit(1);
}

static ssize_t conn_read(conn *c, void *buf, size_t len)
{
    if (!c->ssl)
        return read(c->fd, buf, len);
    size_t got = 0;
    if (SSL_read_ex(c->ssl, buf, len, &got) == 1)
        return (ssize_t)got;
    int e = SSL_get_error(c->ssl, 0);
    return e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ? 0 : -1;
}

static int conn_write(conn *c, const void *buf, size_t len)
{
    if (!c->ssl) {
        const char *p = buf;
        while (len > 0) {
            ssize_t n = write(c->fd, p, len);
            if (n <= 0)
                return -1;
            p += n;
            len -= (size_t)n;
        }
        return 0;
    }
    size_t done = 0;
    return SSL_write_ex(c->ssl, buf, len, &done) == 1 && done == len ? 0 : -1;
}

/* One line (with its '\n' if any); 0 at end of stream. */
static int read_line(conn *c, char *buf, size_t cap)
{
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = conn_read(c, buf + len, 1);
        if (n <= 0)
            break;
        if (buf[len++] == '\n')
            break;
    }
    buf[len] = 0;
    return (int)len;
}

static void serve_one(conn *c)
{
    char line[4096], reply[4096];
    int len;
    while ((len = read_line(c, line, sizeof line)) > 0) {
        int body = line[len - 1] == '\n' ? len - 1 : len;
        for (int i = 0; i < body; i++)
            reply[i] = line[body - 1 - i];
        reply[body] = '\n';
        if (conn_write(c, reply, (size_t)body + 1) != 0)
            break;
    }
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    close(c->fd);
}

static int serve(int argc, char **argv)
{
    const char *portfile = argv[2], *cert = NULL, *key = NULL;
    int count = 1;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--tls") == 0 && i + 2 < argc) {
            cert = argv[++i];
            key = argv[++i];
        } else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
            count = atoi(argv[++i]);
        }
    }
    SSL_CTX *ctx = NULL;
    if (cert) {
        ctx = SSL_CTX_new(TLS_server_method());
        if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
            die("loading the certificate");
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 8) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
        die("listen");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, portfile) != 0)
        die("writing the port file");
    for (int i = 0; i < count; i++) {
        conn c = {accept(lfd, NULL, NULL), NULL};
        if (c.fd < 0)
            die("accept");
        if (ctx) {
            c.ssl = SSL_new(ctx);
            SSL_set_fd(c.ssl, c.fd);
            if (SSL_accept(c.ssl) != 1) {
                fprintf(stderr, "netpeer: TLS handshake failed\n");
                ERR_print_errors_fp(stderr);
                SSL_free(c.ssl);
                close(c.fd);
                continue;
            }
        }
        serve_one(&c);
    }
    close(lfd);
    SSL_CTX_free(ctx);
    return 0;
}

static int client(int argc, char **argv)
{
    int port = atoi(argv[2]);
    bool tls = false;
    double timeout = 20;
    int first_line = argc;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--tls") == 0) {
            tls = true;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            timeout = atof(argv[++i]);
        } else {
            first_line = i;
            break;
        }
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    conn c = {-1, NULL};
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        c.fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c.fd, (struct sockaddr *)&a, sizeof a) == 0)
            break;
        close(c.fd);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 > timeout)
            die("connect");
        usleep(20000);
    }
    if (tls) {
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
        c.ssl = SSL_new(ctx);
        SSL_set_fd(c.ssl, c.fd);
        if (SSL_connect(c.ssl) != 1)
            die("TLS handshake");
        X509 *peer = SSL_get1_peer_certificate(c.ssl);
        char subject[256] = "(none)";
        if (peer)
            X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
        printf("tls: %s %s\n", SSL_get_version(c.ssl), subject);
        X509_free(peer);
        SSL_CTX_free(ctx); /* the SSL keeps its own reference */
    }
    char line[4096];
    for (int i = first_line; i < argc; i++) {
        snprintf(line, sizeof line, "%s\n", argv[i]);
        if (conn_write(&c, line, strlen(line)) != 0)
            die("send");
        if (read_line(&c, line, sizeof line) <= 0)
            die("no reply");
        printf("reply: %s", line);
    }
    if (c.ssl)
        SSL_shutdown(c.ssl);
    else
        shutdown(c.fd, SHUT_WR);
    while (read_line(&c, line, sizeof line) > 0)
        printf("more: %s", line);
    SSL_free(c.ssl);
    close(c.fd);
    return 0;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
        die("finding a free port");
    printf("%u\n", ntohs(a.sin_port));
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "free-port") == 0)
        return free_port();
    if (argc >= 3 && strcmp(argv[1], "serve") == 0)
        return serve(argc, argv);
    if (argc >= 3 && strcmp(argv[1], "client") == 0)
        return client(argc, argv);
    fprintf(stderr, "usage: netpeer serve PORTFILE [--tls CERT KEY] [--count N]\n"
                    "       netpeer free-port\n"
                    "       netpeer client PORT [--tls] [--timeout S] LINE...\n");
    return 2;
}
