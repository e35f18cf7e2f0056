/* libFuzzer target: arbitrary bytes -> enarx_config_parse.
 *
 * Checks the schema's promises on every accepted config (names without ':',
 * required settings present, ports in range, FD_NAMES consistent) and the
 * shape of every error message (file:line:column: problem). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/enarx_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_config(const enarx_config *c)
{
    if (c->file_count > ENARX_CONFIG_MAX_FILES)
        abort();
    size_t names_len = c->file_count ? c->file_count - 1 : 0;
    for (size_t i = 0; i < c->file_count; i++) {
        const enarx_file *f = &c->files[i];
        if (!f->name || !*f->name || strchr(f->name, ':'))
            abort();
        names_len += strlen(f->name);
        bool net = f->kind == ENARX_FILE_LISTEN || f->kind == ENARX_FILE_CONNECT;
        if (net != (f->prot != ENARX_PROT_NONE))
            abort();
        if (f->kind == ENARX_FILE_CONNECT && (!f->host || f->port == 0))
            abort();
        if (f->kind == ENARX_FILE_LISTEN && !f->addr)
            abort();
        if (f->kind == ENARX_FILE_DIR && (!f->host || !*f->host))
            abort();
        if (f->ca_count && (f->kind != ENARX_FILE_CONNECT || f->prot != ENARX_PROT_TLS || !f->ca))
            abort();
        for (size_t k = 0; k < f->ca_count; k++)
            if (!f->ca[k].value)
                abort();
        if (f->line < 1)
            abort();
        size_t n;
        const enarx_trust_anchor *ca = enarx_config_trust_anchors(c, f, &n);
        if (n && !ca)
            abort();
    }
    char small[8];
    if (enarx_config_fd_names_value(c, small, sizeof small) != names_len || strlen(small) > 7)
        abort();
    for (size_t i = 0; i < c->arg_count; i++)
        if (!c->args[i])
            abort();
    for (size_t i = 0; i < c->env_count; i++)
        if (!c->env[i].name || !*c->env[i].name || strchr(c->env[i].name, '=') || !c->env[i].value)
            abort();
    if (c->has_steward && (!c->steward.host || !c->steward.scheme || !c->steward.path || !c->steward.port))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enarx_config_error err;
    enarx_config *c = enarx_config_parse((const char *)data, size, "Enarx.toml", &err);
    if (!c) {
        char prefix[64];
        if (err.line)
            snprintf(prefix, sizeof prefix, "Enarx.toml:%u:%u: ", err.line, err.column);
        else
            snprintf(prefix, sizeof prefix, "Enarx.toml: ");
        if (strncmp(err.message, prefix, strlen(prefix)) != 0 || strlen(err.message) <= strlen(prefix))
            abort();
        return 0;
    }
    check_config(c);
    enarx_config_free(c);
    return 0;
}
