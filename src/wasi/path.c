/* path_* functions. Every path goes through sandbox.c, so none can reach
 * outside the directory descriptor it is relative to. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/internal.h"
#include "wasi/sandbox.h"

int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec out[2]);

/* The directory descriptor and the guest path of one path argument. */
typedef struct path_arg {
    wfd *dir;
    char path[WASI_PATH_MAX];
} path_arg;

static int get_path(wasi_call *c, uint32_t fd, uint64_t right, uint32_t ptr, uint32_t len,
                    path_arg *out)
{
    int rc;
    out->dir = fd_get(c->ctx, fd, right, &rc);
    if (!out->dir)
        return rc;
    if (out->dir->kind == WFD_MEMDIR)
        return WASI_EROFS; /* nothing below an in-memory directory changes */
    if (out->dir->kind != WFD_DIR)
        return WASI_ENOTDIR;
    return mem_path(&c->mem, ptr, len, out->path);
}

/* How locate treats a final symbolic link. */
enum {
    NOFOLLOW = 0,
    FOLLOW = 1,       /* SYMLINK_FOLLOW */
    FOLLOW_SLASH = 2, /* only before a trailing slash, as Linux's path lookup does */
};

static bool ends_in_slash(const char *path)
{
    size_t n = strlen(path);
    return n > 0 && path[n - 1] == '/';
}

static int locate(wasi_call *c, uint32_t fd, uint64_t right, uint32_t ptr, uint32_t len, int follow,
                  sandbox_loc *loc)
{
    path_arg *p = malloc(sizeof *p);
    if (!p)
        return WASI_ENOMEM;
    int rc = get_path(c, fd, right, ptr, len, p);
    if (rc == 0) {
        bool f = (follow & FOLLOW) || ((follow & FOLLOW_SLASH) && ends_in_slash(p->path));
        rc = sandbox_locate(p->dir->host_fd, p->path, f, loc);
    }
    free(p);
    return rc;
}

