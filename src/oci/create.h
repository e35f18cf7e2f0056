/* `create` for a wasm bundle: sets up a Keep's process and parks it until
 * `start` (runc's exec-fifo handshake).
 *
 *   create (A) ── fork ──▶ B: joins the cgroup and the namespaces given by
 *        │                    path, unshares the new ones, forks C, exits
 *        │                    ──▶ C: setsid, terminal, mounts, hostname, lo,
 *        │                          sysctls, limits, user; reports "ready";
 *        │                          waits for A's "commit"; blocks opening
 *        │                          exec.fifo for writing; at start, execs
 *        │                          the Keep launcher (`enarx run ...`)
 *   A: state.json, --pid-file (C's pid), pty master to --console-socket,
 *      "commit", exit 0.
 *
 * C is the pid the engine waits for (its subreaper) and exits with the
 * workload's status, since the launcher does. If A dies before "commit",
 * C sees the socket close and exits: a crash never leaves a Keep waiting
 * that no state names. Any failure removes what create made. */
#ifndef OCI_CREATE_H
#define OCI_CREATE_H

#include <stdbool.h>

#include "oci/spec.h"

typedef struct oci_create_request {
    const char *root;
    const char *id;
    const char *bundle; /* absolute */
    const char *rootfs; /* absolute */
    const char *pid_file;
    const char *console_socket;
    int preserve_fds;
    bool systemd_cgroup;
    const char *enarx;   /* the Keep launcher */
    const char *backend; /* "" = the best available */
    const char *module;  /* host path */
    const char *config;  /* the image's Enarx.toml, host path, or "" */
    int lock_fd;         /* the id's lock: the Keep's processes must not hold it */
} oci_create_request;

/* Returns runc's exit status: 0, or 1 after logging the error. */
int oci_create(const oci_create_request *req, const oci_spec *spec);

#endif
