#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A pipe is read in growing steps, from this size up to its limit. */
#define PIPE_FIRST_CHUNK (64u << 10)

const char *file_type_name(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symbolic link";
    default: return "not a file of a known type";
    }
}

/* O_NONBLOCK: opening a FIFO with no writer, or some devices, would wait.
 * O_NOCTTY: a terminal named by mistake must not become ours. */
static file_status open_checked(const char *path, unsigned flags, int *fd_out, struct stat *st, char *why,
                                size_t why_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(why, why_size, "cannot open: %s", strerror(errno));
        return FILE_CANNOT_OPEN;
    }
    if (fstat(fd, st) != 0) {
        snprintf(why, why_size, "cannot open: %s", strerror(errno));
        close(fd);
        return FILE_CANNOT_OPEN;
    }
    int pipe_ok = (flags & FILE_ACCEPT_PIPE) && S_ISFIFO(st->st_mode);
    if (!S_ISREG(st->st_mode) && !pipe_ok) {
        snprintf(why, why_size, "is %s, not a regular file%s", file_type_name(st->st_mode),
                 (flags & FILE_ACCEPT_PIPE) ? " or a pipe" : "");
        close(fd);
        return FILE_WRONG_TYPE;
    }
    /* From here reads may wait: for a pipe's writer to write or close. */
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        snprintf(why, why_size, "cannot read: %s", strerror(errno));
        close(fd);
        return FILE_CANNOT_READ;
    }
    *fd_out = fd;
    return FILE_OK;
}

file_status file_open_regular(const char *path, int *fd, uint64_t *size, char *why, size_t why_size)
{
    struct stat st;
    file_status s = open_checked(path, 0, fd, &st, why, why_size);
    if (s == FILE_OK)
        *size = (uint64_t)st.st_size;
    return s;
}

/* Reads into buf[*got..cap) until EOF or the buffer is full. */
static int read_some(int fd, uint8_t *buf, size_t cap, size_t *got)
{
    while (*got < cap) {
        ssize_t n = read(fd, buf + *got, cap - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

/* Reads to EOF, but never more than limit + 1 bytes (one more tells "too
 * large"). first is the expected size: st_size for a file (files in /proc
 * say 0 and still hold bytes), a chunk for a pipe. Geometric growth. */
static file_status read_to_end(int fd, size_t limit, size_t first, file_contents *out, char *why,
                               size_t why_size)
{
    if (limit > SIZE_MAX / 2)
        limit = SIZE_MAX / 2; /* keeps limit + 2 from wrapping */
    size_t cap = (first < limit ? first : limit) + 1;
    size_t got = 0;
    uint8_t *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            snprintf(why, why_size, "out of memory");
            return FILE_NO_MEMORY;
        }
        if (read_some(fd, buf, cap, &got) != 0) {
            snprintf(why, why_size, "cannot read: %s", strerror(errno));
            free(buf);
            return FILE_CANNOT_READ;
        }
        if (got < cap)
            break;
        if (got > limit) {
            snprintf(why, why_size, "holds more than %zu bytes, the limit", limit);
            free(buf);
            return FILE_TOO_LARGE;
        }
        size_t next = cap <= limit / 2 ? cap * 2 : limit + 1;
        uint8_t *bigger = realloc(buf, next + 1);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap = next;
    }
    buf[got] = 0;
    out->data = buf;
    out->size = got;
    return FILE_OK;
}

file_status file_read_all(const char *path, size_t limit, unsigned flags, file_contents *out, char *why,
                          size_t why_size)
{
    memset(out, 0, sizeof *out);
    int fd;
    struct stat st;
    file_status s = open_checked(path, flags, &fd, &st, why, why_size);
    if (s != FILE_OK)
        return s;
    out->is_pipe = S_ISFIFO(st.st_mode);
    if (!out->is_pipe && (uint64_t)st.st_size > limit) {
        snprintf(why, why_size, "is %llu bytes; the limit is %zu", (unsigned long long)st.st_size, limit);
        close(fd);
        return FILE_TOO_LARGE;
    }
    size_t first = out->is_pipe ? PIPE_FIRST_CHUNK : (size_t)st.st_size;
    s = read_to_end(fd, limit, first, out, why, why_size);
    close(fd);
    return s;
}

void file_contents_free(file_contents *out)
{
    free(out->data);
    memset(out, 0, sizeof *out);
}
