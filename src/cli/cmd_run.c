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

#include "backend/backend.h"
#include "backend/workload_stream.h"
#include "cli/commands.h"
#include "cli/log.h"
#include "cli/preopen_check.h"
#include "cli/run_config.h"
#include "common/file.h"
#include "exec/stream_format.h"

int cmd_run(int argc, char **argv);

#define MAX_DEV_OPTIONS 4096

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
                                            "--argv0", "--log-level", "--log-filter"};
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
            if ((which == 2 ? o->dir_count : o->env_count) >= MAX_DEV_OPTIONS)
                return usage_error("too many %s options", names[which]);
            if (which == 3 && (!strchr(value, '=') || value[0] == '='))
                return usage_error("--env %s: expected NAME=VALUE", value);
            if (which == 2 ? push_option(&o->dirs, &o->dir_count, argc, value)
                           : push_option(&o->env, &o->env_count, argc, value)) {
                cli_log(CLI_LOG_ERROR, "out of memory");
                return 1;
            }
            break;
        case 4: o->argv0 = value; break;
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
        cli_log(CLI_LOG_ERROR, "module '%s': %s", path, why);
        return 2;
    }
    uint8_t head[8];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 8 || memcmp(head, "\0asm", 4) != 0) {
        cli_log(CLI_LOG_ERROR, "'%s' is not a WebAssembly module (it does not start with \"\\0asm\")", path);
        close(fd);
        return 2;
    }
    if (head[4] != 1 || head[5] != 0 || head[6] != 0 || head[7] != 0) {
        cli_log(CLI_LOG_ERROR, "'%s' is a WebAssembly %s, not a core module (version 1)", path,
                head[6] == 1 ? "component" : "binary of an unknown version");
        close(fd);
        return 2;
    }
    if (size > WL_MAX_MODULE) {
        cli_log(CLI_LOG_ERROR, "module '%s' is %llu bytes; the largest a Keep accepts is %u", path,
                (unsigned long long)size, WL_MAX_MODULE);
        close(fd);
        return 2;
    }
    *fd_out = fd;
    *size_out = size;
    return 0;
}

/* --dir HOST[::GUEST] -> DIR frame, after checking HOST is a directory. */
static int write_dir(wl_writer *w, const char *spec)
{
    char host[PATH_MAX];
    const char *sep = strstr(spec, "::");
    size_t host_len = sep ? (size_t)(sep - spec) : strlen(spec);
    const char *guest = sep ? sep + 2 : spec;
    if (host_len == 0 || host_len >= sizeof host || !*guest || strlen(guest) > WL_MAX_NAME) {
        cli_log(CLI_LOG_ERROR, "--dir %s: expected HOST[::GUEST] with non-empty paths", spec);
        return 2;
    }
    memcpy(host, spec, host_len);
    host[host_len] = 0;
    struct stat st;
    if (stat(host, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_log(CLI_LOG_ERROR, "--dir %s: '%s' is not a directory%s%s", spec, host,
                errno ? ": " : "", errno ? strerror(errno) : "");
        return 2;
    }
    char why[PATH_MAX + 512];
    if (preopen_check(host, why, sizeof why) != 0) {
        cli_log(CLI_LOG_ERROR, "--dir %s: %s", spec, why);
        return 2;
    }
    return wl_write_pair(w, WL_DIR, host, guest, strlen(guest)) == 0 ? 0 : 1;
}

static int build_stream(const run_options *o, int module_fd, uint64_t module_size,
                        const run_config *cfg, int *stream_fd)
{
    int fd = memfd_create("enarx-workload", MFD_CLOEXEC);
    if (fd < 0) {
        cli_log(CLI_LOG_ERROR, "memfd_create: %s", strerror(errno));
        return 1;
    }
    char err[512] = "";
    wl_writer w = {fd, err, sizeof err};
    int rc = 1;
    uint8_t level = (uint8_t)cli_log_get();
    if (wl_write_magic(&w) || wl_write_frame(&w, WL_LOG_LEVEL, &level, 1) ||
        wl_write_string(&w, WL_MODULE_NAME, o->module) ||
        wl_write_module_fd(&w, module_fd, module_size, o->module))
        goto failed;
    if (cfg->text && (wl_write_frame(&w, WL_CONFIG, cfg->text, cfg->size) ||
                      wl_write_string(&w, WL_CONFIG_NAME, o->config)))
        goto failed;
    for (size_t i = 0; i < cfg->file_count; i++)
        if (wl_write_pair(&w, WL_FILE, cfg->files[i].name, cfg->files[i].data, cfg->files[i].size))
            goto failed;
    if (o->argv0 && wl_write_string(&w, WL_ARGV0, o->argv0))
        goto failed;
    for (size_t i = 0; i < o->dir_count; i++) {
        int r = write_dir(&w, o->dirs[i]);
        if (r) {
            rc = r;
            goto failed;
        }
    }
    for (size_t i = 0; i < o->env_count; i++)
        if (wl_write_string(&w, WL_ENV, o->env[i]))
            goto failed;
    for (int i = 0; i < o->arg_count; i++) {
        if (strlen(o->args[i]) > WL_MAX_STRING) {
            cli_log(CLI_LOG_ERROR, "argument %d is longer than %u bytes", i + 1, WL_MAX_STRING);
            rc = 2;
            goto failed;
        }
        if (wl_write_string(&w, WL_ARG, o->args[i]))
            goto failed;
    }
    if (wl_write_end(&w) || lseek(fd, 0, SEEK_SET) != 0)
        goto failed;
    *stream_fd = fd;
    return 0;
failed:
    if (err[0])
        cli_log(CLI_LOG_ERROR, "%s", err);
    close(fd);
    return rc;
}

/* Launching is its own function so that its PATH_MAX buffer and the
 * launcher's frames are not stacked on top of backend selection's: each 4 KiB
 * of stack depth is one more page fault for every `enarx run`. */
static int __attribute__((noinline)) launch(const backend *b, int stream_fd)
{
    char err[1024];
    char exec_path[PATH_MAX];
    if (backend_exec_path(exec_path, sizeof exec_path, err, sizeof err) != 0) {
        cli_log(CLI_LOG_ERROR, "%s", err);
        return 1;
    }
    backend_launch l = {.stream_fd = stream_fd, .exec_path = exec_path, .log_level = cli_log_get()};
    int status = b->launch(&l, err, sizeof err);
    if (status < 0) {
        cli_log(CLI_LOG_ERROR, "%s", err);
        return 1;
    }
    return status;
}

static const backend *__attribute__((noinline)) select_backend(const char *name)
{
    char err[1024];
    const backend *b = backend_select(name, err, sizeof err);
    if (!b)
        cli_log(CLI_LOG_ERROR, "%s", err);
    else
        cli_log(CLI_LOG_INFO, "backend: %s", b->name);
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
    rc = launch(b, stream_fd);
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
