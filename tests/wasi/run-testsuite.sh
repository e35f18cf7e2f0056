#!/usr/bin/env bash
# Runs the WASI preview1 testsuite (WebAssembly/wasi-testsuite, prebuilt, in
# $SHARED_DIR/wasi-testsuite-p1) through `enarx run`.
#
# Each X.wasm may have an X.json: the legacy keys {args, env, root,
# exit_code, stdout, stderr} or {"operations": [run, read..., wait]}. The
# guest's environment is exactly `env`; `root` (a directory beside the test)
# is preopened as "/", from a fresh copy so that the shared data is never
# written; stdin is an empty pipe; stdout/stderr must start with what the
# test expects.
#
# usage: run-testsuite.sh [DIR...]   (default: c assemblyscript rust)
set -u
: "${BUILD:=build}"
: "${SHARED_DIR:=../shared}"
ENARX="${ENARX:-$BUILD/bin/enarx}"
SUITE="$SHARED_DIR/wasi-testsuite-p1"
export ENARX_BACKEND="${TEST_BACKEND:-nil}"
unset ENARX_WASMCFGFILE ENARX_LOG
# shellcheck source=tests/lib/suite.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/suite.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=(c assemblyscript rust)

for d in "${dirs[@]}"; do
    for wasm in "$SUITE/$d"/*.wasm; do
        name="$d/$(basename "$wasm" .wasm)"
        json="${wasm%.wasm}.json"
        spec='{}'
        [ -f "$json" ] && spec=$(cat "$json")
        if jq -e 'has("operations")' <<<"$spec" >/dev/null; then
            if jq -e '[.operations[].type] - ["run","read","wait"] | length > 0' <<<"$spec" >/dev/null ||
               jq -e 'has("proposals")' <<<"$spec" >/dev/null; then
                skipped "$name" "needs more than run/read/wait"; continue
            fi
            spec=$(jq '(.operations | map(select(.type=="run")) | first // {}) as $r
                       | (.operations | map(select(.type=="wait")) | first // {}) as $w
                       | {args: ($r.args // []), env: ($r.env // {}), root: $r.root,
                          exit_code: ($w.exit_code // 0),
                          stdout: (.operations | map(select(.type=="read" and ((.id // "stdout")=="stdout"))) | first | .payload),
                          stderr: (.operations | map(select(.type=="read" and .id=="stderr")) | first | .payload)}' <<<"$spec")
        fi
        opts=()
        while IFS= read -r -d '' kv; do
            opts+=(--env "$kv")
        done < <(jq -j '(.env // {}) | to_entries[] | "\(.key)=\(.value)\u0000"' <<<"$spec")
        root=$(jq -r '.root // empty' <<<"$spec")
        if [ -n "$root" ]; then
            copy="$work/${d}_$(basename "$wasm" .wasm)"
            rm -rf "$copy"
            cp -a "$SUITE/$d/$root" "$copy"
            chmod -R u+w "$copy"
            find "$copy" -name '*.cleanup' -exec rm -rf {} + 2>/dev/null
            opts+=(--dir "$copy::/")
        fi
        mapfile -d '' -t args < <(jq -j '(.args // [])[] | "\(.)\u0000"' <<<"$spec")
        want_code=$(jq -r '.exit_code // 0' <<<"$spec")
        out="$work/out" errf="$work/err"
        # stdin, stdout and stderr are all pipes, as in the upstream runner
        : | timeout 60 "$ENARX" run "${opts[@]}" "$wasm" "${args[@]}" 2> >(cat >"$errf") | cat >"$out"
        code=${PIPESTATUS[1]}
        wait $! 2>/dev/null
        why=""
        [ "$code" != "$want_code" ] && why="exit $code != $want_code"
        for stream in stdout stderr; do
            want=$(jq -r --arg s "$stream" '.[$s] // empty' <<<"$spec")
            [ -z "$want" ] && continue
            file=$out
            [ "$stream" = stderr ] && file=$errf
            got=$(head -c "${#want}" "$file")
            [ "$got" != "$want" ] && why="$why; $stream [${got:0:60}] != [$want]"
        done
        if [ -z "$why" ]; then
            ok "$name"
        else
            bad "$name" "${why#; } $(tail -n 2 "$errf" | tr '\n' ' ' | cut -c1-200)"
        fi
    done
done
suite_end
