/* SHARED BY HOST AND KEEP: the sallyport, the wire format between a Keep and
 * its host. Self-contained (only <stdint.h>; assembler-safe above the
 * __ASSEMBLER__ guard, because the shim's entry.S reads SP_VERSION); no code.
 * Documented with the other shared formats in docs/abi.md; the protocol's
 * rules and checks in docs/sallyport.md.
 *
 * Writer of requests, reader of replies: the Keep (src/sallyport/keep.c,
 * linked into the shim), which checks every reply before using any of it.
 * Reader of requests, writer of replies: the host's executor
 * (src/sallyport/host.c, linked into enarx), which checks every offset and
 * length before touching the block.
 *
 * One block of memory is shared by the Keep (trusted) and the host
 * (untrusted). The Keep writes a batch of calls into it, rings the doorbell
 * (or, in exit-less mode, lets a polling host thread see the new sequence
 * number), and the host executes the calls in order and writes each call's
 * result back. Neither side trusts the other: the host checks every offset and
 * length before touching the block, and the Keep copies every reply field out
 * once, checks it, and never reads it again.
 *
 * Layout of a block of SP_HEADER_SIZE + data_size bytes:
 *
 *   [0, SP_HEADER_SIZE)        struct sp_header: sequence numbers, call slots
 *   [SP_HEADER_SIZE, end)      the data area: buffers of every call in the
 *                              batch, each at an offset the Keep chose
 *
 * Pointers never cross the boundary: a pointer argument is an offset into the
 * data area (SP_NULL for a null pointer) and always comes with a length, in
 * the argument list of the call or fixed by the call's documented type.
 *
 * Versioning: SP_VERSION, which the shim's header carries and the VMM checks
 * before it boots the shim (docs/abi.md). Any change to the layout, a call's
 * number or arguments, or a structure below needs a new SP_VERSION.
 */
#ifndef ABI_SALLYPORT_H
#define ABI_SALLYPORT_H

#define SP_VERSION       1

#ifndef __ASSEMBLER__
#include <stdint.h>

#define SP_HEADER_SIZE   4096u
#define SP_MAX_CALLS     32u          /* call slots in one batch */
#define SP_NULL          UINT64_MAX   /* a null pointer argument */
#define SP_MAX_FD        4096u        /* fds 0..SP_MAX_FD-1 exist in a Keep */
#define SP_DATA_ALIGN    16u          /* every buffer starts 16-byte aligned */

/* The largest data area either side accepts; the Keep and host agree on the
 * actual size at boot. */
#define SP_MAX_DATA_SIZE (64u << 20)

/* The I/O port the Keep writes to when it wants the host to look at the block
 * (any value; the host ignores it). */
#define SP_DOORBELL_PORT 0x5e4u

/* One call: number, up to six arguments, one result (>= 0, or -errno). */
struct sp_call {
    uint64_t nr;
    uint64_t arg[6];
    int64_t ret;
};

/* The header page. `req_seq` and `ncalls` are written by the Keep,
 * `rsp_seq` and the calls' `ret` by the host; `host_polling` is a hint from
 * the host that a thread is spinning on `req_seq` right now (the Keep may
 * spin rather than exit). */
struct sp_header {
    uint64_t req_seq;
    uint64_t rsp_seq;
    uint32_t ncalls;
    uint32_t host_polling;
    uint64_t reserved[5];
    struct sp_call call[SP_MAX_CALLS];
};

_Static_assert(sizeof(struct sp_call) == 64, "sp_call is 64 bytes on the wire");
_Static_assert(sizeof(struct sp_header) <= SP_HEADER_SIZE, "header fits its page");

