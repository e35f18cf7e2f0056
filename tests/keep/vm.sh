#!/usr/bin/env bash
# Runs a command inside a Linux VM that has a working /dev/kvm, so that the KVM
# Keep can be tested on machines without hardware virtualisation.
#
# QEMU's software emulator (TCG) emulates AMD SVM with nested paging well
# enough for Debian's kvm_amd module to load and run guests. The VM boots
# Debian's stock kernel (fetched with `apt-get download`, unpacked into a cache,
# never installed), a tiny busybox initramfs that loads the KVM and 9p modules,
# then chroots into this machine's root filesystem shared read-only over 9p.
# The repository's build directory is shared read-write at the same path, so
# test scripts and binaries run unchanged inside the VM.
#
#   tests/keep/vm.sh check          exit 0 if the VM route can work here, else
#                                   print why not (one line) and exit 1
#   tests/keep/vm.sh run CMD...     run CMD (through bash) in the VM, from the
#                                   repository's root; exit with CMD's status;
#                                   126 when the route does not work here (the
#                                   VM did not boot, or booted without a
#                                   /dev/kvm: CMD was not run; one line says
#                                   why), 125 when the VM stopped before CMD
#                                   ended (a timeout, a crash)
#
# Environment: BUILD (default build), KEEP_VM_CACHE (default
# build/cache/keep-vm), KEEP_VM_MEM (MiB, default 3072), KEEP_VM_SMP (default 1),
# KEEP_VM_TIMEOUT (seconds, default 600), KEEP_VM_ENV (extra "VAR=value ..."
# passed to CMD).
set -u
cd "$(dirname "$0")/../.."
REPO=$(pwd)
: "${BUILD:=build}"
CACHE=${KEEP_VM_CACHE:-$REPO/build/cache/keep-vm}
MEM=${KEEP_VM_MEM:-3072}
SMP=${KEEP_VM_SMP:-1}
TIMEOUT=${KEEP_VM_TIMEOUT:-600}

# Modules, in load order, that the initramfs needs: virtio + 9p for the shared
# filesystems, then KVM for AMD SVM (kvm_amd needs ccp).
MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache
net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p virt/lib/irqbypass drivers/crypto/ccp/ccp
arch/x86/kvm/kvm arch/x86/kvm/kvm-amd"

die() { echo "vm.sh: $*" >&2; exit 1; }

have_tools() {
    command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is not installed (scripts/deps.sh installs qemu-system-x86)"; return 1; }
    [ -x /bin/busybox ] || { echo "/bin/busybox is missing (scripts/deps.sh installs busybox-static)"; return 1; }
    command -v cpio >/dev/null || { echo "cpio is not installed"; return 1; }
    command -v xz >/dev/null || { echo "xz is not installed"; return 1; }
    return 0
}

# The kernel package the linux-image-amd64 metapackage currently points at.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null | sed -nE 's/^ *Depends: (linux-image-[0-9].*-amd64)$/\1/p' | head -n 1
}

