#!/usr/bin/env bash
# Static analysis over the project's own C: cppcheck and clang-tidy.
# Programs built for wasm32-wasi (test workloads, benchmark kernels) are
# checked with that target. clang-tidy runs one file per invocation: clang-tidy
# 14 carries state between the files of one batch and then reports false
# "uninitialized va_list" warnings.
set -u
cd "$(dirname "$0")/.."
wasm_dirs='^(tests/workloads|bench/kernels)/'
mapfile -t host < <(git ls-files 'src/*.c' 'tests/*.c' 'bench/*.c' | grep -v '^src/shim/' | grep -Ev "$wasm_dirs")
mapfile -t wasm < <(git ls-files 'tests/*.c' 'bench/*.c' | grep -E "$wasm_dirs")
status=0
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
    --std=c11 --inline-suppr -D__GNUC__ -Isrc -Itests/lib "${host[@]}" || status=1
tidy() { # target flags... -- files
    printf '%s\n' "${@:2}" | xargs -P 2 -I{} sh -c \
        "clang-tidy --quiet '{}' -- -std=c11 -D_GNU_SOURCE -Isrc -Itests/lib $1 2>/dev/null" || status=1
}
tidy "" "${host[@]}"
tidy "--target=wasm32-wasi" "${wasm[@]}"
[ "$status" -eq 0 ] && echo "lint: clean (${#host[@]} host files, ${#wasm[@]} wasm32-wasi files)"
exit $status
