/* Reads the workload stream from an untrusted host. Every length is checked
 * against its limit before anything is allocated; every string is checked for
 * embedded NULs; duplicates of once-only frames are refused. */
#include "exec/stream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/engine_tier.h"
#include "abi/log_level.h"
#include "abi/workload_stream.h"
#include "exec/grow.h"

typedef struct reader {
    wl_read_fn read_fn;
    void *source;
    uint64_t offset;
    char *err;
    size_t errlen;
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(reader *r, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "workload stream, byte %llu: %s", (unsigned long long)r->offset, msg);
    return -1;
}

static int read_exact(reader *r, void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = r->read_fn(r->source, p + done, len - done);
        if (n < 0)
            return fail(r, "read failed: %s", strerror((int)-n));
        if (n == 0)
            return fail(r, "truncated (expected %zu more bytes)", len - done);
        if ((size_t)n > len - done)
            return fail(r, "reader returned more than asked");
        done += (size_t)n;
        r->offset += (uint64_t)n;
    }
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static const char *frame_name(uint32_t type)
{
    static const char *const names[WL_FRAME_TYPE_COUNT] = {
        "END", "MODULE", "MODULE_NAME", "CONFIG", "CONFIG_NAME", "ARG",
        "ENV", "DIR", "ARGV0", "LOG_LEVEL", "FILE", "SECRET", "DIGEST", "ENGINE",
    };
    return type < WL_FRAME_TYPE_COUNT ? names[type] : "unknown";
}

static uint64_t frame_limit(uint32_t type)
{
    switch (type) {
    case WL_END: return 0;
    case WL_MODULE: return WL_MAX_MODULE;
    case WL_CONFIG: return WL_MAX_CONFIG;
    case WL_MODULE_NAME:
    case WL_CONFIG_NAME:
    case WL_ARGV0: return WL_MAX_NAME;
    case WL_ARG:
    case WL_ENV: return WL_MAX_STRING;
    case WL_DIR: return 2 * (uint64_t)WL_MAX_NAME + 1;
    case WL_LOG_LEVEL:
    case WL_ENGINE: return 1;
    case WL_FILE: return (uint64_t)WL_MAX_NAME + 1 + WL_MAX_FILE;
    case WL_SECRET: return (uint64_t)WL_MAX_SECRET_NAME + 1 + WL_MAX_SECRET;
    case WL_DIGEST: return WL_DIGEST_LEN;
    default: return 0;
    }
}

/* Reads a payload into a fresh buffer with a NUL appended; NULL on failure. */
static uint8_t *read_payload(reader *r, size_t len)
{
    uint8_t *buf = malloc(len + 1);
    if (!buf) {
        fail(r, "out of memory for a %zu-byte frame", len);
        return NULL;
    }
    if (read_exact(r, buf, len) != 0) {
        free(buf);
        return NULL;
    }
    buf[len] = 0;
    return buf;
}

static bool has_nul(const uint8_t *p, size_t len)
{
    return memchr(p, 0, len) != NULL;
}

static int push_string(reader *r, char ***list, size_t *count, uint8_t **payload)
{
    char **grown = grow_array(*list, *count, sizeof **list);
    if (!grown)
        return fail(r, "out of memory");
    grown[(*count)++] = (char *)*payload;
    *payload = NULL;
    *list = grown;
    return 0;
}

/* Frames that keep their buffer take it from *payload (left NULL). */
static int take_once(reader *r, char **slot, uint8_t **payload, size_t len, uint32_t type)
{
    if (*slot)
        return fail(r, "duplicate %s frame", frame_name(type));
    if (has_nul(*payload, len))
        return fail(r, "%s contains a NUL byte", frame_name(type));
    if (len == 0)
        return fail(r, "empty %s frame", frame_name(type));
    *slot = (char *)*payload;
    *payload = NULL;
    return 0;
}

static int take_dir(reader *r, wl_stream *s, const uint8_t *payload, size_t len)
{
    if (s->dir_count >= WL_MAX_DIRS)
        return fail(r, "more than %u DIR frames", WL_MAX_DIRS);
    const uint8_t *sep = memchr(payload, 0, len);
    if (!sep)
        return fail(r, "DIR frame without a NUL between host and guest path");
    size_t host_len = (size_t)(sep - payload), guest_len = len - host_len - 1;
    if (host_len == 0 || guest_len == 0 || host_len > WL_MAX_NAME || guest_len > WL_MAX_NAME)
        return fail(r, "DIR frame with an empty or too long path");
    if (has_nul(sep + 1, guest_len))
        return fail(r, "DIR guest path contains a NUL byte");
    wl_dir *grown = grow_array(s->dirs, s->dir_count, sizeof *grown);
    if (!grown)
        return fail(r, "out of memory");
    s->dirs = grown;
    char *host = strdup((const char *)payload), *guest = strdup((const char *)sep + 1);
    if (!host || !guest) {
        free(host);
        free(guest);
        return fail(r, "out of memory");
    }
    s->dirs[s->dir_count].host_path = host;
    s->dirs[s->dir_count].guest_path = guest;
    s->dir_count++;
    return 0;
}

