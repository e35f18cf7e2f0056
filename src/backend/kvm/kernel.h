/* The VMM's one door to the kernel. Every system call the KVM and SEV-SNP
 * launchers make (opening devices, ioctls, memory mappings, guest_memfd
 * holes, sysfs reads, file locks) and the CPUID instruction go through a
 * struct vmm_kernel, so that a test double — the model of KVM and the AMD
 * secure processor in tests/sev — can stand in for Linux. Production code
 * uses vmm_kernel_linux (vmm_kernel_host()).
 *
 * Conventions: every call returns >= 0 on success and -errno on failure
 * (mmap: MAP_FAILED, with the error in *error), never touching errno. */
#ifndef BACKEND_KVM_KERNEL_H
#define BACKEND_KVM_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vmm_kernel {
    void *ctx;
    int (*open)(void *ctx, const char *path, int flags);
    int (*close)(void *ctx, int fd);
    /* ioctl(fd, request, arg): its non-negative result, or -errno. */
    long (*ioctl)(void *ctx, int fd, unsigned long request, void *arg);
    void *(*mmap)(void *ctx, void *addr, size_t len, int prot, int flags, int fd, off_t offset, int *error);
    int (*munmap)(void *ctx, void *addr, size_t len);
    int (*madvise)(void *ctx, void *addr, size_t len, int advice);
    int (*fallocate)(void *ctx, int fd, int mode, off_t offset, off_t len);
    ssize_t (*read)(void *ctx, int fd, void *buf, size_t len);
    /* An open-file-description lock (F_OFD_SETLK) of type F_RDLCK, F_WRLCK
     * or F_UNLCK over the whole file; -EAGAIN when someone else holds it. */
    int (*lock)(void *ctx, int fd, short type);
    /* The CPUID instruction (not a system call, but what a host offers). */
    void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
};

extern const struct vmm_kernel vmm_kernel_linux;

/* The kernel the launchers use when their options name none: Linux. (The
 * test build of enarx with the SNP model wraps this one function.) */
const struct vmm_kernel *vmm_kernel_host(void);

/* Reads a small text file (a sysfs parameter) through k: at most len - 1
 * bytes, NUL-terminated, trailing newline removed. -errno on failure. */
int vmm_read_text(const struct vmm_kernel *k, const char *path, char *buf, size_t len);

#endif
