/* Unit tests of the exec's parsers: the workload stream (written by the
 * host-side writer, read by the Keep-side reader) and DNS replies. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abi/workload_stream.h"
#include "backend/workload_stream.h"
#include "check.h"
#include "exec/dns.h"
#include "exec/stream.h"

static char err[512];

static int fresh(void)
{
    return memfd_create("stream-test", 0);
}

static int parse(int fd, wl_stream *out)
{
    lseek(fd, 0, SEEK_SET);
    int rc = wl_stream_read(out, wl_read_fd, &fd, err, sizeof err);
    close(fd);
    return rc;
}

static void raw_frame(int fd, uint32_t type, uint32_t reserved, uint64_t len)
{
    uint8_t h[16];
    memcpy(h, &type, 4);
    memcpy(h + 4, &reserved, 4);
    memcpy(h + 8, &len, 8);
    CHECK(write(fd, h, 16) == 16);
}

static void test_round_trip(void)
{
    int fd = fresh();
    wl_writer w = {fd, err, sizeof err};
    uint8_t level = 3;
    CHECK_EQ_INT(wl_write_magic(&w), 0);
    CHECK_EQ_INT(wl_write_frame(&w, WL_MODULE, "\0asm\1\0\0\0", 8), 0);
    CHECK_EQ_INT(wl_write_string(&w, WL_MODULE_NAME, "m.wasm"), 0);
    CHECK_EQ_INT(wl_write_frame(&w, WL_CONFIG, "a = 1\n", 6), 0);
    CHECK_EQ_INT(wl_write_string(&w, WL_ARG, "first"), 0);
    CHECK_EQ_INT(wl_write_string(&w, WL_ARG, ""), 0);
    CHECK_EQ_INT(wl_write_string(&w, WL_ENV, "K=V=W"), 0);
    CHECK_EQ_INT(wl_write_pair(&w, WL_DIR, "/host/dir", "/guest", 6), 0);
    CHECK_EQ_INT(wl_write_pair(&w, WL_FILE, "ca.pem", "\0binary", 7), 0);
    CHECK_EQ_INT(wl_write_frame(&w, WL_LOG_LEVEL, &level, 1), 0);
    CHECK_EQ_INT(wl_write_end(&w), 0);
    wl_stream s;
    CHECK_EQ_INT(parse(fd, &s), 0);
    CHECK_EQ_INT(s.module_size, 8);
    CHECK_EQ_STR(s.module_name, "m.wasm");
    CHECK_EQ_STR(s.config, "a = 1\n");
    CHECK_EQ_INT(s.arg_count, 2);
    CHECK_EQ_STR(s.args[1], "");
    CHECK_EQ_STR(s.env[0], "K=V=W");
    CHECK_EQ_STR(s.dirs[0].host_path, "/host/dir");
    CHECK_EQ_STR(s.dirs[0].guest_path, "/guest");
    CHECK_EQ_INT(s.files[0].size, 7);
    CHECK(memcmp(s.files[0].data, "\0binary", 7) == 0);
    CHECK_EQ_INT(s.log_level, 3);
    wl_stream_free(&s);
}

/* A stream holding magic, a module, then what `extra` writes. */
static int with_module(void)
{
    int fd = fresh();
    wl_writer w = {fd, err, sizeof err};
    wl_write_magic(&w);
    wl_write_frame(&w, WL_MODULE, "\0asm\1\0\0\0", 8);
    return fd;
}

static void expect_error(int fd, const char *what, const char *needle)
{
    wl_stream s;
    int rc = parse(fd, &s);
    CHECK_EQ_INT(rc, -1);
    if (rc == 0)
        wl_stream_free(&s);
    if (!strstr(err, needle))
        printf("     %s: message '%s' lacks '%s'\n", what, err, needle);
    CHECK(strstr(err, needle) != NULL);
}

