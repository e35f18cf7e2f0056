/* The path sandbox (src/wasi/sandbox.c) under attack, on both resolvers:
 * openat2(RESOLVE_BENEATH) and the component walk a KVM Keep uses.
 *
 *  - the table of tests/wasi/path_cases.h: every path function with trailing
 *    slashes, dot components, links in and out, depth and long link chains;
 *    both resolvers must give exactly the listed answer;
 *  - no oracle: a link out of the preopen gives the same answer whatever it
 *    points to (a directory, a file, a link, nothing);
 *  - races: a thread swaps a directory and a link to outside while every
 *    path function runs on names below it; nothing outside may ever be
 *    opened, read, stat'ed, created, removed, renamed, linked or touched.
 *
 * usage: sandbox_unit [FIXTURE-SCRIPT]  (default tests/wasi/sandbox_fixture.sh)
 * RACE_ROUNDS (default 100) sets the rounds of the racing thread. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fake_call.h"
#include "path_cases.h"
#include "wasi/internal.h"
#include "wasi/sandbox.h"

#define SAME(x, y) ((int)(x) == (int)(y))
_Static_assert(SAME(PC_EEXIST, WASI_EEXIST) && SAME(PC_EINVAL, WASI_EINVAL) && SAME(PC_EISDIR, WASI_EISDIR) &&
                   SAME(PC_ELOOP, WASI_ELOOP) && SAME(PC_ENAMETOOLONG, WASI_ENAMETOOLONG) &&
                   SAME(PC_ENOENT, WASI_ENOENT) && SAME(PC_ENOTDIR, WASI_ENOTDIR) &&
                   SAME(PC_ENOTEMPTY, WASI_ENOTEMPTY) && SAME(PC_EPERM, WASI_EPERM) &&
                   SAME(PC_ENOTCAPABLE, WASI_ENOTCAPABLE),
               "path_cases.h errno values are WASI's");

#define MEM_SIZE 65536u
#define A_AT 8192u   /* first path */
#define B_AT 16384u  /* second path */
#define BUF_AT 24576u
#define OUT_AT 256u

static char root[256];
static const char *resolver_name(int walk) { return walk ? "walk" : "openat2"; }

/* One guest memory per thread: the race tests call from two threads. */
typedef struct guest {
    uint8_t mem[MEM_SIZE];
    wasi_ctx *ctx;
} guest;

#define call(g, ...) call_on((g)->ctx, (g)->mem, MEM_SIZE, __VA_ARGS__)

static uint32_t put(guest *g, uint32_t at, const char *s)
{
    size_t n = strlen(s);
    memcpy(g->mem + at, s, n + 1);
    return (uint32_t)n;
}

