/* Keep side of the sallyport. See keep.h; the wire format is sallyport.h.
 *
 * Rules this file follows, because the host writes the block and may change
 * it at any moment, even while we read it:
 *   - nothing the Keep needs back is ever read from the block except `ret` of
 *     its own calls, `rsp_seq`, and the output buffers at offsets the Keep
 *     itself chose;
 *   - each of those is read exactly once (load_ret/copy_in), into Keep memory,
 *     and only that copy is checked and used;
 *   - a failed check wipes whatever was already copied out, reports a
 *     violation, and fails the call.
 * Freestanding: no libc; memcpy/memset come from the shim (or libc in tests).
 */
#include "sallyport/keep.h"

#include "abi/linux_abi.h"


/* ---- raw access to the shared block ------------------------------------ */

static volatile struct sp_header *hdr(struct sp_keep *k)
{
    return (volatile struct sp_header *)(void *)k->block;
}

static volatile uint8_t *data_at(struct sp_keep *k, uint64_t off)
{
    return k->block + SP_HEADER_SIZE + off;
}

/* With SP_KEEP_TRACE, each load is reported to the tests right after it
 * happened (they check nothing is loaded twice, and may then change it). */
static int64_t load_ret(struct sp_keep *k, uint32_t slot)
{
    int64_t v = hdr(k)->call[slot].ret;
#ifdef SP_KEEP_TRACE
    sp_trace_load(k, (uint64_t)((const volatile uint8_t *)&hdr(k)->call[slot].ret - k->block),
                  sizeof(int64_t));
#endif
    return v;
}

static uint64_t load_rsp_seq(struct sp_keep *k)
{
    uint64_t v = hdr(k)->rsp_seq;
#ifdef SP_KEEP_TRACE
    sp_trace_load(k, (uint64_t)((const volatile uint8_t *)&hdr(k)->rsp_seq - k->block),
                  sizeof(uint64_t));
#endif
    return v;
}

/* The one place that copies reply bytes out of the data area. */
static void copy_in(struct sp_keep *k, void *dst, uint64_t off, uint64_t len)
{
    if (len == 0)
        return;
    __builtin_memcpy(dst, (const void *)data_at(k, off), len);
#ifdef SP_KEEP_TRACE
    sp_trace_load(k, SP_HEADER_SIZE + off, len);
#endif
}

static void copy_out(struct sp_keep *k, uint64_t off, const void *src, uint64_t len)
{
    if (len)
        __builtin_memcpy((void *)data_at(k, off), src, len);
}

/* ---- fd bookkeeping ------------------------------------------------------ */

int sp_keep_fd_is_open(const struct sp_keep *k, int fd)
{
    return fd >= 0 && (unsigned)fd < SP_MAX_FD && (k->fd_open[fd / 8] >> (fd % 8)) & 1;
}

/* What the Keep knows of an fd: its socket domain (0: not a socket), and
 * FD_MESSAGE for a socket whose sends go whole or not at all (datagrams,
 * seqpackets), which a full block must never cut short. */
#define FD_MESSAGE 0x100

static int fd_kind(const struct sp_keep *k, int fd)
{
    return k->fd_domain[fd] | ((k->fd_message[fd / 8] >> (fd % 8)) & 1 ? FD_MESSAGE : 0);
}

static int socket_kind(int domain, int type)
{
    int t = type & SOCK_TYPE_MASK;
    return domain | (t == SOCK_DGRAM || t == SOCK_SEQPACKET || t == SOCK_RAW || t == SOCK_RDM ? FD_MESSAGE : 0);
}

static void fd_mark(struct sp_keep *k, int fd, int kind)
{
    uint8_t bit = (uint8_t)(1u << (fd % 8));
    k->fd_open[fd / 8] |= bit;
    k->fd_domain[fd] = (uint8_t)kind;
    if (kind & FD_MESSAGE)
        k->fd_message[fd / 8] |= bit;
    else
        k->fd_message[fd / 8] &= (uint8_t)~bit;
}

static void fd_unmark(struct sp_keep *k, int fd)
{
    k->fd_open[fd / 8] &= (uint8_t)~(1u << (fd % 8));
    k->fd_message[fd / 8] &= (uint8_t)~(1u << (fd % 8));
    k->fd_domain[fd] = 0;
}

/* The fd the host must hand out next: the lowest one not open, as POSIX says. */
static int lowest_free_fd(const struct sp_keep *k, int from)
{
    for (int fd = from < 0 ? 0 : from; (unsigned)fd < SP_MAX_FD; fd++)
        if (!sp_keep_fd_is_open(k, fd))
            return fd;
    return -1;
}

void sp_keep_adopt_fd(struct sp_keep *k, int fd, int domain)
{
    if (fd >= 0 && (unsigned)fd < SP_MAX_FD)
        fd_mark(k, fd, domain);
}

void sp_keep_init(struct sp_keep *k)
{
    k->seq = 0;
    k->ncalls = 0;
    k->data_used = 0;
    k->broken = 0;
    k->violations = 0;
    k->batches = 0;
    __builtin_memset(k->fd_open, 0, sizeof k->fd_open);
    __builtin_memset(k->fd_domain, 0, sizeof k->fd_domain);
    __builtin_memset(k->fd_message, 0, sizeof k->fd_message);
    __builtin_memset(k->last_clock, 0, sizeof k->last_clock);
    k->pending_fd = -1;
    k->pending_slot_count = 0;
    k->pending_error = 0;
    k->pending_error_fd = -1;
    k->pending_bytes = 0;
}

/* ---- names and violations ------------------------------------------------ */

/* A call's name in violation reports: the Linux call it mirrors, from the
 * one call list (abi/sallyport.h). Reports about a Keep call that differs
 * from the protocol call carrying it (readv, fcntl(F_GETFD)...) name it
 * themselves. */
static const char *call_name(uint64_t nr)
{
    switch (nr) {
#define SP_NAME(name, nr_, text, group) \
    case SP_##name:                     \
        return text;
        SP_CALLS(SP_NAME)
#undef SP_NAME
    default:
        return "an unknown call";
    }
}

static int64_t violation(struct sp_keep *k, const char *call, const char *what, int64_t value)
{
    k->violations++;
    k->broken = 1;
    if (k->violation)
        k->violation(k, call, what, value);
    return -EIO;
}

/* ---- staging a batch ----------------------------------------------------- */

static int64_t flush_pending(struct sp_keep *k);

/* Starts a batch for a call that needs up to `need` bytes of buffers (the
 * caller clamps large I/O to what is left). Returns 0, or -errno when the Keep
 * is broken. Coalesced writes stay in the batch and reach the host just ahead
 * of this call, unless they leave too little room. */
#define SLACK ((uint64_t)4 * SP_DATA_ALIGN)
static int64_t begin(struct sp_keep *k, uint64_t need)
{
    if (k->broken)
        return -EIO;
    if (k->pending_slot_count) {
        if (k->ncalls + 2 <= SP_MAX_CALLS && need + SLACK <= k->data_size - k->data_used)
            return 0;
        int64_t e = flush_pending(k);
        if (e < 0)
            return e;
    }
    k->ncalls = 0;
    k->data_used = 0;
    return 0;
}

/* Where the next buffer of the batch goes (every buffer is SP_DATA_ALIGN
 * aligned), and how many bytes fit there. */
static uint64_t next_offset(const struct sp_keep *k)
{
    return (k->data_used + SP_DATA_ALIGN - 1) & ~(uint64_t)(SP_DATA_ALIGN - 1);
}

static uint64_t space_left(const struct sp_keep *k)
{
    uint64_t off = next_offset(k);
    return off < k->data_size ? k->data_size - off : 0;
}

/* Reserves `len` bytes of the data area at *off. Returns 0, or `refusal` (the
 * -errno the caller gives its own caller) when they do not fit: nothing is
 * reserved then, and the call must not be staged. Transfers that Linux may
 * shorten ask for at most space_left(k) bytes instead. */
static int64_t alloc(struct sp_keep *k, uint64_t len, uint64_t *off, int64_t refusal)
{
    if (len > space_left(k))
        return refusal;
    *off = next_offset(k);
    k->data_used = *off + len;
    return 0;
}

static uint32_t push(struct sp_keep *k, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                     uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint32_t slot = k->ncalls++;
    volatile struct sp_call *c = &hdr(k)->call[slot];
    c->nr = nr;
    c->arg[0] = a0;
    c->arg[1] = a1;
    c->arg[2] = a2;
    c->arg[3] = a3;
    c->arg[4] = a4;
    c->arg[5] = a5;
    c->ret = -ENOSYS;
    return slot;
}

