#!/usr/bin/env bash
# The WASI preview1 testsuite (72 prebuilt programs in C, Rust and
# AssemblyScript with their expected exit codes and output) through the real
# CLI: `enarx run` on $TEST_BACKEND (default nil).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
: "${SHARED_DIR:=../shared}"
source tests/e2e/lib.sh
[ -d "$SHARED_DIR/wasi-testsuite-p1" ] || suite_skip_all "$SHARED_DIR/wasi-testsuite-p1 is absent (set SHARED_DIR)"
need_exec
exec tests/wasi/run-testsuite.sh
