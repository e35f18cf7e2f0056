/* enarx-oci's settings file (see runtime_config.h). */
#include "oci/runtime_config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "config/toml.h"

int oci_backend_valid(const char *name)
{
    static const char *const names[] = {"", "sgx", "sev", "kvm", "nil", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

static void set_defaults(oci_runtime_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->runc, sizeof c->runc, "runc");
    /* enarx beside this binary */
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        snprintf(c->enarx, sizeof c->enarx, "%.4000s/enarx", self);
    } else {
        snprintf(c->enarx, sizeof c->enarx, "enarx");
    }
}

static int copy_string(const toml_value *v, const char *key, char *out, size_t size, const char *name, char *err,
                       size_t errlen)
{
    size_t len;
    const char *s = toml_string(v, &len);
    if (toml_kind_of(v) != TOML_STRING || len >= size || memchr(s, 0, len)) {
        snprintf(err, errlen, "%s:%u:%u: %s must be a string shorter than %zu bytes", name, toml_line(v),
                 toml_column(v), key, size);
        return -1;
    }
    memcpy(out, s, len + 1);
    return 0;
}

int oci_runtime_config_parse(oci_runtime_config *c, const char *text, size_t size, const char *name, char *err,
                             size_t errlen)
{
    set_defaults(c);
    toml_error terr;
    toml_value *root = toml_parse(text, size, &terr);
    if (!root) {
        snprintf(err, errlen, "%s:%u:%u: %s", name, terr.line, terr.column, terr.message);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < toml_table_size(root) && rc == 0; i++) {
        const char *key = toml_table_key(root, i);
        const toml_value *v = toml_table_value(root, i);
        if (strcmp(key, "backend") == 0) {
            rc = copy_string(v, key, c->backend, sizeof c->backend, name, err, errlen);
            if (rc == 0 && !oci_backend_valid(c->backend)) {
                snprintf(err, errlen, "%s:%u:%u: backend \"%s\" is not a Keep backend (sgx, sev, kvm, nil, or \"\" "
                         "for the best available)", name, toml_line(v), toml_column(v), c->backend);
                rc = -1;
            }
        } else if (strcmp(key, "enarx") == 0) {
            rc = copy_string(v, key, c->enarx, sizeof c->enarx, name, err, errlen);
        } else if (strcmp(key, "runc") == 0) {
            rc = copy_string(v, key, c->runc, sizeof c->runc, name, err, errlen);
        } else {
            snprintf(err, errlen, "%s:%u:%u: unknown key \"%s\" (known: backend, enarx, runc)", name,
                     toml_table_key_line(root, i), toml_table_key_column(root, i), key);
            rc = -1;
        }
    }
    toml_free(root);
    return rc;
}

int oci_runtime_config_load(oci_runtime_config *c, char *err, size_t errlen)
{
    const char *path = getenv("ENARX_OCI_CONFIG");
    bool explicit_path = path && *path;
    if (!explicit_path)
        path = OCI_RUNTIME_CONFIG_DEFAULT;
    file_contents text;
    char why[512];
    file_status st = file_read_all(path, 1u << 16, 0, &text, why, sizeof why);
    if (st != FILE_OK) {
        set_defaults(c);
        if (!explicit_path && st == FILE_CANNOT_OPEN && access(path, F_OK) != 0 && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "the runtime configuration %s: %s", path, why);
        return -1;
    }
    size_t n = text.size;
    int rc = oci_runtime_config_parse(c, (const char *)text.data, n, path, err, errlen);
    file_contents_free(&text);
    return rc;
}
