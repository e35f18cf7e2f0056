#!/bin/sh
# Install the Debian 12 packages the build, the tests and the benchmarks need.
# Idempotent: installs only what is missing, and does nothing when all is present.
set -eu

PACKAGES="
build-essential make pkg-config git ca-certificates
clang lld llvm libclang-rt-14-dev libclang-rt-14-dev-wasm32 wasi-libc
wabt binaryen
libssl-dev openssl libjansson-dev
nodejs
valgrind hyperfine jq xxd wrk python3
qemu-system-x86 busybox-static cpio xz-utils
podman runc conmon netavark aardvark-dns iptables containerd buildah skopeo
python3-grpcio python3-grpc-tools strace
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "deps.sh: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "deps.sh: these packages are missing:$missing" >&2
    echo "deps.sh: run this script as root (or with passwordless sudo), or install them with:" >&2
    echo "    apt-get install -y$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || echo "deps.sh: apt-get update failed; trying with the cached package lists" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
