#!/usr/bin/env bash
# `make bench`: every subsystem's benchmarks, one script each, named for what
# it measures: bench/run-<what>.sh (run-engine.sh first, then the others in
# name order). Benchmarks are never tests: they print numbers and tables to
# read (and to paste into docs/performance.md); a script fails only when it
# could not measure, or measured a wrong answer.
#
#   bench/run.sh [ARGS...]     ARGS go to bench/run-engine.sh (kernel names,
#                              --checksums)
#   BENCH_ONLY="engine runtime" bench/run.sh    a subset of the scripts
#
# Common knobs: BENCH_QUICK=1 (a fast smoke run), BENCH_MODE=instructions
# (instruction counts instead of times, where a script supports it); each
# script documents its own.
set -u
cd "$(dirname "$0")/.."
status=0
shopt -s nullglob
scripts=(bench/run-engine.sh)
for b in bench/run-*.sh; do
    [ "$b" = bench/run-engine.sh ] || scripts+=("$b")
done
if [ $# -gt 0 ] && [ -z "${BENCH_ONLY:-}" ]; then
    BENCH_ONLY=engine # arguments are the engine runner's
fi
for b in "${scripts[@]}"; do
    name=${b#bench/run-}
    name=${name%.sh}
    if [ -n "${BENCH_ONLY:-}" ] && ! grep -qw -- "$name" <<<"$BENCH_ONLY"; then
        continue
    fi
    echo "=== $b"
    if [ "$b" = bench/run-engine.sh ]; then
        "$b" "$@" || status=1
    else
        "$b" || status=1
    fi
done
exit $status
