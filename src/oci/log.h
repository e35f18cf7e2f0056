/* enarx-oci's log, in runc's shape: the caller chooses the file (--log) and
 * the format (--log-format text|json). Container engines show the last
 * error record to the user (containerd: `OCI runtime create failed: <msg>`),
 * so every failure is one record whose message names the input at fault.
 * Errors also go to stderr, as runc's do (conmon without JSON logs shows
 * stderr). */
#ifndef OCI_LOG_H
#define OCI_LOG_H

#include <stdbool.h>

typedef enum oci_log_level { OCI_LOG_ERROR, OCI_LOG_WARN, OCI_LOG_INFO, OCI_LOG_DEBUG } oci_log_level;

/* path NULL: records go to stderr only. Returns -1 (message on stderr) if
 * the file cannot be opened for appending. */
int oci_log_open(const char *path, bool json, bool debug);
void oci_log_close(void);

void oci_log(oci_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error record; returns 1, runc's exit status for a failed command. */
int oci_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
