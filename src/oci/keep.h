/* From a wasm bundle to the Keep launcher's command line:
 *
 *   enarx run [--backend B] [--wasmcfgfile ROOTFS/Enarx.toml]
 *             --dir ROOTFS::/ [--dir ROOTFS/DEST::DEST ...]
 *             --argv0 ARGS[0] [--env NAME=VALUE ...] -- MODULE ARGS[1..]
 *
 * with an environment of its own: the workload's variables travel as
 * --env, never as the launcher's environment, so nothing in process.env
 * (ENARX_EXEC, ENARX_BACKEND, LD_PRELOAD, ...) can steer the host side.
 * The launcher gets ENARX_KEEP_MEMORY from linux.resources.memory.limit
 * (the Keep's memory on backends that size one) and nothing else but the
 * sanitizers' options. */
#ifndef OCI_KEEP_H
#define OCI_KEEP_H

#include <stddef.h>

#include "oci/spec.h"

typedef struct oci_keep_plan {
    char **argv; /* NULL-terminated */
    size_t argc, argv_cap;
    char **envp; /* NULL-terminated */
    size_t envc, envp_cap;
} oci_keep_plan;

typedef struct oci_keep_inputs {
    const char *enarx;       /* the launcher binary */
    const char *backend;     /* "" = the best available */
    const char *module;      /* host path of the module */
    const char *config_path; /* host path of the image's Enarx.toml, or NULL */
    const char *rootfs;
} oci_keep_inputs;

/* The backend for a bundle: its io.enarx.backend annotation, else the
 * runtime's default. -1 with a message naming the annotation. */
int oci_keep_backend(const oci_spec *spec, const char *runtime_default, char *out, size_t size, char *err,
                     size_t errlen);

/* The image's Enarx.toml: the annotation io.enarx.config (a path inside
 * the rootfs), else /Enarx.toml when the image has one. Parsed here, so
 * mistakes stop create with file, line and column, and refused when a
 * `dir` or `ca` path would leave the image (absolute, "..", symlinks).
 * out receives the host path ("" when there is none). */
int oci_keep_config(const oci_spec *spec, const char *rootfs, char *out, size_t size, char *err, size_t errlen);

/* Builds the plan. Run in the Keep's process after oci_rootfs_setup, so
 * the preopened paths are those of its mount namespace. */
int oci_keep_plan_build(const oci_spec *spec, const oci_keep_inputs *in, oci_keep_plan *plan, char *err,
                        size_t errlen);
void oci_keep_plan_free(oci_keep_plan *plan);

#endif
