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
 * RACE_ROUNDS (default 300) sets the race iterations per function. */
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

static int call(guest *g, wasi_impl fn, int n, ...)
{
    wasm_value args[10];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        args[i] = va_arg(ap, wasm_value);
    va_end(ap);
    wasi_call c = {.ctx = g->ctx, .mem = {g->mem, MEM_SIZE}};
    return fn(&c, args);
}

#define I(x) wasm_i32((uint32_t)(x))
#define L(x) wasm_i64((uint64_t)(x))

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

/* Runs one operation on paths a (and b); returns the WASI errno. */
static int run_op(guest *g, enum pc_op op, const char *a, const char *b)
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
        int got = run_op(&g, pc->op, a, pc->b ? b : NULL);
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
    CHECK_EQ_INT(run_op(&g, PC_READLINK, "ln_file", NULL), 0);
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
                    got = run_op(&g, ops[o], "t", path);
                else if (ops[o] == PC_RENAME || ops[o] == PC_LINK || ops[o] == PC_LINK_FOLLOW)
                    got = run_op(&g, ops[o], path, "x");
                else
                    got = run_op(&g, ops[o], path, NULL);
                if (got == 0 && ops[o] != PC_STAT && ops[o] != PC_READLINK && ops[o] != PC_OPEN_NOFOLLOW) {
                    /* changed something: only the link itself, inside; undo */
                    if (ops[o] == PC_RENAME)
                        run_op(&g, PC_RENAME, "x", path);
                    else if (ops[o] == PC_LINK)
                        run_op(&g, PC_UNLINK, "x", NULL);
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

/* What outside looks like: every inode and the times of each file. */
#define OUT_NAMES 7
static const char *const out_names[OUT_NAMES] = {".", "f", "ln", "rl", "d", "d2", "u"};
typedef struct outside_state {
    struct stat st[OUT_NAMES];
    int entries;
} outside_state;

static int count_entries(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
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

static bool is_outside(const outside_state *s, uint64_t dev, uint64_t ino)
{
    for (int i = 0; i < OUT_NAMES; i++)
        if (s->st[i].st_ino && (uint64_t)s->st[i].st_ino == ino && (uint64_t)s->st[i].st_dev == dev)
            return true;
    return false;
}

typedef struct race_result {
    int leaks;      /* something outside reached */
    long tries;
    long successes; /* calls that succeeded (the race did not starve them) */
} race_result;

static void leak(race_result *res, const char *what, const char *path, int walk)
{
    if (res->leaks++ < 5)
        printf("     %s: race: %s through '%s'\n", resolver_name(walk), what, path);
}

/* Checks an open descriptor (and, for files, its content). */
static void check_fd(guest *g, int fd, const outside_state *s, race_result *res, const char *path, int walk)
{
    if (call(g, wasi_fd_filestat_get, 2, I(fd), I(OUT_AT)) == 0 &&
        is_outside(s, get_u64(g->mem + OUT_AT), get_u64(g->mem + OUT_AT + 8)))
        leak(res, "opened an object outside", path, walk);
    put_u32(g->mem + 64, BUF_AT);
    put_u32(g->mem + 68, 64);
    if (call(g, wasi_fd_read, 4, I(fd), I(64), I(1), I(72)) == 0 && get_u32(g->mem + 72) >= 7 &&
        memcmp(g->mem + BUF_AT, "OUTSIDE", 7) == 0)
        leak(res, "read a file outside", path, walk);
}

static void check_stat(guest *g, const outside_state *s, race_result *res, const char *path, int walk)
{
    if (is_outside(s, get_u64(g->mem + OUT_AT), get_u64(g->mem + OUT_AT + 8)))
        leak(res, "stat'ed an object outside", path, walk);
}

/* One round of every path function on names below race/. */
static void race_round(guest *g, const outside_state *s, race_result *res, int walk)
{
    static const char *const opens[] = {"race/f", "race/", "race/.", "race/d/..", "race/ln", "race/ln/",
                                        "race//f", "race/./f", "race/d/../f"};
    const uint32_t follow = WASI_LOOKUP_SYMLINK_FOLLOW;
    int fd;
    for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++) {
        for (uint32_t lookup = 0; lookup <= follow; lookup += follow) {
            res->tries++;
            if (path_open(g, lookup, opens[i], 0, R_FD_READ | R_FD_READDIR | R_FD_FILESTAT_GET, &fd) == 0) {
                res->successes++;
                check_fd(g, fd, s, res, opens[i], walk);
                guest_close(g, fd);
            }
            uint32_t len = put(g, A_AT, opens[i]);
            res->tries++;
            if (call(g, wasi_path_filestat_get, 5, I(3), I(lookup), I(A_AT), I(len), I(OUT_AT)) == 0) {
                res->successes++;
                check_stat(g, s, res, opens[i], walk);
            }
            /* times: a fixed value that the outside's files never have */
            res->tries++;
            if (call(g, wasi_path_filestat_set_times, 7, I(3), I(lookup), I(A_AT), I(len), L(12345000000000ull),
                     L(12345000000000ull), I(WASI_FSTFLAG_ATIM | WASI_FSTFLAG_MTIM)) == 0)
                res->successes++;
        }
    }
    /* create, then remove: a file, a directory, a link, a hard link */
    static const char *const creates[] = {"race/u", "race/u/", "race/new"};
    for (size_t i = 0; i < sizeof creates / sizeof creates[0]; i++) {
        res->tries++;
        if (path_open(g, follow, creates[i], WASI_OFLAG_CREAT, R_FD_READ | R_FD_WRITE | R_FD_FILESTAT_GET, &fd) == 0) {
            res->successes++;
            check_fd(g, fd, s, res, creates[i], walk);
            guest_close(g, fd);
        }
        res->tries++;
        if (run_op(g, PC_UNLINK, creates[i], NULL) == 0)
            res->successes++;
    }
    static const char *const dirs[] = {"race/d2", "race/d2/", "race/nd/"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        res->tries += 2;
        res->successes += run_op(g, PC_MKDIR, dirs[i], NULL) == 0;
        res->successes += run_op(g, PC_RMDIR, dirs[i], NULL) == 0;
    }
    res->tries += 2;
    res->successes += run_op(g, PC_SYMLINK, "t", "race/sl") == 0;
    res->successes += run_op(g, PC_UNLINK, "race/sl", NULL) == 0;
    /* hard links from below race/ to inside (and back): the new name must
     * never be the outside's file */
    static const char *const links[] = {"race/f", "race/ln", "race/ln/", "race/./f"};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        for (int k = 0; k < 2; k++) {
            res->tries++;
            if (run_op(g, k ? PC_LINK_FOLLOW : PC_LINK, links[i], "hl") == 0) {
                res->successes++;
                uint32_t len = put(g, A_AT, "hl");
                if (call(g, wasi_path_filestat_get, 5, I(3), I(0), I(A_AT), I(len), I(OUT_AT)) == 0)
                    check_stat(g, s, res, links[i], walk);
                run_op(g, PC_UNLINK, "hl", NULL);
            }
        }
    }
    res->tries += 2;
    res->successes += run_op(g, PC_LINK, "file", "race/hl2") == 0;
    res->successes += run_op(g, PC_UNLINK, "race/hl2", NULL) == 0;
    /* renames out of and into race/ */
    res->tries += 2;
    res->successes += run_op(g, PC_RENAME, "race/f", "moved") == 0;
    res->successes += run_op(g, PC_RENAME, "moved", "race/f") == 0;
    res->tries += 2;
    res->successes += run_op(g, PC_RENAME, "file", "race/moved") == 0;
    res->successes += run_op(g, PC_RENAME, "race/moved", "file") == 0;
    /* readlink: the outside's link says OUTSIDE-LINK */
    static const char *const readlinks[] = {"race/rl", "race/./rl", "race/d/../rl", "race/ln/"};
    for (size_t i = 0; i < sizeof readlinks / sizeof readlinks[0]; i++) {
        res->tries++;
        if (run_op(g, PC_READLINK, readlinks[i], NULL) == 0) {
            res->successes++;
            if (memcmp(g->mem + BUF_AT, "OUTSIDE", 7) == 0)
                leak(res, "read a link outside", readlinks[i], walk);
        }
    }
}

