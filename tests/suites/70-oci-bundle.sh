#!/usr/bin/env bash
# enarx-oci driven directly, the way conmon and containerd's shim drive it,
# with bundles made here: the lifecycle (created, running, stopped), runc's
# semantics for start/kill/delete, the mapping of a bundle to a Keep (args,
# env, rootfs and mounts as preopens, read-only root, Enarx.toml, memory
# limit, namespaces by path), bad input (runc's error shape, messages that
# name the field, nothing left behind), a create killed half-way, one id
# raced by concurrent commands, and a non-wasm bundle handed to runc.
set -u
cd "$(dirname "$0")/../.."
source tests/oci/lib.sh
need_root "70-oci-bundle"
need_exec
W="$OCI_WORK/bundle"
R="$W/root"
rm -rf "$W"
mkdir -p "$W"
cleanup() {
    for d in "$R"/keep/*; do [ -e "$d" ] && "$OCI" --root "$R" delete --force "$(basename "$d")" 2>/dev/null; done
    [ -n "${netns_pid:-}" ] && kill "$netns_pid" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT

oci() { timeout 30 "$OCI" --root "$R" "$@"; } # a hang is a failure, not a wait
status_of() { oci state "$1" 2>/dev/null | jq -r .status; }
is_stopped() { [ "$(status_of "$1")" = stopped ]; }
no_trace() { [ ! -e "$R/keep/$1" ] && [ ! -e "$R/lock/$1" ]; }

# run_bundle ID DIR: create, start, wait until stopped; out/err in DIR.
run_bundle() {
    local id=$1 dir=$2
    oci create --bundle "$dir" --pid-file "$dir/pid" "$id" >"$dir/out" 2>"$dir/err" </dev/null || return 1
    oci start "$id" || return 1
    wait_for is_stopped "$id"
}

# --- the command line ---
check_contains "--version (runc's shape)" "$("$OCI" --version)" "enarx-oci version"
check_contains "enarx oci: the alias runs enarx-oci" "$("$BUILD/bin/enarx" oci --version)" "enarx-oci version"
check "features is JSON" "$("$OCI" features | jq -r '.linux.namespaces | length')" "6"
out=$("$OCI" --root "$R" bogus 2>&1); rc=$?
check "unknown command: status 1" "$rc" "1"
check_contains "unknown command: named" "$out" 'unknown command "bogus"'

# --- lifecycle ---
B="$W/b1"
make_bundle "$B" '["/probe.wasm", "args", "x y"]'
oci create --bundle "$B" --pid-file "$B/pid" c1 >"$B/out" 2>"$B/err" </dev/null
check "create: status 0" "$?" "0"
pid=$(cat "$B/pid")
check "state after create: created" "$(status_of c1)" "created"
check "state: the pid of the pid file" "$(oci state c1 | jq .pid)" "$pid"
check "state: bundle" "$(oci state c1 | jq -r .bundle)" "$B"
check "the Keep's process leads its own session" "$(ps -o sid= -p "$pid" | tr -d ' ')" "$pid"
check "nothing ran before start" "$(cat "$B/out")" ""
oci start c1
check "start: status 0" "$?" "0"
wait_for is_stopped c1
check "after the workload exits: stopped" "$(status_of c1)" "stopped"
check "stopped: pid 0 (runc)" "$(oci state c1 | jq .pid)" "0"
check_contains "the workload's argv[0] is process.args[0]" "$(cat "$B/out")" "argv[0]=/probe.wasm"
check_contains "arguments arrive intact" "$(cat "$B/out")" "argv[2]=x y"
check "the environment is process.env, exactly" "$(grep '^env ' "$B/out" | tr '\n' ' ')" "env PATH=/bin env GREETING=hi "
out=$(oci start c1 2>&1)
check_contains "start twice: runc's error" "$out" "cannot start a container that has stopped"
oci delete c1
check "delete of a stopped container" "$?" "0"
no_trace c1 && ok "delete leaves no state or lock" || bad "delete leaves no state or lock"

# kill: created and running, by name and number; --all on stopped
make_bundle "$B" '["/probe.wasm", "sleep", "60"]'
oci create --bundle "$B" c2 >"$B/out" 2>&1 </dev/null
oci kill c2 KILL && wait_for is_stopped c2
check "kill KILL of a created container: stopped" "$(status_of c2)" "stopped"
out=$(oci kill c2 TERM 2>&1); rc=$?
check "kill of a stopped container fails (runc)" "$rc:$out" "1:enarx-oci: container not running: c2"
oci kill --all c2 9
check "kill --all of a stopped container: 0 (runc)" "$?" "0"
oci delete c2
oci create --bundle "$B" --pid-file "$B/pid" c3 >"$B/out" 2>&1 </dev/null && oci start c3
check "running" "$(status_of c3)" "running"
check "ps --format json: the Keep's processes" "$(oci ps --format json c3 | jq 'index('"$(cat "$B/pid")"') != null')" "true"
out=$(oci delete c3 2>&1)
check_contains "delete of a running container needs --force" "$out" "not stopped: running"
oci kill c3 15 && wait_for is_stopped c3
check "kill 15: the Keep stops" "$(status_of c3)" "stopped"
oci delete c3
oci create --bundle "$B" --pid-file "$B/pid" c4 >"$B/out" 2>&1 </dev/null && oci start c4
pid=$(cat "$B/pid")
oci delete --force c4
check "delete --force of a running container" "$?" "0"
# gone, or a zombie until its new parent reaps it
gone() { [ -z "$(ps -o stat= -p "$1" | grep -v '^Z')" ]; }
gone "$pid" && ok "delete --force kills the Keep" || bad "delete --force kills the Keep" "pid $pid lives"
pgrep -f "enarx-exec" -P "$pid" >/dev/null && bad "no exec left" || ok "no exec left behind"

# --- unknown ids ---
oci delete --force never-was
check "delete --force of an unknown id: 0" "$?" "0"
out=$(oci delete never-was 2>&1); rc=$?
check "delete of an unknown id: 1, does not exist" "$rc:$out" "1:enarx-oci: container never-was does not exist"
out=$(oci state never-was 2>&1)
check_contains "state of an unknown id: does not exist (podman matches this)" "$out" "does not exist"
no_trace never-was && ok "unknown ids leave no lock" || bad "unknown ids leave no lock"

# --- unsupported commands on a Keep ---
make_bundle "$B" '["/probe.wasm", "sleep", "60"]'
oci create --bundle "$B" c5 >"$B/out" 2>&1 </dev/null || bad "create c5" "$(cat "$B/out")"
for cmd in "exec --process /dev/null c5" "pause c5" "update --resources - c5"; do
    out=$(oci $cmd 2>&1 </dev/null); rc=$?
    check_contains "${cmd%% *}: a clear error" "$rc:$out" "1:enarx-oci: ${cmd%% *}"
done
oci delete --force c5

# --- bad input: runc's error shape (status 1, the message in the json log), field named, nothing left ---
bad_bundle() { # NAME ID EXPECTED-TEXT
    local out rc
    out=$(oci --log "$W/log.json" --log-format json create --bundle "$B" "$2" 2>&1 </dev/null); rc=$?
    local last
    last=$(tail -1 "$W/log.json" 2>/dev/null | jq -r 'select(.level == "error") | .msg')
    if [ "$rc" -ne 1 ]; then bad "$1" "status $rc"
    elif [[ "$last" != *"$3"* ]]; then bad "$1" "json log [$last] lacks [$3]"
    elif [[ "$out" != *"$3"* ]]; then bad "$1" "stderr [$out] lacks [$3]"
    elif ! no_trace "$2"; then bad "$1" "state left behind"
    else ok "$1"; fi
}
rm -f "$B/config.json"
bad_bundle "no config.json" e1 "config.json: cannot read"
echo '{"ociVersion": ' >"$B/config.json"
bad_bundle "config.json not JSON" e2 "not valid JSON"
make_bundle "$B" '["/probe.wasm"]' '.process.bogus = 1'
bad_bundle "unknown field: named" e3 "process.bogus: unknown field"
make_bundle "$B" '["/probe.wasm"]' '.linux.resources = {blockIO: {weight: 100}}'
bad_bundle "unsupported option: named" e4 "linux.resources.blockIO: not supported"
make_bundle "$B" '["/missing.wasm"]' '.annotations = {"module.wasm.image/variant": "compat"}'
bad_bundle "missing module" e5 "process.args[0]: the wasm module /missing.wasm is not in"
make_bundle "$B" '["/probe.wasm"]'
echo "not wasm" >"$B/rootfs/probe.wasm"
bad_bundle "a .wasm that is not wasm" e6 "is not a WebAssembly module"
make_bundle "$B" '["/probe.wasm"]'
printf '\0asm\x0d\x00\x01\x00' >"$B/rootfs/probe.wasm"
bad_bundle "a component" e7 "WebAssembly component"
rm -f "$B/rootfs/probe.wasm"
mkfifo "$B/rootfs/probe.wasm"
bad_bundle "a FIFO as the module: refused, no hang" e6b "is not a WebAssembly module (not a regular file)"
make_bundle "$B" '["/probe.wasm"]'
mkfifo "$B/rootfs/Enarx.toml"
bad_bundle "a FIFO as the image's Enarx.toml: refused, no hang" e6c "/Enarx.toml in the image is not a regular file"
make_bundle "$B" '["/probe.wasm"]'
rm "$B/config.json"
mkfifo "$B/config.json"
bad_bundle "a FIFO as config.json: refused, no hang" e6d "is a FIFO, not a regular file"
make_bundle "$B" '["/probe.wasm"]' '.annotations = {"io.enarx.backend": "tdx"}'
bad_bundle "unknown backend annotation" e8 'annotations["io.enarx.backend"]'
make_bundle "$B" '["/probe.wasm"]' '.process.terminal = true'
bad_bundle "terminal without console socket" e9 "--console-socket"
make_bundle "$B" '["/probe.wasm"]' '.linux.sysctl = {"vm.swappiness": "1"}'
bad_bundle "host sysctl refused" e10 'linux.sysctl["vm.swappiness"]'
make_bundle "$B" '["/probe.wasm"]' '.mounts = [{destination: "/d", type: "bind", source: "/nonexistent-dir", options: ["bind"]}]'
bad_bundle "missing bind source: the Keep never starts" e11 "mounts[0].source: /nonexistent-dir"
make_bundle "$B" '["/probe.wasm"]'
out=$(oci create --bundle "$B" --pid-file /nonexistent-dir/pid e12 2>&1 </dev/null)
check_contains "unwritable pid file: error" "$out" "--pid-file /nonexistent-dir/pid"
no_trace e12 && ok "a Keep that cannot be created leaves no state" || bad "a Keep that cannot be created leaves no state"

# --- the bundle as the Keep sees it ---
make_bundle "$B" '["/probe.wasm", "write", "/new.txt", "x"]'
run_bundle w1 "$B"
check_contains "writable root: a write" "$(cat "$B/out")" "wrote /new.txt"
[ -f "$B/rootfs/new.txt" ] && ok "the write lands in the rootfs" || bad "the write lands in the rootfs"
oci delete w1
make_bundle "$B" '["/probe.wasm", "write", "/new.txt", "x"]' '.root.readonly = true'
run_bundle w2 "$B"
check_contains "root.readonly: the Keep cannot write" "$(cat "$B/out")" "Read-only file system"
oci delete w2
mkdir -p "$W/host-data"
echo "host file" >"$W/host-data/file.txt"
make_bundle "$B" '["/probe.wasm", "cat", "/data/file.txt"]' \
    '.mounts = [{destination: "/data", type: "bind", source: "'"$W/host-data"'", options: ["rbind", "ro"]}]'
run_bundle m1 "$B"
check "a bind mount is readable in the Keep" "$(cat "$B/out")" "host file"
oci delete m1
make_bundle "$B" '["/probe.wasm", "write", "/data/new.txt", "x"]' \
    '.mounts = [{destination: "/data", type: "bind", source: "'"$W/host-data"'", options: ["rbind", "ro"]}]'
run_bundle m2 "$B"
check_contains "a read-only bind mount stays read-only" "$(cat "$B/out")" "Read-only file system"
oci delete m2
make_bundle "$B" '["/probe.wasm", "write", "/tmp/t.txt", "x"]' \
    '.mounts = [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=1m"]}]'
run_bundle m3 "$B"
check_contains "a tmpfs mount is writable" "$(cat "$B/out")" "wrote /tmp/t.txt"
[ ! -e "$B/rootfs/tmp/t.txt" ] && ok "tmpfs writes stay out of the rootfs" || bad "tmpfs writes stay out of the rootfs"
oci delete m3
# a working directory other than / is made, and absolute paths still mean the rootfs
make_bundle "$B" '["/probe.wasm", "ls", "/"]' '.process.cwd = "/work/dir"'
run_bundle cwd1 "$B"
[ -d "$B/rootfs/work/dir" ] && ok "process.cwd is made in the rootfs (runc)" || bad "process.cwd is made in the rootfs (runc)"
check "with process.cwd set, / is still the rootfs" "$(sort "$B/out" | tr '\n' ' ')" "probe.wasm work "
oci delete cwd1
# an image's symlink cannot move a mount out of the rootfs
mkdir -p "$W/outside"
make_bundle "$B" '["/probe.wasm", "cat", "/link/sub/file.txt"]' \
    '.mounts = [{destination: "/link/sub", type: "bind", source: "'"$W/host-data"'", options: ["rbind"]}]'
ln -s "$W/outside" "$B/rootfs/link"
out=$(oci create --bundle "$B" m4 2>&1 </dev/null)
# the symlink resolves inside the rootfs, where its target does not exist
check_contains "an image's symlink cannot move a mount out of the rootfs" "$out" "mounts[0].destination: cannot make /link/sub"
[ ! -e "$W/outside/sub" ] && ok "and the host directory is untouched" || bad "and the host directory is untouched" "$W/outside/sub was made"
# the runtime's own environment never reaches the workload, nor steers the launcher
make_bundle "$B" '["/probe.wasm", "args"]' '.process.env = ["ENARX_EXEC=/bin/false", "ENARX_BACKEND=sev"]'
LEAKME=1 ENARX_EXEC=/bin/false oci create --bundle "$B" env1 >"$B/out" 2>"$B/err" </dev/null && oci start env1 && wait_for is_stopped env1
check "process.env reaches the workload, the runtime's env does not" "$(grep '^env ' "$B/out" | tr '\n' ' ')" \
    "env ENARX_EXEC=/bin/false env ENARX_BACKEND=sev "
oci delete env1
# Enarx.toml in the image
make_bundle "$B" '["/probe.wasm"]'
printf 'args = ["args", "from-toml"]\n[[files]]\nkind = "stdin"\n[[files]]\nkind = "stdout"\n[[files]]\nkind = "stderr"\n' >"$B/rootfs/Enarx.toml"
run_bundle t1 "$B"
check_contains "the image's /Enarx.toml is honoured (its args first)" "$(cat "$B/out")" "argv[2]=from-toml"
oci delete t1
printf '[[files]]\nkind = "dir"\nname = "/host"\nhost = "/etc"\n' >"$B/rootfs/Enarx.toml"
bad_bundle "an Enarx.toml dir outside the image is refused" t2 "would reach the host's files"
rm "$B/rootfs/Enarx.toml"
make_bundle "$B" '["/probe.wasm"]' '.annotations = {"io.enarx.config": "/cfg/keep.toml"}'
mkdir -p "$B/rootfs/cfg"
printf 'args = ["args", "annotated"]\n[[files]]\nkind = "stdin"\n[[files]]\nkind = "stdout"\n[[files]]\nkind = "stderr"\n' >"$B/rootfs/cfg/keep.toml"
run_bundle t3 "$B"
check_contains "io.enarx.config names the Enarx.toml" "$(cat "$B/out")" "argv[2]=annotated"
oci delete t3

# --- cgroups and namespaces ---
make_bundle "$B" '["/probe.wasm", "sleep", "60"]' \
    '.linux.cgroupsPath = "/enarx-oci-test/cg1" | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 64}}'
oci create --bundle "$B" --pid-file "$B/pid" cg1 >"$B/out" 2>"$B/err" </dev/null
pid=$(cat "$B/pid" 2>/dev/null)
memcg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$pid/cgroup" 2>/dev/null)
check "cgroupsPath: the Keep is placed there" "$memcg" "/enarx-oci-test/cg1"
check "memory.limit: the Keep's cgroup limit" "$(cat /sys/fs/cgroup/memory/enarx-oci-test/cg1/memory.limit_in_bytes 2>/dev/null)" "67108864"
check "memory.limit: the Keep's memory (ENARX_KEEP_MEMORY)" \
    "$(tr '\0' '\n' <"/proc/$pid/environ" | grep ENARX_KEEP_MEMORY)" ""
oci start cg1
sleep 0.3
check "memory.limit: the launcher is told the Keep's memory" \
    "$(tr '\0' '\n' <"/proc/$pid/environ" | grep ENARX_KEEP_MEMORY)" "ENARX_KEEP_MEMORY=67108864"
check "the Keep's own pid namespace" "$(readlink /proc/$pid/ns/pid | grep -c "$(readlink /proc/self/ns/pid)")" "0"
oci delete --force cg1
[ ! -e /sys/fs/cgroup/memory/enarx-oci-test/cg1 ] && ok "delete removes the cgroup" || bad "delete removes the cgroup"
rmdir /sys/fs/cgroup/*/enarx-oci-test 2>/dev/null
# joining a network namespace by path (a pod's), as the CRI asks
unshare --net sleep 60 &
netns_pid=$!
sleep 0.2
make_bundle "$B" '["/probe.wasm", "sleep", "60"]' \
    'del(.hostname) | .linux.namespaces = [{type: "mount"}, {type: "network", path: "/proc/'"$netns_pid"'/ns/net"}, {type: "ipc", path: "/proc/'"$netns_pid"'/ns/ipc"}]'
oci create --bundle "$B" --pid-file "$B/pid" ns1 >"$B/out" 2>"$B/err" </dev/null
check "network namespace by path: joined" "$(readlink /proc/"$(cat "$B/pid")"/ns/net)" "$(readlink /proc/$netns_pid/ns/net)"
oci delete --force ns1
kill "$netns_pid"
wait "$netns_pid" 2>/dev/null
netns_pid=""
make_bundle "$B" '["/probe.wasm", "sleep", "60"]'
oci create --bundle "$B" --pid-file "$B/pid" ns2 >"$B/out" 2>"$B/err" </dev/null
[ "$(readlink /proc/"$(cat "$B/pid")"/ns/net)" != "$(readlink /proc/self/ns/net)" ] && ok "a new network namespace when no path is given" || bad "a new network namespace when no path is given"
oci delete --force ns2

# --- a create killed half-way: delete removes whatever it left ---
# strace kills `create` at its Kth call of each system call that makes
# something (directories, the fifo, state files, the Keep's process), so
# every point between two of them is hit, deterministically.
make_bundle "$B" '["/probe.wasm", "hello"]' '.linux.cgroupsPath = "/enarx-oci-test/crash"'
crash_leftovers() { # what a killed create left after delete
    local where=$1 found=""
    if [ -e "$R/keep/crash" ]; then
        oci delete crash >/dev/null 2>&1 || oci delete --force crash >/dev/null 2>&1
    fi
    [ -e "$R/keep/crash" ] && found+=" state@$where"
    [ -e "$R/lock/crash" ] && ! oci state crash >/dev/null 2>&1 && rm -f "$R/lock/crash" # a lock alone is harmless
    [ -n "$(ls -d /sys/fs/cgroup/*/enarx-oci-test/crash 2>/dev/null)" ] && found+=" cgroup@$where"
    # a Keep's process whose create died before recording it exits by itself
    wait_for eval '! pgrep -f "$B" >/dev/null' || found+=" process@$where"
    printf '%s' "$found"
}
if command -v strace >/dev/null; then
    left="" points=0
    for call in mkdir mknodat rename clone; do
        for k in $(seq 1 40); do
            strace -qq -o /dev/null -e trace="$call" -e inject="$call:signal=KILL:when=$k" \
                "$OCI" --root "$R" create --bundle "$B" crash >/dev/null 2>&1 </dev/null
            rc=$?
            left+=$(crash_leftovers "$call#$k")
            [ "$rc" -eq 0 ] && break # it got past its last such call
            points=$((points + 1))
        done
    done
    check "create killed at each of its $points mkdir/mkfifo/rename/fork calls: delete leaves nothing" "$left" ""
else
    skipped "create killed half-way" "strace is not installed (scripts/deps.sh installs it)"
fi
left=""
for delay in 0.002 0.01 0.05; do
    "$OCI" --root "$R" create --bundle "$B" crash >/dev/null 2>&1 </dev/null &
    sleep "$delay"
    kill -9 $! 2>/dev/null
    wait $! 2>/dev/null
    left+=$(crash_leftovers "$delay s")
done
check "create killed after 2, 10, 50 ms: delete leaves nothing" "$left" ""
rmdir /sys/fs/cgroup/*/enarx-oci-test 2>/dev/null

# --- one id, concurrent commands: the lock serialises them ---
make_bundle "$B" '["/probe.wasm", "sleep", "60"]'
for i in 1 2 3 4 5 6; do (oci create --bundle "$B" race >/dev/null 2>"$W/race.$i" </dev/null; echo $? >"$W/race.$i.rc") & done
wait
check "6 concurrent creates of one id: exactly one succeeds" "$(cat "$W"/race.*.rc | grep -c '^0$')" "1"
check "the others: container with id exists" "$(grep -l 'container with id exists: race' "$W"/race.? | wc -l)" "5"
(oci start race; echo "start $?" >"$W/r1") & (oci delete --force race; echo "delete $?" >"$W/r2") & wait
check "start and delete --force raced: delete succeeds" "$(cat "$W/r2")" "delete 0"
no_trace race && ok "and nothing is left" || bad "and nothing is left"

# --- a bundle that is not wasm goes to runc, with state of its own ---
make_bundle "$B" '["/bin/busybox", "echo", "native"]' \
    '.process.env = ["PATH=/bin"] | .mounts = [{destination: "/proc", type: "proc", source: "proc"}]'
rm "$B/rootfs/probe.wasm"
mkdir -p "$B/rootfs/bin"
cp "$(command -v busybox)" "$B/rootfs/bin/busybox"
if oci create --bundle "$B" native1 >"$B/out" 2>"$B/err" </dev/null; then
    check "non-wasm: runc's state, not ours" "$([ -d "$R/runc/native1" ] && [ ! -e "$R/keep/native1" ] && echo yes)" "yes"
    oci start native1
    wait_for is_stopped native1
    check "non-wasm: runc ran it" "$(cat "$B/out")" "native"
    oci delete native1
    check "non-wasm: delete through runc" "$?" "0"
    no_trace native1 && [ ! -e "$R/runc/native1" ] && ok "non-wasm: nothing left" || bad "non-wasm: nothing left"
else
    bad "non-wasm bundle created through runc" "$(cat "$B/err")"
fi
suite_end
