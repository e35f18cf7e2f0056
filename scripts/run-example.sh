#!/usr/bin/env bash
# The main job (`make run`): run the example workload (examples/hello.c,
# compiled to wasm32-wasi by the build) in a Keep on the best backend this
# machine offers (`enarx platform info` says which, and why not the others).
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
enarx="$BUILD/bin/enarx"
module="$BUILD/examples/hello.wasm"
for f in "$enarx" "$BUILD/bin/enarx-exec" "$module"; do
    [ -e "$f" ] || { echo "run-example.sh: $f is missing; run \`make\` first" >&2; exit 1; }
done
backend="${ENARX_BACKEND:-$("$enarx" platform info --json | sed -n 's/^  "default": "\(.*\)",*$/\1/p')}"
echo "\$ enarx run $module    # backend: ${backend:-none available}" >&2
exec "$enarx" run "$module" "$@"
