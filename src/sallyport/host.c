/* Host side of the sallyport: the executor. See host.h.
 *
 * Every call is copied out of the block (struct sp_call) before it is looked
 * at; buffers the kernel reads or writes directly (read/write data) are
 * passed as checked pointers into the block, everything the host itself must
 * interpret (paths, addresses, pollfds, times) is copied first.
 */
#include "sallyport/host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define NEG(x) ((int64_t) - (x))

void sp_host_init(struct sp_host *h)
{
    memset(h, 0, sizeof *h);
    for (unsigned i = 0; i < SP_MAX_FD; i++)
        h->fds[i] = -1;
}

int sp_host_give_fd(struct sp_host *h, int keep_fd, int host_fd)
{
    if (keep_fd < 0 || (unsigned)keep_fd >= SP_MAX_FD || host_fd < 0 || h->fds[keep_fd] >= 0)
        return -1;
    h->fds[keep_fd] = host_fd;
    return 0;
}

void sp_host_close_all(struct sp_host *h)
{
    for (unsigned i = 0; i < SP_MAX_FD; i++)
        if (h->fds[i] >= 0) {
            close(h->fds[i]);
            h->fds[i] = -1;
        }
}

void *sp_host_data(struct sp_host *h, uint64_t off, uint64_t len)
{
    if (off > h->data_size || len > h->data_size - off)
        return NULL;
    return h->data + off;
}

/* ---- fds -------------------------------------------------------------- */

static int host_fd(const struct sp_host *h, uint64_t kfd)
{
    if (kfd >= SP_MAX_FD)
        return -1;
    return h->fds[kfd];
}

/* Gives a fresh host fd the lowest free Keep fd >= from, as POSIX would. */
static int64_t adopt(struct sp_host *h, int hfd, unsigned from)
{
    for (unsigned i = from; i < SP_MAX_FD; i++)
        if (h->fds[i] < 0) {
            h->fds[i] = hfd;
            return i;
        }
    close(hfd);
    return NEG(EMFILE);
}

static int64_t sys_result(long r)
{
    return r < 0 ? NEG(errno) : (int64_t)r;
}

/* ---- argument helpers ------------------------------------------------- */

/* Copies a NUL-terminated path of `len` bytes (NUL included) out of the block. */
static int64_t get_path(struct sp_host *h, uint64_t off, uint64_t len, char *out)
{
    if (len == 0 || len > SP_MAX_PATH)
        return NEG(ENAMETOOLONG);
    const char *p = sp_host_data(h, off, len);
    if (!p)
        return NEG(EFAULT);
    memcpy(out, p, len);
    if (out[len - 1] != 0 || strlen(out) != len - 1)
        return NEG(EINVAL);
    return 0;
}

/* Copies a NUL-terminated path at `off` (the NUL within SP_MAX_PATH bytes
 * and the data area) and asks the policy about it. */
static int64_t get_cpath(struct sp_host *h, uint64_t off, char *out, int flags)
{
    if (off >= h->data_size)
        return NEG(EFAULT);
    uint64_t room = h->data_size - off < SP_MAX_PATH ? h->data_size - off : SP_MAX_PATH;
    const char *p = (const char *)h->data + off;
    const char *nul = memchr(p, 0, room);
    if (!nul)
        return NEG(room == SP_MAX_PATH ? ENAMETOOLONG : EFAULT);
    memcpy(out, p, (size_t)(nul - p) + 1);
    if (!h->open_policy)
        return NEG(EACCES);
    int e = h->open_policy(h, out, flags);
    return e ? e : 0;
}

/* A Keep dirfd argument: AT_FDCWD or one of its fds. */
static int64_t get_dirfd(const struct sp_host *h, uint64_t arg, int *out)
{
    if ((int64_t)arg == AT_FDCWD) {
        *out = AT_FDCWD;
        return 0;
    }
    if ((*out = host_fd(h, arg)) < 0)
        return NEG(EBADF);
    return 0;
}