/* The type (S_IFMT) of the final name itself, not following it. */
static int name_type(const sandbox_loc *loc, mode_t *type)
{
    struct stat st;
    if (fstatat(loc->parent_fd, loc->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return wasi_errno(errno);
    *type = st.st_mode & S_IFMT;
    return 0;
}

/* A trailing slash says "a directory"; the kernel never sees it (it would
 * follow a link there). These give Linux's answers for a "name/" that is
 * not "." or "..". */
static bool slash_name(const sandbox_loc *loc)
{
    return loc->trailing_slash && strcmp(loc->name, ".") != 0;
}

/* "name/" must be a directory: 0, or ENOENT / ENOTDIR. */
static int slash_needs_dir(const sandbox_loc *loc)
{
    mode_t type = 0;
    int rc = name_type(loc, &type);
    return rc ? rc : type == S_IFDIR ? 0 : WASI_ENOTDIR;
}

/* A new "name/" that is not a directory (link, symlink): EEXIST when the
 * name exists, else ENOENT, as Linux's create lookup answers. */
static int slash_cannot_create(const sandbox_loc *loc)
{
    mode_t type = 0;
    int rc = name_type(loc, &type);
    return rc ? rc : WASI_EEXIST;
}

WASI_FN(path_create_directory)
{
    sandbox_loc loc;
    int rc = locate(c, a[0].of.i32, R_PATH_CREATE_DIRECTORY, a[1].of.i32, a[2].of.i32, NOFOLLOW, &loc);
    if (rc)
        return rc;
    if (mkdirat(loc.parent_fd, loc.name, 0777) != 0)
        rc = wasi_errno(errno);
    sandbox_loc_close(&loc);
    return rc;
}

/* Opens the object a path names (O_PATH: no access to its contents). */
static int open_object(wasi_call *c, uint32_t fd, uint64_t right, uint32_t ptr, uint32_t len,
                       bool follow, int *out)
{
    path_arg *p = malloc(sizeof *p);
    if (!p)
        return WASI_ENOMEM;
    int rc = get_path(c, fd, right, ptr, len, p);
    if (rc == 0)
        rc = sandbox_open(p->dir->host_fd, p->path, O_PATH, 0, follow, out);
    free(p);
    return rc;
}

WASI_FN(path_filestat_get)
{
    bool follow = a[1].of.i32 & WASI_LOOKUP_SYMLINK_FOLLOW;
    uint8_t *out = mem_ptr(&c->mem, a[4].of.i32, WASI_FILESTAT_SIZE);
    if (!out)
        return WASI_EFAULT;
    int fd, rc;
    wfd *dir = fd_get(c->ctx, a[0].of.i32, R_PATH_FILESTAT_GET, &rc);
    if (dir && dir->kind == WFD_MEMDIR) {
        char path[WASI_PATH_MAX];
        rc = mem_path(&c->mem, a[2].of.i32, a[3].of.i32, path);
        return rc ? rc : memfs_stat_path(dir, path, out);
    }
    rc = open_object(c, a[0].of.i32, R_PATH_FILESTAT_GET, a[2].of.i32, a[3].of.i32, follow, &fd);
    if (rc)
        return rc;
    struct stat st;
    if (fstat(fd, &st) != 0)
        rc = wasi_errno(errno);
    else
        filestat_store(out, &st);
    close(fd);
    return rc;
}

WASI_FN(path_filestat_set_times)
{
    bool follow = a[1].of.i32 & WASI_LOOKUP_SYMLINK_FOLLOW;
    struct timespec ts[2];
    int rc = wasi_times(a[4].of.i64, a[5].of.i64, a[6].of.i32, ts);
    if (rc)
        return rc;
    int fd;
    rc = open_object(c, a[0].of.i32, R_PATH_FILESTAT_SET_TIMES, a[2].of.i32, a[3].of.i32, follow, &fd);
    if (rc)
        return rc;
    if (utimensat(fd, "", ts, AT_EMPTY_PATH) != 0)
        rc = wasi_errno(errno);
    close(fd);
    return rc;
}

WASI_FN(path_link)
{
    /* Linux follows a source link before a trailing slash (and then wants a
     * directory); the follow happens here, beneath the root. */
    int follow = a[1].of.i32 & WASI_LOOKUP_SYMLINK_FOLLOW ? FOLLOW : FOLLOW_SLASH;
    sandbox_loc from, to;
    int rc = locate(c, a[0].of.i32, R_PATH_LINK_SOURCE, a[2].of.i32, a[3].of.i32, follow, &from);
    if (rc)
        return rc;
    if (slash_name(&from))
        rc = slash_needs_dir(&from); /* a directory: linkat says EPERM (or EEXIST) */
    if (rc == 0)
        rc = locate(c, a[4].of.i32, R_PATH_LINK_TARGET, a[5].of.i32, a[6].of.i32, NOFOLLOW, &to);
    if (rc) {
        sandbox_loc_close(&from);
        return rc;
    }
    if (slash_name(&to))
        rc = slash_cannot_create(&to);
    else if (linkat(from.parent_fd, from.name, to.parent_fd, to.name, 0) != 0)
        rc = wasi_errno(errno);
    sandbox_loc_close(&from);
    sandbox_loc_close(&to);
    return rc;
}

WASI_FN(path_open)
{
    uint32_t dirfd = a[0].of.i32, lookup = a[1].of.i32, oflags = a[4].of.i32, fdflags = a[7].of.i32;
    uint64_t base = a[5].of.i64, inheriting = a[6].of.i64;
    if (oflags & ~(uint32_t)0xf || fdflags & ~(uint32_t)WASI_FDFLAGS_ALL)
        return WASI_EINVAL;
    if (!mem_ptr(&c->mem, a[8].of.i32, 4))
        return WASI_EFAULT;
    uint64_t need = R_PATH_OPEN;
    if (oflags & WASI_OFLAG_CREAT)
        need |= R_PATH_CREATE_FILE;
    int rc;
    wfd *dir = fd_get(c->ctx, dirfd, need, &rc);
    if (!dir)
        return rc;
    if (dir->kind == WFD_MEMDIR) {
        char path[WASI_PATH_MAX];
        uint32_t fd;
        rc = mem_path(&c->mem, a[2].of.i32, a[3].of.i32, path);
        if (rc == 0)
            rc = memfs_open(c->ctx, dir, path, oflags, base, (uint16_t)fdflags, &fd);
        return rc ? rc : mem_store_u32(&c->mem, a[8].of.i32, fd);
    }
    if ((oflags & WASI_OFLAG_TRUNC) && !(dir->rights_base & R_PATH_FILESTAT_SET_SIZE))
        return WASI_EPERM;
    base &= dir->rights_inheriting;
    inheriting &= dir->rights_inheriting;

    bool read = base & (R_FD_READ | R_FD_READDIR);
    /* a directory opened for writing fails with EISDIR, as POSIX says; rights
     * that only files have do not count when the guest asks for a directory */
    bool write = (base & R_FD_WRITE) || (fdflags & WASI_FDFLAG_APPEND) ||
                 (!(oflags & WASI_OFLAG_DIRECTORY) && (base & (R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE)));
    int flags = O_NOCTTY | (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY);
    if (oflags & WASI_OFLAG_DIRECTORY)
        flags |= O_DIRECTORY;
    if (oflags & WASI_OFLAG_CREAT)
        flags |= O_CREAT;
    if (oflags & WASI_OFLAG_EXCL)
        flags |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC)
        flags |= O_TRUNC;
    if (fdflags & WASI_FDFLAG_APPEND)
        flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_DSYNC)
        flags |= O_DSYNC;
    if (fdflags & WASI_FDFLAG_SYNC)
        flags |= O_SYNC;
    if (fdflags & WASI_FDFLAG_RSYNC)
        flags |= O_RSYNC;
    if (fdflags & WASI_FDFLAG_NONBLOCK)
        flags |= O_NONBLOCK;

    path_arg *p = malloc(sizeof *p);
    if (!p)
        return WASI_ENOMEM;
    rc = get_path(c, dirfd, need, a[2].of.i32, a[3].of.i32, p);
    int host = -1;
    if (rc == 0)
        rc = sandbox_open(dir->host_fd, p->path, flags, 0666, lookup & WASI_LOOKUP_SYMLINK_FOLLOW, &host);
    free(p);
    if (rc)
        return rc;

    struct stat st;
    if (fstat(host, &st) != 0) {
        rc = wasi_errno(errno);
        close(host);
        return rc;
    }
    wfd f = {.host_fd = host, .flags = (uint16_t)fdflags};
    if (S_ISDIR(st.st_mode)) {
        f.kind = WFD_DIR;
        f.filetype = WASI_FILETYPE_DIRECTORY;
        f.rights_base = base & RIGHTS_DIRECTORY;
        f.rights_inheriting = inheriting;
    } else {
        f.kind = WFD_FILE;
        f.filetype = host_filetype(host);
        uint64_t allowed = RIGHTS_REGULAR_FILE;
        if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode))
            allowed &= ~(R_FD_SEEK | R_FD_TELL | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
        f.rights_base = base & allowed;
        f.rights_inheriting = inheriting;
    }
    int fd = fd_insert(c->ctx, &f);
    if (fd < 0) {
        close(host);
        return WASI_EMFILE;
    }
    return mem_store_u32(&c->mem, a[8].of.i32, (uint32_t)fd);
}

