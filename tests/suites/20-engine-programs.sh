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

# ENGINE_PERF_MAP=1: every function compiled to machine code gets a line
# "start size wasm:name" in /tmp/perf-<pid>.map (what perf reads), and
# without it no map is written
perf_map_lines() { # extra env..., then: prints the pid's map path
    sh -c 'echo $$; exec env "$@" ENGINE_TIER=jit '"$run"' '"$BUILD/bench/fib.wasm"' 20 >/dev/null' sh "$@"
}
pid=$(perf_map_lines ENGINE_PERF_MAP=1)
map=/tmp/perf-$pid.map
if [ -s "$map" ] && ! grep -qvE '^[0-9a-f]+ [0-9a-f]+ wasm:[^ ]+$' "$map" &&
    [ "$(wc -l <"$map")" -ge 2 ]; then
    ok "ENGINE_PERF_MAP writes $(wc -l <"$map") symbols"
else
    bad "ENGINE_PERF_MAP" "$map: $(head -n 3 "$map" 2>&1)"
fi
rm -f "$map"
pid=$(perf_map_lines ENGINE_NO_PERF_MAP=1)
[ ! -e "/tmp/perf-$pid.map" ] && ok "no perf map unless asked" || bad "perf map" "/tmp/perf-$pid.map written unasked"
rm -f "/tmp/perf-$pid.map"
suite_end
