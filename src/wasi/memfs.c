/* Descriptors without a host object: a read-only directory held in memory
 * (WFD_MEMDIR, its files WFD_MEMFILE) and an embedder's byte channel
 * (WFD_CHANNEL). The exec's deploy mode uses them so that secrets and the
 * workload's stdio never pass through the host. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/internal.h"

#define MEMFS_DEV 0x656e78u /* an st_dev no host file system has */
#define RIGHTS_MEMDIR (R_PATH_OPEN | R_FD_READDIR | R_PATH_FILESTAT_GET | R_FD_FILESTAT_GET | R_POLL_FD_READWRITE)
/* What a guest may ask for, to be told EROFS as on a read-only mount
 * (wasi-libc drops rights the directory does not offer, and a write would
 * then fail later with a less telling error). */
#define RIGHTS_MEMDIR_ASKABLE (RIGHTS_MEMDIR | R_PATH_CREATE_FILE | R_PATH_CREATE_DIRECTORY)
#define RIGHTS_MEMFILE_ASKABLE (R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE)
#define RIGHTS_MEMFILE (R_FD_READ | R_FD_SEEK | R_FD_TELL | R_FD_FILESTAT_GET | R_POLL_FD_READWRITE)
#define RIGHTS_CHANNEL (R_FD_READ | R_FD_WRITE | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET | R_POLL_FD_READWRITE)

int wasi_ctx_add_channel(wasi_ctx *ctx, const wasi_channel *chan)
{
    wfd f = {.kind = WFD_CHANNEL, .host_fd = -1, .filetype = WASI_FILETYPE_CHARACTER_DEVICE, .chan = chan};
    f.rights_base = RIGHTS_CHANNEL;
    return fd_insert(ctx, &f);
}

int wasi_ctx_add_mem_dir(wasi_ctx *ctx, const char *guest_path, const wasi_mem_file *files, size_t count)
{
    wfd f = {.kind = WFD_MEMDIR, .host_fd = -1, .filetype = WASI_FILETYPE_DIRECTORY};
    f.rights_base = RIGHTS_MEMDIR_ASKABLE;
    f.rights_inheriting = RIGHTS_MEMDIR_ASKABLE | RIGHTS_MEMFILE | RIGHTS_MEMFILE_ASKABLE;
    f.mem_files = files;
    f.mem_count = count;
    return fd_insert_preopen(ctx, &f, guest_path);
}

/* ---- files ---- */

static size_t copy_out(const wasi_mem_file *m, uint64_t pos, struct iovec *iov, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n && pos < m->size; i++) {
        size_t take = m->size - pos < iov[i].iov_len ? (size_t)(m->size - pos) : iov[i].iov_len;
        memcpy(iov[i].iov_base, m->data + pos, take);
        pos += take;
        total += take;
    }
    return total;
}

int memfs_read(wfd *f, struct iovec *iov, size_t n, bool peek, size_t *done)
{
    if (f->kind == WFD_MEMDIR)
        return WASI_EISDIR;
    *done = copy_out(f->mem_file, f->mem_pos, iov, n);
    if (!peek)
        f->mem_pos += *done;
    return 0;
}

int memfs_pread(wfd *f, struct iovec *iov, size_t n, uint64_t offset, size_t *done)
{
    if (f->kind == WFD_MEMDIR)
        return WASI_EISDIR;
    *done = copy_out(f->mem_file, offset, iov, n);
    return 0;
}

int memfs_seek(wfd *f, int64_t offset, int whence, uint64_t *pos)
{
    if (f->kind == WFD_MEMDIR)
        return WASI_EISDIR;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->mem_pos : (int64_t)f->mem_file->size;
    if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
        return WASI_EINVAL;
    f->mem_pos = (uint64_t)(base + offset);
    *pos = f->mem_pos;
    return 0;
}

static void stat_entry(uint8_t *out, uint64_t ino, uint8_t type, uint64_t size)
{
    memset(out, 0, WASI_FILESTAT_SIZE);
    put_u64(out, MEMFS_DEV);
    put_u64(out + 8, ino);
    put_u8(out + 16, type);
    put_u64(out + 24, 1);
    put_u64(out + 32, size);
}

void memfs_filestat(const wfd *f, uint8_t *out)
{
    if (f->kind == WFD_MEMFILE)
        stat_entry(out, 2 + (uint64_t)(f->mem_file - f->mem_files), WASI_FILETYPE_REGULAR_FILE, f->mem_file->size);
    else if (f->kind == WFD_MEMDIR)
        stat_entry(out, 1, WASI_FILETYPE_DIRECTORY, 0);
    else
        stat_entry(out, 0, f->filetype, 0);
}

/* ---- the directory ---- */

/* Cookies: 0 ".", 1 "..", 2 + i the i-th file. */
int memfs_readdir(wfd *f, uint8_t *out, uint32_t buf_len, uint64_t cookie, uint32_t *used_out)
{
    uint32_t used = 0;
    for (uint64_t i = cookie; i < 2 + (uint64_t)f->mem_count && used < buf_len; i++) {
        const char *name = i == 0 ? "." : i == 1 ? ".." : f->mem_files[i - 2].name;
        dirent_put(out, buf_len, &used, i + 1, i < 2 ? 1 : i, name, (uint32_t)strlen(name),
                   i < 2 ? WASI_FILETYPE_DIRECTORY : WASI_FILETYPE_REGULAR_FILE);
    }
    *used_out = used;
    return 0;
}

