/* KVM shim: the system calls of the exec. Memory, randomness, identity and
 * process calls are answered inside the Keep; I/O goes to the host through
 * the sallyport (which checks every reply); anything else is ENOSYS. The list
 * and its reasons are in docs/keep.md.
 *
 * Every pointer from the exec is checked against its mappings before the shim
 * touches it (EFAULT otherwise), so the only faults the shim itself takes on
 * user memory are demand-paging ones. */
#include "abi/evidence.h"
#include "shim/kvm/shim.h"
#include "shim/snp/snp.h"

#define CHECK_USER(p, len, write)                                   \
    do {                                                            \
        if (!mm_user_ok((uint64_t)(p), (uint64_t)(len), (write)))   \
            return -EFAULT;                                        \
    } while (0)

#define KEEP_PID 1
#define KEEP_UID 1000

static struct sp_keep *sp(void)
{
    return &shim_sallyport;
}

/* Copies a NUL-terminated string from the exec, at most max bytes with the
 * NUL. */
static int64_t user_string(uint64_t p, char *out, uint64_t max)
{
    for (uint64_t i = 0; i < max; i++) {
        if ((i == 0 || ((p + i) & (PAGE_SIZE - 1)) == 0) && !mm_user_ok(p + i, 1, 0))
            return -EFAULT;
        out[i] = *(const char *)(p + i);
        if (!out[i])
            return (int64_t)i;
    }
    return -ENAMETOOLONG;
}

/* ---- I/O ---- */

struct iov {
    uint64_t base, len;
};

/* Copies the exec's iovec array and checks every buffer. */
static int64_t user_iovs(uint64_t p, int64_t n, struct sp_iovec *out, int write)
{
    if (n < 0 || n > 1024)
        return -EINVAL;
    CHECK_USER(p, (uint64_t)n * sizeof(struct iov), 0);
    const struct iov *in = (const struct iov *)p;
    for (int64_t i = 0; i < n; i++) {
        struct iov v = in[i];
        if (v.len > 0x7ffff000)
            return -EINVAL;
        CHECK_USER(v.base, v.len, write);
        out[i].base = (void *)v.base;
        out[i].len = v.len;
    }
    return 0;
}

static int64_t sys_readv(int fd, uint64_t p, int64_t n, int write)
{
    static struct sp_iovec iov[1024];
    int64_t e = user_iovs(p, n, iov, !write);
    if (e < 0)
        return e;
    return write ? sp_writev(sp(), fd, iov, (int)n) : sp_readv(sp(), fd, iov, (int)n);
}

/* Path arguments: copied from the exec into these (one call at a time). */
static char path1[SP_MAX_PATH], path2[SP_MAX_PATH];

static int64_t sys_fstatat(int dirfd, uint64_t path, uint64_t statbuf, int flags)
{
    int64_t e = user_string(path, path1, sizeof path1);
    if (e < 0)
        return e;
    CHECK_USER(statbuf, SP_STAT_SIZE, 1);
    if (e == 0 && (flags & AT_EMPTY_PATH))
        return sp_fstat(sp(), dirfd, (void *)statbuf);
    if (e == 0)
        return -ENOENT;
    return sp_fstatat(sp(), dirfd, path1, (void *)statbuf, flags);
}

/* The *at calls that take paths and return 0: nr is the *at call's number. */
static int64_t sys_path(uint64_t nr, int64_t a0, uint64_t a1, int64_t a2, uint64_t a3, int64_t a4)
{
    int64_t e;
    switch (nr) {
    case __NR_mkdirat: /* (dirfd, path, mode) */
        return (e = user_string(a1, path1, sizeof path1)) < 0 ? e : sp_mkdirat(sp(), (int)a0, path1, (int)a2);
    case __NR_unlinkat: /* (dirfd, path, flags) */
        return (e = user_string(a1, path1, sizeof path1)) < 0 ? e : sp_unlinkat(sp(), (int)a0, path1, (int)a2);
    case __NR_renameat: /* (olddirfd, old, newdirfd, new) */
    case __NR_linkat:   /* (olddirfd, old, newdirfd, new, flags) */
        if ((e = user_string(a1, path1, sizeof path1)) < 0 || (e = user_string(a3, path2, sizeof path2)) < 0)
            return e;
        return nr == __NR_renameat ? sp_renameat(sp(), (int)a0, path1, (int)a2, path2)
                         : sp_linkat(sp(), (int)a0, path1, (int)a2, path2, (int)a4);
    case __NR_symlinkat: /* (target, newdirfd, path) */
        if ((e = user_string((uint64_t)a0, path1, sizeof path1)) < 0 || (e = user_string(a2, path2, sizeof path2)) < 0)
            return e;
        return sp_symlinkat(sp(), path1, (int)a1, path2);
    default:
        return -ENOSYS;
    }
}

