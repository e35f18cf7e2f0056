# Sourced by the 60-keep suites and bench/run-keep.sh: can this machine's
# /dev/kvm run a Keep? (Present and accessible is not enough: in a container
# or under an odd hypervisor KVM_CREATE_VM or the vCPU set-up can still fail;
# `enarx platform info` boots a tiny test Keep to find out.)
#
# keep_direct_ok: status 0 when the direct route works; otherwise status 1
# and KEEP_DIRECT_WHY says why in one line. KEEP_NO_DIRECT=1 forces "no".
keep_direct_ok() {
    KEEP_DIRECT_WHY=
    if [ -n "${KEEP_NO_DIRECT:-}" ]; then KEEP_DIRECT_WHY="KEEP_NO_DIRECT is set"; return 1; fi
    if [ ! -c /dev/kvm ]; then KEEP_DIRECT_WHY="there is no /dev/kvm"; return 1; fi
    if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
        KEEP_DIRECT_WHY="/dev/kvm is not readable and writable by $(id -un)"; return 1
    fi
    local info
    info=$("${BUILD:-build}/bin/enarx" platform info 2>&1)
    if ! grep -q '^✔ Backend: kvm' <<<"$info"; then
        KEEP_DIRECT_WHY="/dev/kvm cannot run a Keep here: $(sed -n '/Backend: kvm/,/^$/p' <<<"$info" |
            grep '✗' | sed 's/^ *//' | head -n 3 | tr '\n' ';')"
        return 1
    fi
    return 0
}

# keep_is_pvm: the /dev/kvm here is PVM (software switcher, ring 0 emulated;
# see docs/keep.md), not hardware virtualisation.
keep_is_pvm() {
    [ -d /sys/module/kvm_pvm ]
}