/* FILE and SECRET frames: NAME NUL BYTES, the names unique in their list. */
typedef struct named_frame {
    const char *frame;
    size_t max_count, max_data;
    bool (*name_ok)(const char *name, size_t len);
    const char *name_rule; /* for the message */
} named_frame;

static int take_named(reader *r, wl_file **list, size_t *count, const named_frame *k, const uint8_t *payload,
                      size_t len)
{
    if (*count >= k->max_count)
        return fail(r, "more than %zu %s frames", k->max_count, k->frame);
    const uint8_t *sep = memchr(payload, 0, len);
    if (!sep || !k->name_ok((const char *)payload, (size_t)(sep - payload)))
        return fail(r, "%s frame without a valid name (%s)", k->frame, k->name_rule);
    size_t name_len = (size_t)(sep - payload), data_len = len - name_len - 1;
    if (data_len > k->max_data)
        return fail(r, "%s frame of %zu bytes exceeds %zu", k->frame, data_len, k->max_data);
    for (size_t i = 0; i < *count; i++)
        if (strcmp((*list)[i].name, (const char *)payload) == 0)
            return fail(r, "duplicate %s frame '%s'", k->frame, (const char *)payload);
    wl_file *grown = grow_array(*list, *count, sizeof *grown);
    if (!grown)
        return fail(r, "out of memory");
    *list = grown;
    char *name = strdup((const char *)payload);
    uint8_t *data = malloc(data_len + 1);
    if (!name || !data) {
        free(name);
        free(data);
        return fail(r, "out of memory");
    }
    memcpy(data, sep + 1, data_len);
    data[data_len] = 0;
    (*list)[(*count)++] = (wl_file){name, data, data_len};
    return 0;
}

static bool file_name_ok(const char *name, size_t len)
{
    (void)name;
    return len > 0 && len <= WL_MAX_NAME;
}

/* A secret's name becomes a file name in /run/secrets: one plain component. */
static bool secret_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > WL_MAX_SECRET_NAME || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static const named_frame file_frame = {"FILE", WL_MAX_FILES, WL_MAX_FILE, file_name_ok, "1..4096 bytes"};
static const named_frame secret_frame = {"SECRET", WL_MAX_SECRETS, WL_MAX_SECRET, secret_name_ok,
                                         "1..255 of A-Z a-z 0-9 . _ -"};

static int take_digest(reader *r, wl_stream *s, const uint8_t *payload, size_t len)
{
    if (s->has_digest)
        return fail(r, "duplicate DIGEST frame");
    if (len != WL_DIGEST_LEN || le32(payload) != 1)
        return fail(r, "DIGEST must be alg 1 (SHA-256) and 32 bytes");
    memcpy(s->digest, payload + 4, sizeof s->digest);
    s->has_digest = true;
    return 0;
}

/* Stores one frame. Whatever the frame keeps it takes from *pp (leaving
 * NULL); the caller frees what is left. */
static int take_frame(reader *r, wl_stream *s, uint32_t type, uint8_t **pp, size_t len,
                      uint64_t *strings_bytes)
{
    const uint8_t *payload = *pp;
    switch (type) {
    case WL_MODULE:
        if (s->module)
            return fail(r, "duplicate MODULE frame");
        s->module = *pp;
        s->module_size = len;
        *pp = NULL;
        return 0;
    case WL_CONFIG:
        if (s->config)
            return fail(r, "duplicate CONFIG frame");
        s->config = (char *)*pp;
        s->config_size = len;
        *pp = NULL;
        return 0;
    case WL_MODULE_NAME: return take_once(r, &s->module_name, pp, len, type);
    case WL_CONFIG_NAME: return take_once(r, &s->config_name, pp, len, type);
    case WL_ARGV0: return take_once(r, &s->argv0, pp, len, type);
    case WL_ARG:
    case WL_ENV:
        if (has_nul(payload, len))
            return fail(r, "%s contains a NUL byte", frame_name(type));
        if (s->arg_count + s->env_count >= WL_MAX_STRINGS)
            return fail(r, "more than %u arguments and environment entries", WL_MAX_STRINGS);
        *strings_bytes += len + 1;
        if (*strings_bytes > WL_MAX_STRINGS_BYTES)
            return fail(r, "arguments and environment exceed %u bytes", WL_MAX_STRINGS_BYTES);
        if (type == WL_ENV) {
            const char *eq = memchr(payload, '=', len);
            if (!eq || eq == (const char *)payload)
                return fail(r, "ENV frame is not NAME=VALUE");
            return push_string(r, &s->env, &s->env_count, pp);
        }
        return push_string(r, &s->args, &s->arg_count, pp);
    case WL_DIR: return take_dir(r, s, payload, len);
    case WL_FILE: return take_named(r, &s->files, &s->file_count, &file_frame, payload, len);
    case WL_SECRET: return take_named(r, &s->secrets, &s->secret_count, &secret_frame, payload, len);
    case WL_DIGEST: return take_digest(r, s, payload, len);
    case WL_LOG_LEVEL:
        if (s->log_level >= 0)
            return fail(r, "duplicate LOG_LEVEL frame");
        if (len != 1 || payload[0] >= ENARX_LOG_LEVEL_COUNT)
            return fail(r, "LOG_LEVEL must be one byte 0..4");
        s->log_level = payload[0];
        return 0;
    case WL_ENGINE:
        if (s->engine >= 0)
            return fail(r, "duplicate ENGINE frame");
        if (len != 1 || payload[0] >= ENARX_ENGINE_COUNT)
            return fail(r, "ENGINE must be one byte 0..%d", ENARX_ENGINE_COUNT - 1);
        s->engine = payload[0];
        return 0;
    default:
        return fail(r, "unknown frame type %u", type);
    }
}

