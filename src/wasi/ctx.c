/* The WASI context: arguments, environment, the descriptor table; guest
 * memory helpers and errno translation shared by the other files. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/utf8.h"
#include "tls/tls.h"
#include "wasi/internal.h"

wasi_ctx *wasi_ctx_new(void)
{
    wasi_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx)
        ctx->trace_fd = -1;
    return ctx;
}

void fd_release(wfd *f)
{
    if (!f->used)
        return;
    if (f->tls)
        tls_conn_free(f->tls);
    if (f->tls_server)
        tls_server_free(f->tls_server);
    if (f->host_fd >= 0)
        close(f->host_fd);
    socket_drop_read_ahead(f);
    free(f->preopen_path);
    memset(f, 0, sizeof *f);
    f->host_fd = -1;
}

void wasi_ctx_free(wasi_ctx *ctx)
{
    if (!ctx)
        return;
    for (uint32_t i = 0; i < ctx->fd_count; i++)
        fd_release(&ctx->fds[i]);
    free(ctx->fds);
    for (uint32_t i = 0; i < ctx->arg_count; i++)
        free(ctx->args[i]);
    free(ctx->args);
    for (uint32_t i = 0; i < ctx->env_count; i++)
        free(ctx->env[i]);
    free(ctx->env);
    free(ctx->rx_scratch);
    free(ctx->bindings);
    free(ctx);
}

/* Lists grow geometrically: 50,000 arguments must not mean 50,000 reallocs. */
static int push_string(char ***list, uint32_t *count, uint32_t *cap, size_t *bytes, const char *s)
{
    if (*count >= UINT32_MAX / 8)
        return -1;
    if (*count == *cap) {
        uint32_t grow = *cap ? *cap * 2 : 8;
        char **grown = realloc(*list, (size_t)grow * sizeof **list);
        if (!grown)
            return -1;
        *list = grown;
        *cap = grow;
    }
    char *copy = strdup(s);
    if (!copy)
        return -1;
    (*list)[(*count)++] = copy;
    *bytes += strlen(s) + 1;
    return 0;
}

int wasi_ctx_push_arg(wasi_ctx *ctx, const char *arg)
{
    return push_string(&ctx->args, &ctx->arg_count, &ctx->arg_cap, &ctx->args_bytes, arg);
}

int wasi_ctx_push_env(wasi_ctx *ctx, const char *name_eq_value)
{
    return push_string(&ctx->env, &ctx->env_count, &ctx->env_cap, &ctx->env_bytes, name_eq_value);
}

void wasi_ctx_set_trace(wasi_ctx *ctx, int log_fd)
{
    ctx->trace_fd = log_fd;
}

int fd_insert(wasi_ctx *ctx, const wfd *entry)
{
    uint32_t slot = 0;
    while (slot < ctx->fd_count && ctx->fds[slot].used)
        slot++;
    if (slot == ctx->fd_count) {
        if (ctx->fd_count >= WASI_MAX_FDS)
            return -1;
        uint32_t grow = ctx->fd_count ? ctx->fd_count * 2 : 8;
        if (grow > WASI_MAX_FDS)
            grow = WASI_MAX_FDS;
        wfd *fds = realloc(ctx->fds, grow * sizeof *fds);
        if (!fds)
            return -1;
        memset(fds + ctx->fd_count, 0, (grow - ctx->fd_count) * sizeof *fds);
        for (uint32_t i = ctx->fd_count; i < grow; i++)
            fds[i].host_fd = -1;
        ctx->fds = fds;
        ctx->fd_count = grow;
    }
    ctx->fds[slot] = *entry;
    ctx->fds[slot].used = true;
    return (int)slot;
}

wfd *fd_get(wasi_ctx *ctx, uint32_t fd, uint64_t need, int *err)
{
    if (fd >= ctx->fd_count || !ctx->fds[fd].used) {
        *err = WASI_EBADF;
        return NULL;
    }
    wfd *f = &ctx->fds[fd];
    if ((f->rights_base & need) != need) {
        *err = WASI_ENOTCAPABLE;
        return NULL;
    }
    *err = 0;
    return f;
}

