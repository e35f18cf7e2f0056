#include "exec/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static int log_level = ENARX_LOG_WARN;
static int log_fd = 2;
static exec_log_sink sink;

void exec_log_set_sink(exec_log_sink to)
{
    sink = to;
}

static void emit(const char *line, size_t len)
{
    if (sink) {
        exec_log_sink to = sink;
        sink = NULL; /* a sink that logs does not loop */
        to(line, len);
        sink = to;
        return;
    }
    ssize_t ignored = write(log_fd, line, len);
    (void)ignored;
}

void exec_log_init(int level)
{
    log_level = level;
    if (log_fd == 2) {
        int fd = fcntl(2, F_DUPFD_CLOEXEC, 10);
        if (fd >= 0)
            log_fd = fd;
    }
}

int exec_log_level(void) { return log_level; }
int exec_log_fd(void) { return log_fd; }

void exec_log(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    static const char *const names[ENARX_LOG_LEVEL_COUNT] = {"error", "warning", "info", "debug", "trace"};
    char line[2048];
    int n = level == ENARX_LOG_ERROR ? snprintf(line, sizeof line, "enarx: ")
                               : snprintf(line, sizeof line, "enarx-exec [%s]: ", names[level]);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof line - 1)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    emit(line, (size_t)n);
}

void exec_log_more(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    emit(line, (size_t)n);
}