/* The arguments of each call. `off` = offset into the data area, `len` = its
 * length in bytes; `fd` = a Keep fd number (the host translates it).
 *
 *  I/O                   arguments                              result
 *  SP_READ               fd, buf off, count                     bytes read
 *  SP_WRITE              fd, buf off, count                     bytes written
 *  SP_PREAD / SP_PWRITE  fd, buf off, count, file offset        bytes
 *  SP_OPENAT             dirfd, path off, path len (incl. NUL), flags, mode   new fd
 *  SP_CLOSE              fd                                     0
 *  SP_FSTAT              fd, stat off (struct stat, 144 bytes)  0
 *  SP_LSEEK              fd, offset, whence                     new position
 *  SP_FCNTL              fd, cmd, int arg                       per cmd
 *  SP_IOCTL              fd, request, arg off|NULL, arg len     per request
 *  SP_DUP                fd                                     new fd
 *  SP_DUP3               oldfd, newfd, flags                    newfd
 *  SP_PIPE2              fds off (int[2]), flags                0
 *  SP_GETDENTS64         fd, buf off, count                     bytes
 *  SP_FSYNC / SP_FDATASYNC  fd                                  0
 *  SP_FTRUNCATE          fd, length                             0
 *  SP_READLINKAT         dirfd, path off, path len, buf off, buf len   bytes
 *  SP_FSTATAT            dirfd, path, stat off, flags           0
 *  SP_MKDIRAT            dirfd, path, mode                      0
 *  SP_UNLINKAT           dirfd, path, flags                     0
 *  SP_RENAMEAT           olddirfd, old path, newdirfd, new path 0
 *  SP_LINKAT             olddirfd, old path, newdirfd, new path, flags   0
 *  SP_SYMLINKAT          target, newdirfd, link path            0
 *  SP_UTIMENSAT          dirfd, path|NULL, times off|NULL (struct timespec[2]), flags   0
 *  SP_FALLOCATE          fd, mode, offset, len                  0
 *  SP_FSTATFS            fd, statfs off (struct statfs, 120 bytes)  0
 *    (`path` alone = the offset of a NUL-terminated string of at most
 *    SP_MAX_PATH bytes; the host finds the NUL within the data area)
 *  Sockets
 *  SP_SOCKET             domain, type, protocol                 new fd
 *  SP_SOCKETPAIR         domain, type, protocol, fds off (int[2])  0
 *  SP_BIND / SP_CONNECT  fd, addr off, addr len                 0
 *  SP_LISTEN             fd, backlog                            0
 *  SP_ACCEPT4            fd, addr off|NULL, addrlen off (u32 in/out), flags   new fd
 *  SP_GETSOCKNAME / SP_GETPEERNAME  fd, addr off, addrlen off (u32 in/out)   0
 *  SP_SETSOCKOPT         fd, level, name, val off, val len      0
 *  SP_GETSOCKOPT         fd, level, name, val off, len off (u32 in/out)   0
 *  SP_SENDTO             fd, buf off, len, flags, addr off|NULL, addr len   bytes
 *  SP_RECVFROM           fd, buf off, len, flags, addr off|NULL, addrlen off  bytes
 *  SP_SHUTDOWN           fd, how                                0
 *  Waiting and time
 *  SP_POLL               fds off (struct pollfd[n]), n, timeout off|NULL (struct timespec)   ready count
 *  SP_CLOCK_GETTIME / SP_CLOCK_GETRES  clock id, ts off (struct timespec)   0
 *  SP_CLOCK_NANOSLEEP    clock id, flags, req off, rem off|NULL 0
 *  The Keep itself (handled by the VMM, never reach the executor's syscalls)
 *  SP_EXIT               status                                 (never returns)
 *  SP_ABORT              status, message off, message len, kind  (never returns)
 *  SP_LOG                level (enum enarx_log_level), message off, message len   0
 *  SP_DISCARD            guest-physical address, len (2 MiB multiples)  0
 *  SP_GETATT             report data off (64 bytes), evidence off, evidence cap   evidence length
 *    (the exec's evidence call, abi/evidence.h: plain KVM has no hardware
 *    root, so the VMM answers with an UNATTESTED document carrying what it
 *    measured; the shim checks its shape and hands it on, kind from its header)
 */
/* The call list, the one place every call is named: each use (the enum
 * below, the executor's dispatch in host.c, the names in messages on both
 * sides) expands SP_CALLS with its own X(NAME, NUMBER, TEXT, GROUP):
 *   NAME    SP_<NAME> is the call's number in enum sp_nr
 *   NUMBER  the wire number: never reuse or renumber one (SP_VERSION)
 *   TEXT    the Linux system call it mirrors, for messages
 *   GROUP   calls sharing one argument layout share one executor routine
 *           (host.c: do_<GROUP>)
 */