WASI_FN(path_readlink)
{
    uint32_t buf_len = a[4].of.i32;
    uint8_t *out = mem_ptr(&c->mem, a[3].of.i32, buf_len);
    if (!out || !mem_ptr(&c->mem, a[5].of.i32, 4))
        return WASI_EFAULT;
    sandbox_loc loc;
    int rc = locate(c, a[0].of.i32, R_PATH_READLINK, a[1].of.i32, a[2].of.i32, FOLLOW_SLASH, &loc);
    if (rc)
        return rc;
    if (loc.trailing_slash) {
        /* "link/" names what the link resolves to (resolved beneath the
         * root above), which is never itself a link */
        rc = slash_needs_dir(&loc);
        sandbox_loc_close(&loc);
        return rc ? rc : WASI_EINVAL;
    }
    char *target = malloc(PATH_MAX + 1);
    if (!target) {
        sandbox_loc_close(&loc);
        return WASI_ENOMEM;
    }
    ssize_t n = readlinkat(loc.parent_fd, loc.name, target, PATH_MAX + 1);
    sandbox_loc_close(&loc);
    if (n < 0) {
        rc = wasi_errno(errno);
    } else {
        uint32_t take = (size_t)n < buf_len ? (uint32_t)n : buf_len;
        memcpy(out, target, take);
        rc = mem_store_u32(&c->mem, a[5].of.i32, take);
    }
    free(target);
    return rc;
}

