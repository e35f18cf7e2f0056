#!/usr/bin/env bash
# Unit tests of src/common: the UTF-8 validator (edge cases and exhaustive
# comparison with a reference) and the safe file reader (FIFOs, devices,
# directories, pipes, limits).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
exec "$BUILD/tests/common/unit"
