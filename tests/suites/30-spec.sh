#!/usr/bin/env bash
# WebAssembly 2.0 core spec tests through the engine's public API.
# Needs the shared test data ($SHARED_DIR/wasm-core-2.0/json, or SPEC_DIR).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
dir=${SPEC_DIR:-${SHARED_DIR:-../shared}/wasm-core-2.0/json}
[ -d "$dir" ] || suite_skip_all "spec: $dir not found (set SHARED_DIR or SPEC_DIR)"
exec "$BUILD/tests/spec_runner" "$dir"
