#!/usr/bin/env bash
# The benchmark kernels (bench/kernels/*.c) on the engine alone, through its
# test harness wasm_run: the scalar build (clang -O2, bench/module.mk) and the
# auto-vectorized one (-O3 -msimd128, tests/engine/module.mk), at the
# callgrind sizes of bench/kernels/sizes.tsv (larger than suite
# 25-bench-kernels' test sizes). Each must print the checksum line recorded
# in bench/kernels/checksums.txt, which the native builds print. Then a
# runaway program is stopped by fuel, with a trap naming the function.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
. bench/lib.sh
source tests/lib/suite.sh
run=$BUILD/tests/wasm_run

bench_read_sizes instr || { echo "0 passed, 1 failed"; exit 1; }
for i in "${!KERNELS[@]}"; do
    k=${KERNELS[$i]} n=${SIZES[$i]}
    want=$(bench_recorded_checksum "$k" "$n")
    if [ -z "$want" ]; then
        bad "$k" "no checksum recorded for size $n in bench/kernels/checksums.txt"
        continue
    fi
    for wasm in "$BUILD/bench/$k.wasm" "$BUILD/tests/engine/kernels/$k.simd.wasm"; do
        got=$(timeout 120 "$run" "$wasm" "$n" 2>&1)
        [ "$got" = "$want" ] && ok "${wasm##*/} $n" || bad "${wasm##*/} $n" "got [$got], want [$want]"
    done
done

out=$("$run" --fuel 1000000 "$BUILD/bench/fib.wasm" 40 2>&1); rc=$?
if [ $rc -eq $((70 + 11)) ] && grep -q "fuel exhausted" <<<"$out"; then
    ok "fuel stops fib(40)"
else
    bad fuel "rc=$rc $out"
fi
suite_end
