/* struct vmm_kernel for Linux: the system calls themselves. */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/kvm/kernel.h"

static int k_open(void *ctx, const char *path, int flags)
{
    (void)ctx;
    int fd;
    do
        fd = open(path, flags | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

static int k_close(void *ctx, int fd)
{
    (void)ctx;
    return close(fd) < 0 ? -errno : 0;
}

static long k_ioctl(void *ctx, int fd, unsigned long request, void *arg)
{
    (void)ctx;
    int r = ioctl(fd, request, arg);
    return r < 0 ? -errno : r;
}

static void *k_mmap(void *ctx, void *addr, size_t len, int prot, int flags, int fd, off_t offset, int *error)
{
    (void)ctx;
    void *p = mmap(addr, len, prot, flags, fd, offset);
    if (p == MAP_FAILED && error)
        *error = errno;
    return p;
}

static int k_munmap(void *ctx, void *addr, size_t len)
{
    (void)ctx;
    return munmap(addr, len) < 0 ? -errno : 0;
}

static int k_madvise(void *ctx, void *addr, size_t len, int advice)
{
    (void)ctx;
    return madvise(addr, len, advice) < 0 ? -errno : 0;
}

static int k_fallocate(void *ctx, int fd, int mode, off_t offset, off_t len)
{
    (void)ctx;
    return fallocate(fd, mode, offset, len) < 0 ? -errno : 0;
}

static ssize_t k_read(void *ctx, int fd, void *buf, size_t len)
{
    (void)ctx;
    ssize_t n;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

static int k_lock(void *ctx, int fd, short type)
{
    (void)ctx;
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

static void k_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)ctx;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if ((uint32_t)__get_cpuid_max(leaf & 0x80000000u, NULL) >= leaf)
        __cpuid_count(leaf, subleaf, a, b, c, d);
    out[0] = a, out[1] = b, out[2] = c, out[3] = d;
}

const struct vmm_kernel vmm_kernel_linux = {
    .ctx = NULL,
    .open = k_open,
    .close = k_close,
    .ioctl = k_ioctl,
    .mmap = k_mmap,
    .munmap = k_munmap,
    .madvise = k_madvise,
    .fallocate = k_fallocate,
    .read = k_read,
    .lock = k_lock,
    .cpuid = k_cpuid,
};

const struct vmm_kernel *vmm_kernel_host(void)
{
    return &vmm_kernel_linux;
}

int vmm_read_text(const struct vmm_kernel *k, const char *path, char *buf, size_t len)
{
    if (len == 0)
        return -EINVAL;
    buf[0] = 0;
    int fd = k->open(k->ctx, path, O_RDONLY);
    if (fd < 0)
        return fd;
    ssize_t n = k->read(k->ctx, fd, buf, len - 1);
    k->close(k->ctx, fd);
    if (n < 0)
        return (int)n;
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = 0;
    return 0;
}
