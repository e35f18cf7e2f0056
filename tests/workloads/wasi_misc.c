/* args, environ, clocks, random_get, sched_yield, proc_raise and the stdio
 * descriptors, through the raw WASI imports.
 *
 * usage: wasi_misc.wasm [ARGS...]   environment: whatever the test passes */
#include "check.h"

extern char **environ;

static void test_args(int argc, char **argv)
{
    size_t count = 0, size = 0;
    EXPECT_OK("args_sizes_get", __wasi_args_sizes_get(&count, &size));
    size_t want = 0;
    for (int i = 0; i < argc; i++)
        want += strlen(argv[i]) + 1;
    EXPECT("args sizes", count == (size_t)argc && size == want, "%zu %zu", count, size);
    uint8_t *buf = malloc(size + 1);
    uint8_t **ptrs = malloc((count + 1) * sizeof *ptrs);
    EXPECT_OK("args_get", __wasi_args_get(ptrs, buf));
    int same = 1;
    for (size_t i = 0; i < count; i++)
        same = same && strcmp((char *)ptrs[i], argv[i]) == 0;
    EXPECT("args_get matches argv", same, NULL);
    free(buf);
    free(ptrs);
}

static void test_environ(void)
{
    size_t count = 0, size = 0, n = 0, want = 0;
    EXPECT_OK("environ_sizes_get", __wasi_environ_sizes_get(&count, &size));
    for (char **e = environ; *e; e++, n++)
        want += strlen(*e) + 1;
    EXPECT("environ sizes", count == n && size == want, "%zu/%zu %zu/%zu", count, n, size, want);
    uint8_t *buf = malloc(size + 1);
    uint8_t **ptrs = malloc((count + 1) * sizeof *ptrs);
    EXPECT_OK("environ_get", __wasi_environ_get(ptrs, buf));
    int same = 1;
    for (size_t i = 0; i < count; i++)
        same = same && strcmp((char *)ptrs[i], environ[i]) == 0;
    EXPECT("environ_get matches environ", same, NULL);
    free(buf);
    free(ptrs);
}

static __wasi_timestamp_t now(__wasi_clockid_t id)
{
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(id, 1, &t) != 0)
        return 0; /* the callers' EXPECTs on elapsed time then fail visibly */
    return t;
}

static void test_clocks(void)
{
    static const char *const names[] = {"realtime", "monotonic", "process cputime", "thread cputime"};
    for (__wasi_clockid_t id = 0; id < 4; id++) {
        __wasi_timestamp_t res = 0, t = 0;
        char what[64];
        snprintf(what, sizeof what, "clock_res_get %s", names[id]);
        EXPECT_OK(what, __wasi_clock_res_get(id, &res));
        snprintf(what, sizeof what, "%s resolution", names[id]);
        EXPECT(what, res > 0 && res <= 1000000000ull, "%llu", (unsigned long long)res);
        snprintf(what, sizeof what, "clock_time_get %s", names[id]);
        EXPECT_OK(what, __wasi_clock_time_get(id, 1, &t));
    }
    __wasi_timestamp_t res, t;
    EXPECT_ERR("clock_res_get bad clock", __wasi_clock_res_get(9, &res), __WASI_ERRNO_INVAL);
    EXPECT_ERR("clock_time_get bad clock", __wasi_clock_time_get(9, 1, &t), __WASI_ERRNO_INVAL);
    EXPECT("realtime is after 2020", now(__WASI_CLOCKID_REALTIME) > 1577836800ull * 1000000000ull, NULL);
    int monotonic = 1;
    __wasi_timestamp_t prev = now(__WASI_CLOCKID_MONOTONIC);
    for (int i = 0; i < 1000; i++) {
        __wasi_timestamp_t cur = now(__WASI_CLOCKID_MONOTONIC);
        monotonic = monotonic && cur >= prev;
        prev = cur;
    }
    EXPECT("monotonic never goes back", monotonic, NULL);
    __wasi_timestamp_t cpu0 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 20000000ul; i++)
        spin += i;
    (void)spin;
    EXPECT("process cputime advances with work", now(__WASI_CLOCKID_PROCESS_CPUTIME_ID) > cpu0, NULL);

    /* a 50 ms sleep through poll_oneoff */
    __wasi_subscription_t sub;
    memset(&sub, 0, sizeof sub);
    sub.userdata = 42;
    sub.u.tag = __WASI_EVENTTYPE_CLOCK;
    sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub.u.u.clock.timeout = 50000000ull;
    __wasi_event_t ev;
    size_t n = 0;
    __wasi_timestamp_t t0 = now(__WASI_CLOCKID_MONOTONIC);
    EXPECT_OK("poll_oneoff sleep", __wasi_poll_oneoff(&sub, &ev, 1, &n));
    __wasi_timestamp_t slept = now(__WASI_CLOCKID_MONOTONIC) - t0;
    EXPECT("slept at least 50 ms", n == 1 && ev.userdata == 42 && ev.error == 0 && slept >= 50000000ull,
           "n %zu slept %llu ns", n, (unsigned long long)slept);
}

static void test_random(void)
{
    static uint8_t a[1 << 20], b[1 << 20];
    EXPECT_OK("random_get 0 bytes", __wasi_random_get(a, 0));
    EXPECT_OK("random_get 1 MiB", __wasi_random_get(a, sizeof a));
    EXPECT_OK("random_get again", __wasi_random_get(b, sizeof b));
    size_t zeros = 0;
    for (size_t i = 0; i < sizeof a; i++)
        zeros += a[i] == 0;
    EXPECT("random bytes look random", zeros < sizeof a / 128 && memcmp(a, b, sizeof a) != 0, "%zu zeros", zeros);
}

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) int32_t
raw_proc_raise(int32_t sig);

static void test_stdio(void)
{
    for (__wasi_fd_t fd = 0; fd < 3; fd++) {
        __wasi_fdstat_t st;
        char what[32];
        snprintf(what, sizeof what, "fd_fdstat_get %u", (unsigned)fd);
        EXPECT_OK(what, __wasi_fd_fdstat_get(fd, &st));
    }
    __wasi_fdstat_t st;
    EXPECT_ERR("fd_fdstat_get on a closed fd", __wasi_fd_fdstat_get(77, &st), __WASI_ERRNO_BADF);
    size_t n;
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    EXPECT_ERR("fd_write on a closed fd", __wasi_fd_write(77, &iov, 1, &n), __WASI_ERRNO_BADF);
    EXPECT_OK("sched_yield", __wasi_sched_yield());
    EXPECT("proc_raise is refused", raw_proc_raise(10 /* SIGUSR1 */) != 0, NULL);
}

int main(int argc, char **argv)
{
    verbose = getenv("VERBOSE") != NULL;
    test_args(argc, argv);
    test_environ();
    test_clocks();
    test_random();
    test_stdio();
    return finish("wasi_misc");
}
