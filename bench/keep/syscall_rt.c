/* Keep benchmark kernel: the cost of one system call round trip, as seen
 * by the exec. A proxied call (fcntl F_GETFL on stdout: the host does almost
 * nothing) goes Keep -> sallyport -> host -> back; a shim-local call
 * (getppid) never leaves the Keep. When fd 3 is open (the benchmark opens
 * /dev/null there), also write(3, 1 byte): the reference call.
 * Run natively for the floor.
 *   syscall_rt [N]   prints ns per call for each */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    for (int i = 0; i < 100; i++) /* warm up: first-touch, exit-less poller awake */
        fcntl(1, F_GETFL);
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        fcntl(1, F_GETFL);
    double t1 = now_ns();
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    double t2 = now_ns();
    printf("proxied call (fcntl F_GETFL): %.0f ns\n", (t1 - t0) / (double)n);
    printf("shim-local call (getppid):    %.0f ns\n", (t2 - t1) / (double)n);
    if (fcntl(3, F_GETFD) >= 0) {
        long ok = 0;
        double t3 = now_ns();
        for (long i = 0; i < n; i++)
            ok += write(3, "x", 1) == 1;
        double t4 = now_ns();
        printf("proxied write of 1 byte to fd 3: %.0f ns (%ld of %ld written)\n",
               (t4 - t3) / (double)n, ok, n);
    }
    return 0;
}
