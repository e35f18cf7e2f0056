# Shared by bench/run-engine.sh and tests/suites/25-bench-kernels.sh (sourced, not run).
# Needs BUILD set and the current directory at the repository root.

# bench_read_sizes COLUMN [KERNEL...]: fills the arrays KERNELS, SIZES and
# KERNEL_WHAT from bench/kernels/sizes.tsv; COLUMN is full, quick, instr or
# test. With KERNEL names, only those (an unknown name is an error).
bench_read_sizes() {
    local column=$1 col
    shift
    case $column in
        full) col=2 ;; quick) col=3 ;; instr) col=4 ;; test) col=5 ;;
        *) echo "bench: unknown size column $column" >&2; return 2 ;;
    esac
    KERNELS=() SIZES=() KERNEL_WHAT=()
    local name f2 f3 f4 f5 what size want
    while IFS=$'\t' read -r name f2 f3 f4 f5 what; do
        case $name in '#'* | '') continue ;; esac
        case $col in 2) size=$f2 ;; 3) size=$f3 ;; 4) size=$f4 ;; 5) size=$f5 ;; esac
        if [ $# -gt 0 ]; then
            local keep=0
            for want in "$@"; do [ "$want" = "$name" ] && keep=1; done
            [ $keep = 1 ] || continue
        fi
        KERNELS+=("$name") SIZES+=("$size") KERNEL_WHAT+=("$what")
    done <bench/kernels/sizes.tsv
    for want in "$@"; do
        local found=0 k
        for k in "${KERNELS[@]}"; do [ "$k" = "$want" ] && found=1; done
        if [ $found = 0 ]; then
            echo "bench: no kernel named \"$want\" (see bench/kernels/sizes.tsv)" >&2
            return 2
        fi
    done
}

# bench_select_engine: sets ENGINE_CMD (an array: the command before
# FILE.wasm ARGS...) and ENGINE_NAME. Our engine runs through
# `enarx run --backend nil` when that works (the real runtime: WASI, exec,
# nil backend), else through the engine's test harness wasm_run. BENCH_ENGINE
# forces a choice: enarx, wasm_run, or any other command line (e.g. another
# runtime, to compare against).
bench_select_engine() {
    local enarx=$BUILD/bin/enarx wasm_run=$BUILD/tests/wasm_run hello=$BUILD/bench/hello.wasm
    local want=${BENCH_ENGINE:-auto} out
    case $want in
        auto | enarx)
            if [ -x "$enarx" ] && [ -f "$hello" ] &&
                out=$("$enarx" run --backend nil "$hello" 2>/dev/null </dev/null) &&
                [ "$out" = "hello from enarx-c bench" ]; then
                ENGINE_CMD=("$enarx" run --backend nil)
                ENGINE_NAME="enarx run --backend nil"
                return 0
            fi
            if [ "$want" = enarx ]; then
                echo "bench: BENCH_ENGINE=enarx, but \`$enarx run --backend nil $hello\` does not work" >&2
                return 2
            fi
            ;;&
        auto | wasm_run)
            if [ -x "$wasm_run" ]; then
                ENGINE_CMD=("$wasm_run")
                ENGINE_NAME="tests/wasm_run (the engine's test harness; \`enarx run\` is not available)"
                [ "$want" = wasm_run ] && ENGINE_NAME="tests/wasm_run (the engine's test harness, forced by BENCH_ENGINE)"
                return 0
            fi
            echo "bench: neither \`enarx run --backend nil\` nor $wasm_run is available; run \`make\` first" >&2
            return 2
            ;;
        *)
            read -r -a ENGINE_CMD <<<"$want"
            ENGINE_NAME="$want (from BENCH_ENGINE)"
            ;;
    esac
}

# bench_recorded_checksum KERNEL SIZE: the line bench/kernels/checksums.txt
# records for the kernel at that size (nothing when there is none).
bench_recorded_checksum() {
    grep -E "^checksum $1 n=$2 " bench/kernels/checksums.txt 2>/dev/null | head -n 1
}

# bench_pin_cpu SCRIPT [ARG...]: runs the calling script again pinned to one
# CPU (taskset), unless it already is. Ratios compare commands run one after
# another; on a VM whose vCPUs differ in speed (the development machines'
# two differ by 1.65x: docs/performance.md), native and engine runs landing
# on different CPUs give wrong ratios. BENCH_CPU picks the CPU (default: the
# last one online); BENCH_CPU=none runs unpinned. Returns when it did not re-run.
bench_pin_cpu() {
    local script=$1 cpu
    shift
    [ "${BENCH_CPU:-}" = none ] && return 0
    [ -n "${BENCH_PINNED:-}" ] && return 0
    command -v taskset >/dev/null 2>&1 || return 0
    cpu=${BENCH_CPU:-$(($(nproc --all 2>/dev/null || echo 1) - 1))}
    [ "$cpu" -ge 1 ] 2>/dev/null || [ -n "${BENCH_CPU:-}" ] || return 0
    echo "bench: pinned to CPU $cpu (BENCH_CPU=N to choose, BENCH_CPU=none for no pinning)" >&2
    BENCH_PINNED=1 exec taskset -c "$cpu" "$script" "$@"
}
