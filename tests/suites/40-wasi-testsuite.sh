#!/usr/bin/env bash
# The WASI preview1 testsuite (72 prebuilt programs in C, Rust and
# AssemblyScript with their expected exit codes and output) through the real
# CLI: `enarx run` on $TEST_BACKEND (default nil).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
: "${SHARED_DIR:=../shared}"
if [ ! -d "$SHARED_DIR/wasi-testsuite-p1" ]; then
    echo "SKIP: $SHARED_DIR/wasi-testsuite-p1 is absent (set SHARED_DIR)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
source tests/e2e/lib.sh
need_exec
exec tests/wasi/run-testsuite.sh
