/* enarx-oci: a runc-compatible OCI runtime whose wasm bundles run in Keeps.
 *
 *   enarx-oci [global options] <command> [options] <id> ...
 *
 * Global options (runc's): --root DIR, --log FILE, --log-format text|json,
 * --debug, --systemd-cgroup, --rootless VALUE, --criu PATH (ignored).
 * Commands: create, start, state, kill, delete, ps, features, --version.
 * A bundle that is not a wasm workload, and every command on a container
 * this runtime does not own, is handed to runc with --root DIR/runc. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/file.h"
#include "oci/commands.h"
#include "oci/create.h"
#include "oci/keep.h"
#include "oci/log.h"
#include "oci/rootfs.h"
#include "oci/runtime_config.h"
#include "oci/spec.h"
#include "oci/state.h"

#define ENARX_OCI_VERSION "0.1.0"
#define DEFAULT_ROOT "/run/enarx-oci"

typedef struct globals {
    const char *root;
    const char *log;
    bool log_json;
    bool debug;
    bool systemd_cgroup;
    int argc;    /* the original command line, for runc */
    char **argv;
    int command; /* index of the command in argv */
    oci_runtime_config config;
} globals;

static void usage(FILE *out)
{
    fprintf(out,
            "enarx-oci %s: an OCI runtime (runc's command line) that runs WebAssembly bundles in Keeps\n"
            "\n"
            "Usage: enarx-oci [global options] <command> [options] <container-id>\n"
            "\n"
            "Commands:\n"
            "  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--preserve-fds N] ID\n"
            "  start ID            start a created container\n"
            "  state ID            the container's state as JSON\n"
            "  kill [--all] ID [SIGNAL]\n"
            "  delete [--force] ID\n"
            "  ps [--format table|json] ID\n"
            "  features            what this runtime supports, as JSON\n"
            "\n"
            "Global options: --root DIR (default %s), --log FILE, --log-format text|json,\n"
            "  --debug, --systemd-cgroup, --rootless VALUE, --version, --help\n"
            "\n"
            "Bundles that are not WebAssembly (and their containers) are run by runc.\n"
            "Settings: $ENARX_OCI_CONFIG or %s (backend, enarx, runc). See docs/oci.md.\n",
            ENARX_OCI_VERSION, DEFAULT_ROOT, OCI_RUNTIME_CONFIG_DEFAULT);
}

/* --name VALUE or --name=VALUE (also -name, as Go's flag package allows). */
static bool option(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    if (arg[0] == '-' && arg[1] == '-')
        arg++;
    if (arg[0] != '-' || strncmp(arg + 1, name, strlen(name)) != 0)
        return false;
    const char *rest = arg + 1 + strlen(name);
    if (*rest == '=') {
        *value = rest + 1;
        return true;
    }
    if (*rest)
        return false;
    *value = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

static bool flag(const char *arg, const char *name)
{
    if (arg[0] == '-' && arg[1] == '-')
        arg++;
    return arg[0] == '-' && strcmp(arg + 1, name) == 0;
}

static int parse_globals(int argc, char **argv, globals *g)
{
    memset(g, 0, sizeof *g);
    g->root = DEFAULT_ROOT;
    g->argc = argc;
    g->argv = argv;
    const char *format = "text";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *arg = argv[i], *v = NULL;
        bool valued = true;
        if (option(argc, argv, &i, "root", &v)) {
            g->root = v;
        } else if (option(argc, argv, &i, "log", &v)) {
            g->log = v;
        } else if (option(argc, argv, &i, "log-format", &v)) {
            format = v;
        } else if (option(argc, argv, &i, "rootless", &v) || option(argc, argv, &i, "criu", &v)) {
            /* accepted: a Keep runs rootful; checkpointing is not supported */
        } else if (flag(arg, "debug")) {
            g->debug = true;
            valued = false;
        } else if (flag(arg, "systemd-cgroup")) {
            g->systemd_cgroup = true;
            valued = false;
        } else if (flag(arg, "version") || flag(arg, "v")) {
            printf("enarx-oci version %s\nspec: 1.0.2\n", ENARX_OCI_VERSION);
            return -1;
        } else if (flag(arg, "help") || flag(arg, "h")) {
            usage(stdout);
            return -1;
        } else {
            fprintf(stderr, "enarx-oci: unknown global option %s (run `enarx-oci --help`)\n", arg);
            return 1;
        }
        if (valued && !v) {
            fprintf(stderr, "enarx-oci: option %s needs a value\n", arg);
            return 1;
        }
    }
    g->command = i;
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "enarx-oci: --log-format %s: expected text or json\n", format);
        return 1;
    }
    g->log_json = strcmp(format, "json") == 0;
    if (oci_log_open(g->log, g->log_json, g->debug) < 0)
        return 1;
    if (!*g->root || g->root[0] != '/')
        return oci_fail("--root %s: must be an absolute path", g->root);
    if (i >= argc) {
        usage(stderr);
        return 1;
    }
    char err[8192];
    if (oci_runtime_config_load(&g->config, err, sizeof err) < 0)
        return oci_fail("%s", err);
    return 0;
}

