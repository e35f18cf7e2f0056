/* poll_oneoff: clocks and descriptor readiness, TLS streams included. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tls/tls.h"
#include "wasi/internal.h"

#define POLL_MAX_SUBSCRIPTIONS 65536

typedef struct sub {
    uint64_t userdata;
    uint8_t type;
    bool ready;
    uint16_t error;
    uint16_t flags;
    uint64_t nbytes;
    uint64_t deadline;  /* clocks: monotonic nanoseconds */
    wfd *f;             /* fd subscriptions */
    int poll_index;     /* -1: not polled */
} sub;

static uint64_t now_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* When, on the monotonic clock, a clock subscription fires. */
static int clock_deadline(uint32_t id, uint64_t timeout, uint16_t flags, uint64_t mono_now,
                          uint64_t *deadline)
{
    clockid_t host;
    switch (id) {
    case WASI_CLOCK_REALTIME: host = CLOCK_REALTIME; break;
    case WASI_CLOCK_MONOTONIC: host = CLOCK_MONOTONIC; break;
    case WASI_CLOCK_PROCESS_CPUTIME: host = CLOCK_PROCESS_CPUTIME_ID; break;
    case WASI_CLOCK_THREAD_CPUTIME: host = CLOCK_THREAD_CPUTIME_ID; break;
    default: return WASI_EINVAL;
    }
    if (!(flags & WASI_SUBCLOCK_ABSTIME)) {
        *deadline = sat_add(mono_now, timeout);
    } else if (host == CLOCK_MONOTONIC) {
        *deadline = timeout;
    } else {
        /* an absolute time on another clock: wait for the difference, as measured now */
        uint64_t other_now = now_ns(host);
        *deadline = timeout <= other_now ? mono_now : sat_add(mono_now, timeout - other_now);
    }
    return 0;
}

static void set_ready(sub *s, uint16_t error)
{
    s->ready = true;
    s->error = error;
}

/* Readiness that needs no waiting: files, directories, null, buffered TLS. */
static bool immediate(wasi_ctx *ctx, sub *s)
{
    wfd *f = s->f;
    bool reading = s->type == WASI_EVENTTYPE_FD_READ;
    switch (f->kind) {
    case WFD_NULL:
    case WFD_DIR:
    case WFD_MEMDIR:
    case WFD_MEMFILE:
        set_ready(s, 0);
        return true;
    case WFD_CHANNEL:
        if (reading && !f->chan->readable(f->chan->opaque))
            return false;
        set_ready(s, 0);
        return true;
    case WFD_FILE:
    case WFD_STDIO:
        if (f->filetype != WASI_FILETYPE_REGULAR_FILE)
            return false;
        set_ready(s, 0);
        if (reading) {
            struct stat st;
            off_t pos = lseek(f->host_fd, 0, SEEK_CUR);
            if (fstat(f->host_fd, &st) == 0 && pos >= 0 && st.st_size > pos)
                s->nbytes = (uint64_t)(st.st_size - pos);
        }
        return true;
    case WFD_STREAM:
        if (!f->tls) {
            if (!reading || !socket_has_read_ahead(f))
                return false;
            set_ready(s, 0); /* bytes (or an error) already read ahead */
            s->nbytes = socket_read_ahead(ctx, f);
            return true;
        }
        if (reading && !tls_conn_readable(f->tls) && tls_conn_input_buffered(f->tls))
            tls_conn_pump(f->tls); /* records already received: the socket may stay quiet */
        if (reading && tls_conn_readable(f->tls)) {
            set_ready(s, 0);
            s->nbytes = tls_conn_pending(f->tls);
            if (s->nbytes == 0)
                s->flags = WASI_EVENT_FD_READWRITE_HANGUP;
            return true;
        }
        if (!reading && tls_conn_writable(f->tls)) {
            set_ready(s, 0);
            return true;
        }
        return false;
    case WFD_LISTEN:
        return false;
    }
    return false;
}

static short wanted_events(const sub *s)
{
    bool reading = s->type == WASI_EVENTTYPE_FD_READ;
    if (s->f->tls)
        return tls_conn_poll_events(s->f->tls, reading, !reading);
    return reading ? POLLIN : POLLOUT;
}

