#!/usr/bin/env bash
# podman with enarx-oci as its OCI runtime (through conmon): an image built
# FROM scratch with a .wasm, run in a Keep — output, exit status 7, args and
# env, stdin, a terminal, bind mounts and --read-only, --memory, the pod
# network namespace, podman stop / rm -f / exec; an ordinary busybox image
# through the same runtime (handed to runc); a missing module's error; 20
# containers started at once, all succeeding and leaving no state behind.
#
# podman gets a store, a run root and a containers.conf of its own under
# build/oci-test/podman; the runtime's state is there too (a wrapper passes
# --root, since podman passes none). This machine's workarounds are in the
# containers.conf: runc, not crun (hybrid cgroups), and ulimits that fit the
# hard limits (no CAP_SYS_RESOURCE).
set -u
cd "$(dirname "$0")/../.."
source tests/oci/lib.sh
need_root "71-oci-podman"
need_exec
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    suite_skip_all "podman or runc is not installed (scripts/deps.sh installs them)"
fi
W="$OCI_WORK/podman"
STATE="$W/state"
oci_podman_setup "$W" "$STATE"
mkdir -p "$W/img/probe" "$W/img/busybox" "$W/img/missing"
if ! info=$(pm info 2>&1); then
    suite_skip_all "podman cannot run on this machine: $(tail -1 <<<"$info")"
fi
cleanup() { pm rm -af -t 0 >/dev/null 2>&1; }
trap cleanup EXIT
cleanup

# --- images, built FROM scratch ---
cp "$PROBE" "$W/img/probe/probe.wasm"
printf 'FROM scratch\nCOPY probe.wasm /probe.wasm\nENTRYPOINT ["/probe.wasm"]\n' >"$W/img/probe/Containerfile"
cp "$(command -v busybox)" "$W/img/busybox/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["/bin/sh"]\n' \
    >"$W/img/busybox/Containerfile"
printf 'FROM scratch\nCOPY Containerfile /Containerfile\nENTRYPOINT ["/missing.wasm"]\n' >"$W/img/missing/Containerfile"
if ! out=$(pm build --annotation module.wasm.image/variant=compat -t localhost/enarx-oci-probe:test "$W/img/probe" 2>&1) ||
    ! out=$(pm build -t localhost/enarx-oci-busybox:test "$W/img/busybox" 2>&1) ||
    ! out=$(pm build --annotation module.wasm.image/variant=compat -t localhost/enarx-oci-missing:test "$W/img/missing" 2>&1); then
    bad "podman build FROM scratch" "$(tail -3 <<<"$out")"
    suite_end
    exit 1
fi
ok "podman build: FROM scratch images (a .wasm, busybox)"
IMG=localhost/enarx-oci-probe:test
run() { pm run --rm --runtime enarx-oci "$@" </dev/null; }

out=$(run "$IMG" hello 2>&1)
check "podman run: the Keep's output" "$out" "Hello from a Keep"
run "$IMG" exit 7 >/dev/null 2>&1
check "podman run: exit status 7" "$?" "7"
out=$(run -e GREETING=hi-podman "$IMG" args "two words" 2>&1)
check_contains "args arrive" "$out" "argv[2]=two words"
check_contains "env arrives" "$out" "env GREETING=hi-podman"
[[ "$out" != *_OCI_SYNCPIPE* && "$out" != *CONTAINERS_CONF* ]] && ok "conmon's environment does not leak in" ||
    bad "conmon's environment does not leak in" "$out"
out=$(echo "piped through" | pm run --rm -i --runtime enarx-oci "$IMG" cat - 2>&1)
check "podman run -i: stdin reaches the Keep, with its end" "$out" "piped through"
out=$(timeout 60 script -qec "podman --root $W/storage --runroot $W/run --tmpdir $W/tmp --storage-driver overlay run --rm -t --runtime enarx-oci $IMG exit 5" /dev/null </dev/null)
check "podman run -t: a terminal (console socket), exit 5" "$?" "5"
mkdir -p "$W/data"
echo "from the host" >"$W/data/f.txt"
out=$(run -v "$W/data:/data:ro" "$IMG" cat /data/f.txt 2>&1)
check "-v: a bind mount is preopened" "$out" "from the host"
out=$(run -v "$W/data:/data:ro" "$IMG" write /data/g.txt x 2>&1)
check_contains "-v ...:ro stays read-only" "$out" "Read-only file system"
out=$(run --read-only "$IMG" write /x.txt x 2>&1)
check_contains "--read-only: the rootfs is read-only" "$out" "Read-only file system"
out=$(run "$IMG" write /x.txt x 2>&1)
check "without it the Keep writes" "$out" "wrote /x.txt"

