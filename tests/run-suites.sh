#!/usr/bin/env bash
# Runs every test suite in tests/suites/ (in name order) and sums their results.
#
# A suite is an executable script. It prints what it likes, and its last line
# matching "N passed, N failed" (optionally followed by ", N skipped") is its
# result. A suite that prints no such line, or exits non-zero while reporting
# no failures, counts as one failure. Set SUITES="name ..." to run a subset.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
: "${SHARED_DIR:=$(cd .. && pwd)/shared}"
export BUILD SHARED_DIR
logdir="$BUILD/test-logs"
mkdir -p "$logdir"

total_pass=0 total_fail=0 total_skip=0
failed_suites=()
shopt -s nullglob
for suite in tests/suites/*.sh; do
    name=$(basename "$suite" .sh)
    if [ -n "${SUITES:-}" ] && ! grep -qw -- "${name#[0-9][0-9]-}" <<<"$SUITES" && ! grep -qw -- "$name" <<<"$SUITES"; then
        continue
    fi
    echo "=== suite $name"
    log="$logdir/$name.log"
    start=$(date +%s)
    "$suite" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    # Show the suite's own report, without drowning the summary in a huge log.
    if [ "$(wc -l <"$log")" -gt 60 ] && [ -z "${VERBOSE:-}" ]; then
        grep -E 'FAIL|SKIP|skipped|^ok|passed, [0-9]+ failed' "$log" | tail -n 40
        echo "   (full log: $log)"
    else
        cat "$log"
    fi
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "!!! suite $name printed no result line (exit status $rc)"
        p=0 f=1 s=0
    else
        p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
        f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
        s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line"); s=${s:-0}
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            echo "!!! suite $name exited with status $rc but reported no failure"
            f=1
        fi
    fi
    echo "--- suite $name: $p passed, $f failed, $s skipped (${secs}s)"
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
    [ "$f" -ne 0 ] && failed_suites+=("$name")
done

echo
[ "$total_skip" -ne 0 ] && echo "skipped: $total_skip (see the suites' messages above)"
[ ${#failed_suites[@]} -ne 0 ] && echo "failing suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
