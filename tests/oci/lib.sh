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
        echo "SKIP: $1 needs root (namespaces, mounts, cgroups), as container engines do"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
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
