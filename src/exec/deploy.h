/* The exec's deploy mode (docs/deploy.md): instead of a workload stream, fd 3
 * holds a deploy launch record (abi/deploy.h) and fd 4 a client's connection.
 * The exec makes its key and RA-TLS certificate, serves TLS 1.3, proves
 * itself with fresh evidence bound to the connection, then receives the
 * workload inside the channel, runs it with stdio over the channel and
 * secrets in /run/secrets, and reports its exit status. */
#ifndef EXEC_DEPLOY_H
#define EXEC_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

/* launch_rest: the record's bytes after its magic. Returns the process exit
 * status (the workload's, or 1/2 when it did not run). */
int exec_deploy(const uint8_t *launch_rest, size_t len);

/* Checks a deploy launch record (all DEPLOY_LAUNCH_LEN bytes, magic
 * included) and fills the claim, the connection descriptor and the log
 * level. Returns 0, or -1 with a message in err. Fuzzed. */
struct exec_claim;
int deploy_launch_parse(const uint8_t *rec, size_t len, struct exec_claim *claim, int *conn_fd, int *log_level,
                        char *err, size_t errlen);

/* A channel message parser over untrusted bytes (fuzzed): from buf, the
 * first complete message allowed in the phase; returns its total length,
 * 0 when more bytes are needed, or -1 with a message in err. */
enum deploy_phase { DEPLOY_PHASE_NONCE, DEPLOY_PHASE_RUNNING };
long deploy_msg_parse(const uint8_t *buf, size_t len, enum deploy_phase phase, uint32_t *type,
                      const uint8_t **payload, uint32_t *payload_len, char *err, size_t errlen);

#endif
