/* A Keep's cgroup placement: linux.cgroupsPath and linux.resources, on the
 * cgroupfs hierarchies this host mounts (v1, v2 or both, as here: hybrid).
 *
 * cgroupsPath is either a path ("/libpod_parent/libpod-<id>", absolute
 * from each hierarchy's root, or relative to the runtime's own cgroup) or,
 * with --systemd-cgroup, systemd's "slice:prefix:name", mapped to the
 * directory systemd would use ("/machine.slice/libpod-<id>.scope"). No
 * transient unit is registered: the directories are made directly. */
#ifndef OCI_CGROUP_H
#define OCI_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "oci/state.h"

/* The cgroup path for a container: cgroups_path (NULL: "/enarx-oci/<id>")
 * in the cgroupfs or (systemd) slice:prefix:name form. -1 with a message. */
int oci_cgroup_path(const char *cgroups_path, bool systemd, const char *id, char *out, size_t size, char *err,
                    size_t errlen);

/* Records in st->cgroups the directory for path on every hierarchy,
 * making nothing: the state names them before they exist, so that a create
 * killed while making them leaves nothing delete does not know of. */
int oci_cgroup_plan(const char *path, oci_state *st, char *err, size_t errlen);
/* Makes the planned directories, applies the limits, and drops the
 * directories of hierarchies that cannot be used. A limit asked for that no
 * hierarchy can apply is an error naming the field. */
int oci_cgroup_create(const oci_resources *r, oci_state *st, char *err, size_t errlen);
/* Moves pid into every recorded directory. */
int oci_cgroup_join(const oci_state *st, pid_t pid, char *err, size_t errlen);
/* Kills what is left in the recorded directories and removes them. */
void oci_cgroup_remove(const oci_state *st);
/* The pids in the container's cgroup (malloc'ed list); 0 on success. */
int oci_cgroup_pids(const oci_state *st, pid_t **pids, size_t *count);

#endif
