#!/usr/bin/env bash
# The runtime's `enarx run` suites (tests/suites/40-*) with TEST_BACKEND=kvm:
# the same workloads, expectations and statuses as on nil, in a KVM Keep.
#
#  - directly on /dev/kvm when this machine has a usable one (hardware KVM or
#    PVM): every 40 suite, within a time budget (KEEP_DIRECT_BUDGET seconds for
#    all of them, default 480; on nil they take ~1.5 min together): a suite
#    still running when the budget is spent is killed and counted as a failure,
#    so a hang can never eat CI's time;
#  - otherwise inside the QEMU/TCG VM (tests/keep/vm.sh): scenarios, bad input,
#    CLI, network and sockets (its kvm subset: issue 14's regressions, signals); KEEP_FULL=1 adds the WASI testsuite and the npm
#    apps, which take tens of minutes under emulation (every enarx run there
#    costs seconds).
#
# Under emulation everything is ~50x slower; the runtime suites wait for
# readiness (the workload's "waiting for stdin", a listening socket) rather
# than sleeping a fixed time, so the same checks hold there.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
export BUILD
source tests/lib/suite.sh

# shellcheck source=tests/keep/route.sh
. tests/keep/route.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT

suites="tests/suites/40-runtime-scenarios.sh tests/suites/40-runtime-bad-input.sh tests/suites/40-runtime-cli.sh tests/suites/40-runtime-net.sh tests/suites/40-runtime-sockets.sh"
run_all='for s in '"$suites"'; do echo "=== $s"; TEST_BACKEND=kvm $s 2>&1 | grep -v "^ok "; done'

if [ ! -x "$BUILD/bin/enarx-exec" ]; then
    echo "SKIP: $BUILD/bin/enarx-exec is not built"
    skip=1
elif readelf -lW "$BUILD/bin/enarx-exec" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    echo "SKIP: $BUILD/bin/enarx-exec is dynamically linked (sanitizer builds link it so); a Keep runs static executables"
    skip=1
elif keep_direct_ok; then
    budget=${KEEP_DIRECT_BUDGET:-480}
    deadline=$(($(date +%s) + budget))
    echo "=== directly on /dev/kvm: every 40 suite with TEST_BACKEND=kvm (budget ${budget}s)"
    for s in tests/suites/40-*.sh; do
        echo "=== $s"
        left=$((deadline - $(date +%s)))
        if [ "$left" -le 0 ]; then
            bad "$s" "not run, the time budget of ${budget}s is spent (KEEP_DIRECT_BUDGET)"
            continue
        fi
        TEST_BACKEND=kvm timeout -k 5 "$left" "$s" >"$log.one" 2>&1
        rc=$?
        grep -v '^ok ' "$log.one"
        cat "$log.one" >>"$log"
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            bad "$s" "killed when the time budget of ${budget}s ran out (a hang, or a far too slow Keep)"
        elif ! grep -qE "$SUITE_RESULT_RE" "$log.one"; then
            bad "$s" "no result line (exit status $rc)"
        fi
    done
    rm -f "$log.one"
    suite_add_log "$log"
elif [ -n "${KEEP_VM_SKIP:-}" ] || ! why=$(tests/keep/vm.sh check); then
    echo "SKIP: no usable /dev/kvm here ($KEEP_DIRECT_WHY), and the QEMU route is unavailable: ${why:-KEEP_VM_SKIP is set}"
    skip=1
else
    echo "=== in a QEMU/TCG virtual machine with nested SVM"
    extra=true
    [ -n "${KEEP_FULL:-}" ] && extra='for s in tests/suites/40-wasi-testsuite.sh tests/suites/40-runtime-npm.sh; do echo "=== $s"; TEST_BACKEND=kvm $s 2>&1 | grep -v "^ok \|^PASS "; done'
    KEEP_VM_TIMEOUT=${KEEP_VM_TIMEOUT:-900} tests/keep/vm.sh run "$run_all; $extra" 2>&1 | tee "$log"
    if [ "${PIPESTATUS[0]}" -eq 126 ]; then
        echo "SKIP: no usable /dev/kvm here, and the QEMU route does not work: $(grep '^vm.sh: ' "$log" | tail -n 1)"
        skip=1
    else
        n=$(grep -c -E "$SUITE_RESULT_RE" "$log")
        want=5; [ -n "${KEEP_FULL:-}" ] && want=7
        [ "$n" -ge $want ] || bad "the VM run finished $n of $want suites"
        suite_add_log "$log"
    fi
fi
suite_end