/* Puts back what a round may have left moved (the race can leave a
 * rename or a removal half done); only ever inside. */
static void race_repair(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "cd '%s/in' && { [ -L race ] && mv -T race race_tmp && mv -T race_alt race && mv -T race_tmp race_alt; "
             "[ -e file ] || mv race/moved file 2>/dev/null; [ -e race/f ] || mv moved race/f 2>/dev/null; "
             "[ -e race/f ] || echo inside >race/f; rm -rf race/u race/new race/nd race/d2 race/sl race/hl2 "
             "race/moved moved hl; true; }",
             root);
    if (system(cmd) != 0)
        printf("     race: could not repair the tree\n");
}

static void test_race(int walk, int rounds)
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
    CHECK(pthread_create(&t, NULL, race_flipper, &r) == 0);
    race_result res = {0};
    for (int i = 0; i < rounds; i++)
        race_round(&g, &before, &res, walk);
    atomic_store(&r.stop, 1);
    pthread_join(t, NULL);
    race_repair();
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
    printf("%s: race: %d rounds, %ld calls (%ld succeeded) during %ld swaps: %d leaks, %d changes outside\n",
           resolver_name(walk), rounds, res.tries, res.successes, r.flips, res.leaks, changed);
    CHECK_EQ_INT(res.leaks, 0);
    CHECK_EQ_INT(changed, 0);
    CHECK(r.flips > 0);
    CHECK(res.successes > 0);
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
    int rounds = env ? atoi(env) : 300;
    for (int walk = 0; walk < 2; walk++) {
        test_table(walk);
        test_no_oracle(walk);
        test_race(walk, rounds);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        printf("could not remove %s\n", root);
    return check_summary();
}
