#!/usr/bin/env bash
# `make bench`: runs every bench/run-*.sh in turn (each subsystem's benchmarks).
set -u
cd "$(dirname "$0")/.."
status=0
shopt -s nullglob
for b in bench/run-*.sh; do
    echo "=== $b"
    "$b" || status=1
done
exit $status
