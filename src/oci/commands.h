/* enarx-oci's commands on containers it owns (wasm bundles run in Keeps).
 * Each returns runc's exit status (0, or 1 after logging the error) and is
 * called with the container's lock held (state.h). */
#ifndef OCI_COMMANDS_H
#define OCI_COMMANDS_H

#include <stdbool.h>

int oci_cmd_start(const char *root, const char *id);
int oci_cmd_state(const char *root, const char *id);
/* sig: a number; all: runc's --all (signal every process, and success on a
 * stopped container). */
int oci_cmd_kill(const char *root, const char *id, int sig, bool all);
/* Also removes what a create that died half-way left behind. */
int oci_cmd_delete(const char *root, const char *id, bool force);
int oci_cmd_ps(const char *root, const char *id, bool json);
int oci_cmd_features(void);

/* Waits until the process recorded for the container is gone (or a
 * zombie), at most timeout_ms; true if it is. */
bool oci_wait_gone(int pid, unsigned long long start_time, int timeout_ms);

#endif
