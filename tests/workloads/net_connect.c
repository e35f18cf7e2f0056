/* Upstream's connect scenario: fd 3 is a stream Enarx.toml connected (tcp or
 * tls) to a peer that answers every line with the line reversed. Blocking
 * then non-blocking I/O, poll_oneoff, sock_recv flags, sock_shutdown.
 * Prints each reply, so the test can compare the whole conversation. */
#include "check.h"

#define SOCK 3

static size_t send_all(const char *s)
{
    size_t len = strlen(s), done = 0;
    while (done < len) {
        __wasi_ciovec_t iov = {(const uint8_t *)s + done, len - done};
        size_t n = 0;
        __wasi_errno_t e = __wasi_sock_send(SOCK, &iov, 1, 0, &n);
        if (e == __WASI_ERRNO_AGAIN)
            continue;
        if (e) {
            printf("sock_send: errno %d\n", e);
            exit(1);
        }
        done += n;
    }
    return done;
}

static void wait_readable(void)
{
    __wasi_subscription_t subs[2];
    memset(subs, 0, sizeof subs);
    subs[0].userdata = 1;
    subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    subs[0].u.u.fd_read.file_descriptor = SOCK;
    subs[1].userdata = 2;
    subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[1].u.u.clock.timeout = 10000000000ull;
    __wasi_event_t ev[2];
    size_t n = 0;
    __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, 2, &n);
    /* counted only when it fails: how often we wait depends on timing */
    if (!(e == 0 && n >= 1 && ev[0].userdata == 1 && ev[0].error == 0))
        result(0, "poll_oneoff: the socket became readable", "errno %d n %zu userdata %llu", e, n,
               (unsigned long long)ev[0].userdata);
}

/* Reads one line; non-blocking mode waits with poll_oneoff on EAGAIN. */
static int read_line(char *buf, size_t cap, int nonblocking)
{
    size_t len = 0;
    while (len < cap - 1) {
        __wasi_iovec_t iov = {(uint8_t *)buf + len, 1};
        size_t n = 0;
        __wasi_roflags_t ro;
        __wasi_errno_t e = __wasi_sock_recv(SOCK, &iov, 1, 0, &n, &ro);
        if (e == __WASI_ERRNO_AGAIN && nonblocking) {
            wait_readable();
            continue;
        }
        if (e) {
            printf("sock_recv: errno %d\n", e);
            return -1;
        }
        if (n == 0)
            break;
        if (buf[len++] == '\n')
            break;
    }
    buf[len] = 0;
    return (int)len;
}

