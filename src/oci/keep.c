/* A wasm bundle -> the Keep launcher's command line (see keep.h). */
#include "oci/keep.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config/enarx_config.h"
#include "oci/rootfs.h"
#include "oci/runtime_config.h"

int oci_keep_backend(const oci_spec *spec, const char *runtime_default, char *out, size_t size, char *err,
                     size_t errlen)
{
    const char *b = oci_spec_annotation(spec, "io.enarx.backend");
    if (b && !oci_backend_valid(b)) {
        snprintf(err, errlen, "annotations[\"io.enarx.backend\"]: \"%.64s\" is not a Keep backend (sgx, sev, kvm, "
                 "nil, or \"\" for the best available)", b);
        return -1;
    }
    snprintf(out, size, "%s", b ? b : runtime_default);
    return 0;
}

/* An Enarx.toml path (dir host, ca file) must name something inside the
 * image, below the config's directory, without symlinks. */
static int check_inside(int dirfd, const char *what, const char *path, const char *name, unsigned line,
                        char *err, size_t errlen)
{
    bool dotdot = strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 || strstr(path, "/../") ||
                  (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0);
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS};
    long fd = path[0] == '/' || dotdot ? -1 : syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0) {
        close((int)fd);
        return 0;
    }
    snprintf(err, errlen, "%s:%u: %s \"%s\": in a container image it must be a path inside the image, relative to "
             "Enarx.toml's directory, without \"..\" or symlinks (%s)", name, line, what, path,
             path[0] == '/' || dotdot ? "it would reach the host's files" : strerror(errno));
    return -1;
}

static int check_config_paths(const enarx_config *c, int dirfd, const char *name, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->file_count; i++) {
        const enarx_file *f = &c->files[i];
        if (f->kind == ENARX_FILE_DIR && check_inside(dirfd, "dir host", f->host, name, f->line, err, errlen) < 0)
            return -1;
        for (size_t k = 0; k < f->ca_count; k++)
            if (!f->ca[k].is_pem && check_inside(dirfd, "ca", f->ca[k].value, name, f->ca[k].line, err, errlen) < 0)
                return -1;
    }
    for (size_t k = 0; k < c->tls_ca_count; k++)
        if (!c->tls_ca[k].is_pem && check_inside(dirfd, "ca", c->tls_ca[k].value, name, c->tls_ca[k].line, err, errlen) < 0)
            return -1;
    return 0;
}

int oci_keep_config(const oci_spec *spec, const char *rootfs, char *out, size_t size, char *err, size_t errlen)
{
    out[0] = 0;
    const char *named = oci_spec_annotation(spec, "io.enarx.config");
    const char *path = named ? named : "/Enarx.toml";
    int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        snprintf(err, errlen, "root.path: %s: %s", rootfs, strerror(errno));
        return -1;
    }
    /* O_NONBLOCK and a type check: an image's FIFO must not hang create */
    int fd = oci_open_in_root(rootfd, path, O_RDONLY | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        close(rootfd);
        snprintf(err, errlen, "%s %s in the image is not a regular file", named ? "annotations[\"io.enarx.config\"]:" : "",
                 path);
        return -1;
    }
    if (fd < 0) {
        close(rootfd);
        if (!named && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "annotations[\"io.enarx.config\"]: %s is not readable in the image: %s", path,
                 strerror(errno));
        return -1;
    }
    char display[4200];
    snprintf(display, sizeof display, "%s (in the image)", path);
    char *text = malloc(ENARX_CONFIG_MAX_SIZE + 1);
    ssize_t n = text ? read(fd, text, ENARX_CONFIG_MAX_SIZE + 1) : -1;
    int rc = -1;
    if (n < 0 || n > ENARX_CONFIG_MAX_SIZE) {
        snprintf(err, errlen, "%s: %s", display, n < 0 ? strerror(errno) : "larger than 1000000 bytes");
        goto done;
    }
    enarx_config_error cerr;
    enarx_config *c = enarx_config_parse(text, (size_t)n, display, &cerr);
    if (!c) {
        snprintf(err, errlen, "%s", cerr.message);
        goto done;
    }
    /* the directory holding it, for its relative paths */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = 0;
    int dirfd = oci_open_in_root(rootfd, slash ? dir : "/", O_PATH | O_DIRECTORY);
    rc = dirfd < 0 ? -1 : check_config_paths(c, dirfd, display, err, errlen);
    if (dirfd < 0)
        snprintf(err, errlen, "%s: its directory: %s", display, strerror(errno));
    if (dirfd >= 0)
        close(dirfd);
    enarx_config_free(c);
    if (rc == 0 && oci_fd_path(fd, out, size) < 0) {
        snprintf(err, errlen, "%s: the path is too long", display);
        rc = -1;
    }
done:
    free(text);
    close(fd);
    close(rootfd);
    return rc;
}

