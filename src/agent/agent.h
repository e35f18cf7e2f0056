/* `enarx host`: the untrusted host agent (docs/deploy.md). It accepts
 * clients, starts one Keep per deploy and hands it the client's connection:
 * it never holds a key and never sees a byte of plaintext past the preamble.
 * It answers info requests for orchestrators, enforces its limits, reaps
 * and logs every Keep, and stops cleanly on SIGTERM. */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

typedef struct agent_options {
    const char *listen;              /* "ADDR:PORT" ("127.0.0.1:8443", "[::]:8443", ":8443") */
    const backend *backend;
    const char *exec_path;
    unsigned max_keeps;              /* Keeps at once; more are refused */
    uint64_t keep_memory_mib;        /* 0: the backend's default */
    unsigned keep_timeout_s;         /* 0: none; a Keep running longer is killed */
    unsigned grace_s;                /* SIGTERM: how long running Keeps may finish */
    bool json_log;                   /* one JSON object per line, else text */
    int log_level;                   /* for the Keeps */
    const keep_attester *attester;   /* tests only (a test build): NULL */
    int ready_fd;                    /* -1, or where to write "ready PORT\n" once listening */
} agent_options;

/* Runs until SIGTERM/SIGINT and every Keep has ended. Returns the process
 * exit status (0; 1 when it could not start, with a message on stderr). */
int agent_run(const agent_options *opt);

/* The preamble parser (fuzzed): from the first bytes a client sent, what it
 * wants. Returns AGENT_NEED_MORE, AGENT_BAD (reason in err), or the kind with
 * *used bytes consumed and the backend name asked for (may be empty). */
enum agent_request { AGENT_NEED_MORE, AGENT_BAD, AGENT_INFO, AGENT_DEPLOY };
enum agent_request agent_parse_preamble(const uint8_t *buf, size_t len, char *wanted, size_t wanted_cap,
                                        size_t *used, char *err, size_t errlen);

#endif
