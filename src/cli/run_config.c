#include "cli/run_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/log.h"
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
    return 0;
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
