/* wasm_run: runs a wasm32-wasi command module on the engine with a minimal
 * WASI shim, for the engine's own tests and performance work. This is NOT
 * the project's WASI layer (src/wasi): it implements only what small test
 * programs need (args, environ, stdout/stderr, clocks, random, exit), and
 * every other WASI import traps with "unsupported".
 *
 *   wasm_run [--fuel N] [--depth N] [--pages N] [--time] [--invoke NAME] FILE.wasm [ARGS...]
 *
 * Exit status: the program's exit code; 70 + trap kind on a trap; 2 on a bad
 * module or usage. --time prints load/instantiate/run times to stderr. */
#include "common/file.h"
#include "engine/wasm.h"
#include "engine_options.h"

/* Larger than any module a test reads. */
#define WASM_FILE_LIMIT (1u << 30)

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_argc;
static char **g_argv;

enum { WASI_ESUCCESS = 0, WASI_EBADF = 8, WASI_EINVAL = 28, WASI_ENOSYS = 52, WASI_ESPIPE = 70 };

static bool mem_range(wasm_call_ctx *ctx, uint64_t ptr, uint64_t len, uint8_t **out)
{
    wasm_memory *m = wasm_ctx_memory(ctx);
    if (!m || ptr + len > wasm_memory_size(m))
        return false;
    *out = wasm_memory_data(m) + ptr;
    return true;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

#define RET(e) (results[0] = wasm_i32((uint32_t)(e)), WASM_OK)
#define FAULT() wasm_ctx_trap(ctx, "wasi: pointer out of bounds")

static wasm_status args_sizes_get(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    uint8_t *pc, *ps;
    if (!mem_range(ctx, a[0].of.i32, 4, &pc) || !mem_range(ctx, a[1].of.i32, 4, &ps))
        return FAULT();
    uint32_t size = 0;
    for (int i = 0; i < g_argc; i++)
        size += (uint32_t)strlen(g_argv[i]) + 1;
    put_u32(pc, (uint32_t)g_argc);
    put_u32(ps, size);
    return RET(WASI_ESUCCESS);
}

static wasm_status args_get(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    uint32_t argv_ptr = a[0].of.i32, buf = a[1].of.i32;
    for (int i = 0; i < g_argc; i++) {
        size_t n = strlen(g_argv[i]) + 1;
        uint8_t *slot, *dst;
        if (!mem_range(ctx, argv_ptr + 4ull * (unsigned)i, 4, &slot) || !mem_range(ctx, buf, n, &dst))
            return FAULT();
        put_u32(slot, buf);
        memcpy(dst, g_argv[i], n);
        buf += (uint32_t)n;
    }
    return RET(WASI_ESUCCESS);
}

static wasm_status environ_sizes_get(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    uint8_t *pc, *ps;
    if (!mem_range(ctx, a[0].of.i32, 4, &pc) || !mem_range(ctx, a[1].of.i32, 4, &ps))
        return FAULT();
    put_u32(pc, 0);
    put_u32(ps, 0);
    return RET(WASI_ESUCCESS);
}

static wasm_status environ_get(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    return RET(WASI_ESUCCESS);
}

static wasm_status fd_write(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    uint32_t fd = a[0].of.i32, iovs = a[1].of.i32, n = a[2].of.i32;
    if (fd != 1 && fd != 2)
        return RET(WASI_EBADF);
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *iov, *data;
        if (!mem_range(ctx, iovs + 8ull * i, 8, &iov))
            return FAULT();
        uint32_t ptr, len;
        memcpy(&ptr, iov, 4);
        memcpy(&len, iov + 4, 4);
        if (!mem_range(ctx, ptr, len, &data))
            return FAULT();
        fwrite(data, 1, len, fd == 1 ? stdout : stderr);
        total += len;
    }
    uint8_t *out;
    if (!mem_range(ctx, a[3].of.i32, 4, &out))
        return FAULT();
    put_u32(out, (uint32_t)total);
    return RET(WASI_ESUCCESS);
}