static int64_t get_timespec(struct sp_host *h, uint64_t off, struct timespec *ts)
{
    const void *p = sp_host_data(h, off, sizeof(struct sp_timespec));
    if (!p)
        return NEG(EFAULT);
    struct sp_timespec t;
    memcpy(&t, p, sizeof t);
    if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
        return NEG(EINVAL);
    ts->tv_sec = (time_t)t.tv_sec;
    ts->tv_nsec = (long)t.tv_nsec;
    return 0;
}

static int64_t put_timespec(struct sp_host *h, uint64_t off, const struct timespec *ts)
{
    void *p = sp_host_data(h, off, sizeof(struct sp_timespec));
    if (!p)
        return NEG(EFAULT);
    struct sp_timespec t = {ts->tv_sec, ts->tv_nsec};
    memcpy(p, &t, sizeof t);
    return 0;
}

static int valid_clock(uint64_t c)
{
    return c <= 7;
}

static int valid_domain(uint64_t d)
{
    return d == AF_UNIX || d == AF_INET || d == AF_INET6;
}

/* ---- the calls -------------------------------------------------------- */

static int64_t do_rw(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    void *buf = sp_host_data(h, c->arg[1], c->arg[2]);
    if (!buf)
        return NEG(EFAULT);
    if ((int64_t)c->arg[3] < 0 && (c->nr == SP_PREAD || c->nr == SP_PWRITE))
        return NEG(EINVAL);
    switch (c->nr) {
    case SP_READ: return sys_result(read(fd, buf, c->arg[2]));
    case SP_WRITE: return sys_result(write(fd, buf, c->arg[2]));
    case SP_PREAD: return sys_result(pread(fd, buf, c->arg[2], (off_t)c->arg[3]));
    default: return sys_result(pwrite(fd, buf, c->arg[2], (off_t)c->arg[3]));
    }
}

static int64_t do_openat(struct sp_host *h, const struct sp_call *c, int *stop)
{
    char path[SP_MAX_PATH];
    int64_t e = get_path(h, c->arg[1], c->arg[2], path);
    if (e < 0)
        return e;
    int dirfd = AT_FDCWD;
    if ((int64_t)c->arg[0] != AT_FDCWD && (dirfd = host_fd(h, c->arg[0])) < 0)
        return NEG(EBADF);
    int flags = (int)c->arg[3];
    if (!h->open_policy)
        return NEG(EACCES);
    if ((e = h->open_policy(h, path, flags)) != 0)
        return e;
    int fd = openat(dirfd, path, flags | O_CLOEXEC | O_NOCTTY, (mode_t)(c->arg[4] & 07777));
    if (fd < 0)
        return NEG(errno);
    return adopt(h, fd, 0);
}

static int64_t do_close(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    h->fds[c->arg[0]] = -1;
    return sys_result(close(fd));
}

/* fstat, and fstatfs (the exec asks which file system a directory is on
 * before it preopens it: config/preopen_fs.h). */
static int64_t do_fstat(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    uint64_t size = c->nr == SP_FSTAT ? SP_STAT_SIZE : SP_STATFS_SIZE;
    void *out = sp_host_data(h, c->arg[1], size);
    if (!out)
        return NEG(EFAULT);
    union {
        struct stat st;
        struct statfs sf;
    } u;
    _Static_assert(sizeof u.st == SP_STAT_SIZE, "struct stat is the wire size");
    _Static_assert(sizeof u.sf == SP_STATFS_SIZE, "struct statfs is the wire size");
    if ((c->nr == SP_FSTAT ? fstat(fd, &u.st) : fstatfs(fd, &u.sf)) < 0)
        return NEG(errno);
    memcpy(out, &u, size);
    return 0;
}

static int64_t do_fcntl(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    int cmd = (int)c->arg[1];
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (c->arg[2] >= SP_MAX_FD)
            return NEG(EINVAL);
        int nfd = fcntl(fd, cmd == F_DUPFD ? F_DUPFD : F_DUPFD_CLOEXEC, 0);
        if (nfd < 0)
            return NEG(errno);
        return adopt(h, nfd, (unsigned)c->arg[2]);
    }
    case F_GETFD:
    case F_GETFL:
        return sys_result(fcntl(fd, cmd));
    case F_SETFD:
    case F_SETFL:
        return sys_result(fcntl(fd, cmd, (int)c->arg[2]));
    default:
        return NEG(EINVAL);
    }
}

