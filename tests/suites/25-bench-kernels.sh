#!/usr/bin/env bash
# The benchmark kernels (bench/kernels/*.c) at their small "test" size: each
# runs once natively and once in the engine (`enarx run --backend nil` when
# available, else wasm_run), and both must print the checksum recorded in
# bench/kernels/checksums.txt. This checks the kernels and the engine on
# them; it times nothing (benchmarks are `make bench`, never a test).
# Also: a bad size argument is refused with a usage error in both builds.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
. bench/lib.sh
source tests/lib/suite.sh

bench_read_sizes test || { echo "0 passed, 1 failed"; exit 1; }
bench_select_engine || { echo "0 passed, 1 failed"; exit 1; }
echo "engine: $ENGINE_NAME"

for i in "${!KERNELS[@]}"; do
    k=${KERNELS[$i]} n=${SIZES[$i]}
    want=$(bench_recorded_checksum "$k" "$n")
    if [ -z "$want" ]; then
        bad "$k: no checksum recorded for size $n in bench/kernels/checksums.txt"
        continue
    fi
    native=$(timeout 60 "$BUILD/bench/$k.native" "$n" 2>&1)
    [ "$native" = "$want" ] && ok "$k $n native" || bad "$k $n native: got [$native], want [$want]"
    engine=$(timeout 120 "${ENGINE_CMD[@]}" "$BUILD/bench/$k.wasm" "$n" 2>&1)
    [ "$engine" = "$want" ] && ok "$k $n engine" || bad "$k $n engine: got [$engine], want [$want]"
done

# Bad sizes: a usage error (status 2) naming the argument, never a run.
for arg in 0 -5 12x 99999999999999999999999; do
    out=$("$BUILD/bench/fib.native" "$arg" 2>&1); rc=$?
    if [ $rc -eq 2 ] && grep -q "size \"$arg\"" <<<"$out"; then ok "fib.native refuses size $arg"
    else bad "fib.native $arg: status $rc, [$out]"; fi
done
out=$("${ENGINE_CMD[@]}" "$BUILD/bench/fib.wasm" 48 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q 'size "48"' <<<"$out"; then ok "fib.wasm refuses size 48 in the engine"
else bad "fib.wasm 48 in the engine: status $rc, [$out]"; fi

suite_end
