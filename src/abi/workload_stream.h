/* SHARED BY HOST AND KEEP: the workload stream, how a host hands a workload
 * to the exec. Self-contained (only <stdint.h>); no code. Documented with the
 * other shared formats in docs/abi.md.
 *
 * Writer: the host (src/backend/workload_stream.c, wl_stream_write).
 * Reader: the exec in the Keep (src/exec/stream.c, wl_stream_read), which
 * trusts nothing in it: every length is checked against the limits below
 * before anything is allocated or copied.
 *
 * One byte stream, read by the exec from file descriptor 3 (WL_STREAM_FD)
 * until an END frame. Under `nil` it is a memfd written by the CLI; inside a
 * VM-based Keep the same reads are served by the host through the sallyport.
 *
 *   stream  = magic frame* end
 *   magic   = "ENARXWL1"                          8 bytes
 *   frame   = type:u32le  reserved:u32le (=0)  length:u64le  payload[length]
 *   end     = frame of type WL_END with length 0
 *
 * Versioning: the magic carries the version ("ENARXWL1"). A reader refuses
 * another magic, unknown frame types and non-zero reserved fields. A new
 * frame type may be added under the same magic (an older reader refuses it
 * by its type, loudly: SECRET and DIGEST came so); a changed payload layout
 * or limit takes a new magic. */
#ifndef ABI_WORKLOAD_STREAM_H
#define ABI_WORKLOAD_STREAM_H

#include <stdint.h>

#define WL_STREAM_FD 3
#define WL_MAGIC "ENARXWL1"
#define WL_MAGIC_LEN 8
#define WL_FRAME_HEADER_LEN 16

enum wl_frame_type {
    WL_END = 0,         /* no payload; ends the stream */
    WL_MODULE = 1,      /* the .wasm bytes; exactly once */
    WL_MODULE_NAME = 2, /* the module's file name, for messages only */
    WL_CONFIG = 3,      /* Enarx.toml text; at most once */
    WL_CONFIG_NAME = 4, /* the config's path: for messages, and the base of its relative paths */
    WL_ARG = 5,         /* one workload argument (after argv[0] and the config's args) */
    WL_ENV = 6,         /* one NAME=VALUE added to the workload's environment */
    WL_DIR = 7,         /* a directory to preopen: HOST-PATH NUL GUEST-PATH */
    WL_ARGV0 = 8,       /* argv[0] (default "main.wasm") */
    WL_LOG_LEVEL = 9,   /* one byte: an enum enarx_log_level (abi/log_level.h) */
    WL_FILE = 10,       /* a file that travels with the workload: NAME NUL BYTES */
    WL_SECRET = 11,     /* deploy only, inside the attested channel: NAME NUL BYTES,
                           read by the workload as /run/secrets/NAME */
    WL_DIGEST = 12,     /* deploy only: alg:u32le (1 = SHA-256) digest[32] of the MODULE
                           bytes, as the client computed it; the exec checks it */
    WL_ENGINE = 13,     /* one byte: an enum enarx_engine_tier (abi/engine_tier.h);
                         * written only when not auto, so default streams are
                         * unchanged; at most once */
    WL_FRAME_TYPE_COUNT
};

/* Limits. The reader checks each frame's length against its limit before it
 * allocates anything. WL_MAX_STRING, WL_MAX_STRINGS and WL_MAX_STRINGS_BYTES
 * bound the workload's arguments and environment however they arrive:
 * Enarx.toml's `args` and `env` and the stream's ARG and ENV frames count
 * together (the host checks them before it writes, the exec again after it
 * has read the stream and the config). */
#define WL_MAX_MODULE (256u << 20)      /* 256 MiB */
#define WL_MAX_CONFIG (1u << 20)        /* 1 MiB */
#define WL_MAX_NAME 4096u               /* file names, argv0, dir paths */
#define WL_MAX_STRING (128u << 10)      /* one argument or one NAME=VALUE entry */
#define WL_MAX_STRINGS 65536u           /* arguments plus environment entries */
#define WL_MAX_STRINGS_BYTES (16u << 20) /* their total size, a NUL counted for each */
#define WL_MAX_DIRS 256u
#define WL_MAX_FILE (1u << 20)          /* one travelling file (e.g. trust anchors) */
#define WL_MAX_FILES 64u
#define WL_MAX_SECRET (1u << 20)        /* one secret */
#define WL_MAX_SECRETS 64u
#define WL_MAX_SECRET_NAME 255u         /* [A-Za-z0-9._-], not "." or ".." */
#define WL_DIGEST_LEN 36u               /* alg:u32le + 32 bytes */

#endif
