/* Keep side of the workload stream (format: abi/workload_stream.h). */
#ifndef EXEC_STREAM_H
#define EXEC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct wl_dir {
    char *host_path;
    char *guest_path;
} wl_dir;

typedef struct wl_file {
    char *name;
    uint8_t *data;
    size_t size;
} wl_file;

typedef struct wl_stream {
    uint8_t *module;
    size_t module_size;
    char *module_name;   /* NULL if not sent */
    char *config;        /* NUL-terminated copy; NULL if not sent */
    size_t config_size;
    char *config_name;
    char *argv0;         /* NULL: the default, "main.wasm" */
    char **args;         /* workload arguments from the command line */
    size_t arg_count;
    char **env;          /* NAME=VALUE from the command line */
    size_t env_count;
    wl_dir *dirs;
    size_t dir_count;
    wl_file *files;
    size_t file_count;
    wl_file *secrets;    /* deploy only: read by the workload as /run/secrets/NAME */
    size_t secret_count;
    bool has_digest;     /* deploy only: the client's SHA-256 of the module */
    uint8_t digest[32];
    int log_level;       /* -1 if not sent */
    int engine;          /* an enum enarx_engine_tier; -1 if not sent */
} wl_stream;

/* Reads up to len bytes; returns the count, 0 at end of input, or -errno. */
typedef ssize_t (*wl_read_fn)(void *source, void *buf, size_t len);

/* Reads and checks a whole stream. Returns 0, or -1 with a message in err.
 * On failure out is left empty (nothing to free). */
int wl_stream_read(wl_stream *out, wl_read_fn read_fn, void *source, char *err, size_t errlen);
void wl_stream_free(wl_stream *stream);

/* A wl_read_fn over a file descriptor (retries EINTR). source = (int *)fd. */
ssize_t wl_read_fd(void *source, void *buf, size_t len);

#endif
