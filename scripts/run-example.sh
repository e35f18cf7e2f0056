#!/usr/bin/env bash
# The main job: run an example workload in a Keep on the best backend present.
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
exec "$BUILD/bin/enarx" run "$BUILD/examples/hello.wasm" "$@"
