#!/usr/bin/env bash
# Real C programs compiled with clang --target=wasm32-wasi (scalar, and
# auto-vectorized with -msimd128), run on the engine (through the wasm_run
# test harness) and compared with the same programs built natively: same
# output, same exit status.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
dir="$BUILD/tests/engine/perf"
check() { # name args: the scalar and the auto-vectorized (SIMD) build
    local name=$1; shift
    local want got variant
    want=$("$dir/$name.native" "$@" 2>&1; echo "exit $?")
    for variant in wasm simd.wasm; do
        got=$("$BUILD/tests/wasm_run" "$dir/$name.$variant" "$@" 2>&1; echo "exit $?")
        if [ "$want" == "$got" ]; then
            ok "$name.$variant $*"
        else
            bad "$name.$variant $*" "expected [$want], got [$got]"
        fi
    done
}
check fib 25
check sort 200000
check sha256 2
check matmul 60
check sieve 300000
check nbody 20000
check coremark_lite 20
# a runaway program is stopped by fuel, with a trap naming the function
out=$("$BUILD/tests/wasm_run" --fuel 1000000 "$dir/fib.wasm" 40 2>&1); rc=$?
if [ $rc -eq $((70 + 11)) ] && grep -q "fuel exhausted" <<<"$out"; then
    ok "fuel stops fib(40)"
else
    bad fuel "rc=$rc $out"
fi
suite_end
