#include "cli/run_config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/log.h"
#include "cli/preopen_check.h"
#include "config/enarx_config.h"
#include "exec/stream_format.h"

static int read_file(const char *path, size_t limit, uint8_t **data, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_log(CLI_LOG_ERROR, "cannot open '%s': %s", path, strerror(errno));
        return 2;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        cli_log(CLI_LOG_ERROR, "'%s' is not a regular file", path);
        close(fd);
        return 2;
    }
    if ((uint64_t)st.st_size > limit) {
        cli_log(CLI_LOG_ERROR, "'%s' is %lld bytes; the limit is %zu", path, (long long)st.st_size, limit);
        close(fd);
        return 2;
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        cli_log(CLI_LOG_ERROR, "cannot read '%s'", path);
        free(buf);
        return 2;
    }
    buf[got] = 0;
    *data = buf;
    *size = got;
    return 0;
}

static bool already_sent(const run_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->file_count; i++)
        if (strcmp(cfg->files[i].name, name) == 0)
            return true;
    return false;
}

/* Trust anchors named by path travel with the workload as FILE frames. */
static int gather_anchor_files(const char *path, const enarx_config *c, run_config *out)
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
                cli_log(CLI_LOG_ERROR, "%s: more than %u trust anchor files", path, WL_MAX_FILES);
                return 2;
            }
            char resolved[4096];
            if (!enarx_config_resolve_path(path, ca[k].value, resolved, sizeof resolved)) {
                cli_log(CLI_LOG_ERROR, "%s:%u:%u: path too long", path, ca[k].line, ca[k].column);
                return 2;
            }
            uint8_t *data;
            size_t size;
            cli_log(CLI_LOG_DEBUG, "trust anchors for %s from %s", f->name, resolved);
            if (read_file(resolved, WL_MAX_FILE, &data, &size) != 0) {
                cli_log(CLI_LOG_ERROR, "%s:%u:%u: the trust anchor file above cannot be used", path, ca[k].line,
                        ca[k].column);
                return 2;
            }
            run_config_file *grown = realloc(out->files, (out->file_count + 1) * sizeof *grown);
            char *name = strdup(ca[k].value);
            if (!grown || !name) {
                free(data);
                free(name);
                if (grown)
                    out->files = grown;
                cli_log(CLI_LOG_ERROR, "out of memory");
                return 1;
            }
            out->files = grown;
            out->files[out->file_count++] = (run_config_file){name, data, size};
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
            cli_log(CLI_LOG_ERROR, "%s:%u:%u: %s", path, f->line, f->column, why);
            return 2;
        }
    }
    return 0;
}

int run_config_load(const char *path, run_config *out)
{
    memset(out, 0, sizeof *out);
    if (!path)
        return 0;
    uint8_t *text;
    size_t size;
    int rc = read_file(path, WL_MAX_CONFIG, &text, &size);
    if (rc)
        return rc;
    out->text = (char *)text;
    out->size = size;
    /* Check it here too, so that a mistake is reported before a Keep starts. */
    enarx_config_error err;
    enarx_config *c = enarx_config_parse(out->text, out->size, path, &err);
    if (!c) {
        cli_log(CLI_LOG_ERROR, "%s", err.message);
        run_config_free(out);
        return 2;
    }
    if (c->has_steward)
        cli_log(CLI_LOG_WARN, "%s: steward %s: Steward certificates are not supported yet; "
                "TLS listeners present a self-signed certificate", path, c->steward.text);
    rc = check_preopens(path, c);
    if (rc == 0)
        rc = gather_anchor_files(path, c, out);
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
