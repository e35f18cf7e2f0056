/* The bundle's root filesystem as a Keep sees it.
 *
 * Paths inside the rootfs are resolved with openat2(RESOLVE_IN_ROOT): an
 * image's symlinks ("/data -> /etc") stay inside the rootfs, as they would
 * after runc's pivot_root, and never reach the host's files.
 *
 * The Keep's view is built in a private mount namespace of the Keep's
 * host process: the rootfs bound onto itself, the bundle's bind and tmpfs
 * mounts on top (kernel file systems, /proc, /sys and /dev, are left out:
 * a WASI workload has no use for them), masked and read-only paths, and
 * finally the rootfs made read-only when root.readonly says so. The Keep
 * then preopens the rootfs as "/". */
#ifndef OCI_ROOTFS_H
#define OCI_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/spec.h"

typedef enum oci_workload_kind { OCI_NATIVE, OCI_WASM } oci_workload_kind;

/* Opens path (absolute, or relative to "/") inside the rootfs; symlinks
 * resolve inside it. openat2 flags; -1 with errno. */
int oci_open_in_root(int rootfd, const char *path, int flags);
/* Creates what is missing of path inside the rootfs (directories; the last
 * component a file when !dir) and returns an O_PATH fd of it; -1 with errno. */
int oci_make_in_root(int rootfd, const char *path, bool dir);
/* The host path of an fd opened inside the rootfs (from /proc/self/fd). */
int oci_fd_path(int fd, char *out, size_t size);

/* Is this bundle a wasm workload? The CRI sandbox (pause) container never
 * is; then the annotations run.oci.handler=wasm[-smart] and
 * module.wasm.image/variant=compat[-smart]; else a process.args[0] found in
 * the rootfs that starts with "\0asm" or is named *.wasm. For a wasm
 * workload, module (size bytes) receives the module's host path. -1 with a
 * message naming the field when a bundle that is wasm has no usable
 * module. */
int oci_workload_kind_of(const oci_spec *spec, const char *rootfs, oci_workload_kind *kind, char *module,
                         size_t size, char *err, size_t errlen);

/* In the Keep's process, after unshare(CLONE_NEWNS): builds the view
 * described above. -1 with a message naming the mount at fault. */
int oci_rootfs_setup(const oci_spec *spec, const char *rootfs, const char *bundle, char *err, size_t errlen);

/* The guest directory a bundle mount is also preopened as (its
 * destination), when it is a bind mount of a directory that the setup
 * keeps; NULL otherwise. */
bool oci_mount_is_preopen(const oci_mount *m);
/* Mounts that are left out of a Keep's view (see above). */
bool oci_mount_skipped(const oci_mount *m);

#endif
