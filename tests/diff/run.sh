#!/usr/bin/env bash
# Differential testing loop: our engine (diff_run) against Node's V8
# (v8_run.mjs) on generated modules. See docs/engine.md, "Differential testing".
#
#   tests/diff/run.sh [SECONDS]
#
# Runs until SECONDS (default 60) have passed, or DIFF_COUNT modules are done.
# Module k uses seed DIFF_SEED+k (DIFF_SEED defaults to one from the clock, and
# is printed); the seed alone decides the module, so DIFF_SEED=S DIFF_COUNT=1
# replays one. The seed picks a generator (binaryen's wasm-opt -ttf, plain,
# deeper, optimised or grown from a spec module; tests/diff/gen_wat.mjs for
# tables, references and bulk memory; byte mutations): see loop.mjs.
# Each disagreement is saved under DIFF_OUT (default $BUILD/diff-findings):
# the module, both outputs and stderrs, and the verdict; differences that
# vanish under binaryen's --denan (NaN bits the spec leaves open) go to
# DIFF_OUT/nan/ for review and do not count. The last line is a summary; the
# exit status is 1 if anything disagreed. The loop itself is
# tests/diff/loop.mjs (one Node process; V8 runs in a worker thread).
# DIFF_FILES=LIST runs the modules listed in the file LIST as they are.
# DIFF_DRIVER=PATH runs another driver in place of diff_run (the suite's
# self-test uses one that corrupts the output).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
: "${SHARED_DIR:=$(cd .. && pwd)/shared}"
driver=${DIFF_DRIVER:-$BUILD/tests/diff_run}
for tool in node wasm-opt "$driver"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run.sh: $tool not found" >&2
        exit 2
    fi
done
seed=${DIFF_SEED:-$(( $(date +%s) % 1000000 * 1000 ))}
outdir=${DIFF_OUT:-$BUILD/diff-findings}
mkdir -p "$outdir"

# Parent modules for --initial-fuzz and mutation: the spec tests' valid
# modules (not SIMD) and the engine's own test modules.
pool=$(mktemp)
trap 'rm -f "$pool"' EXIT
spec=$SHARED_DIR/wasm-core-2.0/json
if [ -d "$spec" ]; then
    node -e '
        const fs = require("fs"), dir = process.argv[1];
        for (const f of fs.readdirSync(dir).sort()) {
            if (!f.endsWith(".json") || f.startsWith("simd")) continue;
            const j = JSON.parse(fs.readFileSync(dir + "/" + f, "utf8"));
            for (const c of j.commands || [])
                if (c.type === "module" && c.filename && c.filename.endsWith(".wasm"))
                    console.log(dir + "/" + c.filename);
        }' "$spec" >"$pool"
fi
ls "$BUILD"/tests/engine/wat/*.wasm 2>/dev/null | sort >>"$pool"

args=(--driver "$driver" --out "$outdir" --seed "$seed" --seconds "${1:-60}" --pool "$pool"
      --max-saved "${DIFF_MAX_SAVED:-300}")
[ -n "${DIFF_COUNT:-}" ] && args+=(--count "$DIFF_COUNT")
[ -n "${DIFF_QUIET:-}" ] && args+=(--quiet)
[ -n "${DIFF_FILES:-}" ] && args+=(--files "$DIFF_FILES")
node --experimental-wasm-type-reflection --wasm-max-mem-pages=1024 --wasm-max-table-size=100000 \
    tests/diff/loop.mjs "${args[@]}"