# Ensures $CACHE/<pkg>/{vmlinux,mods/*.ko}; prints the directory.
fetch_kernel() {
    local pkg dir tmp deb off
    pkg=$(kernel_package)
    if [ -z "$pkg" ]; then
        # No apt metadata: use whatever kernel was cached before.
        dir=$(ls -d "$CACHE"/linux-image-* 2>/dev/null | tail -n 1)
        [ -n "$dir" ] && [ -f "$dir/ready" ] && { echo "$dir"; return 0; }
        echo "cannot resolve linux-image-amd64 with apt-cache and no kernel is cached in $CACHE" >&2
        return 1
    fi
    dir=$CACHE/$pkg
    [ -f "$dir/ready" ] && { echo "$dir"; return 0; }
    mkdir -p "$CACHE" || return 1
    tmp=$(mktemp -d "$CACHE/tmp.XXXXXX") || return 1
    chmod 755 "$tmp"   # apt's _apt user must be able to write here
    if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>"$tmp/apt.err"); then
        echo "apt-get download $pkg failed: $(tail -n 1 "$tmp/apt.err")" >&2
        rm -rf "$tmp"; return 1
    fi
    deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
    mkdir -p "$tmp/x" && dpkg-deb -x "$deb" "$tmp/x" || { rm -rf "$tmp"; echo "cannot unpack $deb" >&2; return 1; }
    # The bzImage decompresses itself slowly under emulation: boot the ELF
    # vmlinux inside it directly (QEMU starts it through its PVH entry).
    local vmlinuz; vmlinuz=$(ls "$tmp"/x/boot/vmlinuz-* | head -n 1)
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
    [ -n "$off" ] || { rm -rf "$tmp"; echo "no xz payload in $vmlinuz" >&2; return 1; }
    tail -c +$((off + 1)) "$vmlinuz" | xz -dc 2>/dev/null >"$tmp/vmlinux"
    [ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || { rm -rf "$tmp"; echo "cannot extract vmlinux from $vmlinuz" >&2; return 1; }
    mkdir -p "$tmp/mods"
    local m base
    for m in $MODULES; do
        base=$(ls "$tmp"/x/lib/modules/*/kernel/"$m".ko* 2>/dev/null | head -n 1)
        [ -n "$base" ] || { rm -rf "$tmp"; echo "module $m.ko missing from $pkg" >&2; return 1; }
        case "$base" in
            *.ko.xz) xz -dc "$base" >"$tmp/mods/$(basename "$m").ko" ;;
            *) cp "$base" "$tmp/mods/$(basename "$m").ko" ;;
        esac
    done
    rm -rf "$tmp/x" "$tmp"/*.deb "$tmp/apt.err"
    touch "$tmp/ready"
    rm -rf "$dir"; mv "$tmp" "$dir" || return 1
    echo "$dir"
}

build_initramfs() {
    local kdir=$1 out=$kdir/initramfs.cpio.gz stage
    [ -f "$out" ] && [ "$out" -nt "$0" ] && { echo "$out"; return 0; }
    stage=$(mktemp -d) || return 1
    mkdir -p "$stage"/{bin,mods,proc,sys,dev,root,out}
    cp /bin/busybox "$stage/bin/busybox"
    cp "$kdir"/mods/*.ko "$stage/mods/"
    local names="" m
    for m in $MODULES; do names="$names $(basename "$m")"; done
    cat >"$stage/init" <<EOF
#!/bin/busybox sh
# PID 1 of the test VM: load modules, mount the host's root read-only over 9p,
# the build directory read-write, then run the command found in the build share.
B=/bin/busybox
\$B mount -t proc proc /proc
\$B mount -t sysfs sys /sys
\$B mount -t devtmpfs dev /dev
for m in $names; do \$B insmod /mods/\$m.ko 2>/dev/null || echo "vm: insmod \$m failed"; done
\$B ip link set lo up
\$B mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /root || echo "vm: cannot mount the host root"
\$B mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 build /out || echo "vm: cannot mount the build share"
. /out/.keep-vm/env
\$B mount -t proc proc /root/proc
\$B mount -t sysfs sys /root/sys
\$B mount -t devtmpfs dev /root/dev
\$B ln -sf /proc/self/fd /root/dev/fd
for i in 0 1 2; do \$B ln -sf /proc/self/fd/\$i /root/dev/\$(echo stdin stdout stderr | cut -d" " -f\$((i + 1))); done
\$B mkdir -p /root/dev/shm /root/dev/pts
\$B mount -t tmpfs shm /root/dev/shm
\$B mount -t devpts devpts /root/dev/pts
# /tmp gets a fresh tmpfs (the shared root is read-only); a checkout that
# lives under /tmp must stay visible: set it aside, then put it back.
case "\$KEEP_VM_REPO/" in /tmp/*) \$B mkdir -p /repo && \$B mount --bind "/root\$KEEP_VM_REPO" /repo ;; esac
\$B mount -t tmpfs -o size=50% tmp /root/tmp
case "\$KEEP_VM_REPO/" in /tmp/*) \$B mkdir -p "/root\$KEEP_VM_REPO" && \$B mount --bind /repo "/root\$KEEP_VM_REPO" ;; esac
\$B mkdir -p "/root\$KEEP_VM_BUILD" 2>/dev/null
\$B mount --bind /out "/root\$KEEP_VM_BUILD" || echo "vm: cannot mount the build directory at \$KEEP_VM_BUILD"
echo; echo "@@keep-vm: booted"
\$B touch /out/.keep-vm/booted
if \$B test -c /root/dev/kvm; then
    \$B chroot /root /bin/bash "\$KEEP_VM_BUILD/.keep-vm/cmd"
    echo "\$?" >/out/.keep-vm/status
else
    echo "the VM's kernel has no /dev/kvm (kvm_amd did not load: does this QEMU emulate SVM?)" >/out/.keep-vm/nokvm
fi
\$B sync
\$B poweroff -f
EOF
    chmod +x "$stage/init"
    (cd "$stage" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$out.tmp") && mv "$out.tmp" "$out"
    rm -rf "$stage"
    echo "$out"
}

cmd_check() {
    local why
    why=$(have_tools) || { echo "$why"; return 1; }
    if [ "$(uname -m)" != x86_64 ]; then echo "not an x86-64 machine"; return 1; fi
    local err
    err=$(fetch_kernel 2>&1 >/dev/null) || { echo "$err" | tail -n 1; return 1; }
    return 0
}

cmd_run() {
    local why kdir initrd build_abs ctl status
    why=$(have_tools) || die "$why"
    kdir=$(fetch_kernel) || exit 125
    initrd=$(build_initramfs "$kdir") || exit 125
    mkdir -p "$BUILD"
    build_abs=$(cd "$BUILD" && pwd)
    ctl=$build_abs/.keep-vm
    rm -rf "$ctl"; mkdir -p "$ctl"
    printf 'KEEP_VM_BUILD=%q\nKEEP_VM_REPO=%q\n' "$build_abs" "$REPO" >"$ctl/env"
    {
        echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        echo "export HOME=/tmp KEEP_IN_VM=1"
        # The VM has no network: the test caches filled on this machine (npm
        # applications) are read from its root, shared read-only.
        printf 'export ENARX_TEST_CACHE=%q\n' "${ENARX_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/enarx-test}"
        printf 'export BUILD=%q SHARED_DIR=%q\n' "$BUILD" "${SHARED_DIR:-$REPO/../shared}"
        for kv in ${KEEP_VM_ENV:-}; do printf 'export %q\n' "$kv"; done
        printf 'cd %q || exit 125\n' "$REPO"
        printf '%s\n' "$*"
    } >"$ctl/cmd"
    # Kernel options that only shorten the boot under emulation.
    local append="console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off nokaslr i8042.noaux i8042.nokbd i8042.nopnp cryptomgr.notests no_timer_check tsc=reliable nowatchdog nosoftlockup"
    timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp "$SMP" -m "$MEM" \
        -nographic -nodefaults -serial stdio -net none -no-reboot \
        -kernel "$kdir/vmlinux" -initrd "$initrd" -append "$append" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$build_abs,mount_tag=build,security_model=none,multidevs=remap" \
        </dev/null 2>"$ctl/qemu.err" | stdbuf -oL tr -d '\r' | sed -u -E 's/\x1b(\[[0-9;?]*[a-zA-Z]|c)//g' | grep --line-buffered -v -E '^(SeaBIOS|Booting from|\[ *[0-9.]+\] reboot: Power down)'
    if [ -f "$ctl/nokvm" ]; then
        echo "vm.sh: $(cat "$ctl/nokvm")" >&2
        exit 126
    fi
    if [ ! -f "$ctl/booted" ]; then
        echo "vm.sh: the VM did not boot (QEMU: $(tail -n 2 "$ctl/qemu.err" | tr '\n' ' '))" >&2
        exit 126
    fi
    if [ ! -f "$ctl/status" ]; then
        echo "vm.sh: the VM stopped without running the command to its end (QEMU: $(tail -n 2 "$ctl/qemu.err" | tr '\n' ' '))" >&2
        exit 125
    fi
    status=$(cat "$ctl/status")
    exit "$status"
}

case "${1:-}" in
    check) cmd_check ;;
    run) shift; cmd_run "$@" ;;
    *) echo "usage: $0 check | run CMD..." >&2; exit 2 ;;
esac
