/* Writes the workload stream. Host side: nothing here runs in the Keep. */
#include "backend/workload_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "abi/engine_tier.h"
#include "abi/log_level.h"
#include "abi/workload_stream.h"

/* Where the stream goes, and where a failure is described. */
typedef struct wl_writer {
    int fd;
    char *err;
    size_t errlen;
} wl_writer;

static int write_all(wl_writer *w, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(w->err, w->errlen, "writing the workload stream: %s", strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int write_header(wl_writer *w, uint32_t type, uint64_t len)
{
    uint8_t h[WL_FRAME_HEADER_LEN];
    put_le32(h, type);
    put_le32(h + 4, 0);
    put_le32(h + 8, (uint32_t)len);
    put_le32(h + 12, (uint32_t)(len >> 32));
    return write_all(w, h, sizeof h);
}

static int write_magic(wl_writer *w)
{
    return write_all(w, WL_MAGIC, WL_MAGIC_LEN);
}

static int write_frame(wl_writer *w, uint32_t type, const void *payload, size_t len)
{
    if (write_header(w, type, len) != 0)
        return -1;
    return len ? write_all(w, payload, len) : 0;
}

static int write_string(wl_writer *w, uint32_t type, const char *s)
{
    return write_frame(w, type, s, strlen(s));
}

static int write_pair(wl_writer *w, uint32_t type, const char *first, const void *second, size_t second_len)
{
    size_t first_len = strlen(first);
    if (write_header(w, type, (uint64_t)first_len + 1 + second_len) != 0)
        return -1;
    if (write_all(w, first, first_len + 1) != 0)
        return -1;
    return second_len ? write_all(w, second, second_len) : 0;
}

/* The copy by hand for files sendfile cannot read. Its own function, so that
 * its 64 KiB buffer is only on the stack when it is used (every page the
 * stack grows into is a page fault). */
static int __attribute__((noinline)) copy_by_hand(wl_writer *w, int module_fd, off_t offset, uint64_t left,
                                                  const char *module_path)
{
    char buf[65536];
    while (left > 0) {
        ssize_t n = pread(module_fd, buf, left < sizeof buf ? (size_t)left : sizeof buf, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(w->err, w->errlen, "reading %s: %s", module_path,
                     n < 0 ? strerror(errno) : "file shrank while it was being read");
            return -1;
        }
        if (write_all(w, buf, (size_t)n) != 0)
            return -1;
        offset += n;
        left -= (uint64_t)n;
    }
    return 0;
}

static int write_module_fd(wl_writer *w, int module_fd, uint64_t size, const char *module_path)
{
    if (write_header(w, WL_MODULE, size) != 0)
        return -1;
    uint64_t left = size;
    off_t offset = 0;
    while (left > 0) {
        ssize_t n = sendfile(w->fd, module_fd, &offset, left > (1u << 30) ? (1u << 30) : (size_t)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EINVAL || errno == ENOSYS))
            break; /* not supported between these files: copy by hand below */
        if (n < 0) {
            snprintf(w->err, w->errlen, "reading %s: %s", module_path, strerror(errno));
            return -1;
        }
        if (n == 0) {
            snprintf(w->err, w->errlen, "%s changed while it was being read", module_path);
            return -1;
        }
        left -= (uint64_t)n;
    }
    return left > 0 ? copy_by_hand(w, module_fd, offset, left, module_path) : 0;
}

static int write_end(wl_writer *w)
{
    return write_header(w, WL_END, 0);
}

/* ---- the request as a whole ---------------------------------------------- */

static int problem_at(wl_problem *p, wl_part part, size_t index, uint64_t value, uint64_t limit)
{
    *p = (wl_problem){part, index, value, limit};
    return -1;
}

/* A name frame: present means 1..WL_MAX_NAME bytes. */
static int check_name(const char *name, wl_part part, wl_problem *p)
{
    size_t len = name ? strlen(name) : 1;
    if (len == 0)
        return problem_at(p, part, 0, 0, 0);
    return len > WL_MAX_NAME ? problem_at(p, part, 0, len, WL_MAX_NAME) : 0;
}

/* Arguments and environment: each string, then their count and bytes with
 * the config's own. */
static int check_strings(const wl_request *r, wl_problem *p)
{
    uint64_t bytes = r->config_strings_bytes;
    for (size_t i = 0; i < r->arg_count; i++) {
        size_t len = strlen(r->args[i]);
        if (len > WL_MAX_STRING)
            return problem_at(p, WL_PART_ARG, i, len, WL_MAX_STRING);
        bytes += len + 1;
    }
    for (size_t i = 0; i < r->env_count; i++) {
        size_t len = strlen(r->env[i]);
        if (len > WL_MAX_STRING)
            return problem_at(p, WL_PART_ENV, i, len, WL_MAX_STRING);
        if (r->env[i][0] == '=' || !strchr(r->env[i], '='))
            return problem_at(p, WL_PART_ENV, i, len, 0);
        bytes += len + 1;
    }
    uint64_t count = (uint64_t)r->config_strings + r->arg_count + r->env_count;
    if (count > WL_MAX_STRINGS)
        return problem_at(p, WL_PART_STRINGS, 0, count, WL_MAX_STRINGS);
    if (bytes > WL_MAX_STRINGS_BYTES)
        return problem_at(p, WL_PART_STRINGS_BYTES, 0, bytes, WL_MAX_STRINGS_BYTES);
    return 0;
}

static int check_dirs(const wl_request *r, wl_problem *p)
{
    if (r->dir_count > WL_MAX_DIRS)
        return problem_at(p, WL_PART_DIRS, 0, r->dir_count, WL_MAX_DIRS);
    for (size_t i = 0; i < r->dir_count; i++) {
        size_t host = strlen(r->dirs[i].host_path), guest = strlen(r->dirs[i].guest_path);
        if (host == 0 || host > WL_MAX_NAME)
            return problem_at(p, WL_PART_DIR_HOST, i, host, host ? WL_MAX_NAME : 0);
        if (guest == 0 || guest > WL_MAX_NAME)
            return problem_at(p, WL_PART_DIR_GUEST, i, guest, guest ? WL_MAX_NAME : 0);
    }
    return 0;
}

static int check_files(const wl_request *r, wl_problem *p)
{
    if (r->file_count > WL_MAX_FILES)
        return problem_at(p, WL_PART_FILES, 0, r->file_count, WL_MAX_FILES);
    for (size_t i = 0; i < r->file_count; i++) {
        size_t len = strlen(r->files[i].name);
        if (len == 0 || len > WL_MAX_NAME)
            return problem_at(p, WL_PART_FILE_NAME, i, len, len ? WL_MAX_NAME : 0);
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->files[j].name, r->files[i].name) == 0)
                return problem_at(p, WL_PART_FILE_NAME, i, len, 0);
        if (r->files[i].size > WL_MAX_FILE)
            return problem_at(p, WL_PART_FILE, i, r->files[i].size, WL_MAX_FILE);
    }
    return 0;
}

