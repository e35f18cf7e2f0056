#!/usr/bin/env bash
# The attested deployment suite (tests/suites/45-deploy.sh) with
# TEST_BACKEND=kvm: the same deploys into KVM Keeps, whose shim serves the
# evidence call through the VMM (SP_GETATT). Directly on /dev/kvm when this
# machine has a usable one, otherwise inside the QEMU/TCG VM
# (tests/keep/vm.sh), where the host-side checks that do not depend on the
# backend (relay, load, lifecycle) are left to the nil run (DEPLOY_FULL=1
# runs them too). About 2 minutes in the VM.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
export BUILD
source tests/lib/suite.sh
# shellcheck source=tests/keep/route.sh
. tests/keep/route.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run='TEST_BACKEND=kvm tests/suites/45-deploy.sh 2>&1 | grep -v "^ok "'
if [ ! -x "$BUILD/bin/enarx-exec" ]; then
    suite_skip_all "$BUILD/bin/enarx-exec is not built"
elif readelf -lW "$BUILD/bin/enarx-exec" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    suite_skip_all "$BUILD/bin/enarx-exec is dynamically linked (sanitizer builds link it so); a Keep runs static executables"
elif keep_direct_ok; then
    echo "=== directly on /dev/kvm"
    bash -c "$run" | tee "$log"
    suite_add_log "$log"
elif [ -n "${KEEP_VM_SKIP:-}" ] || ! why=$(tests/keep/vm.sh check); then
    suite_skip_all "no usable /dev/kvm here ($KEEP_DIRECT_WHY), and the QEMU route is unavailable: ${why:-KEEP_VM_SKIP is set}"
else
    echo "=== in a QEMU/TCG virtual machine with nested SVM"
    KEEP_VM_TIMEOUT=${KEEP_VM_TIMEOUT:-600} tests/keep/vm.sh run "$run" 2>&1 | tee "$log"
    if [ "${PIPESTATUS[0]}" -eq 126 ]; then
        suite_skip_all "no usable /dev/kvm here, and the QEMU route does not work: $(grep '^vm.sh: ' "$log" | tail -n 1)"
    fi
    grep -qE "$SUITE_RESULT_RE" "$log" || bad "the VM run finished no suite"
    suite_add_log "$log"
fi
suite_end
