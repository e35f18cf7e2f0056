#!/usr/bin/env bash
# Engine speed check: each kernel built natively (gcc -O2) and for wasm32-wasi
# (clang -O2), run with the same argument; prints the best-of-N user CPU time
# of both, their ratio, and the geometric mean of the ratios. This is the
# engine's own measuring stick while tuning the interpreter; the project's
# benchmark suite lives in bench/.
#   tests/engine/perf/bench.sh [RUNS]      (after `make` and the test deps)
set -u
cd "$(dirname "$0")/../../.."
: "${BUILD:=build}"
runs=${1:-3}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
dir="$BUILD/tests/engine/perf"
run=${WASM_RUN:-$BUILD/tests/wasm_run}
best() { # best user time of $runs runs of "$@"
    local b=""
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%U" -o "$tmp" "$@" </dev/null >/dev/null 2>&1
        t=$(tail -1 "$tmp")
        if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN{exit !(t<b)}'; then b=$t; fi
    done
    echo "$b"
}
printf "%-14s %9s %9s %7s\n" kernel native wasm ratio
logsum=0 n=0
while read -r k arg; do
    nt=$(best "$dir/$k.native" $arg)
    wt=$(best "$run" "$dir/$k.wasm" $arg)
    r=$(awk -v a="$wt" -v b="$nt" 'BEGIN{printf "%.1f", (b>0)?a/b:0}')
    printf "%-14s %9s %9s %7s\n" "$k" "$nt" "$wt" "$r"
    logsum=$(awk -v s="$logsum" -v r="$r" 'BEGIN{print s+log(r)}'); n=$((n + 1))
done <<'KERNELS'
fib 41
sort 4000000
sha256 48
matmul 900
sieve 40000000
nbody 4000000
coremark_lite 15000
KERNELS
awk -v s="$logsum" -v n="$n" 'BEGIN{printf "geometric mean ratio: %.1f\n", exp(s/n)}'