/* ---- runc, for everything that is not a Keep ---- */

static int run_runc(const globals *g)
{
    char runc_root[PATH_MAX];
    snprintf(runc_root, sizeof runc_root, "%s/runc", g->root);
    char **argv = calloc((size_t)g->argc + 4, sizeof *argv);
    if (!argv)
        return oci_fail("out of memory");
    size_t n = 0;
    argv[n++] = (char *)g->config.runc;
    argv[n++] = (char *)"--root";
    argv[n++] = runc_root;
    for (int i = 1; i < g->argc; i++) {
        const char *v;
        int j = i;
        if (i < g->command && option(g->argc, g->argv, &j, "root", &v)) {
            i = j; /* ours, replaced above */
            continue;
        }
        argv[n++] = g->argv[i];
    }
    argv[n] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        free(argv);
        return oci_fail("fork: %s", strerror(errno));
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        oci_fail("cannot run %s for a bundle that is not a WebAssembly workload: %s", argv[0], strerror(errno));
        _exit(1);
    }
    free(argv);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return oci_fail("waitpid: %s", strerror(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool runc_owns(const globals *g, const char *id)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/runc/%s", g->root, id);
    return stat(path, &st) == 0;
}

/* ---- create ---- */

typedef struct create_options {
    const char *bundle, *pid_file, *console_socket, *id;
    int preserve_fds;
} create_options;

static int parse_create(int argc, char **argv, int first, create_options *o)
{
    memset(o, 0, sizeof *o);
    o->bundle = ".";
    for (int i = first; i < argc; i++) {
        const char *v = NULL;
        if (option(argc, argv, &i, "bundle", &v) || option(argc, argv, &i, "b", &v)) {
            o->bundle = v;
        } else if (option(argc, argv, &i, "pid-file", &v)) {
            o->pid_file = v;
        } else if (option(argc, argv, &i, "console-socket", &v)) {
            o->console_socket = v;
        } else if (option(argc, argv, &i, "preserve-fds", &v)) {
            char *end;
            long n = v ? strtol(v, &end, 10) : -1;
            if (!v || *end || n < 0 || n > 65536)
                return oci_fail("--preserve-fds %s: expected a count of file descriptors", v ? v : "");
            o->preserve_fds = (int)n;
            continue;
        } else if (option(argc, argv, &i, "pidfd-socket", &v)) {
            return oci_fail("--pidfd-socket is not supported by enarx-oci");
        } else if (flag(argv[i], "no-pivot") || flag(argv[i], "no-new-keyring")) {
            continue; /* a Keep has no pivot_root, and no keyring of its own */
        } else if (argv[i][0] == '-') {
            return oci_fail("create: unknown option %s", argv[i]);
        } else if (!o->id) {
            o->id = argv[i];
            continue;
        } else {
            return oci_fail("create: unexpected argument %s (one container id is expected)", argv[i]);
        }
        if (!v)
            return oci_fail("create: option %s needs a value", argv[i]);
    }
    if (!o->id)
        return oci_fail("create: a container id is required");
    return 0;
}

/* The bundle's config.json, which must be a regular file (a FIFO must not
 * hang create). NULL after a message. */
static char *read_config(const char *bundle, size_t *size)
{
    char path[PATH_MAX + 16], why[512];
    snprintf(path, sizeof path, "%s/config.json", bundle);
    file_contents c;
    if (file_read_all(path, OCI_SPEC_MAX_SIZE, 0, &c, why, sizeof why) != FILE_OK) {
        oci_fail("config.json: cannot read %s: %s", path, why);
        return NULL;
    }
    *size = c.size;
    return (char *)c.data;
}

/* Runs with the id's lock held. */
static int create_locked(const globals *g, const create_options *o, int lock)
{
    char bundle[PATH_MAX], rootfs[PATH_MAX], module[PATH_MAX], config[PATH_MAX], backend[32];
    char err[8192];
    if (oci_state_exists(g->root, o->id) || runc_owns(g, o->id))
        return oci_fail("container with id exists: %s", o->id);
    if (!realpath(o->bundle, bundle))
        return oci_fail("--bundle %s: %s", o->bundle, strerror(errno));
    size_t size;
    char *text = read_config(bundle, &size);
    if (!text)
        return 1;
    oci_spec peek, spec;
    oci_workload_kind kind = OCI_NATIVE;
    int rc = oci_spec_peek(text, size, &peek, err, sizeof err);
    if (rc == 0) {
        char joined[PATH_MAX * 2];
        snprintf(joined, sizeof joined, "%s%s%s", peek.root_path[0] == '/' ? "" : bundle,
                 peek.root_path[0] == '/' ? "" : "/", peek.root_path);
        if (!realpath(joined, rootfs)) {
            rc = oci_fail("root.path: %s: %s", joined, strerror(errno));
        } else if (oci_workload_kind_of(&peek, rootfs, &kind, module, sizeof module, err, sizeof err) < 0) {
            rc = oci_fail("%s", err);
        }
        oci_spec_free(&peek);
    } else {
        rc = oci_fail("%s", err);
    }
    if (rc != 0 || kind == OCI_NATIVE) {
        free(text);
        return rc ? rc : run_runc(g);
    }
    rc = oci_spec_parse(text, size, &spec, err, sizeof err);
    free(text);
    if (rc < 0)
        return oci_fail("%s", err);
    if (oci_keep_backend(&spec, g->config.backend, backend, sizeof backend, err, sizeof err) < 0 ||
        oci_keep_config(&spec, rootfs, config, sizeof config, err, sizeof err) < 0) {
        oci_spec_free(&spec);
        return oci_fail("%s", err);
    }
    oci_create_request req = {
        .root = g->root, .id = o->id, .bundle = bundle, .rootfs = rootfs, .pid_file = o->pid_file,
        .console_socket = o->console_socket, .preserve_fds = o->preserve_fds, .systemd_cgroup = g->systemd_cgroup,
        .enarx = g->config.enarx, .backend = backend, .module = module, .config = config, .lock_fd = lock,
    };
    rc = oci_create(&req, &spec);
    oci_spec_free(&spec);
    return rc;
}

/* ---- the other commands ---- */

typedef struct id_options {
    const char *id;
    const char *extra; /* kill's signal */
    bool all, force, json;
} id_options;

static int parse_id_command(const globals *g, const char *cmd, id_options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = g->command + 1; i < g->argc; i++) {
        const char *arg = g->argv[i], *v = NULL;
        if (strcmp(cmd, "kill") == 0 && (flag(arg, "all") || flag(arg, "a"))) {
            o->all = true;
        } else if (strcmp(cmd, "delete") == 0 && (flag(arg, "force") || flag(arg, "f"))) {
            o->force = true;
        } else if (strcmp(cmd, "ps") == 0 &&
                   (option(g->argc, g->argv, &i, "format", &v) || option(g->argc, g->argv, &i, "f", &v))) {
            if (!v || (strcmp(v, "json") != 0 && strcmp(v, "table") != 0))
                return oci_fail("ps: --format %s: expected table or json", v ? v : "");
            o->json = strcmp(v, "json") == 0;
        } else if (arg[0] == '-' && arg[1] && !o->id) {
            return oci_fail("%s: unknown option %s", cmd, arg);
        } else if (!o->id) {
            o->id = arg;
        } else if (!o->extra) {
            o->extra = arg;
        } else if (strcmp(cmd, "ps") != 0) { /* ps passes the rest to ps(1) in runc */
            return oci_fail("%s: unexpected argument %s", cmd, arg);
        }
    }
    if (!o->id)
        return oci_fail("%s: a container id is required", cmd);
    if (o->extra && strcmp(cmd, "kill") != 0 && strcmp(cmd, "ps") != 0)
        return oci_fail("%s: unexpected argument %s", cmd, o->extra);
    if (!oci_valid_id(o->id))
        return oci_fail("invalid container id \"%.100s\": letters, digits, '_', '+', '-' and '.' only", o->id);
    return 0;
}

