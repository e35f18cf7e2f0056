/* Host side of the workload stream (format: src/abi/workload_stream.h): one
 * call writes a whole workload, the mirror of the exec's wl_stream_read.
 *
 *   wl_request req = {.module_fd = fd, .module_size = size, .args = ..., ...};
 *   wl_problem p;
 *   if (wl_request_check(&req, &p) != 0) -> p says which field breaks which limit
 *   if (wl_stream_write(&req, out_fd, err, sizeof err) != 0) -> err says why
 */
#ifndef BACKEND_WORKLOAD_STREAM_H
#define BACKEND_WORKLOAD_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* A directory to preopen: HOST-PATH on the host, GUEST-PATH for the workload. */
typedef struct wl_request_dir {
    const char *host_path;
    const char *guest_path;
} wl_request_dir;

/* A file that travels with the workload (e.g. trust anchors Enarx.toml names). */
typedef struct wl_request_file {
    const char *name;
    const uint8_t *data;
    size_t size;
} wl_request_file;

typedef struct wl_request {
    /* The module: `module` bytes, or (when NULL) `module_size` bytes of the
     * file `module_fd` from offset 0, copied by the kernel where it can. */
    const uint8_t *module;
    int module_fd;
    uint64_t module_size;
    const char *module_name;       /* for the exec's messages; NULL: not sent */
    const char *config;            /* Enarx.toml text; NULL: none */
    size_t config_size;
    const char *config_name;       /* its path; NULL: not sent */
    /* How many arguments and environment entries the config adds, and their
     * bytes (a NUL counted for each): one limit covers them and the ones
     * below together (abi/workload_stream.h). */
    size_t config_strings;
    uint64_t config_strings_bytes;
    const char *argv0;             /* NULL: the exec's default */
    const char *const *args;       /* after argv[0] and the config's args */
    size_t arg_count;
    const char *const *env;        /* NAME=VALUE */
    size_t env_count;
    const wl_request_dir *dirs;
    size_t dir_count;
    const wl_request_file *files;
    size_t file_count;
    int log_level;                 /* an enum enarx_log_level; -1: not sent */
    /* `enarx deploy` only (inside the attested channel): secrets the
     * workload reads as /run/secrets/NAME, and the module's SHA-256. */
    const wl_request_file *secrets;
    size_t secret_count;
    const uint8_t *digest;         /* 32 bytes, or NULL */
    int engine;                    /* an enum enarx_engine_tier; <= 0 (auto): not sent */
} wl_request;

/* Which part of a request breaks a limit of the format. */
typedef enum wl_part {
    WL_PART_MODULE,          /* value = its size */
    WL_PART_MODULE_NAME,     /* value = its length (0: empty) */
    WL_PART_CONFIG,
    WL_PART_CONFIG_NAME,
    WL_PART_ARGV0,
    WL_PART_ARG,             /* args[index] */
    WL_PART_ENV,             /* env[index]; limit 0: not NAME=VALUE */
    WL_PART_STRINGS,         /* value = arguments and environment entries, config included */
    WL_PART_STRINGS_BYTES,   /* value = their bytes */
    WL_PART_DIRS,            /* value = how many */
    WL_PART_DIR_HOST,        /* dirs[index].host_path */
    WL_PART_DIR_GUEST,       /* dirs[index].guest_path */
    WL_PART_FILES,           /* value = how many */
    WL_PART_FILE_NAME,       /* files[index].name; limit 0: a duplicate */
    WL_PART_FILE,            /* files[index].data */
    WL_PART_LOG_LEVEL,
    WL_PART_SECRETS,         /* value = how many */
    WL_PART_SECRET_NAME,     /* secrets[index].name; limit 0: a duplicate or a bad name */
    WL_PART_SECRET,          /* secrets[index].data */
    WL_PART_ENGINE,
} wl_part;

typedef struct wl_problem {
    wl_part part;
    size_t index;            /* which entry of a list */
    uint64_t value;          /* what the request has */
    uint64_t limit;          /* what the format allows (0: must not be empty) */
} wl_problem;

/* Checks a request against every limit of the format, so that the caller can
 * say in its user's words what is wrong. Returns 0, or -1 with *problem set
 * (the first problem found, in the order the fields are declared). */
int wl_request_check(const wl_request *req, wl_problem *problem);

/* Writes the whole stream for `req` to fd: magic, frames, end. A request
 * wl_request_check refuses is refused before anything is written. Returns 0,
 * or -1 with a message in err. */
int wl_stream_write(const wl_request *req, int fd, char *err, size_t errlen);

#endif
