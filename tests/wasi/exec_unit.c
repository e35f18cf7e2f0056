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

/* A well-formed frame, written by hand: the error cases need streams the
 * writer (rightly) refuses to produce. */
static void frame(int fd, uint32_t type, const void *payload, size_t len)
{
    raw_frame(fd, type, 0, len);
    CHECK(write(fd, payload, len) == (ssize_t)len);
}

static void frame_str(int fd, uint32_t type, const char *s)
{
    frame(fd, type, s, strlen(s));
}

static void end(int fd)
{
    raw_frame(fd, WL_END, 0, 0);
}

static const uint8_t tiny_module[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};

/* A request with every kind of frame. */
static wl_request full_request(void)
{
    static const char *const args[] = {"first", ""};
    static const char *const env[] = {"K=V=W"};
    static const wl_request_dir dirs[] = {{"/host/dir", "/guest"}};
    static const wl_request_file files[] = {{"ca.pem", (const uint8_t *)"\0binary", 7}};
    return (wl_request){
        .module = tiny_module, .module_size = sizeof tiny_module, .module_name = "m.wasm",
        .config = "a = 1\n", .config_size = 6, .config_name = "Enarx.toml", .argv0 = "prog",
        .args = args, .arg_count = 2, .env = env, .env_count = 1, .dirs = dirs, .dir_count = 1,
        .files = files, .file_count = 1, .log_level = 3, .engine = 2,
    };
}

static void test_round_trip(void)
{
    int fd = fresh();
    wl_request req = full_request();
    CHECK_EQ_INT(wl_stream_write(&req, fd, err, sizeof err), 0);
    wl_stream s;
    CHECK_EQ_INT(parse(fd, &s), 0);
    CHECK_EQ_INT(s.module_size, 8);
    CHECK(memcmp(s.module, tiny_module, 8) == 0);
    CHECK_EQ_STR(s.module_name, "m.wasm");
    CHECK_EQ_STR(s.config, "a = 1\n");
    CHECK_EQ_STR(s.config_name, "Enarx.toml");
    CHECK_EQ_STR(s.argv0, "prog");
    CHECK_EQ_INT(s.arg_count, 2);
    CHECK_EQ_STR(s.args[0], "first");
    CHECK_EQ_STR(s.args[1], "");
    CHECK_EQ_STR(s.env[0], "K=V=W");
    CHECK_EQ_STR(s.dirs[0].host_path, "/host/dir");
    CHECK_EQ_STR(s.dirs[0].guest_path, "/guest");
    CHECK_EQ_STR(s.files[0].name, "ca.pem");
    CHECK_EQ_INT(s.files[0].size, 7);
    CHECK(memcmp(s.files[0].data, "\0binary", 7) == 0);
    CHECK_EQ_INT(s.log_level, 3);
    CHECK_EQ_INT(s.engine, 2);
    wl_stream_free(&s);

    /* the module from a file, and nothing optional */
    int module = fresh();
    CHECK(write(module, tiny_module, sizeof tiny_module) == (ssize_t)sizeof tiny_module);
    fd = fresh();
    wl_request bare = {.module_fd = module, .module_size = sizeof tiny_module, .log_level = -1};
    CHECK_EQ_INT(wl_stream_write(&bare, fd, err, sizeof err), 0);
    close(module);
    CHECK_EQ_INT(parse(fd, &s), 0);
    CHECK_EQ_INT(s.module_size, 8);
    CHECK(s.module_name == NULL && s.config == NULL && s.argv0 == NULL && s.arg_count == 0);
    CHECK_EQ_INT(s.log_level, -1);
    CHECK_EQ_INT(s.engine, -1); /* auto: no ENGINE frame */
    wl_stream_free(&s);
}

/* wl_request_check names the first part that breaks a limit; the writer
 * then writes nothing at all. */
static void expect_problem(const wl_request *req, wl_part part, size_t index, uint64_t value, uint64_t limit)
{
    wl_problem p;
    CHECK_EQ_INT(wl_request_check(req, &p), -1);
    CHECK_EQ_INT(p.part, part);
    CHECK_EQ_INT(p.index, index);
    CHECK_EQ_INT(p.value, value);
    CHECK_EQ_INT(p.limit, limit);
    int fd = fresh();
    CHECK_EQ_INT(wl_stream_write(req, fd, err, sizeof err), -1);
    CHECK(strstr(err, "cannot carry") != NULL);
    CHECK_EQ_INT(lseek(fd, 0, SEEK_END), 0);
    close(fd);
}