static wasm_status fd_read(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    uint8_t *out;
    if (a[0].of.i32 != 0)
        return RET(WASI_EBADF);
    if (!mem_range(ctx, a[3].of.i32, 4, &out))
        return FAULT();
    put_u32(out, 0); /* stdin is empty */
    return RET(WASI_ESUCCESS);
}

static wasm_status fd_close(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    return RET(a[0].of.i32 <= 2 ? WASI_ESUCCESS : WASI_EBADF);
}

static wasm_status fd_seek(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    return RET(a[0].of.i32 <= 2 ? WASI_ESPIPE : WASI_EBADF);
}

static wasm_status fd_fdstat_get(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    if (a[0].of.i32 > 2)
        return RET(WASI_EBADF);
    uint8_t *st;
    if (!mem_range(ctx, a[1].of.i32, 24, &st))
        return FAULT();
    memset(st, 0, 24);
    st[0] = 2; /* character device */
    put_u64(st + 8, a[0].of.i32 == 0 ? 2 : 64); /* read / write rights */
    return RET(WASI_ESUCCESS);
}

static wasm_status fd_prestat_get(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    return RET(WASI_EBADF);
}

static wasm_status clock_time_get(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    struct timespec ts;
    clock_gettime(a[0].of.i32 == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    uint8_t *out;
    if (!mem_range(ctx, a[2].of.i32, 8, &out))
        return FAULT();
    put_u64(out, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    return RET(WASI_ESUCCESS);
}

static wasm_status random_get(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    uint8_t *out;
    if (!mem_range(ctx, a[0].of.i32, a[1].of.i32, &out))
        return FAULT();
    static uint64_t x = 0x9e3779b97f4a7c15ull; /* deterministic: tests want repeatable runs */
    for (uint32_t i = 0; i < a[1].of.i32; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        out[i] = (uint8_t)x;
    }
    return RET(WASI_ESUCCESS);
}

static wasm_status proc_exit(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    return wasm_ctx_exit(ctx, (int32_t)a[0].of.i32);
}

static wasm_status unsupported(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *results)
{
    return wasm_ctx_trap(ctx, "wasi function %s is not supported by wasm_run", (const char *)env);
}

typedef struct shim {
    const char *name;
    wasm_host_fn fn;
} shim;

static const shim shims[] = {
    {"args_sizes_get", args_sizes_get}, {"args_get", args_get},
    {"environ_sizes_get", environ_sizes_get}, {"environ_get", environ_get},
    {"fd_write", fd_write}, {"fd_read", fd_read}, {"fd_close", fd_close}, {"fd_seek", fd_seek},
    {"fd_fdstat_get", fd_fdstat_get}, {"fd_prestat_get", fd_prestat_get},
    {"clock_time_get", clock_time_get}, {"random_get", random_get}, {"proc_exit", proc_exit},
};

/* CPU time of this process: wall time means little on a shared machine */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_trap(const wasm_error *err)
{
    fprintf(stderr, "wasm_run: %s: %s\n", wasm_status_name(err->status), err->message);
    for (uint32_t i = 0; i < err->frame_count; i++)
        fprintf(stderr, "  #%u func %u %s @0x%x\n", i, err->frames[i].func_index,
                err->frames[i].name, err->frames[i].code_offset);
}

int main(int argc, char **argv)
{
    uint64_t fuel = 0;
    wasm_store_limits limits = {0, 0, 0};
    bool timing = false;
    const char *invoke = "_start";
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (!strcmp(argv[i], "--fuel") && i + 1 < argc)
            fuel = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--depth") && i + 1 < argc)
            limits.max_call_depth = (uint32_t)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--pages") && i + 1 < argc)
            limits.max_memory_pages = (uint32_t)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--invoke") && i + 1 < argc)
            invoke = argv[++i];
        else if (!strcmp(argv[i], "--time"))
            timing = true;
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: wasm_run [--fuel N] [--depth N] [--pages N] [--time] [--invoke NAME] FILE.wasm [ARGS...]\n");
        return 2;
    }
    g_argc = argc - i;
    g_argv = argv + i;
    file_contents file;
    char why[256];
    if (file_read_all(argv[i], WASM_FILE_LIMIT, 0, &file, why, sizeof why) != FILE_OK) {
        fprintf(stderr, "wasm_run: %s: %s\n", argv[i], why);
        return 2;
    }
    double t0 = now();
    wasm_error err;
    wasm_module_options options = engine_options_from_env();
    options.unmetered = !fuel; /* as in a Keep, which never meters */
    wasm_module *m = wasm_module_new_with(file.data, file.size, &options, &err);
    file_contents_free(&file);
    double t1 = now();
    if (!m) {
        fprintf(stderr, "wasm_run: %s: %s: %s\n", argv[i], wasm_status_name(err.status), err.message);
        return 2;
    }
    wasm_store *store = wasm_store_new(&limits);
    if (fuel)
        wasm_store_set_fuel(store, fuel);
    size_t n = wasm_module_import_count(m);
    wasm_extern *imports = calloc(n ? n : 1, sizeof *imports);
    for (size_t k = 0; k < n; k++) {
        wasm_import_desc d;
        wasm_module_import(m, k, &d);
        if (d.kind != WASM_EXTERN_FUNC || strcmp(d.module, "wasi_snapshot_preview1") != 0) {
            fprintf(stderr, "wasm_run: unsupported import %s.%s\n", d.module, d.name);
            free(imports);
            wasm_store_free(store);
            wasm_module_free(m);
            return 2;
        }
        wasm_host_fn fn = unsupported;
        for (size_t s = 0; s < sizeof shims / sizeof shims[0]; s++)
            if (!strcmp(shims[s].name, d.name))
                fn = shims[s].fn;
        imports[k].kind = WASM_EXTERN_FUNC;
        imports[k].of.func = wasm_func_new_host(store, &d.func, fn, (void *)d.name, d.name);
    }
    wasm_instance *inst = wasm_instantiate(store, m, imports, n, &err);
    free(imports);
    double t2 = now();
    int rc = 0;
    if (!inst) {
        print_trap(&err);
        rc = err.status == WASM_ERR_TRAP ? 70 + (int)err.trap : 2;
    } else {
        wasm_extern ex;
        if (!wasm_instance_export(inst, invoke, &ex) || ex.kind != WASM_EXTERN_FUNC) {
            fprintf(stderr, "wasm_run: no exported function %s\n", invoke);
            rc = 2;
        } else {
            const wasm_functype *ft = wasm_func_type(ex.of.func);
            wasm_value results[16];
            if (ft->param_count || ft->result_count > 16) {
                fprintf(stderr, "wasm_run: %s must take no arguments\n", invoke);
                rc = 2;
            } else {
                wasm_status st = wasm_call(store, ex.of.func, NULL, 0, results, ft->result_count, &err);
                fflush(stdout);
                if (st == WASM_ERR_EXIT) {
                    rc = err.exit_code;
                } else if (st != WASM_OK) {
                    print_trap(&err);
                    rc = st == WASM_ERR_TRAP ? 70 + (int)err.trap : 2;
                } else if (ft->result_count && ft->results[0] == WASM_I32) {
                    printf("%d\n", (int)results[0].of.i32);
                } else if (ft->result_count && ft->results[0] == WASM_I64) {
                    printf("%lld\n", (long long)results[0].of.i64);
                }
            }
        }
    }
    double t3 = now();
    if (timing)
        fprintf(stderr, "wasm_run: CPU time: load %.3f ms, instantiate %.3f ms, run %.3f ms\n",
                (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3);
    if (fuel)
        fprintf(stderr, "wasm_run: fuel left %llu\n", (unsigned long long)wasm_store_fuel_remaining(store));
    wasm_store_free(store);
    wasm_module_free(m);
    return rc;
}
