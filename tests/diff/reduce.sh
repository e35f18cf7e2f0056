#!/usr/bin/env bash
# Minimises a finding of the differential loop with binaryen's wasm-reduce.
#
#   tests/diff/reduce.sh FINDING_DIR [REGEX]
#
# A smaller module is kept while the two engines still disagree and the
# comparator's verdict matches REGEX (default: any disagreement; e.g.
# 'ours "memory' keeps only memory differences). Writes reduced.wasm and
# reduced.wat (wasm2wat) into FINDING_DIR, and prints the verdict on them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${BUILD:=build}"
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
dir=$(cd "$1" && pwd)
regex=${2:-.}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cat >"$work/check.sh" <<CHECK
#!/usr/bin/env bash
# prints 1 when the engines disagree in the way being reduced, else 0
f=\$1
"$BUILD/tests/diff_run" "\$f" >"\$f.ours" 2>/dev/null || { echo 0; exit 0; }
timeout 10 node --experimental-wasm-type-reflection --wasm-max-mem-pages=1024 \
    --wasm-max-table-size=100000 "$here/v8_run.mjs" "\$f" >"\$f.v8" 2>/dev/null
v=\$(node "$here/compare.mjs" "\$f.ours" "\$f.v8")
if [[ \$v == diff* ]] && grep -qE -- '$regex' <<<"\$v"; then echo 1; else echo 0; fi
CHECK
chmod +x "$work/check.sh"
if [ "$("$work/check.sh" "$dir/module.wasm")" != 1 ]; then
    echo "reduce.sh: $dir/module.wasm does not show the disagreement (regex $regex)" >&2
    exit 1
fi
cp "$dir/module.wasm" "$work/in.wasm"
(cd "$work" && wasm-reduce in.wasm --command="$work/check.sh $work/t.wasm" -t "$work/t.wasm" \
    -w "$work/w.wasm" --timeout 20 -b "$(dirname "$(command -v wasm-opt)")" \
    -ef "-mvp --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory --enable-multivalue --enable-mutable-globals --enable-reference-types" \
    >"$work/log" 2>&1) || { echo "reduce.sh: wasm-reduce failed:"; tail -5 "$work/log"; }
cp "$work/w.wasm" "$dir/reduced.wasm"
wasm2wat "$dir/reduced.wasm" -o "$dir/reduced.wat" 2>/dev/null || true
"$BUILD/tests/diff_run" "$dir/reduced.wasm" >"$dir/reduced.ours" 2>/dev/null
node --experimental-wasm-type-reflection --wasm-max-mem-pages=1024 --wasm-max-table-size=100000 \
    "$here/v8_run.mjs" "$dir/reduced.wasm" >"$dir/reduced.v8" 2>/dev/null
echo "reduce.sh: $(wc -c <"$dir/module.wasm") -> $(wc -c <"$dir/reduced.wasm") bytes: $(node "$here/compare.mjs" "$dir/reduced.ours" "$dir/reduced.v8")"
