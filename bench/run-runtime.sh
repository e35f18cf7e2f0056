#!/usr/bin/env bash
# Runtime benchmarks (not tests: numbers to read, no pass/fail):
#  1. start-up: `enarx run hello.wasm` on nil, process start to exit, against
#     the same program native (static), the exec alone (`enarx-exec 3<stream`,
#     through bench/fd3.c: one execve more, no shell), `enarx --version` and
#     Node's WASI;
#  2. start-up counts, stable on noisy machines: page faults (perf, else
#     /usr/bin/time), instructions (callgrind) and system calls (strace) of
#     each process;
#  3. throughput: 1 GiB from stdin to stdout through a workload (echo.wasm,
#     64 KiB reads and writes) against native `cat`.
# Results go to docs/performance.md ("Runtime") by hand; BENCH_RUNS, BENCH_GIB
# tune the effort, BENCH_QUICK=1 makes it a smoke run (10 start-up runs, 2 of
# the copy).
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    : "${BENCH_RUNS:=10}"
    COPY_RUNS=2
fi
: "${BENCH_RUNS:=100}"
: "${BENCH_GIB:=1}"
: "${COPY_RUNS:=5}"
W="$BUILD/tests/workloads"
NODE_RUN="${SHARED_DIR:-../shared}/npm-wasi-apps/node-wasi-run.mjs"
export ENARX_BACKEND=nil
for tool in hyperfine; do
    command -v $tool >/dev/null || { echo "bench/run-runtime.sh: $tool is needed"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Timed copies, side by side as enarx expects: a binary the linker has just
# written sits in the page cache in small pieces and starts measurably slower
# (one more page fault, ~0.3 ms here) than the same bytes copied, or installed.
mkdir "$tmp/bin"
cp "$BUILD/bin/enarx" "$BUILD/bin/enarx-exec" "$tmp/bin/"
ENARX="$tmp/bin/enarx"
EXEC="$tmp/bin/enarx-exec"

# the same hello program, native and static, as the floor for "a process that prints a line"
cc -O2 -static -o "$tmp/hello-native" tests/workloads/hello.c
# a static program that does nothing: stands in for the exec to count enarx's own share
printf 'int main(void) { return 0; }\n' >"$tmp/true.c"
cc -O2 -static -o "$tmp/true-static" "$tmp/true.c"
# opens the stream on fd 3 and execs the exec, without a shell's start-up
cc -O2 -static -nostdlib -fno-stack-protector -o "$tmp/fd3" bench/fd3.c
source tests/e2e/lib.sh # frame_header
{ printf ENARXWL1; frame_header 1 "$(stat -c %s "$W/hello.wasm")"; cat "$W/hello.wasm"; frame_header 0 0; } \
    >"$tmp/hello.stream"
node_cmd=()
[ -f "$NODE_RUN" ] && command -v node >/dev/null && node_cmd=(--command-name "node WASI" "node --no-warnings $NODE_RUN $W/hello.wasm")

echo "--- start-up: hello world, process start to exit ($BENCH_RUNS runs each)"
hyperfine -N -w 10 -r "$BENCH_RUNS" --export-markdown "$tmp/startup.md" \
    --command-name "native (static)" "$tmp/hello-native" \
    --command-name "enarx --version" "$ENARX --version" \
    --command-name "enarx-exec alone" "$tmp/fd3 $tmp/hello.stream $EXEC" \
    --command-name "enarx run (nil)" "$ENARX run $W/hello.wasm" \
    "${node_cmd[@]}" 2>&1 | grep -vE '^\s*$'

echo
echo "--- start-up counts (each process on its own)"
# Each helper runs CMD with fd 3 opened afresh on $STREAM (default /dev/null).
# ONLY_SELF=1: leave the command's children out of the page-fault count.
faults() {
    if perf stat -x, -e page-faults true >/dev/null 2>&1; then
        perf stat -x, ${ONLY_SELF:+--no-inherit} -e page-faults "$@" 3<"${STREAM:-/dev/null}" 2>&1 >/dev/null |
            awk -F, '/page-faults/ {print $1}'
    else # counts children too
        /usr/bin/time -f %R "$@" 3<"${STREAM:-/dev/null}" 2>&1 >/dev/null | tail -1
    fi
}
instructions() { # callgrind does not follow children
    command -v valgrind >/dev/null || { echo "-"; return; }
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 3<"${STREAM:-/dev/null}" 2>&1 >/dev/null |
        awk '/refs:/ {gsub(",", "", $NF); print $NF}'
}
syscalls() { # nor does strace without -f
    command -v strace >/dev/null || { echo "-"; return; }
    strace -c "$@" 3<"${STREAM:-/dev/null}" 2>&1 >/dev/null | awk '$NF == "total" {print $4}'
}
count_row() { # NAME CMD...
    local name=$1
    shift
    printf '| %s | %s | %s | %s |\n' "$name" "$(faults "$@")" "$(instructions "$@")" "$(syscalls "$@")"
}
{
    echo "| process | page faults | instructions | system calls |"
    echo "|---|---:|---:|---:|"
    count_row "native hello (static)" "$tmp/hello-native"
    STREAM="$tmp/hello.stream" count_row "enarx-exec alone (hello.wasm)" "$EXEC"
    count_row "enarx --version" "$ENARX" --version
    ONLY_SELF=1 ENARX_EXEC="$tmp/true-static" count_row "enarx run hello.wasm: enarx itself" "$ENARX" run "$W/hello.wasm"
    printf '| enarx run hello.wasm: both processes | %s | | |\n' "$(faults "$ENARX" run "$W/hello.wasm")"
} >"$tmp/counts.md"
cat "$tmp/counts.md"

echo
echo "--- throughput: $BENCH_GIB GiB stdin -> stdout"
bytes=$((BENCH_GIB * 1073741824))
# (Node's WASI is left out here: it gives the guest a non-blocking stdin, so
# echo.wasm's read fails with EAGAIN.)
hyperfine -w 1 -r "$COPY_RUNS" --export-markdown "$tmp/copy.md" \
    --command-name "native cat" "head -c $bytes /dev/zero | cat >/dev/null" \
    --command-name "enarx run echo.wasm" "head -c $bytes /dev/zero | $ENARX run $W/echo.wasm >/dev/null" \
    2>&1 | grep -vE '^\s*$'
echo
cat "$tmp/startup.md" "$tmp/counts.md" "$tmp/copy.md"
