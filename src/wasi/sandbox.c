/* Beneath-only path resolution; see sandbox.h.
 *
 * The one rule both resolvers keep: no system call ever resolves a name that
 * has not been checked. openat2(RESOLVE_BENEATH) checks every step in the
 * kernel. The walk hands the kernel only single components without a slash,
 * relative to a directory it reached by checked steps, with O_NOFOLLOW: a
 * trailing slash (which makes Linux follow a final link even with O_NOFOLLOW)
 * never reaches the kernel; it becomes O_DIRECTORY after the walk has
 * followed the link itself. */
#include "wasi/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi/abi.h"
#include "wasi/internal.h"

int sandbox_force_walk;
static int openat2_missing;

#define MAX_SYMLINKS 40 /* Linux's MAXSYMLINKS, so that both resolvers say ELOOP alike */
/* Directory descriptors a walk keeps open, so that ".." never needs the
 * kernel's "..": the last WALK_WINDOW levels it went through, and every
 * WALK_WINDOW-th level below them (up to WALK_CHECKPOINTS of those, enough
 * for the deepest path a guest can write). ".." to a level not kept
 * re-opens it by name from the nearest kept one below: at most WALK_WINDOW
 * steps, so a walk has no depth limit of its own, costs about one extra
 * open per "..", and holds at most 96 descriptors (a Keep has 4096). */
#define WALK_WINDOW 32
#define WALK_CHECKPOINTS 64
#define NO_OPENAT2 (-1)

static bool is_dot(const char *s) { return s[0] == '.' && s[1] == 0; }
static bool is_dotdot(const char *s) { return s[0] == '.' && s[1] == '.' && s[2] == 0; }

static bool use_openat2(void)
{
    return !sandbox_force_walk && !openat2_missing;
}

/* openat2(RESOLVE_BENEATH). Returns a WASI errno, or NO_OPENAT2. */
static int beneath_open(int dirfd, const char *path, int flags, mode_t mode, int *out)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0;; attempt++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0) {
            *out = (int)fd;
            return 0;
        }
        if (errno == EINTR || (errno == EAGAIN && attempt < 16))
            continue; /* EAGAIN: a concurrent rename; the kernel asks us to retry */
        if (errno == ENOSYS) { /* a kernel before 5.6, or a Keep that does not serve it */
            openat2_missing = 1;
            return NO_OPENAT2;
        }
        if (errno == EXDEV)
            return WASI_ENOTCAPABLE;
        return wasi_errno(errno);
    }
}

/* Splits path into its directory part and final component. Trailing slashes
 * are dropped (and reported); a final "." or ".." makes the whole path the
 * directory and "." the name. */
static int split_path(const char *path, char *dir, char *name, bool *trailing)
{
    size_t n = strlen(path);
    *trailing = n > 0 && path[n - 1] == '/';
    while (n > 0 && path[n - 1] == '/')
        n--;
    if (n == 0)
        return path[0] ? WASI_ENOTCAPABLE : WASI_ENOENT;
    size_t k = n;
    while (k > 0 && path[k - 1] != '/')
        k--;
    size_t name_len = n - k;
    if (name_len > NAME_MAX)
        return WASI_ENAMETOOLONG;
    memcpy(name, path + k, name_len);
    name[name_len] = 0;
    if (is_dot(name) || is_dotdot(name)) {
        memcpy(dir, path, n);
        dir[n] = 0;
        memcpy(name, ".", 2);
    } else {
        size_t d = k;
        while (d > 0 && path[d - 1] == '/')
            d--;
        memcpy(dir, path, d);
        dir[d] = 0;
    }
    return 0;
}

