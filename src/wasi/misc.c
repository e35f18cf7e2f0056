/* Arguments, environment, clocks, randomness, process control. */
#include <errno.h>
#include <sched.h>
#include <sys/random.h>
#include <time.h>

#include "wasi/internal.h"

/* Writes a string list the way args_get/environ_get define it: an array of
 * pointers at list_ptr, the NUL-terminated strings packed at buf_ptr. */
static int store_strings(const wasi_mem *m, char *const *strings, uint32_t count, size_t bytes,
                         uint32_t list_ptr, uint32_t buf_ptr)
{
    uint8_t *list = mem_ptr(m, list_ptr, (uint64_t)count * 4);
    uint8_t *buf = mem_ptr(m, buf_ptr, bytes);
    if (!list || !buf)
        return WASI_EFAULT;
    uint32_t offset = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t len = strlen(strings[i]) + 1;
        memcpy(buf + offset, strings[i], len);
        put_u32(list + (size_t)i * 4, buf_ptr + offset);
        offset += (uint32_t)len;
    }
    return 0;
}

static int store_sizes(const wasi_mem *m, uint32_t count, size_t bytes, uint32_t count_ptr,
                       uint32_t size_ptr)
{
    if (bytes > UINT32_MAX)
        return WASI_EOVERFLOW;
    int rc = mem_store_u32(m, count_ptr, count);
    return rc ? rc : mem_store_u32(m, size_ptr, (uint32_t)bytes);
}

WASI_FN(args_get)
{
    return store_strings(&c->mem, c->ctx->args, c->ctx->arg_count, c->ctx->args_bytes,
                         a[0].of.i32, a[1].of.i32);
}

WASI_FN(args_sizes_get)
{
    return store_sizes(&c->mem, c->ctx->arg_count, c->ctx->args_bytes, a[0].of.i32, a[1].of.i32);
}

WASI_FN(environ_get)
{
    return store_strings(&c->mem, c->ctx->env, c->ctx->env_count, c->ctx->env_bytes, a[0].of.i32,
                         a[1].of.i32);
}

WASI_FN(environ_sizes_get)
{
    return store_sizes(&c->mem, c->ctx->env_count, c->ctx->env_bytes, a[0].of.i32, a[1].of.i32);
}

static int host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case WASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return 0;
    case WASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return 0;
    case WASI_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
    case WASI_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
    default: return WASI_EINVAL;
    }
}

static uint64_t timespec_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

WASI_FN(clock_res_get)
{
    clockid_t id;
    int rc = host_clock(a[0].of.i32, &id);
    if (rc)
        return rc;
    struct timespec ts;
    if (clock_getres(id, &ts) != 0)
        return wasi_errno(errno);
    uint64_t ns = timespec_ns(&ts);
    return mem_store_u64(&c->mem, a[1].of.i32, ns ? ns : 1);
}

WASI_FN(clock_time_get)
{
    clockid_t id;
    int rc = host_clock(a[0].of.i32, &id);
    if (rc)
        return rc;
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return wasi_errno(errno);
    return mem_store_u64(&c->mem, a[2].of.i32, timespec_ns(&ts));
}

WASI_FN(random_get)
{
    uint32_t len = a[1].of.i32;
    uint8_t *p = mem_ptr(&c->mem, a[0].of.i32, len);
    if (!p)
        return WASI_EFAULT;
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(p + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wasi_errno(errno);
        }
        done += (size_t)n;
    }
    return 0;
}

WASI_FN(proc_exit)
{
    c->exit_requested = true;
    c->exit_code = (int32_t)a[0].of.i32;
    return 0;
}

WASI_FN(proc_raise)
{
    (void)c;
    (void)a;
    return WASI_ENOTSUP; /* signals do not exist inside a Keep */
}

WASI_FN(sched_yield)
{
    (void)c;
    (void)a;
    sched_yield();
    return 0;
}
