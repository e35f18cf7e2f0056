#!/usr/bin/env bash
# TOML 1.0 conformance: runs $BUILD/bin/toml-decode over the 709 toml-test
# cases listed in $SHARED_DIR/toml-test/tests/files-toml-1.0.0.
#   valid/X.toml   must decode (exit 0) to JSON equal to valid/X.json
#                  (compared by toml-test-compare with toml-test's rules);
#   invalid/X.toml must be rejected (exit 1 with a message on stderr) --
#                  not crash, not hang.
# Set VERBOSE=1 to list every case.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}" "${SHARED_DIR:=$(cd .. && pwd)/shared}"
tests="$SHARED_DIR/toml-test/tests"
list="$tests/files-toml-1.0.0"
decode="$BUILD/bin/toml-decode"
compare="$BUILD/tests/config/toml-test-compare"

if [ ! -f "$list" ]; then
    echo "SKIP: toml-test data not found ($list); set SHARED_DIR to the shared test data"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
for tool in "$decode" "$compare"; do
    if [ ! -x "$tool" ]; then
        echo "FAIL: $tool is not built (run make test)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 valid_pass=0 invalid_pass=0 valid_total=0 invalid_total=0
while IFS= read -r case; do
    case "$case" in *.toml) ;; *) continue ;; esac
    input="$tests/$case"
    timeout 10 "$decode" <"$input" >"$work/out" 2>"$work/err"
    rc=$?
    why=""
    case "$case" in
    valid/*)
        valid_total=$((valid_total + 1))
        if [ "$rc" -ne 0 ]; then
            why="exit $rc: $(head -c 300 "$work/err")"
        elif ! "$compare" "$tests/${case%.toml}.json" "$work/out" >"$work/diff" 2>&1; then
            why="wrong result: $(head -c 300 "$work/diff")"
        else
            valid_pass=$((valid_pass + 1))
        fi
        ;;
    invalid/*)
        invalid_total=$((invalid_total + 1))
        if [ "$rc" -eq 0 ]; then
            why="accepted invalid input"
        elif [ "$rc" -ne 1 ]; then
            why="exit status $rc (crash or timeout?): $(head -c 300 "$work/err")"
        elif [ ! -s "$work/err" ]; then
            why="rejected without a message"
        else
            invalid_pass=$((invalid_pass + 1))
        fi
        ;;
    esac
    if [ -n "$why" ]; then
        echo "FAIL $case: $why"
        fail=$((fail + 1))
    else
        [ -n "${VERBOSE:-}" ] && echo "ok   $case"
        pass=$((pass + 1))
    fi
done <"$list"

echo "toml-test 1.0: valid $valid_pass/$valid_total, invalid $invalid_pass/$invalid_total"
if [ $((valid_total + invalid_total)) -ne 709 ]; then
    echo "FAIL: expected 709 cases in $list, found $((valid_total + invalid_total))"
    fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
