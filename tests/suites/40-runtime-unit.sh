#!/usr/bin/env bash
# Unit tests of the runtime's Keep-side modules (no engine needed): WASI
# functions on a fake linear memory, path sandboxing (openat2 and the
# component walk: one table of cases for both, races against every path
# function), the workload-stream and DNS parsers, TLS connections.
set -u
: "${BUILD:=build}"
pass=0 fail=0
for t in wasi_unit sandbox_unit exec_unit tls_unit; do
    bin="$BUILD/tests/wasi/$t"
    if [ ! -x "$bin" ]; then
        echo "FAIL $t: $bin is not built"
        fail=$((fail + 1))
        continue
    fi
    res=$("$bin" 2>&1)
    rc=$?
    echo "$res" | grep -v '^ok' | tail -n 20
    line=$(echo "$res" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
    p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    [ -z "$line" ] && { p=0; f=1; }
    [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
    echo "$t: $p passed, $f failed"
    pass=$((pass + p)) fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
