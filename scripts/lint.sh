#!/usr/bin/env bash
# Static analysis over the project's own C: cppcheck and clang-tidy.
set -u
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.c' 'tests/*.c' | grep -v '^src/shim/')
status=0
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
    --std=c11 --inline-suppr -Isrc -Itests/lib $files || status=1
clang-tidy --quiet $files -- -std=c11 -D_GNU_SOURCE -Isrc -Itests/lib 2>/dev/null || status=1
exit $status
