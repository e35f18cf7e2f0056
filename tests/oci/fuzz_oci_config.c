/* libFuzzer target: config.json bytes through oci_spec_parse (every field
 * check) and oci_spec_peek (the wasm-or-not decision's reader). */
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    oci_spec spec;
    if (oci_spec_parse((const char *)data, size, &spec, err, sizeof err) == 0) {
        oci_spec_annotation(&spec, "run.oci.handler");
        oci_spec_getenv(&spec, "PATH");
        oci_spec_free(&spec);
    }
    if (oci_spec_peek((const char *)data, size, &spec, err, sizeof err) == 0)
        oci_spec_free(&spec);
    return 0;
}
