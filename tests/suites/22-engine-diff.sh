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
#      node and wasm-opt are installed.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
driver=$BUILD/tests/diff_run
wasmdir=$BUILD/tests/diff/regress
NODE=(node --experimental-wasm-type-reflection --wasm-max-mem-pages=1024 --wasm-max-table-size=100000)
have_node=; command -v node >/dev/null 2>&1 && have_node=1
pass=0 fail=0 skip=0

# check_case WAT WASM -> 0 when both engines print the .expected output
check_case() {
    local wat=$1 wasm=$2 want got v8
    want=$(cat "${wat%.wat}.expected" 2>/dev/null) || { echo "no ${wat%.wat}.expected"; return 1; }
    got=$("$driver" "$wasm" 2>/dev/null)
    if [ "$got" != "$want" ]; then
        echo "our engine: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -4 | tr '\n' ' ')"
        return 1
    fi
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
        echo "ok   regress/$name"; pass=$((pass + 1))
    else
        echo "FAIL regress/$name: $why"; fail=$((fail + 1))
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

if [ -z "$have_node" ] || ! command -v wasm-opt >/dev/null 2>&1; then
    echo "SKIP differential run: needs node and wasm-opt (Debian packages nodejs, binaryen)"
    skip=$((skip + 1))
else
    # Fixed seeds: the same modules every time. 60 modules take ~30 s here.
    out=$(DIFF_SEED=${DIFF_SUITE_SEED:-7000} DIFF_COUNT=${DIFF_SUITE_COUNT:-60} DIFF_QUIET=1 \
          DIFF_OUT=$BUILD/diff-findings-suite tests/diff/run.sh 300 2>&1)
    rc=$?
    echo "$out"
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1))
    else
        echo "FAIL differential run (findings saved in $BUILD/diff-findings-suite)"; fail=$((fail + 1))
    fi
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