static int push(char ***list, size_t *count, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int push(char ***list, size_t *count, size_t *cap, const char *fmt, ...)
{
    if (*count + 2 > *cap) {
        size_t grown = *cap ? *cap * 2 : 32;
        char **p = realloc(*list, grown * sizeof *p);
        if (!p)
            return -1;
        *list = p;
        *cap = grown;
    }
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&(*list)[*count], fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    (*list)[++*count] = NULL;
    return 0;
}

#define ARG(...) push(&plan->argv, &plan->argc, &plan->argv_cap, __VA_ARGS__)
#define ENV(...) push(&plan->envp, &plan->envc, &plan->envp_cap, __VA_ARGS__)

/* The host path of a directory in the Keep's view of the rootfs. */
static int view_path(int rootfd, const char *path, bool create, char *out, size_t size)
{
    /* runc makes a missing cwd; so do we */
    int fd = create ? oci_make_in_root(rootfd, path, true) : oci_open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = oci_fd_path(fd, out, size);
    close(fd);
    if (rc == 0 && strstr(out, "::")) {
        errno = EINVAL; /* enarx run's --dir HOST::GUEST could not say it */
        return -1;
    }
    return rc;
}

static int add_preopens(const oci_spec *spec, const oci_keep_inputs *in, oci_keep_plan *plan, char *err,
                        size_t errlen)
{
    int rootfd = open(in->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    char host[4200];
    if (rootfd < 0 || view_path(rootfd, "/", false, host, sizeof host) < 0) {
        snprintf(err, errlen, "root.path: %s: %s", in->rootfs, strerror(errno));
        if (rootfd >= 0)
            close(rootfd);
        return -1;
    }
    int rc = ARG("--dir") || ARG("%s::/", host);
    if (rc == 0 && strcmp(spec->cwd, "/") != 0) {
        if (view_path(rootfd, spec->cwd, true, host, sizeof host) < 0) {
            snprintf(err, errlen, "process.cwd: %s is not a usable directory in the root filesystem: %s", spec->cwd,
                     strerror(errno));
            close(rootfd);
            return -1;
        }
        /* Not preopened as ".": wasi-libc gives "/" and "." the same
         * (empty) prefix and the later wins, so "." would take over
         * absolute paths too. WASI preview 1 has no working directory. */
    }
    for (size_t i = 0; i < spec->mount_count && rc == 0; i++) {
        const oci_mount *m = &spec->mounts[i];
        if (!oci_mount_is_preopen(m))
            continue;
        if (view_path(rootfd, m->destination, false, host, sizeof host) < 0) {
            snprintf(err, errlen, "mounts[%zu].destination: %s: %s", i, m->destination, strerror(errno));
            close(rootfd);
            return -1;
        }
        rc = ARG("--dir") || ARG("%s::%s", host, m->destination);
    }
    close(rootfd);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc ? -1 : 0;
}

int oci_keep_plan_build(const oci_spec *spec, const oci_keep_inputs *in, oci_keep_plan *plan, char *err,
                        size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    if (ARG("%s", in->enarx) || ARG("run") || (*in->backend && (ARG("--backend") || ARG("%s", in->backend))) ||
        (in->config_path && *in->config_path && (ARG("--wasmcfgfile") || ARG("%s", in->config_path))))
        goto oom;
    if (add_preopens(spec, in, plan, err, errlen) < 0) {
        oci_keep_plan_free(plan);
        return -1;
    }
    if (ARG("--argv0") || ARG("%s", spec->args[0]))
        goto oom;
    for (size_t i = 0; i < spec->env_count; i++)
        if (ARG("--env") || ARG("%s", spec->env[i]))
            goto oom;
    if (ARG("--") || ARG("%s", in->module))
        goto oom;
    for (size_t i = 1; i < spec->arg_count; i++)
        if (ARG("%s", spec->args[i]))
            goto oom;
    if (spec->resources.memory_limit > 0 && ENV("ENARX_KEEP_MEMORY=%lld", (long long)spec->resources.memory_limit))
        goto oom;
    static const char *const passed[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL};
    for (size_t i = 0; passed[i]; i++) {
        const char *v = getenv(passed[i]);
        if (v && ENV("%s=%s", passed[i], v))
            goto oom;
    }
    if (!plan->envp && !(plan->envp = calloc(1, sizeof *plan->envp)))
        goto oom;
    return 0;
oom:
    oci_keep_plan_free(plan);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void oci_keep_plan_free(oci_keep_plan *plan)
{
    for (size_t i = 0; i < plan->argc; i++)
        free(plan->argv[i]);
    for (size_t i = 0; i < plan->envc; i++)
        free(plan->envp[i]);
    free(plan->argv);
    free(plan->envp);
    memset(plan, 0, sizeof *plan);
}
