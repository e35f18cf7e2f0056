/* SHARED BY THE EXEC AND THE KEEP: the Linux x86-64 system-call ABI, which
 * the exec speaks (through its libc) and the Keep serves (the shim's system
 * calls, src/shim/kvm/syscall.c, and the sallyport client, which checks the
 * host's replies in Linux's terms). Documented in docs/abi.md.
 *
 * Linux's own names, from the kernel's UAPI headers that hold macros and
 * plain kernel types only, so that freestanding code (the shim) can use
 * them: system call numbers (__NR_*), errno values (E*), and the flags and
 * codes the Keep looks at. The few constants the UAPI headers do not export
 * (socket families and types, MSG_TRUNC) are defined below with Linux's values.
 *
 * For Keep-side code that does not include the libc's headers: libc defines
 * some of the same names its own way. Versioning: Linux's, which never
 * changes a number once released. */
#ifndef ABI_LINUX_ABI_H
#define ABI_LINUX_ABI_H

#include <asm-generic/errno.h>  /* EBADF ... : Linux errno values */
#include <asm-generic/poll.h>   /* POLLIN ... */
#include <asm/ioctls.h>         /* TCGETS, FIONREAD ... */
#include <asm/prctl.h>          /* ARCH_SET_FS ... */
#include <asm/resource.h>       /* RLIMIT_* */
#include <asm/signal.h>         /* SIGSEGV ... */
#include <asm/unistd_64.h>      /* __NR_read ... : x86-64 system call numbers */
#include <linux/fadvise.h>      /* POSIX_FADV_* */
#include <linux/fcntl.h>        /* AT_FDCWD, AT_*, F_DUPFD ... */
#include <linux/fs.h>           /* SEEK_* */
#include <linux/futex.h>        /* FUTEX_WAIT ... */
#include <linux/mman.h>         /* PROT_*, MAP_*, MREMAP_* */
#include <linux/random.h>       /* GRND_* */
#include <linux/time.h>         /* CLOCK_* */

/* File types: <linux/stat.h> leaves them to a glibc when there is one. */
#ifndef S_IFMT
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#endif

/* Kept out of the UAPI headers by the kernel (include/linux/socket.h). */
#ifndef AF_UNIX
#define AF_UNIX 1
#endif
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef MSG_TRUNC
#define MSG_TRUNC 0x20
#endif
#ifndef SOCK_STREAM
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_RDM 4
#define SOCK_SEQPACKET 5
#endif
#define SOCK_TYPE_MASK 0xf /* the type, without SOCK_NONBLOCK and SOCK_CLOEXEC */

/* The largest errno value: results in [-MAX_ERRNO, -1] are errors. */
#define LINUX_MAX_ERRNO 4095

#endif