static int64_t check_pending_results(struct sp_keep *k);

/* Publishes the batch, rings the doorbell and checks the host finished it. */
static int64_t submit(struct sp_keep *k, const char *call)
{
    volatile struct sp_header *h = hdr(k);
    h->ncalls = k->ncalls;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    h->req_seq = ++k->seq;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    k->batches++;
    if (k->doorbell(k) != 0)
        return violation(k, call, "the doorbell failed", 0);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint64_t rsp = load_rsp_seq(k);
    if (rsp != k->seq)
        return violation(k, call, "the host did not complete the batch; response sequence",
                         (int64_t)rsp);
    return check_pending_results(k);
}

/* Reads a call's result once and checks it is a success value or a valid
 * -errno. */
static int64_t result(struct sp_keep *k, uint32_t slot, const char *call)
{
    int64_t r = load_ret(k, slot);
    if (r < -LINUX_MAX_ERRNO)
        return violation(k, call, "error number out of range", r);
    return r;
}

/* Checks that a non-negative result does not exceed `max`. */
static int64_t bounded(struct sp_keep *k, int64_t r, uint64_t max, const char *call,
                       const char *what)
{
    if (r >= 0 && (uint64_t)r > max)
        return violation(k, call, what, r);
    return r;
}

static int64_t zero_or_error(struct sp_keep *k, int64_t r, const char *call)
{
    if (r > 0)
        return violation(k, call, "a call that returns 0 on success returned", r);
    return r;
}

/* A call that creates fd(s) must return exactly the one POSIX prescribes. */
static int64_t new_fd(struct sp_keep *k, int64_t r, int expected, int kind, const char *call)
{
    if (r < 0)
        return r;
    if (r != expected)
        return violation(k, call, "returned an fd other than the lowest free one", r);
    fd_mark(k, (int)r, kind);
    return r;
}

static int bad_fd(const struct sp_keep *k, int fd)
{
    return !sp_keep_fd_is_open(k, fd);
}

/* A one-call batch with no data: the common shape. */
static int64_t simple_call(struct sp_keep *k, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                           uint64_t a3)
{
    int64_t e = begin(k, 0);
    if (e < 0)
        return e;
    uint32_t slot = push(k, nr, a0, a1, a2, a3, 0, 0);
    if ((e = submit(k, call_name(nr))) < 0)
        return e;
    return result(k, slot, call_name(nr));
}

/* ... for a call that returns 0 on success. */
static int64_t zero_call(struct sp_keep *k, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                         uint64_t a3)
{
    return zero_or_error(k, simple_call(k, nr, a0, a1, a2, a3), call_name(nr));
}

/* ---- coalesced small writes ---------------------------------------------- */

/* Small writes to one fd may wait in the batch and travel with the next call
 * (the host runs a batch in order, so ordering with reads is kept). Their
 * results are checked when that batch completes; a failure is reported by the
 * next write to the fd. Off unless k->coalesce is set. */
#define COALESCE_MAX 4096u

static int64_t check_pending_results(struct sp_keep *k)
{
    uint32_t n = k->pending_slot_count;
    int fd = k->pending_fd;
    k->pending_slot_count = 0;
    k->pending_fd = -1;
    for (uint32_t slot = 0; slot < n; slot++) {
        /* The lengths are our private record, never re-read from the block. */
        int64_t r = load_ret(k, slot);
        if (r < -LINUX_MAX_ERRNO)
            return violation(k, call_name(SP_WRITE), "error number out of range", r);
        if (r >= 0 && (uint64_t)r > k->pending_len[slot])
            return violation(k, call_name(SP_WRITE), "byte count above the request", r);
        if (k->pending_error == 0 && (r < 0 || (uint64_t)r < k->pending_len[slot])) {
            k->pending_error = r < 0 ? r : -EIO;   /* a short deferred write lost data */
            k->pending_error_fd = fd;
        }
    }
    k->pending_bytes = 0;
    return 0;
}

static int64_t flush_pending(struct sp_keep *k)
{
    if (k->pending_slot_count == 0 || k->broken)
        return k->broken ? -EIO : 0;
    return submit(k, call_name(SP_WRITE));
}

int64_t sp_flush(struct sp_keep *k)
{
    return flush_pending(k);
}

/* ---- I/O ------------------------------------------------------------------ */

/* One read-like call (nr: read, pread64, getdents64) of at most LEN bytes,
 * and at most what fits in the block: a short read, as Linux may give; ARG3
 * is its fourth argument, `call` the Keep call it serves. Returns the host's
 * count, checked against the request, and where the bytes are in *off. */
static int64_t read_into_block(struct sp_keep *k, uint64_t nr, const char *call, int fd, uint64_t len,
                               uint64_t arg3, uint64_t *off)
{
    int64_t e = begin(k, len < k->data_size ? len : k->data_size);
    if (e < 0)
        return e;
    uint64_t n = len < space_left(k) ? len : space_left(k);
    if ((e = alloc(k, n, off, -ENOMEM)) < 0)
        return e;
    uint32_t slot = push(k, nr, (uint64_t)fd, *off, n, arg3, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return bounded(k, result(k, slot, call), n, call, "byte count above the request");
}

static int64_t read_chunk(struct sp_keep *k, uint64_t nr, int fd, uint64_t len, uint64_t arg3,
                          uint64_t *off)
{
    return read_into_block(k, nr, call_name(nr), fd, len, arg3, off);
}

int64_t sp_read(struct sp_keep *k, int fd, void *buf, uint64_t len)
{
    if (bad_fd(k, fd))
        return -EBADF;
    uint64_t off = 0;
    int64_t r = read_chunk(k, SP_READ, fd, len, 0, &off);
    if (r > 0)
        copy_in(k, buf, off, (uint64_t)r);
    return r;
}

int64_t sp_pread(struct sp_keep *k, int fd, void *buf, uint64_t len, int64_t pos)
{
    if (bad_fd(k, fd))
        return -EBADF;
    if (pos < 0)
        return -EINVAL;
    uint64_t off = 0;
    int64_t r = read_chunk(k, SP_PREAD, fd, len, (uint64_t)pos, &off);
    if (r > 0)
        copy_in(k, buf, off, (uint64_t)r);
    return r;
}

/* One chunk of a write: at most LEN bytes and what fits in the block (the
 * count sent goes to *sent). */
static int64_t write_chunk(struct sp_keep *k, uint64_t nr, const char *name, int fd,
                           const uint8_t *buf, uint64_t len, int64_t pos, uint64_t *sent)
{
    int64_t e = begin(k, len < k->data_size ? len : k->data_size);
    if (e < 0)
        return e;
    uint64_t n = len < space_left(k) ? len : space_left(k), off;
    if ((e = alloc(k, n, &off, -ENOMEM)) < 0)
        return e;
    copy_out(k, off, buf, n);
    uint32_t slot = push(k, nr, (uint64_t)fd, off, n, (uint64_t)pos, 0, 0);
    *sent = n;
    if ((e = submit(k, name)) < 0)
        return e;
    return bounded(k, result(k, slot, name), n, name, "byte count above the request");
}

/* Writes larger than the block go out as consecutive chunks for as long as
 * the host takes whole chunks, as a blocking write(2) would. */
static int64_t write_all(struct sp_keep *k, uint64_t nr, const char *name, int fd,
                         const uint8_t *buf, uint64_t len, int64_t pos)
{
    uint64_t done = 0;
    do {
        uint64_t sent = 0;
        int64_t r = write_chunk(k, nr, name, fd, buf + done, len - done, pos < 0 ? 0 : pos + (int64_t)done,
                                &sent);
        if (r < 0)
            return done && !k->broken ? (int64_t)done : r;
        done += (uint64_t)r;
        if ((uint64_t)r < sent || sent == 0)
            break;
    } while (done < len);
    return (int64_t)done;
}

int64_t sp_write(struct sp_keep *k, int fd, const void *buf, uint64_t len)
{
    if (bad_fd(k, fd))
        return -EBADF;
    if (k->broken)
        return -EIO;
    if (k->pending_error && fd == k->pending_error_fd) {
        int64_t err = k->pending_error;
        k->pending_error = 0;
        return err;
    }
    if (k->coalesce && len > 0 && len <= COALESCE_MAX && k->fd_domain[fd] == 0 &&
        (k->pending_slot_count == 0 || k->pending_fd == fd) &&
        k->pending_slot_count < SP_MAX_CALLS - 2 && k->pending_bytes + len <= (uint64_t)COALESCE_MAX * 4) {
        if (k->pending_slot_count == 0) {
            k->ncalls = 0;
            k->data_used = 0;
        }
        uint64_t off;
        if (alloc(k, len, &off, -ENOMEM) == 0) {
            copy_out(k, off, buf, len);
            push(k, SP_WRITE, (uint64_t)fd, off, len, 0, 0, 0);
            k->pending_len[k->pending_slot_count++] = (uint32_t)len;
            k->pending_fd = fd;
            k->pending_bytes += len;
            return (int64_t)len;
        }
    }
    return write_all(k, SP_WRITE, call_name(SP_WRITE), fd, buf, len, -1);
}

int64_t sp_pwrite(struct sp_keep *k, int fd, const void *buf, uint64_t len, int64_t pos)
{
    if (bad_fd(k, fd))
        return -EBADF;
    if (pos < 0)
        return -EINVAL;
    return write_all(k, SP_PWRITE, call_name(SP_PWRITE), fd, buf, len, pos);
}

static int64_t iov_total(const struct sp_iovec *iov, int n, uint64_t *total)
{
    if (n < 0 || n > 1024)
        return -EINVAL;
    uint64_t t = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].len > (uint64_t)0x7ffff000 - t)
            return -EINVAL;
        t += iov[i].len;
    }
    *total = t;
    return 0;
}

