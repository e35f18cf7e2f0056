/* Hostile host: a lying executor (hostile_host.h, put between the harness
 * and the executor with -Wl,--wrap=sp_host_run_batch) damages one reply
 * field at a time and the Keep-side client must either stop with a violation naming the call, without handing any of the
 * bad reply to its caller, or return an ordinary error. Every case also runs
 * with reply tracing, so a check that reads a field twice fails here too.
 *
 * Prints one line per case and "N passed, N failed". */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "hostile_host.h"

#define SENTINEL 0x5a

struct outcome {
    int64_t ret;
    int clean;   /* the caller's output buffers hold nothing from the reply */
};

static int all_byte(const void *p, size_t n, uint8_t b)
{
    const uint8_t *q = p;
    for (size_t i = 0; i < n; i++)
        if (q[i] != b)
            return 0;
    return 1;
}

/* Each scenario prepares what it needs, then makes the one call under test
 * last (the hostile spec picks which occurrence to damage). */
static int pipe_with(struct harness *h, const char *data, int fds[2])
{
    if (sp_pipe2(&h->keep, fds, 0) != 0)
        return -1;
    if (data && sp_write(&h->keep, fds[1], data, strlen(data)) != (int64_t)strlen(data))
        return -1;
    return 0;
}

static struct outcome sc_read(struct harness *h)
{
    int fds[2];
    pipe_with(h, "0123456789", fds);
    uint8_t buf[10];
    memset(buf, SENTINEL, sizeof buf);
    int64_t r = sp_read(&h->keep, fds[0], buf, sizeof buf);
    return (struct outcome){r, r >= 0 || all_byte(buf, sizeof buf, SENTINEL)};
}

static struct outcome sc_readv(struct harness *h)
{
    int fds[2];
    pipe_with(h, "abcdef", fds);
    uint8_t a[3], b[3];
    memset(a, SENTINEL, 3);
    memset(b, SENTINEL, 3);
    struct sp_iovec iov[2] = {{a, 3}, {b, 3}};
    int64_t r = sp_readv(&h->keep, fds[0], iov, 2);
    return (struct outcome){r, r >= 0 || (all_byte(a, 3, SENTINEL) && all_byte(b, 3, SENTINEL))};
}

static struct outcome sc_write(struct harness *h)
{
    int fds[2];
    pipe_with(h, NULL, fds);
    int64_t r = sp_write(&h->keep, fds[1], "hello", 5);
    return (struct outcome){r, 1};
}

static struct outcome sc_pipe(struct harness *h)
{
    int fds[2] = {-7, -7};
    int64_t r = sp_pipe2(&h->keep, fds, 0);
    return (struct outcome){r, r == 0 || (fds[0] == -7 && fds[1] == -7)};
}