static int64_t sys_utimensat(int dirfd, uint64_t path, uint64_t times, int flags)
{
    struct sp_timespec t[2];
    if (times) {
        CHECK_USER(times, sizeof t, 0);
        memcpy(t, (void *)times, sizeof t);
    }
    int64_t e = path ? user_string(path, path1, sizeof path1) : 0;
    if (e < 0)
        return e;
    return sp_utimensat(sp(), dirfd, path ? path1 : 0, times ? t : 0, flags);
}

static int64_t sys_preadv(int fd, uint64_t p, int64_t n, int64_t pos, int write)
{
    static struct sp_iovec iov[1024];
    int64_t e = user_iovs(p, n, iov, !write);
    if (e < 0)
        return e;
    return write ? sp_pwritev(sp(), fd, iov, (int)n, pos) : sp_preadv(sp(), fd, iov, (int)n, pos);
}

static int64_t sys_open(int dirfd, uint64_t path, int flags, int mode)
{
    int64_t e = user_string(path, path1, sizeof path1);
    if (e < 0)
        return e;
    return sp_openat(sp(), dirfd, path1, flags, mode);
}

static int64_t sys_readlink(int dirfd, uint64_t path, uint64_t buf, uint64_t len)
{
    char *p = path1;
    int64_t e = user_string(path, p, sizeof path1);
    if (e < 0)
        return e;
    if ((int64_t)len <= 0)
        return -EINVAL;
    CHECK_USER(buf, len, 1);
    /* The exec has no file of its own inside a Keep. */
    if (memcmp(p, "/proc/self/", 11) == 0)
        return -ENOENT;
    return sp_readlinkat(sp(), dirfd, p, (char *)buf, len);
}

static int64_t sys_ioctl(int fd, uint64_t req, uint64_t arg)
{
    uint32_t len;
    int out;
    if (sp_ioctl_arg(req, &len, &out) < 0)
        return -ENOTTY;
    CHECK_USER(arg, len, out);
    return sp_ioctl(sp(), fd, req, (void *)arg);
}

static int64_t sys_pipe(uint64_t fds, int flags)
{
    CHECK_USER(fds, 8, 1);
    int f[2];
    int64_t r = sp_pipe2(sp(), f, flags);
    if (r == 0)
        memcpy((void *)fds, f, sizeof f);
    return r;
}

static int64_t sys_dup2(int oldfd, int newfd, int flags, int is_dup3)
{
    if (!is_dup3 && oldfd == newfd)
        return sp_keep_fd_is_open(sp(), oldfd) ? newfd : -EBADF;
    return sp_dup3(sp(), oldfd, newfd, flags);
}

static int64_t sys_getdents64(int fd, uint64_t buf, uint64_t len)
{
    CHECK_USER(buf, len, 1);
    return sp_getdents64(sp(), fd, (void *)buf, len);
}

/* ---- sockets ---- */

/* An (addr, addrlen) output pair from the exec: both NULL, or both valid. */
static int64_t user_addr_out(uint64_t addr, uint64_t lenp, uint32_t *room)
{
    if (!addr)
        return 0;
    CHECK_USER(lenp, 4, 1);
    memcpy(room, (void *)lenp, 4);
    if ((int32_t)*room < 0)
        return -EINVAL;
    CHECK_USER(addr, *room, 1);
    return 1;
}

static int64_t sys_accept(int fd, uint64_t addr, uint64_t lenp, int flags)
{
    uint32_t room;
    int64_t e = user_addr_out(addr, lenp, &room);
    if (e < 0)
        return e;
    int64_t r = sp_accept4(sp(), fd, e ? (void *)addr : 0, &room, flags);
    if (r >= 0 && e)
        memcpy((void *)lenp, &room, 4);
    return r;
}

