/* Backend table, selection, and the helpers probes share. Host side. */
#include "backend/backend.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    memset(r, 0, sizeof *r);
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
    for (size_t i = 0; backend_all[i]; i++)
        if (backend_available(backend_all[i], &report))
            return backend_all[i];
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
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(err, errlen, "cannot find the enarx binary's directory: %s", strerror(errno));
        return -1;
    }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    snprintf(out, len, "%s/enarx-exec", self);
    if (access(out, X_OK) != 0) {
        snprintf(err, errlen, "the Keep runtime %s is missing or not executable (%s); "
                 "build it with `make`, or point ENARX_EXEC at it", out, strerror(errno));
        return -1;
    }
    return 0;
}
