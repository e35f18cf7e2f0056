#!/usr/bin/env bash
# WebAssembly 2.0 core spec tests through the engine's public API.
# Needs the shared test data ($SHARED_DIR/wasm-core-2.0/json, or SPEC_DIR).
set -u
: "${BUILD:=build}"
dir=${SPEC_DIR:-${SHARED_DIR:-../shared}/wasm-core-2.0/json}
if [ ! -d "$dir" ]; then
    echo "SKIP spec: $dir not found (set SHARED_DIR or SPEC_DIR)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
exec "$BUILD/tests/spec_runner" "$dir"
