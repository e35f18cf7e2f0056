/* enarx-oci's own settings, for a host's administrator: a TOML file at
 * $ENARX_OCI_CONFIG, else /etc/enarx/enarx-oci.toml (absent: defaults).
 *
 *   backend = "kvm"             # the default Keep backend ("" = the best available)
 *   enarx = "/usr/bin/enarx"    # the Keep launcher (default: enarx beside enarx-oci)
 *   runc = "/usr/sbin/runc"     # where non-wasm bundles go (default: runc on PATH)
 *
 * A bundle's annotation io.enarx.backend overrides backend. */
#ifndef OCI_RUNTIME_CONFIG_H
#define OCI_RUNTIME_CONFIG_H

#include <stddef.h>

typedef struct oci_runtime_config {
    char backend[32];
    char enarx[4096];
    char runc[4096];
} oci_runtime_config;

#define OCI_RUNTIME_CONFIG_DEFAULT "/etc/enarx/enarx-oci.toml"

int oci_runtime_config_load(oci_runtime_config *c, char *err, size_t errlen);
/* Parses the text of a config file; name is for messages. */
int oci_runtime_config_parse(oci_runtime_config *c, const char *text, size_t size, const char *name, char *err,
                             size_t errlen);
/* "sgx", "sev", "kvm", "nil" (and "" for the best available). */
int oci_backend_valid(const char *name);

#endif
