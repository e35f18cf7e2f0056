/* The path sandbox from inside a workload, on whichever resolver the exec
 * uses (nil: openat2; the KVM Keep: the component walk). fd 3 must be
 * tests/wasi/sandbox_fixture.sh's ROOT/in.
 *
 *   wasi_sandbox.wasm table
 *       every case of tests/wasi/path_cases.h: each must give exactly its
 *       answer (the same table the unit tests run on both resolvers)
 *   wasi_sandbox.wasm race-flip SECONDS
 *       swaps race/ (a directory) and race_alt (a link to ../outside) with
 *       path_rename until race_stop appears or SECONDS pass (it creates
 *       race_flipping when it starts)
 *   wasi_sandbox.wasm race-probe ROUNDS DEV:INO...
 *       waits for race_flipping, runs the race cases ROUNDS times, then
 *       creates race_stop; nothing
 *       reached may be one of the given objects (outside's), nothing read
 *       may say OUTSIDE
 *
 * Two workloads sharing one preopen is how the trailing-slash escape of
 * issue 9 was found; the suites run race-flip and race-probe side by side. */
#include "check.h"
#include "../wasi/path_cases.h"

#include <time.h>

#define DIR 3
#define SAME(x, y) ((int)(x) == (int)(y))
_Static_assert(SAME(PC_EEXIST, __WASI_ERRNO_EXIST) && SAME(PC_EINVAL, __WASI_ERRNO_INVAL) &&
                   SAME(PC_EISDIR, __WASI_ERRNO_ISDIR) && SAME(PC_ELOOP, __WASI_ERRNO_LOOP) &&
                   SAME(PC_ENAMETOOLONG, __WASI_ERRNO_NAMETOOLONG) && SAME(PC_ENOENT, __WASI_ERRNO_NOENT) &&
                   SAME(PC_ENOTDIR, __WASI_ERRNO_NOTDIR) && SAME(PC_ENOTEMPTY, __WASI_ERRNO_NOTEMPTY) &&
                   SAME(PC_EPERM, __WASI_ERRNO_PERM) && SAME(PC_ENOTCAPABLE, __WASI_ERRNO_NOTCAPABLE),
               "path_cases.h errno values are WASI's");

/* During a race: outside's objects, and what was reached. */
static struct {
    unsigned long long dev[16], ino[16];
    int count;
    int leaks;
    long successes;
} watch;

static int is_outside(const __wasi_filestat_t *st)
{
    for (int i = 0; i < watch.count; i++)
        if (st->dev == watch.dev[i] && st->ino == watch.ino[i])
            return 1;
    return 0;
}

static void leak(const char *what, const char *path)
{
    if (watch.leaks++ < 5)
        printf("FAIL race: %s through '%s'\n", what, path);
}

static uint8_t readlink_buf[256];

static void watch_fd(__wasi_fd_t fd, const char *path)
{
    __wasi_filestat_t st;
    if (__wasi_fd_filestat_get(fd, &st) == 0 && is_outside(&st))
        leak("opened an object outside", path);
    char buf[64];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    size_t n = 0;
    if (__wasi_fd_read(fd, &iov, 1, &n) == 0 && n >= 7 && memcmp(buf, "OUTSIDE", 7) == 0)
        leak("read a file outside", path);
}

static int run_op(enum pc_op op, const char *a, const char *b, int watching)
{
    const __wasi_lookupflags_t follow = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
    const __wasi_rights_t rw = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_GET;
    const __wasi_rights_t r = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_FILESTAT_GET;
    __wasi_fd_t fd = (__wasi_fd_t)-1;
    __wasi_filestat_t st;
    size_t used = 0;
    int rc;
    switch (op) {
    case PC_OPEN: rc = __wasi_path_open(DIR, follow, a, 0, r, r, 0, &fd); break;
    case PC_OPEN_NOFOLLOW: rc = __wasi_path_open(DIR, 0, a, 0, r, r, 0, &fd); break;
    case PC_OPEN_DIR:
        rc = __wasi_path_open(DIR, follow, a, __WASI_OFLAGS_DIRECTORY,
                              __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_FILESTAT_GET, 0, 0, &fd);
        break;
    case PC_CREATE: rc = __wasi_path_open(DIR, follow, a, __WASI_OFLAGS_CREAT, rw, rw, 0, &fd); break;
    case PC_CREATE_EXCL:
        rc = __wasi_path_open(DIR, follow, a, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, rw, rw, 0, &fd);
        break;
    case PC_STAT: rc = __wasi_path_filestat_get(DIR, 0, a, &st); break;
    case PC_STAT_FOLLOW: rc = __wasi_path_filestat_get(DIR, follow, a, &st); break;
    case PC_TIMES: rc = __wasi_path_filestat_set_times(DIR, 0, a, 0, 0, __WASI_FSTFLAGS_MTIM_NOW); break;
    case PC_TIMES_FOLLOW:
        rc = __wasi_path_filestat_set_times(DIR, follow, a, 0, 0, __WASI_FSTFLAGS_MTIM_NOW);
        break;
    case PC_MKDIR: rc = __wasi_path_create_directory(DIR, a); break;
    case PC_RMDIR: rc = __wasi_path_remove_directory(DIR, a); break;
    case PC_UNLINK: rc = __wasi_path_unlink_file(DIR, a); break;
    case PC_RENAME: rc = __wasi_path_rename(DIR, a, DIR, b); break;
    case PC_LINK: rc = __wasi_path_link(DIR, 0, a, DIR, b); break;
    case PC_LINK_FOLLOW: rc = __wasi_path_link(DIR, follow, a, DIR, b); break;
    case PC_SYMLINK: rc = __wasi_path_symlink(a, DIR, b); break;
    case PC_READLINK: rc = __wasi_path_readlink(DIR, a, readlink_buf, sizeof readlink_buf, &used); break;
    default: rc = -1;
    }
    if (rc == 0 && watching) {
        watch.successes++;
        if (fd != (__wasi_fd_t)-1)
            watch_fd(fd, a);
        else if ((op == PC_STAT || op == PC_STAT_FOLLOW) && is_outside(&st))
            leak("stat'ed an object outside", a);
        else if (op == PC_READLINK && used >= 7 && memcmp(readlink_buf, "OUTSIDE", 7) == 0)
            leak("read a link outside", a);
        else if ((op == PC_LINK || op == PC_LINK_FOLLOW || op == PC_RENAME) &&
                 __wasi_path_filestat_get(DIR, 0, b, &st) == 0 && is_outside(&st))
            leak("linked or moved an object outside", a);
    }
    if (fd != (__wasi_fd_t)-1)
        (void)__wasi_fd_close(fd);
    return rc;
}