static void test_errors(void)
{
    int fd = fresh();
    CHECK(write(fd, "NOTENARX", 8) == 8);
    expect_error(fd, "bad magic", "bad magic");

    fd = fresh();
    CHECK(write(fd, "ENAR", 4) == 4);
    expect_error(fd, "short magic", "truncated");

    fd = with_module();
    raw_frame(fd, 99, 0, 0);
    expect_error(fd, "unknown type", "unknown frame type 99");

    fd = with_module();
    raw_frame(fd, WL_ARG, 1, 0);
    expect_error(fd, "reserved", "reserved");

    /* an absurd length is refused before anything is allocated */
    fd = with_module();
    raw_frame(fd, WL_CONFIG, 0, (uint64_t)1 << 62);
    expect_error(fd, "huge config", "exceeds its limit");
    fd = fresh();
    CHECK(write(fd, WL_MAGIC, 8) == 8);
    raw_frame(fd, WL_MODULE, 0, (uint64_t)WL_MAX_MODULE + 1);
    expect_error(fd, "huge module", "exceeds its limit");

    fd = with_module();
    raw_frame(fd, WL_ARG, 0, 100);
    CHECK(write(fd, "short", 5) == 5);
    expect_error(fd, "truncated payload", "truncated");

    fd = with_module();
    wl_writer w = {fd, err, sizeof err};
    wl_write_frame(&w, WL_MODULE, "x", 1);
    wl_write_end(&w);
    expect_error(fd, "two modules", "duplicate MODULE");

    fd = fresh();
    w.fd = fd;
    wl_write_magic(&w);
    wl_write_string(&w, WL_ARG, "a");
    wl_write_end(&w);
    expect_error(fd, "no module", "no MODULE");

    fd = with_module();
    w.fd = fd;
    wl_write_string(&w, WL_ENV, "NOEQUALS");
    wl_write_end(&w);
    expect_error(fd, "env without =", "NAME=VALUE");

    fd = with_module();
    w.fd = fd;
    wl_write_frame(&w, WL_ARG, "a\0b", 3);
    wl_write_end(&w);
    expect_error(fd, "NUL in an argument", "NUL");

    fd = with_module();
    w.fd = fd;
    wl_write_string(&w, WL_DIR, "/no/separator");
    wl_write_end(&w);
    expect_error(fd, "dir without guest", "DIR");

    fd = with_module();
    w.fd = fd;
    uint8_t nine = 9;
    wl_write_frame(&w, WL_LOG_LEVEL, &nine, 1);
    wl_write_end(&w);
    expect_error(fd, "log level", "LOG_LEVEL");

    fd = with_module();
    w.fd = fd;
    wl_write_pair(&w, WL_FILE, "a", "1", 1);
    wl_write_pair(&w, WL_FILE, "a", "2", 1);
    wl_write_end(&w);
    expect_error(fd, "duplicate file", "duplicate FILE");

    fd = with_module();
    expect_error(fd, "no end", "truncated");
}

static size_t answer(uint8_t *msg, const uint8_t *query, int qlen, uint8_t flags3, uint16_t ancount)
{
    memcpy(msg, query, (size_t)qlen);
    msg[2] = 0x81;
    msg[3] = flags3;
    msg[6] = (uint8_t)(ancount >> 8);
    msg[7] = (uint8_t)ancount;
    return (size_t)qlen;
}

static size_t add_record(uint8_t *msg, size_t pos, uint16_t type, const uint8_t *data, uint16_t len)
{
    msg[pos++] = 0xc0; /* a pointer to the question's name */
    msg[pos++] = 12;
    msg[pos++] = (uint8_t)(type >> 8);
    msg[pos++] = (uint8_t)type;
    msg[pos++] = 0;
    msg[pos++] = 1;
    memset(msg + pos, 0, 4);
    pos += 4;
    msg[pos++] = (uint8_t)(len >> 8);
    msg[pos++] = (uint8_t)len;
    memcpy(msg + pos, data, len);
    return pos + len;
}

static void test_dns(void)
{
    uint8_t q[300], m[600];
    CHECK_EQ_INT(dns_build_query(q, sizeof q, 1, "bad..name", DNS_TYPE_A), -1);
    CHECK_EQ_INT(dns_build_query(q, sizeof q, 1, "has space.com", DNS_TYPE_A), -1);
    int qlen = dns_build_query(q, sizeof q, 0xbeef, "Example.COM", DNS_TYPE_A);
    CHECK_EQ_INT(qlen, 12 + 13 + 4);
    dns_addr out[4];
    uint8_t ip[4] = {93, 184, 216, 34}, ip6[16] = {0x20, 1, 0xd, 0xb8};
    size_t n = answer(m, q, qlen, 0, 3);
    n = add_record(m, n, 5 /* CNAME */, (const uint8_t *)"\3abc\0", 5);
    n = add_record(m, n, DNS_TYPE_A, ip, 4);
    n = add_record(m, n, DNS_TYPE_AAAA, ip6, 16);
    CHECK_EQ_INT(dns_parse_response(m, n, q, (size_t)qlen, out, 4, err, sizeof err), 1);
    CHECK_EQ_INT(out[0].family, AF_INET);
    CHECK(memcmp(out[0].bytes, ip, 4) == 0);
    /* every prefix of a valid answer is rejected or yields what it holds, never more */
    for (size_t cut = 0; cut < n; cut++) {
        int r = dns_parse_response(m, cut, q, (size_t)qlen, out, 4, err, sizeof err);
        CHECK(r <= 0);
    }
    m[1] ^= 1;
    CHECK_EQ_INT(dns_parse_response(m, n, q, (size_t)qlen, out, 4, err, sizeof err), -1);
    m[1] ^= 1;
    m[12 + 1] = 'x'; /* another question */
    CHECK_EQ_INT(dns_parse_response(m, n, q, (size_t)qlen, out, 4, err, sizeof err), -1);
    n = answer(m, q, qlen, 3, 0);
    CHECK_EQ_INT(dns_parse_response(m, n, q, (size_t)qlen, out, 4, err, sizeof err), 0);
    n = answer(m, q, qlen, 2, 0);
    CHECK_EQ_INT(dns_parse_response(m, n, q, (size_t)qlen, out, 4, err, sizeof err), -1);
    /* an answer claiming more data than the message holds */
    n = answer(m, q, qlen, 0, 1);
    n = add_record(m, n, DNS_TYPE_A, ip, 4);
    m[n - 5] = 200;
    CHECK_EQ_INT(dns_parse_response(m, n, q, (size_t)qlen, out, 4, err, sizeof err), -1);
}

int main(void)
{
    test_round_trip();
    test_errors();
    test_dns();
    return check_summary();
}
