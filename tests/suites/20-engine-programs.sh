#!/usr/bin/env bash
# Real C programs compiled with clang --target=wasm32-wasi, run on the engine
# (through the wasm_run test harness) and compared with the same programs
# built natively: same output, same exit status.
set -u
: "${BUILD:=build}"
dir="$BUILD/tests/engine/perf"
pass=0 fail=0
check() {
    local name=$1; shift
    local want got
    want=$("$dir/$name.native" "$@" 2>&1; echo "exit $?")
    got=$("$BUILD/tests/wasm_run" "$dir/$name.wasm" "$@" 2>&1; echo "exit $?")
    if [ "$want" == "$got" ]; then
        echo "ok   $name $*"
        pass=$((pass + 1))
    else
        echo "FAIL $name $*: expected [$want], got [$got]"
        fail=$((fail + 1))
    fi
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
    echo "ok   fuel stops fib(40)"; pass=$((pass + 1))
else
    echo "FAIL fuel: rc=$rc $out"; fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
