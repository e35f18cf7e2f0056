/* Sallyport unit tests: every call through the Keep-side client and the
 * host executor in one process, against real host resources (pipes, files,
 * loopback sockets), with every reply load traced (nothing read twice), and
 * the executor's own checks of what a Keep sends. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static char tmpdir[] = "/tmp/sallyport-unit-XXXXXX";

static struct harness H;

static void setup(uint64_t data)
{
    harness_init(&H, data);
    harness_give(&H, 0, open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
    harness_give(&H, 1, open("/dev/null", O_WRONLY | O_CLOEXEC), 0);
    harness_give(&H, 2, open("/dev/null", O_WRONLY | O_CLOEXEC), 0);
}

static void teardown(void)
{
    CHECK_EQ_INT(H.double_reads, 0);
    CHECK_EQ_INT(H.violations, 0);
    CHECK_EQ_INT(H.null_buffers, 0);
    harness_free(&H);
}

static void test_pipe_rw(void)
{
    setup(4096);
    struct sp_keep *k = &H.keep;
    int fds[2];
    CHECK_EQ_INT(sp_pipe2(k, fds, 0), 0);
    CHECK_EQ_INT(fds[0], 3);
    CHECK_EQ_INT(fds[1], 4);
    CHECK_EQ_INT(sp_write(k, fds[1], "hello", 5), 5);
    int32_t avail = -1;
    CHECK_EQ_INT(sp_ioctl(k, fds[0], 0x541B, &avail), 0);
    CHECK_EQ_INT(avail, 5);
    char buf[16] = {0};
    CHECK_EQ_INT(sp_read(k, fds[0], buf, sizeof buf), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    /* readv/writev gather and scatter. */
    struct sp_iovec out[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    CHECK_EQ_INT(sp_writev(k, fds[1], out, 3), 6);
    char a[3] = {0}, b[8] = {0};
    struct sp_iovec in[2] = {{a, 2}, {b, 8}};
    CHECK_EQ_INT(sp_readv(k, fds[0], in, 2), 6);
    CHECK_EQ_STR(a, "ab");
    CHECK_EQ_STR(b, "cdef");
    /* Closed and never-open fds fail without reaching the host. */
    CHECK_EQ_INT(sp_close(k, fds[1]), 0);
    CHECK_EQ_INT(sp_write(k, fds[1], "x", 1), -EBADF);
    CHECK_EQ_INT(sp_read(k, 77, buf, 1), -EBADF);
    CHECK_EQ_INT(sp_read(k, fds[0], buf, 1), 0); /* EOF */
    /* The lowest free fd is reused. */
    CHECK_EQ_INT(sp_dup(k, fds[0]), 4);
    CHECK_EQ_INT(sp_dup3(k, fds[0], 9, 0), 9);
    CHECK_EQ_INT(sp_fcntl(k, 9, 0 /* F_DUPFD */, 7), 7);
    CHECK_EQ_INT(sp_fcntl(k, 9, 3 /* F_GETFL */, 0), O_RDONLY);
    CHECK_EQ_INT(sp_fcntl(k, 9, 1 /* F_GETFD */, 0), 0);
    CHECK_EQ_INT(sp_dup3(k, 9, 9, 0), -EINVAL);
    teardown();
}