static int id_command(const globals *g, const char *cmd)
{
    id_options o;
    if (parse_id_command(g, cmd, &o))
        return 1;
    int sig = 15;
    if (strcmp(cmd, "kill") == 0 && o.extra && (sig = oci_signal_number(o.extra)) < 0)
        return oci_fail("kill: \"%s\" is not a signal (a name such as KILL or SIGTERM, or a number)", o.extra);
    bool ours = oci_state_exists(g->root, o.id);
    if (!ours && !runc_owns(g, o.id)) {
        /* nothing to serialise: it does not exist (runc has the last word
         * on its own ids, and on `delete --force` of an unknown id: 0) */
        if (strcmp(cmd, "delete") == 0 && o.force)
            return 0;
        return oci_fail("container %s does not exist", o.id);
    }
    char err[8192];
    int lock = oci_lock(g->root, o.id, err, sizeof err);
    if (lock < 0)
        return oci_fail("%s", err);
    int rc;
    ours = oci_state_exists(g->root, o.id); /* again, now that nobody else changes it */
    if (!ours && !runc_owns(g, o.id))
        rc = strcmp(cmd, "delete") == 0 && o.force ? 0 : oci_fail("container %s does not exist", o.id);
    else if (!ours)
        rc = run_runc(g);
    else if (strcmp(cmd, "start") == 0)
        rc = oci_cmd_start(g->root, o.id);
    else if (strcmp(cmd, "state") == 0)
        rc = oci_cmd_state(g->root, o.id);
    else if (strcmp(cmd, "kill") == 0)
        rc = oci_cmd_kill(g->root, o.id, sig, o.all);
    else if (strcmp(cmd, "delete") == 0)
        rc = oci_cmd_delete(g->root, o.id, o.force);
    else
        rc = oci_cmd_ps(g->root, o.id, o.json);
    if (!oci_state_exists(g->root, o.id) && !runc_owns(g, o.id))
        oci_unlock_remove(lock, g->root, o.id); /* deleted, here or by a command we waited for */
    else
        close(lock);
    return rc;
}

