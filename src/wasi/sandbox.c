/* Beneath-only path resolution; see sandbox.h. */
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

#define MAX_SYMLINKS 40
#define WORK_MAX (2 * PATH_MAX + 2)
#define WALK_DEPTH 256
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

static int locate_beneath(int rootfd, const char *path, bool follow, sandbox_loc *loc)
{
    char *cur = malloc(WORK_MAX), *dir = malloc(WORK_MAX), *target = malloc(PATH_MAX + 1);
    int rc = WASI_ENOMEM;
    if (!cur || !dir || !target)
        goto out;
    snprintf(cur, WORK_MAX, "%s", path);
    for (int links = 0;; links++) {
        rc = split_path(cur, dir, loc->name, &loc->trailing_slash);
        if (rc != 0)
            goto out;
        rc = beneath_open(rootfd, dir[0] ? dir : ".", O_PATH | O_DIRECTORY, 0, &loc->parent_fd);
        if (rc != 0)
            goto out;
        if (!follow || is_dot(loc->name))
            goto out;
        ssize_t tl = read_link(loc->parent_fd, loc->name, target, PATH_MAX + 1);
        if (tl < 0) {
            if (errno == EINVAL || errno == ENOENT)
                goto out; /* not a symbolic link (or not there yet) */
            rc = wasi_errno(errno);
        } else if (links >= MAX_SYMLINKS) {
            rc = WASI_ELOOP;
        } else if (target[0] == '/') {
            rc = WASI_ENOTCAPABLE;
        } else if (strlen(dir) + 1 + (size_t)tl + 2 > WORK_MAX) {
            rc = WASI_ENAMETOOLONG;
        } else {
            snprintf(cur, WORK_MAX, "%s%s%s%s", dir, dir[0] ? "/" : "", target,
                     loc->trailing_slash ? "/" : "");
            close(loc->parent_fd);
            loc->parent_fd = -1;
            continue;
        }
        close(loc->parent_fd);
        loc->parent_fd = -1;
        goto out;
    }
out:
    free(cur);
    free(dir);
    free(target);
    return rc;
}

/* The fallback: one component at a time, each opened O_NOFOLLOW from a
 * directory descriptor we hold; ".." pops our own stack, so it can never go
 * above the starting directory; symbolic links are read and spliced into the
 * remaining path. */
static int locate_walk(int rootfd, const char *path, bool follow, sandbox_loc *loc)
{
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    if (!path[0])
        return WASI_ENOENT;
    char *work = malloc(WORK_MAX), *target = malloc(PATH_MAX + 1), *next = malloc(WORK_MAX);
    int stack[WALK_DEPTH];
    int depth = 0, links = 0, rc = 0;
    stack[0] = -1;
    if (!work || !target || !next) {
        rc = WASI_ENOMEM;
        goto out;
    }
    snprintf(work, WORK_MAX, "%s", path);
    stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (stack[0] < 0) {
        rc = wasi_errno(errno);
        goto out;
    }
    size_t pos = 0;
    for (;;) {
        while (work[pos] == '/')
            pos++;
        if (!work[pos]) { /* only reached after a "." or ".." that was not last */
            memcpy(loc->name, ".", 2);
            loc->trailing_slash = true;
            break;
        }
        size_t start = pos;
        while (work[pos] && work[pos] != '/')
            pos++;
        size_t clen = pos - start;
        if (clen > NAME_MAX) {
            rc = WASI_ENAMETOOLONG;
            goto out;
        }
        char comp[NAME_MAX + 1];
        memcpy(comp, work + start, clen);
        comp[clen] = 0;
        size_t after = pos;
        while (work[after] == '/')
            after++;
        bool last = work[after] == 0, slash = after != pos;

        if (is_dot(comp) || is_dotdot(comp)) {
            if (is_dotdot(comp)) {
                if (depth == 0) {
                    rc = WASI_ENOTCAPABLE;
                    goto out;
                }
                close(stack[depth--]);
            }
            if (last) {
                memcpy(loc->name, ".", 2);
                loc->trailing_slash = slash;
                break;
            }
            continue;
        }
        if (last && !follow) {
            memcpy(loc->name, comp, clen + 1);
            loc->trailing_slash = slash;
            break;
        }
        ssize_t tl = read_link(stack[depth], comp, target, PATH_MAX + 1);
        if (tl >= 0) {
            if (++links > MAX_SYMLINKS) {
                rc = WASI_ELOOP;
                goto out;
            }
            if (target[0] == '/') {
                rc = WASI_ENOTCAPABLE;
                goto out;
            }
            size_t rest = strlen(work + pos);
            if ((size_t)tl + rest + 1 > WORK_MAX) {
                rc = WASI_ENAMETOOLONG;
                goto out;
            }
            memcpy(next, target, (size_t)tl);
            memcpy(next + tl, work + pos, rest + 1);
            char *swap = work;
            work = next;
            next = swap;
            pos = 0;
            continue;
        }
        if (errno != EINVAL && errno != ENOENT) {
            rc = wasi_errno(errno);
            goto out;
        }
        if (last) {
            memcpy(loc->name, comp, clen + 1);
            loc->trailing_slash = slash;
            break;
        }
        if (errno == ENOENT) {
            rc = WASI_ENOENT;
            goto out;
        }
        if (depth + 1 >= WALK_DEPTH) {
            rc = WASI_ENAMETOOLONG;
            goto out;
        }
        int fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            rc = errno == ELOOP ? WASI_ELOOP : wasi_errno(errno);
            goto out;
        }
        stack[++depth] = fd;
    }
    loc->parent_fd = stack[depth--];
out:
    for (int i = depth; i >= 0; i--)
        if (stack[i] >= 0)
            close(stack[i]);
    free(work);
    free(target);
    free(next);
    return rc;
}

int sandbox_locate(int dirfd, const char *path, bool follow, sandbox_loc *loc)
{
    loc->parent_fd = -1;
    loc->name[0] = 0;
    loc->trailing_slash = false;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    if (use_openat2()) {
        int rc = locate_beneath(dirfd, path, follow, loc);
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

const char *sandbox_loc_name(const sandbox_loc *loc, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", loc->name, loc->trailing_slash ? "/" : "");
    return buf;
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
    size_t n = strlen(path);
    bool slash = path[n - 1] == '/';
    sandbox_loc loc = {.parent_fd = -1};
    int rc = locate_walk(dirfd, path, follow || slash, &loc);
    if (rc != 0)
        return rc;
    char name[NAME_MAX + 3];
    sandbox_loc_name(&loc, name, sizeof name);
    int fd = openat(loc.parent_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    rc = fd < 0 ? wasi_errno(errno) : 0;
    sandbox_loc_close(&loc);
    *out_fd = fd;
    return rc;
}