/* A file written and read back in more than one block's worth. */
static void test_file_big(void)
{
    setup(4096);
    struct sp_keep *k = &H.keep;
    char path[256];
    snprintf(path, sizeof path, "%s/big", tmpdir);
    int fd = (int)sp_openat(k, -100, path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_EQ_INT(fd, 3);
    enum { N = 100000 };
    static uint8_t out[N], in[N];
    for (int i = 0; i < N; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    CHECK_EQ_INT(sp_write(k, fd, out, N), N);
    uint8_t st[SP_STAT_SIZE];
    CHECK_EQ_INT(sp_fstat(k, fd, st), 0);
    CHECK_EQ_INT(((struct stat *)st)->st_size, N);
    CHECK_EQ_INT(sp_lseek(k, fd, 0, SEEK_SET), 0);
    uint64_t got = 0;
    for (int i = 0; i < 100 && got < N; i++) {
        int64_t r = sp_read(k, fd, in + got, N - got);
        if (r <= 0)
            break;
        CHECK(r <= 4096); /* never more than a block */
        got += (uint64_t)r;
    }
    CHECK_EQ_INT(got, N);
    CHECK(memcmp(in, out, N) == 0);
    CHECK_EQ_INT(sp_pread(k, fd, in, 10, 1000), 10);
    CHECK(memcmp(in, out + 1000, 10) == 0);
    CHECK_EQ_INT(sp_pwrite(k, fd, "ZZ", 2, 5), 2);
    CHECK_EQ_INT(sp_ftruncate(k, fd, 50), 0);
    CHECK_EQ_INT(sp_fsync(k, fd, 0), 0);
    CHECK_EQ_INT(sp_fstat(k, fd, st), 0);
    CHECK_EQ_INT(((struct stat *)st)->st_size, 50);
    /* Directory listing through getdents64. */
    int dfd = (int)sp_openat(k, -100, tmpdir, O_RDONLY | O_DIRECTORY, 0);
    CHECK(dfd >= 0);
    /* Which file system it is on (the exec refuses pseudo file systems). */
    struct statfs sf_keep, sf_host;
    CHECK_EQ_INT(sp_fstatfs(k, dfd, &sf_keep), 0);
    CHECK(statfs(tmpdir, &sf_host) == 0 && sf_keep.f_type == sf_host.f_type);
    CHECK_EQ_INT(sp_fstatfs(k, 77, &sf_keep), -EBADF);
    uint8_t dents[2048];
    int64_t n = sp_getdents64(k, dfd, dents, sizeof dents);
    CHECK(n > 0);
    int found = 0;
    for (int64_t pos = 0; pos < n;) {
        uint16_t reclen;
        memcpy(&reclen, dents + pos + 16, 2);
        if (strcmp((char *)dents + pos + 19, "big") == 0)
            found = 1;
        pos += reclen;
    }
    CHECK(found);
    /* The host's policy decides what a Keep may open. */
    CHECK_EQ_INT(sp_openat(k, -100, "/etc/passwd", O_RDONLY, 0), -EACCES);
    teardown();
}

static void test_tcp(void)
{
    setup(8192);
    struct sp_keep *k = &H.keep;
    int l = (int)sp_socket(k, AF_INET, SOCK_STREAM, 0);
    CHECK_EQ_INT(l, 3);
    int one = 1;
    CHECK_EQ_INT(sp_setsockopt(k, l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_EQ_INT(sp_bind(k, l, &sa, sizeof sa), 0);
    CHECK_EQ_INT(sp_listen(k, l, 4), 0);
    struct sockaddr_in bound;
    uint32_t blen = sizeof bound;
    CHECK_EQ_INT(sp_getsockname(k, l, &bound, &blen), 0);
    CHECK_EQ_INT(blen, sizeof bound);
    CHECK(bound.sin_port != 0);
    int val = 0;
    uint32_t vlen = sizeof val;
    CHECK_EQ_INT(sp_getsockopt(k, l, SOL_SOCKET, SO_REUSEADDR, &val, &vlen), 0);
    CHECK_EQ_INT(vlen, sizeof val);
    CHECK(val != 0);
    int c = (int)sp_socket(k, AF_INET, SOCK_STREAM, 0);
    CHECK_EQ_INT(sp_connect(k, c, &bound, sizeof bound), 0);
    struct sockaddr_in peer;
    uint32_t plen = sizeof peer;
    int a = (int)sp_accept4(k, l, &peer, &plen, 0);
    CHECK_EQ_INT(a, 5);
    CHECK_EQ_INT(plen, sizeof peer);
    CHECK_EQ_INT(peer.sin_family, AF_INET);
    CHECK_EQ_INT(sp_sendto(k, c, "ping", 4, 0, NULL, 0), 4);
    struct sp_pollfd p[2] = {{a, POLLIN, 0}, {c, POLLIN, 0}};
    struct sp_timespec t = {1, 0};
    CHECK_EQ_INT(sp_poll(k, p, 2, &t), 1);
    CHECK_EQ_INT(p[0].revents, POLLIN);
    CHECK_EQ_INT(p[1].revents, 0);
    char buf[8] = {0};
    uint32_t alen = 16;
    struct sockaddr_in from;
    CHECK_EQ_INT(sp_recvfrom(k, a, buf, sizeof buf, 0, &from, &alen), 4);
    CHECK_EQ_STR(buf, "ping");
    CHECK_EQ_INT(alen, 0); /* streams carry no source address */
    CHECK_EQ_INT(sp_getpeername(k, c, &peer, &plen), 0);
    CHECK_EQ_INT(peer.sin_port, bound.sin_port);
    CHECK_EQ_INT(sp_shutdown(k, c, SHUT_WR), 0);
    CHECK_EQ_INT(sp_read(k, a, buf, sizeof buf), 0);
    /* poll on an fd the Keep knows is closed: POLLNVAL, answered at once. */
    struct sp_pollfd bad[2] = {{42, POLLIN, 0}, {a, POLLOUT, 0}};
    CHECK_EQ_INT(sp_poll(k, bad, 2, NULL), 2);
    CHECK_EQ_INT(bad[0].revents, POLLNVAL);
    CHECK_EQ_INT(bad[1].revents, POLLOUT);
    /* Not-a-socket and unsupported families are refused in the Keep. */
    CHECK_EQ_INT(sp_listen(k, 0, 1), -ENOTSOCK);
    CHECK_EQ_INT(sp_socket(k, AF_PACKET, SOCK_RAW, 0), -EAFNOSUPPORT);
    teardown();
}

static void test_udp_unix(void)
{
    setup(8192);
    struct sp_keep *k = &H.keep;
    int s = (int)sp_socket(k, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    CHECK_EQ_INT(sp_bind(k, s, &sa, sizeof sa), 0);
    struct sockaddr_in6 me;
    uint32_t mlen = sizeof me;
    CHECK_EQ_INT(sp_getsockname(k, s, &me, &mlen), 0);
    CHECK_EQ_INT(sp_sendto(k, s, "dgram", 5, 0, &me, sizeof me), 5);
    char buf[16] = {0};
    struct sockaddr_in6 from;
    uint32_t flen = sizeof from;
    CHECK_EQ_INT(sp_recvfrom(k, s, buf, sizeof buf, 0, &from, &flen), 5);
    CHECK_EQ_INT(flen, sizeof from);
    CHECK_EQ_INT(from.sin6_port, me.sin6_port);
    /* A too-small address buffer gets the truncated address and the real length. */
    CHECK_EQ_INT(sp_sendto(k, s, "x", 1, 0, &me, sizeof me), 1);
    uint8_t small[4];
    uint32_t slen = sizeof small;
    CHECK_EQ_INT(sp_recvfrom(k, s, buf, sizeof buf, 0, small, &slen), 1);
    CHECK_EQ_INT(slen, sizeof me);
    int sv[2];
    CHECK_EQ_INT(sp_socketpair(k, AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ_INT(sp_write(k, sv[0], "u", 1), 1);
    CHECK_EQ_INT(sp_read(k, sv[1], buf, 1), 1);
    struct sockaddr_un un;
    uint32_t ulen = sizeof un;
    CHECK_EQ_INT(sp_getsockname(k, sv[0], &un, &ulen), 0);
    CHECK_EQ_INT(ulen, 2); /* unnamed */
    teardown();
}

static void test_time(void)
{
    setup(4096);
    struct sp_keep *k = &H.keep;
    struct sp_timespec a, b, r;
    CHECK_EQ_INT(sp_clock_gettime(k, 1, &a), 0);
    struct sp_timespec d = {0, 2000000};
    CHECK_EQ_INT(sp_clock_nanosleep(k, 1, 0, &d, NULL), 0);
    CHECK_EQ_INT(sp_clock_gettime(k, 1, &b), 0);
    CHECK((b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec) >= 2000000);
    CHECK_EQ_INT(sp_clock_getres(k, 1, &r), 0);
    CHECK(r.tv_sec == 0 && r.tv_nsec > 0);
    CHECK_EQ_INT(sp_clock_gettime(k, 0, &a), 0);
    CHECK(a.tv_sec > 1600000000);
    CHECK_EQ_INT(sp_clock_gettime(k, 99, &a), -EINVAL);
    teardown();
}

/* Coalesced writes travel with the next call and keep their order. */
static void test_coalesce(void)
{
    setup(4096);
    struct sp_keep *k = &H.keep;
    k->coalesce = 1;
    int fds[2];
    CHECK_EQ_INT(sp_pipe2(k, fds, 0), 0);
    uint64_t before = k->batches;
    CHECK_EQ_INT(sp_write(k, fds[1], "a", 1), 1);
    CHECK_EQ_INT(sp_write(k, fds[1], "bc", 2), 2);
    CHECK_EQ_INT(k->batches, before); /* nothing sent yet */
    char buf[8] = {0};
    CHECK_EQ_INT(sp_read(k, fds[0], buf, sizeof buf), 3);
    CHECK_EQ_STR(buf, "abc");
    CHECK_EQ_INT(k->batches, before + 1); /* writes and read in one batch */
    /* A failed deferred write is reported by the next write to that fd. */
    CHECK_EQ_INT(sp_close(k, fds[0]), 0);
    CHECK_EQ_INT(sp_write(k, fds[1], "x", 1), 1);
    CHECK_EQ_INT(sp_flush(k), 0);
    CHECK_EQ_INT(sp_write(k, fds[1], "y", 1), -EPIPE);
    teardown();
}

/* Calls whose buffers do not all fit in the block: the Keep never stages a
 * buffer it could not place (the harness counts any SP_NULL buffer the host
 * is sent), shortens transfers as Linux may (reads, stream sends, readlink,
 * log messages), and refuses what cannot be shortened before the host sees
 * it. A 4 KiB data area, the smallest the VMM allows. */
static void test_block_full(void)
{
    setup(4096);
    struct sp_keep *k = &H.keep;
    char path[4200];
    static uint8_t big[8192], got[8192];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13 + 1);

    /* readlink into a block-sized buffer, after the path */
    snprintf(path, sizeof path, "%s/link", tmpdir);
    CHECK_EQ_INT(symlink("target-of-link", path), 0);
    char target[4096];
    memset(target, 0, sizeof target);
    CHECK_EQ_INT(sp_readlinkat(k, AT_FDCWD, path, target, sizeof target), 14);
    CHECK_EQ_STR(target, "target-of-link");
    unlink(path);

    /* recvfrom into a buffer the size of the block, with a source address */
    int u = (int)sp_socket(k, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}, me, from;
    uint32_t mlen = sizeof me, flen = sizeof from;
    CHECK_EQ_INT(sp_bind(k, u, &sa, sizeof sa), 0);
    CHECK_EQ_INT(sp_getsockname(k, u, &me, &mlen), 0);
    CHECK_EQ_INT(sp_sendto(k, u, big, 1000, 0, &me, sizeof me), 1000);
    CHECK_EQ_INT(sp_recvfrom(k, u, got, sizeof got, 0, &from, &flen), 1000);
    CHECK(memcmp(got, big, 1000) == 0);
    CHECK_EQ_INT(flen, sizeof from);
    CHECK_EQ_INT(from.sin_port, me.sin_port);
    /* a datagram that cannot travel whole is refused, never cut */
    CHECK_EQ_INT(sp_sendto(k, u, big, sizeof big, 0, &me, sizeof me), -EMSGSIZE);

    /* a stream send with an (ignored) IPv6 address and more than fits: a short send */
    int l = (int)sp_socket(k, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT}, bound;
    uint32_t blen = sizeof bound;
    CHECK_EQ_INT(sp_bind(k, l, &sa6, sizeof sa6), 0);
    CHECK_EQ_INT(sp_listen(k, l, 1), 0);
    CHECK_EQ_INT(sp_getsockname(k, l, &bound, &blen), 0);
    int c = (int)sp_socket(k, AF_INET6, SOCK_STREAM, 0);
    CHECK_EQ_INT(sp_connect(k, c, &bound, sizeof bound), 0);
    int a = (int)sp_accept4(k, l, NULL, NULL, 0);
    CHECK(a >= 0);
    int64_t sent = sp_sendto(k, c, big, sizeof big, 0, &bound, sizeof bound);
    CHECK(sent > 0 && sent < 4096);
    int64_t have = 0;
    for (int i = 0; i < 50 && have < sent; i++) {
        int64_t r = sp_read(k, a, got + have, (uint64_t)(sent - have));
        if (r <= 0)
            break;
        have += r;
    }
    CHECK_EQ_INT(have, sent);
    CHECK(memcmp(got, big, (size_t)sent) == 0);

    /* a path that leaves no room for the rest: refused before the host sees it */
    int n = snprintf(path, sizeof path, "%s/", tmpdir);
    memset(path + n, 'p', 4000 - (size_t)n);
    path[4000] = 0;
    uint64_t calls = H.host.calls;
    uint8_t st[SP_STAT_SIZE];
    CHECK_EQ_INT(sp_fstatat(k, AT_FDCWD, path, st, 0), -ENAMETOOLONG);
    path[4090] = 0;
    memset(path + 4000, 'q', 90);
    struct sp_timespec times[2] = {{1, 0}, {2, 0}};
    CHECK_EQ_INT(sp_utimensat(k, AT_FDCWD, path, times, 0), -ENAMETOOLONG);
    /* more pollfds than the block holds */
    static struct sp_pollfd many[1000];
    for (int i = 0; i < 1000; i++)
        many[i] = (struct sp_pollfd){-1, POLLIN, 0};
    struct sp_timespec now = {0, 0};
    CHECK_EQ_INT(sp_poll(k, many, 1000, &now), -ENOMEM);
    CHECK_EQ_INT(H.host.calls, calls);
    teardown();

    /* a log message bigger than the room that coalesced writes leave: the
     * writes go out intact, the message is shortened */
    setup(4096);
    k = &H.keep;
    k->coalesce = 1;
    int fds[2];
    CHECK_EQ_INT(sp_pipe2(k, fds, 0), 0);
    CHECK_EQ_INT(sp_write(k, fds[1], big, 1500), 1500);
    static char msg[3000];
    memset(msg, 'm', sizeof msg);
    CHECK_EQ_INT(sp_log(k, 3, msg, sizeof msg), 0);
    CHECK_EQ_INT(sp_flush(k), 0);
    memset(got, 0, sizeof got);
    CHECK_EQ_INT(sp_read(k, fds[0], got, sizeof got), 1500);
    CHECK(memcmp(got, big, 1500) == 0);
    CHECK(H.logged > 0 && H.logged <= sizeof msg);
    teardown();
}

/* The host checks what the Keep sends: offsets, lengths, counts, fds. */
static void raw_call(struct harness *h, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                     uint64_t a3, int64_t expect)
{
    struct sp_header *hdr = (struct sp_header *)(void *)h->block;
    hdr->ncalls = 1;
    hdr->req_seq++;
    hdr->call[0] = (struct sp_call){nr, {a0, a1, a2, a3, 0, 0}, 0};
    CHECK_EQ_INT(sp_host_run_batch(&h->host, h->block, h->data_size), 0);
    CHECK_EQ_INT(hdr->call[0].ret, expect);
    CHECK_EQ_INT(hdr->rsp_seq, hdr->req_seq);
}

static void test_host_checks(void)
{
    setup(4096);
    int p[2];
    if (pipe(p) != 0)
        return;
    harness_give(&H, 3, p[0], 0);
    harness_give(&H, 4, p[1], 0);
    raw_call(&H, SP_WRITE, 4, 4000, 200, 0, -EFAULT);            /* past the data area */
    raw_call(&H, SP_WRITE, 4, UINT64_MAX - 10, 20, 0, -EFAULT);  /* wraps around */
    raw_call(&H, SP_READ, 3, 0, UINT64_MAX, 0, -EFAULT);
    raw_call(&H, SP_WRITE, 99, 0, 1, 0, -EBADF);                  /* not the Keep's fd */
    raw_call(&H, SP_WRITE, 1ull << 40, 0, 1, 0, -EBADF);
    raw_call(&H, SP_OPENAT, (uint64_t)-100, 0, 0, 0, -ENAMETOOLONG);
    memcpy(H.block + SP_HEADER_SIZE, "/etc", 4);                  /* no NUL within the length */
    raw_call(&H, SP_OPENAT, (uint64_t)-100, 0, 4, 0, -EINVAL);
    raw_call(&H, SP_POLL, 0, 100000, SP_NULL, 0, -EINVAL);        /* too many pollfds */
    raw_call(&H, SP_BIND, 3, 0, 4096, 0, -EINVAL);                /* address too long */
    raw_call(&H, SP_IOCTL, 3, 0x5401, 0, 99, -EINVAL);            /* wrong argument size */
    raw_call(&H, SP_IOCTL, 3, 0xdead, 0, 0, -ENOTTY);             /* not a forwarded ioctl */
    raw_call(&H, SP_FCNTL, 3, 6 /* F_SETLK */, 0, 0, -EINVAL);
    raw_call(&H, 0x7777, 0, 0, 0, 0, -ENOSYS);
    raw_call(&H, SP_CLOCK_GETTIME, 1, 4090, 0, 0, -EFAULT);
    raw_call(&H, SP_SOCKET, AF_NETLINK, SOCK_RAW, 0, 0, -EAFNOSUPPORT);
    /* A batch with more calls than slots is refused as a whole. */
    struct sp_header *hdr = (struct sp_header *)(void *)H.block;
    hdr->ncalls = SP_MAX_CALLS + 1;
    CHECK_EQ_INT(sp_host_run_batch(&H.host, H.block, H.data_size), -1);
    CHECK(strstr(H.host.error, "batch") != NULL);
    teardown();
}

/* Replies changed by the "host" right after the Keep read them make no
 * difference: the Keep works from its single copy. */
static void test_mutate_after_read(void)
{
    setup(4096);
    H.mutate_after_read = 1;
    struct sp_keep *k = &H.keep;
    int fds[2];
    CHECK_EQ_INT(sp_pipe2(k, fds, 0), 0);
    for (int i = 0; i < 20; i++) {
        char msg[32], got[32] = {0};
        int n = snprintf(msg, sizeof msg, "message %d", i);
        CHECK_EQ_INT(sp_write(k, fds[1], msg, (uint64_t)n), n);
        CHECK_EQ_INT(sp_read(k, fds[0], got, sizeof got), n);
        CHECK(memcmp(got, msg, (size_t)n) == 0);
    }
    teardown();
}

static void test_exit_abort(void)
{
    setup(4096);
    struct sp_keep *k = &H.keep;
    sp_exit(k, 7);
    CHECK_EQ_INT(H.exits, 1);
    CHECK_EQ_INT(H.exit_status, 7);
    sp_abort(k, 1, SP_ABORT_PANIC, "bad thing", 9);
    CHECK_EQ_INT(H.aborts, 1);
    CHECK_EQ_STR(H.abort_msg, "bad thing");
    teardown();
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    harness_allow(tmpdir);
    test_pipe_rw();
    test_file_big();
    test_tcp();
    test_udp_unix();
    test_time();
    test_coalesce();
    test_block_full();
    test_host_checks();
    test_mutate_after_read();
    test_exit_abort();
    char path[300];
    snprintf(path, sizeof path, "%s/big", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return check_summary();
}
