#!/usr/bin/env bash
# Runs every built libFuzzer target for a bounded time (default 10 s each),
# starting from its seed corpus in tests/fuzz/corpus/<target>/ when there is one.
# Prints "N passed, N failed": a target fails when libFuzzer reports a finding.
set -u
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-10}}
: "${BUILD:=build/fuzz}"
source tests/lib/suite.sh
shopt -s nullglob
for target in "$BUILD"/fuzz/*; do
    [ -x "$target" ] && [ -f "$target" ] || continue
    name=$(basename "$target")
    work="$BUILD/fuzz-work/$name"; mkdir -p "$work/corpus"
    seeds=()
    [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
    if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/" "$work/corpus" "${seeds[@]}" >"$work/log" 2>&1; then
        ok "$name ($(grep -Eo 'cov: [0-9]+' "$work/log" | tail -1))"
    else
        bad "$name" "finding saved in $work/ (log: $work/log)"
        grep -E 'ERROR|SUMMARY' "$work/log" | head -5
    fi
done
suite_end
