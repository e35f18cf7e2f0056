/* enarx run: runs a WebAssembly module in a Keep. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/engine_tier.h"
#include "abi/workload_stream.h"
#include "backend/backend.h"
#include "backend/workload_stream.h"
#include "cli/commands.h"
#include "cli/log.h"
#include "cli/preopen_check.h"
#include "cli/run_config.h"
#include "common/file.h"

int cmd_run(int argc, char **argv);

/* --dir and --env values point into argv. Their lists are allocated on the
 * first such option, sized by argc: a fixed 2 x 4096-entry array here would
 * cost every `enarx run` 16 first-touch page faults (~50 us each in a VM). */
typedef struct run_options {
    const char *backend;
    const char *config;
    const char *argv0;
    const char **dirs;
    size_t dir_count;
    const char **env;
    size_t env_count;
    const char *module;
    char **args;
    int arg_count;
    const char *signatures;
    int engine; /* an enum enarx_engine_tier */
} run_options;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx run [OPTIONS] MODULE.wasm [ARGS...]\n"
            "\n"
            "Runs a WebAssembly (WASI preview 1) module in a Keep. Everything after MODULE\n"
            "goes to the workload. The exit status is the workload's; 1 if it traps or the\n"
            "Keep fails; 2 for a usage or configuration error.\n"
            "\n"
            "Options:\n"
            "  --backend <B>          Keep backend: sgx, sev, kvm or nil [env: ENARX_BACKEND]\n"
            "                         (default: the first available, in that order)\n"
            "  --wasmcfgfile <FILE>   Enarx.toml: the workload's files, args and env\n"
            "                         [env: ENARX_WASMCFGFILE]; without it: stdin, stdout, stderr\n"
            "  --log-level <LEVEL>    error, warn, info, debug or trace [env: ENARX_LOG]\n"
            "  --engine <TIER>        auto, interp or jit: the engine tier that runs the workload\n"
            "                         [env: ENARX_ENGINE] (default: Enarx.toml's `engine`, else\n"
            "                         auto: the interpreter, compiling hot code to machine code)\n"
            "  --signatures <FILE>    sev: the ID block and its signatures (`enarx sign`) for the\n"
            "                         launch, so that the report names the signer\n"
            "  -h, --help             this help\n"
            "\n"
            "Development options (wasmtime-style; not part of the workload's identity):\n"
            "  --dir <HOST[::GUEST]>  preopen the host directory HOST as GUEST (default: HOST);\n"
            "                         host storage is untrusted: the Keep cannot protect it\n"
            "  --env <NAME=VALUE>     add to the workload's environment\n"
            "  --argv0 <NAME>         the workload's argv[0] (default: main.wasm)\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("enarx run: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nRun `enarx run --help` for the options.\n", stderr);
    return 2;
}

/* --name value or --name=value; returns the value, advancing *i. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *matched)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    *matched = false;
    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=') {
        *matched = true;
        return arg + n + 1;
    }
    if (arg[n] != 0)
        return NULL;
    *matched = true;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static void free_options(run_options *o)
{
    free(o->dirs);
    free(o->env);
    o->dirs = o->env = NULL;
}

/* Appends value to *list (argc entries at most: every value is an argument). */
static int push_option(const char ***list, size_t *count, int argc, const char *value)
{
    if (!*list && !(*list = malloc((size_t)argc * sizeof **list)))
        return -1;
    (*list)[(*count)++] = value;
    return 0;
}