static int64_t sys_name(int fd, uint64_t addr, uint64_t lenp, int peer)
{
    uint32_t room;
    int64_t e = user_addr_out(addr, lenp, &room);
    if (e <= 0)
        return e < 0 ? e : -EFAULT;
    int64_t r = peer ? sp_getpeername(sp(), fd, (void *)addr, &room)
                     : sp_getsockname(sp(), fd, (void *)addr, &room);
    if (r == 0)
        memcpy((void *)lenp, &room, 4);
    return r;
}

static int64_t sys_addr_in(int fd, uint64_t addr, uint64_t len, int connect)
{
    if (len > SP_SOCKADDR_MAX)
        return -EINVAL;
    CHECK_USER(addr, len, 0);
    return connect ? sp_connect(sp(), fd, (void *)addr, (uint32_t)len)
                   : sp_bind(sp(), fd, (void *)addr, (uint32_t)len);
}

static int64_t sys_sendto(int fd, uint64_t buf, uint64_t len, int flags, uint64_t addr,
                          uint64_t alen)
{
    CHECK_USER(buf, len, 0);
    if (addr) {
        if (alen > SP_SOCKADDR_MAX)
            return -EINVAL;
        CHECK_USER(addr, alen, 0);
    }
    return sp_sendto(sp(), fd, (void *)buf, len, flags, addr ? (void *)addr : 0, (uint32_t)alen);
}

static int64_t sys_recvfrom(int fd, uint64_t buf, uint64_t len, int flags, uint64_t addr,
                            uint64_t lenp)
{
    CHECK_USER(buf, len, 1);
    uint32_t room;
    int64_t e = user_addr_out(addr, lenp, &room);
    if (e < 0)
        return e;
    int64_t r = sp_recvfrom(sp(), fd, (void *)buf, len, flags, e ? (void *)addr : 0, &room);
    if (r >= 0 && e)
        memcpy((void *)lenp, &room, 4);
    return r;
}

struct msghdr_ {
    uint64_t name;
    uint32_t namelen, pad;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad2;
};

/* sendmsg/recvmsg without ancillary data: gathered into one buffer. */
static int64_t sys_msg(int fd, uint64_t msgp, int flags, int send)
{
    static uint8_t scratch[65536];
    static struct sp_iovec iov[1024];
    CHECK_USER(msgp, sizeof(struct msghdr_), !send);
    struct msghdr_ m;
    memcpy(&m, (void *)msgp, sizeof m);
    if (m.iovlen > 1024)
        return -EINVAL;
    int64_t e = user_iovs(m.iov, (int64_t)m.iovlen, iov, !send);
    if (e < 0)
        return e;
    uint64_t total = 0;
    for (uint64_t i = 0; i < m.iovlen; i++)
        total += iov[i].len;
    if (total > sizeof scratch)
        total = sizeof scratch;
    if (send) {
        if (m.controllen)
            return -EINVAL; /* no fd passing or other ancillary data */
        uint64_t pos = 0;
        for (uint64_t i = 0; i < m.iovlen && pos < total; i++) {
            uint64_t n = iov[i].len < total - pos ? iov[i].len : total - pos;
            memcpy(scratch + pos, iov[i].base, n);
            pos += n;
        }
        if (m.name) {
            if (m.namelen > SP_SOCKADDR_MAX)
                return -EINVAL;
            CHECK_USER(m.name, m.namelen, 0);
        }
        return sp_sendto(sp(), fd, scratch, total, flags, m.name ? (void *)m.name : 0, m.namelen);
    }
    uint32_t room = m.namelen;
    if (m.name)
        CHECK_USER(m.name, room, 1);
    int64_t r = sp_recvfrom(sp(), fd, scratch, total, flags, m.name ? (void *)m.name : 0, &room);
    if (r < 0)
        return r;
    uint64_t left = (uint64_t)r < total ? (uint64_t)r : total, pos = 0;
    for (uint64_t i = 0; i < m.iovlen && left; i++) {
        uint64_t n = iov[i].len < left ? iov[i].len : left;
        memcpy(iov[i].base, scratch + pos, n);
        pos += n;
        left -= n;
    }
    struct msghdr_ *out = (struct msghdr_ *)msgp;
    out->namelen = m.name ? room : 0;
    out->controllen = 0;
    out->flags = (uint64_t)r > total ? MSG_TRUNC : 0;
    return r;
}

