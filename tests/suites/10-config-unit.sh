#!/usr/bin/env bash
# src/config: unit tests (TOML API, Enarx.toml schema), replays of the fuzz
# corpora and past findings, and `enarx config init` / `enarx config check`
# end to end through the real CLI.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
root=$(pwd)
enarx="$root/$BUILD/bin/enarx"
source tests/lib/suite.sh

# 1. C unit tests: their own "N passed, N failed" line is added to ours.
suite_run_unit config_unit "$BUILD/tests/config/config_unit"

# 2. Fuzz corpora (seeds and regressions) through the fuzz targets' checks.
for target in toml_parse enarx_config; do
    if "$BUILD/tests/config/fuzz-replay-$target" "tests/fuzz/corpus/$target" >/dev/null; then
        ok "fuzz corpus replay: $target"
    else
        bad "fuzz corpus replay: $target"
    fi
done

# 3. enarx config, end to end.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$enarx" config init >out 2>err; rc=$?
if [ "$rc" -eq 0 ] && [ -f Enarx.toml ] && grep -q '^kind = "stdout"$' Enarx.toml; then
    ok "config init creates Enarx.toml"
else
    bad "config init creates Enarx.toml (exit $rc: $(cat err))"
fi

"$enarx" config check >out 2>err; rc=$?
if [ "$rc" -eq 0 ] && grep -q 'FD_NAMES=stdin:stdout:stderr$' out && grep -q 'FD_COUNT=3$' out; then
    ok "config check accepts the template: stdin, stdout, stderr"
else
    bad "config check accepts the template (exit $rc: $(cat out err))"
fi

# Every commented-out example ("# " lines; "## " is prose) is valid too, once
# the trust-anchor file it names exists (config check reads it as run does).
sed 's/^# //' Enarx.toml >all.toml
mkdir -p certs && printf 'placeholder: config check reads, enarx run sends, the Keep parses\n' >certs/example-ca.pem
"$enarx" config check all.toml >out 2>err; rc=$?
if [ "$rc" -eq 0 ] && grep -q 'FD_NAMES=stdin:stdout:stderr:server:example.com:/data$' out; then
    ok "config check accepts the template with every example uncommented"
else
    bad "template examples uncommented (exit $rc: $(cat out err))"
fi

echo 'args = ["mine"]' >Enarx.toml
cp Enarx.toml before
"$enarx" config init >out 2>err; rc=$?
if [ "$rc" -eq 1 ] && cmp -s Enarx.toml before && grep -q 'already exists' err; then
    ok "config init refuses to overwrite (exit 1, file unchanged)"
else
    bad "config init refuses to overwrite (exit $rc: $(cat err))"
fi

mkdir sub && cd sub && ln -s ../before Enarx.toml
"$enarx" config init >out 2>err; rc=$?
if [ "$rc" -eq 1 ] && [ -L Enarx.toml ] && cmp -s ../before ../Enarx.toml; then
    ok "config init refuses an existing symlink"
else
    bad "config init refuses an existing symlink (exit $rc: $(cat err))"
fi
cd "$work"

mkdir ro && chmod 555 ro && cd ro
if [ "$(id -u)" -ne 0 ]; then
    "$enarx" config init >out 2>err; rc=$?
    if [ "$rc" -eq 1 ] && grep -q 'cannot create Enarx.toml' err; then
        ok "config init in a read-only directory fails clearly"
    else
        bad "config init in a read-only directory (exit $rc: $(cat err))"
    fi
else
    echo "(read-only directory case not run: root ignores directory permissions)"
fi
cd "$work"

"$enarx" config init --help >out 2>err; rc=$?
if [ "$rc" -eq 0 ] && grep -q 'Usage: enarx config init' out; then
    ok "config init --help"
else
    bad "config init --help (exit $rc)"
fi

"$enarx" config init extra >out 2>err; rc=$?
[ "$rc" -eq 2 ] && grep -q 'unexpected argument' err && ok "config init rejects arguments (exit 2)" \
    || bad "config init extra (exit $rc)"

"$enarx" --help >out 2>&1; rc=$?
[ "$rc" -eq 0 ] && grep -q '^  config ' out && ok "enarx --help lists config" || bad "enarx --help lists config"

"$enarx" config >out 2>err; rc=$?
[ "$rc" -eq 2 ] && grep -q 'Usage: enarx config' err && ok "enarx config without a command (exit 2)" \
    || bad "enarx config without a command (exit $rc)"

"$enarx" config frob >out 2>err; rc=$?
[ "$rc" -eq 2 ] && grep -q "unknown command 'frob'" err && ok "enarx config frob (exit 2)" \
    || bad "enarx config frob (exit $rc)"

printf '[[files]]\nkind = "stdin"\n[[files]]\nkind = "pipe"\n' >bad.toml
"$enarx" config check bad.toml >out 2>err; rc=$?
if [ "$rc" -eq 2 ] && grep -q '^enarx config check: bad.toml:4:8: files\[1\]: unknown kind "pipe"; expected one of' err; then
    ok "config check reports file:line:column (exit 2)"
else
    bad "config check on a bad file (exit $rc: $(cat err))"
fi

"$enarx" config check missing.toml >out 2>err; rc=$?
[ "$rc" -eq 2 ] && grep -q 'missing.toml: cannot open: No such file or directory' err \
    && ok "config check on a missing file (exit 2)" || bad "config check missing file (exit $rc: $(cat err))"

suite_end
