/* Time through the sallyport: monotonic and wall clocks, sleeping,
 * resolution, gettimeofday and time. */
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "prog.h"

static double secs(struct timespec t)
{
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* FUTEX_WAIT_BITSET with an absolute deadline 50 ms ahead on CLOCK (the
 * monotonic clock unless FUTEX_CLOCK_REALTIME is in op): it must time out,
 * and not before the deadline. */
static void futex_deadline(clockid_t clock, int op, const char *what)
{
    uint32_t word = 0;
    struct timespec a, b, deadline;
    EXPECT(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    EXPECT(clock_gettime(clock, &deadline) == 0);
    deadline.tv_nsec += 50L * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    errno = 0;
    long r = syscall(SYS_futex, &word, op, 0, &deadline, NULL, FUTEX_BITSET_MATCH_ANY);
    EXPECT(r == -1 && errno == ETIMEDOUT);
    EXPECT(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
    printf("futex wait-bitset on the %s clock: waited until the deadline: %s\n", what,
           secs(b) - secs(a) >= 0.049 ? "yes" : "no");
}

int main(void)
{
    struct timespec a, b, r, w;
    EXPECT(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    struct timespec d = {0, 50L * 1000 * 1000};
    EXPECT(nanosleep(&d, NULL) == 0);
    EXPECT(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
    double slept = secs(b) - secs(a);
    EXPECT(slept >= 0.050 && slept < 30);
    printf("nanosleep 50 ms: slept at least 50 ms: %s\n", slept >= 0.050 ? "yes" : "no");
    d.tv_nsec = 10L * 1000 * 1000;
    EXPECT(clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL) == 0);
    EXPECT(clock_getres(CLOCK_MONOTONIC, &r) == 0 && r.tv_sec == 0 && r.tv_nsec > 0);
    EXPECT(clock_gettime(CLOCK_REALTIME, &w) == 0);
    EXPECT(w.tv_sec > 1600000000);
    struct timeval tv;
    EXPECT(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= w.tv_sec - 1 && tv.tv_sec < w.tv_sec + 60);
    time_t t = time(NULL);
    EXPECT(t >= w.tv_sec - 1 && t < w.tv_sec + 60); /* time() may be the coarse clock */
    for (int i = 0; i < 1000; i++) {
        EXPECT(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
        EXPECT(secs(b) >= secs(a));
        a = b;
    }
    errno = 0;
    EXPECT(clock_gettime(12345, &a) == -1 && errno == EINVAL);
    futex_deadline(CLOCK_MONOTONIC, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, "monotonic");
    futex_deadline(CLOCK_REALTIME, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, "realtime");
    printf("clocks: consistent\n");
    return prog_done();
}
