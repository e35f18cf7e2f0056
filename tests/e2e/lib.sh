# Shared by the runtime's end-to-end suites (tests/suites/40-*.sh): checks
# and `enarx run` on the backend under test ($TEST_BACKEND, default nil); the
# counters are tests/lib/suite.sh's.
: "${BUILD:=build}"
: "${SHARED_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared}"
ENARX="$BUILD/bin/enarx"
W="$BUILD/tests/workloads"
export ENARX_BACKEND="${TEST_BACKEND:-nil}"
unset ENARX_WASMCFGFILE ENARX_LOG
# shellcheck source=tests/lib/suite.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/suite.sh"

# check NAME ACTUAL EXPECTED
check() {
    if [ "$2" == "$3" ]; then ok "$1"; else bad "$1" "got [$2], want [$3]"; fi
}

# check_contains NAME HAYSTACK NEEDLE
check_contains() {
    if [[ "$2" == *"$3"* ]]; then ok "$1"; else bad "$1" "[$2] lacks [$3]"; fi
}

# run_enarx ARGS... : runs enarx run with a timeout; sets out, err, status.
run_enarx() {
    local o e
    o=$(mktemp) e=$(mktemp)
    timeout "${RUN_TIMEOUT:-60}" "$ENARX" run "$@" >"$o" 2>"$e" </dev/null
    status=$?
    out=$(cat "$o") err=$(cat "$e")
    rm -f "$o" "$e"
}

# The exec needs the engine; until it is on this branch there is nothing to run.
need_exec() {
    if [ ! -x "$BUILD/bin/enarx-exec" ]; then
        suite_skip_all "$BUILD/bin/enarx-exec is not built (the engine, src/engine, has not landed yet)"
    fi
}

# frame_header TYPE LENGTH: a workload-stream frame header (u32 type, u32 0, u64 length, little-endian)
frame_header() {
    local type=$1 len=$2 i out=""
    for i in 0 1 2 3; do out+=$(printf '\\x%02x' $(((type >> (8 * i)) & 255))); done
    out+='\x00\x00\x00\x00'
    for i in 0 1 2 3 4 5 6 7; do out+=$(printf '\\x%02x' $(((len >> (8 * i)) & 255))); done
    printf "$out"
}

# wait_listening PORT [SECONDS]: waits (default 30 s) until something listens
# on TCP PORT, without connecting to it: a probe connection would use up a
# server's only accept.
# scratch_space: $tmp, a fresh directory, and $pids, background processes;
# at exit the processes are killed (with signal $scratch_signal, default
# TERM) and the directory removed.
scratch_space() {
    tmp=$(mktemp -d)
    pids=()
    trap scratch_cleanup EXIT
}
scratch_cleanup() {
    local p
    for p in "${pids[@]}"; do kill -"${scratch_signal:-TERM}" "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}

wait_listening() {
    local hex i
    hex=$(printf '%04X' "$1")
    for ((i = 0; i < ${2:-30} * 20; i++)); do
        awk -v p="$hex" '{ split($2, a, ":"); if (a[2] == p && $4 == "0A") found = 1 } END { exit !found }' \
            /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
