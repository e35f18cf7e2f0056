#!/usr/bin/env bash
# The sallyport without a VM: unit tests of the Keep-side client against the
# host executor (real pipes, files and loopback sockets; every reply byte read
# at most once), and the hostile-host table (one damaged reply field per case:
# the Keep must stop with a violation or return an ordinary error).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
for t in unit hostile; do
    suite_run_unit "sallyport $t" "$BUILD/tests/sallyport/$t"
done
suite_end
