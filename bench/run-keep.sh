#!/usr/bin/env bash
# KVM Keep benchmarks (numbers to read, no pass/fail):
#  1. start-up: `enarx run --backend kvm hello.wasm`, process start to exit,
#     against nil and native; `enarx unstable exec` of a static native hello
#     (the Keep's own cost without the wasm engine); the VMM's set-up time;
#  2. one system call round trip from the exec: proxied through the sallyport
#     (exiting and exit-less) and shim-local, against native;
#  3. BENCH_MIB MiB stdin -> stdout through echo.wasm: kvm (both sallyport
#     modes) vs nil vs native cat (1024 MiB on /dev/kvm; 64 MiB under QEMU,
#     where the wasm interpreter itself runs emulated);
#  0. first, on this machine itself (no KVM needed): the VMM's own set-up work
#     (reading the exec, reserving guest RAM, building the boot image, giving
#     the memory back) — the one part of start-up that does not depend on
#     the kind of KVM.
# Runs directly on /dev/kvm when there is a usable one, else inside the QEMU/TCG
# VM of tests/keep/vm.sh with 2 vCPUs — figures from there are NOT
# representative of a real Keep (every guest instruction is emulated, a VM exit
# costs ~150 us); they show relative costs only.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
: "${BENCH_RUNS:=5}"
: "${BENCH_CALLS:=2000}"
export BUILD BENCH_RUNS BENCH_CALLS

inner=$(cat <<'SCRIPT'
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# Binaries and workloads copied out of the build directory first: in the VM
# that is a 9p share, where every page a process maps in is a round trip to
# the host (enarx run on nil took seconds from there).
mkdir -p "$tmp/bin" "$tmp/w"
cp "$BUILD/bin/enarx" "$BUILD/bin/enarx-exec" "$BUILD/bench/keep/syscall_rt" "$tmp/bin/"
cp "$BUILD/tests/workloads/hello.wasm" "$BUILD/tests/workloads/echo.wasm" "$tmp/w/"
ENARX=$tmp/bin/enarx W=$tmp/w SYSCALL_RT=$tmp/bin/syscall_rt
cc -O2 -static -o "$tmp/hello-native" tests/workloads/hello.c
echo "--- start-up: process start to exit ($BENCH_RUNS runs each)"
hyperfine -N -w 2 -r "$BENCH_RUNS" --export-markdown "$tmp/startup.md" \
    --command-name "native hello (static)" "$tmp/hello-native" \
    --command-name "enarx run --backend nil hello.wasm" "$ENARX run --backend nil $W/hello.wasm" \
    --command-name "enarx run --backend kvm hello.wasm" "$ENARX run --backend kvm $W/hello.wasm" \
    --command-name "enarx unstable exec (static hello in a Keep)" "$ENARX unstable exec $tmp/hello-native" \
    2>&1 | grep -vE '^\s*$'
cat "$tmp/startup.md"
for i in 1 2 3; do "$ENARX" unstable exec --stats "$tmp/hello-native" 2>&1 >/dev/null | grep stats; done
echo
echo "--- one system call round trip, $BENCH_CALLS calls (fd 3 = /dev/null)"
echo "native:";            "$SYSCALL_RT" "$BENCH_CALLS" 3>/dev/null
echo "Keep, exiting:";     "$ENARX" unstable exec --fd 3 "$SYSCALL_RT" "$BENCH_CALLS" 3>/dev/null
echo "Keep, exit-less:";   "$ENARX" unstable exec --fd 3 --sallyport exitless "$SYSCALL_RT" "$BENCH_CALLS" 3>/dev/null
echo
bytes=$((BENCH_MIB * 1048576))
echo "--- $BENCH_MIB MiB stdin -> stdout through echo.wasm (3 runs each)"
hyperfine -w 1 -r 3 --export-markdown "$tmp/copy.md" \
    --command-name "native cat" "head -c $bytes /dev/zero | cat >/dev/null" \
    --command-name "enarx run nil" "head -c $bytes /dev/zero | $ENARX run --backend nil $W/echo.wasm >/dev/null" \
    --command-name "enarx run kvm (exiting)" "head -c $bytes /dev/zero | $ENARX run --backend kvm $W/echo.wasm >/dev/null" \
    --command-name "enarx run kvm (exit-less)" "head -c $bytes /dev/zero | ENARX_SALLYPORT=exitless $ENARX run --backend kvm $W/echo.wasm >/dev/null" \
    2>&1 | grep -vE '^\s*$'
cat "$tmp/copy.md"
SCRIPT
)

echo "=== the VMM's set-up work, on this machine (no KVM involved)"
"$BUILD/bench/keep/vmm_setup" "$BUILD/bin/enarx-exec" "${BENCH_SETUP_RUNS:-200}" ||
    echo "bench/run-keep.sh: vmm_setup failed"
echo

# shellcheck source=tests/keep/route.sh
. tests/keep/route.sh
if keep_direct_ok; then
    echo "=== directly on /dev/kvm ($(uname -r)$(keep_is_pvm && echo ', PVM'))"
    BENCH_MIB=${BENCH_MIB:-1024} bash -c "$inner"
elif why=$(tests/keep/vm.sh check); then
    echo "=== inside QEMU/TCG with nested SVM: NOT representative of a real Keep"
    KEEP_VM_SMP=2 KEEP_VM_TIMEOUT=1800 KEEP_VM_ENV="BENCH_RUNS=$BENCH_RUNS BENCH_MIB=${BENCH_MIB:-64} BENCH_CALLS=${BENCH_CALLS}" \
        tests/keep/vm.sh run "$inner"
else
    echo "bench/run-keep.sh: no usable /dev/kvm ($KEEP_DIRECT_WHY) and no QEMU route ($why); nothing more to measure"
fi
