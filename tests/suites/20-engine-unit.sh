#!/usr/bin/env bash
# Unit tests of the engine's embedding API (tests/engine/engine_test.c), then
# real C programs compiled for wasm32-wasi, run through the engine.
set -u
: "${BUILD:=build}"
"$BUILD/tests/engine_test" "$BUILD/tests/engine/wat"
