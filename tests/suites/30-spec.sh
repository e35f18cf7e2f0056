#!/usr/bin/env bash
# WebAssembly 2.0 core spec tests through the engine's public API, in both
# tiers: the interpreter, then the JIT (ENGINE_TIER=jit; functions it does not
# compile yet run in the interpreter, the runner says how many it compiled).
# Needs the shared test data ($SHARED_DIR/wasm-core-2.0/json, or SPEC_DIR).
set -u
: "${BUILD:=build}"
dir=${SPEC_DIR:-${SHARED_DIR:-../shared}/wasm-core-2.0/json}
if [ ! -d "$dir" ]; then
    echo "SKIP spec: $dir not found (set SHARED_DIR or SPEC_DIR)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
p=0 f=0 s=0 rc=0
for tier in interp jit; do
    out=$(ENGINE_TIER=$tier "$BUILD/tests/spec_runner" "$dir") || rc=1
    echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'
    line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -1)
    echo "$tier: $line"
    if [ -z "$line" ]; then
        f=$((f + 1)); continue
    fi
    read -r tp _ tf _ ts _ <<<"$line"
    p=$((p + tp)) f=$((f + tf)) s=$((s + ts))
done
[ $rc -ne 0 ] && [ $f -eq 0 ] && f=1
echo "$p passed, $f failed, $s skipped"
[ $f -eq 0 ]
