#!/usr/bin/env bash
# The KVM Keep end to end (tests/keep/conformance.sh): static programs run
# natively and with `enarx unstable exec` in a Keep, compared; faults, a
# hostile host, bad executables; then the I/O cases again with the exit-less
# sallyport.
#
# Where it runs:
#  - directly on /dev/kvm when this machine has a usable one (on these
#    development machines that would be PVM: see docs/keep.md);
#  - inside a QEMU/TCG virtual machine with nested SVM (tests/keep/vm.sh),
#    which gives hardware-KVM semantics on machines without KVM (and, after
#    the direct run, on PVM hosts, whose /dev/kvm behaves differently).
# When neither works, the suite says why and skips.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
export BUILD
source tests/lib/suite.sh

tally() { # tally LOGFILE: adds its last result line
    local line
    line=$(grep -E "$SUITE_RESULT_RE" "$1" | tail -n 1)
    if [ -z "$line" ]; then
        bad "no result from this route (see above)"
        return
    fi
    suite_add_result "$line"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# shellcheck source=tests/keep/route.sh
. tests/keep/route.sh
ran=0
if keep_direct_ok; then
    # Each pass is bounded as a whole (KEEP_DIRECT_BUDGET seconds, default 300;
    # it takes well under a minute on hardware KVM): a pass cut short prints
    # no result line and counts as a failure.
    budget=${KEEP_DIRECT_BUDGET:-300}
    echo "=== directly on /dev/kvm$(keep_is_pvm && echo ' (PVM)') (budget ${budget}s per pass)"
    KEEP_LABEL="direct: " timeout -k 5 "$budget" tests/keep/conformance.sh 2>&1 | tee "$log"
    tally "$log"
    KEEP_LABEL="direct, exit-less: " KEEP_QUICK=1 KEEP_OPTS="--sallyport exitless" \
        timeout -k 5 "$budget" tests/keep/conformance.sh 2>&1 | tee "$log"
    tally "$log"
    ran=1
elif [ -e /dev/kvm ]; then
    echo "note: not running directly: $KEEP_DIRECT_WHY"
fi

# On hardware KVM the direct run already covers everything the VM would; on
# PVM (kvm_pvm loaded) the VM adds the hardware-KVM path (SYSCALL at CPL 0).
if [ $ran -eq 1 ] && ! keep_is_pvm && [ -z "${KEEP_VM_ALSO:-}" ]; then
    echo "note: /dev/kvm is hardware KVM: the QEMU route would only repeat it (KEEP_VM_ALSO=1 runs it anyway)"
elif [ -z "${KEEP_VM_SKIP:-}" ] && why=$(tests/keep/vm.sh check); then
    echo "=== in a QEMU/TCG virtual machine with nested SVM (hardware-KVM semantics)"
    tests/keep/vm.sh run \
        'KEEP_LABEL="qemu: " tests/keep/conformance.sh;
         KEEP_LABEL="qemu, exit-less: " KEEP_QUICK=1 KEEP_OPTS="--sallyport exitless" tests/keep/conformance.sh' \
        2>&1 | tee "$log"
    if [ "${PIPESTATUS[0]}" -eq 126 ]; then
        echo "SKIP: the QEMU route does not work here: $(grep '^vm.sh: ' "$log" | tail -n 1)"
        [ $ran -eq 0 ] && skip=1
        suite_end
        exit
    fi
    # Both runs print a result line: sum them.
    suite_add_log "$log"
    [ "$(grep -c -E "$SUITE_RESULT_RE" "$log")" -eq 2 ] || bad "the VM run did not finish both passes"
    ran=1
elif [ $ran -eq 0 ]; then
    echo "SKIP: no usable /dev/kvm here ($KEEP_DIRECT_WHY), and the QEMU route is unavailable: ${why:-KEEP_VM_SKIP is set}"
    skip=1
else
    echo "note: the QEMU route is unavailable (${why:-KEEP_VM_SKIP is set}); ran directly only"
fi
suite_end