static int64_t sys_sockopt(int fd, int level, int name, uint64_t val, uint64_t len, int get)
{
    if (!get) {
        if (len > 256)
            return -EINVAL;
        CHECK_USER(val, len, 0);
        return sp_setsockopt(sp(), fd, level, name, (void *)val, (uint32_t)len);
    }
    CHECK_USER(len, 4, 1);
    uint32_t room;
    memcpy(&room, (void *)len, 4);
    if ((int32_t)room < 0)
        return -EINVAL;
    CHECK_USER(val, room, 1);
    int64_t r = sp_getsockopt(sp(), fd, level, name, (void *)val, &room);
    if (r == 0)
        memcpy((void *)len, &room, 4);
    return r;
}

static int64_t sys_socketpair(int domain, int type, int proto, uint64_t fds)
{
    CHECK_USER(fds, 8, 1);
    int f[2];
    int64_t r = sp_socketpair(sp(), domain, type, proto, f);
    if (r == 0)
        memcpy((void *)fds, f, sizeof f);
    return r;
}

/* ---- waiting and time ---- */

static int64_t sys_poll(uint64_t fds, uint64_t n, const struct sp_timespec *timeout)
{
    if (n > SP_MAX_POLL_FDS)
        return -EINVAL;
    CHECK_USER(fds, n * sizeof(struct sp_pollfd), 1);
    return sp_poll(sp(), (struct sp_pollfd *)fds, n, timeout);
}

static int64_t sys_poll_ms(uint64_t fds, uint64_t n, int ms)
{
    struct sp_timespec t = {ms / 1000, (int64_t)(ms % 1000) * 1000000};
    return sys_poll(fds, n, ms < 0 ? 0 : &t);
}

static int64_t sys_ppoll(uint64_t fds, uint64_t n, uint64_t tsp)
{
    struct sp_timespec t;
    if (tsp) {
        CHECK_USER(tsp, sizeof t, 0);
        memcpy(&t, (void *)tsp, sizeof t);
        if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
            return -EINVAL;
    }
    return sys_poll(fds, n, tsp ? &t : 0);
}

static int64_t sys_clock(int clock, uint64_t tsp, int res)
{
    struct sp_timespec t;
    if (tsp)
        CHECK_USER(tsp, sizeof t, 1);
    int64_t r = res ? sp_clock_getres(sp(), clock, &t) : sp_clock_gettime(sp(), clock, &t);
    if (r == 0 && tsp)
        memcpy((void *)tsp, &t, sizeof t);
    return r;
}

static int64_t sys_gettimeofday(uint64_t tvp, uint64_t tzp)
{
    struct sp_timespec t;
    if (tvp)
        CHECK_USER(tvp, 16, 1);
    if (tzp) {
        CHECK_USER(tzp, 8, 1);
        memset((void *)tzp, 0, 8);
    }
    if (!tvp)
        return 0;
    int64_t r = sp_clock_gettime(sp(), CLOCK_REALTIME, &t);
    if (r == 0) {
        int64_t tv[2] = {t.tv_sec, t.tv_nsec / 1000};
        memcpy((void *)tvp, tv, sizeof tv);
    }
    return r;
}

static int64_t sys_time(uint64_t tp)
{
    struct sp_timespec t;
    if (tp)
        CHECK_USER(tp, 8, 1);
    int64_t r = sp_clock_gettime(sp(), CLOCK_REALTIME, &t);
    if (r < 0)
        return r;
    if (tp)
        memcpy((void *)tp, &t.tv_sec, 8);
    return t.tv_sec;
}

static int64_t sys_sleep(int clock, int flags, uint64_t req, uint64_t rem)
{
    struct sp_timespec t, r;
    CHECK_USER(req, sizeof t, 0);
    if (rem)
        CHECK_USER(rem, sizeof r, 1);
    memcpy(&t, (void *)req, sizeof t);
    int64_t e = sp_clock_nanosleep(sp(), clock, flags, &t, rem ? &r : 0);
    if (e == -EINTR && rem)
        memcpy((void *)rem, &r, sizeof r);
    return e;
}

/* ---- process, identity, signals ---- */

/* A signal the exec sends itself (abort() does): only the exec's own faults
 * are delivered (signal.c), so unless it is ignored it ends the Keep the way
 * the default action would. */
