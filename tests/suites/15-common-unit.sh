#!/usr/bin/env bash
# Unit tests of src/common: the UTF-8 validator (edge cases and exhaustive
# comparison with a reference), the safe file reader (FIFOs, devices,
# directories, pipes, limits), the CBOR reader/writer and the RA-TLS
# extension codec.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
suite_run_unit common "$BUILD/tests/common/unit"
suite_run_unit cbor "$BUILD/tests/common/cbor_unit"
suite_end