# --- long-running: memory, network, stop, rm -f, exec ---
cid=$(pm run -d --runtime enarx-oci --memory 64m "$IMG" sleep 100)
pid=$(pm inspect --format '{{.State.Pid}}' "$cid")
memcg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$pid/cgroup")
check "--memory 64m: the Keep's cgroup limit" "$(cat "/sys/fs/cgroup/memory$memcg/memory.limit_in_bytes")" "67108864"
netns=$(pm inspect --format '{{.NetworkSettings.SandboxKey}}' "$cid")
if [ -n "$netns" ]; then
    check "the Keep is in the container's network namespace" "$(readlink "/proc/$pid/ns/net")" "net:[$(stat -L -c %i "$netns")]"
else
    bad "the Keep is in the container's network namespace" "no SandboxKey"
fi
out=$(pm exec "$cid" /probe.wasm hello 2>&1)
check_contains "podman exec: a clear error" "$out" "exec into a Keep is not supported"
start=$(date +%s)
pm stop -t 10 "$cid" >/dev/null
check "podman stop: SIGTERM ends the Keep (143)" "$(pm inspect --format '{{.State.ExitCode}}' "$cid")" "143"
[ $(($(date +%s) - start)) -lt 8 ] && ok "podman stop: without waiting for the timeout" || bad "podman stop: without waiting for the timeout"
pm rm "$cid" >/dev/null
cid=$(pm run -d --runtime enarx-oci "$IMG" sleep 100)
pid=$(pm inspect --format '{{.State.Pid}}' "$cid")
pm rm -f "$cid" >/dev/null
check "podman rm -f: status" "$?" "0"
wait_for eval '[ -z "$(ps -o stat= -p '"$pid"' | grep -v ^Z)" ]' && ok "podman rm -f: the Keep is gone" || bad "podman rm -f: the Keep is gone"

# --- a mixed run: an ordinary image through the same runtime goes to runc ---
out=$(run localhost/enarx-oci-busybox:test sh -c 'echo native $((6 * 7)); exit 3' 2>&1)
check "busybox through enarx-oci: runc runs it (exit 3)" "$?:$out" "3:native 42"
[ -z "$(ls "$STATE/runc" 2>/dev/null)" ] && ok "runc's state for it is removed" || bad "runc's state for it is removed"

# --- a missing module: the message names the field ---
out=$(run localhost/enarx-oci-missing:test 2>&1)
check_contains "a missing module: the message names process.args[0]" "$out" "process.args[0]: the wasm module /missing.wasm"

# --- 20 at once ---
cgroups_before=$(ls -d /sys/fs/cgroup/memory/libpod_parent/libpod-* 2>/dev/null | sort)
for i in $(seq 20); do
    (pm run --rm --runtime enarx-oci --network none "$IMG" args "n$i" >"$W/par.$i" 2>&1 </dev/null; echo $? >"$W/par.$i.rc") &
done
wait
okays=0
for i in $(seq 20); do
    [ "$(cat "$W/par.$i.rc")" = 0 ] && grep -q "argv\[2\]=n$i\$" "$W/par.$i" && okays=$((okays + 1))
done
check "20 concurrent podman runs: all succeed with their own output" "$okays" "20"
[ -n "$(ls "$W/par.1" 2>/dev/null)" ] && [ "$okays" != 20 ] && for i in $(seq 20); do [ "$(cat "$W/par.$i.rc")" = 0 ] || echo "  run $i: $(tail -2 "$W/par.$i")"; done
check "and leave no state behind" "$(ls "$STATE/keep" "$STATE/lock" 2>/dev/null | grep -v ':$' | grep -c .)" "0"
check "and no container" "$(pm ps -aq | wc -l)" "0"
leftover=$(comm -13 <(echo "$cgroups_before") <(ls -d /sys/fs/cgroup/memory/libpod_parent/libpod-* 2>/dev/null | sort) | head -3)
check "and no cgroup" "$leftover" ""
suite_end