/* A context whose fd 3 is ROOT/in. */
static void guest_init(guest *g)
{
    memset(g->mem, 0, sizeof g->mem);
    g->ctx = wasi_ctx_new();
    for (int i = 0; i < 3; i++)
        wasi_ctx_add_null(g->ctx);
    char in[300];
    snprintf(in, sizeof in, "%s/in", root);
    int fd = open(in, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK_EQ_INT(wasi_ctx_add_preopen(g->ctx, fd, "/in"), 3);
}

static int path_open(guest *g, uint32_t lookup, const char *path, uint32_t oflags, uint64_t rights, int *fd)
{
    uint32_t len = put(g, A_AT, path);
    int rc = call(g, wasi_path_open, 9, I(3), I(lookup), I(A_AT), I(len), I(oflags), L(rights), L(rights), I(0),
                  I(OUT_AT));
    *fd = rc ? -1 : (int)get_u32(g->mem + OUT_AT);
    return rc;
}

static void guest_close(guest *g, int fd)
{
    if (fd >= 0)
        call(g, wasi_fd_close, 1, I(fd));
}

/* What outside looks like (ROOT/outside): every inode and its times. */
#define OUT_NAMES 7
static const char *const out_names[OUT_NAMES] = {".", "f", "ln", "rl", "d", "d2", "u"};
typedef struct outside_state {
    struct stat st[OUT_NAMES];
    int entries;
} outside_state;

static bool is_outside(const outside_state *s, uint64_t dev, uint64_t ino)
{
    for (int i = 0; i < OUT_NAMES; i++)
        if (s->st[i].st_ino && (uint64_t)s->st[i].st_ino == ino && (uint64_t)s->st[i].st_dev == dev)
            return true;
    return false;
}

/* During a race: what the calls reached. */
typedef struct race_watch {
    const outside_state *outside;
    int leaks;
    long successes;
    int walk;
} race_watch;

static void leak(race_watch *w, const char *what, const char *path)
{
    if (w->leaks++ < 5)
        printf("     %s: race: %s through '%s'\n", resolver_name(w->walk), what, path);
}

/* The filestat at OUT_AT is not outside's. */
static void watch_stat(guest *g, race_watch *w, const char *path)
{
    if (is_outside(w->outside, get_u64(g->mem + OUT_AT), get_u64(g->mem + OUT_AT + 8)))
        leak(w, "reached an object outside", path);
}

/* An opened descriptor: neither the object nor its content is outside's. */
static void watch_fd(guest *g, race_watch *w, int fd, const char *path)
{
    if (call(g, wasi_fd_filestat_get, 2, I(fd), I(OUT_AT)) == 0)
        watch_stat(g, w, path);
    put_u32(g->mem + 64, BUF_AT);
    put_u32(g->mem + 68, 64);
    if (call(g, wasi_fd_read, 4, I(fd), I(64), I(1), I(72)) == 0 && get_u32(g->mem + 72) >= 7 &&
        memcmp(g->mem + BUF_AT, "OUTSIDE", 7) == 0)
        leak(w, "read a file outside", path);
}

/* After a successful call in a race: what did it reach? */
static void watch(guest *g, race_watch *w, enum pc_op op, const char *a, const char *b, int fd)
{
    w->successes++;
    if (fd >= 0) {
        watch_fd(g, w, fd, a);
    } else if (op == PC_STAT || op == PC_STAT_FOLLOW) {
        watch_stat(g, w, a);
    } else if (op == PC_READLINK) {
        if (memcmp(g->mem + BUF_AT, "OUTSIDE", 7) == 0)
            leak(w, "read a link outside", a);
    } else if (op == PC_LINK || op == PC_LINK_FOLLOW || op == PC_RENAME) {
        uint32_t len = put(g, B_AT, b); /* the new name: not outside's object */
        if (call(g, wasi_path_filestat_get, 5, I(3), I(0), I(B_AT), I(len), I(OUT_AT)) == 0)
            watch_stat(g, w, a);
    }
}

/* Runs one operation on paths a (and b); returns the WASI errno. */
static int run_op(guest *g, enum pc_op op, const char *a, const char *b, race_watch *w)
{
    const uint32_t follow = WASI_LOOKUP_SYMLINK_FOLLOW;
    const uint64_t rw = R_FD_READ | R_FD_WRITE;
    uint32_t al = put(g, A_AT, a), bl = b ? put(g, B_AT, b) : 0;
    int fd = -1, rc;
    switch (op) {
    case PC_OPEN: rc = path_open(g, follow, a, 0, R_FD_READ, &fd); break;
    case PC_OPEN_NOFOLLOW: rc = path_open(g, 0, a, 0, R_FD_READ, &fd); break;
    case PC_OPEN_DIR: rc = path_open(g, follow, a, WASI_OFLAG_DIRECTORY, R_FD_READDIR, &fd); break;
    case PC_CREATE: rc = path_open(g, follow, a, WASI_OFLAG_CREAT, rw, &fd); break;
    case PC_CREATE_EXCL: rc = path_open(g, follow, a, WASI_OFLAG_CREAT | WASI_OFLAG_EXCL, rw, &fd); break;
    case PC_STAT:
    case PC_STAT_FOLLOW:
        rc = call(g, wasi_path_filestat_get, 5, I(3), I(op == PC_STAT ? 0 : follow), I(A_AT), I(al), I(OUT_AT));
        break;
    case PC_TIMES:
    case PC_TIMES_FOLLOW:
        rc = call(g, wasi_path_filestat_set_times, 7, I(3), I(op == PC_TIMES ? 0 : follow), I(A_AT), I(al), L(0),
                  L(0), I(WASI_FSTFLAG_MTIM_NOW));
        break;
    case PC_MKDIR: rc = call(g, wasi_path_create_directory, 3, I(3), I(A_AT), I(al)); break;
    case PC_RMDIR: rc = call(g, wasi_path_remove_directory, 3, I(3), I(A_AT), I(al)); break;
    case PC_UNLINK: rc = call(g, wasi_path_unlink_file, 3, I(3), I(A_AT), I(al)); break;
    case PC_RENAME: rc = call(g, wasi_path_rename, 6, I(3), I(A_AT), I(al), I(3), I(B_AT), I(bl)); break;
    case PC_LINK:
    case PC_LINK_FOLLOW:
        rc = call(g, wasi_path_link, 7, I(3), I(op == PC_LINK ? 0 : follow), I(A_AT), I(al), I(3), I(B_AT), I(bl));
        break;
    case PC_SYMLINK: rc = call(g, wasi_path_symlink, 5, I(A_AT), I(al), I(3), I(B_AT), I(bl)); break;
    case PC_READLINK: rc = call(g, wasi_path_readlink, 6, I(3), I(A_AT), I(al), I(BUF_AT), I(256), I(OUT_AT)); break;
    default: rc = -1;
    }
    if (rc == 0 && w)
        watch(g, w, op, a, b, fd);
    guest_close(g, fd);
    return rc;
}

/* Open descriptors of this process: a resolver must leave none behind. */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* ---- the table, on one resolver ---- */

static void test_table(int walk)
{
    sandbox_force_walk = walk;
    static guest g;
    int fds_before = count_fds();
    guest_init(&g);
    /* a walk holds a bounded number of descriptors, however deep the path */
    struct rlimit saved, tight;
    getrlimit(RLIMIT_NOFILE, &saved);
    tight = saved;
    tight.rlim_cur = (rlim_t)count_fds() + 110;
    setrlimit(RLIMIT_NOFILE, &tight);
    char *a = malloc(16384), *b = malloc(16384);
    int wrong = 0;
    for (size_t i = 0; i < PATH_CASE_COUNT; i++) {
        const struct path_case *pc = &path_cases[i];
        if (pc_expand(pc->a, a, 16384) == (size_t)-1 || (pc->b && pc_expand(pc->b, b, 16384) == (size_t)-1)) {
            CHECK(!"a path of the table does not expand");
            continue;
        }
        int got = run_op(&g, pc->op, a, pc->b ? b : NULL, NULL);
        if (got != pc->expect) {
            printf("     %s: case %zu %s('%.60s'%s%s%s) = %d, want %d\n", resolver_name(walk), i,
                   pc_op_names[pc->op], pc->a, pc->b ? ", '" : "", pc->b ? pc->b : "", pc->b ? "'" : "", got,
                   pc->expect);
            wrong++;
        }
    }
    setrlimit(RLIMIT_NOFILE, &saved);
    printf("%s: %zu table cases, %d wrong\n", resolver_name(walk), PATH_CASE_COUNT, wrong);
    CHECK_EQ_INT(wrong, 0);
    /* readlink "ln_file" gave the link's own text */
    CHECK_EQ_INT(run_op(&g, PC_READLINK, "ln_file", NULL, NULL), 0);
    CHECK_EQ_INT(get_u32(g.mem + OUT_AT), 4);
    CHECK(memcmp(g.mem + BUF_AT, "file", 4) == 0);
    free(a);
    free(b);
    wasi_ctx_free(g.ctx);
    CHECK_EQ_INT(count_fds(), fds_before);
    sandbox_force_walk = 0;
}

/* ---- no oracle: every link out answers alike, whatever is outside ---- */

static void test_no_oracle(int walk)
{
    sandbox_force_walk = walk;
    static guest g;
    guest_init(&g);
    static const char *const out[] = {PC_OUT_LINKS};
    static const char *const suffixes[] = {"", "/", "/.", "//", "/./", "/x", "/..", "/../x"};
    static const enum pc_op ops[] = {PC_OPEN, PC_OPEN_NOFOLLOW, PC_OPEN_DIR, PC_CREATE, PC_CREATE_EXCL, PC_STAT,
                                     PC_STAT_FOLLOW, PC_TIMES, PC_TIMES_FOLLOW, PC_MKDIR, PC_RMDIR, PC_UNLINK,
                                     PC_RENAME, PC_LINK, PC_LINK_FOLLOW, PC_SYMLINK, PC_READLINK};
    char path[64];
    int differ = 0;
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        for (size_t s = 0; s < sizeof suffixes / sizeof suffixes[0]; s++) {
            int first = 0;
            for (size_t k = 0; k < sizeof out / sizeof out[0]; k++) {
                snprintf(path, sizeof path, "%s%s", out[k], suffixes[s]);
                int got;
                if (ops[o] == PC_UNLINK && !suffixes[s][0])
                    continue; /* removes the link itself: inside, and nothing to compare */
                if (ops[o] == PC_SYMLINK)
                    got = run_op(&g, ops[o], "t", path, NULL);
                else if (ops[o] == PC_RENAME || ops[o] == PC_LINK || ops[o] == PC_LINK_FOLLOW)
                    got = run_op(&g, ops[o], path, "x", NULL);
                else
                    got = run_op(&g, ops[o], path, NULL, NULL);
                if (got == 0 && ops[o] != PC_STAT && ops[o] != PC_READLINK && ops[o] != PC_OPEN_NOFOLLOW) {
                    /* changed something: only the link itself, inside; undo */
                    if (ops[o] == PC_RENAME)
                        run_op(&g, PC_RENAME, "x", path, NULL);
                    else if (ops[o] == PC_LINK)
                        run_op(&g, PC_UNLINK, "x", NULL, NULL);
                }
                if (k == 0)
                    first = got;
                else if (got != first) {
                    printf("     %s: %s('%s') = %d but '%s%s' gave %d: the answer tells what is outside\n",
                           resolver_name(walk), pc_op_names[ops[o]], path, got, out[0], suffixes[s], first);
                    differ++;
                }
            }
        }
    }
    CHECK_EQ_INT(differ, 0);
    wasi_ctx_free(g.ctx);
    sandbox_force_walk = 0;
}

