#!/usr/bin/env bash
# containerd with enarx-oci: `ctr run` through the runc shim with
# --runc-binary (what BinaryName configures): output, exit status, kill;
# then the Kubernetes path without a kubelet: the CRI plugin with a runtime
# handler (RuntimeClass.handler) whose BinaryName is enarx-oci, driven by a
# client generated at test time from the CRI definition ($SHARED_DIR/cri-api):
# sandbox (the pause container, handed to runc), create, start, status with
# exit code, the CRI log file, stop, remove.
#
# containerd runs with its own config, root, state and socket under
# build/oci-test/containerd, started here and stopped at the end. Images are
# OCI archives made here (tests/oci/lib.sh) and imported: no registry.
set -u
cd "$(dirname "$0")/../.."
source tests/oci/lib.sh
need_root "72-oci-containerd"
need_exec
for tool in containerd ctr containerd-shim-runc-v2 runc; do
    if ! command -v "$tool" >/dev/null; then
        suite_skip_all "$tool is not installed (scripts/deps.sh installs containerd and runc)"
    fi
done
W="$OCI_WORK/containerd"
sock="$W/c.sock"
[ ${#sock} -gt 90 ] && sock="/run/enarx-oci-test-$$.sock"
export CONTAINERD_ADDRESS="$sock"
# what an interrupted run left mounted goes first
grep -o " $W/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
rm -rf "$W"
mkdir -p "$W/img/probe" "$W/img/pause/bin" "$W/podlogs"
cat >"$W/config.toml" <<EOS
version = 2
root = "$W/root"
state = "$W/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/enarx-oci-pause:test"
  # this machine only: no CAP_SYS_RESOURCE for the sandbox's oom_score_adj
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$W/cni-bin"
    conf_dir = "$W/cni-conf"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
EOS
# the handler exactly as dist/ ships it, pointed at this build
sed -e "s|/usr/bin/enarx-oci|$OCI|" -e "s|/run/enarx-oci|$W/enarx-oci|" dist/containerd-enarx-oci.toml >>"$W/config.toml"
containerd --config "$W/config.toml" >"$W/containerd.log" 2>&1 &
containerd_pid=$!
stop_containerd() {
    # what a failed check left running (CRI pods too) goes before containerd
    for ns in default k8s.io; do
        ctr -n "$ns" task ls -q 2>/dev/null | while read -r t; do ctr -n "$ns" task delete -f "$t"; done >/dev/null 2>&1
        ctr -n "$ns" container ls -q 2>/dev/null | xargs -r ctr -n "$ns" container rm >/dev/null 2>&1
    done
    kill "$containerd_pid" 2>/dev/null
    wait "$containerd_pid" 2>/dev/null
    grep -o " $W/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
    [ "$sock" != "$W/c.sock" ] && rm -f "$sock" "$sock.ttrpc"
}
trap stop_containerd EXIT
if ! wait_for ctr version >/dev/null 2>&1; then
    suite_skip_all "containerd cannot run on this machine: $(grep -i 'level=fatal\|error' "$W/containerd.log" | tail -1)"
fi

# --- images: the probe (a .wasm) and a pause (busybox sleep), as OCI archives ---
cp "$PROBE" "$W/img/probe/probe.wasm"
cp "$(command -v busybox)" "$W/img/pause/bin/busybox"
make_oci_archive "$W/probe.tar" localhost/enarx-oci-probe:test "$W/img/probe" '["/probe.wasm"]' \
    '{"module.wasm.image/variant": "compat"}'
make_oci_archive "$W/pause.tar" localhost/enarx-oci-pause:test "$W/img/pause" '["/bin/busybox", "sleep", "2147483647"]'
for ns in default k8s.io; do
    ctr -n "$ns" image import "$W/probe.tar" >/dev/null && ctr -n "$ns" image import "$W/pause.tar" >/dev/null ||
        bad "ctr image import ($ns)"
done
IMG=localhost/enarx-oci-probe:test
CTR_ROOT="$W/ctr-enarx-oci"
crun() { timeout 60 ctr run --rm --runtime io.containerd.runc.v2 --runc-binary "$OCI" --runc-root "$CTR_ROOT" "$@"; }

# --- ctr ---
out=$(crun "$IMG" w1 /probe.wasm hello 2>&1 </dev/null)
check "ctr run: the Keep's output" "$out" "Hello from a Keep"
crun "$IMG" w2 /probe.wasm exit 9 >/dev/null 2>&1 </dev/null
check "ctr run: exit status 9" "$?" "9"
out=$(crun --env GREETING=hi-ctr "$IMG" w3 /probe.wasm args one 2>&1 </dev/null)
check_contains "ctr run: args" "$out" "argv[2]=one"
check_contains "ctr run: env" "$out" "env GREETING=hi-ctr"
crun "$IMG" k1 /probe.wasm sleep 100 >/dev/null 2>&1 </dev/null &
runner=$!
wait_for eval '[ "$(ctr task ls 2>/dev/null | awk "\$1 == \"k1\" {print \$3}")" = RUNNING ]'
check "ctr task ls: RUNNING" "$(ctr task ls | awk '$1 == "k1" {print $3}')" "RUNNING"
check "ctr task ps: the Keep's processes" "$(ctr task ps k1 | awk 'NR > 1' | wc -l | awk '$1 >= 1 {print "yes"}')" "yes"
out=$(ctr task exec --exec-id e1 k1 /probe.wasm hello 2>&1)
check_contains "ctr task exec: the runtime's error reaches the user" "$out" "exec into a Keep is not supported"
ctr task kill k1
wait "$runner"
check "ctr task kill: SIGTERM, exit 143" "$?" "143"
crun "$IMG" k2 /probe.wasm sleep 100 >/dev/null 2>&1 </dev/null &
runner=$!
wait_for eval '[ "$(ctr task ls 2>/dev/null | awk "\$1 == \"k2\" {print \$3}")" = RUNNING ]'
ctr task kill -s KILL k2
wait "$runner"
check "ctr task kill -s KILL: exit 137" "$?" "137"
out=$(crun "$IMG" w4 /missing.wasm 2>&1 </dev/null)
check_contains "ctr run: a missing module (the json log's message)" "$out" "process.args[0]: the wasm module /missing.wasm"
check "ctr: no state left" "$(ls "$CTR_ROOT"/default/keep "$CTR_ROOT"/default/lock 2>/dev/null | grep -v ':$' | grep -c .)" "0"

# --- CRI ---
PROTO="$SHARED_DIR/cri-api/api.proto"
if [ ! -f "$PROTO" ]; then
    skipped "CRI" "$PROTO absent (the CRI definition is read from \$SHARED_DIR at test time)"
elif ! /usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
    bad "CRI" "python3-grpcio / python3-grpc-tools are missing (scripts/deps.sh installs them)"
else
    gen="$W/cri-gen"
    mkdir -p "$gen"
    # Debian's protoc predates the debug_redact field option (it only marks
    # secrets for logs): dropped from the generated copy
    sed -E 's/ *\[debug_redact *= *true\]//' "$PROTO" >"$gen/api.proto"
    if (cd "$gen" && /usr/bin/python3 -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. api.proto); then
        before=$fail
        while read -r line; do
            case "$line" in
            ok*) ok "CRI: ${line#ok   }" ;;
            FAIL*) bad "CRI: ${line#FAIL }" ;;
            "exit 0") ;;
            exit*) [ "$fail" -eq "$before" ] && bad "CRI: the client stopped early ($line)" ;;
            *) echo "$line" ;;
            esac
        done < <(timeout 300 /usr/bin/python3 tests/oci/cri_client.py "$gen" "$sock" enarx "$IMG" "$W/podlogs" 2>&1; echo "exit $?")
        left=$(ls "$W/enarx-oci/k8s.io/keep" "$W/enarx-oci/k8s.io/lock" "$W/enarx-oci/k8s.io/runc" 2>/dev/null | grep -v ':$' | grep -c .)
        check "CRI: no state left (Keeps and the pause container's runc state)" "$left" "0"
    else
        bad "CRI: client generated from api.proto"
    fi
fi
suite_end
