#!/usr/bin/env bash
# A short bounded run of every libFuzzer target (one per parser of untrusted
# bytes: wasm modules, TOML and Enarx.toml, attestation evidence and
# collateral, the exec's workload stream and DNS replies, sallyport replies),
# from the seed corpora in tests/fuzz/corpus/. `make fuzz` is the longer run.
#
# FUZZ_SMOKE_SECONDS sets the time per target (default 5; 0 skips the suite).
# Skips with a message when clang or its libFuzzer runtime is missing.
set -u
cd "$(dirname "$0")/../.."
source tests/lib/suite.sh
seconds=${FUZZ_SMOKE_SECONDS:-5}
[ "$seconds" = 0 ] && suite_skip_all "FUZZ_SMOKE_SECONDS=0"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    >"$probe/p.c"
clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1 ||
    suite_skip_all "clang with libFuzzer is not usable here (scripts/deps.sh installs it)"
# The fuzz build is separate (clang, sanitizers, build/fuzz) from the one
# under test; a failure to build it is a failure of this suite.
if ! make --no-print-directory -j2 CC=clang BUILD=build/fuzz OPT="-O1 -g" fuzz-build \
    >"$probe/build.log" 2>&1; then
    tail -20 "$probe/build.log"
    bad "the fuzz targets do not build"
    suite_end
    exit
fi
BUILD=build/fuzz scripts/run-fuzz.sh "$seconds"