int wl_stream_read(wl_stream *out, wl_read_fn read_fn, void *source, char *err, size_t errlen)
{
    reader r = {read_fn, source, 0, err, errlen};
    wl_stream s;
    memset(&s, 0, sizeof s);
    s.log_level = -1;
    s.engine = -1;
    memset(out, 0, sizeof *out);
    out->log_level = -1;
    out->engine = -1;

    uint8_t magic[WL_MAGIC_LEN];
    if (read_exact(&r, magic, sizeof magic) != 0)
        goto failed;
    if (memcmp(magic, WL_MAGIC, WL_MAGIC_LEN) != 0) {
        fail(&r, "bad magic (not a workload stream, or another version)");
        goto failed;
    }
    uint64_t strings_bytes = 0;
    for (;;) {
        uint8_t header[WL_FRAME_HEADER_LEN];
        uint64_t frame_offset = r.offset;
        if (read_exact(&r, header, sizeof header) != 0)
            goto failed;
        uint32_t type = le32(header), reserved = le32(header + 4);
        uint64_t len = le64(header + 8);
        r.offset = frame_offset;
        if (type >= WL_FRAME_TYPE_COUNT) {
            fail(&r, "unknown frame type %u", type);
            goto failed;
        }
        if (reserved != 0) {
            fail(&r, "%s frame has non-zero reserved field", frame_name(type));
            goto failed;
        }
        if (len > frame_limit(type)) {
            fail(&r, "%s frame of %llu bytes exceeds its limit of %llu", frame_name(type),
                 (unsigned long long)len, (unsigned long long)frame_limit(type));
            goto failed;
        }
        r.offset = frame_offset + WL_FRAME_HEADER_LEN;
        if (type == WL_END)
            break;
        uint8_t *payload = read_payload(&r, (size_t)len);
        if (!payload)
            goto failed;
        r.offset = frame_offset;
        int taken = take_frame(&r, &s, type, &payload, (size_t)len, &strings_bytes);
        if (payload && type == WL_SECRET)
            explicit_bzero(payload, (size_t)len);
        free(payload);
        if (taken != 0)
            goto failed;
        r.offset = frame_offset + WL_FRAME_HEADER_LEN + len;
    }
    if (!s.module) {
        fail(&r, "no MODULE frame");
        goto failed;
    }
    *out = s;
    return 0;

failed:
    wl_stream_free(&s);
    return -1;
}

void wl_stream_free(wl_stream *s)
{
    free(s->module);
    free(s->module_name);
    free(s->config);
    free(s->config_name);
    free(s->argv0);
    for (size_t i = 0; i < s->arg_count; i++)
        free(s->args[i]);
    free(s->args);
    for (size_t i = 0; i < s->env_count; i++)
        free(s->env[i]);
    free(s->env);
    for (size_t i = 0; i < s->dir_count; i++) {
        free(s->dirs[i].host_path);
        free(s->dirs[i].guest_path);
    }
    free(s->dirs);
    for (size_t i = 0; i < s->file_count; i++) {
        free(s->files[i].name);
        free(s->files[i].data);
    }
    free(s->files);
    for (size_t i = 0; i < s->secret_count; i++) {
        free(s->secrets[i].name);
        if (s->secrets[i].data)
            explicit_bzero(s->secrets[i].data, s->secrets[i].size);
        free(s->secrets[i].data);
    }
    free(s->secrets);
    memset(s, 0, sizeof *s);
    s->log_level = -1;
}

ssize_t wl_read_fd(void *source, void *buf, size_t len)
{
    int fd = *(const int *)source;
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}