int main(void)
{
    verbose = 0;
    const char *count = getenv("FD_COUNT"), *names = getenv("FD_NAMES");
    EXPECT("FD_COUNT=4", count && strcmp(count, "4") == 0, "%s", count ? count : "(unset)");
    EXPECT("FD_NAMES", names && strcmp(names, "stdin:stdout:stderr:stream") == 0, "%s", names ? names : "(unset)");
    __wasi_fdstat_t st;
    EXPECT_OK("fd_fdstat_get", __wasi_fd_fdstat_get(SOCK, &st));
    EXPECT("fd 3 is a stream socket", st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM, "%d", st.fs_filetype);

    char line[256];
    /* blocking */
    send_all("hello from the Keep\n");
    read_line(line, sizeof line, 0);
    printf("reply 1: %s", line);

    /* peek, then read the same bytes; and WAITALL for an exact count */
    send_all("abcdef\n");
    char peek[3] = {0}, got[8] = {0};
    __wasi_iovec_t iov = {(uint8_t *)peek, 2};
    size_t n = 0;
    __wasi_roflags_t ro;
    EXPECT_OK("sock_recv PEEK", __wasi_sock_recv(SOCK, &iov, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &ro));
    __wasi_iovec_t all = {(uint8_t *)got, 7};
    EXPECT_OK("sock_recv WAITALL", __wasi_sock_recv(SOCK, &all, 1, __WASI_RIFLAGS_RECV_WAITALL, &n, &ro));
    EXPECT("peek saw what recv got", n == 7 && memcmp(peek, got, 2) == 0 && memcmp(got, "fedcba\n", 7) == 0,
           "n %zu peek '%s' got '%s'", n, peek, got);
    printf("reply 2: %s", got);

    /* non-blocking: nothing to read yet */
    EXPECT_OK("fd_fdstat_set_flags NONBLOCK", __wasi_fd_fdstat_set_flags(SOCK, __WASI_FDFLAGS_NONBLOCK));
    char c;
    __wasi_iovec_t one = {(uint8_t *)&c, 1};
    EXPECT_ERR("non-blocking sock_recv with nothing there", __wasi_sock_recv(SOCK, &one, 1, 0, &n, &ro),
               __WASI_ERRNO_AGAIN);
    send_all("non-blocking now\n");
    read_line(line, sizeof line, 1);
    printf("reply 3: %s", line);

    /* poll_oneoff says how many bytes wait (the runtime reads them ahead:
     * issue 14), and reads of every kind take them in order, none twice */
    send_all("read ahead\n");
    __wasi_subscription_t sub;
    memset(&sub, 0, sizeof sub);
    sub.u.tag = __WASI_EVENTTYPE_FD_READ;
    sub.u.u.fd_read.file_descriptor = SOCK;
    __wasi_event_t ev;
    EXPECT_OK("poll_oneoff on the reply", __wasi_poll_oneoff(&sub, &ev, 1, &n));
    EXPECT("poll_oneoff: nbytes is the whole reply", n == 1 && ev.error == 0 && ev.fd_readwrite.nbytes == 11,
           "n %zu error %d nbytes %llu", n, ev.error, (unsigned long long)ev.fd_readwrite.nbytes);
    char part[12] = {0};
    __wasi_iovec_t p3 = {(uint8_t *)part, 3};
    EXPECT_OK("sock_recv PEEK from what was read ahead", __wasi_sock_recv(SOCK, &p3, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &ro));
    EXPECT("peek: the first 3 bytes", n == 3 && memcmp(part, "dae", 3) == 0, "n %zu '%.3s'", n, part);
    __wasi_iovec_t p4 = {(uint8_t *)part, 4};
    EXPECT_OK("sock_recv 4 of 11", __wasi_sock_recv(SOCK, &p4, 1, 0, &n, &ro));
    __wasi_iovec_t rest = {(uint8_t *)part + 4, 7};
    size_t n2 = 0;
    EXPECT_OK("sock_recv WAITALL for the other 7", __wasi_sock_recv(SOCK, &rest, 1, __WASI_RIFLAGS_RECV_WAITALL, &n2, &ro));
    EXPECT("the reply whole, in order", n == 4 && n2 == 7 && memcmp(part, "daeha daer\n", 11) == 0,
           "n %zu n2 %zu '%s'", n, n2, part);
    printf("reply 3b: %s", part);

    /* fd_read/fd_write work on sockets too */
    __wasi_ciovec_t w = {(const uint8_t *)"via fd_write\n", 13};
    EXPECT_OK("fd_write on the socket", __wasi_fd_write(SOCK, &w, 1, &n));
    read_line(line, sizeof line, 1);
    printf("reply 4: %s", line);

    EXPECT_ERR("sock_shutdown bad how", __wasi_sock_shutdown(SOCK, 0), __WASI_ERRNO_INVAL);
    EXPECT_ERR("sock_shutdown on stdout", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
    EXPECT_ERR("sock_accept on a stream", __wasi_sock_accept(SOCK, 0, &(__wasi_fd_t){0}), __WASI_ERRNO_INVAL,
               __WASI_ERRNO_NOTSUP, __WASI_ERRNO_NOTCAPABLE);
    EXPECT_OK("sock_shutdown WR", __wasi_sock_shutdown(SOCK, __WASI_SDFLAGS_WR));
    int end = read_line(line, sizeof line, 1);
    EXPECT("end of stream after shutdown", end == 0, "%d", end);
    EXPECT_OK("fd_close", __wasi_fd_close(SOCK));
    return finish("net_connect");
}