/* An engine tier's name -> enum enarx_engine_tier, or -1. */
static int engine_parse(const char *name)
{
    static const char *const names[] = ENARX_ENGINE_NAMES;
    for (int i = 0; i < ENARX_ENGINE_COUNT; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

static int parse(int argc, char **argv, run_options *o)
{
    memset(o, 0, sizeof *o);
    o->backend = getenv("ENARX_BACKEND");
    o->config = getenv("ENARX_WASMCFGFILE");
    if (o->config && !*o->config)
        o->config = NULL;
    const char *log_env = getenv("ENARX_LOG");
    if (log_env && *log_env) {
        int level = cli_log_parse(log_env);
        if (level < 0)
            return usage_error("ENARX_LOG=%s is not a log level (error, warn, info, debug, trace)", log_env);
        cli_log_set(level);
    }
    const char *engine_env = getenv("ENARX_ENGINE");
    if (engine_env && *engine_env && (o->engine = engine_parse(engine_env)) < 0)
        return usage_error("ENARX_ENGINE=%s is not an engine tier (auto, interp, jit)", engine_env);
    int i = 1;
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        if (arg[0] != '-' || arg[1] == 0)
            break;
        static const char *const names[] = {"--backend", "--wasmcfgfile", "--dir", "--env",
                                            "--argv0", "--log-level", "--log-filter", "--signatures",
                                            "--engine"};
        bool matched = false;
        const char *value = NULL;
        size_t which;
        for (which = 0; which < sizeof names / sizeof names[0]; which++) {
            value = option_value(argc, argv, &i, names[which], &matched);
            if (matched)
                break;
        }
        if (!matched)
            return usage_error("unknown option '%s'", arg);
        if (!value)
            return usage_error("option '%s' needs a value", arg);
        switch (which) {
        case 0: o->backend = value; break;
        case 1: o->config = value; break;
        case 2:
        case 3:
            if (which == 3 && (!strchr(value, '=') || value[0] == '='))
                return usage_error("--env %s: expected NAME=VALUE", value);
            if (which == 2 ? push_option(&o->dirs, &o->dir_count, argc, value)
                           : push_option(&o->env, &o->env_count, argc, value)) {
                cli_log(ENARX_LOG_ERROR, "out of memory");
                return 1;
            }
            break;
        case 4: o->argv0 = value; break;
        case 7: o->signatures = value; break;
        case 8:
            if ((o->engine = engine_parse(value)) < 0)
                return usage_error("--engine %s: expected auto, interp or jit", value);
            break;
        default: {
            int level = cli_log_parse(value);
            if (level < 0)
                return usage_error("--log-level %s: expected error, warn, info, debug or trace", value);
            cli_log_set(level);
        }
        }
    }
    if (i >= argc)
        return usage_error("%s", "missing MODULE: which .wasm file should run?");
    o->module = argv[i];
    o->args = argv + i + 1;
    o->arg_count = argc - i - 1;
    return 0;
}

/* Opens the module and checks it looks like a core WebAssembly module. */
static int open_module(const char *path, int *fd_out, uint64_t *size_out)
{
    if (!path)
        return 2;
    char why[256];
    int fd;
    uint64_t size;
    if (file_open_regular(path, &fd, &size, why, sizeof why) != FILE_OK) {
        cli_log(ENARX_LOG_ERROR, "module '%s': %s", path, why);
        return 2;
    }
    uint8_t head[8];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 8 || memcmp(head, "\0asm", 4) != 0) {
        cli_log(ENARX_LOG_ERROR, "'%s' is not a WebAssembly module (it does not start with \"\\0asm\")", path);
        close(fd);
        return 2;
    }
    if (head[4] != 1 || head[5] != 0 || head[6] != 0 || head[7] != 0) {
        cli_log(ENARX_LOG_ERROR, "'%s' is a WebAssembly %s, not a core module (version 1)", path,
                head[6] == 1 ? "component" : "binary of an unknown version");
        close(fd);
        return 2;
    }
    *fd_out = fd;
    *size_out = size;
    return 0;
}

/* --dir HOST[::GUEST]: checks HOST is a directory; the guest path points
 * into spec, the host path is a copy (freed by the caller). */