static int run_table(void)
{
    static char a[16384], b[16384];
    for (size_t i = 0; i < PATH_CASE_COUNT; i++) {
        const struct path_case *pc = &path_cases[i];
        if (pc_expand(pc->a, a, sizeof a) == (size_t)-1 || (pc->b && pc_expand(pc->b, b, sizeof b) == (size_t)-1)) {
            result(0, "a path of the table expands", "case %zu", i);
            continue;
        }
        int got = run_op(pc->op, a, pc->b ? b : NULL, 0);
        char name[160];
        snprintf(name, sizeof name, "case %zu %s('%.60s'%s%s%s)", i, pc_op_names[pc->op], pc->a,
                 pc->b ? ", '" : "", pc->b ? pc->b : "", pc->b ? "'" : "");
        result(errno_in((__wasi_errno_t)got, pc->expect, -1), name, "%d, want %d", got, pc->expect);
    }
    return finish("wasi_sandbox table");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Four renames per swap, so that it always ends as it began. It creates
 * race_flipping first: the prober waits for it. */
static int race_flip(double seconds)
{
    double end = now() + seconds;
    long flips = 0, failed = 0;
    __wasi_filestat_t st;
    __wasi_fd_t fd;
    if (__wasi_path_open(DIR, 0, "race_flipping", __WASI_OFLAGS_CREAT, 0, 0, 0, &fd) == 0)
        (void)__wasi_fd_close(fd);
    while (now() < end && __wasi_path_filestat_get(DIR, 0, "race_stop", &st) != 0) {
        failed += __wasi_path_rename(DIR, "race", DIR, "race_tmp") != 0;
        failed += __wasi_path_rename(DIR, "race_alt", DIR, "race") != 0;
        failed += __wasi_path_rename(DIR, "race", DIR, "race_alt") != 0;
        failed += __wasi_path_rename(DIR, "race_tmp", DIR, "race") != 0;
        flips++;
    }
    printf("race-flip: %ld swaps, %ld renames failed\n", flips, failed);
    return failed ? 1 : 0;
}

static int race_probe(int rounds, int argc, char **argv)
{
    for (int i = 0; i < argc && watch.count < 16; i++) {
        if (sscanf(argv[i], "%llu:%llu", &watch.dev[watch.count], &watch.ino[watch.count]) == 2)
            watch.count++;
    }
    /* wait (up to two minutes: a Keep under emulation starts slowly) for the
     * other workload to be swapping */
    __wasi_filestat_t st;
    double give_up = now() + 120;
    while (__wasi_path_filestat_get(DIR, 0, "race_flipping", &st) != 0 && now() < give_up)
        (void)__wasi_sched_yield();
    long tries = 0;
    for (int r = 0; r < rounds; r++)
        for (size_t k = 0; k < RACE_CASE_COUNT; k++, tries++)
            run_op(race_cases[k].op, race_cases[k].a, race_cases[k].b, 1);
    __wasi_fd_t fd;
    (void)__wasi_path_open(DIR, 0, "race_stop", __WASI_OFLAGS_CREAT, 0, 0, 0, &fd);
    printf("race-probe: %d rounds, %ld calls (%ld succeeded), %d outside objects watched: %d leaks\n", rounds,
           tries, watch.successes, watch.count, watch.leaks);
    return watch.leaks || !watch.count ? 1 : 0;
}

int main(int argc, char **argv)
{
    verbose = 0;
    if (argc >= 2 && strcmp(argv[1], "table") == 0)
        return run_table();
    if (argc >= 3 && strcmp(argv[1], "race-flip") == 0)
        return race_flip(atof(argv[2]));
    if (argc >= 4 && strcmp(argv[1], "race-probe") == 0)
        return race_probe(atoi(argv[2]), argc - 3, argv + 3);
    fprintf(stderr, "usage: wasi_sandbox table | race-flip SECONDS | race-probe ROUNDS DEV:INO...\n");
    return 2;
}
