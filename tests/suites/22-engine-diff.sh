#!/usr/bin/env bash
# Differential testing of the engine against Node's V8 (docs/engine.md,
# "Differential testing"):
#  (a) every regression case tests/diff/regress/*.wat (a disagreement found
#      by the loop, minimised) must print exactly its .expected output on our
#      engine (diff_run); where node is present, V8 must print it too, unless
#      the case says ";; v8-differs:" (a known V8 quirk, documented there).
#      Cases in tests/diff/regress/pending/ are bugs not fixed yet: they run
#      and are listed, but do not fail the suite; move one up when it passes.
#  (b) a short differential run on fixed seeds (tests/diff/run.sh), when
#      node and wasm-opt are installed; regression cases and a shorter run
#      also in the JIT tier (ENGINE_TIER=jit).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
driver=$BUILD/tests/diff_run
wasmdir=$BUILD/tests/diff/regress
NODE=(node --experimental-wasm-type-reflection --wasm-max-mem-pages=1024 --wasm-max-table-size=100000)
have_node=; command -v node >/dev/null 2>&1 && have_node=1
source tests/lib/suite.sh

# check_case WAT WASM -> 0 when both engines print the .expected output
check_case() {
    local wat=$1 wasm=$2 want got v8
    want=$(cat "${wat%.wat}.expected" 2>/dev/null) || { echo "no ${wat%.wat}.expected"; return 1; }
    for tier in interp jit; do
        got=$(ENGINE_TIER=$tier "$driver" "$wasm" 2>/dev/null)
        if [ "$got" != "$want" ]; then
            echo "our engine ($tier): $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -4 | tr '\n' ' ')"
            return 1
        fi
    done
    if [ -n "$have_node" ] && ! grep -q '^;; v8-differs:' "$wat"; then
        v8=$("${NODE[@]}" tests/diff/v8_run.mjs "$wasm" 2>/dev/null)
        if [ "$v8" != "$want" ]; then
            echo "V8 disagrees with the expectation: $(diff <(echo "$want") <(echo "$v8") | grep '^[<>]' | head -4 | tr '\n' ' ')"
            return 1
        fi
    fi
    return 0
}

shopt -s nullglob
for wat in tests/diff/regress/*.wat; do
    name=$(basename "$wat" .wat)
    if why=$(check_case "$wat" "$wasmdir/$name.wasm"); then
        ok "regress/$name"
    else
        bad "regress/$name" "$why"
    fi
done
for wat in tests/diff/regress/pending/*.wat; do
    name=$(basename "$wat" .wat)
    if why=$(check_case "$wat" "$wasmdir/pending/$name.wasm"); then
        echo "note pending/$name now passes: move it to tests/diff/regress/"
    else
        echo "pending/$name (known engine bug, not counted): $why"
    fi
done

# expect NAME WANT_STATUS WANT_REGEX OUTPUT STATUS: one check of the harness
expect() {
    if [ "$5" -eq "$2" ] && grep -qE -- "$3" <<<"$4"; then
        ok "$1"
    else
        bad "$1 (exit $5, wanted $2 and /$3/)"; echo "$4" | tail -5
    fi
}

if [ -z "$have_node" ] || ! command -v wasm-opt >/dev/null 2>&1; then
    skipped "differential run and harness checks" "needs node and wasm-opt (Debian packages nodejs, binaryen)"
else
    # (c) the comparator on hand-made outputs: NaN patterns are forgiven only
    # as the spec allows
    cmp_case() { # NAME WANT OURS_TEXT V8_TEXT
        local o v r
        o=$(mktemp) v=$(mktemp)
        printf '%b' "$3" >"$o"; printf '%b' "$4" >"$v"
        r=$(node tests/diff/compare.mjs "$o" "$v"); rm -f "$o" "$v"
        expect "compare: $1" 0 "^$2" "$r" 0
    }
    cmp_case "equal runs" same 'load ok\ncall f\nresult i32:1\n' 'load ok\ncall f\nresult i32:1\n'
    cmp_case "a different result" diff 'call f\nresult i32:1\n' 'call f\nresult i32:2\n'
    cmp_case "quiet NaN bits as i32" same 'call f\nresult i32:-81\n' 'call f\nresult i32:-4194304\n'
    cmp_case "two non-canonical NaNs" diff 'call f\nresult i32:-81\n' 'call f\nresult i32:-82\n'
    cmp_case "a signalling NaN" diff 'call f\nresult i32:2139095041\n' 'call f\nresult i32:2143289344\n'
    cmp_case "one side exhausted" same 'call f\nexhausted\n' 'call f\nresult\ncall g\n'
    cmp_case "ours ends early" diff 'call f\n' 'call f\nresult\n'

    # (d) findings judged spec-allowed (tests/diff/allowed/, NaN bits): the
    # loop must not report them; then (e) the same modules through a driver
    # that corrupts the last line: the loop must report every one, also
    # behind an allowed NaN difference (the --denan rerun compares the rest).
    list=$(mktemp)
    ls "$BUILD"/tests/diff/allowed/*.wasm >"$list" 2>/dev/null
    n=$(wc -l <"$list")
    out=$(DIFF_FILES=$list DIFF_QUIET=1 DIFF_OUT=$BUILD/diff-findings-suite/allowed tests/diff/run.sh 300 2>&1)
    expect "allowed NaN differences not reported ($n modules)" 0 " $n same .* 0 disagreements" "$out" $?
    out=$(DIFF_FILES=$list DIFF_QUIET=1 DIFF_OUT=$BUILD/diff-findings-suite/corrupt \
          DIFF_DRIVER=tests/diff/corrupt_driver.sh DIFF_REAL_DRIVER=$driver tests/diff/run.sh 300 2>&1)
    expect "a corrupted run is reported ($n modules)" 1 " $n disagreements" "$out" $?
    rm -f "$list"

    # (f) a short differential run on fixed seeds: the same modules every
    # time. 100 modules take about 40 s here.
    out=$(DIFF_SEED=${DIFF_SUITE_SEED:-7000} DIFF_COUNT=${DIFF_SUITE_COUNT:-100} DIFF_QUIET=1 \
          DIFF_OUT=$BUILD/diff-findings-suite tests/diff/run.sh 300 2>&1)
    rc=$?
    echo "$out"
    if [ $rc -eq 0 ]; then
        ok "differential run"
    else
        bad "differential run (findings saved in $BUILD/diff-findings-suite)"
    fi
    # (g) the JIT tier against V8 on other fixed seeds (half as many: the
    # interpreter's run above covers the harness)
    out=$(ENGINE_TIER=jit DIFF_SEED=${DIFF_SUITE_JIT_SEED:-9000} DIFF_COUNT=${DIFF_SUITE_JIT_COUNT:-50} \
          DIFF_QUIET=1 DIFF_OUT=$BUILD/diff-findings-suite-jit tests/diff/run.sh 300 2>&1)
    rc=$?
    echo "$out"
    if [ $rc -eq 0 ]; then
        ok "differential run (jit)"
    else
        bad "differential run (jit) (findings saved in $BUILD/diff-findings-suite-jit)"
    fi
fi
suite_end
