#include "exec/run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "config/preopen_fs.h"
#include "engine/wasm.h"
#include "abi/engine_tier.h"
#include "exec/log.h"
#include "exec/net.h"
#include "exec/workload.h"
#include "tls/tls.h"
#include "wasi/wasi.h"

#define CONNECT_TIMEOUT_MS 30000
#define EXEC_SECRETS_DIR "/run/secrets"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *where(const xfile *f)
{
    return f->where[0] ? f->where : f->name;
}

static bool tls_ready;

static int need_tls(void)
{
    if (tls_ready)
        return 0;
    char err[256];
    if (tls_init(err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "%s", err);
        return 1;
    }
    tls_ready = true;
    return 0;
}

static int finish_handshake(tls_conn *conn, int fd, const xfile *f)
{
    long long deadline = now_ms() + CONNECT_TIMEOUT_MS;
    while (!tls_conn_handshake_done(conn)) {
        if (tls_conn_pump(conn) != 0) {
            exec_log(ENARX_LOG_ERROR, "%s: connect tls %s:%u: %s", where(f), f->host, f->port, tls_conn_error(conn));
            return 1;
        }
        if (tls_conn_handshake_done(conn))
            break;
        long long left = deadline - now_ms();
        if (left <= 0) {
            exec_log(ENARX_LOG_ERROR, "%s: connect tls %s:%u: the TLS handshake timed out", where(f), f->host, f->port);
            return 1;
        }
        struct pollfd p = {.fd = fd, .events = tls_conn_poll_events(conn, false, false)};
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
            exec_log(ENARX_LOG_ERROR, "poll: %s", strerror(errno));
            return 1;
        }
    }
    return 0;
}

static int open_connect(wasi_ctx *ctx, const xfile *f)
{
    char err[300];
    int fd = net_connect(f->host, f->port, CONNECT_TIMEOUT_MS, err, sizeof err);
    if (fd < 0) {
        exec_log(ENARX_LOG_ERROR, "%s: connect %s %s:%u: %s", where(f), f->tls ? "tls" : "tcp", f->host, f->port, err);
        return 1;
    }
    tls_conn *conn = NULL;
    if (f->tls) {
        if (need_tls() != 0) {
            close(fd);
            return 1;
        }
        tls_client *client = tls_client_new(f->anchors, f->anchors_len, err, sizeof err);
        conn = client ? tls_conn_new_client(client, fd, f->host) : NULL;
        tls_client_free(client); /* the connection keeps what it needs */
        if (!conn) {
            exec_log(ENARX_LOG_ERROR, "%s: connect tls %s:%u: %s", where(f), f->host, f->port,
                     client ? "cannot create the TLS connection" : err);
            close(fd);
            return 1;
        }
        if (finish_handshake(conn, fd, f) != 0) {
            tls_conn_free(conn);
            close(fd);
            return 1;
        }
    }
    exec_log(ENARX_LOG_INFO, "%s: connected to %s:%u (%s)", where(f), f->host, f->port, f->tls ? "tls" : "tcp");
    if (wasi_ctx_add_stream(ctx, fd, conn) < 0) {
        tls_conn_free(conn);
        close(fd);
        exec_log(ENARX_LOG_ERROR, "out of memory");
        return 1;
    }
    return 0;
}

static int open_listen(wasi_ctx *ctx, const xfile *f)
{
    char err[300];
    const char *addr = f->host ? f->host : "::";
    int fd = net_listen(addr, f->port, err, sizeof err);
    if (fd < 0) {
        exec_log(ENARX_LOG_ERROR, "%s: listen %s %s port %u: %s", where(f), f->tls ? "tls" : "tcp", addr, f->port, err);
        return 1;
    }
    tls_server *server = NULL;
    if (f->tls) {
        if (need_tls() != 0 || !(server = tls_server_new_selfsigned("localhost", err, sizeof err))) {
            if (tls_ready)
                exec_log(ENARX_LOG_ERROR, "%s: %s", where(f), err);
            close(fd);
            return 1;
        }
        exec_log(ENARX_LOG_DEBUG, "listen tls port %u: self-signed certificate\n%s", f->port, tls_server_cert_pem(server));
    }
    if (wasi_ctx_add_listener(ctx, fd, server) < 0) {
        tls_server_free(server);
        close(fd);
        exec_log(ENARX_LOG_ERROR, "out of memory");
        return 1;
    }
    return 0;
}

/* The host refuses a pseudo file system before the Keep starts; the exec
 * checks the directory it actually opened again (and refuses what it
 * cannot check). */
