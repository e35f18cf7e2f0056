#!/usr/bin/env bash
# The sallyport without a VM: unit tests of the Keep-side client against the
# host executor (real pipes, files and loopback sockets; every reply byte read
# at most once), and the hostile-host table (one damaged reply field per case:
# the Keep must stop with a violation or return an ordinary error).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
pass=0 fail=0
for t in unit hostile; do
    bin="$BUILD/tests/sallyport/$t"
    echo "--- sallyport $t"
    out=$("$bin" 2>&1)
    rc=$?
    echo "$out" | grep -v '^ok ' | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
    echo "$out" | grep -c '^ok ' | sed 's/^/ok cases: /' | grep -v ': 0$'
    line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL sallyport $t: no result (exit status $rc)"
        fail=$((fail + 1))
        continue
    fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    pass=$((pass + p)); fail=$((fail + f))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { echo "FAIL sallyport $t exited with $rc"; fail=$((fail + 1)); }
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
