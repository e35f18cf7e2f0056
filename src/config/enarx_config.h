/* Enarx.toml: a workload's configuration (arguments, environment, the files
 * it starts with, its Steward, its TLS trust anchors).
 *
 * The schema follows upstream Enarx's `enarx-config` crate (every key, its
 * defaults, unknown keys and kinds rejected), plus the `dir` kind and TLS
 * trust anchors; docs/config.md is the reference for users.
 *
 *   enarx_config_error err;
 *   enarx_config *c = enarx_config_parse(text, size, "Enarx.toml", &err);
 *   if (!c) { fprintf(stderr, "%s\n", err.message); ... }
 *   for (size_t fd = 0; fd < c->file_count; fd++) ... c->files[fd] ...
 *   enarx_config_free(c);
 *
 * The parser depends on libc only, so the Keep's static runtime can parse the
 * (untrusted) text itself rather than trust a host-side parse. Everything a
 * config points to lives until enarx_config_free. */
#ifndef CONFIG_ENARX_CONFIG_H
#define CONFIG_ENARX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upstream's limit on Enarx.toml's size, which bounds everything else. */
#define ENARX_CONFIG_MAX_SIZE 1000000
/* At most this many files (WASI fds) in `files`. */
#define ENARX_CONFIG_MAX_FILES 1024

typedef enum enarx_file_kind {
    ENARX_FILE_NULL,    /* reads nothing, swallows writes */
    ENARX_FILE_STDIN,   /* the host's stdin */
    ENARX_FILE_STDOUT,  /* the host's stdout */
    ENARX_FILE_STDERR,  /* the host's stderr */
    ENARX_FILE_LISTEN,  /* a listening TCP (or TLS) socket */
    ENARX_FILE_CONNECT, /* a connected TCP (or TLS) stream */
    ENARX_FILE_DIR,     /* a preopened host directory (ours, not upstream's) */
} enarx_file_kind;

typedef enum enarx_prot {
    ENARX_PROT_NONE, /* kinds without a protocol */
    ENARX_PROT_TCP,
    ENARX_PROT_TLS,
} enarx_prot;

/* A TLS trust anchor: a CA certificate given by path or inline PEM. */
typedef struct enarx_trust_anchor {
    bool is_pem;       /* true: `value` is PEM text; false: a path to a PEM file */
    const char *value; /* paths as written; see enarx_config_resolve_path */
    unsigned line, column;
} enarx_trust_anchor;

typedef struct enarx_file {
    enarx_file_kind kind;
    /* Its name in FD_NAMES (never contains ':'); for `dir`, the guest path
     * the directory is preopened as. Defaults: the kind's name for null and
     * stdio, `host` for connect. */
    const char *name;
    enarx_prot prot;  /* listen, connect */
    const char *addr; /* listen: the IP address to bind (default "::") */
    const char *host; /* connect: host name or IP address; dir: the host directory */
    uint16_t port;    /* listen, connect (default 80 for tcp, 443 for tls) */
    /* connect + tls: this file's own trust anchors (`ca`, `ca-pem`). When
     * there are none, enarx_config_trust_anchors gives the [tls] defaults. */
    const enarx_trust_anchor *ca;
    size_t ca_count;
    unsigned line, column; /* where the entry starts in the file (0 for defaults) */
} enarx_file;

typedef struct enarx_env {
    const char *name;
    const char *value;
} enarx_env;

typedef struct enarx_url {
    const char *text;   /* as written */
    const char *scheme; /* "https", or "http" for a loopback host */
    const char *host;   /* lower case; IPv6 without brackets */
    uint16_t port;      /* as written or the scheme's default */
    const char *path;   /* path, query and fragment; "/" when empty */
} enarx_url;

typedef struct enarx_config {
    const char *const *args; /* argv[1..]; argv[0] is "main.wasm" */
    size_t arg_count;
    const enarx_env *env; /* in document order */
    size_t env_count;
    bool has_steward;
    enarx_url steward;
    const enarx_file *files; /* files[i] is WASI fd i */
    size_t file_count;
    const enarx_trust_anchor *tls_ca; /* [tls] ca / ca-pem: defaults for connect + tls */
    size_t tls_ca_count;
    int engine; /* `engine`: an enum enarx_engine_tier (abi/engine_tier.h); 0 (auto) if absent */
} enarx_config;

typedef struct enarx_config_error {
    unsigned line, column; /* 0 when the problem is not at one place */
    /* Complete and ready to print, e.g.
     * Enarx.toml:7:8: files[2]: unknown kind "pipe"; expected one of null, ... */
    char message[512];
} enarx_config_error;

/* Parses and checks Enarx.toml text (need not be NUL-terminated). `filename`
 * only names the file in messages (NULL: "Enarx.toml"). Returns NULL and
 * fills err (if not NULL) on any problem. */
enarx_config *enarx_config_parse(const char *text, size_t size, const char *filename,
                                 enarx_config_error *err);

/* Reads `path` (a regular file of at most ENARX_CONFIG_MAX_SIZE bytes: a
 * FIFO or device is refused, never waited on) and parses it. */
enarx_config *enarx_config_read_file(const char *path, enarx_config_error *err);

/* The configuration of a workload that has no Enarx.toml: files stdin,
 * stdout, stderr; no arguments, environment or Steward. NULL if out of memory. */
enarx_config *enarx_config_default(void);

void enarx_config_free(enarx_config *config);

/* The values of the FD_COUNT and FD_NAMES environment variables the
 * workload gets: "3" and "stdin:stdout:stderr". Like snprintf: write at most
 * `size` bytes including the NUL and return the full length. */
size_t enarx_config_fd_count_value(const enarx_config *config, char *buf, size_t size);
size_t enarx_config_fd_names_value(const enarx_config *config, char *buf, size_t size);

/* The trust anchors for a connect + tls file: its own, else [tls]'s. Zero
 * means the runtime's built-in default roots. */
const enarx_trust_anchor *enarx_config_trust_anchors(const enarx_config *config,
                                                     const enarx_file *file, size_t *count);

/* Paths in Enarx.toml (`dir` hosts, `ca` files) are relative to the directory
 * holding it. Writes `path` resolved against `config_path`'s directory into
 * out; false if it does not fit. */
bool enarx_config_resolve_path(const char *config_path, const char *path, char *out, size_t size);

const char *enarx_file_kind_name(enarx_file_kind kind); /* "null", "stdin", ... */
const char *enarx_prot_name(enarx_prot prot);           /* "", "tcp", "tls" */

/* The commented Enarx.toml that `enarx config init` writes. */
const char *enarx_config_template(void);

#endif