/* A secret's name is one file name in /run/secrets: A-Z a-z 0-9 . _ - */
static bool secret_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > WL_MAX_SECRET_NAME || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

static int check_secrets(const wl_request *r, wl_problem *p)
{
    if (r->secret_count > WL_MAX_SECRETS)
        return problem_at(p, WL_PART_SECRETS, 0, r->secret_count, WL_MAX_SECRETS);
    for (size_t i = 0; i < r->secret_count; i++) {
        size_t len = strlen(r->secrets[i].name);
        if (!secret_name_ok(r->secrets[i].name))
            return problem_at(p, WL_PART_SECRET_NAME, i, len, 0);
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->secrets[j].name, r->secrets[i].name) == 0)
                return problem_at(p, WL_PART_SECRET_NAME, i, len, 0);
        if (r->secrets[i].size > WL_MAX_SECRET)
            return problem_at(p, WL_PART_SECRET, i, r->secrets[i].size, WL_MAX_SECRET);
    }
    return 0;
}

int wl_request_check(const wl_request *r, wl_problem *p)
{
    if (r->module_size > WL_MAX_MODULE)
        return problem_at(p, WL_PART_MODULE, 0, r->module_size, WL_MAX_MODULE);
    if (check_name(r->module_name, WL_PART_MODULE_NAME, p) != 0)
        return -1;
    if (r->config && r->config_size > WL_MAX_CONFIG)
        return problem_at(p, WL_PART_CONFIG, 0, r->config_size, WL_MAX_CONFIG);
    if (check_name(r->config_name, WL_PART_CONFIG_NAME, p) != 0 ||
        check_name(r->argv0, WL_PART_ARGV0, p) != 0 || check_strings(r, p) != 0 ||
        check_dirs(r, p) != 0 || check_files(r, p) != 0 || check_secrets(r, p) != 0)
        return -1;
    if (r->log_level >= ENARX_LOG_LEVEL_COUNT)
        return problem_at(p, WL_PART_LOG_LEVEL, 0, (uint64_t)r->log_level, ENARX_LOG_LEVEL_COUNT - 1);
    if (r->engine >= ENARX_ENGINE_COUNT)
        return problem_at(p, WL_PART_ENGINE, 0, (uint64_t)r->engine, ENARX_ENGINE_COUNT - 1);
    return 0;
}

