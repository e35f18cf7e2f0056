/* Binds a module's wasi_snapshot_preview1 imports to this implementation. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi/internal.h"

#define WASI_MODULE "wasi_snapshot_preview1"

/* Signatures: one letter per parameter, i = i32, I = i64; every function
 * returns an i32 errno except proc_exit, which returns nothing. */
typedef struct wasi_desc {
    const char *name;
    const char *params;
    wasi_impl impl;
} wasi_desc;

#define F(name, params) {#name, params, wasi_##name}
static const wasi_desc functions[] = {
    F(args_get, "ii"), F(args_sizes_get, "ii"), F(environ_get, "ii"), F(environ_sizes_get, "ii"),
    F(clock_res_get, "ii"), F(clock_time_get, "iIi"),
    F(fd_advise, "iIIi"), F(fd_allocate, "iII"), F(fd_close, "i"), F(fd_datasync, "i"),
    F(fd_fdstat_get, "ii"), F(fd_fdstat_set_flags, "ii"), F(fd_fdstat_set_rights, "iII"),
    F(fd_filestat_get, "ii"), F(fd_filestat_set_size, "iI"), F(fd_filestat_set_times, "iIIi"),
    F(fd_pread, "iiiIi"), F(fd_prestat_get, "ii"), F(fd_prestat_dir_name, "iii"),
    F(fd_pwrite, "iiiIi"), F(fd_read, "iiii"), F(fd_readdir, "iiiIi"), F(fd_renumber, "ii"),
    F(fd_seek, "iIii"), F(fd_sync, "i"), F(fd_tell, "ii"), F(fd_write, "iiii"),
    F(path_create_directory, "iii"), F(path_filestat_get, "iiiii"),
    F(path_filestat_set_times, "iiiiIIi"), F(path_link, "iiiiiii"), F(path_open, "iiiiiIIii"),
    F(path_readlink, "iiiiii"), F(path_remove_directory, "iii"), F(path_rename, "iiiiii"),
    F(path_symlink, "iiiii"), F(path_unlink_file, "iii"),
    F(poll_oneoff, "iiii"), F(proc_exit, "i"), F(proc_raise, "i"), F(sched_yield, ""),
    F(random_get, "ii"),
    F(sock_accept, "iii"), F(sock_recv, "iiiiii"), F(sock_send, "iiiii"), F(sock_shutdown, "ii"),
};
#undef F
#define FUNCTION_COUNT (sizeof functions / sizeof functions[0])

const char *const wasi_function_names[] = {
    "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
    "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get",
    "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size",
    "fd_filestat_set_times", "fd_pread", "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite",
    "fd_read", "fd_readdir", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
    "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link",
    "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
    "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get",
    "sock_accept", "sock_recv", "sock_send", "sock_shutdown", NULL,
};

typedef struct binding {
    wasi_ctx *ctx;
    const wasi_desc *desc;
} binding;

static bool is_proc_exit(const wasi_desc *d)
{
    return d->impl == wasi_proc_exit;
}

static void trace(const binding *b, const wasm_value *args, int rc)
{
    char line[512];
    int len = snprintf(line, sizeof line, "enarx-exec: wasi %s(", b->desc->name);
    for (size_t i = 0; b->desc->params[i] && len < (int)sizeof line - 64; i++)
        len += snprintf(line + len, sizeof line - (size_t)len, "%s%" PRIu64, i ? ", " : "",
                        b->desc->params[i] == 'I' ? args[i].of.i64 : (uint64_t)args[i].of.i32);
    len += snprintf(line + len, sizeof line - (size_t)len, ") = %d\n", rc);
    if (len > (int)sizeof line)
        len = (int)sizeof line;
    ssize_t ignored = write(b->ctx->trace_fd, line, (size_t)len);
    (void)ignored;
}

