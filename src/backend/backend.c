/* Backend table, selection, and the helpers probes share. Host side. */
#include "backend/backend.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const backend *const backend_all[] = {&backend_sgx, &backend_sev, &backend_kvm, &backend_nil, NULL};

const backend *backend_find(const char *name)
{
    for (size_t i = 0; backend_all[i]; i++)
        if (strcmp(backend_all[i]->name, name) == 0)
            return backend_all[i];
    return NULL;
}

backend_check *backend_add_check(backend_report *r, int depth, bool pass, const char *name,
                                 const char *info_fmt, ...)
{
    static backend_check overflow;
    if (r->count >= BACKEND_MAX_CHECKS)
        return &overflow;
    backend_check *c = &r->checks[r->count++];
    memset(c, 0, sizeof *c);
    c->depth = depth;
    c->pass = pass;
    snprintf(c->name, sizeof c->name, "%s", name);
    if (info_fmt) {
        va_list ap;
        va_start(ap, info_fmt);
        vsnprintf(c->info, sizeof c->info, info_fmt, ap);
        va_end(ap);
    }
    return c;
}

bool backend_available(const backend *b, backend_report *r)
{
    /* Only what is used is cleared: the whole report is ~7 KiB, two pages to
     * fault in on every `enarx run` (backend_add_check clears each check). */
    r->count = 0;
    r->hint[0] = 0;
    b->probe(r);
    bool ok = b->launch != NULL;
    for (size_t i = 0; i < r->count; i++)
        ok = ok && r->checks[i].pass;
    return ok;
}

const backend *backend_select(const char *name, char *err, size_t errlen)
{
    backend_report report;
    if (name && *name) {
        const backend *b = backend_find(name);
        if (!b) {
            snprintf(err, errlen, "Keep backend identifier \"%s\" is unknown (known: sgx, sev, kvm, nil)", name);
            return NULL;
        }
        if (!backend_available(b, &report)) {
            snprintf(err, errlen, "Keep backend \"%s\" is not available on this platform%s%s "
                     "(see `enarx platform info`)", name, report.hint[0] ? ": " : "", report.hint);
            return NULL;
        }
        return b;
    }
    /* Auto-selection runs on every `enarx run`: a backend this build cannot
     * launch, or whose device node is missing, is passed over without
     * probing it (the probes' CPUID instructions cost ~15 us each in a VM,
     * device opens more). */
    for (size_t i = 0; backend_all[i]; i++) {
        const backend *b = backend_all[i];
        struct stat st;
        if (!b->launch || (b->device && stat(b->device, &st) != 0))
            continue;
        if (backend_available(b, &report))
            return b;
    }
    snprintf(err, errlen, "no Keep backend is available on this platform (see `enarx platform info`)");
    return NULL;
}

int backend_exec_path(char *out, size_t len, char *err, size_t errlen)
{
    const char *env = getenv("ENARX_EXEC");
    if (env && *env) {
        if (access(env, X_OK) != 0) {
            snprintf(err, errlen, "ENARX_EXEC=%s: %s", env, strerror(errno));
            return -1;
        }
        snprintf(out, len, "%s", env);
        return 0;
    }
    /* read straight into out: a second PATH_MAX buffer is one more stack page */
    ssize_t n = len > 0 ? readlink("/proc/self/exe", out, len - 1) : -1;
    if (n <= 0) {
        snprintf(err, errlen, "cannot find the enarx binary's directory: %s", strerror(errno));
        return -1;
    }
    out[n] = 0;
    char *slash = strrchr(out, '/');
    size_t dir_len = slash ? (size_t)(slash - out) : 0;
    static const char exec_name[] = "/enarx-exec";
    if (dir_len + sizeof exec_name > len) {
        snprintf(err, errlen, "the enarx binary's directory is too long for a path");
        return -1;
    }
    memcpy(out + dir_len, exec_name, sizeof exec_name);
    if (access(out, X_OK) != 0) {
        snprintf(err, errlen, "the Keep runtime %s is missing or not executable (%s); "
                 "build it with `make`, or point ENARX_EXEC at it", out, strerror(errno));
        return -1;
    }
    return 0;
}
