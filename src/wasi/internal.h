/* Internals shared by the files of src/wasi. Not for other modules. */
#ifndef WASI_INTERNAL_H
#define WASI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine/wasm.h"
#include "wasi/abi.h"
#include "wasi/wasi.h"

typedef enum wfd_kind {
    WFD_FILE,     /* regular file (or device/pipe opened through a path) */
    WFD_DIR,      /* directory; preopen_path set when it was preopened */
    WFD_STDIO,    /* a host descriptor handed to us (stdin/stdout/stderr) */
    WFD_NULL,     /* reads end of file, writes are discarded */
    WFD_LISTEN,   /* listening socket */
    WFD_STREAM,   /* connected stream socket */
    WFD_CHANNEL,  /* an embedder's byte channel (wasi_channel), no host descriptor */
    WFD_MEMDIR,   /* a read-only directory in memory (wasi_mem_file list) */
    WFD_MEMFILE,  /* a file of a WFD_MEMDIR, read-only */
} wfd_kind;

typedef struct wfd {
    bool used;
    wfd_kind kind;
    uint8_t filetype;
    uint16_t flags;          /* WASI fdflags as the guest sees them */
    int host_fd;             /* -1 for WFD_NULL */
    uint64_t rights_base;
    uint64_t rights_inheriting;
    char *preopen_path;      /* guest name of a preopened directory */
    struct tls_server *tls_server;
    struct tls_conn *tls;
    const wasi_channel *chan;        /* WFD_CHANNEL */
    const wasi_mem_file *mem_files;  /* WFD_MEMDIR: its files */
    size_t mem_count;
    const wasi_mem_file *mem_file;   /* WFD_MEMFILE */
    uint64_t mem_pos;                /* WFD_MEMFILE: the file position */
    struct rx_ahead *rx;     /* WFD_STREAM without TLS: bytes poll_oneoff read ahead */
    int rx_errno;            /* the read-ahead's error, for the next read to report */
    bool rx_caught_up;       /* the read-ahead emptied the socket's queue */
} wfd;

#define WASI_MAX_FDS 16384

struct wasi_ctx {
    wfd *fds;
    uint32_t fd_count;       /* slots in fds (used or not) */
    char **args;
    uint32_t arg_count, arg_cap;
    size_t args_bytes;       /* sum of strlen+1 */
    char **env;
    uint32_t env_count, env_cap;
    size_t env_bytes;
    int trace_fd;            /* -1: no tracing */
    void *bindings;          /* link.c: one per linked import */
    uint8_t *rx_scratch;     /* fd.c: where socket read-ahead lands first */
};

/* Guest linear memory as seen by one call. */
typedef struct wasi_mem {
    uint8_t *base;
    uint64_t size;
} wasi_mem;

/* One WASI call in progress. */
typedef struct wasi_call {
    wasi_ctx *ctx;
    wasi_mem mem;
    bool exit_requested;
    int32_t exit_code;
} wasi_call;

/* ---- guest memory: every access goes through these ---- */

static inline bool mem_range_ok(const wasi_mem *m, uint32_t ptr, uint64_t len)
{
    return len <= m->size && (uint64_t)ptr <= m->size - len;
}

/* A pointer to [ptr, ptr+len) in guest memory, or NULL if out of bounds. */
static inline uint8_t *mem_ptr(const wasi_mem *m, uint32_t ptr, uint64_t len)
{
    return mem_range_ok(m, ptr, len) ? m->base + ptr : NULL;
}

