#!/usr/bin/env bash
# The enarx command line: help and version everywhere, platform info (text
# and JSON), and usage errors that must stop before any Keep starts (status
# 2 and a message naming the problem).
set -u
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# cli NAME EXPECTED-STATUS EXPECTED-TEXT ARGS... (text looked for in stdout+stderr)
cli() { local name=$1 want=$2 text=$3; shift 3; check_command "$name" "$want" "$text" "$ENARX" "$@"; }

cli "enarx --version" 0 "enarx 0." --version
cli "enarx --help lists run" 0 "run" --help
cli "enarx --help lists platform" 0 "platform" --help
cli "enarx run --help" 0 "--wasmcfgfile" run --help
cli "enarx run -h" 0 "--backend" run -h
cli "enarx platform --help" 0 "info" platform --help
cli "enarx platform info --help" 0 "--json" platform info --help
cli "enarx platform (no subcommand)" 2 "Usage" platform
cli "enarx platform bogus" 2 "unknown command" platform bogus
cli "enarx platform info --bogus" 2 "unknown option" platform info --bogus
cli "enarx bogus" 2 "unknown command" bogus

cli "platform info shows nil available" 0 "✔ Backend: nil" platform info
cli "platform info shows the kvm driver check" 0 "Driver: /dev/kvm" platform info
json=$("$ENARX" platform info --json)
check "platform info --json: nil is available" "$(jq -r '.backends[] | select(.backend=="nil") | .available' <<<"$json")" true
check "platform info --json: backend order" "$(jq -r '[.backends[].backend] | join(",")' <<<"$json")" "sgx,sev,kvm,nil"
check "platform info --json: version" "$(jq -r .version <<<"$json")" "$("$ENARX" --version | cut -d' ' -f2)"
if [ -e /dev/kvm ]; then
    skipped "kvm unavailable with a hint" "/dev/kvm exists on this machine"
else
    check "platform info --json: kvm unavailable" "$(jq -r '.backends[] | select(.backend=="kvm") | .available' <<<"$json")" false
    check_contains "platform info --json: kvm hint" "$(jq -r '.backends[] | select(.backend=="kvm") | .hint' <<<"$json")" "/dev/kvm does not exist"
    check "platform info --json: default nil" "$(jq -r .default <<<"$json")" nil
fi

# usage errors: status 2, a message, and no Keep
printf 'not wasm at all' >"$tmp/text.wasm"
printf '\0asm\x0d\0\x01\0' >"$tmp/component.wasm"
printf '\0asm\1\0\0\0' >"$tmp/empty.wasm"
cli "run without a module" 2 "missing MODULE" run
cli "run a missing module" 2 "module '$tmp/nope.wasm': cannot open: No such file" run "$tmp/nope.wasm"
cli "run a text file" 2 "is not a WebAssembly module" run "$tmp/text.wasm"
cli "run a component" 2 "component" run "$tmp/component.wasm"
cli "run a directory" 2 "not a regular file" run "$tmp"
cli "unknown option" 2 "unknown option '--frobnicate'" run --frobnicate "$tmp/empty.wasm"
cli "option at the end" 2 "needs a value" run --backend
cli "unknown backend" 2 "\"sgx2\" is unknown" run --backend sgx2 "$tmp/empty.wasm"
ENARX_BACKEND=bogus cli "ENARX_BACKEND=bogus" 2 "\"bogus\" is unknown" run "$tmp/empty.wasm"
if [ ! -e /dev/kvm ]; then
    cli "kvm backend unavailable" 2 "not available on this platform" run --backend kvm "$tmp/empty.wasm"
fi
cli "sgx backend unavailable" 2 "not available on this platform" run --backend sgx "$tmp/empty.wasm"
cli "--env without =" 2 "expected NAME=VALUE" run --env NOVALUE "$tmp/empty.wasm"
cli "--dir that does not exist" 2 "is not a directory" run --dir "$tmp/none::/x" "$tmp/empty.wasm"
cli "--dir with an empty guest" 2 "HOST[::GUEST]" run --dir "$tmp::" "$tmp/empty.wasm"
cli "missing config" 2 "config file '$tmp/none.toml': cannot open: No such file" run --wasmcfgfile "$tmp/none.toml" "$tmp/empty.wasm"
ENARX_WASMCFGFILE="$tmp/none.toml" cli "ENARX_WASMCFGFILE missing" 2 "none.toml" run "$tmp/empty.wasm"
cli "bad --log-level" 2 "--log-level loud" run --log-level loud "$tmp/empty.wasm"
ENARX_LOG=loud cli "bad ENARX_LOG" 2 "ENARX_LOG=loud" run "$tmp/empty.wasm"
ENARX_EXEC="$tmp/no-exec" cli "missing exec" 1 "ENARX_EXEC=$tmp/no-exec" run "$tmp/empty.wasm"

# the engine tier: --engine, ENARX_ENGINE, Enarx.toml's engine; the exec says which ran
cli "bad --engine" 2 "--engine fast: expected auto, interp or jit" run --engine fast "$tmp/empty.wasm"
ENARX_ENGINE=fast cli "bad ENARX_ENGINE" 2 "ENARX_ENGINE=fast" run "$tmp/empty.wasm"
fib=${BUILD:-build}/bench/fib.wasm
if [ -f "$fib" ]; then
    cli "--engine jit runs machine code" 0 "engine: jit (jit): " run --backend "${TEST_BACKEND:-nil}" --log-level info --engine jit "$fib" 20
    cli "--engine jit: right answer" 0 "checksum fib n=20 301681703c251f6a" run --backend "${TEST_BACKEND:-nil}" --engine jit "$fib" 20
    cli "--engine interp" 0 "engine: interpreter (interp)" run --backend nil --log-level info --engine interp "$fib" 20
    cli "default engine: tiered (a small module)" 0 "engine: tiered (auto)" run --backend nil --log-level info "$fib" 20
    ENARX_ENGINE=jit cli "ENARX_ENGINE=jit" 0 "engine: jit" run --backend nil --log-level info "$fib" 20
    printf 'engine = "jit"\nargs = ["20"]\n[[files]]\nkind = "stdout"\n' >"$tmp/jit.toml"
    cli "Enarx.toml pins the JIT" 0 "engine: jit" run --backend nil --log-level info --wasmcfgfile "$tmp/jit.toml" "$fib"
    cli "--engine wins over Enarx.toml" 0 "engine: interpreter (interp)" \
        run --backend nil --log-level info --engine interp --wasmcfgfile "$tmp/jit.toml" "$fib"
    printf 'engine = "fast"\n' >"$tmp/bad-engine.toml"
    cli "Enarx.toml: bad engine" 2 "engine: not an engine tier" run --backend nil --wasmcfgfile "$tmp/bad-engine.toml" "$fib"
else
    skipped "engine tiers" "$fib absent (make bench builds it)"
fi

suite_end
