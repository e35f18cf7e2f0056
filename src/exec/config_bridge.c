/* Enarx.toml -> workload, through the config module's schema reader
 * (src/config/enarx_config.h). The exec parses the text itself: the host's
 * own check (src/cli/run_config.c) is for early messages, not for trust. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/workload_stream.h"
#include "config/enarx_config.h"
#include "exec/workload.h"

static const wl_file *travelling_file(const wl_stream *s, const char *name)
{
    for (size_t i = 0; i < s->file_count; i++)
        if (strcmp(s->files[i].name, name) == 0)
            return &s->files[i];
    return NULL;
}

/* Joins a connect+tls file's trust anchors into one PEM buffer. */
static int gather_anchors(const enarx_config *c, const enarx_file *f, const wl_stream *s,
                          const char *file_name, xfile *out, char *err, size_t errlen)
{
    size_t count = 0;
    const enarx_trust_anchor *ca = enarx_config_trust_anchors(c, f, &count);
    if (count == 0)
        return 0; /* the built-in roots */
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        const wl_file *tf = ca[i].is_pem ? NULL : travelling_file(s, ca[i].value);
        if (!ca[i].is_pem && !tf) {
            snprintf(err, errlen, "%s:%u:%u: the trust anchor file '%s' did not come with the workload",
                     file_name, ca[i].line, ca[i].column, ca[i].value);
            return 2;
        }
        size_t len = ca[i].is_pem ? strlen(ca[i].value) : tf->size;
        if (len > WL_MAX_FILE || total > WL_MAX_FILES * (size_t)WL_MAX_FILE) {
            snprintf(err, errlen, "%s:%u:%u: trust anchors too large", file_name, ca[i].line, ca[i].column);
            return 2;
        }
        total += len + 1;
    }
    uint8_t *buf = malloc(total + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *data;
        size_t len;
        if (ca[i].is_pem) {
            data = (const uint8_t *)ca[i].value;
            len = strlen(ca[i].value);
        } else {
            const wl_file *tf = travelling_file(s, ca[i].value);
            data = tf->data;
            len = tf->size;
        }
        memcpy(buf + pos, data, len);
        pos += len;
        buf[pos++] = '\n';
    }
    buf[pos] = 0;
    out->anchors = buf;
    out->anchors_len = pos;
    return 0;
}

static xfile_kind kind_of(enarx_file_kind k)
{
    switch (k) {
    case ENARX_FILE_NULL: return XF_NULL;
    case ENARX_FILE_STDIN: return XF_STDIN;
    case ENARX_FILE_STDOUT: return XF_STDOUT;
    case ENARX_FILE_STDERR: return XF_STDERR;
    case ENARX_FILE_LISTEN: return XF_LISTEN;
    case ENARX_FILE_CONNECT: return XF_CONNECT;
    case ENARX_FILE_DIR: return XF_DIR;
    }
    return XF_NULL;
}

static int add_file(const enarx_config *c, const enarx_file *f, const wl_stream *s, const char *file_name,
                    workload *w, char *err, size_t errlen)
{
    xfile *x = workload_add_file(w, kind_of(f->kind), f->name);
    if (!x)
        goto nomem;
    snprintf(x->where, sizeof x->where, "%s:%u:%u", file_name, f->line, f->column);
    x->tls = f->prot == ENARX_PROT_TLS;
    x->port = f->port;
    switch (f->kind) {
    case ENARX_FILE_LISTEN:
        x->host = strdup(f->addr ? f->addr : "::");
        if (!x->host)
            goto nomem;
        break;
    case ENARX_FILE_CONNECT:
        x->host = strdup(f->host);
        if (!x->host)
            goto nomem;
        if (x->tls)
            return gather_anchors(c, f, s, file_name, x, err, errlen);
        break;
    case ENARX_FILE_DIR: {
        char path[4096];
        if (!enarx_config_resolve_path(file_name, f->host, path, sizeof path)) {
            snprintf(err, errlen, "%s: the directory path '%s' is too long", x->where, f->host);
            return 2;
        }
        x->host_path = strdup(path);
        x->guest_path = strdup(f->name);
        if (!x->host_path || !x->guest_path)
            goto nomem;
        break;
    }
    default:
        break;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return 1;
}

int workload_from_toml(const char *text, size_t len, const char *file_name, const wl_stream *stream,
                       workload *out, char *err, size_t errlen)
{
    enarx_config_error cerr;
    enarx_config *c = enarx_config_parse(text, len, file_name, &cerr);
    if (!c) {
        snprintf(err, errlen, "%s", cerr.message);
        return 2;
    }
    int rc = 0;
    out->engine = c->engine;
    for (size_t i = 0; i < c->arg_count && rc == 0; i++)
        if (workload_add_string(&out->args, &out->arg_count, c->args[i]) != 0)
            rc = 1;
    for (size_t i = 0; i < c->env_count && rc == 0; i++) {
        size_t n = strlen(c->env[i].name) + strlen(c->env[i].value) + 2;
        char *entry = malloc(n);
        if (!entry) {
            rc = 1;
            break;
        }
        snprintf(entry, n, "%s=%s", c->env[i].name, c->env[i].value);
        if (workload_add_string(&out->env, &out->env_count, entry) != 0)
            rc = 1;
        free(entry);
    }
    if (rc)
        snprintf(err, errlen, "out of memory");
    for (size_t i = 0; i < c->file_count && rc == 0; i++)
        rc = add_file(c, &c->files[i], stream, file_name, out, err, errlen);
    enarx_config_free(c);
    return rc;
}