static int preopen_refused(int fd, const xfile *f)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) != 0) {
        exec_log(ENARX_LOG_ERROR, "%s: cannot tell which file system '%s' is on (fstatfs: %s), so it is not preopened",
                 where(f), f->host_path, strerror(errno));
        return 1;
    }
    const pseudo_fs *fs = pseudo_fs_by_magic((uint64_t)sf.f_type);
    if (!fs)
        return 0;
    char why[1024];
    preopen_fs_refusal(fs, f->host_path, "it", why, sizeof why);
    exec_log(ENARX_LOG_ERROR, "%s: %s", where(f), why);
    return 1;
}

/* Opens every descriptor in order, so that files[i] becomes WASI fd i. */
static int open_files(wasi_ctx *ctx, const workload *w, const exec_io *io)
{
    bool stdio_taken[3] = {false, false, false};
    for (size_t i = 0; i < w->file_count; i++) {
        const xfile *f = &w->files[i];
        int rc = 0;
        switch (f->kind) {
        case XF_STDIN:
        case XF_STDOUT:
        case XF_STDERR: {
            int host = f->kind == XF_STDIN ? 0 : f->kind == XF_STDOUT ? 1 : 2;
            if (io && io->stdio[host]) {
                rc = wasi_ctx_add_channel(ctx, io->stdio[host]) < 0;
                break;
            }
            if (stdio_taken[host])
                host = fcntl(host, F_DUPFD_CLOEXEC, 3);
            else
                stdio_taken[f->kind == XF_STDIN ? 0 : f->kind == XF_STDOUT ? 1 : 2] = true;
            if (host < 0 || wasi_ctx_add_stdio(ctx, host) < 0)
                rc = 1;
            break;
        }
        case XF_NULL:
            rc = wasi_ctx_add_null(ctx) < 0;
            break;
        case XF_DIR: {
            int fd = open(f->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) {
                exec_log(ENARX_LOG_ERROR, "%s: cannot open directory '%s': %s", where(f), f->host_path, strerror(errno));
                return 2;
            }
            if (preopen_refused(fd, f)) {
                close(fd);
                return 2;
            }
            if (wasi_ctx_add_preopen(ctx, fd, f->guest_path) < 0) {
                close(fd);
                rc = 1;
            }
            break;
        }
        case XF_LISTEN:
            rc = open_listen(ctx, f);
            break;
        case XF_CONNECT:
            rc = open_connect(ctx, f);
            break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int build_context(wasi_ctx *ctx, const wl_stream *s, const workload *w)
{
    if (wasi_ctx_push_arg(ctx, s->argv0 ? s->argv0 : "main.wasm") != 0)
        return -1;
    for (size_t i = 0; i < w->arg_count; i++)
        if (wasi_ctx_push_arg(ctx, w->args[i]) != 0)
            return -1;
    if (w->from_config) {
        /* upstream Enarx's convention: the descriptors' count and names, first */
        char count[48];
        snprintf(count, sizeof count, "FD_COUNT=%zu", w->file_count);
        size_t len = strlen("FD_NAMES=") + 1;
        for (size_t i = 0; i < w->file_count; i++)
            len += strlen(w->files[i].name) + 1;
        char *names = malloc(len);
        if (!names)
            return -1;
        size_t pos = (size_t)snprintf(names, len, "FD_NAMES=");
        for (size_t i = 0; i < w->file_count && pos < len; i++)
            pos += (size_t)snprintf(names + pos, len - pos, "%s%s", i ? ":" : "", w->files[i].name);
        int rc = wasi_ctx_push_env(ctx, count) | wasi_ctx_push_env(ctx, names);
        free(names);
        if (rc)
            return -1;
    }
    for (size_t i = 0; i < w->env_count; i++)
        if (wasi_ctx_push_env(ctx, w->env[i]) != 0)
            return -1;
    return 0;
}

static void report_trap(const wasm_error *err, const wasm_module *module)
{
    const char *what = err->trap != WASM_TRAP_NONE && err->trap != WASM_TRAP_HOST ? wasm_trap_message(err->trap)
                                                                                 : err->message;
    exec_log(ENARX_LOG_ERROR, "the workload trapped: %s", what[0] ? what : "unknown trap");
    if (err->frame_count > 0)
        exec_log_more(ENARX_LOG_ERROR, "  backtrace (innermost first):");
    for (uint32_t i = 0; i < err->frame_count && i < WASM_MAX_BACKTRACE; i++) {
        const wasm_frame_info *fr = &err->frames[i];
        const char *name = fr->name[0] ? fr->name : wasm_module_func_name(module, fr->func_index);
        if (fr->code_offset)
            exec_log_more(ENARX_LOG_ERROR, "    #%u %s (function %u, module offset 0x%" PRIx32 ")", i,
                          name ? name : "<unnamed>", fr->func_index, fr->code_offset);
        else
            exec_log_more(ENARX_LOG_ERROR, "    #%u %s (function %u)", i, name ? name : "<unnamed>", fr->func_index);
    }
}

static int status_of(const wasm_error *err, const wasm_module *module)
{
    switch (err->status) {
    case WASM_OK:
        return 0;
    case WASM_ERR_EXIT:
        if (err->exit_code < 0 || err->exit_code > 255) {
            exec_log(ENARX_LOG_ERROR, "the workload exited with status %" PRId32 ", which no process exit status can carry",
                     err->exit_code);
            return 1;
        }
        exec_log(ENARX_LOG_DEBUG, "the workload exited with status %" PRId32, err->exit_code);
        return err->exit_code;
    case WASM_ERR_TRAP:
        report_trap(err, module);
        return 1;
    default:
        exec_log(ENARX_LOG_ERROR, "running the workload failed (%s): %s", wasm_status_name(err->status), err->message);
        return 1;
    }
}

/* The command's entry point: "_start" (WASI commands), else the "" export. */
static wasm_func *entry_point(const wasm_instance *instance, const char **name)
{
    static const char *const names[] = {"_start", ""};
    for (size_t i = 0; i < 2; i++) {
        wasm_extern ext;
        if (wasm_instance_export(instance, names[i], &ext) && ext.kind == WASM_EXTERN_FUNC) {
            *name = names[i];
            return ext.of.func;
        }
    }
    return NULL;
}

/* Says which tier runs the workload (info), and when the JIT was asked for
 * but the Keep refused executable memory (warn). */
static void log_tier(const wasm_module *module, int engine)
{
    static const char *const names[] = ENARX_ENGINE_NAMES;
    const char *asked = engine >= 0 && engine < ENARX_ENGINE_COUNT ? names[engine] : "auto";
    wasm_tier tier = wasm_module_tier(module);
    if (tier == WASM_TIER_JIT || tier == WASM_TIER_TIERED) {
        uint32_t compiled, functions;
        wasm_module_jit_counts(module, &compiled, &functions);
        (void)compiled; /* none yet */
        exec_log(ENARX_LOG_INFO,
                 "engine: %s (%s): %" PRIu32 " functions, each compiled to machine code %s; "
                 "memory bounds checked by %s",
                 tier == WASM_TIER_JIT ? "jit" : "tiered", asked, functions,
                 tier == WASM_TIER_JIT ? "on its first call"
                                       : "once hot (called often, or in a long-running loop)",
                 wasm_module_bounds(module) == WASM_BOUNDS_GUARD
                     ? "guard pages (a fault in the memory's reservation is the trap)"
                     : "explicit compares (memory faults are not delivered to the exec here, "
                       "or its address-space reservation is refused)");
    } else if (engine == ENARX_ENGINE_JIT) {
        exec_log(ENARX_LOG_WARN, "engine: interpreter: the JIT was asked for, but this Keep gives no "
                                 "executable memory");
    } else {
        exec_log(ENARX_LOG_INFO, "engine: interpreter (%s)", asked);
    }
}

/* Secrets live in the exec's memory only; the guest sees them read-only. */
static int add_secrets(wasi_ctx *ctx, const wl_stream *s, wasi_mem_file **files)
{
    *files = NULL;
    if (s->secret_count == 0)
        return 0;
    *files = calloc(s->secret_count, sizeof **files);
    if (!*files)
        return 1;
    for (size_t i = 0; i < s->secret_count; i++)
        (*files)[i] = (wasi_mem_file){s->secrets[i].name, s->secrets[i].data, s->secrets[i].size};
    return wasi_ctx_add_mem_dir(ctx, EXEC_SECRETS_DIR, *files, s->secret_count) < 0;
}

int exec_run(const wl_stream *s, const exec_io *io)
{
    wasi_mem_file *secret_files = NULL;
    char err[1024];
    const char *module_name = s->module_name ? s->module_name : "the module";
    workload w;
    int rc = workload_from_stream(s, &w, err, sizeof err);
    if (rc != 0) {
        exec_log(ENARX_LOG_ERROR, "%s", err);
        return rc;
    }
    wasm_error werr;
    memset(&werr, 0, sizeof werr);
    /* the stream outlives the module (freed after exec_run returns); a
     * Keep never meters fuel, so machine code need not count it */
    wasm_module_options options = {.borrow_bytes = true, .unmetered = true};
    /* profiling on a host (nil passes it; a Keep's exec has no environment) */
    options.perf_map = getenv("ENARX_PERF_MAP") != NULL;
    /* the tier: `enarx run --engine`, else Enarx.toml's `engine`, else auto
     * (the engine's choice: tiered, docs/engine.md) */
    int engine = s->engine > ENARX_ENGINE_AUTO ? s->engine : w.engine;
    options.tier = engine == ENARX_ENGINE_JIT      ? WASM_TIER_JIT
                   : engine == ENARX_ENGINE_INTERP ? WASM_TIER_INTERP
                                                   : WASM_TIER_AUTO;
    wasm_module *module = wasm_module_new_with(s->module, s->module_size, &options, &werr);
    if (module)
        log_tier(module, engine);
    wasm_store *store = NULL;
    wasi_ctx *ctx = NULL;
    wasm_extern *imports = NULL;
    if (!module) {
        exec_log(ENARX_LOG_ERROR, "%s is not a valid WebAssembly module (%s): %s", module_name,
                 wasm_status_name(werr.status), werr.message);
        rc = 2;
        goto out;
    }
    store = wasm_store_new(NULL);
    ctx = wasi_ctx_new();
    if (!store || !ctx || build_context(ctx, s, &w) != 0) {
        exec_log(ENARX_LOG_ERROR, "out of memory");
        rc = 1;
        goto out;
    }
    if (exec_log_level() >= ENARX_LOG_TRACE)
        wasi_ctx_set_trace(ctx, exec_log_fd());
    if (wasi_link(ctx, store, module, &imports, err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "%s cannot run in a Keep: %s", module_name, err);
        rc = 1;
        goto out;
    }
    rc = open_files(ctx, &w, io);
    if (rc == 0 && add_secrets(ctx, s, &secret_files) != 0) {
        exec_log(ENARX_LOG_ERROR, "out of memory");
        rc = 1;
    }
    if (rc != 0)
        goto out;
    wasm_instance *instance = wasm_instantiate(store, module, imports, wasm_module_import_count(module), &werr);
    if (!instance) {
        if (werr.status == WASM_ERR_TRAP || werr.status == WASM_ERR_EXIT) {
            rc = status_of(&werr, module);
        } else {
            exec_log(ENARX_LOG_ERROR, "%s cannot be instantiated (%s): %s", module_name, wasm_status_name(werr.status),
                     werr.message);
            rc = 1;
        }
        goto out;
    }
    const char *entry_name = NULL;
    wasm_func *entry = entry_point(instance, &entry_name);
    if (!entry) {
        exec_log(ENARX_LOG_ERROR, "%s has no _start function: it is not a WASI command", module_name);
        rc = 1;
        goto out;
    }
    const wasm_functype *type = wasm_func_type(entry);
    if (type->param_count != 0) {
        exec_log(ENARX_LOG_ERROR, "%s: its entry point \"%s\" takes %u parameters; it must take none", module_name,
                 entry_name, type->param_count);
        rc = 1;
        goto out;
    }
    wasm_value results[16];
    if (type->result_count > 16) {
        exec_log(ENARX_LOG_ERROR, "%s: its entry point returns %u values", module_name, type->result_count);
        rc = 1;
        goto out;
    }
    exec_log(ENARX_LOG_DEBUG, "calling \"%s\"", entry_name);
    memset(&werr, 0, sizeof werr);
    wasm_status st = wasm_call(store, entry, NULL, 0, results, type->result_count, &werr);
    werr.status = st;
    if (wasm_module_tier(module) != WASM_TIER_INTERP) {
        uint32_t compiled, functions;
        wasm_module_jit_counts(module, &compiled, &functions);
        exec_log(ENARX_LOG_DEBUG, "engine: %" PRIu32 " of %" PRIu32 " functions ran as machine code",
                 compiled, functions);
    }
    rc = status_of(&werr, module);
out:
    wasi_ctx_free(ctx); /* closes descriptors; TLS peers get close_notify */
    free(secret_files);
    free(imports);
    wasm_store_free(store);
    wasm_module_free(module);
    workload_free(&w);
    return rc;
}
