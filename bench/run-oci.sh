#!/usr/bin/env bash
# The OCI runtime's cost, end to end, as a user sees it: `podman run` of
# hello.wasm through enarx-oci (nil backend) against `podman run` of the same
# program built as a static native binary through runc, side by side in one
# hyperfine run (docs/performance.md, "OCI runtime"). Both images are FROM
# scratch, both runs use --network none (the bridge's set-up is the same for
# both and only adds noise). The target: the Keep path adds at most 20 %.
#
#   BENCH_QUICK=1   fewer runs
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
source tests/oci/lib.sh
if [ "$(id -u)" -ne 0 ] || ! command -v podman >/dev/null || ! command -v runc >/dev/null ||
    ! command -v hyperfine >/dev/null; then
    echo "run-oci: needs root, podman, runc and hyperfine (scripts/deps.sh); not measured"
    exit 0
fi
W="$PWD/$BUILD/bench/oci"
oci_podman_setup "$W" "$W/state"
mkdir -p "$W/img-wasm" "$W/img-native"
cp "$BUILD/bench/hello.wasm" "$W/img-wasm/hello.wasm"
cp "$BUILD/bench/oci/hello-native" "$W/img-native/hello"
printf 'FROM scratch\nCOPY hello.wasm /hello.wasm\nENTRYPOINT ["/hello.wasm"]\n' >"$W/img-wasm/Containerfile"
printf 'FROM scratch\nCOPY hello /hello\nENTRYPOINT ["/hello"]\n' >"$W/img-native/Containerfile"
pm build -q --annotation module.wasm.image/variant=compat -t localhost/enarx-oci-bench:wasm "$W/img-wasm" >/dev/null &&
    pm build -q -t localhost/enarx-oci-bench:native "$W/img-native" >/dev/null || {
    echo "run-oci: podman build failed"
    exit 1
}
podman_cmd="podman --root $W/storage --runroot $W/run --tmpdir $W/tmp --storage-driver overlay run --rm --network none"
wasm="$podman_cmd --runtime enarx-oci localhost/enarx-oci-bench:wasm"
native="$podman_cmd --runtime runc localhost/enarx-oci-bench:native"
# a wrong answer is no measurement
[ "$($wasm)" = "hello from enarx-c bench" ] && [ "$($native)" = "hello from enarx-c bench" ] || {
    echo "run-oci: a run printed the wrong output"
    exit 1
}
runs=30
[ -n "${BENCH_QUICK:-}" ] && runs=5
hyperfine -N --warmup 3 --runs "$runs" --export-json "$W/hyperfine.json" \
    -n "podman run hello.wasm (enarx-oci, nil Keep)" "$wasm" \
    -n "podman run static native hello (runc)" "$native"
jq -r '.results as $r | "enarx-oci / runc: \(($r[0].mean / $r[1].mean * 1000 | round) / 1000)x (means \($r[0].mean * 1000 | round) ms vs \($r[1].mean * 1000 | round) ms; target <= 1.2x)"' \
    "$W/hyperfine.json"
pm rm -af >/dev/null 2>&1
exit 0