static int64_t do_ioctl(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    uint64_t req = c->arg[1], len = c->arg[3];
    uint64_t want;
    switch (req) {
    case FIONBIO: case FIONREAD: want = sizeof(int); break;
    case TCGETS: want = 36; break; /* the kernel struct termios, not libc's */
    case TIOCGWINSZ: want = 8; break;
    case FIOCLEX: case FIONCLEX: want = 0; break;
    default: return NEG(ENOTTY);
    }
    if (len != want)
        return NEG(EINVAL);
    uint8_t arg[64] = {0};
    void *p = NULL;
    if (want) {
        if (!(p = sp_host_data(h, c->arg[2], want)))
            return NEG(EFAULT);
        memcpy(arg, p, want);
    }
    if (ioctl(fd, (unsigned long)req, arg) < 0)
        return NEG(errno);
    if (want)
        memcpy(p, arg, want);
    return 0;
}

static int64_t do_dup3(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    uint64_t target = c->arg[1];
    if (target >= SP_MAX_FD)
        return NEG(EBADF);
    if (c->nr == SP_DUP3 && target == c->arg[0])
        return NEG(EINVAL);
    if (c->nr == SP_DUP3 && (c->arg[2] & ~(uint64_t)O_CLOEXEC))
        return NEG(EINVAL);
    int nfd = fcntl(fd, (c->arg[2] & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
    if (nfd < 0)
        return NEG(errno);
    if (h->fds[target] >= 0)
        close(h->fds[target]);
    h->fds[target] = nfd;
    return (int64_t)target;
}

static int64_t give_pair(struct sp_host *h, int pair[2], uint64_t off)
{
    int32_t out[2];
    int64_t a = adopt(h, pair[0], 0);
    if (a < 0) {
        close(pair[1]);
        return a;
    }
    int64_t b = adopt(h, pair[1], 0);
    if (b < 0) {
        close(h->fds[a]);
        h->fds[a] = -1;
        return b;
    }
    out[0] = (int32_t)a;
    out[1] = (int32_t)b;
    memcpy(sp_host_data(h, off, sizeof out), out, sizeof out);
    return 0;
}

static int64_t do_pipe2(struct sp_host *h, const struct sp_call *c, int *stop)
{
    if (!sp_host_data(h, c->arg[0], 8))
        return NEG(EFAULT);
    if (c->arg[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
        return NEG(EINVAL);
    int p[2];
    if (pipe2(p, (int)c->arg[1]) < 0)
        return NEG(errno);
    return give_pair(h, p, c->arg[0]);
}

static int64_t do_socketpair(struct sp_host *h, const struct sp_call *c, int *stop)
{
    if (c->arg[0] != AF_UNIX)
        return NEG(EAFNOSUPPORT);
    if (!sp_host_data(h, c->arg[3], 8))
        return NEG(EFAULT);
    int p[2];
    if (socketpair(AF_UNIX, (int)c->arg[1], (int)c->arg[2], p) < 0)
        return NEG(errno);
    return give_pair(h, p, c->arg[3]);
}

static int64_t do_simple_fd(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    switch (c->nr) {
    case SP_LSEEK: return sys_result(lseek(fd, (off_t)c->arg[1], (int)c->arg[2]));
    case SP_FSYNC: return sys_result(fsync(fd));
    case SP_FDATASYNC: return sys_result(fdatasync(fd));
    case SP_FTRUNCATE: return sys_result(ftruncate(fd, (off_t)c->arg[1]));
    case SP_LISTEN: return sys_result(listen(fd, (int)c->arg[1]));
    case SP_SHUTDOWN: return sys_result(shutdown(fd, (int)c->arg[1]));
    case SP_FALLOCATE: return sys_result(fallocate(fd, (int)c->arg[1], (off_t)c->arg[2], (off_t)c->arg[3]));
    case SP_DUP: {
        int nfd = fcntl(fd, F_DUPFD, 0);
        return nfd < 0 ? NEG(errno) : adopt(h, nfd, 0);
    }
    default: return NEG(ENOSYS);
    }
}

static int64_t do_getdents(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    void *buf = sp_host_data(h, c->arg[1], c->arg[2]);
    if (!buf)
        return NEG(EFAULT);
    return sys_result(syscall(SYS_getdents64, fd, buf, (size_t)c->arg[2]));
}

static int64_t do_readlinkat(struct sp_host *h, const struct sp_call *c, int *stop)
{
    char path[SP_MAX_PATH];
    int64_t e = get_path(h, c->arg[1], c->arg[2], path);
    if (e < 0)
        return e;
    void *buf = sp_host_data(h, c->arg[3], c->arg[4]);
    if (!buf)
        return NEG(EFAULT);
    if (!h->open_policy)
        return NEG(EACCES);
    if ((e = h->open_policy(h, path, O_RDONLY)) != 0)
        return e;
    int dirfd = AT_FDCWD;
    if ((int64_t)c->arg[0] != AT_FDCWD && (dirfd = host_fd(h, c->arg[0])) < 0)
        return NEG(EBADF);
    return sys_result(readlinkat(dirfd, path, buf, c->arg[4]));
}

static int64_t do_paths(struct sp_host *h, const struct sp_call *c, int *stop)
{
    char p1[SP_MAX_PATH], p2[SP_MAX_PATH];
    int d1, d2;
    int64_t e;
    switch (c->nr) {
    case SP_FSTATAT: {
        if ((e = get_dirfd(h, c->arg[0], &d1)) || (e = get_cpath(h, c->arg[1], p1, O_RDONLY)))
            return e;
        void *out = sp_host_data(h, c->arg[2], SP_STAT_SIZE);
        if (!out)
            return NEG(EFAULT);
        struct stat st;
        if (fstatat(d1, p1, &st, (int)c->arg[3] & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) < 0)
            return NEG(errno);
        memcpy(out, &st, sizeof st);
        return 0;
    }
    case SP_MKDIRAT:
        if ((e = get_dirfd(h, c->arg[0], &d1)) || (e = get_cpath(h, c->arg[1], p1, O_WRONLY)))
            return e;
        return sys_result(mkdirat(d1, p1, (mode_t)(c->arg[2] & 07777)));
    case SP_UNLINKAT:
        if ((e = get_dirfd(h, c->arg[0], &d1)) || (e = get_cpath(h, c->arg[1], p1, O_WRONLY)))
            return e;
        return sys_result(unlinkat(d1, p1, (int)c->arg[2] & AT_REMOVEDIR));
    case SP_RENAMEAT:
    case SP_LINKAT:
        if ((e = get_dirfd(h, c->arg[0], &d1)) || (e = get_cpath(h, c->arg[1], p1, O_WRONLY)) ||
            (e = get_dirfd(h, c->arg[2], &d2)) || (e = get_cpath(h, c->arg[3], p2, O_WRONLY)))
            return e;
        if (c->nr == SP_RENAMEAT)
            return sys_result(renameat(d1, p1, d2, p2));
        return sys_result(linkat(d1, p1, d2, p2, (int)c->arg[4] & AT_SYMLINK_FOLLOW));
    case SP_SYMLINKAT:
        if ((e = get_cpath(h, c->arg[0], p1, O_RDONLY)) || (e = get_dirfd(h, c->arg[1], &d1)) ||
            (e = get_cpath(h, c->arg[2], p2, O_WRONLY)))
            return e;
        return sys_result(symlinkat(p1, d1, p2));
    case SP_UTIMENSAT: {
        if ((e = get_dirfd(h, c->arg[0], &d1)))
            return e;
        const char *path = NULL;
        if (c->arg[1] != SP_NULL) {
            if ((e = get_cpath(h, c->arg[1], p1, O_WRONLY)))
                return e;
            path = p1;
        } else if (d1 == AT_FDCWD) {
            return NEG(EFAULT);
        }
        struct timespec ts[2], *tp = NULL;
        if (c->arg[2] != SP_NULL) {
            const void *t = sp_host_data(h, c->arg[2], sizeof ts);
            if (!t)
                return NEG(EFAULT);
            struct sp_timespec w[2];
            memcpy(w, t, sizeof w);
            for (int i = 0; i < 2; i++) {
                ts[i].tv_sec = (time_t)w[i].tv_sec;
                ts[i].tv_nsec = (long)w[i].tv_nsec;
            }
            tp = ts;
        }
        if (!path) /* glibc's utimensat refuses a NULL path: that is futimens */
            return sys_result(futimens(d1, tp));
        return sys_result(utimensat(d1, path, tp, (int)c->arg[3] & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)));
    }
    default:
        return NEG(ENOSYS);
    }
}

static int64_t do_socket(struct sp_host *h, const struct sp_call *c, int *stop)
{
    if (!valid_domain(c->arg[0]))
        return NEG(EAFNOSUPPORT);
    int fd = socket((int)c->arg[0], (int)c->arg[1] | SOCK_CLOEXEC, (int)c->arg[2]);
    if (fd < 0)
        return NEG(errno);
    return adopt(h, fd, 0);
}

/* Copies a socket address the Keep sent. */
static int64_t get_addr(struct sp_host *h, uint64_t off, uint64_t len,
                        struct sockaddr_storage *ss)
{
    if (len > sizeof *ss)
        return NEG(EINVAL);
    const void *p = sp_host_data(h, off, len);
    if (!p)
        return NEG(EFAULT);
    memset(ss, 0, sizeof *ss);
    memcpy(ss, p, len);
    return 0;
}

static int64_t do_bind_connect(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    struct sockaddr_storage ss;
    int64_t e = get_addr(h, c->arg[1], c->arg[2], &ss);
    if (e < 0)
        return e;
    socklen_t len = (socklen_t)c->arg[2];
    if (c->nr == SP_BIND)
        return sys_result(bind(fd, (struct sockaddr *)&ss, len));
    return sys_result(connect(fd, (struct sockaddr *)&ss, len));
}

/* An (addr off, addrlen off) output pair: both present or both SP_NULL. */
static int64_t addr_out_args(struct sp_host *h, uint64_t aoff, uint64_t loff, void **addr,
                             uint32_t **lenp, socklen_t *room)
{
    *addr = NULL;
    *lenp = NULL;
    *room = 0;
    if (aoff == SP_NULL)
        return 0;
    if (!(*lenp = sp_host_data(h, loff, sizeof(uint32_t))))
        return NEG(EFAULT);
    uint32_t r;
    memcpy(&r, *lenp, sizeof r);
    if (r > sizeof(struct sockaddr_storage))
        return NEG(EINVAL);
    if (!(*addr = sp_host_data(h, aoff, r)))
        return NEG(EFAULT);
    *room = r;
    return 0;
}

static void put_addr(void *addr, uint32_t *lenp, const struct sockaddr_storage *ss,
                     socklen_t got, socklen_t room)
{
    if (!addr)
        return;
    memcpy(addr, ss, got < room ? got : room);
    uint32_t l = got;
    memcpy(lenp, &l, sizeof l);
}

static int64_t do_accept(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    void *addr;
    uint32_t *lenp;
    socklen_t room;
    int64_t e = addr_out_args(h, c->arg[1], c->arg[2], &addr, &lenp, &room);
    if (e < 0)
        return e;
    if (c->arg[3] & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return NEG(EINVAL);
    struct sockaddr_storage ss;
    socklen_t got = sizeof ss;
    int nfd = accept4(fd, (struct sockaddr *)&ss, &got, (int)c->arg[3] | SOCK_CLOEXEC);
    if (nfd < 0)
        return NEG(errno);
    int64_t kfd = adopt(h, nfd, 0);
    if (kfd >= 0)
        put_addr(addr, lenp, &ss, got, room);
    return kfd;
}

static int64_t do_name(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    void *addr;
    uint32_t *lenp;
    socklen_t room;
    int64_t e = addr_out_args(h, c->arg[1], c->arg[2], &addr, &lenp, &room);
    if (e < 0)
        return e;
    if (!addr)
        return NEG(EFAULT);
    struct sockaddr_storage ss;
    socklen_t got = sizeof ss;
    int r = c->nr == SP_GETSOCKNAME ? getsockname(fd, (struct sockaddr *)&ss, &got)
                                    : getpeername(fd, (struct sockaddr *)&ss, &got);
    if (r < 0)
        return NEG(errno);
    put_addr(addr, lenp, &ss, got, room);
    return 0;
}

static int64_t do_sockopt(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    uint8_t val[256];
    if (c->nr == SP_SETSOCKOPT) {
        if (c->arg[4] > sizeof val)
            return NEG(EINVAL);
        const void *p = sp_host_data(h, c->arg[3], c->arg[4]);
        if (!p)
            return NEG(EFAULT);
        memcpy(val, p, c->arg[4]);
        return sys_result(setsockopt(fd, (int)c->arg[1], (int)c->arg[2], val, (socklen_t)c->arg[4]));
    }
    uint32_t *lenp = sp_host_data(h, c->arg[4], sizeof(uint32_t));
    if (!lenp)
        return NEG(EFAULT);
    uint32_t room;
    memcpy(&room, lenp, sizeof room);
    if (room > sizeof val)
        return NEG(EINVAL);
    void *out = sp_host_data(h, c->arg[3], room);
    if (!out)
        return NEG(EFAULT);
    socklen_t got = room;
    if (getsockopt(fd, (int)c->arg[1], (int)c->arg[2], val, &got) < 0)
        return NEG(errno);
    if (got > room)
        got = room;
    memcpy(out, val, got);
    uint32_t g = got;
    memcpy(lenp, &g, sizeof g);
    return 0;
}

static int64_t do_sendto(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    const void *buf = sp_host_data(h, c->arg[1], c->arg[2]);
    if (!buf)
        return NEG(EFAULT);
    struct sockaddr_storage ss;
    struct sockaddr *sa = NULL;
    socklen_t len = 0;
    if (c->arg[4] != SP_NULL) {
        int64_t e = get_addr(h, c->arg[4], c->arg[5], &ss);
        if (e < 0)
            return e;
        sa = (struct sockaddr *)&ss;
        len = (socklen_t)c->arg[5];
    }
    return sys_result(sendto(fd, buf, c->arg[2], (int)c->arg[3] | MSG_NOSIGNAL, sa, len));
}

static int64_t do_recvfrom(struct sp_host *h, const struct sp_call *c, int *stop)
{
    int fd = host_fd(h, c->arg[0]);
    if (fd < 0)
        return NEG(EBADF);
    void *buf = sp_host_data(h, c->arg[1], c->arg[2]);
    if (!buf)
        return NEG(EFAULT);
    void *addr;
    uint32_t *lenp;
    socklen_t room;
    int64_t e = addr_out_args(h, c->arg[4], c->arg[5], &addr, &lenp, &room);
    if (e < 0)
        return e;
    struct sockaddr_storage ss;
    socklen_t got = sizeof ss;
    ssize_t r = recvfrom(fd, buf, c->arg[2], (int)c->arg[3], addr ? (struct sockaddr *)&ss : NULL,
                         addr ? &got : NULL);
    if (r < 0)
        return NEG(errno);
    put_addr(addr, lenp, &ss, got, room);
    return r;
}

static int64_t do_poll(struct sp_host *h, const struct sp_call *c, int *stop)
{
    uint64_t n = c->arg[1];
    if (n > SP_MAX_POLL_FDS)
        return NEG(EINVAL);
    struct sp_pollfd *wire = sp_host_data(h, c->arg[0], n * sizeof(struct sp_pollfd));
    if (!wire && n)
        return NEG(EFAULT);
    struct timespec ts, *tp = NULL;
    if (c->arg[2] != SP_NULL) {
        int64_t e = get_timespec(h, c->arg[2], &ts);
        if (e < 0)
            return e;
        tp = &ts;
    }
    struct pollfd *p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        return NEG(ENOMEM);
    int64_t invalid = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct sp_pollfd w;
        memcpy(&w, &wire[i], sizeof w);
        p[i].fd = w.fd < 0 ? -1 : host_fd(h, (uint64_t)w.fd);
        p[i].events = w.events;
        if (w.fd >= 0 && p[i].fd < 0)
            invalid++;
    }
    int r = ppoll(p, n, invalid ? &(struct timespec){0, 0} : tp, NULL);
    int64_t ret = r < 0 ? NEG(errno) : r;
    if (r >= 0)
        for (uint64_t i = 0; i < n; i++) {
            struct sp_pollfd w;
            memcpy(&w, &wire[i], sizeof w);
            w.revents = (w.fd >= 0 && p[i].fd < 0) ? POLLNVAL : p[i].revents;
            memcpy(&wire[i].revents, &w.revents, sizeof w.revents);
        }
    if (r >= 0)
        ret += invalid;
    free(p);
    return ret;
}

static int64_t do_clock(struct sp_host *h, const struct sp_call *c, int *stop)
{
    if (!valid_clock(c->arg[0]))
        return NEG(EINVAL);
    if (!sp_host_data(h, c->arg[1], sizeof(struct sp_timespec)))
        return NEG(EFAULT);
    struct timespec ts;
    int r = c->nr == SP_CLOCK_GETTIME ? clock_gettime((clockid_t)c->arg[0], &ts)
                                      : clock_getres((clockid_t)c->arg[0], &ts);
    if (r < 0)
        return NEG(errno);
    return put_timespec(h, c->arg[1], &ts);
}

static int64_t do_sleep(struct sp_host *h, const struct sp_call *c, int *stop)
{
    if (!valid_clock(c->arg[0]))
        return NEG(EINVAL);
    struct timespec req, rem = {0, 0};
    int64_t e = get_timespec(h, c->arg[2], &req);
    if (e < 0)
        return e;
    if (c->arg[3] != SP_NULL && !sp_host_data(h, c->arg[3], sizeof(struct sp_timespec)))
        return NEG(EFAULT);
    int r = clock_nanosleep((clockid_t)c->arg[0], (int)(c->arg[1] & TIMER_ABSTIME), &req, &rem);
    if (r == EINTR && c->arg[3] != SP_NULL)
        put_timespec(h, c->arg[3], &rem);
    return r ? NEG(r) : 0;
}

/* The Keep's own calls go to whoever runs the Keep. */
static int64_t do_keep(struct sp_host *h, const struct sp_call *c, int *stop)
{
    return h->keep_call ? h->keep_call(h, c, stop) : NEG(ENOSYS);
}

/* Every call's routine, by number: the routine of its group (abi/sallyport.h,
 * SP_CALLS). Numbers without one are not calls. */
typedef int64_t sp_routine(struct sp_host *h, const struct sp_call *c, int *stop);
#define SP_ROUTINE(name, nr, text, group) [SP_##name] = do_##group,
static sp_routine *const routines[] = {SP_CALLS(SP_ROUTINE)};
#undef SP_ROUTINE

static int64_t execute(struct sp_host *h, const struct sp_call *c, int *stop)
{
    if (c->nr >= sizeof routines / sizeof routines[0] || !routines[c->nr])
        return NEG(ENOSYS);
    return routines[c->nr](h, c, stop);
}

/* ---- the batch -------------------------------------------------------- */

int sp_host_execute(struct sp_host *h, uint8_t *block, uint64_t data_size, struct sp_batch *batch)
{
    volatile struct sp_header *hdr = (volatile struct sp_header *)(void *)block;
    h->data = block + SP_HEADER_SIZE;
    h->data_size = data_size;
    batch->seq = hdr->req_seq;
    batch->ran = 0;
    uint32_t n = hdr->ncalls;
    if (n > SP_MAX_CALLS) {
        snprintf(h->error, sizeof h->error, "the Keep sent a batch of %u calls (at most %u)", n,
                 SP_MAX_CALLS);
        return -1;
    }
    int stop = 0;
    for (uint32_t i = 0; i < n && !stop; i++) {
        struct sp_call c;
        memcpy(&c, (const void *)&hdr->call[i], sizeof c);
        hdr->call[i].ret = execute(h, &c, &stop);
        h->calls++;
        batch->ran++;
    }
    return stop ? 1 : 0;
}

void sp_host_complete(uint8_t *block, uint64_t seq)
{
    volatile struct sp_header *hdr = (volatile struct sp_header *)(void *)block;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    hdr->rsp_seq = seq;
}

int sp_host_run_batch(struct sp_host *h, uint8_t *block, uint64_t data_size)
{
    struct sp_batch batch;
    int r = sp_host_execute(h, block, data_size, &batch);
    if (r >= 0)
        sp_host_complete(block, batch.seq);
    return r;
}