WASI_FN(path_remove_directory)
{
    sandbox_loc loc;
    int rc = locate(c, a[0].of.i32, R_PATH_REMOVE_DIRECTORY, a[1].of.i32, a[2].of.i32, NOFOLLOW, &loc);
    if (rc)
        return rc;
    /* rmdir answers alike with or without a trailing slash: ENOTDIR for a link */
    if (unlinkat(loc.parent_fd, loc.name, AT_REMOVEDIR) != 0)
        rc = wasi_errno(errno);
    sandbox_loc_close(&loc);
    return rc;
}

WASI_FN(path_rename)
{
    sandbox_loc from, to;
    int rc = locate(c, a[0].of.i32, R_PATH_RENAME_SOURCE, a[1].of.i32, a[2].of.i32, NOFOLLOW, &from);
    if (rc)
        return rc;
    rc = locate(c, a[3].of.i32, R_PATH_RENAME_TARGET, a[4].of.i32, a[5].of.i32, NOFOLLOW, &to);
    if (rc) {
        sandbox_loc_close(&from);
        return rc;
    }
    /* a trailing slash on either name wants a directory as the source
     * ("." or ".." on either side is renameat's EBUSY first) */
    bool dots = strcmp(from.name, ".") == 0 || strcmp(to.name, ".") == 0;
    if (!dots && (from.trailing_slash || to.trailing_slash))
        rc = slash_needs_dir(&from);
    if (rc == 0 && renameat(from.parent_fd, from.name, to.parent_fd, to.name) != 0)
        rc = wasi_errno(errno);
    sandbox_loc_close(&from);
    sandbox_loc_close(&to);
    return rc;
}

WASI_FN(path_symlink)
{
    char *target = malloc(WASI_PATH_MAX);
    if (!target)
        return WASI_ENOMEM;
    int rc = mem_path(&c->mem, a[0].of.i32, a[1].of.i32, target);
    if (rc == 0 && target[0] == '/')
        rc = WASI_ENOTCAPABLE; /* it could never be followed, and would point outside */
    sandbox_loc loc;
    if (rc == 0)
        rc = locate(c, a[2].of.i32, R_PATH_SYMLINK, a[3].of.i32, a[4].of.i32, NOFOLLOW, &loc);
    if (rc == 0) {
        if (slash_name(&loc))
            rc = slash_cannot_create(&loc);
        else if (symlinkat(target, loc.parent_fd, loc.name) != 0)
            rc = wasi_errno(errno);
        sandbox_loc_close(&loc);
    }
    free(target);
    return rc;
}

WASI_FN(path_unlink_file)
{
    sandbox_loc loc;
    int rc = locate(c, a[0].of.i32, R_PATH_UNLINK_FILE, a[1].of.i32, a[2].of.i32, NOFOLLOW, &loc);
    if (rc)
        return rc;
    if (slash_name(&loc)) {
        /* "name/" asks for a directory, which unlink refuses: Linux's answers */
        mode_t type = 0;
        rc = name_type(&loc, &type);
        if (rc == 0)
            rc = type == S_IFDIR ? WASI_EISDIR : WASI_ENOTDIR;
    } else if (unlinkat(loc.parent_fd, loc.name, 0) != 0) {
        rc = wasi_errno(errno);
    }
    sandbox_loc_close(&loc);
    return rc;
}
