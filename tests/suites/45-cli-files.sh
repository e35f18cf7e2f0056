#!/usr/bin/env bash
# Every file the enarx command reads, given as something that is not a
# regular file: a FIFO nobody writes to, a directory, a character device, or
# a file over its limit. Each must be refused at once (exit status non-zero,
# a message naming the file and what it is), never waited on: every command
# runs under a timeout, so a hang shows as a failure. The files: the module,
# --wasmcfgfile / ENARX_WASMCFGFILE, trust anchors named by `ca` in
# Enarx.toml (`enarx run` and `enarx config check`), the inputs of
# `enarx attest verify`, and the executable of `enarx unstable exec`.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
ENARX=${ENARX:-$(pwd)/$BUILD/bin/enarx}
export ENARX_BACKEND=nil
unset ENARX_WASMCFGFILE ENARX_LOG
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t"

mkfifo fifo
mkdir dir
printf '\0asm\1\0\0\0' >empty.wasm
printf 'x' >junk
head -c 1048577 /dev/zero | tr '\0' 'A' >big.pem

# expect NAME STATUS TEXT COMMAND...: within 10 s, COMMAND exits with STATUS
# and prints TEXT; a command still waiting then blocked on the file.
SUITE_TIMEOUT=10
expect() { check_command "$@"; }

# Enarx.toml with one TLS connection trusting the anchors "$1".
anchors() {
    printf '[[files]]\nkind = "stdout"\n\n[[files]]\nkind = "connect"\nprot = "tls"\nhost = "example.com"\nport = 443\nca = "%s"\n' "$1"
}

# --- enarx run
expect "run: the module is a FIFO" 2 "module '$t/fifo': is a FIFO, not a regular file" "$ENARX" run "$t/fifo"
expect "run: the module is a device" 2 "module '/dev/zero': is a character device, not a regular file" \
    "$ENARX" run /dev/zero
expect "run: --wasmcfgfile is a FIFO" 2 "config file 'fifo': is a FIFO, not a regular file" \
    "$ENARX" run --wasmcfgfile fifo empty.wasm
ENARX_WASMCFGFILE=fifo expect "run: ENARX_WASMCFGFILE is a FIFO" 2 "config file 'fifo': is a FIFO, not a regular file" \
    "$ENARX" run empty.wasm
expect "run: --wasmcfgfile is a directory" 2 "config file 'dir': is a directory, not a regular file" \
    "$ENARX" run --wasmcfgfile dir empty.wasm
anchors fifo >ca-fifo.toml
expect "run: ca names a FIFO" 2 'ca-fifo.toml:9:6: ca = "fifo": is a FIFO, not a regular file' \
    "$ENARX" run --wasmcfgfile ca-fifo.toml empty.wasm
mkdir sub && anchors ../fifo >sub/Enarx.toml
expect "run: ca names a FIFO, relative to the config's directory" 2 \
    "sub/Enarx.toml:9:6: ca = \"../fifo\" (sub/../fifo): is a FIFO, not a regular file" \
    "$ENARX" run --wasmcfgfile sub/Enarx.toml empty.wasm
printf '[[files]]\nkind = "stdout"\n\n[tls]\nca = ["fifo"]\n\n[[files]]\nkind = "connect"\nprot = "tls"\nhost = "example.com"\nport = 443\n' \
    >tls-fifo.toml
expect "run: [tls] ca names a FIFO" 2 'tls-fifo.toml:5:7: ca = "fifo": is a FIFO, not a regular file' \
    "$ENARX" run --wasmcfgfile tls-fifo.toml empty.wasm

# --- enarx config check
expect "config check: the file is a FIFO" 2 "fifo: is a FIFO, not a regular file" "$ENARX" config check fifo
expect "config check: ca names a FIFO" 2 'ca-fifo.toml:9:6: ca = "fifo": is a FIFO, not a regular file' \
    "$ENARX" config check ca-fifo.toml
anchors dir >ca-dir.toml
expect "config check: ca names a directory" 2 'ca = "dir": is a directory, not a regular file' \
    "$ENARX" config check ca-dir.toml
anchors /dev/zero >ca-dev.toml
expect "config check: ca names a device" 2 'ca = "/dev/zero": is a character device, not a regular file' \
    "$ENARX" config check ca-dev.toml
anchors big.pem >ca-big.toml
expect "config check: ca names a file over 1 MiB" 2 'ca = "big.pem": is 1048577 bytes; the limit is 1048576' \
    "$ENARX" config check ca-big.toml
anchors missing.pem >ca-missing.toml
expect "config check: ca names a missing file" 2 'ca = "missing.pem": cannot open: No such file or directory' \
    "$ENARX" config check ca-missing.toml
printf -- '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' >ca.pem
anchors ca.pem >ca-ok.toml
expect "config check: ca names a regular file" 0 "ca-ok.toml: valid" "$ENARX" config check ca-ok.toml

# --- enarx attest verify: regular files and pipes (`<(command)`, /dev/stdin)
expect "attest: EVIDENCE is a FIFO nobody writes to" 2 "EVIDENCE fifo: nothing was written to this pipe" \
    "$ENARX" attest verify fifo
for opt in --vcek --chain --intel-root --crl --policy; do
    expect "attest: $opt is a FIFO nobody writes to" 2 "$opt fifo: nothing was written to this pipe" \
        "$ENARX" attest verify junk "$opt" fifo
done
expect "attest: --tcb-info is a directory" 2 "--tcb-info dir: is a directory, not a regular file or a pipe" \
    "$ENARX" attest verify junk --tcb-info dir --tcb-info-chain junk
expect "attest: --qe-identity-chain is a device" 2 \
    "--qe-identity-chain /dev/zero: is a character device, not a regular file or a pipe" \
    "$ENARX" attest verify junk --qe-identity junk --qe-identity-chain /dev/zero
# A pipe with a writer is read: the verdict is about the bytes, not the file.
expect "attest: EVIDENCE from a pipe is read" 2 "UNREADABLE INPUT" "$ENARX" attest verify <(printf 'junk')

# --- enarx unstable exec: the executable is read before any Keep starts
expect "unstable exec: the program is a FIFO" 1 "the exec fifo: is a FIFO, not a regular file" \
    "$ENARX" unstable exec fifo

suite_end