static int64_t sys_kill_self(int64_t pid, int sig)
{
    if (pid != KEEP_PID && pid != 0 && pid != -1)
        return -ESRCH;
    if (sig < 0 || sig > 64)
        return -EINVAL;
    if (sig == 0 || signal_handler(sig) == (uint64_t)SIG_IGN)
        return 0;
    /* These are ignored by default. */
    if (signal_handler(sig) == (uint64_t)SIG_DFL &&
        (sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH))
        return 0;
    shim_stop(128 + sig, SP_ABORT_FAULT, "the workload was killed by signal %d it sent itself", sig);
}

static int64_t sys_uname(uint64_t buf)
{
    static const char fields[6][65] = {"Linux", "enarx-keep", "6.1.0", "#1 SMP", "x86_64", "(none)"};
    CHECK_USER(buf, sizeof fields, 1);
    memcpy((void *)buf, fields, sizeof fields);
    return 0;
}

static int64_t sys_getrandom(uint64_t buf, uint64_t len, unsigned flags)
{
    if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if (len > 0x1ffffff)
        len = 0x1ffffff;
    CHECK_USER(buf, len, 1);
    random_fill((void *)buf, len);
    return (int64_t)len;
}

static int64_t sys_arch_prctl(int code, uint64_t addr)
{
    switch (code) {
    case ARCH_SET_FS:
        if (addr >= KEEP_USER_END)
            return -EPERM;
        wrmsr(MSR_FS_BASE, addr);
        return 0;
    case ARCH_SET_GS: /* the user's GS base sits in KERNEL_GS_BASE while in the shim */
        if (addr >= KEEP_USER_END)
            return -EPERM;
        wrmsr(MSR_KERNEL_GS_BASE, addr);
        return 0;
    case ARCH_GET_FS:
    case ARCH_GET_GS: {
        CHECK_USER(addr, 8, 1);
        uint64_t v = rdmsr(code == ARCH_GET_FS ? MSR_FS_BASE : MSR_KERNEL_GS_BASE);
        memcpy((void *)addr, &v, 8);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

static int64_t sys_prlimit(int64_t pid, int res, uint64_t newp, uint64_t oldp)
{
    if (pid != 0 && pid != KEEP_PID)
        return -ESRCH;
    if (res < 0 || res >= RLIM_NLIMITS)
        return -EINVAL;
    if (newp)
        return -EPERM;
    if (oldp) {
        uint64_t v[2] = {UINT64_MAX, UINT64_MAX};
        if (res == RLIMIT_STACK)
            v[0] = v[1] = KEEP_STACK_SIZE;
        else if (res == RLIMIT_NOFILE)
            v[0] = v[1] = SP_MAX_FD;
        CHECK_USER(oldp, sizeof v, 1);
        memcpy((void *)oldp, v, sizeof v);
    }
    return 0;
}

static int64_t sys_sysinfo(uint64_t p)
{
    uint64_t info[14] = {0};
    CHECK_USER(p, sizeof info, 1);
    info[4] = mm_total_bytes(); /* totalram */
    info[5] = mm_free_bytes();  /* freeram */
    info[10] = 1ull << 16;      /* procs = 1 (a u16 at this word's start) */
    info[13] = 1;               /* mem_unit */
    memcpy((void *)p, info, sizeof info);
    ((uint32_t *)p)[26] = 1;    /* mem_unit is a u32 at byte 104 */
    ((uint16_t *)p)[40] = 1;    /* procs is a u16 at byte 80 */
    ((uint16_t *)p)[41] = 0;
    return 0;
}

static int64_t sys_affinity(uint64_t len, uint64_t mask)
{
    if (len < 8)
        return -EINVAL;
    CHECK_USER(mask, 8, 1);
    uint64_t one = 1;
    memcpy((void *)mask, &one, 8);
    return 8;
}

static int64_t sys_futex(uint64_t uaddr, int op, uint32_t val, uint64_t timeout)
{
    int cmd = op & FUTEX_CMD_MASK;
    CHECK_USER(uaddr, 4, 0);
    if (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET) /* nobody else to wake */
        return 0;
    if (cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
        return -ENOSYS;
    uint32_t cur;
    memcpy(&cur, (void *)uaddr, 4);
    if (cur != val)
        return -EAGAIN;
    if (!timeout)
        shim_stop(1, SP_ABORT_FAULT, "the workload waits forever on a futex, but a Keep runs "
                                     "one thread: nothing can wake it (deadlock)");
    struct sp_timespec t;
    CHECK_USER(timeout, sizeof t, 0);
    memcpy(&t, (void *)timeout, sizeof t);
    /* FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's is an absolute
     * time on the monotonic clock unless the caller asks for the wall clock. */
    int absolute = cmd == FUTEX_WAIT_BITSET;
    int clock = absolute && (op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
    int64_t r = sp_clock_nanosleep(sp(), clock, absolute ? TIMER_ABSTIME : 0, &t, 0);
    return r < 0 ? r : -ETIMEDOUT;
}

/* ---- the evidence call (abi/evidence.h) ---- */

static uint8_t evidence[ENARX_EVIDENCE_MAX];

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Plain KVM has no hardware root: the VMM answers (SP_GETATT) with what it
 * claims, which the shim only checks for shape; the verifier decides what
 * it is worth. The kind goes back in rdx. */
static int64_t kvm_getatt(uint64_t rd, uint64_t rd_len, uint64_t buf, uint64_t buf_len, uint64_t *kind)
{
    if (rd_len != ENARX_REPORT_DATA_LEN)
        return -EINVAL;
    CHECK_USER(rd, ENARX_REPORT_DATA_LEN, 0);
    if (buf_len)
        CHECK_USER(buf, buf_len, 1);
    uint8_t report_data[ENARX_REPORT_DATA_LEN];
    memcpy(report_data, (const void *)rd, sizeof report_data);
    int64_t n = sp_getatt(sp(), report_data, evidence, sizeof evidence);
    if (n < 0)
        return n;
    if (n < ENARX_EVIDENCE_HEADER_LEN || memcmp(evidence, ENARX_EVIDENCE_MAGIC, ENARX_EVIDENCE_MAGIC_LEN) != 0 ||
        le32(evidence + 8) >= ENARX_EVIDENCE_KIND_COUNT || le32(evidence + 12) != ENARX_EVIDENCE_HEADER_LEN ||
        (uint64_t)ENARX_EVIDENCE_HEADER_LEN + le32(evidence + 16) + le32(evidence + 20) != (uint64_t)n) {
        shim_log(ENARX_LOG_WARN, "shim: the host answered the evidence call with a malformed document");
        return -EIO;
    }
    *kind = le32(evidence + 8);
    if (buf_len == 0)
        return n;
    if (buf_len < (uint64_t)n)
        return -EMSGSIZE;
    memcpy((void *)buf, evidence, (size_t)n);
    return n;
}

/* ---- dispatch ---- */

static int64_t dispatch(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                        uint64_t a4, uint64_t a5)
{
    int fd = (int)a0;
    switch (nr) {
    case __NR_read: CHECK_USER(a1, a2, 1); return sp_read(sp(), fd, (void *)a1, a2);
    case __NR_write: CHECK_USER(a1, a2, 0); return sp_write(sp(), fd, (void *)a1, a2);
    case __NR_open: return sys_open(AT_FDCWD, a0, (int)a1, (int)a2);
    case __NR_close: return sp_close(sp(), fd);
    case __NR_stat: return sys_fstatat(AT_FDCWD, a0, a1, 0);
    case __NR_lstat: return sys_fstatat(AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW);
    case __NR_rename: return sys_path(__NR_renameat, AT_FDCWD, a0, AT_FDCWD, a1, 0);
    case __NR_mkdir: return sys_path(__NR_mkdirat, AT_FDCWD, a0, (int64_t)a1, 0, 0);
    case __NR_rmdir: return sys_path(__NR_unlinkat, AT_FDCWD, a0, AT_REMOVEDIR, 0, 0);
    case __NR_link: return sys_path(__NR_linkat, AT_FDCWD, a0, AT_FDCWD, a1, 0);
    case __NR_unlink: return sys_path(__NR_unlinkat, AT_FDCWD, a0, 0, 0, 0);
    case __NR_symlink: return sys_path(__NR_symlinkat, (int64_t)a0, AT_FDCWD, (int64_t)a1, 0, 0);
    case __NR_mkdirat: case __NR_unlinkat: case __NR_renameat: case __NR_linkat: case __NR_symlinkat:
        return sys_path(nr, (int64_t)a0, a1, (int64_t)a2, a3, (int64_t)a4);
    case __NR_renameat2: /* only without flags */
        return a4 ? -EINVAL : sys_path(__NR_renameat, (int64_t)a0, a1, (int64_t)a2, a3, 0);
    case __NR_utimensat: return sys_utimensat((int)a0, a1, a2, (int)a3);
    case __NR_fallocate: return sp_fallocate(sp(), fd, (int)a1, (int64_t)a2, (int64_t)a3);
    case __NR_fadvise64: /* advice only, nothing for the host to do */
        if (!sp_keep_fd_is_open(sp(), fd))
            return -EBADF;
        return a3 > POSIX_FADV_NOREUSE ? -EINVAL : 0;
    case __NR_preadv: return sys_preadv(fd, a1, (int64_t)a2, (int64_t)a3, 0);
    case __NR_pwritev: return sys_preadv(fd, a1, (int64_t)a2, (int64_t)a3, 1);
    case __NR_fstat: CHECK_USER(a1, SP_STAT_SIZE, 1); return sp_fstat(sp(), fd, (void *)a1);
    case __NR_fstatfs: CHECK_USER(a1, SP_STATFS_SIZE, 1); return sp_fstatfs(sp(), fd, (void *)a1);
    case __NR_poll: return sys_poll_ms(a0, a1, (int)a2);
    case __NR_lseek: return sp_lseek(sp(), fd, (int64_t)a1, (int)a2);
    case __NR_mmap: return mm_mmap(a0, a1, (int)a2, (int)a3, (int)a4, a5);
    case __NR_mprotect: return mm_mprotect(a0, a1, (int)a2);
    case __NR_munmap: return mm_munmap(a0, a1);
    case __NR_brk: return mm_brk(a0);
    case __NR_rt_sigaction: return signal_sigaction((int)a0, a1, a2, a3);
    case __NR_rt_sigprocmask: return signal_sigprocmask((int)a0, a1, a2, a3);
    case __NR_ioctl: return sys_ioctl(fd, a1, a2);
    case __NR_pread64: CHECK_USER(a1, a2, 1); return sp_pread(sp(), fd, (void *)a1, a2, (int64_t)a3);
    case __NR_pwrite64: CHECK_USER(a1, a2, 0); return sp_pwrite(sp(), fd, (void *)a1, a2, (int64_t)a3);
    case __NR_readv: return sys_readv(fd, a1, (int64_t)a2, 0);
    case __NR_writev: return sys_readv(fd, a1, (int64_t)a2, 1);
    case __NR_pipe: return sys_pipe(a0, 0);
    case __NR_sched_yield: return 0;
    case __NR_mremap: return mm_mremap(a0, a1, a2, (int)a3, a4);
    case __NR_madvise: return mm_madvise(a0, a1, (int)a2);
    case __NR_dup: return sp_dup(sp(), fd);
    case __NR_dup2: return sys_dup2(fd, (int)a1, 0, 0);
    case __NR_nanosleep: return sys_sleep(CLOCK_MONOTONIC, 0, a0, a1);
    case __NR_getpid: case __NR_gettid: return KEEP_PID;
    case __NR_socket: return sp_socket(sp(), (int)a0, (int)a1, (int)a2);
    case __NR_connect: return sys_addr_in(fd, a1, a2, 1);
    case __NR_accept: return sys_accept(fd, a1, a2, 0);
    case __NR_sendto: return sys_sendto(fd, a1, a2, (int)a3, a4, a5);
    case __NR_recvfrom: return sys_recvfrom(fd, a1, a2, (int)a3, a4, a5);
    case __NR_sendmsg: return sys_msg(fd, a1, (int)a2, 1);
    case __NR_recvmsg: return sys_msg(fd, a1, (int)a2, 0);
    case __NR_shutdown: return sp_shutdown(sp(), fd, (int)a1);
    case __NR_bind: return sys_addr_in(fd, a1, a2, 0);
    case __NR_listen: return sp_listen(sp(), fd, (int)a1);
    case __NR_getsockname: return sys_name(fd, a1, a2, 0);
    case __NR_getpeername: return sys_name(fd, a1, a2, 1);
    case __NR_socketpair: return sys_socketpair((int)a0, (int)a1, (int)a2, a3);
    case __NR_setsockopt: return sys_sockopt(fd, (int)a1, (int)a2, a3, a4, 0);
    case __NR_getsockopt: return sys_sockopt(fd, (int)a1, (int)a2, a3, a4, 1);
    case __NR_exit: case __NR_exit_group: shim_exit((int)(a0 & 0xff));
    case __NR_kill: return sys_kill_self((int64_t)a0, (int)a1);
    case __NR_uname: return sys_uname(a0);
    case __NR_fcntl: return sp_fcntl(sp(), fd, (int)a1, a2);
    case __NR_fsync: return sp_fsync(sp(), fd, 0);
    case __NR_fdatasync: return sp_fsync(sp(), fd, 1);
    case __NR_ftruncate: return sp_ftruncate(sp(), fd, (int64_t)a1);
    case __NR_readlink: return sys_readlink(AT_FDCWD, a0, a1, a2);
    case __NR_gettimeofday: return sys_gettimeofday(a0, a1);
    case __NR_getrlimit: return sys_prlimit(0, (int)a0, 0, a1);
    case __NR_sysinfo: return sys_sysinfo(a0);
    case __NR_getuid: case __NR_geteuid:
    case __NR_getgid: case __NR_getegid: return KEEP_UID; /* gid: the same */
    case __NR_getppid: return 0;
    case __NR_arch_prctl: return sys_arch_prctl((int)a0, a1);
    case __NR_tkill: return sys_kill_self(KEEP_PID, (int)a1);
    case __NR_time: return sys_time(a0);
    case __NR_futex: return sys_futex(a0, (int)a1, (uint32_t)a2, a3);
    case __NR_sched_getaffinity: return sys_affinity(a1, a2);
    case __NR_getdents64: return sys_getdents64(fd, a1, a2);
    case __NR_set_tid_address: return KEEP_PID;
    case __NR_clock_gettime: return sys_clock((int)a0, a1, 0);
    case __NR_clock_getres: return sys_clock((int)a0, a1, 1);
    case __NR_clock_nanosleep: return sys_sleep((int)a0, (int)a1, a2, a3);
    case __NR_tgkill: return sys_kill_self((int64_t)a0, (int)a2);
    case __NR_openat: return sys_open((int)a0, a1, (int)a2, (int)a3);
    case __NR_newfstatat: return sys_fstatat((int)a0, a1, a2, (int)a3);
    case __NR_readlinkat: return sys_readlink((int)a0, a1, a2, a3);
    case __NR_ppoll: return sys_ppoll(a0, a1, a2);
    case __NR_dup3: return sys_dup2(fd, (int)a1, (int)a2, 1);
    case __NR_pipe2: return sys_pipe(a0, (int)a1);
    case __NR_accept4: return sys_accept(fd, a1, a2, (int)a3);
    case __NR_prlimit64: return sys_prlimit((int64_t)a0, (int)a1, a2, a3);
    case __NR_getrandom: return sys_getrandom(a0, a1, (unsigned)a2);
    default:
        shim_log(ENARX_LOG_DEBUG, "shim: system call %lu is not available in a Keep (ENOSYS)", nr);
        return -ENOSYS;
    }
}

/* The evidence call (abi/evidence.h): rax = length or -errno, rdx = kind.
 * SEV-SNP Keeps answer with a report from the secure processor, never
 * asking the host; plain KVM Keeps with the VMM's unattested claim. */
static int64_t sys_getatt(uint64_t rd, uint64_t rd_len, uint64_t buf, uint64_t len, uint64_t *kind)
{
    if (snp_active)
        return snp_getatt(rd, rd_len, buf, len, kind);
    return kvm_getatt(rd, rd_len, buf, len, kind);
}

void shim_syscall(struct keep_regs *r)
{
    if (r->rax == __NR_rt_sigreturn) { /* replaces every register, rax too */
        signal_return(r);
        return;
    }
    if (r->rax == __NR_sigaltstack) { /* needs the caller's stack pointer */
        r->rax = (uint64_t)signal_sigaltstack(r->rdi, r->rsi, r->rsp);
        return;
    }
    if (r->rax == ENARX_SYS_GETATT) {
        uint64_t kind = 0;
        r->rax = (uint64_t)sys_getatt(r->rdi, r->rsi, r->rdx, r->r10, &kind);
        r->rdx = kind;
        return;
    }
    int64_t ret = dispatch(r->rax, r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
    if (shim_log_level >= ENARX_LOG_TRACE)
        shim_log(ENARX_LOG_TRACE, "shim: syscall %lu(%#lx, %#lx, %#lx) = %ld", r->rax, r->rdi, r->rsi, r->rdx,
                 (long)ret);
    r->rax = (uint64_t)ret;
}
