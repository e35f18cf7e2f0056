/* What the exec sets up for a workload, whatever it came from (Enarx.toml,
 * the command line's development options, or the defaults). */
#ifndef EXEC_WORKLOAD_H
#define EXEC_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec/stream.h"

typedef enum xfile_kind {
    XF_NULL,
    XF_STDIN,
    XF_STDOUT,
    XF_STDERR,
    XF_LISTEN,
    XF_CONNECT,
    XF_DIR,
} xfile_kind;

typedef struct xfile {
    xfile_kind kind;
    char *name;             /* its FD_NAMES entry */
    bool tls;               /* listen/connect: prot = "tls" */
    char *host;             /* connect: host; listen: address */
    uint16_t port;
    char *host_path;        /* dir: directory on the host */
    char *guest_path;       /* dir: the name the guest sees */
    uint8_t *anchors;       /* connect tls: PEM trust anchors, or NULL for the built-in bundle */
    size_t anchors_len;
    char where[96];         /* "Enarx.toml:12:1", for messages */
} xfile;

typedef struct workload {
    xfile *files;
    size_t file_count;
    char **args;            /* after argv[0] */
    size_t arg_count;
    char **env;             /* NAME=VALUE */
    size_t env_count;
    bool from_config;       /* an Enarx.toml was given: FD_COUNT/FD_NAMES are set */
    int engine;             /* Enarx.toml's `engine` (enum enarx_engine_tier; 0: auto) */
} workload;

/* Builds the workload description from the stream: its Enarx.toml (if any)
 * then the development options. Returns 0, or 2 (configuration error) / 1
 * with a message in err. */
int workload_from_stream(const wl_stream *stream, workload *out, char *err, size_t errlen);
void workload_free(workload *w);

/* Filled by the Enarx.toml reader (config_bridge.c). Returns 0 or 2. */
int workload_from_toml(const char *text, size_t len, const char *file_name,
                       const wl_stream *stream, workload *out, char *err, size_t errlen);

/* Helpers for builders. */
xfile *workload_add_file(workload *w, xfile_kind kind, const char *name);
int workload_add_string(char ***list, size_t *count, const char *s);

#endif
