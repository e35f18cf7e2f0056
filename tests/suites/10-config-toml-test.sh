#!/usr/bin/env bash
# TOML 1.0 conformance: runs $BUILD/bin/toml-decode over the 709 toml-test
# cases listed in $SHARED_DIR/toml-test/tests/files-toml-1.0.0 with
# $BUILD/tests/config/toml-test-run (see tests/config/toml_test_run.c):
#   valid/X.toml   must decode (exit 0) to JSON equal to valid/X.json;
#   invalid/X.toml must be rejected (exit 1 with a message on stderr).
# Set VERBOSE=1 to list every case.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}" "${SHARED_DIR:=$(cd .. && pwd)/shared}"
tests="$SHARED_DIR/toml-test/tests"
list="$tests/files-toml-1.0.0"
decode="$BUILD/bin/toml-decode"
runner="$BUILD/tests/config/toml-test-run"

if [ ! -f "$list" ]; then
    echo "SKIP: toml-test data not found ($list); set SHARED_DIR to the shared test data"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
for tool in "$decode" "$runner"; do
    if [ ! -x "$tool" ]; then
        echo "FAIL: $tool is not built (run make test)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
cases=$(grep -c '\.toml$' "$list")
if [ "$cases" -ne 709 ]; then
    echo "note: $list names $cases cases (TOML 1.0 has 709)"
fi
"$runner" "$tests" "$list" "$decode" ${VERBOSE:+-v}
