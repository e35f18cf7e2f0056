#!/usr/bin/env bash
# Unit tests of the runtime's Keep-side modules (no engine needed): WASI
# functions on a fake linear memory, path sandboxing (openat2 and the
# component walk: one table of cases for both, races against every path
# function), the workload-stream and DNS parsers, TLS connections, sockets
# through the WASI layer (resets, TLS records, half-close, error isolation).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
for t in wasi_unit sandbox_unit exec_unit tls_unit sock_unit; do
    suite_run_unit "$t" "$BUILD/tests/wasi/$t"
done
suite_end