static int tcp_pair(struct harness *h, int *l, int *c, struct sockaddr_in *bound)
{
    struct sp_keep *k = &h->keep;
    *l = (int)sp_socket(k, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    uint32_t len = sizeof *bound;
    if (sp_bind(k, *l, &sa, sizeof sa) || sp_listen(k, *l, 2) ||
        sp_getsockname(k, *l, bound, &len))
        return -1;
    *c = (int)sp_socket(k, AF_INET, SOCK_STREAM, 0);
    return (int)sp_connect(k, *c, bound, sizeof *bound);
}

static struct outcome sc_socket(struct harness *h)
{
    int64_t r = sp_socket(&h->keep, AF_INET, SOCK_STREAM, 0);
    return (struct outcome){r, 1};
}

static struct outcome sc_accept(struct harness *h)
{
    int l, c;
    struct sockaddr_in b;
    tcp_pair(h, &l, &c, &b);
    uint8_t addr[16];
    memset(addr, SENTINEL, sizeof addr);
    uint32_t len = sizeof addr;
    int64_t r = sp_accept4(&h->keep, l, addr, &len, 0);
    return (struct outcome){r, r >= 0 || (all_byte(addr, sizeof addr, SENTINEL) && len == 16)};
}

static struct outcome sc_getsockname(struct harness *h)
{
    int s = (int)sp_socket(&h->keep, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    sp_bind(&h->keep, s, &sa, sizeof sa);
    uint8_t addr[16];
    memset(addr, SENTINEL, sizeof addr);
    uint32_t len = sizeof addr;
    int64_t r = sp_getsockname(&h->keep, s, addr, &len);
    return (struct outcome){r, r >= 0 || (all_byte(addr, sizeof addr, SENTINEL) && len == 16)};
}

static struct outcome sc_recvfrom(struct harness *h)
{
    struct sp_keep *k = &h->keep;
    int s = (int)sp_socket(k, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}, me;
    uint32_t ml = sizeof me;
    sp_bind(k, s, &sa, sizeof sa);
    sp_getsockname(k, s, &me, &ml);
    sp_sendto(k, s, "datagram", 8, 0, &me, sizeof me);
    uint8_t buf[8], addr[16];
    memset(buf, SENTINEL, sizeof buf);
    memset(addr, SENTINEL, sizeof addr);
    uint32_t len = sizeof addr;
    int64_t r = sp_recvfrom(k, s, buf, sizeof buf, 0, addr, &len);
    return (struct outcome){r, r >= 0 || (all_byte(buf, sizeof buf, SENTINEL) &&
                                          all_byte(addr, sizeof addr, SENTINEL))};
}

static struct outcome sc_getsockopt(struct harness *h)
{
    int s = (int)sp_socket(&h->keep, AF_INET, SOCK_STREAM, 0);
    int val = 0x5a5a5a5a;
    uint32_t len = sizeof val;
    int64_t r = sp_getsockopt(&h->keep, s, SOL_SOCKET, SO_TYPE, &val, &len);
    return (struct outcome){r, r >= 0 || val == 0x5a5a5a5a};
}

static struct outcome sc_poll(struct harness *h)
{
    int fds[2];
    pipe_with(h, "x", fds);
    struct sp_pollfd p[2] = {{fds[0], POLLIN, 0x5a}, {fds[1], POLLIN, 0x5a}};
    struct sp_timespec t = {0, 0};
    int64_t r = sp_poll(&h->keep, p, 2, &t);
    return (struct outcome){r, r >= 0 || (p[0].revents == 0x5a && p[1].revents == 0x5a)};
}

static struct outcome sc_clock(struct harness *h)
{
    struct sp_timespec t = {0x5a, 0x5a};
    sp_clock_gettime(&h->keep, 1, &t);
    t = (struct sp_timespec){0x5a, 0x5a};
    int64_t r = sp_clock_gettime(&h->keep, 1, &t);
    return (struct outcome){r, r >= 0 || (t.tv_sec == 0x5a && t.tv_nsec == 0x5a)};
}

static struct outcome sc_fstat(struct harness *h)
{
    int fds[2];
    pipe_with(h, NULL, fds);
    uint8_t st[SP_STAT_SIZE];
    memset(st, SENTINEL, sizeof st);
    int64_t r = sp_fstat(&h->keep, fds[0], st);
    return (struct outcome){r, r >= 0 || all_byte(st, sizeof st, SENTINEL) || all_byte(st, sizeof st, 0)};
}

static char tmpdir[] = "/tmp/sallyport-hostile-XXXXXX";

static struct outcome sc_getdents(struct harness *h)
{
    int d = (int)sp_openat(&h->keep, -100, tmpdir, O_RDONLY | O_DIRECTORY, 0);
    uint8_t buf[512];
    memset(buf, SENTINEL, sizeof buf);
    int64_t r = sp_getdents64(&h->keep, d, buf, sizeof buf);
    return (struct outcome){r, r >= 0 || all_byte(buf, sizeof buf, SENTINEL) || all_byte(buf, 48, 0)};
}

/* readlink into a buffer as big as the block: the Keep cuts the request to
 * what fits after the path, and a count above that is a lie. */
static struct outcome sc_readlink_big(struct harness *h)
{
    char path[300];
    snprintf(path, sizeof path, "%s/link", tmpdir);
    unlink(path);
    if (symlink("target", path) != 0)
        return (struct outcome){0, 0};
    static char buf[4096];
    memset(buf, SENTINEL, sizeof buf);
    int64_t r = sp_readlinkat(&h->keep, -100, path, buf, sizeof buf);
    unlink(path);
    return (struct outcome){r, r >= 0 || all_byte(buf, sizeof buf, SENTINEL)};
}

static struct outcome sc_fionread(struct harness *h)
{
    int fds[2];
    pipe_with(h, "abc", fds);
    int32_t n = 0x5a5a5a5a;
    int64_t r = sp_ioctl(&h->keep, fds[0], 0x541B, &n);
    return (struct outcome){r, r >= 0 || n == 0x5a5a5a5a};
}

static struct outcome sc_lseek(struct harness *h)
{
    char path[300];
    snprintf(path, sizeof path, "%s/f", tmpdir);
    int fd = (int)sp_openat(&h->keep, -100, path, O_RDWR | O_CREAT, 0600);
    int64_t r = sp_lseek(&h->keep, fd, 3, SEEK_SET);
    return (struct outcome){r, 1};
}

static struct outcome sc_getfd(struct harness *h)
{
    int64_t r = sp_fcntl(&h->keep, 1, 1 /* F_GETFD */, 0);
    return (struct outcome){r, 1};
}

static struct outcome sc_dup(struct harness *h)
{
    int64_t r = sp_dup(&h->keep, 1);
    return (struct outcome){r, 1};
}

static struct outcome sc_close(struct harness *h)
{
    int fds[2];
    pipe_with(h, NULL, fds);
    int64_t r = sp_close(&h->keep, fds[0]);
    return (struct outcome){r, 1};
}

static struct outcome sc_sleep(struct harness *h)
{
    struct sp_timespec d = {0, 1000}, rem = {0x5a, 0x5a};
    int64_t r = sp_clock_nanosleep(&h->keep, 1, 0, &d, &rem);
    return (struct outcome){r, r >= 0 || r == -EINTR || (rem.tv_sec == 0x5a && rem.tv_nsec == 0x5a)};
}

enum expect { VIOLATION, ERROR };

static const struct scenario {
    const char *what;
    const char *spec;
    struct outcome (*run)(struct harness *);
    enum expect expect;
    const char *call;    /* the call the violation must name */
    int64_t error;       /* ERROR: the result the caller sees */
} scenarios[] = {
    {"read returns one byte more than asked", "read:ret:add:1", sc_read, VIOLATION, "read", 0},
    {"read returns a huge count", "read:ret:set:0x7fffffffffffffff", sc_read, VIOLATION, "read", 0},
    {"read returns an impossible negative value", "read:ret:set:-5000", sc_read, VIOLATION, "read", 0},
    {"read returns an ordinary error", "read:ret:set:-11", sc_read, ERROR, NULL, -EAGAIN},
    {"readv returns more than the iovecs hold", "read:ret:add:1", sc_readv, VIOLATION, "readv", 0},
    {"write claims more than was sent", "write:ret:add:1", sc_write, VIOLATION, "write", 0},
    {"write returns an impossible negative value", "write:ret:set:-4096", sc_write, VIOLATION, "write", 0},
    {"socket returns an fd that is already open", "socket:ret:set:1", sc_socket, VIOLATION, "socket", 0},
    {"socket returns an fd out of range", "socket:ret:set:100000", sc_socket, VIOLATION, "socket", 0},
    {"socket returns a negative fd that is no errno", "socket:ret:set:-100000", sc_socket, VIOLATION, "socket", 0},
    {"pipe2 hands back an open fd", "pipe2:arg0/4:set:1", sc_pipe, VIOLATION, "pipe2", 0},
    {"pipe2 hands back the same fd twice", "pipe2:arg0+4/4:set:3", sc_pipe, VIOLATION, "pipe2", 0},
    {"dup returns an fd other than the lowest free", "dup:ret:add:1", sc_dup, VIOLATION, "dup", 0},
    {"accept4 returns an fd other than the lowest free", "accept4:ret:add:2", sc_accept, VIOLATION, "accept4", 0},
    {"accept4 reports an address longer than sockaddr_storage", "accept4:arg2/4:set:129", sc_accept, VIOLATION, "accept4", 0},
    {"accept4 reports a garbage address family", "accept4:arg1/2:set:0x1234", sc_accept, VIOLATION, "accept4", 0},
    {"accept4 reports an IPv4 address of the wrong length", "accept4:arg2/4:set:12", sc_accept, VIOLATION, "accept4", 0},
    {"getsockname reports a negative length", "getsockname:arg2/4:set:-1", sc_getsockname, VIOLATION, "getsockname", 0},
    {"getsockname reports an IPv6 family on an IPv4 socket", "getsockname:arg1/2:set:10", sc_getsockname, VIOLATION, "getsockname", 0},
    {"recvfrom returns more bytes than the buffer", "recvfrom:ret:add:1", sc_recvfrom, VIOLATION, "recvfrom", 0},
    {"recvfrom reports a huge source address length", "recvfrom:arg5/4:set:0x10000", sc_recvfrom, VIOLATION, "recvfrom", 0},
    {"recvfrom reports a garbage source family", "recvfrom:arg4/2:set:99", sc_recvfrom, VIOLATION, "recvfrom", 0},
    {"getsockopt returns more than the buffer", "getsockopt:arg4/4:set:300", sc_getsockopt, VIOLATION, "getsockopt", 0},
    {"poll says more fds are ready than it marks", "poll:ret:add:1", sc_poll, VIOLATION, "poll", 0},
    {"poll marks an event that was not asked for", "poll:arg0+14/2:set:0x4", sc_poll, VIOLATION, "poll", 0},
    {"poll returns more than nfds", "poll:ret:set:3", sc_poll, VIOLATION, "poll", 0},
    {"clock_gettime returns nanoseconds >= 1e9", "clock_gettime#2:arg1+8/8:set:1000000000", sc_clock, VIOLATION, "clock_gettime", 0},
    {"clock_gettime returns negative seconds", "clock_gettime#2:arg1/8:set:-5", sc_clock, VIOLATION, "clock_gettime", 0},
    {"the monotonic clock goes backwards", "clock_gettime#2:arg1/8:set:0", sc_clock, VIOLATION, "clock_gettime", 0},
    {"clock_gettime returns a positive success value", "clock_gettime#2:ret:set:1", sc_clock, VIOLATION, "clock_gettime", 0},
    {"fstat returns a negative size", "fstat:arg1+48/8:set:-1", sc_fstat, VIOLATION, "fstat", 0},
    {"fstat returns a zero block size", "fstat:arg1+56/8:set:0", sc_fstat, VIOLATION, "fstat", 0},
    {"fstat returns a bad file type", "fstat:arg1+24/4:set:0", sc_fstat, VIOLATION, "fstat", 0},
    {"getdents64 returns a zero record length", "getdents64:arg1+16/2:set:0", sc_getdents, VIOLATION, "getdents64", 0},
    {"getdents64 returns a record past the end", "getdents64:arg1+16/2:set:4000", sc_getdents, VIOLATION, "getdents64", 0},
    {"getdents64 returns more than asked", "getdents64:ret:set:513", sc_getdents, VIOLATION, "getdents64", 0},
    {"readlinkat into a block-sized buffer claims more than fits after the path", "readlinkat:ret:set:4050",
     sc_readlink_big, VIOLATION, "readlinkat", 0},
    {"FIONREAD returns a negative count", "ioctl:arg2/4:set:-1", sc_fionread, VIOLATION, "ioctl(FIONREAD)", 0},
    {"lseek SEEK_SET lands elsewhere", "lseek:ret:add:1", sc_lseek, VIOLATION, "lseek", 0},
    {"F_GETFD returns unknown flags", "fcntl:ret:set:6", sc_getfd, VIOLATION, "fcntl(F_GETFD)", 0},
    {"close returns a positive value", "close:ret:set:1", sc_close, VIOLATION, "close", 0},
    {"nanosleep reports an interruption", "clock_nanosleep:ret:set:-4", sc_sleep, ERROR, NULL, -EINTR},
    {"the host skips the batch (stale response sequence)", "read:rsp_seq:add:-1", sc_read, VIOLATION, "read", 0},
    {"the host answers a batch from the future", "write:rsp_seq:add:5", sc_write, VIOLATION, "write", 0},
};

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    harness_allow(tmpdir);
    int pass = 0, fail = 0;
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        const struct scenario *s = &scenarios[i];
        static struct harness h;
        harness_init(&h, 4096);
        harness_give(&h, 0, open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
        harness_give(&h, 1, open("/dev/null", O_WRONLY | O_CLOEXEC), 0);
        harness_give(&h, 2, open("/dev/null", O_WRONLY | O_CLOEXEC), 0);
        char err[200];
        struct sp_hostile hs;
        if (sp_hostile_parse(&hs, s->spec, err, sizeof err) != 0) {
            printf("FAIL %s: %s\n", s->what, err);
            fail++;
            harness_free(&h);
            continue;
        }
        sp_hostile_set(&hs);
        struct outcome o = s->run(&h);
        char why[300] = "";
        if (!sp_hostile_state()->fired)
            snprintf(why, sizeof why, "the corruption never happened (test bug)");
        else if (h.double_reads)
            snprintf(why, sizeof why, "the client read a reply field twice");
        else if (s->expect == VIOLATION) {
            if (h.violations != 1)
                snprintf(why, sizeof why, "%d violations reported (expected 1), result %lld",
                         h.violations, (long long)o.ret);
            else if (strcmp(h.last_call, s->call) != 0)
                snprintf(why, sizeof why, "the violation names '%s', not '%s'", h.last_call, s->call);
            else if (o.ret != -EIO)
                snprintf(why, sizeof why, "the call returned %lld, not -EIO", (long long)o.ret);
            else if (!o.clean)
                snprintf(why, sizeof why, "part of the bad reply reached the caller");
            else {
                /* Once broken, the Keep never touches the block again. */
                uint64_t calls = h.host.calls;
                if (sp_write(&h.keep, 1, "x", 1) != -EIO || h.host.calls != calls)
                    snprintf(why, sizeof why, "the client kept using the sallyport after a violation");
            }
        } else {
            if (h.violations)
                snprintf(why, sizeof why, "unexpected violation: %s: %s", h.last_call, h.last_what);
            else if (o.ret != s->error)
                snprintf(why, sizeof why, "result %lld, expected %lld", (long long)o.ret,
                         (long long)s->error);
        }
        if (why[0]) {
            printf("FAIL %s (%s): %s\n", s->what, s->spec, why);
            fail++;
        } else {
            if (h.violations)
                printf("ok   %s [%s]: violation in %s: %s (%lld)\n", s->what, s->spec, h.last_call,
                       h.last_what, (long long)h.last_value);
            else
                printf("ok   %s [%s]: the caller gets %lld\n", s->what, s->spec, (long long)o.ret);
            pass++;
        }
        harness_free(&h);
    }
    char path[300];
    snprintf(path, sizeof path, "%s/f", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    printf("%d passed, %d failed\n", pass, fail);
    return fail != 0;
}