/* The checks of readv, writev, preadv and pwritev, in Linux's order: the
 * iovecs (EINVAL), then the fd (EBADF). */
static int64_t iov_args(const struct sp_keep *k, int fd, const struct sp_iovec *iov, int n, uint64_t *total)
{
    int64_t e = iov_total(iov, n, total);
    if (e < 0)
        return e;
    return bad_fd(k, fd) ? -EBADF : 0;
}

/* Hands the r bytes of a read at `off` to the caller's buffers: one copy-in,
 * so each byte of the reply is read once. */
static void scatter(struct sp_keep *k, const struct sp_iovec *iov, int n, uint64_t off, int64_t r)
{
    uint64_t left = r > 0 ? (uint64_t)r : 0, pos = off;
    for (int i = 0; i < n && left; i++) {
        uint64_t c = iov[i].len < left ? iov[i].len : left;
        copy_in(k, iov[i].base, pos, c);
        pos += c;
        left -= c;
    }
}

int64_t sp_readv(struct sp_keep *k, int fd, const struct sp_iovec *iov, int n)
{
    uint64_t total;
    int64_t e = iov_args(k, fd, iov, n, &total);
    if (e < 0)
        return e;
    uint64_t off = 0;
    int64_t r = read_into_block(k, SP_READ, "readv", fd, total, 0, &off);
    scatter(k, iov, n, off, r);
    return r;
}

int64_t sp_writev(struct sp_keep *k, int fd, const struct sp_iovec *iov, int n)
{
    uint64_t total;
    int64_t e = iov_args(k, fd, iov, n, &total);
    if (e < 0)
        return e;
    if (total <= k->data_size) {
        /* Gather into one write so the host sees it as one (atomic for pipes). */
        uint64_t off;
        if ((e = begin(k, total)) < 0 || (e = alloc(k, total, &off, -ENOMEM)) < 0)
            return e;
        uint64_t pos = off;
        for (int i = 0; i < n; i++) {
            copy_out(k, pos, iov[i].base, iov[i].len);
            pos += iov[i].len;
        }
        uint32_t slot = push(k, SP_WRITE, (uint64_t)fd, off, total, 0, 0, 0);
        if ((e = submit(k, "writev")) < 0)
            return e;
        return bounded(k, result(k, slot, "writev"), total, "writev", "byte count above the request");
    }
    uint64_t done = 0;
    for (int i = 0; i < n; i++) {
        int64_t r = write_all(k, SP_WRITE, "writev", fd, iov[i].base, iov[i].len, -1);
        if (r < 0)
            return done && !k->broken ? (int64_t)done : r;
        done += (uint64_t)r;
        if ((uint64_t)r < iov[i].len)
            break;
    }
    return (int64_t)done;
}

