/* timeit: runs a command several times and reports the median, minimum and
 * maximum of its wall-clock time and of its CPU time (user + system, of the
 * command and every descendant it waited for), and its peak resident size.
 * The benchmark runner's stopwatch.
 *
 *   timeit [-n RUNS] [-b BUDGET_S] [-w WARMUP] [-t TIMEOUT_S] [-o OUTFILE] [-q] -- CMD [ARGS...]
 *
 * -b stops early, after at least one timed run, once the timed runs have
 * taken BUDGET_S seconds of wall-clock time in all (slow runs need fewer
 * repetitions; CPU time varies little between them).
 * The command's standard output is captured: every run must print the same
 * bytes as the first (a benchmark whose answer changes between runs is
 * broken), and -o saves them. Its standard error passes through unless -q.
 * A run that exits non-zero, dies from a signal or exceeds the timeout ends
 * timeit with status 1 and a message naming the run; nothing is reported.
 *
 * Output, one line:
 *   runs=N wall_med=S wall_min=S wall_max=S cpu_med=S cpu_min=S cpu_max=S maxrss_kib=K */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_RUNS = 1000 };

typedef struct sample {
    double wall, cpu;
    long maxrss_kib;
} sample;

static volatile sig_atomic_t timed_out;
static volatile pid_t running_child;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
    if (running_child > 0)
        kill(-running_child, SIGKILL); /* the whole process group: a runtime may fork */
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Reads a whole file into a malloc'd buffer; NULL on error. */
static char *slurp(int fd, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return NULL;
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    size_t got = 0;
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) {
            free(buf);
            return NULL;
        }
        got += (size_t)r;
    }
    *len = n;
    return buf;
}

/* One run of argv with stdout into out_fd; false (with a message) on failure. */
static bool run_once(char **argv, int out_fd, bool quiet, unsigned timeout, int run, sample *s)
{
    if (ftruncate(out_fd, 0) != 0 || lseek(out_fd, 0, SEEK_SET) != 0) {
        perror("timeit: output file");
        return false;
    }
    timed_out = 0;
    double start = seconds_now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("timeit: fork");
        return false;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || (quiet && dup2(devnull, 2) < 0))
            _exit(126);
        execvp(argv[0], argv);
        fprintf(stderr, "timeit: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* also here, so the timeout can never miss the group */
    running_child = pid;
    alarm(timeout);
    int status = 0;
    struct rusage ru;
    pid_t got;
    while ((got = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR) {}
    alarm(0);
    running_child = 0;
    s->wall = seconds_now() - start;
    if (got != pid) {
        perror("timeit: wait4");
        return false;
    }
    kill(-pid, SIGKILL); /* leave no stray descendants behind */
    if (timed_out) {
        fprintf(stderr, "timeit: run %d of %s exceeded the %u s timeout\n", run, argv[0], timeout);
        return false;
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "timeit: run %d of %s died from signal %d (%s)\n", run, argv[0], WTERMSIG(status),
                strsignal(WTERMSIG(status)));
        return false;
    }
    if (WEXITSTATUS(status) != 0) {
        fprintf(stderr, "timeit: run %d of %s exited with status %d\n", run, argv[0], WEXITSTATUS(status));
        return false;
    }
    s->cpu = tv_seconds(ru.ru_utime) + tv_seconds(ru.ru_stime);
    s->maxrss_kib = ru.ru_maxrss;
    return true;
}

static int usage(void)
{
    fprintf(stderr, "usage: timeit [-n RUNS] [-b BUDGET_S] [-w WARMUP] [-t TIMEOUT_S] [-o OUTFILE] [-q] -- CMD [ARGS...]\n");
    return 2;
}

static bool parse_count(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    long runs = 3, warmup = 0, timeout = 600, budget = 0;
    const char *outfile = NULL;
    bool quiet = false;
    int opt;
    while ((opt = getopt(argc, argv, "+n:b:w:t:o:q")) != -1) {
        switch (opt) {
        case 'n':
            if (!parse_count(optarg, 1, MAX_RUNS, &runs))
                return fprintf(stderr, "timeit: -n %s: want 1..%d runs\n", optarg, MAX_RUNS), 2;
            break;
        case 'b':
            if (!parse_count(optarg, 1, 86400, &budget))
                return fprintf(stderr, "timeit: -b %s: want a budget of 1..86400 seconds\n", optarg), 2;
            break;
        case 'w':
            if (!parse_count(optarg, 0, MAX_RUNS, &warmup))
                return fprintf(stderr, "timeit: -w %s: want 0..%d warm-up runs\n", optarg, MAX_RUNS), 2;
            break;
        case 't':
            if (!parse_count(optarg, 1, 86400, &timeout))
                return fprintf(stderr, "timeit: -t %s: want a timeout of 1..86400 seconds\n", optarg), 2;
            break;
        case 'o':
            outfile = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return usage();
        }
    }
    if (optind >= argc)
        return usage();
    char **cmd = argv + optind;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: wait4 must return on timeout */
    sigaction(SIGALRM, &sa, NULL);

    char tmpl[] = "/tmp/timeit.XXXXXX";
    int out_fd = mkstemp(tmpl);
    if (out_fd < 0) {
        perror("timeit: mkstemp");
        return 1;
    }
    unlink(tmpl);

    static sample samples[MAX_RUNS];
    char *first = NULL;
    size_t first_len = 0;
    int status = 0;
    double spent = 0;
    long done = 0;
    for (long r = -warmup; r < runs && status == 0; r++) {
        sample s;
        if (!run_once(cmd, out_fd, quiet, (unsigned)timeout, (int)r + 1, &s)) {
            status = 1;
            break;
        }
        size_t len;
        char *out = slurp(out_fd, &len);
        if (!out) {
            perror("timeit: reading the captured output");
            status = 1;
        } else if (!first) {
            first = out;
            first_len = len;
        } else {
            if (len != first_len || memcmp(out, first, len) != 0) {
                fprintf(stderr, "timeit: %s printed something different on run %ld than on the first run\n",
                        cmd[0], r + 1);
                status = 1;
            }
            free(out);
        }
        if (r >= 0) {
            samples[r] = s;
            done = r + 1;
            spent += s.wall;
            if (budget && spent >= (double)budget)
                break;
        }
    }
    close(out_fd);
    if (status == 0 && outfile) {
        FILE *f = fopen(outfile, "wb");
        if (!f || fwrite(first, 1, first_len, f) != first_len || fclose(f) != 0) {
            fprintf(stderr, "timeit: cannot write %s: %s\n", outfile, strerror(errno));
            status = 1;
        }
    }
    free(first);
    if (status != 0)
        return status;
    runs = done;

    static double wall[MAX_RUNS], cpu[MAX_RUNS];
    long maxrss = 0;
    for (long r = 0; r < runs; r++) {
        wall[r] = samples[r].wall;
        cpu[r] = samples[r].cpu;
        if (samples[r].maxrss_kib > maxrss)
            maxrss = samples[r].maxrss_kib;
    }
    double wall_med = median(wall, (int)runs), cpu_med = median(cpu, (int)runs);
    printf("runs=%ld wall_med=%.6f wall_min=%.6f wall_max=%.6f cpu_med=%.6f cpu_min=%.6f cpu_max=%.6f maxrss_kib=%ld\n",
           runs, wall_med, wall[0], wall[runs - 1], cpu_med, cpu[0], cpu[runs - 1], maxrss);
    return 0;
}
