/* WASI preview 1 (wasi_snapshot_preview1) on top of the engine API.
 *
 * The exec builds a context (arguments, environment, descriptors in WASI fd
 * order), links a module's imports against it, and runs the module. Every
 * guest pointer and length is checked against linear memory; paths never
 * leave their preopened directory (see docs/wasi.md). */
#ifndef WASI_WASI_H
#define WASI_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/wasm.h"

typedef struct wasi_ctx wasi_ctx;
struct tls_server;
struct tls_conn;

wasi_ctx *wasi_ctx_new(void);
/* Closes every descriptor the context still holds (TLS ones with close_notify). */
void wasi_ctx_free(wasi_ctx *ctx);

/* 0 on success, -1 when out of memory. Strings are copied. */
int wasi_ctx_push_arg(wasi_ctx *ctx, const char *arg);
int wasi_ctx_push_env(wasi_ctx *ctx, const char *name_eq_value);

/* Descriptors are numbered in the order they are added (0, 1, 2, ...). Each
 * returns the new WASI fd, or -1 (out of memory). The context takes ownership
 * of host file descriptors and TLS objects. */
int wasi_ctx_add_stdio(wasi_ctx *ctx, int host_fd);
int wasi_ctx_add_null(wasi_ctx *ctx);
int wasi_ctx_add_preopen(wasi_ctx *ctx, int host_dirfd, const char *guest_path);
/* A listening socket (non-blocking); tls == NULL for plain TCP. */
int wasi_ctx_add_listener(wasi_ctx *ctx, int sockfd, struct tls_server *tls);
/* A connected stream socket (non-blocking); tls == NULL for plain TCP. */
int wasi_ctx_add_stream(wasi_ctx *ctx, int sockfd, struct tls_conn *tls);

/* A byte channel the embedder provides in place of a host descriptor (the
 * exec's deploy mode: stdio multiplexed over the attested connection, so the
 * host never holds them). The context does not own it: it must outlive the
 * context. */
typedef struct wasi_channel {
    /* > 0 bytes read, 0 at end of stream, or -errno; waits unless nonblock
     * (then -EAGAIN when nothing is there). */
    long (*read)(void *opaque, void *buf, size_t len, bool nonblock);
    /* > 0 bytes written (all of them, waiting as needed), or -errno. */
    long (*write)(void *opaque, const void *buf, size_t len);
    /* A read would not wait. May take in what has arrived, without waiting. */
    bool (*readable)(void *opaque);
    /* A host descriptor to wait on while not readable (-1: none). */
    int (*poll_fd)(void *opaque);
    void *opaque;
} wasi_channel;
int wasi_ctx_add_channel(wasi_ctx *ctx, const wasi_channel *chan);

/* A read-only directory held in memory (the exec's /run/secrets in deploy
 * mode: secrets never reach the host). One level of plain file names; the
 * files are not copied and must outlive the context. */
typedef struct wasi_mem_file {
    const char *name;
    const uint8_t *data;
    size_t size;
} wasi_mem_file;
int wasi_ctx_add_mem_dir(wasi_ctx *ctx, const char *guest_path, const wasi_mem_file *files, size_t count);

/* Log every WASI call with its result on fd log_fd (trace level). */
void wasi_ctx_set_trace(wasi_ctx *ctx, int log_fd);

/* Resolves module's imports: every one must be a wasi_snapshot_preview1
 * function with its specified type. On success *imports (free() it) holds
 * wasm_module_import_count(module) externs for wasm_instantiate. Returns 0,
 * or -1 with a message in err naming the offending import. */
int wasi_link(wasi_ctx *ctx, wasm_store *store, const wasm_module *module,
              wasm_extern **imports, char *err, size_t errlen);

/* Names of the preview1 functions this layer implements (NULL-terminated). */
extern const char *const wasi_function_names[];

#endif