static int write_module(wl_writer *w, const wl_request *r)
{
    const char *name = r->module_name ? r->module_name : "the module";
    if (r->module)
        return write_frame(w, WL_MODULE, r->module, (size_t)r->module_size);
    return write_module_fd(w, r->module_fd, r->module_size, name);
}

/* The frames, in the order enarx has always written them. */
static int write_frames(wl_writer *w, const wl_request *r)
{
    uint8_t level = (uint8_t)r->log_level;
    if (write_magic(w) || (r->log_level >= 0 && write_frame(w, WL_LOG_LEVEL, &level, 1)) ||
        (r->module_name && write_string(w, WL_MODULE_NAME, r->module_name)) || write_module(w, r))
        return -1;
    if (r->config && (write_frame(w, WL_CONFIG, r->config, r->config_size) ||
                      (r->config_name && write_string(w, WL_CONFIG_NAME, r->config_name))))
        return -1;
    for (size_t i = 0; i < r->file_count; i++)
        if (write_pair(w, WL_FILE, r->files[i].name, r->files[i].data, r->files[i].size))
            return -1;
    if (r->argv0 && write_string(w, WL_ARGV0, r->argv0))
        return -1;
    for (size_t i = 0; i < r->dir_count; i++)
        if (write_pair(w, WL_DIR, r->dirs[i].host_path, r->dirs[i].guest_path, strlen(r->dirs[i].guest_path)))
            return -1;
    for (size_t i = 0; i < r->env_count; i++)
        if (write_string(w, WL_ENV, r->env[i]))
            return -1;
    for (size_t i = 0; i < r->arg_count; i++)
        if (write_string(w, WL_ARG, r->args[i]))
            return -1;
    for (size_t i = 0; i < r->secret_count; i++)
        if (write_pair(w, WL_SECRET, r->secrets[i].name, r->secrets[i].data, r->secrets[i].size))
            return -1;
    if (r->digest) {
        uint8_t d[WL_DIGEST_LEN] = {1, 0, 0, 0};
        memcpy(d + 4, r->digest, 32);
        if (write_frame(w, WL_DIGEST, d, sizeof d))
            return -1;
    }
    uint8_t engine = (uint8_t)r->engine;
    if (r->engine > ENARX_ENGINE_AUTO && write_frame(w, WL_ENGINE, &engine, 1))
        return -1;
    return write_end(w);
}

int wl_stream_write(const wl_request *req, int fd, char *err, size_t errlen)
{
    static const char *const parts[] = {
        [WL_PART_MODULE] = "the module", [WL_PART_MODULE_NAME] = "the module's name",
        [WL_PART_CONFIG] = "the config", [WL_PART_CONFIG_NAME] = "the config's name",
        [WL_PART_ARGV0] = "argv[0]", [WL_PART_ARG] = "an argument", [WL_PART_ENV] = "an environment entry",
        [WL_PART_STRINGS] = "the arguments and environment entries",
        [WL_PART_STRINGS_BYTES] = "the bytes of the arguments and environment",
        [WL_PART_DIRS] = "the preopened directories", [WL_PART_DIR_HOST] = "a directory's host path",
        [WL_PART_DIR_GUEST] = "a directory's guest path", [WL_PART_FILES] = "the travelling files",
        [WL_PART_FILE_NAME] = "a travelling file's name", [WL_PART_FILE] = "a travelling file",
        [WL_PART_LOG_LEVEL] = "the log level", [WL_PART_SECRETS] = "the secrets",
        [WL_PART_SECRET_NAME] = "a secret's name", [WL_PART_SECRET] = "a secret",
        [WL_PART_ENGINE] = "the engine tier",
    };
    wl_problem p;
    if (wl_request_check(req, &p) != 0) {
        snprintf(err, errlen, "the workload stream cannot carry %s (entry %zu: %llu, limit %llu)", parts[p.part],
                 p.index, (unsigned long long)p.value, (unsigned long long)p.limit);
        return -1;
    }
    wl_writer w = {fd, err, errlen};
    return write_frames(&w, req);
}
