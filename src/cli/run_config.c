#include "cli/run_config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/workload_stream.h"
#include "cli/log.h"
#include "cli/preopen_check.h"
#include "common/file.h"
#include "config/enarx_config.h"

static bool already_sent(const run_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->file_count; i++)
        if (strcmp(cfg->files[i].name, name) == 0)
            return true;
    return false;
}

/* Reads one anchor file into out->files. */
static int read_anchor_file(const char *path, const enarx_file *f, const enarx_trust_anchor *ca, run_config *out,
                            char *why, size_t why_size)
{
    char resolved[4096];
    if (!enarx_config_resolve_path(path, ca->value, resolved, sizeof resolved)) {
        snprintf(why, why_size, "%s:%u:%u: ca = \"%s\": path too long", path, ca->line, ca->column, ca->value);
        return 2;
    }
    cli_log(ENARX_LOG_DEBUG, "trust anchors for %s from %s", f->name, resolved);
    char problem[256];
    file_contents fc;
    if (file_read_all(resolved, WL_MAX_FILE, 0, &fc, problem, sizeof problem) != FILE_OK) {
        /* Name the file as written, and where it was looked for if that differs. */
        bool same = strcmp(resolved, ca->value) == 0;
        snprintf(why, why_size, "%s:%u:%u: ca = \"%s\"%s%s%s: %s", path, ca->line, ca->column, ca->value,
                 same ? "" : " (", same ? "" : resolved, same ? "" : ")", problem);
        return 2;
    }
    run_config_file *grown = realloc(out->files, (out->file_count + 1) * sizeof *grown);
    if (grown)
        out->files = grown;
    char *name = grown ? strdup(ca->value) : NULL;
    if (!name) {
        file_contents_free(&fc);
        snprintf(why, why_size, "out of memory");
        return 1;
    }
    run_config_file *slot = &out->files[out->file_count++];
    slot->name = name;
    slot->data = fc.data;
    slot->size = fc.size;
    return 0;
}

int run_config_read_anchors(const char *path, const enarx_config *c, run_config *out, char *why, size_t why_size)
{
    for (size_t i = 0; i < c->file_count; i++) {
        const enarx_file *f = &c->files[i];
        if (f->kind != ENARX_FILE_CONNECT || f->prot != ENARX_PROT_TLS)
            continue;
        size_t count = 0;
        const enarx_trust_anchor *ca = enarx_config_trust_anchors(c, f, &count);
        for (size_t k = 0; k < count; k++) {
            if (ca[k].is_pem || already_sent(out, ca[k].value))
                continue;
            if (out->file_count >= WL_MAX_FILES) {
                snprintf(why, why_size, "%s: more than %u trust anchor files", path, WL_MAX_FILES);
                return 2;
            }
            int rc = read_anchor_file(path, f, &ca[k], out, why, why_size);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* dir entries: no pseudo file system (a missing directory is left to the
 * exec, which reports it when it opens it). */
static int check_preopens(const char *path, const enarx_config *c)
{
    for (size_t i = 0; i < c->file_count; i++) {
        const enarx_file *f = &c->files[i];
        char dir[4096], why[PATH_MAX + 512];
        struct stat st;
        if (f->kind != ENARX_FILE_DIR || !enarx_config_resolve_path(path, f->host, dir, sizeof dir) ||
            stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (preopen_check(dir, why, sizeof why) != 0) {
            cli_log(ENARX_LOG_ERROR, "%s:%u:%u: %s", path, f->line, f->column, why);
            return 2;
        }
    }
    return 0;
}

static void count_strings(const enarx_config *c, run_config *out)
{
    out->strings = c->arg_count + c->env_count;
    for (size_t i = 0; i < c->arg_count; i++)
        out->strings_bytes += strlen(c->args[i]) + 1;
    for (size_t i = 0; i < c->env_count; i++)
        out->strings_bytes += strlen(c->env[i].name) + 1 + strlen(c->env[i].value) + 1;
}

int run_config_load(const char *path, run_config *out)
{
    memset(out, 0, sizeof *out);
    if (!path)
        return 0;
    char why[1024];
    file_contents text;
    if (file_read_all(path, WL_MAX_CONFIG, 0, &text, why, sizeof why) != FILE_OK) {
        cli_log(ENARX_LOG_ERROR, "config file '%s': %s", path, why);
        return 2;
    }
    out->text = (char *)text.data;
    out->size = text.size;
    /* Check it here too, so that a mistake is reported before a Keep starts. */
    enarx_config_error err;
    enarx_config *c = enarx_config_parse(out->text, out->size, path, &err);
    if (!c) {
        cli_log(ENARX_LOG_ERROR, "%s", err.message);
        run_config_free(out);
        return 2;
    }
    if (c->has_steward)
        cli_log(ENARX_LOG_WARN, "%s: steward %s: Steward certificates are not supported yet; "
                "TLS listeners present a self-signed certificate", path, c->steward.text);
    count_strings(c, out);
    int rc = check_preopens(path, c);
    if (rc == 0) {
        rc = run_config_read_anchors(path, c, out, why, sizeof why);
        if (rc)
            cli_log(ENARX_LOG_ERROR, "%s", why);
    }
    enarx_config_free(c);
    if (rc)
        run_config_free(out);
    return rc;
}

void run_config_free(run_config *cfg)
{
    free(cfg->text);
    for (size_t i = 0; i < cfg->file_count; i++) {
        free(cfg->files[i].name);
        free(cfg->files[i].data);
    }
    free(cfg->files);
    memset(cfg, 0, sizeof *cfg);
}