/* ---- races ---- */

typedef struct racer {
    atomic_int stop;
    long flips;
    char a[300], b[300];
} racer;

/* Swaps ROOT/in/race (a directory) and ROOT/in/race_alt (a link to
 * ../outside) as fast as it can. */
static void *race_flipper(void *arg)
{
    racer *r = arg;
    while (!atomic_load(&r->stop)) {
        if (renameat2(AT_FDCWD, r->a, AT_FDCWD, r->b, RENAME_EXCHANGE) == 0)
            r->flips++;
    }
    return NULL;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void outside_snapshot(outside_state *s)
{
    char path[400];
    snprintf(path, sizeof path, "%s/outside", root);
    s->entries = count_entries(path); /* first: listing reads the directory (its atime) */
    for (int i = 0; i < OUT_NAMES; i++) {
        snprintf(path, sizeof path, "%s/outside/%s", root, out_names[i]);
        if (lstat(path, &s->st[i]) != 0)
            memset(&s->st[i], 0, sizeof s->st[i]);
    }
}

/* Puts back what a race may have left moved or removed (inside only). */
static void race_repair(const char *fixture)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "bash '%s' '%s' repair", fixture, root);
    if (system(cmd) != 0)
        printf("     race: could not repair the tree\n");
}

/* The adversary: the binary is linked with --wrap for every call the
 * sandbox makes with a name (module.mk), and while adversary_period is set,
 * race/ and race_alt swap right after every adversary_period-th one. That is
 * the worst moment for a check followed by a use, every time, without
 * depending on how two threads happen to be scheduled. */
