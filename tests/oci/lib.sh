# Shared by the enarx-oci suites (tests/suites/7*-oci-*.sh): counters and
# checks (tests/e2e/lib.sh), the binaries, a work directory under build/,
# and bundles made from the test workload.
source tests/e2e/lib.sh
OCI="$PWD/$BUILD/bin/enarx-oci"
PROBE="$PWD/$BUILD/tests/workloads/oci_probe.wasm"
OCI_WORK="$PWD/$BUILD/oci-test"
unset ENARX_OCI_CONFIG

# need_root SUITE: the runtime makes namespaces, mounts and cgroups.
need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        suite_skip_all "$1 needs root (namespaces, mounts, cgroups), as container engines do"
    fi
}

# make_bundle DIR ARGS_JSON [JQ_FILTER]: a bundle with the probe as /probe.wasm.
make_bundle() {
    local dir=$1 args=$2 filter=${3:-.}
    rm -rf "$dir"
    mkdir -p "$dir/rootfs"
    cp "$PROBE" "$dir/rootfs/probe.wasm"
    jq -n --argjson args "$args" '{
        ociVersion: "1.0.2",
        root: {path: "rootfs", readonly: false},
        process: {terminal: false, cwd: "/", args: $args, env: ["PATH=/bin", "GREETING=hi"],
                  user: {uid: 0, gid: 0}},
        hostname: "keep",
        mounts: [],
        linux: {namespaces: [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "network"}]}
    }' | jq "$filter" >"$dir/config.json"
}

# wait_for CMD...: retries for up to 10 s until the command succeeds.
wait_for() {
    local i
    for i in $(seq 100); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

# make_oci_archive OUT.tar NAME:TAG DIR ENTRYPOINT_JSON [ANNOTATIONS_JSON]:
# an OCI image archive (one uncompressed layer holding DIR's files) that
# `ctr image import` accepts, made without a registry or an image builder.
make_oci_archive() {
    local out=$1 ref=$2 dir=$3 entrypoint=$4 annotations=${5:-'{}'}
    local lay
    lay=$(mktemp -d)
    mkdir -p "$lay/blobs/sha256"
    tar -C "$dir" --owner=0 --group=0 --numeric-owner -cf "$lay/layer.tar" .
    local layer_sha layer_size config_sha config_size manifest_sha manifest_size
    layer_sha=$(sha256sum "$lay/layer.tar" | cut -d' ' -f1)
    layer_size=$(stat -c %s "$lay/layer.tar")
    mv "$lay/layer.tar" "$lay/blobs/sha256/$layer_sha"
    jq -cn --argjson ep "$entrypoint" --arg diff "sha256:$layer_sha" '{
        architecture: "amd64", os: "linux",
        config: {Entrypoint: $ep, Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        rootfs: {type: "layers", diff_ids: [$diff]}}' >"$lay/config"
    config_sha=$(sha256sum "$lay/config" | cut -d' ' -f1)
    config_size=$(stat -c %s "$lay/config")
    mv "$lay/config" "$lay/blobs/sha256/$config_sha"
    jq -cn --arg c "sha256:$config_sha" --argjson cs "$config_size" --arg l "sha256:$layer_sha" \
        --argjson ls "$layer_size" --argjson a "$annotations" '{
        schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
        layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}],
        annotations: $a}' >"$lay/manifest"
    manifest_sha=$(sha256sum "$lay/manifest" | cut -d' ' -f1)
    manifest_size=$(stat -c %s "$lay/manifest")
    mv "$lay/manifest" "$lay/blobs/sha256/$manifest_sha"
    jq -cn --arg m "sha256:$manifest_sha" --argjson ms "$manifest_size" --arg ref "$ref" '{
        schemaVersion: 2,
        manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
                     annotations: {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": $ref}}]}' \
        >"$lay/index.json"
    echo '{"imageLayoutVersion": "1.0.0"}' >"$lay/oci-layout"
    tar -C "$lay" -cf "$out" oci-layout index.json blobs
    rm -rf "$lay"
}

# oci_podman_setup DIR STATE: podman with a store, run root and
# containers.conf of its own under DIR, and enarx-oci as the runtime
# "enarx-oci" (a wrapper passes --root STATE: podman passes none). The
# containers.conf carries this machine's workarounds: runc, not crun (hybrid
# cgroups), and ulimits that fit the hard limits (no CAP_SYS_RESOURCE).
# Defines pm, podman with those settings.
oci_podman_setup() {
    local dir=$1 state=$2
    mkdir -p "$dir/bin"
    cat >"$dir/bin/enarx-oci" <<EOS
#!/bin/sh
exec "$OCI" --root "$state" "\$@"
EOS
    chmod +x "$dir/bin/enarx-oci"
    cat >"$dir/containers.conf" <<EOS
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
runtime_supports_json = ["crun", "runc", "enarx-oci"]
[engine.runtimes]
enarx-oci = ["$dir/bin/enarx-oci"]
EOS
    export CONTAINERS_CONF="$dir/containers.conf"
    PM_DIR=$dir
}
pm() { timeout 120 podman --root "$PM_DIR/storage" --runroot "$PM_DIR/run" --tmpdir "$PM_DIR/tmp" --storage-driver overlay "$@"; }