static int parse_dir(const char *spec, wl_request_dir *out)
{
    const char *sep = strstr(spec, "::");
    size_t host_len = sep ? (size_t)(sep - spec) : strlen(spec);
    const char *guest = sep ? sep + 2 : spec;
    if (host_len == 0 || !*guest) {
        cli_log(ENARX_LOG_ERROR, "--dir %s: expected HOST[::GUEST] with non-empty paths", spec);
        return 2;
    }
    char *host = strndup(spec, host_len);
    if (!host) {
        cli_log(ENARX_LOG_ERROR, "out of memory");
        return 1;
    }
    struct stat st;
    errno = 0;
    if (stat(host, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_log(ENARX_LOG_ERROR, "--dir %s: '%s' is not a directory%s%s", spec, host, errno ? ": " : "",
                errno ? strerror(errno) : "");
        free(host);
        return 2;
    }
    char why[PATH_MAX + 512];
    if (preopen_check(host, why, sizeof why) != 0) {
        cli_log(ENARX_LOG_ERROR, "--dir %s: %s", spec, why);
        free(host);
        return 2;
    }
    *out = (wl_request_dir){host, guest};
    return 0;
}

static void free_dirs(wl_request_dir *dirs, size_t count)
{
    for (size_t i = 0; dirs && i < count; i++)
        free((char *)dirs[i].host_path);
    free(dirs);
}

/* The request's problem in the words of the options and files it came from. */
static void report_problem(const run_options *o, const run_config *cfg, const wl_problem *p)
{
    unsigned long long v = (unsigned long long)p->value, limit = (unsigned long long)p->limit;
    const char *config = o->config ? o->config : "Enarx.toml";
    const char *env = o->env && p->index < o->env_count ? o->env[p->index] : "";
    const char *dir = o->dirs && p->index < o->dir_count ? o->dirs[p->index] : "";
    switch (p->part) {
    case WL_PART_MODULE:
        cli_log(ENARX_LOG_ERROR, "module '%s' is %llu bytes; the largest a Keep accepts is %llu", o->module, v,
                limit);
        break;
    case WL_PART_ARGV0:
        if (limit == 0)
            cli_log(ENARX_LOG_ERROR, "--argv0 must not be empty");
        else
            cli_log(ENARX_LOG_ERROR, "--argv0 is %llu bytes long; the limit is %llu bytes", v, limit);
        break;
    case WL_PART_ARG:
        cli_log(ENARX_LOG_ERROR, "argument %zu after the module is %llu bytes long; one argument may be at "
                "most %llu bytes", p->index + 1, v, limit);
        break;
    case WL_PART_ENV:
        cli_log(ENARX_LOG_ERROR, "--env %.40s...: %llu bytes; one environment entry may be at most %llu bytes",
                env, v, limit);
        break;
    case WL_PART_STRINGS:
    case WL_PART_STRINGS_BYTES:
        cli_log(ENARX_LOG_ERROR, "the workload would get %llu %s: %d arguments after the module, %zu --env, "
                "%zu from %s's args and env; a workload takes at most %llu", v,
                p->part == WL_PART_STRINGS ? "arguments and environment entries"
                                           : "bytes of arguments and environment",
                o->arg_count, o->env_count, cfg->strings, config, limit);
        break;
    case WL_PART_DIRS:
        cli_log(ENARX_LOG_ERROR, "--dir given %llu times; a workload takes at most %llu directories", v, limit);
        break;
    case WL_PART_DIR_HOST:
    case WL_PART_DIR_GUEST:
        cli_log(ENARX_LOG_ERROR, "--dir %s: the %s path is %llu bytes long; the limit is %llu bytes", dir,
                p->part == WL_PART_DIR_HOST ? "host" : "guest", v, limit);
        break;
    case WL_PART_MODULE_NAME:
    case WL_PART_CONFIG_NAME:
        cli_log(ENARX_LOG_ERROR, "the path '%.60s...' is %llu bytes long; the limit is %llu bytes",
                p->part == WL_PART_MODULE_NAME ? o->module : config, v, limit);
        break;
    default: /* the config and its files were checked when they were read */
        cli_log(ENARX_LOG_ERROR, "%s: the workload breaks a limit of the Keep's input (%llu, limit %llu)", config,
                v, limit);
    }
}

/* Everything the exec needs, in one request: checked against the format's
 * limits (so that mistakes are told in the user's words), then written. */
static int build_stream(const run_options *o, int module_fd, uint64_t module_size,
                        const run_config *cfg, int *stream_fd)
{
    wl_request_dir *dirs = o->dir_count ? calloc(o->dir_count, sizeof *dirs) : NULL;
    wl_request_file *files = cfg->file_count ? calloc(cfg->file_count, sizeof *files) : NULL;
    if ((o->dir_count && !dirs) || (cfg->file_count && !files)) {
        free(dirs);
        free(files);
        cli_log(ENARX_LOG_ERROR, "out of memory");
        return 1;
    }
    for (size_t i = 0; i < cfg->file_count; i++)
        files[i] = (wl_request_file){cfg->files[i].name, cfg->files[i].data, cfg->files[i].size};
    size_t parsed = 0;
    int rc = 0;
    for (; parsed < o->dir_count && rc == 0; parsed++)
        rc = parse_dir(o->dirs[parsed], &dirs[parsed]);
    wl_request req = {
        .module_fd = module_fd, .module_size = module_size, .module_name = o->module,
        .config = cfg->text, .config_size = cfg->size,
        .config_name = cfg->text ? o->config : NULL,
        .config_strings = cfg->strings, .config_strings_bytes = cfg->strings_bytes,
        .argv0 = o->argv0, .args = (const char *const *)o->args, .arg_count = (size_t)o->arg_count,
        .env = o->env, .env_count = o->env_count, .dirs = dirs, .dir_count = o->dir_count,
        .files = files, .file_count = cfg->file_count, .log_level = cli_log_get(),
        .engine = o->engine,
    };
    wl_problem problem;
    if (rc == 0 && wl_request_check(&req, &problem) != 0) {
        report_problem(o, cfg, &problem);
        rc = 2;
    }
    int fd = -1;
    if (rc == 0 && (fd = memfd_create("enarx-workload", MFD_CLOEXEC)) < 0) {
        cli_log(ENARX_LOG_ERROR, "memfd_create: %s", strerror(errno));
        rc = 1;
    }
    char err[512];
    if (rc == 0 && wl_stream_write(&req, fd, err, sizeof err) != 0) {
        cli_log(ENARX_LOG_ERROR, "%s", err);
        rc = 1;
    } else if (rc == 0 && lseek(fd, 0, SEEK_SET) != 0) {
        cli_log(ENARX_LOG_ERROR, "lseek on the workload stream: %s", strerror(errno));
        rc = 1;
    }
    free_dirs(dirs, parsed);
    free(files);
    if (rc != 0 && fd >= 0)
        close(fd);
    if (rc == 0)
        *stream_fd = fd;
    return rc;
}

/* Launching is its own function so that its PATH_MAX buffer and the
 * launcher's frames are not stacked on top of backend selection's: each 4 KiB
 * of stack depth is one more page fault for every `enarx run`. */
static int __attribute__((noinline)) launch(const backend *b, int stream_fd, const char *signatures)
{
    char err[1024];
    char exec_path[PATH_MAX];
    if (backend_exec_path(exec_path, sizeof exec_path, err, sizeof err) != 0) {
        cli_log(ENARX_LOG_ERROR, "%s", err);
        return 1;
    }
    if (signatures && strcmp(b->name, "sev") != 0)
        cli_log(ENARX_LOG_WARN, "--signatures %s: only an SEV-SNP Keep is signed; the %s backend ignores it",
                signatures, b->name);
    backend_launch l = {.stream_fd = stream_fd, .exec_path = exec_path, .log_level = cli_log_get(),
                        .signatures = signatures};
    int status = b->launch(&l, err, sizeof err);
    if (status < 0) {
        cli_log(ENARX_LOG_ERROR, "%s", err);
        return 1;
    }
    return status;
}

static const backend *__attribute__((noinline)) select_backend(const char *name)
{
    char err[1024];
    const backend *b = backend_select(name, err, sizeof err);
    if (!b)
        cli_log(ENARX_LOG_ERROR, "%s", err);
    else
        cli_log(ENARX_LOG_INFO, "backend: %s", b->name);
    return b;
}

static int run(const run_options *o)
{
    const backend *b = select_backend(o->backend);
    if (!b)
        return 2;
    int module_fd;
    uint64_t module_size;
    int rc = open_module(o->module, &module_fd, &module_size);
    if (rc)
        return rc;
    run_config cfg;
    rc = run_config_load(o->config, &cfg);
    if (rc) {
        close(module_fd);
        return rc;
    }
    int stream_fd = -1;
    rc = build_stream(o, module_fd, module_size, &cfg, &stream_fd);
    close(module_fd);
    run_config_free(&cfg);
    if (rc)
        return rc;
    rc = launch(b, stream_fd, o->signatures);
    close(stream_fd);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_options o;
    int rc = parse(argc, argv, &o);
    if (rc == 0)
        rc = run(&o);
    free_options(&o);
    return rc < 0 ? 0 : rc;
}
