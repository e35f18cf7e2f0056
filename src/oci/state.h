/* What enarx-oci remembers about its containers, under --root:
 *
 *   <root>/keep/<id>/state.json   the container: pid, its start time, bundle, cgroups, ...
 *   <root>/keep/<id>/exec.fifo    present between create and start (runc's handshake)
 *   <root>/lock/<id>              flock()ed by every command on <id>
 *   <root>/runc/                  runc's own --root, for bundles handed to runc
 *
 * A container's status follows runc: "created" while exec.fifo exists and
 * its process lives, "running" after start while it lives, "stopped" once
 * it has exited. "Lives" means /proc/<pid> exists, is not a zombie and has
 * the start time recorded at create, so a recycled pid is never mistaken
 * for the container (nor signalled). */
#ifndef OCI_STATE_H
#define OCI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OCI_MAX_CGROUPS 16

typedef enum oci_status { OCI_CREATED, OCI_RUNNING, OCI_STOPPED } oci_status;

typedef struct oci_state {
    char id[1024];
    pid_t pid;           /* 0 until create has started the process */
    uint64_t start_time; /* /proc/<pid>/stat field 22, clock ticks since boot */
    char bundle[4096];
    char rootfs[4096];
    char created[64];    /* RFC 3339, UTC */
    char backend[32];    /* "" = the best available */
    char *cgroups[OCI_MAX_CGROUPS]; /* directories create made (to remove at delete) */
    size_t cgroup_count;
    char *annotations_json; /* the bundle's annotations, a JSON object ("{}" if none) */
} oci_state;

/* runc's rule for ids: letters, digits, '_', '+', '-', '.', at most 1024
 * bytes, not "." or "..". */
bool oci_valid_id(const char *id);

/* Paths under the root; false if the result does not fit. */
bool oci_state_dir(const char *root, const char *id, char *out, size_t size);
bool oci_fifo_path(const char *root, const char *id, char *out, size_t size);

/* Creates <root>, <root>/keep and <root>/lock if needed (0700). */
int oci_root_prepare(const char *root, char *err, size_t errlen);

/* Takes the exclusive lock of <id>; blocks while another command holds
 * it. Returns the lock's fd (close it, or oci_unlock, to release), -1 on
 * failure with a message. */
int oci_lock(const char *root, const char *id, char *err, size_t errlen);
/* Removes the lock file (after delete) and releases it. */
void oci_unlock_remove(int fd, const char *root, const char *id);

/* Is <root>/keep/<id> there (ours)? */
bool oci_state_exists(const char *root, const char *id);

/* Writes state.json atomically. */
int oci_state_save(const char *root, const oci_state *st, char *err, size_t errlen);
/* Reads state.json. 0 on success; 1 when the directory exists without a
 * readable state.json (a create that died early: st has only the id); -1
 * with a message when the container does not exist or the file is corrupt. */
int oci_state_load(const char *root, const char *id, oci_state *st, char *err, size_t errlen);
void oci_state_free(oci_state *st);
/* Removes the container's directory and everything in it. */
int oci_state_remove(const char *root, const char *id, char *err, size_t errlen);

/* /proc/<pid>/stat's start time (field 22); 0 if the process is gone. If
 * zombie is not NULL it says whether the process is a zombie. */
uint64_t oci_process_start_time(pid_t pid, bool *zombie);
/* The process recorded at create still lives (see above). */
bool oci_process_alive(pid_t pid, uint64_t start_time);

oci_status oci_state_status(const char *root, const oci_state *st);
const char *oci_status_name(oci_status status);

/* runc's `state` JSON for st (caller frees). */
char *oci_state_json(const char *root, const oci_state *st);

#endif