/* The file a path names below the directory: NULL with *is_dir for the
 * directory itself ("." and "./"), NULL otherwise when there is none. */
static const wasi_mem_file *lookup(const wfd *dir, const char *path, bool *is_dir, int *err)
{
    *is_dir = false;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    while (path[0] == '/')
        path++; /* "./" runs */
    if (path[0] == 0 || strcmp(path, ".") == 0) {
        *is_dir = true;
        return NULL;
    }
    size_t len = strcspn(path, "/");
    for (size_t i = 0; i < dir->mem_count; i++) {
        const wasi_mem_file *m = &dir->mem_files[i];
        if (strlen(m->name) == len && memcmp(m->name, path, len) == 0) {
            *err = path[len] ? WASI_ENOTDIR : 0; /* "secret/" or "secret/x" */
            return path[len] ? NULL : m;
        }
    }
    /* ".." and anything else: nothing outside, nothing deeper */
    *err = strncmp(path, "..", 2) == 0 && (path[2] == 0 || path[2] == '/') ? WASI_ENOTCAPABLE : WASI_ENOENT;
    return NULL;
}

int memfs_open(wasi_ctx *ctx, wfd *dir, const char *path, uint32_t oflags, uint64_t base, uint16_t fdflags,
               uint32_t *fd_out)
{
    bool is_dir;
    int err = 0;
    const wasi_mem_file *m = lookup(dir, path, &is_dir, &err);
    if (!m && !is_dir)
        return (oflags & WASI_OFLAG_CREAT) && err == WASI_ENOENT ? WASI_EROFS : err;
    if ((oflags & (WASI_OFLAG_CREAT | WASI_OFLAG_TRUNC)) || (base & (R_FD_WRITE | R_FD_ALLOCATE)) ||
        (fdflags & WASI_FDFLAG_APPEND))
        return (oflags & WASI_OFLAG_EXCL) ? WASI_EEXIST : WASI_EROFS;
    if (m && (oflags & WASI_OFLAG_DIRECTORY))
        return WASI_ENOTDIR;
    wfd f = {.host_fd = -1, .flags = (uint16_t)(fdflags & WASI_FDFLAG_NONBLOCK)};
    if (is_dir) {
        f.kind = WFD_MEMDIR;
        f.filetype = WASI_FILETYPE_DIRECTORY;
        f.mem_files = dir->mem_files;
        f.mem_count = dir->mem_count;
        f.rights_base = base & RIGHTS_MEMDIR_ASKABLE;
        f.rights_inheriting = dir->rights_inheriting;
    } else {
        f.kind = WFD_MEMFILE;
        f.filetype = WASI_FILETYPE_REGULAR_FILE;
        f.mem_files = dir->mem_files;
        f.mem_file = m;
        f.rights_base = base & RIGHTS_MEMFILE;
    }
    int fd = fd_insert(ctx, &f);
    if (fd < 0)
        return WASI_EMFILE;
    *fd_out = (uint32_t)fd;
    return 0;
}

int memfs_stat_path(wfd *dir, const char *path, uint8_t *out)
{
    bool is_dir;
    int err = 0;
    const wasi_mem_file *m = lookup(dir, path, &is_dir, &err);
    if (is_dir) {
        stat_entry(out, 1, WASI_FILETYPE_DIRECTORY, 0);
        return 0;
    }
    if (!m)
        return err;
    wfd f = {.kind = WFD_MEMFILE, .mem_files = dir->mem_files, .mem_file = m};
    memfs_filestat(&f, out);
    return 0;
}

/* ---- channels ---- */

int channel_read(wfd *f, struct iovec *iov, size_t n, size_t *done)
{
    *done = 0;
    if (!f->chan->read)
        return WASI_EBADF;
    for (size_t i = 0; i < n; i++) {
        if (iov[i].iov_len == 0)
            continue;
        /* only the first read may wait: a short read is a read */
        long r = f->chan->read(f->chan->opaque, iov[i].iov_base, iov[i].iov_len, !fd_blocking(f) || *done > 0);
        if (r == -EAGAIN && *done > 0)
            break;
        if (r < 0)
            return *done ? 0 : wasi_errno((int)-r);
        *done += (size_t)r;
        if (r == 0 || (size_t)r < iov[i].iov_len)
            break;
    }
    return 0;
}

int channel_write(wfd *f, const struct iovec *iov, size_t n, size_t *done)
{
    *done = 0;
    if (!f->chan->write)
        return WASI_EBADF;
    for (size_t i = 0; i < n; i++) {
        if (iov[i].iov_len == 0)
            continue;
        long r = f->chan->write(f->chan->opaque, iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return *done ? 0 : wasi_errno((int)-r);
        *done += (size_t)r;
    }
    return 0;
}
