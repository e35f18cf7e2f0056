/* poll_oneoff on clocks and on stdin/stdout. stdin must be a pipe on which
 * the test writes "ping\n" once this program has printed "waiting for
 * stdin" (so the check does not race start-up, which is slow in an emulated
 * Keep), then closes it. */
#include "check.h"

static __wasi_timestamp_t now(__wasi_clockid_t id)
{
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(id, 1, &t) != 0)
        return 0; /* the callers' EXPECTs on elapsed time then fail visibly */
    return t;
}

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id, __wasi_timestamp_t timeout,
                                       int absolute)
{
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.flags = absolute ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
    return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, __wasi_eventtype_t type, __wasi_fd_t fd)
{
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = type;
    s.u.u.fd_read.file_descriptor = fd;
    return s;
}

int main(void)
{
    verbose = 1;
    __wasi_subscription_t subs[4];
    __wasi_event_t ev[4];
    size_t n = 0;

    EXPECT_ERR("no subscriptions", __wasi_poll_oneoff(subs, ev, 0, &n), __WASI_ERRNO_INVAL);

    subs[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, now(__WASI_CLOCKID_MONOTONIC) + 20000000ull, 1);
    EXPECT_OK("absolute monotonic clock", __wasi_poll_oneoff(subs, ev, 1, &n));
    EXPECT("absolute monotonic fired", n == 1 && ev[0].userdata == 1 && ev[0].type == __WASI_EVENTTYPE_CLOCK, NULL);
    __wasi_timestamp_t t0 = now(__WASI_CLOCKID_MONOTONIC);
    subs[0] = clock_sub(2, __WASI_CLOCKID_REALTIME, now(__WASI_CLOCKID_REALTIME) + 20000000ull, 1);
    EXPECT_OK("absolute realtime clock", __wasi_poll_oneoff(subs, ev, 1, &n));
    EXPECT("absolute realtime waited", n == 1 && now(__WASI_CLOCKID_MONOTONIC) - t0 >= 15000000ull, NULL);

    /* stdout is writable at once */
    subs[0] = fd_sub(3, __WASI_EVENTTYPE_FD_WRITE, 1);
    subs[1] = clock_sub(4, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0);
    EXPECT_OK("stdout writable", __wasi_poll_oneoff(subs, ev, 2, &n));
    EXPECT("stdout event", n >= 1 && ev[0].userdata == 3 && ev[0].error == 0, "n %zu ud %llu", n,
           (unsigned long long)ev[0].userdata);

    /* a bad descriptor is an event with an error, not a failed call */
    subs[0] = fd_sub(5, __WASI_EVENTTYPE_FD_READ, 99);
    EXPECT_OK("bad fd in a subscription", __wasi_poll_oneoff(subs, ev, 1, &n));
    EXPECT("bad fd event", n == 1 && ev[0].userdata == 5 && ev[0].error == __WASI_ERRNO_BADF, "n %zu err %d", n,
           ev[0].error);

    /* nothing on stdin yet: the 20 ms clock wins */
    subs[0] = fd_sub(6, __WASI_EVENTTYPE_FD_READ, 0);
    subs[1] = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 20000000ull, 0);
    EXPECT_OK("stdin not ready yet", __wasi_poll_oneoff(subs, ev, 2, &n));
    EXPECT("the clock fired first", n == 1 && ev[0].userdata == 7, "n %zu ud %llu", n,
           (unsigned long long)ev[0].userdata);
    printf("waiting for stdin\n");
    fflush(stdout);

    /* then the data arrives */
    subs[1] = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 10000000000ull, 0);
    EXPECT_OK("stdin becomes readable", __wasi_poll_oneoff(subs, ev, 2, &n));
    EXPECT("stdin read event", n == 1 && ev[0].userdata == 6 && ev[0].error == 0 && ev[0].fd_readwrite.nbytes == 5,
           "n %zu ud %llu nbytes %llu", n, (unsigned long long)ev[0].userdata,
           (unsigned long long)ev[0].fd_readwrite.nbytes);
    char buf[16] = {0};
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    EXPECT_OK("fd_read stdin", __wasi_fd_read(0, &iov, 1, &n));
    EXPECT("got ping", n == 5 && memcmp(buf, "ping\n", 5) == 0, "%zu", n);

    /* and at end of stream stdin stays readable (a read returns 0) */
    EXPECT_OK("stdin at end of stream", __wasi_poll_oneoff(subs, ev, 2, &n));
    EXPECT("end of stream is readable", n >= 1 && ev[0].userdata == 6, NULL);
    EXPECT_OK("fd_read at end", __wasi_fd_read(0, &iov, 1, &n));
    EXPECT("read 0 at end", n == 0, "%zu", n);
    return finish("wasi_poll");
}
