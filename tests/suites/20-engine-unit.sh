#!/usr/bin/env bash
# Unit tests of the engine's embedding API (tests/engine/engine_test.c), the
# bounded cost of trap backtraces (tests/engine/backtrace_test.c) and the
# differential test of the compiler's fusion on generated programs
# (tests/engine/gen_diff.c), the unit tests also with lazy translation. Prints
# the combined "N passed, N failed".
set -u
: "${BUILD:=build}"
p=0 f=0
# Small modules are compiled at load, big ones on first call: the unit tests
# run both ways (--lazy: the module option forcing translation on first
# call), the lazy way with the module bytes borrowed rather than copied
# (--borrow). They also run in the JIT tier (--jit), and gen_diff compares
# the JIT with the interpreter on every generated module.
for cmd in "$BUILD/tests/engine_test $BUILD/tests/engine/wat" \
    "$BUILD/tests/engine_test --lazy --borrow $BUILD/tests/engine/wat" \
    "$BUILD/tests/engine_test --jit $BUILD/tests/engine/wat" \
    "$BUILD/tests/backtrace_test" \
    "$BUILD/tests/gen_diff 2000"; do
    out=$($cmd 2>&1); rc=$?
    echo "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
    line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
    if [ -z "$line" ]; then
        echo "FAIL $cmd printed no result (exit $rc)"; f=$((f + 1)); continue
    fi
    p=$((p + $(sed -E 's/ passed.*//' <<<"$line")))
    f=$((f + $(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$line")))
    [ $rc -ne 0 ] && [ "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$line")" -eq 0 ] && f=$((f + 1))
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