/* Turns poll results into events. Returns true if s became ready. */
static bool check_polled(wasi_ctx *ctx, sub *s, short revents)
{
    wfd *f = s->f;
    bool reading = s->type == WASI_EVENTTYPE_FD_READ;
    if (revents & POLLNVAL) {
        set_ready(s, WASI_EBADF);
        return true;
    }
    if (f->tls) {
        tls_conn_pump(f->tls);
        return immediate(ctx, s);
    }
    if (f->kind == WFD_CHANNEL)
        return immediate(ctx, s);
    if (!(revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
        return false;
    /* A connected socket's pending error (a reset) is left for the read or
     * write that follows, which reports it as Linux does, after any data
     * that arrived first: SO_ERROR here would clear it, and the read would
     * then see a clean end of stream. */
    if ((revents & POLLERR) && f->kind == WFD_LISTEN) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(f->host_fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err) {
            set_ready(s, (uint16_t)wasi_errno(err));
            return true;
        }
    }
    set_ready(s, 0);
    if (revents & POLLHUP)
        s->flags = WASI_EVENT_FD_READWRITE_HANGUP;
    if (reading && f->kind == WFD_STREAM) {
        s->nbytes = socket_read_ahead(ctx, f);
    } else if (reading && f->kind != WFD_LISTEN) { /* pipes, terminals */
        int avail = 0;
        if (ioctl(f->host_fd, FIONREAD, &avail) == 0 && avail > 0)
            s->nbytes = (uint64_t)avail;
    }
    return true;
}

static int parse_subscription(wasi_call *c, const uint8_t *in, sub *s, uint64_t mono_now)
{
    memset(s, 0, sizeof *s);
    s->poll_index = -1;
    s->userdata = get_u64(in);
    s->type = in[8];
    switch (s->type) {
    case WASI_EVENTTYPE_CLOCK: {
        uint32_t id = get_u32(in + 16);
        uint64_t timeout = get_u64(in + 24);
        uint16_t flags = get_u16(in + 40);
        int rc = clock_deadline(id, timeout, flags, mono_now, &s->deadline);
        if (rc)
            set_ready(s, (uint16_t)rc);
        return 0;
    }
    case WASI_EVENTTYPE_FD_READ:
    case WASI_EVENTTYPE_FD_WRITE: {
        int rc;
        uint64_t need = R_POLL_FD_READWRITE;
        s->f = fd_get(c->ctx, get_u32(in + 16), need, &rc);
        if (!s->f)
            set_ready(s, (uint16_t)rc);
        else
            immediate(c->ctx, s);
        return 0;
    }
    default:
        return WASI_EINVAL;
    }
}

WASI_FN(poll_oneoff)
{
    uint32_t nsubs = a[2].of.i32;
    if (nsubs == 0)
        return WASI_EINVAL;
    if (nsubs > POLL_MAX_SUBSCRIPTIONS)
        return WASI_ENOTSUP;
    const uint8_t *in = mem_ptr(&c->mem, a[0].of.i32, (uint64_t)nsubs * WASI_SUBSCRIPTION_SIZE);
    uint8_t *out = mem_ptr(&c->mem, a[1].of.i32, (uint64_t)nsubs * WASI_EVENT_SIZE);
    if (!in || !out || !mem_ptr(&c->mem, a[3].of.i32, 4))
        return WASI_EFAULT;

    sub *subs = calloc(nsubs, sizeof *subs);
    struct pollfd *pfds = calloc(nsubs, sizeof *pfds);
    if (!subs || !pfds) {
        free(subs);
        free(pfds);
        return WASI_ENOMEM;
    }
    int rc = 0;
    uint64_t start = now_ns(CLOCK_MONOTONIC);
    size_t ready = 0;
    for (uint32_t i = 0; i < nsubs && rc == 0; i++) {
        rc = parse_subscription(c, in + (size_t)i * WASI_SUBSCRIPTION_SIZE, &subs[i], start);
        ready += subs[i].ready;
    }
    while (rc == 0) {
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        uint64_t earliest = UINT64_MAX;
        nfds_t n = 0;
        for (uint32_t i = 0; i < nsubs; i++) {
            sub *s = &subs[i];
            if (s->ready)
                continue;
            if (s->type == WASI_EVENTTYPE_CLOCK) {
                if (s->deadline <= now) {
                    set_ready(s, 0);
                    ready++;
                } else if (s->deadline < earliest) {
                    earliest = s->deadline;
                }
                continue;
            }
            s->poll_index = (int)n;
            pfds[n].fd = s->f->kind == WFD_CHANNEL ? s->f->chan->poll_fd(s->f->chan->opaque) : s->f->host_fd;
            pfds[n].events = wanted_events(s);
            pfds[n].revents = 0;
            n++;
        }
        if (n == 0 && ready > 0)
            break;
        struct timespec ts, *tsp = NULL;
        if (ready > 0) {
            ts.tv_sec = 0; /* only gather what else is ready right now */
            ts.tv_nsec = 0;
            tsp = &ts;
        } else if (earliest != UINT64_MAX) {
            uint64_t wait = earliest - now;
            ts.tv_sec = (time_t)(wait / 1000000000u);
            ts.tv_nsec = (long)(wait % 1000000000u);
            tsp = &ts;
        }
        int got = ppoll(n ? pfds : NULL, n, tsp, NULL);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = wasi_errno(errno);
            break;
        }
        for (uint32_t i = 0; i < nsubs; i++) {
            sub *s = &subs[i];
            if (s->ready || s->poll_index < 0)
                continue;
            if (pfds[s->poll_index].revents && check_polled(c->ctx, s, pfds[s->poll_index].revents))
                ready++;
            s->poll_index = -1;
        }
        if (ready > 0)
            break;
        /* woke without an event (a timeout about to expire, or TLS bytes that
         * held no plaintext yet): go round again */
    }
    if (rc == 0) {
        uint32_t count = 0;
        for (uint32_t i = 0; i < nsubs; i++) {
            sub *s = &subs[i];
            if (!s->ready)
                continue;
            uint8_t *e = out + (size_t)count * WASI_EVENT_SIZE;
            memset(e, 0, WASI_EVENT_SIZE);
            put_u64(e, s->userdata);
            put_u16(e + 8, s->error);
            put_u8(e + 10, s->type);
            if (s->type != WASI_EVENTTYPE_CLOCK) {
                put_u64(e + 16, s->nbytes);
                put_u16(e + 24, s->flags);
            }
            count++;
        }
        rc = mem_store_u32(&c->mem, a[3].of.i32, count);
    }
    free(subs);
    free(pfds);
    return rc;
}
