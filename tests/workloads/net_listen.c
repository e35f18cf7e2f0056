/* Upstream's listen scenario: fd 3 ("ingest") is a listening socket from
 * Enarx.toml (tcp or tls), fd 4 ("ping") another one. Accepts three
 * connections: blocking, blocking, then non-blocking with poll_oneoff; on each
 * it reads one line and answers with the line reversed. */
#include "check.h"

#define LISTENER 3

static int read_line(__wasi_fd_t fd, char *buf, size_t cap, int nonblocking)
{
    size_t len = 0;
    while (len < cap - 1) {
        __wasi_iovec_t iov = {(uint8_t *)buf + len, 1};
        size_t n = 0;
        __wasi_roflags_t ro;
        __wasi_errno_t e = __wasi_sock_recv(fd, &iov, 1, 0, &n, &ro);
        if (e == __WASI_ERRNO_AGAIN && nonblocking) {
            __wasi_subscription_t sub;
            memset(&sub, 0, sizeof sub);
            sub.u.tag = __WASI_EVENTTYPE_FD_READ;
            sub.u.u.fd_read.file_descriptor = fd;
            __wasi_event_t ev;
            if (__wasi_poll_oneoff(&sub, &ev, 1, &n) != 0)
                break;
            continue;
        }
        if (e || n == 0)
            break;
        if (buf[len++] == '\n')
            break;
    }
    buf[len] = 0;
    return (int)len;
}

static void serve(__wasi_fd_t conn, int nonblocking, int number)
{
    char line[256], reply[256];
    int len = read_line(conn, line, sizeof line, nonblocking);
    int body = len > 0 && line[len - 1] == '\n' ? len - 1 : len;
    for (int i = 0; i < body; i++)
        reply[i] = line[body - 1 - i];
    reply[body] = '\n';
    size_t sent = 0;
    while (sent < (size_t)body + 1) {
        __wasi_ciovec_t iov = {(const uint8_t *)reply + sent, (size_t)body + 1 - sent};
        size_t n = 0;
        __wasi_errno_t e = __wasi_sock_send(conn, &iov, 1, 0, &n);
        if (e == __WASI_ERRNO_AGAIN)
            continue;
        if (e)
            break;
        sent += n;
    }
    printf("connection %d: %.*s\n", number, body, line);
    EXPECT_OK("sock_shutdown", __wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR));
    EXPECT_OK("fd_close connection", __wasi_fd_close(conn));
}

int main(void)
{
    verbose = 0;
    const char *count = getenv("FD_COUNT"), *names = getenv("FD_NAMES");
    EXPECT("FD_COUNT=5", count && strcmp(count, "5") == 0, "%s", count ? count : "(unset)");
    EXPECT("FD_NAMES", names && strcmp(names, "stdin:stdout:stderr:ingest:ping") == 0, "%s",
           names ? names : "(unset)");
    __wasi_fdstat_t st;
    EXPECT_OK("fd_fdstat_get listener", __wasi_fd_fdstat_get(LISTENER, &st));
    EXPECT("listener is a stream socket", st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM, "%d", st.fs_filetype);
    EXPECT("listener may accept", st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT, NULL);
    EXPECT_OK("fd_fdstat_get ping", __wasi_fd_fdstat_get(4, &st));
    fflush(stdout);

    for (int i = 1; i <= 2; i++) {
        __wasi_fd_t conn;
        EXPECT_OK("sock_accept blocking", __wasi_sock_accept(LISTENER, 0, &conn));
        serve(conn, 0, i);
        fflush(stdout);
    }
    EXPECT_OK("listener NONBLOCK", __wasi_fd_fdstat_set_flags(LISTENER, __WASI_FDFLAGS_NONBLOCK));
    __wasi_fd_t conn;
    __wasi_errno_t e;
    int waits = 0;
    while ((e = __wasi_sock_accept(LISTENER, __WASI_FDFLAGS_NONBLOCK, &conn)) == __WASI_ERRNO_AGAIN) {
        __wasi_subscription_t sub;
        memset(&sub, 0, sizeof sub);
        sub.userdata = 9;
        sub.u.tag = __WASI_EVENTTYPE_FD_READ;
        sub.u.u.fd_read.file_descriptor = LISTENER;
        __wasi_event_t ev;
        size_t n;
        if (__wasi_poll_oneoff(&sub, &ev, 1, &n) != 0)
            break; /* then sock_accept's EXPECT below fails with EAGAIN */
        waits++;
    }
    EXPECT_OK("sock_accept non-blocking", e);
    EXPECT_OK("fd_fdstat_get accepted", __wasi_fd_fdstat_get(conn, &st));
    EXPECT("accepted fd is non-blocking", st.fs_flags & __WASI_FDFLAGS_NONBLOCK, "%d", st.fs_flags);
    serve(conn, 1, 3);
    EXPECT_ERR("sock_accept bad flags", __wasi_sock_accept(LISTENER, __WASI_FDFLAGS_APPEND, &conn),
               __WASI_ERRNO_INVAL);
    return finish("net_listen");
}