static int adversary_period, adversary_phase;
static long adversary_calls, adversary_swaps;
static char swap_a[300], swap_b[300];

static void adversary_step(void)
{
    int e = errno;
    if (adversary_period && ++adversary_calls % adversary_period == adversary_phase &&
        renameat2(AT_FDCWD, swap_a, AT_FDCWD, swap_b, RENAME_EXCHANGE) == 0)
        adversary_swaps++;
    errno = e;
}

#define ADVERSARY_WRAP(ret, name, params, args)                                                              \
    ret __real_##name params;                                                                                \
    ret __wrap_##name params;                                                                                \
    ret __wrap_##name params                                                                                 \
    {                                                                                                        \
        ret r = __real_##name args;                                                                          \
        adversary_step();                                                                                    \
        return r;                                                                                            \
    }
ADVERSARY_WRAP(ssize_t, readlinkat, (int d, const char *p, char *b, size_t n), (d, p, b, n))
ADVERSARY_WRAP(int, fstatat, (int d, const char *p, struct stat *st, int f), (d, p, st, f))
ADVERSARY_WRAP(int, mkdirat, (int d, const char *p, mode_t m), (d, p, m))
ADVERSARY_WRAP(int, unlinkat, (int d, const char *p, int f), (d, p, f))
ADVERSARY_WRAP(int, renameat, (int d, const char *p, int e, const char *q), (d, p, e, q))
ADVERSARY_WRAP(int, linkat, (int d, const char *p, int e, const char *q, int f), (d, p, e, q, f))
ADVERSARY_WRAP(int, symlinkat, (const char *t, int d, const char *p), (t, d, p))

int __real_openat(int d, const char *p, int f, ...);
int __wrap_openat(int d, const char *p, int f, ...);
int __wrap_openat(int d, const char *p, int f, ...)
{
    mode_t m = 0;
    if (f & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, f);
        m = va_arg(ap, mode_t);
        va_end(ap);
    }
    int r = __real_openat(d, p, f, m);
    adversary_step();
    return r;
}