/* readlinkat into buf (NUL-terminated). Returns length, or -1 with errno. */
static ssize_t read_link(int dirfd, const char *name, char *buf, size_t cap)
{
    ssize_t n = readlinkat(dirfd, name, buf, cap);
    if (n < 0)
        return -1;
    if ((size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    buf[n] = 0;
    return n;
}

/* With openat2, without following a final link: the directory part is
 * opened beneath the root by the kernel, the name is returned as is. */
static int locate_beneath(int rootfd, const char *path, sandbox_loc *loc)
{
    char *dir = malloc(WASI_PATH_MAX);
    if (!dir)
        return WASI_ENOMEM;
    int rc = split_path(path, dir, loc->name, &loc->trailing_slash);
    if (rc == 0)
        rc = beneath_open(rootfd, dir[0] ? dir : ".", O_PATH | O_DIRECTORY, 0, &loc->parent_fd);
    free(dir);
    return rc;
}

/* ---- the walk ---- */

/* Where a walk stands: the directories from the root down, by name (level
 * 0 is the root; level l >= 1 is names + starts[l - 1]) and, for the levels
 * kept (see WALK_WINDOW), a descriptor in fds[l - 1] (else -1). The current
 * level always has its descriptor. */
typedef struct walk {
    int root;
    char *names;
    size_t names_len, names_cap;
    size_t *starts;
    int *fds;
    size_t depth, cap;
} walk;

static void walk_init(walk *w, int rootfd)
{
    memset(w, 0, sizeof *w);
    w->root = rootfd;
}

static int walk_fd(const walk *w)
{
    return w->depth == 0 ? w->root : w->fds[w->depth - 1];
}

static void walk_free(walk *w)
{
    for (size_t l = 1; l <= w->depth; l++)
        if (w->fds[l - 1] >= 0)
            close(w->fds[l - 1]);
    free(w->names);
    free(w->starts);
    free(w->fds);
}

/* Whether level l keeps its descriptor while the walk is at depth. */
static bool kept(size_t l, size_t depth)
{
    return l + WALK_WINDOW > depth || (l % WALK_WINDOW == 0 && l / WALK_WINDOW <= WALK_CHECKPOINTS);
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* Goes down into fd, the directory called name. Takes fd. */
static int walk_push(walk *w, int fd, const char *name, size_t len)
{
    size_t cap = w->cap;
    if (!grow((void **)&w->names, &w->names_cap, w->names_len + len + 1, 1) ||
        !grow((void **)&w->starts, &cap, w->depth + 1, sizeof *w->starts) ||
        !grow((void **)&w->fds, &w->cap, w->depth + 1, sizeof *w->fds)) {
        close(fd);
        return WASI_ENOMEM;
    }
    w->starts[w->depth] = w->names_len;
    w->fds[w->depth] = fd;
    memcpy(w->names + w->names_len, name, len + 1);
    w->names_len += len + 1;
    w->depth++;
    size_t left = w->depth > WALK_WINDOW ? w->depth - WALK_WINDOW : 0; /* just left the window */
    if (left >= 1 && !kept(left, w->depth) && w->fds[left - 1] >= 0) {
        close(w->fds[left - 1]);
        w->fds[left - 1] = -1;
    }
    return 0;
}

/* Re-opens the levels above the nearest kept one, down to depth. Every step
 * is a checked one (one component, O_NOFOLLOW, O_DIRECTORY, from a
 * descriptor we hold), so a tree renamed meanwhile can make this fail but
 * never lead above the root. */
static int walk_reopen(walk *w)
{
    size_t base = w->depth - 1;
    while (base >= 1 && w->fds[base - 1] < 0)
        base--;
    int cur = base ? w->fds[base - 1] : w->root;
    for (size_t l = base + 1; l <= w->depth; l++) {
        int fd = openat(cur, w->names + w->starts[l - 1], O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        int err = errno;
        if (l - 1 > base && w->fds[l - 2] < 0)
            close(cur); /* a stepping stone, not kept */
        if (fd < 0)
            return wasi_errno(err); /* the tree changed under us */
        if (kept(l, w->depth))
            w->fds[l - 1] = fd;
        cur = fd;
    }
    return 0;
}

/* ".." : back to the directory we came from (never the kernel's ".."). */
static int walk_pop(walk *w)
{
    if (w->depth == 0)
        return WASI_ENOTCAPABLE;
    close(w->fds[w->depth - 1]);
    w->depth--;
    w->names_len = w->starts[w->depth];
    return w->depth >= 1 && w->fds[w->depth - 1] < 0 ? walk_reopen(w) : 0;
}

/* Gives the current directory to the caller (a descriptor of its own). */
static int walk_take(walk *w, int *out)
{
    if (w->depth == 0) {
        *out = openat(w->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        return *out < 0 ? wasi_errno(errno) : 0;
    }
    *out = w->fds[w->depth - 1];
    w->fds[w->depth - 1] = -1; /* no longer ours to close */
    return 0;
}

/* The text still to resolve, growing as link targets are spliced in (up to
 * MAX_SYMLINKS targets of PATH_MAX each: no limit of its own). */
typedef struct work {
    char *text;
    size_t pos;
} work;

/* Replaces the component just read (ending at w->pos) by target. */
static int work_splice(work *w, const char *target, size_t tl)
{
    size_t rest = strlen(w->text + w->pos);
    char *next = malloc(tl + rest + 1);
    if (!next)
        return WASI_ENOMEM;
    memcpy(next, target, tl);
    memcpy(next + tl, w->text + w->pos, rest + 1);
    free(w->text);
    w->text = next;
    w->pos = 0;
    return 0;
}

/* Reads the next component into comp. Returns its length (0: nothing left,
 * only slashes); *last: nothing follows it; *slash: slashes follow it. */
static int next_component(work *w, char comp[NAME_MAX + 1], bool *last, bool *slash, size_t *len)
{
    while (w->text[w->pos] == '/')
        w->pos++;
    size_t start = w->pos;
    while (w->text[w->pos] && w->text[w->pos] != '/')
        w->pos++;
    *len = w->pos - start;
    if (*len > NAME_MAX)
        return WASI_ENAMETOOLONG;
    memcpy(comp, w->text + start, *len);
    comp[*len] = 0;
    size_t after = w->pos;
    while (w->text[after] == '/')
        after++;
    *last = w->text[after] == 0;
    *slash = after != w->pos;
    return 0;
}

static void set_name(sandbox_loc *loc, const char *name, bool slash)
{
    snprintf(loc->name, sizeof loc->name, "%s", name);
    loc->trailing_slash = slash;
}

/* One component that is neither "." nor "..", not the last one or one to
 * follow: a link is spliced into the text, a directory entered. Returns 0 to
 * go on, a WASI errno, or 1 when comp is the last and not a link (the name
 * to hand back). */
static int walk_step(walk *w, work *text, const char *comp, size_t clen, bool last, int *links,
                     char *target)
{
    ssize_t tl = read_link(walk_fd(w), comp, target, PATH_MAX + 1);
    if (tl >= 0) {
        if (++*links > MAX_SYMLINKS)
            return WASI_ELOOP;
        if (target[0] == '/')
            return WASI_ENOTCAPABLE;
        return work_splice(text, target, (size_t)tl);
    }
    if (errno != EINVAL && errno != ENOENT)
        return wasi_errno(errno);
    if (last)
        return 1; /* not a link (or not there yet): the caller acts on the name */
    if (errno == ENOENT)
        return WASI_ENOENT;
    int fd = openat(walk_fd(w), comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) /* ENOTDIR: a file, or it became a link since it was read */
        return wasi_errno(errno);
    return walk_push(w, fd, comp, clen);
}

/* The fallback: one component at a time, each opened O_NOFOLLOW from a
 * directory descriptor we hold; ".." goes back to the directory we came
 * from, so it can never go above the starting directory; symbolic links are
 * read and spliced into the remaining path. */
static int locate_walk(int rootfd, const char *path, bool follow, sandbox_loc *loc)
{
    walk w;
    walk_init(&w, rootfd);
    work text = {.text = strdup(path)};
    char *target = malloc(PATH_MAX + 1);
    int links = 0, rc = text.text && target ? 0 : WASI_ENOMEM;
    char comp[NAME_MAX + 1];
    while (rc == 0) {
        bool last, slash;
        size_t clen;
        rc = next_component(&text, comp, &last, &slash, &clen);
        if (rc)
            break;
        if (clen == 0) { /* only slashes after a "." or ".." that was not last */
            set_name(loc, ".", true);
            break;
        }
        if (is_dot(comp) || is_dotdot(comp)) {
            if (is_dotdot(comp))
                rc = walk_pop(&w);
            if (rc == 0 && last) {
                set_name(loc, ".", slash);
                break;
            }
            continue;
        }
        if (last && !follow) {
            set_name(loc, comp, slash);
            break;
        }
        rc = walk_step(&w, &text, comp, clen, last, &links, target);
        if (rc == 1) {
            rc = 0;
            set_name(loc, comp, slash);
            break;
        }
    }
    if (rc == 0)
        rc = walk_take(&w, &loc->parent_fd);
    walk_free(&w);
    free(text.text);
    free(target);
    return rc;
}

int sandbox_locate(int dirfd, const char *path, bool follow, sandbox_loc *loc)
{
    loc->parent_fd = -1;
    loc->name[0] = 0;
    loc->trailing_slash = false;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    if (!path[0])
        return WASI_ENOENT;
    /* Following a final link needs it read and resolved beneath the root
     * link by link: the walk does that, on every kernel. */
    if (!follow && use_openat2()) {
        int rc = locate_beneath(dirfd, path, loc);
        if (rc != NO_OPENAT2)
            return rc;
    }
    return locate_walk(dirfd, path, follow, loc);
}

void sandbox_loc_close(sandbox_loc *loc)
{
    if (loc->parent_fd >= 0)
        close(loc->parent_fd);
    loc->parent_fd = -1;
}

/* The walk's open: the parent is located (following the final link as
 * Linux's open would), then only the bare name reaches openat, with
 * O_NOFOLLOW, and O_DIRECTORY in place of a trailing slash. */
static int walk_open(int dirfd, const char *path, int flags, mode_t mode, bool follow, int *out_fd)
{
    bool slash = path[strlen(path) - 1] == '/';
    bool creat = flags & O_CREAT;
    /* Linux: O_CREAT|O_EXCL never follows; O_CREAT with a trailing slash is
     * EISDIR, whatever the name is; otherwise a trailing slash follows. */
    bool follow_last = creat ? follow && !slash && !(flags & O_EXCL) : follow || slash;
    sandbox_loc loc = {.parent_fd = -1};
    int rc = locate_walk(dirfd, path, follow_last, &loc);
    if (rc != 0)
        return rc;
    if (creat && loc.trailing_slash) {
        sandbox_loc_close(&loc);
        return WASI_EISDIR;
    }
    int extra = O_NOFOLLOW | O_CLOEXEC | (loc.trailing_slash ? O_DIRECTORY : 0);
    int fd = openat(loc.parent_fd, loc.name, flags | extra, mode);
    rc = fd < 0 ? wasi_errno(errno) : 0;
    sandbox_loc_close(&loc);
    *out_fd = fd;
    return rc;
}

int sandbox_open(int dirfd, const char *path, int flags, mode_t mode, bool follow, int *out_fd)
{
    *out_fd = -1;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    if (!path[0])
        return WASI_ENOENT;
    if (use_openat2()) {
        int rc = beneath_open(dirfd, path, flags | (follow ? 0 : O_NOFOLLOW), mode, out_fd);
        if (rc != NO_OPENAT2)
            return rc;
    }
    return walk_open(dirfd, path, flags, mode, follow, out_fd);
}
