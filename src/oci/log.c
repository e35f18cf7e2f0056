/* runc-style log records (see log.h). */
#include "oci/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static bool log_json;
static bool log_debug;

int oci_log_open(const char *path, bool json, bool debug)
{
    log_json = json;
    log_debug = debug;
    if (!path || !*path)
        return 0;
    log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        fprintf(stderr, "enarx-oci: cannot open the log file %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

void oci_log_close(void)
{
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
}

static const char *level_name(oci_log_level level)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    return names[level];
}

/* Appends s to out as the inside of a JSON string. */
static size_t json_escape(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = 0;
    return n;
}

static void format_time(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        buf += w;
        len -= (size_t)w;
    }
}

static void vlog(oci_log_level level, const char *fmt, va_list ap)
{
    if (level == OCI_LOG_DEBUG && !log_debug)
        return;
    char msg[2048], line[8192], when[64];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (level == OCI_LOG_ERROR || (log_fd < 0 && level <= OCI_LOG_WARN)) {
        char text[2200];
        int n = snprintf(text, sizeof text, "enarx-oci: %s\n", msg);
        write_all(STDERR_FILENO, text, n < (int)sizeof text ? (size_t)n : sizeof text - 1);
    }
    if (log_fd < 0)
        return;
    format_time(when, sizeof when);
    int n;
    if (log_json) {
        char escaped[6200];
        json_escape(escaped, sizeof escaped, msg);
        n = snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                     level_name(level), escaped, when);
    } else {
        char escaped[6200];
        json_escape(escaped, sizeof escaped, msg);
        n = snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", when, level_name(level),
                     escaped);
    }
    if (n > 0)
        write_all(log_fd, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

void oci_log(oci_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}

int oci_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(OCI_LOG_ERROR, fmt, ap);
    va_end(ap);
    return 1;
}
