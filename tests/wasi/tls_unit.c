/* Unit tests of src/tls: a server and a client tls_conn talking over a
 * non-blocking socket pair, pumped by hand; then the ways a client refuses
 * a server (unknown issuer, wrong name). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "tls/tls.h"

static char err[512];

/* Pumps both ends until cond holds or nothing moves for a while. */
#define PUMP_UNTIL(a, b, cond)                                               \
    do {                                                                     \
        for (int i_ = 0; i_ < 2000 && !(cond); i_++) {                       \
            tls_conn_pump(a);                                                \
            tls_conn_pump(b);                                                \
        }                                                                    \
    } while (0)

typedef struct pair {
    int fds[2];
    tls_conn *server, *client;
} pair;

static void open_pair(pair *p, tls_server *srv, const char *anchors, const char *host)
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->fds) == 0);
    tls_client *cli = tls_client_new((const uint8_t *)anchors, anchors ? strlen(anchors) : 0, err, sizeof err);
    CHECK(cli != NULL);
    p->server = tls_conn_new_server(srv, p->fds[0]);
    p->client = tls_conn_new_client(cli, p->fds[1], host);
    tls_client_free(cli);
    CHECK(p->server && p->client);
}

static void close_pair(pair *p)
{
    tls_conn_free(p->client);
    tls_conn_free(p->server);
    close(p->fds[0]);
    close(p->fds[1]);
}

static void test_conversation(tls_server *srv)
{
    pair p;
    open_pair(&p, srv, tls_server_cert_pem(srv), "localhost");
    CHECK(!tls_conn_readable(p.client));
    CHECK_EQ_INT(tls_conn_read(p.client, err, 1, false), TLS_AGAIN);
    PUMP_UNTIL(p.server, p.client, tls_conn_handshake_done(p.server) && tls_conn_handshake_done(p.client));
    CHECK(tls_conn_handshake_done(p.client));
    CHECK(tls_conn_handshake_done(p.server));
    CHECK(tls_conn_writable(p.client));

    CHECK_EQ_INT(tls_conn_write(p.client, "ping", 4), 4);
    PUMP_UNTIL(p.server, p.client, tls_conn_readable(p.server));
    char buf[16] = {0};
    CHECK_EQ_INT(tls_conn_read(p.server, buf, 2, true), 2);
    CHECK_EQ_INT(tls_conn_pending(p.server), 4);
    CHECK_EQ_INT(tls_conn_read(p.server, buf, sizeof buf, false), 4);
    CHECK_EQ_STR(buf, "ping");

    /* a megabyte the other way: flow control through the socket buffers */
    size_t big = 1 << 20, sent = 0, got = 0;
    char *out = malloc(big), *in = malloc(big);
    for (size_t i = 0; i < big; i++)
        out[i] = (char)(i * 7);
    for (int rounds = 0; rounds < 100000 && got < big; rounds++) {
        if (sent < big) {
            ssize_t n = tls_conn_write(p.server, out + sent, big - sent);
            if (n > 0)
                sent += (size_t)n;
            else
                CHECK_EQ_INT(n, TLS_AGAIN);
        }
        ssize_t n = tls_conn_read(p.client, in + got, big - got, false);
        if (n > 0)
            got += (size_t)n;
        tls_conn_pump(p.server);
    }
    CHECK_EQ_INT(got, big);
    CHECK(memcmp(in, out, big) == 0);
    free(out);
    free(in);

    /* close_notify: the reader sees the end of the stream */
    int r = TLS_AGAIN;
    for (int i = 0; i < 100 && r == TLS_AGAIN; i++)
        r = tls_conn_shutdown_write(p.client);
    CHECK_EQ_INT(r, 0);
    PUMP_UNTIL(p.server, p.client, tls_conn_readable(p.server));
    CHECK_EQ_INT(tls_conn_read(p.server, buf, sizeof buf, false), 0);
    CHECK_EQ_INT(tls_conn_write(p.client, "late", 4), TLS_FAILED);
    close_pair(&p);
}

static void expect_refused(tls_server *srv, const char *anchors, const char *host, const char *why)
{
    pair p;
    open_pair(&p, srv, anchors, host);
    PUMP_UNTIL(p.server, p.client, tls_conn_pump(p.client) == TLS_FAILED || tls_conn_handshake_done(p.client));
    CHECK(!tls_conn_handshake_done(p.client));
    if (!strstr(tls_conn_error(p.client), why))
        printf("     error '%s' lacks '%s'\n", tls_conn_error(p.client), why);
    CHECK(strstr(tls_conn_error(p.client), why) != NULL);
    CHECK(tls_conn_readable(p.client));
    CHECK_EQ_INT(tls_conn_read(p.client, err, 1, false), TLS_FAILED);
    close_pair(&p);
}

int main(void)
{
    CHECK_EQ_INT(tls_init(err, sizeof err), 0);
    tls_server *srv = tls_server_new_selfsigned("keep.example", err, sizeof err);
    CHECK(srv != NULL);
    if (!srv)
        return check_summary();
    CHECK(strstr(tls_server_cert_pem(srv), "BEGIN CERTIFICATE") != NULL);
    test_conversation(srv);
    /* the built-in bundle does not trust a Keep's self-signed certificate */
    expect_refused(srv, NULL, "localhost", "certificate verification failed");
    /* trusted, but for another name */
    expect_refused(srv, tls_server_cert_pem(srv), "other.example.org", "certificate verification failed");
    size_t len;
    const uint8_t *bundle = tls_builtin_anchors(&len);
    CHECK(len > 10000 && strstr((const char *)bundle, "BEGIN CERTIFICATE") != NULL);
    CHECK(tls_client_new((const uint8_t *)"not pem", 7, err, sizeof err) == NULL);
    CHECK(strstr(err, "no PEM certificate") != NULL);
    tls_server_free(srv);
    return check_summary();
}