uint8_t host_filetype(int host_fd)
{
    struct stat st;
    if (fstat(host_fd, &st) != 0)
        return WASI_FILETYPE_UNKNOWN;
    switch (st.st_mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK: {
        int type = 0;
        socklen_t len = sizeof type;
        if (getsockopt(host_fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM)
            return WASI_FILETYPE_SOCKET_DGRAM;
        return WASI_FILETYPE_SOCKET_STREAM;
    }
    default: return WASI_FILETYPE_UNKNOWN; /* pipes: preview1 has no type for them */
    }
}

int wasi_ctx_add_stdio(wasi_ctx *ctx, int host_fd)
{
    wfd f = {.kind = WFD_STDIO, .host_fd = host_fd};
    f.filetype = host_filetype(host_fd);
    uint64_t rights = RIGHTS_REGULAR_FILE;
    if (f.filetype != WASI_FILETYPE_REGULAR_FILE)
        rights &= ~(R_FD_SEEK | R_FD_TELL | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
    if (f.filetype == WASI_FILETYPE_CHARACTER_DEVICE && !isatty(host_fd))
        rights |= R_FD_SEEK | R_FD_TELL; /* e.g. /dev/null: seekable, and not a terminal */
    f.rights_base = rights;
    return fd_insert(ctx, &f);
}

int wasi_ctx_add_null(wasi_ctx *ctx)
{
    wfd f = {.kind = WFD_NULL, .host_fd = -1, .filetype = WASI_FILETYPE_CHARACTER_DEVICE};
    f.rights_base = RIGHTS_REGULAR_FILE & ~(R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
    return fd_insert(ctx, &f);
}

int fd_insert_preopen(wasi_ctx *ctx, wfd *f, const char *guest_path)
{
    f->preopen_path = strdup(guest_path);
    if (!f->preopen_path)
        return -1;
    int fd = fd_insert(ctx, f);
    if (fd < 0)
        free(f->preopen_path);
    return fd;
}

int wasi_ctx_add_preopen(wasi_ctx *ctx, int host_dirfd, const char *guest_path)
{
    wfd f = {.kind = WFD_DIR, .host_fd = host_dirfd, .filetype = WASI_FILETYPE_DIRECTORY};
    f.rights_base = RIGHTS_DIRECTORY;
    f.rights_inheriting = RIGHTS_DIRECTORY | RIGHTS_REGULAR_FILE;
    return fd_insert_preopen(ctx, &f, guest_path);
}

int wasi_ctx_add_listener(wasi_ctx *ctx, int sockfd, struct tls_server *tls)
{
    wfd f = {.kind = WFD_LISTEN, .host_fd = sockfd, .filetype = WASI_FILETYPE_SOCKET_STREAM};
    f.rights_base = RIGHTS_SOCKET_LISTEN;
    f.rights_inheriting = RIGHTS_SOCKET_STREAM;
    f.tls_server = tls;
    return fd_insert(ctx, &f);
}

int wasi_ctx_add_stream(wasi_ctx *ctx, int sockfd, struct tls_conn *tls)
{
    wfd f = {.kind = WFD_STREAM, .host_fd = sockfd, .filetype = WASI_FILETYPE_SOCKET_STREAM};
    f.rights_base = RIGHTS_SOCKET_STREAM;
    f.tls = tls;
    return fd_insert(ctx, &f);
}

/* ---- guest memory ---- */

int mem_store_u32(const wasi_mem *m, uint32_t ptr, uint32_t v)
{
    uint8_t *p = mem_ptr(m, ptr, 4);
    if (!p)
        return WASI_EFAULT;
    put_u32(p, v);
    return 0;
}

int mem_store_u64(const wasi_mem *m, uint32_t ptr, uint64_t v)
{
    uint8_t *p = mem_ptr(m, ptr, 8);
    if (!p)
        return WASI_EFAULT;
    put_u64(p, v);
    return 0;
}

int mem_iovecs(const wasi_mem *m, uint32_t iovs, uint32_t iovs_len, struct iovec *out,
               size_t max, size_t *count, uint64_t *total)
{
    const uint8_t *array = mem_ptr(m, iovs, (uint64_t)iovs_len * WASI_IOVEC_SIZE);
    if (!array)
        return WASI_EFAULT;
    size_t n = iovs_len < max ? iovs_len : max;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t buf = get_u32(array + i * WASI_IOVEC_SIZE);
        uint32_t len = get_u32(array + i * WASI_IOVEC_SIZE + 4);
        uint8_t *p = mem_ptr(m, buf, len);
        if (!p)
            return WASI_EFAULT;
        out[i].iov_base = p;
        out[i].iov_len = len;
        sum += len;
    }
    *count = n;
    if (total)
        *total = sum;
    return 0;
}

int mem_path(const wasi_mem *m, uint32_t ptr, uint32_t len, char *out)
{
    const uint8_t *p = mem_ptr(m, ptr, len);
    if (!p)
        return WASI_EFAULT;
    if (len >= WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    if (memchr(p, 0, len))
        return WASI_EINVAL;
    if (!utf8_valid(p, len))
        return WASI_EILSEQ;
    memcpy(out, p, len);
    out[len] = 0;
    return 0;
}

/* ---- errno ---- */

int wasi_errno(int e)
{
    switch (e) {
    case 0: return WASI_ESUCCESS;
    case E2BIG: return WASI_E2BIG;
    case EACCES: return WASI_EACCES;
    case EADDRINUSE: return WASI_EADDRINUSE;
    case EADDRNOTAVAIL: return WASI_EADDRNOTAVAIL;
    case EAFNOSUPPORT: return WASI_EAFNOSUPPORT;
    case EAGAIN: return WASI_EAGAIN;
    case EALREADY: return WASI_EALREADY;
    case EBADF: return WASI_EBADF;
    case EBADMSG: return WASI_EBADMSG;
    case EBUSY: return WASI_EBUSY;
    case ECANCELED: return WASI_ECANCELED;
    case ECHILD: return WASI_ECHILD;
    case ECONNABORTED: return WASI_ECONNABORTED;
    case ECONNREFUSED: return WASI_ECONNREFUSED;
    case ECONNRESET: return WASI_ECONNRESET;
    case EDEADLK: return WASI_EDEADLK;
    case EDESTADDRREQ: return WASI_EDESTADDRREQ;
    case EDOM: return WASI_EDOM;
    case EDQUOT: return WASI_EDQUOT;
    case EEXIST: return WASI_EEXIST;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EHOSTUNREACH: return WASI_EHOSTUNREACH;
    case EIDRM: return WASI_EIDRM;
    case EILSEQ: return WASI_EILSEQ;
    case EINPROGRESS: return WASI_EINPROGRESS;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case EIO: return WASI_EIO;
    case EISCONN: return WASI_EISCONN;
    case EISDIR: return WASI_EISDIR;
    case ELOOP: return WASI_ELOOP;
    case EMFILE: return WASI_EMFILE;
    case EMLINK: return WASI_EMLINK;
    case EMSGSIZE: return WASI_EMSGSIZE;
    case EMULTIHOP: return WASI_EMULTIHOP;
    case ENAMETOOLONG: return WASI_ENAMETOOLONG;
    case ENETDOWN: return WASI_ENETDOWN;
    case ENETRESET: return WASI_ENETRESET;
    case ENETUNREACH: return WASI_ENETUNREACH;
    case ENFILE: return WASI_ENFILE;
    case ENOBUFS: return WASI_ENOBUFS;
    case ENODEV: return WASI_ENODEV;
    case ENOENT: return WASI_ENOENT;
    case ENOEXEC: return WASI_ENOEXEC;
    case ENOLCK: return WASI_ENOLCK;
    case ENOLINK: return WASI_ENOLINK;
    case ENOMEM: return WASI_ENOMEM;
    case ENOMSG: return WASI_ENOMSG;
    case ENOPROTOOPT: return WASI_ENOPROTOOPT;
    case ENOSPC: return WASI_ENOSPC;
    case ENOSYS: return WASI_ENOSYS;
    case ENOTCONN: return WASI_ENOTCONN;
    case ENOTDIR: return WASI_ENOTDIR;
    case ENOTEMPTY: return WASI_ENOTEMPTY;
    case ENOTRECOVERABLE: return WASI_ENOTRECOVERABLE;
    case ENOTSOCK: return WASI_ENOTSOCK;
    case ENOTSUP: return WASI_ENOTSUP; /* == EOPNOTSUPP on Linux */
    case ENOTTY: return WASI_ENOTTY;
    case ENXIO: return WASI_ENXIO;
    case EOVERFLOW: return WASI_EOVERFLOW;
    case EOWNERDEAD: return WASI_EOWNERDEAD;
    case EPERM: return WASI_EPERM;
    case EPIPE: return WASI_EPIPE;
    case EPROTO: return WASI_EPROTO;
    case EPROTONOSUPPORT: return WASI_EPROTONOSUPPORT;
    case EPROTOTYPE: return WASI_EPROTOTYPE;
    case ERANGE: return WASI_ERANGE;
    case EROFS: return WASI_EROFS;
    case ESPIPE: return WASI_ESPIPE;
    case ESRCH: return WASI_ESRCH;
    case ESTALE: return WASI_ESTALE;
    case ETIMEDOUT: return WASI_ETIMEDOUT;
    case ETXTBSY: return WASI_ETXTBSY;
    case EXDEV: return WASI_EXDEV;
    default: return WASI_EIO;
    }
}

int wait_fd(int host_fd, short events)
{
    struct pollfd p = {.fd = host_fd, .events = events};
    for (;;) {
        int n = poll(&p, 1, -1);
        if (n >= 0)
            return 0;
        if (errno != EINTR)
            return wasi_errno(errno);
    }
}