static uint64_t str_len(const char *s, uint64_t max)
{
    uint64_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int64_t sp_openat(struct sp_keep *k, int dirfd, const char *path, int flags, int mode)
{
    const char *call = call_name(SP_OPENAT);
    uint64_t plen = str_len(path, SP_MAX_PATH);
    if (plen >= SP_MAX_PATH)
        return -ENAMETOOLONG;
    if (dirfd != AT_FDCWD && bad_fd(k, dirfd))
        return -EBADF;
    int expected = lowest_free_fd(k, 0);
    if (expected < 0)
        return -EMFILE;
    uint64_t off;
    int64_t e = begin(k, plen + 1);
    if (e < 0 || (e = alloc(k, plen + 1, &off, -ENAMETOOLONG)) < 0)
        return e;
    copy_out(k, off, path, plen + 1);
    uint32_t slot = push(k, SP_OPENAT, (uint64_t)(int64_t)dirfd, off, plen + 1, (uint64_t)flags,
                         (uint64_t)mode, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return new_fd(k, result(k, slot, call), expected, 0, call);
}

int64_t sp_close(struct sp_keep *k, int fd)
{
    if (bad_fd(k, fd))
        return -EBADF;
    /* The fd is gone whatever the host says, as with close(2). */
    fd_unmark(k, fd);
    return zero_call(k, SP_CLOSE, (uint64_t)fd, 0, 0, 0);
}

/* struct stat on x86-64: the fields worth checking. */
#define ST_MODE_OFF    24
#define ST_SIZE_OFF    48
#define ST_BLKSIZE_OFF 56
#define ST_BLOCKS_OFF  64

static int64_t ld64(const uint8_t *p)
{
    int64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static int64_t stat_checked(struct sp_keep *k, const char *call, uint8_t *st);

/* A call that fills a fixed-size structure about fd (fstat, fstatfs). */
static int64_t fd_struct_call(struct sp_keep *k, uint64_t nr, int fd, void *buf, uint64_t size)
{
    const char *call = call_name(nr);
    if (bad_fd(k, fd))
        return -EBADF;
    uint64_t off;
    int64_t e = begin(k, size);
    if (e < 0 || (e = alloc(k, size, &off, -ENOMEM)) < 0)
        return e;
    uint32_t slot = push(k, nr, (uint64_t)fd, off, 0, 0, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = zero_or_error(k, result(k, slot, call), call);
    if (r < 0)
        return r;
    copy_in(k, buf, off, size);
    return 0;
}

int64_t sp_fstat(struct sp_keep *k, int fd, void *statbuf)
{
    int64_t r = fd_struct_call(k, SP_FSTAT, fd, statbuf, SP_STAT_SIZE);
    return r < 0 ? r : stat_checked(k, call_name(SP_FSTAT), statbuf);
}

/* Nothing in a struct statfs to check: the host says what its own file
 * system is (the exec uses it to protect the host, see config/preopen_fs.h). */
int64_t sp_fstatfs(struct sp_keep *k, int fd, void *statfsbuf)
{
    return fd_struct_call(k, SP_FSTATFS, fd, statfsbuf, SP_STATFS_SIZE);
}

int64_t sp_lseek(struct sp_keep *k, int fd, int64_t off, int whence)
{
    const char *call = call_name(SP_LSEEK);
    if (bad_fd(k, fd))
        return -EBADF;
    if (whence < 0 || whence > SEEK_MAX)
        return -EINVAL;
    int64_t r = simple_call(k, SP_LSEEK, (uint64_t)fd, (uint64_t)off, (uint64_t)whence, 0);
    if (r >= 0 && whence == SEEK_SET && r != off)
        return violation(k, call, "SEEK_SET landed elsewhere; position", r);
    return r;
}

int64_t sp_fcntl(struct sp_keep *k, int fd, int cmd, uint64_t arg)
{
    if (bad_fd(k, fd))
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if ((int64_t)arg < 0 || arg >= SP_MAX_FD)
            return -EINVAL;
        int expected = lowest_free_fd(k, (int)arg);
        if (expected < 0)
            return -EMFILE;
        int64_t r = simple_call(k, SP_FCNTL, (uint64_t)fd, (uint64_t)cmd, arg, 0);
        return new_fd(k, r, expected, fd_kind(k, fd), "fcntl(F_DUPFD)");
    }
    case F_GETFD: {
        int64_t r = simple_call(k, SP_FCNTL, (uint64_t)fd, (uint64_t)cmd, 0, 0);
        return bounded(k, r, 1, "fcntl(F_GETFD)", "fd flags other than FD_CLOEXEC");
    }
    case F_GETFL: {
        int64_t r = simple_call(k, SP_FCNTL, (uint64_t)fd, (uint64_t)cmd, 0, 0);
        return bounded(k, r, 0x7fffffff, "fcntl(F_GETFL)", "status flags out of range");
    }
    case F_SETFD:
    case F_SETFL: {
        return zero_call(k, SP_FCNTL, (uint64_t)fd, (uint64_t)cmd, arg, 0);
    }
    default:
        return -EINVAL;
    }
}

/* The ioctls a Keep forwards, with their argument size and direction. */
enum { IOCTL_ARG_NONE = 0, IOCTL_ARG_IN = 1, IOCTL_ARG_OUT = 2 };
struct ioctl_kind {
    uint64_t request;
    uint32_t len;
    int dir;
};
static const struct ioctl_kind ioctls[] = {
    {FIONBIO, 4, IOCTL_ARG_IN},
    {FIONREAD, 4, IOCTL_ARG_OUT},
    {TCGETS, 36, IOCTL_ARG_OUT},  /* the kernel struct termios (NCCS 19) */
    {TIOCGWINSZ, 8, IOCTL_ARG_OUT},
    {FIOCLEX, 0, IOCTL_ARG_NONE},
    {FIONCLEX, 0, IOCTL_ARG_NONE},
};

int sp_ioctl_arg(uint64_t request, uint32_t *len, int *out)
{
    for (unsigned i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++)
        if (ioctls[i].request == request) {
            *len = ioctls[i].len;
            *out = ioctls[i].dir == IOCTL_ARG_OUT;
            return 0;
        }
    return -1;
}

int64_t sp_ioctl(struct sp_keep *k, int fd, uint64_t request, void *arg)
{
    const char *call = call_name(SP_IOCTL);
    if (bad_fd(k, fd))
        return -EBADF;
    const struct ioctl_kind *kind = 0;
    for (unsigned i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++)
        if (ioctls[i].request == request)
            kind = &ioctls[i];
    if (!kind)
        return -ENOTTY;
    uint64_t off = SP_NULL;
    int64_t e = begin(k, kind->len);
    if (e < 0 || (kind->len && (e = alloc(k, kind->len, &off, -ENOMEM)) < 0))
        return e;
    if (kind->dir == IOCTL_ARG_IN)
        copy_out(k, off, arg, kind->len);
    uint32_t slot = push(k, SP_IOCTL, (uint64_t)fd, request, off, kind->len, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = result(k, slot, call);
    if (r < 0)
        return r;
    if (request == FIONREAD) { /* returns 0, the count in *arg */
        if (r != 0)
            return violation(k, "ioctl(FIONREAD)", "nonzero success value", r);
        int32_t n;
        copy_in(k, &n, off, sizeof n);
        if (n < 0)
            return violation(k, "ioctl(FIONREAD)", "negative byte count", n);
        __builtin_memcpy(arg, &n, sizeof n);
        return 0;
    }
    if (r != 0)
        return violation(k, call, "nonzero success value", r);
    if (kind->dir == IOCTL_ARG_OUT)
        copy_in(k, arg, off, kind->len);
    return 0;
}

int64_t sp_dup(struct sp_keep *k, int fd)
{
    const char *call = call_name(SP_DUP);
    if (bad_fd(k, fd))
        return -EBADF;
    int expected = lowest_free_fd(k, 0);
    if (expected < 0)
        return -EMFILE;
    int64_t r = simple_call(k, SP_DUP, (uint64_t)fd, 0, 0, 0);
    return new_fd(k, r, expected, fd_kind(k, fd), call);
}

int64_t sp_dup3(struct sp_keep *k, int oldfd, int newfd, int flags)
{
    const char *call = call_name(SP_DUP3);
    if (bad_fd(k, oldfd) || newfd < 0 || (unsigned)newfd >= SP_MAX_FD)
        return -EBADF;
    if (oldfd == newfd)
        return -EINVAL;
    int kind = fd_kind(k, oldfd);
    int64_t r = simple_call(k, SP_DUP3, (uint64_t)oldfd, (uint64_t)newfd, (uint64_t)flags, 0);
    if (r < 0)
        return r;
    if (r != newfd)
        return violation(k, call, "returned an fd other than the requested one", r);
    fd_mark(k, newfd, kind);
    return r;
}

/* Two new fds in an int[2] at `off`: the lowest free, then the next. */
static int64_t fd_pair(struct sp_keep *k, uint64_t off, int64_t r, int kind, int out[2],
                       const char *call)
{
    if (r < 0)
        return r;
    if (r != 0)
        return violation(k, call, "nonzero success value", r);
    int32_t got[2];
    copy_in(k, got, off, sizeof got);
    int first = lowest_free_fd(k, 0);
    if (got[0] != first)
        return violation(k, call, "first fd is not the lowest free one", got[0]);
    fd_mark(k, first, kind);
    int second = lowest_free_fd(k, 0);
    if (got[1] != second) {
        fd_unmark(k, first);
        return violation(k, call, "second fd is not the lowest free one", got[1]);
    }
    fd_mark(k, second, kind);
    out[0] = got[0];
    out[1] = got[1];
    return 0;
}

int64_t sp_pipe2(struct sp_keep *k, int fds[2], int flags)
{
    const char *call = call_name(SP_PIPE2);
    int a = lowest_free_fd(k, 0);
    if (a < 0 || lowest_free_fd(k, a + 1) < 0)
        return -EMFILE;
    uint64_t off;
    int64_t e = begin(k, 8);
    if (e < 0 || (e = alloc(k, 8, &off, -ENOMEM)) < 0)
        return e;
    uint32_t slot = push(k, SP_PIPE2, off, (uint64_t)flags, 0, 0, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return fd_pair(k, off, result(k, slot, call), 0, fds, call);
}

/* linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]. */
static const char *dirents_bad(const uint8_t *p, uint64_t len, int64_t *bad)
{
    uint64_t pos = 0;
    while (pos < len) {
        if (len - pos < 20) {
            *bad = (int64_t)pos;
            return "truncated directory entry at offset";
        }
        uint16_t reclen;
        __builtin_memcpy(&reclen, p + pos + 16, sizeof reclen);
        if (reclen < 20 || reclen % 8 || reclen > len - pos) {
            *bad = reclen;
            return "directory entry length";
        }
        int terminated = 0;
        for (uint64_t i = pos + 19; i < pos + reclen; i++)
            if (p[i] == 0) {
                terminated = 1;
                break;
            }
        if (!terminated || p[pos + 19] == 0) {
            *bad = (int64_t)pos;
            return "directory entry name empty or unterminated at offset";
        }
        pos += reclen;
    }
    return 0;
}

int64_t sp_getdents64(struct sp_keep *k, int fd, void *buf, uint64_t len)
{
    const char *call = call_name(SP_GETDENTS64);
    if (bad_fd(k, fd))
        return -EBADF;
    uint64_t off = 0;
    int64_t r = read_chunk(k, SP_GETDENTS64, fd, len, 0, &off);
    if (r <= 0)
        return r;
    copy_in(k, buf, off, (uint64_t)r);
    int64_t bad = 0;
    const char *what = dirents_bad(buf, (uint64_t)r, &bad);
    if (what) {
        __builtin_memset(buf, 0, (uint64_t)r);
        return violation(k, call, what, bad);
    }
    return r;
}

int64_t sp_fsync(struct sp_keep *k, int fd, int data_only)
{
    if (bad_fd(k, fd))
        return -EBADF;
    return zero_call(k, data_only ? SP_FDATASYNC : SP_FSYNC, (uint64_t)fd, 0, 0, 0);
}

int64_t sp_ftruncate(struct sp_keep *k, int fd, int64_t len)
{
    if (bad_fd(k, fd))
        return -EBADF;
    if (len < 0)
        return -EINVAL;
    return zero_call(k, SP_FTRUNCATE, (uint64_t)fd, (uint64_t)len, 0, 0);
}

static int64_t put_path(struct sp_keep *k, const char *path, uint64_t *off);

int64_t sp_readlinkat(struct sp_keep *k, int dirfd, const char *path, char *buf, uint64_t len)
{
    const char *call = call_name(SP_READLINKAT);
    uint64_t plen = str_len(path, SP_MAX_PATH);
    if (plen >= SP_MAX_PATH)
        return -ENAMETOOLONG;
    if (dirfd != AT_FDCWD && bad_fd(k, dirfd))
        return -EBADF;
    if (len > SP_MAX_PATH)
        len = SP_MAX_PATH;
    uint64_t poff, off;
    int64_t e = begin(k, plen + 1 + SP_DATA_ALIGN + len);
    if (e < 0 || (e = put_path(k, path, &poff)) < 0)
        return e;
    /* What does not fit after the path is cut, as readlink(2) cuts what does
     * not fit in its buffer. */
    if (len > space_left(k))
        len = space_left(k);
    if (len == 0)
        return -ENAMETOOLONG;
    if ((e = alloc(k, len, &off, -ENAMETOOLONG)) < 0)
        return e;
    uint32_t slot = push(k, SP_READLINKAT, (uint64_t)(int64_t)dirfd, poff, plen + 1, off, len, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = bounded(k, result(k, slot, call), len, call,
                        "byte count above the request");
    if (r > 0)
        copy_in(k, buf, off, (uint64_t)r);
    return r;
}

/* ---- paths ---------------------------------------------------------------- */

static int dirfd_bad(const struct sp_keep *k, int dirfd)
{
    return dirfd != AT_FDCWD && bad_fd(k, dirfd);
}

/* Copies a path into the batch at *off. Returns 0, or -ENAMETOOLONG when it
 * is too long, or too long for what is left of the block. */
static int64_t put_path(struct sp_keep *k, const char *path, uint64_t *off)
{
    uint64_t len = str_len(path, SP_MAX_PATH);
    if (len >= SP_MAX_PATH)
        return -ENAMETOOLONG;
    int64_t e = alloc(k, len + 1, off, -ENAMETOOLONG);
    if (e == 0)
        copy_out(k, *off, path, len + 1);
    return e;
}

/* A call whose arguments are fds, paths and numbers, returning 0. Each
 * argument: its value, or a path (is_path). */
struct path_arg {
    uint64_t value;
    const char *path;
};

static int64_t path_call(struct sp_keep *k, uint64_t nr, int nargs, const struct path_arg *a)
{
    const char *call = call_name(nr);
    uint64_t need = 0;
    for (int i = 0; i < nargs; i++)
        if (a[i].path)
            need += str_len(a[i].path, SP_MAX_PATH) + 1 + SP_DATA_ALIGN;
    int64_t e = begin(k, need);
    if (e < 0)
        return e;
    uint64_t v[6] = {0};
    for (int i = 0; i < nargs; i++) {
        v[i] = a[i].value;
        if (a[i].path && (e = put_path(k, a[i].path, &v[i])) < 0)
            return e;
    }
    uint32_t slot = push(k, nr, v[0], v[1], v[2], v[3], v[4], v[5]);
    if ((e = submit(k, call)) < 0)
        return e;
    return zero_or_error(k, result(k, slot, call), call);
}

int64_t sp_mkdirat(struct sp_keep *k, int dirfd, const char *path, int mode)
{
    if (dirfd_bad(k, dirfd))
        return -EBADF;
    struct path_arg a[3] = {{(uint64_t)(int64_t)dirfd, 0}, {0, path}, {(uint64_t)mode, 0}};
    return path_call(k, SP_MKDIRAT, 3, a);
}

int64_t sp_unlinkat(struct sp_keep *k, int dirfd, const char *path, int flags)
{
    if (dirfd_bad(k, dirfd))
        return -EBADF;
    struct path_arg a[3] = {{(uint64_t)(int64_t)dirfd, 0}, {0, path}, {(uint64_t)flags, 0}};
    return path_call(k, SP_UNLINKAT, 3, a);
}

int64_t sp_renameat(struct sp_keep *k, int olddirfd, const char *old, int newdirfd,
                    const char *new_path)
{
    if (dirfd_bad(k, olddirfd) || dirfd_bad(k, newdirfd))
        return -EBADF;
    struct path_arg a[4] = {{(uint64_t)(int64_t)olddirfd, 0}, {0, old},
                            {(uint64_t)(int64_t)newdirfd, 0}, {0, new_path}};
    return path_call(k, SP_RENAMEAT, 4, a);
}

int64_t sp_linkat(struct sp_keep *k, int olddirfd, const char *old, int newdirfd,
                  const char *new_path, int flags)
{
    if (dirfd_bad(k, olddirfd) || dirfd_bad(k, newdirfd))
        return -EBADF;
    struct path_arg a[5] = {{(uint64_t)(int64_t)olddirfd, 0}, {0, old},
                            {(uint64_t)(int64_t)newdirfd, 0}, {0, new_path}, {(uint64_t)flags, 0}};
    return path_call(k, SP_LINKAT, 5, a);
}

int64_t sp_symlinkat(struct sp_keep *k, const char *target, int newdirfd, const char *path)
{
    if (dirfd_bad(k, newdirfd))
        return -EBADF;
    struct path_arg a[3] = {{0, target}, {(uint64_t)(int64_t)newdirfd, 0}, {0, path}};
    return path_call(k, SP_SYMLINKAT, 3, a);
}

int64_t sp_fallocate(struct sp_keep *k, int fd, int mode, int64_t off, int64_t len)
{
    if (bad_fd(k, fd))
        return -EBADF;
    if (off < 0 || len <= 0)
        return -EINVAL;
    return zero_call(k, SP_FALLOCATE, (uint64_t)fd, (uint64_t)mode,
                            (uint64_t)off, (uint64_t)len);
}

int64_t sp_utimensat(struct sp_keep *k, int dirfd, const char *path,
                     const struct sp_timespec *times, int flags)
{
    const char *call = call_name(SP_UTIMENSAT);
    if (dirfd_bad(k, dirfd) || (!path && dirfd == AT_FDCWD))
        return path ? -EBADF : -EFAULT;
    uint64_t need = (path ? str_len(path, SP_MAX_PATH) + 1 : 0) + 2 * sizeof *times +
                    (uint64_t)2 * SP_DATA_ALIGN;
    int64_t e = begin(k, need);
    if (e < 0)
        return e;
    uint64_t poff = SP_NULL, toff = SP_NULL;
    if ((path && (e = put_path(k, path, &poff)) < 0) ||
        (times && (e = alloc(k, 2 * sizeof *times, &toff, -ENAMETOOLONG)) < 0))
        return e;
    if (times)
        copy_out(k, toff, times, 2 * sizeof *times);
    uint32_t slot = push(k, SP_UTIMENSAT, (uint64_t)(int64_t)dirfd, poff, toff, (uint64_t)flags, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return zero_or_error(k, result(k, slot, call), call);
}

/* Checks a struct stat the host returned (already in the caller's buffer). */
static int64_t stat_checked(struct sp_keep *k, const char *call, uint8_t *st)
{
    const char *what = 0;
    int64_t bad = 0;
    uint32_t type = ld32(st + ST_MODE_OFF) & S_IFMT;
    if (type != S_IFIFO && type != S_IFCHR && type != S_IFDIR && type != S_IFBLK && type != S_IFREG &&
        type != S_IFLNK && type != S_IFSOCK)
        what = "file type in st_mode", bad = (int64_t)ld32(st + ST_MODE_OFF);
    else if (ld64(st + ST_SIZE_OFF) < 0)
        what = "negative st_size", bad = ld64(st + ST_SIZE_OFF);
    else if (ld64(st + ST_BLKSIZE_OFF) <= 0 || ld64(st + ST_BLKSIZE_OFF) > (1 << 30))
        what = "st_blksize out of range", bad = ld64(st + ST_BLKSIZE_OFF);
    else if (ld64(st + ST_BLOCKS_OFF) < 0)
        what = "negative st_blocks", bad = ld64(st + ST_BLOCKS_OFF);
    if (what) {
        __builtin_memset(st, 0, SP_STAT_SIZE);
        return violation(k, call, what, bad);
    }
    return 0;
}

int64_t sp_fstatat(struct sp_keep *k, int dirfd, const char *path, void *statbuf, int flags)
{
    const char *call = call_name(SP_FSTATAT);
    if (dirfd_bad(k, dirfd))
        return -EBADF;
    int64_t e = begin(k, str_len(path, SP_MAX_PATH) + 1 + SP_STAT_SIZE + (uint64_t)2 * SP_DATA_ALIGN);
    if (e < 0)
        return e;
    /* A path that leaves no room for the struct stat is too long for this block. */
    uint64_t poff, off;
    if ((e = put_path(k, path, &poff)) < 0 || (e = alloc(k, SP_STAT_SIZE, &off, -ENAMETOOLONG)) < 0)
        return e;
    uint32_t slot = push(k, SP_FSTATAT, (uint64_t)(int64_t)dirfd, poff, off, (uint64_t)flags, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = zero_or_error(k, result(k, slot, call), call);
    if (r < 0)
        return r;
    copy_in(k, statbuf, off, SP_STAT_SIZE);
    return stat_checked(k, call, statbuf);
}

/* preadv/pwritev: one positioned read or write of the gathered buffers. */
int64_t sp_preadv(struct sp_keep *k, int fd, const struct sp_iovec *iov, int n, int64_t pos)
{
    uint64_t total;
    int64_t e = iov_args(k, fd, iov, n, &total);
    if (e < 0)
        return e;
    if (pos < 0)
        return -EINVAL;
    uint64_t off = 0;
    int64_t r = read_into_block(k, SP_PREAD, "preadv", fd, total, (uint64_t)pos, &off);
    scatter(k, iov, n, off, r);
    return r;
}

int64_t sp_pwritev(struct sp_keep *k, int fd, const struct sp_iovec *iov, int n, int64_t pos)
{
    uint64_t total;
    int64_t e = iov_args(k, fd, iov, n, &total);
    if (e < 0)
        return e;
    if (pos < 0)
        return -EINVAL;
    uint64_t done = 0;
    for (int i = 0; i < n; i++) {
        int64_t r = write_all(k, SP_PWRITE, "pwritev", fd, iov[i].base, iov[i].len, pos + (int64_t)done);
        if (r < 0)
            return done && !k->broken ? (int64_t)done : r;
        done += (uint64_t)r;
        if ((uint64_t)r < iov[i].len)
            break;
    }
    return (int64_t)done;
}

/* ---- sockets -------------------------------------------------------------- */

static int domain_ok(int domain)
{
    return domain == AF_UNIX || domain == AF_INET || domain == AF_INET6;
}

/* Checks a socket address the host returned (already copied into `a`) for a
 * socket of `domain`; len 0 means "no address" where allow_empty. On failure
 * returns what is wrong and sets *bad to the offending value. */
static const char *sockaddr_bad(int domain, const uint8_t *a, uint32_t len, int allow_empty,
                                int64_t *bad)
{
    *bad = len;
    if (len == 0)
        return allow_empty ? 0 : "empty socket address; length";
    if (len > SP_SOCKADDR_MAX || len < 2)
        return "socket address length";
    uint16_t family;
    __builtin_memcpy(&family, a, sizeof family);
    if (family != domain) {
        *bad = family;
        return "socket address family";
    }
    if (domain == AF_INET && len != 16)
        return "IPv4 socket address length";
    if (domain == AF_INET6 && len != 28)
        return "IPv6 socket address length";
    if (domain == AF_UNIX && len > 110)
        return "UNIX socket address length";
    return 0;
}

int64_t sp_socket(struct sp_keep *k, int domain, int type, int protocol)
{
    const char *call = call_name(SP_SOCKET);
    if (!domain_ok(domain))
        return -EAFNOSUPPORT;
    int expected = lowest_free_fd(k, 0);
    if (expected < 0)
        return -EMFILE;
    int64_t r = simple_call(k, SP_SOCKET, (uint64_t)domain, (uint64_t)type,
                            (uint64_t)protocol, 0);
    return new_fd(k, r, expected, socket_kind(domain, type), call);
}

int64_t sp_socketpair(struct sp_keep *k, int domain, int type, int protocol, int fds[2])
{
    const char *call = call_name(SP_SOCKETPAIR);
    if (domain != AF_UNIX)
        return -EAFNOSUPPORT;
    int a = lowest_free_fd(k, 0);
    if (a < 0 || lowest_free_fd(k, a + 1) < 0)
        return -EMFILE;
    uint64_t off;
    int64_t e = begin(k, 8);
    if (e < 0 || (e = alloc(k, 8, &off, -ENOMEM)) < 0)
        return e;
    uint32_t slot = push(k, SP_SOCKETPAIR, (uint64_t)domain, (uint64_t)type, (uint64_t)protocol,
                         off, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return fd_pair(k, off, result(k, slot, call), socket_kind(domain, type), fds, call);
}

/* 0 when fd is an open socket of the Keep; else the errno to return. */
static int64_t socket_fd_error(const struct sp_keep *k, int fd)
{
    if (bad_fd(k, fd))
        return -EBADF;
    return k->fd_domain[fd] == 0 ? -ENOTSOCK : 0;
}

static int64_t addr_in_call(struct sp_keep *k, uint64_t nr, int fd, const void *addr,
                            uint32_t addrlen)
{
    const char *call = call_name(nr);
    int64_t bad = socket_fd_error(k, fd);
    if (bad)
        return bad;
    if (addrlen > SP_SOCKADDR_MAX)
        return -EINVAL;
    uint64_t off;
    int64_t e = begin(k, addrlen);
    if (e < 0 || (e = alloc(k, addrlen, &off, -ENOMEM)) < 0)
        return e;
    copy_out(k, off, addr, addrlen);
    uint32_t slot = push(k, nr, (uint64_t)fd, off, addrlen, 0, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return zero_or_error(k, result(k, slot, call), call);
}

int64_t sp_bind(struct sp_keep *k, int fd, const void *addr, uint32_t addrlen)
{
    return addr_in_call(k, SP_BIND, fd, addr, addrlen);
}

int64_t sp_connect(struct sp_keep *k, int fd, const void *addr, uint32_t addrlen)
{
    return addr_in_call(k, SP_CONNECT, fd, addr, addrlen);
}

int64_t sp_listen(struct sp_keep *k, int fd, int backlog)
{
    int64_t bad = socket_fd_error(k, fd);
    if (bad)
        return bad;
    return zero_call(k, SP_LISTEN, (uint64_t)fd, (uint64_t)backlog, 0, 0);
}

/* Copies a returned address out of the block (once), checks it, and hands
 * the caller min(actual, room) bytes plus the actual length, as the kernel
 * does. Returns 0 or a violation. */
static int64_t addr_out(struct sp_keep *k, const char *call, int domain, uint64_t aoff,
                        uint64_t loff, void *addr, uint32_t *addrlen, int allow_empty)
{
    uint32_t len;
    copy_in(k, &len, loff, sizeof len);
    uint8_t a[SP_SOCKADDR_MAX];
    if (len > SP_SOCKADDR_MAX)
        return violation(k, call, "socket address length", len);
    copy_in(k, a, aoff, len);
    int64_t bad;
    const char *what = sockaddr_bad(domain, a, len, allow_empty, &bad);
    if (what)
        return violation(k, call, what, bad);
    uint32_t room = *addrlen;
    __builtin_memcpy(addr, a, room < len ? room : len);
    *addrlen = len;
    return 0;
}

/* Room for a socket address the host returns, and its u32 length (set to
 * the room): the (addr off, addrlen off) pair of accept4, getsockname,
 * getpeername and recvfrom. */
static int64_t addr_room(struct sp_keep *k, uint64_t *aoff, uint64_t *loff)
{
    int64_t e;
    if ((e = alloc(k, SP_SOCKADDR_MAX, aoff, -ENOMEM)) < 0 || (e = alloc(k, 4, loff, -ENOMEM)) < 0)
        return e;
    uint32_t max = SP_SOCKADDR_MAX;
    copy_out(k, *loff, &max, 4);
    return 0;
}

int64_t sp_accept4(struct sp_keep *k, int fd, void *addr, uint32_t *addrlen, int flags)
{
    const char *call = call_name(SP_ACCEPT4);
    if (bad_fd(k, fd))
        return -EBADF;
    int domain = k->fd_domain[fd];
    if (domain == 0)
        return -ENOTSOCK;
    int expected = lowest_free_fd(k, 0);
    if (expected < 0)
        return -EMFILE;
    uint64_t aoff = SP_NULL, loff = SP_NULL;
    int64_t e = begin(k, SP_SOCKADDR_MAX + SP_DATA_ALIGN + 4);
    if (e < 0 || (addr && (e = addr_room(k, &aoff, &loff)) < 0))
        return e;
    uint32_t slot = push(k, SP_ACCEPT4, (uint64_t)fd, aoff, loff, (uint64_t)flags, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = result(k, slot, call);
    if (r < 0)
        return r;
    if (r != expected)
        return violation(k, call, "returned an fd other than the lowest free one", r);
    /* UNIX peers are often unnamed: a 2-byte (family only) or empty address. */
    if (addr && (e = addr_out(k, call, domain, aoff, loff, addr, addrlen,
                              domain == AF_UNIX)) < 0)
        return e;
    fd_mark(k, (int)r, fd_kind(k, fd)); /* the listener's domain and type */
    return r;
}

static int64_t name_call(struct sp_keep *k, uint64_t nr, int fd, void *addr, uint32_t *addrlen)
{
    const char *call = call_name(nr);
    if (bad_fd(k, fd))
        return -EBADF;
    int domain = k->fd_domain[fd];
    if (domain == 0)
        return -ENOTSOCK;
    uint64_t aoff, loff;
    int64_t e = begin(k, SP_SOCKADDR_MAX + SP_DATA_ALIGN + 4);
    if (e < 0 || (e = addr_room(k, &aoff, &loff)) < 0)
        return e;
    uint32_t slot = push(k, nr, (uint64_t)fd, aoff, loff, 0, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = zero_or_error(k, result(k, slot, call), call);
    if (r < 0)
        return r;
    if ((e = addr_out(k, call, domain, aoff, loff, addr, addrlen, domain == AF_UNIX)) < 0)
        return e;
    return 0;
}

int64_t sp_getsockname(struct sp_keep *k, int fd, void *addr, uint32_t *addrlen)
{
    return name_call(k, SP_GETSOCKNAME, fd, addr, addrlen);
}

int64_t sp_getpeername(struct sp_keep *k, int fd, void *addr, uint32_t *addrlen)
{
    return name_call(k, SP_GETPEERNAME, fd, addr, addrlen);
}

#define SOCKOPT_MAX 256u

int64_t sp_setsockopt(struct sp_keep *k, int fd, int level, int name, const void *val,
                      uint32_t len)
{
    const char *call = call_name(SP_SETSOCKOPT);
    int64_t bad = socket_fd_error(k, fd);
    if (bad)
        return bad;
    if (len > SOCKOPT_MAX)
        return -EINVAL;
    uint64_t off;
    int64_t e = begin(k, len);
    if (e < 0 || (e = alloc(k, len, &off, -ENOMEM)) < 0)
        return e;
    copy_out(k, off, val, len);
    uint32_t slot = push(k, SP_SETSOCKOPT, (uint64_t)fd, (uint64_t)level, (uint64_t)name, off,
                         len, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return zero_or_error(k, result(k, slot, call), call);
}

int64_t sp_getsockopt(struct sp_keep *k, int fd, int level, int name, void *val, uint32_t *len)
{
    const char *call = call_name(SP_GETSOCKOPT);
    int64_t bad = socket_fd_error(k, fd);
    if (bad)
        return bad;
    uint32_t room = *len > SOCKOPT_MAX ? SOCKOPT_MAX : *len;
    uint64_t off, loff;
    int64_t e = begin(k, room + SP_DATA_ALIGN + 4);
    if (e < 0 || (e = alloc(k, room, &off, -ENOMEM)) < 0 || (e = alloc(k, 4, &loff, -ENOMEM)) < 0)
        return e;
    copy_out(k, loff, &room, 4);
    uint32_t slot = push(k, SP_GETSOCKOPT, (uint64_t)fd, (uint64_t)level, (uint64_t)name, off,
                         loff, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = zero_or_error(k, result(k, slot, call), call);
    if (r < 0)
        return r;
    uint32_t got;
    copy_in(k, &got, loff, sizeof got);
    if (got > room)
        return violation(k, call, "option length above the buffer", got);
    copy_in(k, val, off, got);
    *len = got;
    return 0;
}

int64_t sp_sendto(struct sp_keep *k, int fd, const void *buf, uint64_t len, int flags,
                  const void *addr, uint32_t addrlen)
{
    const char *call = call_name(SP_SENDTO);
    int64_t bad = socket_fd_error(k, fd);
    if (bad)
        return bad;
    if (addr && addrlen > SP_SOCKADDR_MAX)
        return -EINVAL;
    /* A stream send may be short (the caller sends the rest, as after a
     * short send(2)); a message goes whole or not at all. */
    int message = (fd_kind(k, fd) & FD_MESSAGE) != 0;
    uint64_t want = message || len < k->data_size / 2 ? len : k->data_size / 2;
    uint64_t aoff = SP_NULL, off;
    int64_t e = begin(k, want + SP_SOCKADDR_MAX + SP_DATA_ALIGN);
    if (e < 0 || (addr && (e = alloc(k, addrlen, &aoff, -ENOMEM)) < 0))
        return e;
    uint64_t n = len < space_left(k) ? len : space_left(k);
    if (message && n < len)
        return -EMSGSIZE;
    if ((e = alloc(k, n, &off, -ENOMEM)) < 0)
        return e;
    if (addr)
        copy_out(k, aoff, addr, addrlen);
    copy_out(k, off, buf, n);
    uint32_t slot = push(k, SP_SENDTO, (uint64_t)fd, off, n, (uint64_t)flags, aoff,
                         addr ? addrlen : 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return bounded(k, result(k, slot, call), n, call, "byte count above the request");
}

int64_t sp_recvfrom(struct sp_keep *k, int fd, void *buf, uint64_t len, int flags, void *addr,
                    uint32_t *addrlen)
{
    const char *call = call_name(SP_RECVFROM);
    if (bad_fd(k, fd))
        return -EBADF;
    int domain = k->fd_domain[fd];
    if (domain == 0)
        return -ENOTSOCK;
    /* A short receive, as Linux may give, when the buffer is bigger than the
     * block; a message gets all the room there is (what does not fit is
     * truncated, as by a buffer that size). */
    uint64_t want = (fd_kind(k, fd) & FD_MESSAGE) || len < k->data_size / 2 ? len : k->data_size / 2;
    uint64_t aoff = SP_NULL, loff = SP_NULL, off;
    int64_t e = begin(k, want + SP_SOCKADDR_MAX + (uint64_t)2 * SP_DATA_ALIGN + 4);
    if (e < 0 || (addr && (e = addr_room(k, &aoff, &loff)) < 0))
        return e;
    uint64_t n = len < space_left(k) ? len : space_left(k);
    if ((e = alloc(k, n, &off, -ENOMEM)) < 0)
        return e;
    uint32_t slot = push(k, SP_RECVFROM, (uint64_t)fd, off, n, (uint64_t)flags, aoff, loff);
    if ((e = submit(k, call)) < 0)
        return e;
    /* MSG_TRUNC on datagrams returns the real length, which may exceed n. */
    int64_t r = result(k, slot, call);
    if (r >= 0 && (uint64_t)r > n && !(flags & MSG_TRUNC))
        return violation(k, call, "byte count above the request", r);
    if (r >= 0 && (uint64_t)r > 65536 + n)
        return violation(k, call, "truncated datagram length", r);
    if (r < 0)
        return r;
    /* Stream sockets report no source address: length 0. */
    if (addr && (e = addr_out(k, call, domain, aoff, loff, addr, addrlen, 1)) < 0)
        return e;
    copy_in(k, buf, off, (uint64_t)r < n ? (uint64_t)r : n);
    return r;
}

int64_t sp_shutdown(struct sp_keep *k, int fd, int how)
{
    int64_t bad = socket_fd_error(k, fd);
    if (bad)
        return bad;
    return zero_call(k, SP_SHUTDOWN, (uint64_t)fd, (uint64_t)how, 0, 0);
}

/* ---- waiting and time ----------------------------------------------------- */

static int timespec_ok(const struct sp_timespec *t)
{
    return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < 1000000000;
}

int64_t sp_poll(struct sp_keep *k, struct sp_pollfd *fds, uint64_t n,
                const struct sp_timespec *timeout)
{
    const char *call = call_name(SP_POLL);
    if (n > SP_MAX_POLL_FDS)
        return -EINVAL;
    if (timeout && !timespec_ok(timeout))
        return -EINVAL;
    int64_t e = begin(k, n * sizeof(struct sp_pollfd) + SP_DATA_ALIGN + sizeof(struct sp_timespec));
    if (e < 0)
        return e;
    /* fds the Keep knows are not open get POLLNVAL here and go to the host as
     * -1 (which it must leave alone); as in Linux, an invalid fd makes the
     * call return at once, so the host only gets a zero timeout then. */
    uint64_t local_ready = 0;
    for (uint64_t i = 0; i < n; i++)
        local_ready += fds[i].fd >= 0 && bad_fd(k, fds[i].fd);
    static const struct sp_timespec no_wait = {0, 0};
    const struct sp_timespec *wait = local_ready ? &no_wait : timeout;
    /* A poll cannot be split: more fds than the block holds is ENOMEM, as
     * when Linux cannot allocate its table. */
    uint64_t off, toff = SP_NULL;
    if ((e = alloc(k, n * sizeof(struct sp_pollfd), &off, -ENOMEM)) < 0 ||
        (wait && (e = alloc(k, sizeof *wait, &toff, -ENOMEM)) < 0))
        return e;
    for (uint64_t i = 0; i < n; i++) {
        struct sp_pollfd p = fds[i];
        p.revents = 0;
        if (p.fd >= 0 && bad_fd(k, p.fd))
            p.fd = -1;
        copy_out(k, off + i * sizeof p, &p, sizeof p);
    }
    if (wait)
        copy_out(k, toff, wait, sizeof *wait);
    uint32_t slot = push(k, SP_POLL, off, n, toff, 0, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = bounded(k, result(k, slot, call), n, call, "ready count above the fd count");
    if (r < 0)
        return r;
    /* Copy every revents once, then check: each holds only requested events or
     * error bits, fds sent as -1 hold nothing, and exactly `r` are nonzero. */
    int16_t revents[SP_MAX_POLL_FDS];
    uint64_t ready = 0;
    for (uint64_t i = 0; i < n; i++) {
        int16_t got;
        copy_in(k, &got, off + i * sizeof(struct sp_pollfd) + 6, sizeof got);
        int invalid = fds[i].fd >= 0 && bad_fd(k, fds[i].fd);
        uint16_t allowed = (uint16_t)fds[i].events | POLLERR | POLLHUP | POLLNVAL;
        if (fds[i].fd < 0 || invalid)
            allowed = 0;
        if ((uint16_t)got & ~allowed)
            return violation(k, call, "revents holds events that were not requested",
                             (uint16_t)got);
        ready += got != 0;
        revents[i] = invalid ? POLLNVAL : got;
    }
    if (ready != (uint64_t)r)
        return violation(k, call, "ready count disagrees with revents; count", r);
    for (uint64_t i = 0; i < n; i++)
        fds[i].revents = revents[i];
    return r + (int64_t)local_ready;
}

static int clock_is_monotonic(int clock)
{
    return clock == CLOCK_MONOTONIC || clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID ||
           clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_MONOTONIC_COARSE || clock == CLOCK_BOOTTIME;
}

static int64_t clock_call(struct sp_keep *k, uint64_t nr, int clock, struct sp_timespec *ts)
{
    const char *call = call_name(nr);
    if (clock < 0 || clock > CLOCK_BOOTTIME)
        return -EINVAL;
    uint64_t off;
    int64_t e = begin(k, sizeof *ts);
    if (e < 0 || (e = alloc(k, sizeof *ts, &off, -ENOMEM)) < 0)
        return e;
    uint32_t slot = push(k, nr, (uint64_t)clock, off, 0, 0, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = zero_or_error(k, result(k, slot, call), call);
    if (r < 0)
        return r;
    struct sp_timespec t;
    copy_in(k, &t, off, sizeof t);
    if (t.tv_sec < 0)
        return violation(k, call, "negative seconds", t.tv_sec);
    if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
        return violation(k, call, "nanoseconds out of range", t.tv_nsec);
    if (nr == SP_CLOCK_GETTIME && clock_is_monotonic(clock)) {
        struct sp_timespec *last = &k->last_clock[clock];
        if (t.tv_sec < last->tv_sec || (t.tv_sec == last->tv_sec && t.tv_nsec < last->tv_nsec))
            return violation(k, call, "monotonic clock went backwards; seconds", t.tv_sec);
        *last = t;
    }
    if (nr == SP_CLOCK_GETRES && (t.tv_sec != 0 || t.tv_nsec == 0))
        return violation(k, call, "implausible clock resolution; seconds", t.tv_sec);
    if (ts)
        *ts = t;
    return 0;
}

int64_t sp_clock_gettime(struct sp_keep *k, int clock, struct sp_timespec *ts)
{
    return clock_call(k, SP_CLOCK_GETTIME, clock, ts);
}

int64_t sp_clock_getres(struct sp_keep *k, int clock, struct sp_timespec *ts)
{
    return clock_call(k, SP_CLOCK_GETRES, clock, ts);
}

int64_t sp_clock_nanosleep(struct sp_keep *k, int clock, int flags,
                           const struct sp_timespec *req, struct sp_timespec *rem)
{
    const char *call = call_name(SP_CLOCK_NANOSLEEP);
    if (clock < 0 || clock > CLOCK_BOOTTIME || clock == CLOCK_PROCESS_CPUTIME_ID ||
        clock == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    if (!timespec_ok(req))
        return -EINVAL;
    uint64_t off, roff;
    int64_t e = begin(k, 2 * sizeof *req + SP_DATA_ALIGN);
    if (e < 0 || (e = alloc(k, sizeof *req, &off, -ENOMEM)) < 0 || (e = alloc(k, sizeof *req, &roff, -ENOMEM)) < 0)
        return e;
    copy_out(k, off, req, sizeof *req);
    uint32_t slot = push(k, SP_CLOCK_NANOSLEEP, (uint64_t)clock, (uint64_t)flags, off, roff, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = zero_or_error(k, result(k, slot, call), call);
    if (r == -EINTR && rem && !(flags & TIMER_ABSTIME)) {
        struct sp_timespec t;
        copy_in(k, &t, roff, sizeof t);
        if (!timespec_ok(&t) || t.tv_sec > req->tv_sec ||
            (t.tv_sec == req->tv_sec && t.tv_nsec > req->tv_nsec))
            return violation(k, call, "remaining time above the request; seconds",
                             t.tv_sec);
        *rem = t;
    }
    return r;
}

/* ---- the Keep's own calls ------------------------------------------------- */

int64_t sp_exit(struct sp_keep *k, int status)
{
    const char *call = call_name(SP_EXIT);
    if (k->pending_slot_count && !k->broken) {
        /* The last writes travel with the exit. */
        push(k, SP_EXIT, (uint64_t)status, 0, 0, 0, 0, 0);
        return submit(k, call);
    }
    k->broken = 0; /* an exit always gets through, even after a violation */
    k->ncalls = 0;
    k->data_used = 0;
    push(k, SP_EXIT, (uint64_t)status, 0, 0, 0, 0, 0);
    return submit(k, call);
}

int64_t sp_abort(struct sp_keep *k, int status, int kind, const char *msg, uint64_t len)
{
    const char *call = call_name(SP_ABORT);
    /* Output the workload already wrote goes first; then the report, whatever
     * state the Keep is in. */
    if (k->pending_slot_count && !k->broken)
        (void)flush_pending(k);
    k->broken = 0;
    k->pending_slot_count = 0;
    k->ncalls = 0;
    k->data_used = 0;
    if (len > 4096)
        len = 4096;
    if (len > space_left(k))
        len = space_left(k);
    uint64_t off = 0;
    if (alloc(k, len, &off, -ENOMEM) < 0)
        len = 0; /* cannot happen in an empty block; the status still goes */
    copy_out(k, off, msg, len);
    push(k, SP_ABORT, (uint64_t)status, off, len, (uint64_t)kind, 0, 0);
    return submit(k, call);
}

int64_t sp_log(struct sp_keep *k, int level, const char *msg, uint64_t len)
{
    const char *call = call_name(SP_LOG);
    int64_t e = begin(k, len < k->data_size / 2 ? len : k->data_size / 2);
    if (e < 0)
        return e;
    /* A message longer than the room the batch leaves is cut: it is only the
     * shim's log. */
    if (len > space_left(k))
        len = space_left(k);
    uint64_t off;
    if ((e = alloc(k, len, &off, -ENOMEM)) < 0)
        return e;
    copy_out(k, off, msg, len);
    uint32_t slot = push(k, SP_LOG, (uint64_t)level, off, len, 0, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    return zero_or_error(k, result(k, slot, call), call);
}

int64_t sp_discard(struct sp_keep *k, uint64_t gpa, uint64_t len)
{
    return zero_call(k, SP_DISCARD, gpa, len, 0, 0);
}

int64_t sp_getatt(struct sp_keep *k, const uint8_t report_data[64], uint8_t *out, uint64_t cap)
{
    const char *call = call_name(SP_GETATT);
    if (cap > k->data_size / 2)
        cap = k->data_size / 2;
    int64_t e = begin(k, 64 + cap);
    if (e < 0)
        return e;
    uint64_t rd_off, out_off;
    if ((e = alloc(k, 64, &rd_off, -ENOMEM)) < 0 || (e = alloc(k, cap, &out_off, -ENOMEM)) < 0)
        return e;
    copy_out(k, rd_off, report_data, 64);
    uint32_t slot = push(k, SP_GETATT, rd_off, out_off, cap, 0, 0, 0);
    if ((e = submit(k, call)) < 0)
        return e;
    int64_t r = bounded(k, result(k, slot, call), cap, call, "evidence longer than the room given");
    if (r > 0)
        copy_in(k, out, out_off, (uint64_t)r);
    return r;
}
