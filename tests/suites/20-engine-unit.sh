#!/usr/bin/env bash
# Unit tests of the engine's embedding API (tests/engine/engine_test.c), the
# bounded cost of trap backtraces (tests/engine/backtrace_test.c) and the
# differential test of the compiler's fusion on generated programs
# (tests/engine/gen_diff.c), the unit tests also with lazy translation. Prints
# the combined "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
# Small modules are compiled at load, big ones on first call: the unit tests
# run both ways (--lazy: the module option forcing translation on first
# call), the lazy way with the module bytes borrowed rather than copied
# (--borrow). They also run in the JIT tier (--jit), and gen_diff compares
# the JIT with the interpreter on every generated module.
suite_run_unit engine_test "$BUILD/tests/engine_test" "$BUILD/tests/engine/wat"
suite_run_unit "engine_test (lazy, borrowed)" \
    "$BUILD/tests/engine_test" --lazy --borrow "$BUILD/tests/engine/wat"
suite_run_unit "engine_test (jit)" "$BUILD/tests/engine_test" --jit "$BUILD/tests/engine/wat"
suite_run_unit backtrace_test "$BUILD/tests/backtrace_test"
suite_run_unit masking_test "$BUILD/tests/masking_test"
suite_run_unit gen_diff "$BUILD/tests/gen_diff" 2000
suite_end
