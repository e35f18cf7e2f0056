/* Writes the workload stream. Host side: nothing here runs in the Keep. */
#include "backend/workload_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "abi/workload_stream.h"

static int write_all(wl_writer *w, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(w->err, w->errlen, "writing the workload stream: %s", strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int write_header(wl_writer *w, uint32_t type, uint64_t len)
{
    uint8_t h[WL_FRAME_HEADER_LEN];
    put_le32(h, type);
    put_le32(h + 4, 0);
    put_le32(h + 8, (uint32_t)len);
    put_le32(h + 12, (uint32_t)(len >> 32));
    return write_all(w, h, sizeof h);
}

int wl_write_magic(wl_writer *w)
{
    return write_all(w, WL_MAGIC, WL_MAGIC_LEN);
}

int wl_write_frame(wl_writer *w, uint32_t type, const void *payload, size_t len)
{
    if (write_header(w, type, len) != 0)
        return -1;
    return len ? write_all(w, payload, len) : 0;
}

int wl_write_string(wl_writer *w, uint32_t type, const char *s)
{
    return wl_write_frame(w, type, s, strlen(s));
}

int wl_write_pair(wl_writer *w, uint32_t type, const char *first, const void *second, size_t second_len)
{
    size_t first_len = strlen(first);
    if (write_header(w, type, (uint64_t)first_len + 1 + second_len) != 0)
        return -1;
    if (write_all(w, first, first_len + 1) != 0)
        return -1;
    return second_len ? write_all(w, second, second_len) : 0;
}

/* The copy by hand for files sendfile cannot read. Its own function, so that
 * its 64 KiB buffer is only on the stack when it is used (every page the
 * stack grows into is a page fault). */
static int __attribute__((noinline)) copy_by_hand(wl_writer *w, int module_fd, off_t offset, uint64_t left,
                                                  const char *module_path)
{
    char buf[65536];
    while (left > 0) {
        ssize_t n = pread(module_fd, buf, left < sizeof buf ? (size_t)left : sizeof buf, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(w->err, w->errlen, "reading %s: %s", module_path,
                     n < 0 ? strerror(errno) : "file shrank while it was being read");
            return -1;
        }
        if (write_all(w, buf, (size_t)n) != 0)
            return -1;
        offset += n;
        left -= (uint64_t)n;
    }
    return 0;
}

int wl_write_module_fd(wl_writer *w, int module_fd, uint64_t size, const char *module_path)
{
    if (size > WL_MAX_MODULE) {
        snprintf(w->err, w->errlen, "%s: %llu bytes; the largest module a Keep accepts is %u bytes",
                 module_path, (unsigned long long)size, WL_MAX_MODULE);
        return -1;
    }
    if (write_header(w, WL_MODULE, size) != 0)
        return -1;
    uint64_t left = size;
    off_t offset = 0;
    while (left > 0) {
        ssize_t n = sendfile(w->fd, module_fd, &offset, left > (1u << 30) ? (1u << 30) : (size_t)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EINVAL || errno == ENOSYS))
            break; /* not supported between these files: copy by hand below */
        if (n < 0) {
            snprintf(w->err, w->errlen, "reading %s: %s", module_path, strerror(errno));
            return -1;
        }
        if (n == 0) {
            snprintf(w->err, w->errlen, "%s changed while it was being read", module_path);
            return -1;
        }
        left -= (uint64_t)n;
    }
    return left > 0 ? copy_by_hand(w, module_fd, offset, left, module_path) : 0;
}

int wl_write_end(wl_writer *w)
{
    return write_header(w, WL_END, 0);
}