#define SP_CALLS(X)                                          \
    X(READ, 1, "read", rw)                                   \
    X(WRITE, 2, "write", rw)                                 \
    X(PREAD, 3, "pread64", rw)                               \
    X(PWRITE, 4, "pwrite64", rw)                             \
    X(OPENAT, 5, "openat", openat)                           \
    X(CLOSE, 6, "close", close)                              \
    X(FSTAT, 7, "fstat", fstat)                              \
    X(LSEEK, 8, "lseek", simple_fd)                          \
    X(FCNTL, 9, "fcntl", fcntl)                              \
    X(IOCTL, 10, "ioctl", ioctl)                             \
    X(DUP, 11, "dup", simple_fd)                             \
    X(DUP3, 12, "dup3", dup3)                                \
    X(PIPE2, 13, "pipe2", pipe2)                             \
    X(GETDENTS64, 14, "getdents64", getdents)                \
    X(FSYNC, 15, "fsync", simple_fd)                         \
    X(FDATASYNC, 16, "fdatasync", simple_fd)                 \
    X(FTRUNCATE, 17, "ftruncate", simple_fd)                 \
    X(READLINKAT, 18, "readlinkat", readlinkat)              \
    X(FSTATAT, 19, "newfstatat", paths)                      \
    X(MKDIRAT, 20, "mkdirat", paths)                         \
    X(UNLINKAT, 21, "unlinkat", paths)                       \
    X(RENAMEAT, 22, "renameat", paths)                       \
    X(LINKAT, 23, "linkat", paths)                           \
    X(SYMLINKAT, 24, "symlinkat", paths)                     \
    X(UTIMENSAT, 25, "utimensat", paths)                     \
    X(FALLOCATE, 26, "fallocate", simple_fd)                 \
    X(FSTATFS, 27, "fstatfs", fstat)                         \
    X(SOCKET, 32, "socket", socket)                          \
    X(SOCKETPAIR, 33, "socketpair", socketpair)              \
    X(BIND, 34, "bind", bind_connect)                        \
    X(CONNECT, 35, "connect", bind_connect)                  \
    X(LISTEN, 36, "listen", simple_fd)                       \
    X(ACCEPT4, 37, "accept4", accept)                        \
    X(GETSOCKNAME, 38, "getsockname", name)                  \
    X(GETPEERNAME, 39, "getpeername", name)                  \
    X(SETSOCKOPT, 40, "setsockopt", sockopt)                 \
    X(GETSOCKOPT, 41, "getsockopt", sockopt)                 \
    X(SENDTO, 42, "sendto", sendto)                          \
    X(RECVFROM, 43, "recvfrom", recvfrom)                    \
    X(SHUTDOWN, 44, "shutdown", simple_fd)                   \
    X(POLL, 64, "poll", poll)                                \
    X(CLOCK_GETTIME, 65, "clock_gettime", clock)             \
    X(CLOCK_GETRES, 66, "clock_getres", clock)               \
    X(CLOCK_NANOSLEEP, 67, "clock_nanosleep", sleep)         \
    X(EXIT, 0x100, "exit", keep)                             \
    X(ABORT, 0x101, "abort", keep)                           \
    X(LOG, 0x102, "log", keep)                               \
    X(DISCARD, 0x103, "discard", keep)                       \
    X(GETATT, 0x104, "getatt", keep)

enum sp_nr {
#define SP_NR_ENUM(name, nr, text, group) SP_##name = nr,
    SP_CALLS(SP_NR_ENUM)
#undef SP_NR_ENUM
};

/* SP_ABORT kinds: why the Keep stopped itself. */
enum sp_abort_kind {
    SP_ABORT_VIOLATION = 1,   /* the host broke the protocol (Iago check) */
    SP_ABORT_FAULT = 2,       /* the workload faulted (status = 128 + signal) */
    SP_ABORT_PANIC = 3,       /* the shim hit an internal error */
    SP_ABORT_OOM = 4,         /* the Keep ran out of memory */
};

/* Wire layouts of the structures that cross the boundary (x86-64 Linux). */
struct sp_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

struct sp_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

#define SP_STAT_SIZE        144u   /* struct stat on x86-64 */
#define SP_STATFS_SIZE      120u   /* struct statfs on x86-64 */
#define SP_SOCKADDR_MAX     128u   /* sizeof(struct sockaddr_storage) */
#define SP_MAX_POLL_FDS     1024u
#define SP_MAX_PATH         4096u

#endif /* __ASSEMBLER__ */
#endif