static int create_command(const globals *g)
{
    create_options o;
    if (parse_create(g->argc, g->argv, g->command + 1, &o))
        return 1;
    if (!oci_valid_id(o.id))
        return oci_fail("invalid container id \"%.100s\": letters, digits, '_', '+', '-' and '.' only", o.id);
    char err[8192];
    if (oci_root_prepare(g->root, err, sizeof err) < 0)
        return oci_fail("%s", err);
    int lock = oci_lock(g->root, o.id, err, sizeof err);
    if (lock < 0)
        return oci_fail("%s", err);
    int rc = create_locked(g, &o, lock);
    if (rc != 0 && !oci_state_exists(g->root, o.id) && !runc_owns(g, o.id))
        oci_unlock_remove(lock, g->root, o.id); /* a failed create leaves nothing behind */
    else
        close(lock);
    return rc;
}

/* Commands a Keep cannot do: a clear error for our containers, runc for its own. */
static int unsupported_command(const globals *g, const char *cmd)
{
    static const struct {
        const char *name, *why;
    } reasons[] = {
        {"exec", "exec into a Keep is not supported: a Keep runs one WebAssembly workload and nothing else"},
        {"pause", "pause is not supported for Keeps"},
        {"resume", "resume is not supported for Keeps (they cannot be paused)"},
        {"update", "update is not supported for Keeps: resources are fixed when the Keep is created"},
        {"checkpoint", "checkpoint is not supported: a Keep's memory cannot leave it"},
        {"restore", "restore is not supported: a Keep's memory cannot leave it"},
        {"events", "events are not supported for Keeps"},
    };
    for (int i = g->command + 1; i < g->argc; i++) {
        if (!oci_valid_id(g->argv[i]) || !oci_state_exists(g->root, g->argv[i]))
            continue;
        for (size_t k = 0; k < sizeof reasons / sizeof reasons[0]; k++)
            if (strcmp(reasons[k].name, cmd) == 0)
                return oci_fail("%s (container %s)", reasons[k].why, g->argv[i]);
    }
    return run_runc(g);
}

int main(int argc, char **argv)
{
    globals g;
    int rc = parse_globals(argc, argv, &g);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    const char *cmd = argv[g.command];
    if (strcmp(cmd, "create") == 0)
        rc = create_command(&g);
    else if (strcmp(cmd, "start") == 0 || strcmp(cmd, "state") == 0 || strcmp(cmd, "kill") == 0 ||
             strcmp(cmd, "delete") == 0 || strcmp(cmd, "ps") == 0)
        rc = id_command(&g, cmd);
    else if (strcmp(cmd, "features") == 0)
        rc = oci_cmd_features();
    else if (strcmp(cmd, "exec") == 0 || strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0 ||
             strcmp(cmd, "update") == 0 || strcmp(cmd, "checkpoint") == 0 || strcmp(cmd, "restore") == 0 ||
             strcmp(cmd, "events") == 0)
        rc = unsupported_command(&g, cmd);
    else if (strcmp(cmd, "run") == 0 || strcmp(cmd, "list") == 0 || strcmp(cmd, "spec") == 0)
        rc = oci_fail("%s is not supported by enarx-oci (engines use create and start)", cmd);
    else
        rc = oci_fail("unknown command \"%s\" (run `enarx-oci --help`)", cmd);
    oci_log_close();
    return rc;
}
