/* The client side of an attested deploy (`enarx deploy`, docs/deploy.md):
 * reach a Keep (through an agent, or a local one), verify what it proves,
 * and only then send it the workload; then relay stdio until it exits.
 * The wire formats are in abi/deploy.h. */
#ifndef DEPLOY_DEPLOY_H
#define DEPLOY_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/attest.h"

struct backend_deploy_options;
struct backend;
struct deploy_outcome;

/* What the client checks before it sends anything of the workload. */
typedef struct deploy_checks {
    const attest_policy *policy;        /* NULL: the strict defaults */
    const uint8_t *expect_measurement;  /* NULL: not given */
    size_t expect_len;
    const uint8_t *local_measurement;   /* what this build computed (keep measure), or NULL */
    size_t local_len;
    bool allow_unattested;              /* --insecure-allow-unattested */
    const uint8_t *test_roots;          /* --test-root file contents (PEM), or NULL */
    size_t test_roots_len;
    /* Called once everything is verified, before the workload is sent (the
     * CLI warns about an unattested or test-rooted Keep there). May be NULL. */
    void (*verified)(const struct deploy_outcome *outcome);
} deploy_checks;

/* Where the Keep is. */
typedef struct deploy_target {
    const char *host;                   /* "HOST:PORT" of an agent; NULL: a local Keep */
    const char *backend;                /* agent: the backend asked for (NULL: its own) */
    /* local: */
    const struct backend *local_backend;
    const struct backend_deploy_options *local_options;
} deploy_target;

typedef struct deploy_outcome {
    int status;                         /* the workload's exit status (valid when ran) */
    bool ran;
    bool verified;
    char failed_check[64];              /* "connect", "handshake", "certificate", "fresh evidence", ... */
    char message[2048];                 /* why, with expected and actual values, and what to do */
    attest_kind kind;
    bool hardware_rooted, test_root;
    uint8_t measurement[64];
    size_t measurement_len;
    uint8_t workload_digest[32];        /* what the Keep reports it runs */
    double ms_connect, ms_handshake, ms_verify_cert, ms_fresh, ms_workload; /* for the benchmark */
} deploy_outcome;

/* Runs the whole deploy: the workload stream (abi/workload_stream.h, with
 * its SECRET and DIGEST frames) is sent only after every check passed.
 * stdin (fd in_fd, -1: none), stdout and stderr (out_fd, err_fd) are relayed.
 * Returns 0 when the workload ran (outcome->status is its status), -1
 * otherwise (outcome says which check failed and why). */
int deploy_run(const deploy_target *target, const deploy_checks *checks, const uint8_t *stream, size_t stream_len,
               const uint8_t module_digest[32], int in_fd, int out_fd, int err_fd, deploy_outcome *outcome);

/* An agent's info (JSON text, malloc'd in *json). 0, or -1 with a message. */
int deploy_agent_info(const char *host, char **json, char *err, size_t errlen);

/* Connects to "HOST:PORT" (numeric addresses or names). fd, or -1 with a message. */
int deploy_connect(const char *host, char *err, size_t errlen);

/* The Keep's messages, as the client parses them (fuzzed): the first
 * complete message allowed in the phase. Returns its total length, 0 when
 * more bytes are needed, -1 with a message. */
enum deploy_client_phase { DEPLOY_WANT_EVIDENCE, DEPLOY_WANT_RUNNING, DEPLOY_WANT_OUTPUT };
long deploy_keep_msg_parse(const uint8_t *buf, size_t len, enum deploy_client_phase phase, uint32_t *type,
                           const uint8_t **payload, uint32_t *payload_len, char *err, size_t errlen);

#endif