static wasm_status trampoline(wasm_call_ctx *cc, void *env, const wasm_value *args, wasm_value *results)
{
    const binding *b = env;
    wasi_call call = {.ctx = b->ctx};
    wasm_memory *memory = wasm_ctx_memory(cc);
    if (memory) {
        call.mem.base = wasm_memory_data(memory);
        call.mem.size = wasm_memory_size(memory);
    }
    int rc = b->desc->impl(&call, args);
    if (b->ctx->trace_fd >= 0)
        trace(b, args, rc);
    if (call.exit_requested)
        return wasm_ctx_exit(cc, call.exit_code);
    if (!is_proc_exit(b->desc))
        results[0] = wasm_i32((uint32_t)rc);
    return WASM_OK;
}

static const wasi_desc *find(const char *name)
{
    for (size_t i = 0; i < FUNCTION_COUNT; i++)
        if (strcmp(functions[i].name, name) == 0)
            return &functions[i];
    return NULL;
}

static void describe_type(const wasm_functype *t, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "(");
    for (uint32_t i = 0; i < t->param_count && n < len; i++)
        n += (size_t)snprintf(out + n, len - n, "%s%s", i ? ", " : "",
                              t->params[i] == WASM_I32 ? "i32" : t->params[i] == WASM_I64 ? "i64" : "?");
    if (n < len)
        n += (size_t)snprintf(out + n, len - n, ") -> (");
    for (uint32_t i = 0; i < t->result_count && n < len; i++)
        n += (size_t)snprintf(out + n, len - n, "%s%s", i ? ", " : "",
                              t->results[i] == WASM_I32 ? "i32" : t->results[i] == WASM_I64 ? "i64" : "?");
    if (n < len)
        snprintf(out + n, len - n, ")");
}

static bool type_matches(const wasi_desc *d, const wasm_functype *t)
{
    size_t np = strlen(d->params);
    if (t->param_count != np || t->result_count != (is_proc_exit(d) ? 0u : 1u))
        return false;
    for (size_t i = 0; i < np; i++)
        if (t->params[i] != (d->params[i] == 'I' ? WASM_I64 : WASM_I32))
            return false;
    return t->result_count == 0 || t->results[0] == WASM_I32;
}

int wasi_link(wasi_ctx *ctx, wasm_store *store, const wasm_module *module, wasm_extern **imports,
              char *err, size_t errlen)
{
    size_t count = wasm_module_import_count(module);
    wasm_extern *externs = calloc(count ? count : 1, sizeof *externs);
    binding *bindings = calloc(count ? count : 1, sizeof *bindings);
    if (!externs || !bindings) {
        free(externs);
        free(bindings);
        snprintf(err, errlen, "out of memory linking %zu imports", count);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        wasm_import_desc d;
        if (!wasm_module_import(module, i, &d)) {
            snprintf(err, errlen, "cannot read import #%zu", i);
            goto failed;
        }
        if (strcmp(d.module, WASI_MODULE) != 0) {
            snprintf(err, errlen,
                     "import \"%s\" \"%s\": unknown module \"%s\" (a Keep provides only %s)",
                     d.module, d.name, d.module, WASI_MODULE);
            goto failed;
        }
        const wasi_desc *desc = find(d.name);
        if (!desc) {
            snprintf(err, errlen, "import \"%s\" \"%s\": no such function in %s", d.module, d.name,
                     WASI_MODULE);
            goto failed;
        }
        if (d.kind != WASM_EXTERN_FUNC || !type_matches(desc, &d.func)) {
            char got[128] = "not a function";
            if (d.kind == WASM_EXTERN_FUNC)
                describe_type(&d.func, got, sizeof got);
            snprintf(err, errlen, "import \"%s\" \"%s\": wrong type %s", d.module, d.name, got);
            goto failed;
        }
        bindings[i].ctx = ctx;
        bindings[i].desc = desc;
        wasm_func *fn = wasm_func_new_host(store, &d.func, trampoline, &bindings[i], desc->name);
        if (!fn) {
            snprintf(err, errlen, "out of memory creating import \"%s\"", d.name);
            goto failed;
        }
        externs[i].kind = WASM_EXTERN_FUNC;
        externs[i].of.func = fn;
    }
    free(ctx->bindings);
    ctx->bindings = bindings;
    *imports = externs;
    return 0;
failed:
    free(externs);
    free(bindings);
    return -1;
}