/* Runs the race cases for rounds while race/ and race_alt swap: period 0,
 * a thread swaps them as fast as it can; period n, the adversary swaps
 * them after the sandbox's calls number phase, phase + n, phase + 2n, ...
 * Then checks that nothing outside was reached or changed. */
static void test_race(int walk, int period, int phase, int rounds, const char *fixture)
{
    sandbox_force_walk = walk;
    static guest g;
    int fds_before = count_fds();
    guest_init(&g);
    outside_state before, after;
    outside_snapshot(&before);
    racer r = {.flips = 0};
    snprintf(r.a, sizeof r.a, "%s/in/race", root);
    snprintf(r.b, sizeof r.b, "%s/in/race_alt", root);
    pthread_t t;
    if (period == 0) {
        CHECK(pthread_create(&t, NULL, race_flipper, &r) == 0);
    } else {
        memcpy(swap_a, r.a, sizeof swap_a);
        memcpy(swap_b, r.b, sizeof swap_b);
        adversary_calls = adversary_swaps = 0;
        adversary_period = period;
        adversary_phase = phase;
    }
    race_watch res = {.outside = &before, .walk = walk};
    long tries = 0;
    for (int i = 0; i < rounds; i++) {
        for (size_t k = 0; k < RACE_CASE_COUNT; k++, tries++)
            run_op(&g, race_cases[k].op, race_cases[k].a, race_cases[k].b, &res);
    }
    if (period == 0) {
        atomic_store(&r.stop, 1);
        pthread_join(t, NULL);
    } else {
        adversary_period = 0;
        r.flips = adversary_swaps;
    }
    race_repair(fixture);
    outside_snapshot(&after);
    int changed = 0;
    for (int i = 0; i < OUT_NAMES; i++) {
        const struct stat *x = &before.st[i], *y = &after.st[i];
        if (x->st_ino != y->st_ino || x->st_nlink != y->st_nlink || x->st_size != y->st_size ||
            x->st_mtim.tv_sec != y->st_mtim.tv_sec || x->st_mtim.tv_nsec != y->st_mtim.tv_nsec ||
            x->st_atim.tv_sec != y->st_atim.tv_sec) {
            printf("     %s: race: outside/%s changed (inode %lu -> %lu, links %lu -> %lu, mtime %ld -> %ld)\n",
                   resolver_name(walk), out_names[i], (unsigned long)x->st_ino, (unsigned long)y->st_ino,
                   (unsigned long)x->st_nlink, (unsigned long)y->st_nlink, (long)x->st_mtim.tv_sec,
                   (long)y->st_mtim.tv_sec);
            changed++;
        }
    }
    if (after.entries != before.entries) {
        printf("     %s: race: outside/ holds %d entries, %d before\n", resolver_name(walk), after.entries,
               before.entries);
        changed++;
    }
    char who[64];
    if (period)
        snprintf(who, sizeof who, "a swap after the sandbox's calls %d + %dn", phase, period);
    else
        snprintf(who, sizeof who, "a racing thread");
    printf("%s: race (%s): %d rounds, %ld calls (%ld succeeded), %ld swaps: %d leaks, %d changes outside\n",
           resolver_name(walk), who, rounds, tries, res.successes, r.flips, res.leaks, changed);
    CHECK_EQ_INT(res.leaks, 0);
    CHECK_EQ_INT(changed, 0);
    CHECK(r.flips > 0);
    /* not vacuous (with openat2 the adversary, which runs only after the
     * calls a walk makes, can leave the link in place for a whole round) */
    CHECK(res.successes > 0 || (period && !walk));
    wasi_ctx_free(g.ctx);
    CHECK_EQ_INT(count_fds(), fds_before);
    sandbox_force_walk = 0;
}

int main(int argc, char **argv)
{
    const char *fixture = argc > 1 ? argv[1] : "tests/wasi/sandbox_fixture.sh";
    snprintf(root, sizeof root, "/tmp/enarx-sandbox-unit-%d", (int)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "bash '%s' '%s'", fixture, root);
    if (system(cmd) != 0) {
        printf("cannot build the test tree with %s\n", fixture);
        return 1;
    }
    const char *env = getenv("RACE_ROUNDS");
    int rounds = env ? atoi(env) : 100;
    for (int walk = 0; walk < 2; walk++) {
        test_table(walk);
        test_no_oracle(walk);
        for (int period = 1; period <= 3; period++)
            for (int phase = 0; phase < period; phase++)
                test_race(walk, period, phase, 10, fixture);
        test_race(walk, 0, 0, rounds, fixture);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        printf("could not remove %s\n", root);
    return check_summary();
}
