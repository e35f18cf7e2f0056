/* The workload stream: how a host hands a workload to the exec.
 *
 * One byte stream, read by the exec from file descriptor 3 (WL_STREAM_FD)
 * until an END frame. Under `nil` it is a memfd written by the CLI; inside a
 * VM-based Keep the same reads are served by the host through the sallyport.
 * The host is untrusted: the exec checks every length against the limits
 * below before it allocates or copies anything (src/exec/stream.c).
 *
 *   stream  = magic frame* end
 *   magic   = "ENARXWL1"                          8 bytes
 *   frame   = type:u32le  reserved:u32le (=0)  length:u64le  payload[length]
 *   end     = frame of type WL_END with length 0
 *
 * This header is the whole wire format; the host-side writer lives in
 * src/backend/workload_stream.c, the Keep-side reader in src/exec/stream.c. */
#ifndef EXEC_STREAM_FORMAT_H
#define EXEC_STREAM_FORMAT_H

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
    WL_CONFIG_NAME = 4, /* the config's file name, for messages only */
    WL_ARG = 5,         /* one workload argument (after argv[0] and the config's args) */
    WL_ENV = 6,         /* one NAME=VALUE added to the workload's environment */
    WL_DIR = 7,         /* a directory to preopen: HOST-PATH NUL GUEST-PATH */
    WL_ARGV0 = 8,       /* argv[0] (default "main.wasm") */
    WL_LOG_LEVEL = 9,   /* one byte: 0 error, 1 warn, 2 info, 3 debug, 4 trace */
    WL_FILE = 10,       /* a file that travels with the workload: NAME NUL BYTES */
    WL_FRAME_TYPE_COUNT
};

/* Limits, checked before anything is allocated. */
#define WL_MAX_MODULE (256u << 20)      /* 256 MiB */
#define WL_MAX_CONFIG (1u << 20)        /* 1 MiB */
#define WL_MAX_NAME 4096u               /* file names, argv0, dir paths */
#define WL_MAX_STRING (128u << 10)      /* one argument or one environment entry */
#define WL_MAX_STRINGS 65536u           /* arguments plus environment entries */
#define WL_MAX_STRINGS_BYTES (16u << 20) /* their total size */
#define WL_MAX_DIRS 256u
#define WL_MAX_FILE (1u << 20)          /* one travelling file (e.g. trust anchors) */
#define WL_MAX_FILES 64u

#endif