static inline void put_u8(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void put_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint16_t get_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Stores a u32/u64 result at a guest address; EFAULT if out of bounds. */
int mem_store_u32(const wasi_mem *m, uint32_t ptr, uint32_t v);
int mem_store_u64(const wasi_mem *m, uint32_t ptr, uint64_t v);

/* Guest iovec array -> host struct iovec array (at most max entries; the
 * rest are ignored, which callers report as a short transfer). */
struct iovec;
int mem_iovecs(const wasi_mem *m, uint32_t iovs, uint32_t iovs_len, struct iovec *out,
               size_t max, size_t *count, uint64_t *total);
#define WASI_IOV_MAX 1024

/* Copies a guest path into a NUL-terminated host buffer, checking bounds,
 * length, embedded NULs and UTF-8. Returns a WASI errno. */
#define WASI_PATH_MAX 4096
int mem_path(const wasi_mem *m, uint32_t ptr, uint32_t len, char *out);

/* ---- errors, descriptors ---- */

/* Linux errno -> WASI errno. */
int wasi_errno(int host_errno);

/* The descriptor fd if open and holding every right in need; else an errno in *err. */
wfd *fd_get(wasi_ctx *ctx, uint32_t fd, uint64_t need, int *err);
/* Adds a descriptor at the lowest free number. Returns the number or -1. */
int fd_insert(wasi_ctx *ctx, const wfd *entry);
/* fd_insert for a preopened directory: the entry gets a copy of guest_path. */
int fd_insert_preopen(wasi_ctx *ctx, wfd *entry, const char *guest_path);
/* Appends one directory entry (WASI dirent, then the name) to out, cut at
 * buf_len as fd_readdir specifies. */
void dirent_put(uint8_t *out, uint32_t buf_len, uint32_t *used, uint64_t next, uint64_t ino, const char *name,
                uint32_t namlen, uint8_t type);
/* Releases whatever the entry holds and marks the slot free. */
void fd_release(wfd *entry);
/* WASI filetype of a host descriptor. */
uint8_t host_filetype(int host_fd);
/* Whether WASI semantics say operations on this descriptor block. */
static inline bool fd_blocking(const wfd *f) { return !(f->flags & WASI_FDFLAG_NONBLOCK); }

/* Waits until host_fd is ready for events (POLLIN/POLLOUT); EINTR retried. */
int wait_fd(int host_fd, short events);

/* ---- the functions, grouped by file ---- */

typedef int (*wasi_impl)(wasi_call *call, const wasm_value *args);

#define WASI_FN(name) int wasi_##name(wasi_call *c, const wasm_value *a)
/* misc.c */
WASI_FN(args_get); WASI_FN(args_sizes_get); WASI_FN(environ_get); WASI_FN(environ_sizes_get);
WASI_FN(clock_res_get); WASI_FN(clock_time_get); WASI_FN(random_get); WASI_FN(proc_exit);
WASI_FN(proc_raise); WASI_FN(sched_yield);
/* fd.c */
WASI_FN(fd_advise); WASI_FN(fd_allocate); WASI_FN(fd_close); WASI_FN(fd_datasync);
WASI_FN(fd_fdstat_get); WASI_FN(fd_fdstat_set_flags); WASI_FN(fd_fdstat_set_rights);
WASI_FN(fd_filestat_get); WASI_FN(fd_filestat_set_size); WASI_FN(fd_filestat_set_times);
WASI_FN(fd_pread); WASI_FN(fd_prestat_get); WASI_FN(fd_prestat_dir_name); WASI_FN(fd_pwrite);
WASI_FN(fd_read); WASI_FN(fd_readdir); WASI_FN(fd_renumber); WASI_FN(fd_seek); WASI_FN(fd_sync);
WASI_FN(fd_tell); WASI_FN(fd_write);
/* path.c */
WASI_FN(path_create_directory); WASI_FN(path_filestat_get); WASI_FN(path_filestat_set_times);
WASI_FN(path_link); WASI_FN(path_open); WASI_FN(path_readlink); WASI_FN(path_remove_directory);
WASI_FN(path_rename); WASI_FN(path_symlink); WASI_FN(path_unlink_file);
/* poll.c */
WASI_FN(poll_oneoff);
/* sock.c */
WASI_FN(sock_accept); WASI_FN(sock_recv); WASI_FN(sock_send); WASI_FN(sock_shutdown);

/* Shared by fd.c and sock.c: reads/writes honouring the descriptor's kind. */
int stream_read(wfd *f, struct iovec *iov, size_t iovcnt, bool peek, bool waitall, size_t *done);
int stream_write(wfd *f, const struct iovec *iov, size_t iovcnt, size_t *done);
/* fd.c, for poll.c: a plain stream socket that polled readable reads what
 * has arrived into a buffer of its own and says how many bytes it holds. */
uint64_t socket_read_ahead(wasi_ctx *ctx, wfd *f);
bool socket_has_read_ahead(const wfd *f);
void socket_drop_read_ahead(wfd *f);

/* memfs.c: the in-memory kinds (WFD_MEMDIR, WFD_MEMFILE) and channels. */
int memfs_read(wfd *f, struct iovec *iov, size_t iovcnt, bool peek, size_t *done);
int memfs_pread(wfd *f, struct iovec *iov, size_t iovcnt, uint64_t offset, size_t *done);
int memfs_seek(wfd *f, int64_t offset, int whence, uint64_t *pos);
void memfs_filestat(const wfd *f, uint8_t *out);
int memfs_readdir(wfd *f, uint8_t *out, uint32_t buf_len, uint64_t cookie, uint32_t *used);
/* path_open / path_filestat_get below a WFD_MEMDIR. */
int memfs_open(wasi_ctx *ctx, wfd *dir, const char *path, uint32_t oflags, uint64_t base, uint16_t fdflags,
               uint32_t *fd_out);
int memfs_stat_path(wfd *dir, const char *path, uint8_t *out);
int channel_read(wfd *f, struct iovec *iov, size_t iovcnt, size_t *done);
int channel_write(wfd *f, const struct iovec *iov, size_t iovcnt, size_t *done);

/* Fills a WASI filestat from a host stat. */
struct stat;
void filestat_store(uint8_t *out, const struct stat *st);

#endif
