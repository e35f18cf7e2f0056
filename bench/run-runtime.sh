#!/usr/bin/env bash
# Runtime benchmarks (not tests: numbers to read, no pass/fail):
#  1. start-up: `enarx run hello.wasm` on nil, process start to exit, against
#     the same program native (static), the exec alone (`enarx-exec 3<stream`),
#     and Node's WASI;
#  2. throughput: 1 GiB from stdin to stdout through a workload (echo.wasm,
#     64 KiB reads and writes) against native `cat`.
# Results go to docs/performance.md ("Runtime") by hand; BENCH_RUNS, BENCH_GIB
# tune the effort.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
: "${BENCH_RUNS:=30}"
: "${BENCH_GIB:=1}"
ENARX="$BUILD/bin/enarx"
W="$BUILD/tests/workloads"
NODE_RUN="${SHARED_DIR:-../shared}/npm-wasi-apps/node-wasi-run.mjs"
export ENARX_BACKEND=nil
for tool in hyperfine; do
    command -v $tool >/dev/null || { echo "bench/run-runtime.sh: $tool is needed"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the same hello program, native and static, as the floor for "a process that prints a line"
cc -O2 -static -o "$tmp/hello-native" tests/workloads/hello.c
source tests/e2e/lib.sh # frame_header
{ printf ENARXWL1; frame_header 1 "$(stat -c %s "$W/hello.wasm")"; cat "$W/hello.wasm"; frame_header 0 0; } \
    >"$tmp/hello.stream"
node_cmd=()
[ -f "$NODE_RUN" ] && command -v node >/dev/null && node_cmd=(--command-name "node WASI" "node --no-warnings $NODE_RUN $W/hello.wasm")

echo "--- start-up: hello world, process start to exit ($BENCH_RUNS runs each)"
hyperfine -N -w 5 -r "$BENCH_RUNS" --export-markdown "$tmp/startup.md" \
    --command-name "native (static)" "$tmp/hello-native" \
    --command-name "enarx-exec alone" "sh -c '$BUILD/bin/enarx-exec 3<$tmp/hello.stream'" \
    --command-name "enarx run (nil)" "$ENARX run $W/hello.wasm" \
    "${node_cmd[@]}" 2>&1 | grep -vE '^\s*$'
echo
echo "--- throughput: $BENCH_GIB GiB stdin -> stdout"
bytes=$((BENCH_GIB * 1073741824))
# (Node's WASI is left out here: it gives the guest a non-blocking stdin, so
# echo.wasm's read fails with EAGAIN.)
hyperfine -w 1 -r 5 --export-markdown "$tmp/copy.md" \
    --command-name "native cat" "head -c $bytes /dev/zero | cat >/dev/null" \
    --command-name "enarx run echo.wasm" "head -c $bytes /dev/zero | $ENARX run $W/echo.wasm >/dev/null" \
    2>&1 | grep -vE '^\s*$'
echo
cat "$tmp/startup.md" "$tmp/copy.md"