static void test_request_limits(void)
{
    wl_request r = full_request();
    wl_problem p;
    CHECK_EQ_INT(wl_request_check(&r, &p), 0);

    char *long_name = malloc(WL_MAX_NAME + 2);
    memset(long_name, 'n', WL_MAX_NAME + 1);
    long_name[WL_MAX_NAME + 1] = 0;
    r.argv0 = long_name;
    expect_problem(&r, WL_PART_ARGV0, 0, WL_MAX_NAME + 1, WL_MAX_NAME);
    long_name[WL_MAX_NAME] = 0; /* exactly the limit is fine */
    CHECK_EQ_INT(wl_request_check(&r, &p), 0);
    r.argv0 = "";
    expect_problem(&r, WL_PART_ARGV0, 0, 0, 0);
    r = full_request();

    char *long_arg = malloc(WL_MAX_STRING + 2);
    memset(long_arg, 'a', WL_MAX_STRING + 1);
    long_arg[WL_MAX_STRING + 1] = 0;
    const char *args[] = {"ok", long_arg};
    r.args = args;
    expect_problem(&r, WL_PART_ARG, 1, WL_MAX_STRING + 1, WL_MAX_STRING);
    r = full_request();

    const char *bad_env[] = {"NOEQUALS"};
    r.env = bad_env;
    expect_problem(&r, WL_PART_ENV, 0, 8, 0);
    r = full_request();

    /* one limit for arguments and environment, config included */
    r.config_strings = WL_MAX_STRINGS - 3; /* + 2 args + 1 env = the limit */
    CHECK_EQ_INT(wl_request_check(&r, &p), 0);
    r.config_strings++;
    expect_problem(&r, WL_PART_STRINGS, 0, WL_MAX_STRINGS + 1, WL_MAX_STRINGS);
    r = full_request();
    r.config_strings_bytes = WL_MAX_STRINGS_BYTES;
    expect_problem(&r, WL_PART_STRINGS_BYTES, 0, WL_MAX_STRINGS_BYTES + 6 + 1 + 6, WL_MAX_STRINGS_BYTES);
    r = full_request();

    r.dir_count = WL_MAX_DIRS + 1;
    expect_problem(&r, WL_PART_DIRS, 0, WL_MAX_DIRS + 1, WL_MAX_DIRS);
    wl_request_dir dirs[] = {{"/h", long_name}};
    long_name[WL_MAX_NAME] = 'n';
    r.dirs = dirs;
    r.dir_count = 1;
    expect_problem(&r, WL_PART_DIR_GUEST, 0, WL_MAX_NAME + 1, WL_MAX_NAME);
    r = full_request();

    wl_request_file files[] = {{"a", (const uint8_t *)"1", 1}, {"a", (const uint8_t *)"2", 1}};
    r.files = files;
    r.file_count = 2;
    expect_problem(&r, WL_PART_FILE_NAME, 1, 1, 0);
    files[1].name = "b";
    files[1].size = WL_MAX_FILE + 1;
    expect_problem(&r, WL_PART_FILE, 1, WL_MAX_FILE + 1, WL_MAX_FILE);
    r = full_request();

    r.module_size = (uint64_t)WL_MAX_MODULE + 1;
    expect_problem(&r, WL_PART_MODULE, 0, (uint64_t)WL_MAX_MODULE + 1, WL_MAX_MODULE);
    r = full_request();
    r.log_level = 5;
    expect_problem(&r, WL_PART_LOG_LEVEL, 0, 5, 4);
    r = full_request();
    r.engine = 3;
    expect_problem(&r, WL_PART_ENGINE, 0, 3, 2);
    free(long_name);
    free(long_arg);
}

/* A stream holding magic and a module; the caller adds frames. */
static int with_module(void)
{
    int fd = fresh();
    CHECK(write(fd, WL_MAGIC, WL_MAGIC_LEN) == WL_MAGIC_LEN);
    frame(fd, WL_MODULE, tiny_module, sizeof tiny_module);
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
    frame(fd, WL_MODULE, "x", 1);
    end(fd);
    expect_error(fd, "two modules", "duplicate MODULE");

    fd = fresh();
    CHECK(write(fd, WL_MAGIC, WL_MAGIC_LEN) == WL_MAGIC_LEN);
    frame_str(fd, WL_ARG, "a");
    end(fd);
    expect_error(fd, "no module", "no MODULE");

    fd = with_module();
    frame_str(fd, WL_ENV, "NOEQUALS");
    end(fd);
    expect_error(fd, "env without =", "NAME=VALUE");

    fd = with_module();
    frame(fd, WL_ARG, "a\0b", 3);
    end(fd);
    expect_error(fd, "NUL in an argument", "NUL");

    fd = with_module();
    frame_str(fd, WL_DIR, "/no/separator");
    end(fd);
    expect_error(fd, "dir without guest", "DIR");

    fd = with_module();
    uint8_t nine = 9;
    frame(fd, WL_LOG_LEVEL, &nine, 1);
    end(fd);
    expect_error(fd, "log level", "LOG_LEVEL");

    fd = with_module();
    uint8_t three = 3;
    frame(fd, WL_ENGINE, &three, 1);
    end(fd);
    expect_error(fd, "engine tier out of range", "ENGINE must be one byte");

    fd = with_module();
    uint8_t jit = 2;
    frame(fd, WL_ENGINE, &jit, 1);
    frame(fd, WL_ENGINE, &jit, 1);
    end(fd);
    expect_error(fd, "duplicate engine", "duplicate ENGINE");

    fd = with_module();
    frame(fd, WL_FILE, "a\0001", 3);
    frame(fd, WL_FILE, "a\0002", 3);
    end(fd);
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
    test_request_limits();
    test_errors();
    test_dns();
    return check_summary();
}
