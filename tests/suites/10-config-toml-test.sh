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

source tests/lib/suite.sh
[ -f "$list" ] || suite_skip_all "toml-test data not found ($list); set SHARED_DIR to the shared test data"
for tool in "$decode" "$runner"; do
    [ -x "$tool" ] || bad "$tool is not built (run make test)"
done
[ "$fail" -eq 0 ] || { suite_end; exit; }
cases=$(grep -c '\.toml$' "$list")
if [ "$cases" -ne 709 ]; then
    echo "note: $list names $cases cases (TOML 1.0 has 709)"
fi
"$runner" "$tests" "$list" "$decode" ${VERBOSE:+-v}
