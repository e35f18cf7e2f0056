#!/usr/bin/env bash
# The attested deployment (docs/deploy.md) on loopback: `enarx host` (the
# agent) and `enarx deploy` (the client), with a local Keep and through the
# agent, on $TEST_BACKEND (default nil; tests/suites/60-keep-deploy.sh runs
# the kvm variant inside the test VM). A recording relay between client and
# agent checks that no plaintext crosses the host, and that one flipped byte
# stops everything; a Keep that replays evidence from another connection is
# refused; the agent's limits, lifecycle, logs and its descriptors and
# memory over 50 concurrent deploys.
set -u
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
need_exec
RELAY="$BUILD/tests/deploy/relay"
PEER="$BUILD/tests/e2e/netpeer"
BACKEND=${TEST_BACKEND:-nil}
tmp=$(mktemp -d)
pids=()
# Agents run under timeout(1): TERM reaches the agent through it (which then
# stops its Keeps); a KILL would only kill timeout and leave the agent
# holding the suite's stdout, so that a pipe reading it never ends.
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 300); do
        local alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
export TMPDIR="$tmp"

# What this build's Keep measures as (nil: SHA-384 of the exec; kvm: the VMM's digest).
measurement_of() { # EXEC
    if [ "$BACKEND" = nil ]; then sha384sum "$1" | cut -c1-96; else "$ENARX" keep measure --backend "$BACKEND" 2>/dev/null | grep -oE '[0-9a-f]{96}' | head -n1; fi
}
M=$(measurement_of "$BUILD/bin/enarx-exec")
ALLOW=(--insecure-allow-unattested --expect-measurement "$M")

# start_agent NAME [OPTIONS...]: an agent on a free loopback port (in $port),
# logging to $tmp/NAME.log; AGENT_BIN picks another enarx binary. $agent_pid
# is its timeout(1) (to wait for; TERM goes through to the agent), and
# $agent_real the agent itself (what a KILL must hit).
start_agent() {
    local name=$1
    shift
    (cd "$tmp/cwd" && exec timeout 600 "$OLDPWD/${AGENT_BIN:-$ENARX}" host --listen 127.0.0.1:0 --backend "$BACKEND" \
        --log-format json "$@") 2>"$tmp/$name.log" &
    agent_pid=$!
    pids+=("$agent_pid")
    port=""
    for _ in $(seq 200); do
        port=$(grep -o '"port":[0-9]*' "$tmp/$name.log" 2>/dev/null | head -n1 | cut -d: -f2)
        [ -n "$port" ] && break
        sleep 0.05
    done
    agent_real=$(pgrep -P "$agent_pid" | head -n1)
}
mkdir -p "$tmp/cwd"

# deploy ARGS...: sets out, err, status (stdin from $DEPLOY_IN or /dev/null)
deploy() {
    timeout "${RUN_TIMEOUT:-60}" "$ENARX" deploy "$@" >"$tmp/out" 2>"$tmp/err" <"${DEPLOY_IN:-/dev/null}"
    status=$?
    out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}

# deploy_bg NAME ARGS...: a deploy in the background, stdin from $DEPLOY_IN;
# sets client (its pid); deploy_wait NAME: waits, sets status and err
deploy_bg() {
    local name=$1
    shift
    (timeout "${RUN_TIMEOUT:-60}" "$ENARX" deploy "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" <"${DEPLOY_IN:-/dev/null}"
     echo $? >"$tmp/$name.status") &
    client=$!
}
deploy_wait() {
    wait "$client"
    status=$(cat "$tmp/$1.status" 2>/dev/null || echo missing)
    err=$(cat "$tmp/$1.err")
}

# agent_info PORT: the agent's JSON answer to an info request
agent_info() {
    local reply
    exec 9<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'ENARXIN1' >&9
    reply=$(timeout 10 cat <&9)
    exec 9<&-
    printf '%s' "$reply"
}

# --- a local Keep (no agent) ---
deploy --backend "$BACKEND" "${ALLOW[@]}" "$W/hello.wasm"
check "local Keep: hello" "$out" "Hello, world!"
check "local Keep: status" "$status" 0
check_contains "local Keep: the warning says what is not protected" "$err" "UNATTESTED (no hardware root of trust)"

# --- through an agent ---
# handle_segv=0: in a sanitizer build, a Keep sent SIGSEGV below dies of it
# (as the crash check expects) instead of ASan reporting and exiting 1.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0" start_agent a1 --grace 1 --max-keeps 64
[ -n "$port" ] && ok "agent: listening" || bad "agent: listening" "$(cat "$tmp/a1.log")"
H=(--host "127.0.0.1:$port")
deploy "${H[@]}" "${ALLOW[@]}" "$W/hello.wasm"
check "agent: hello" "$out" "Hello, world!"
check "agent: hello status" "$status" 0
deploy "${H[@]}" "${ALLOW[@]}" "$W/exit_code.wasm" 7
check "agent: the workload's exit status 7" "$status" 7
head -c $((16 << 20)) /dev/urandom >"$tmp/16m"
timeout 120 "$ENARX" deploy "${H[@]}" "${ALLOW[@]}" "$W/echo.wasm" <"$tmp/16m" >"$tmp/16m.out" 2>"$tmp/err"
status=$?
check "agent: 16 MiB stdin -> stdout echo: status" "$status" 0
cmp -s "$tmp/16m" "$tmp/16m.out" && ok "agent: 16 MiB stdin -> stdout echo: identical" ||
    bad "agent: 16 MiB stdin -> stdout echo: identical" "$(stat -c %s "$tmp/16m.out") bytes back; $(head -c 300 "$tmp/err")"
deploy "${H[@]}" "${ALLOW[@]}" --env GREETING=hi "$W/args_env.wasm" one two
check_contains "agent: arguments and --env reach the workload" "$out" "two"

info=$(agent_info "$port")
check_contains "agent: info request (version)" "$info" '"version":'
check_contains "agent: info request (backends)" "$info" "\"backend\":\"$BACKEND\""
check_contains "agent: info request (limits)" "$info" '"max_keeps":64'
check_contains "agent: info request (Keeps running)" "$info" '"keeps_running":0'
grep -q '"event":"keep_ended".*"status":7' "$tmp/a1.log" && ok "agent: logs each Keep's status (JSON)" ||
    bad "agent: logs each Keep's status (JSON)" "$(tail -n 3 "$tmp/a1.log")"
grep -q '"event":"keep_ended".*"duration_ms":' "$tmp/a1.log" && ok "agent: logs each Keep's duration" ||
    bad "agent: logs each Keep's duration"

# --- an Enarx.toml listen socket, reachable from here ---
p1=$("$PEER" free-port) p2=$("$PEER" free-port)
printf '[[files]]\nkind = "stdin"\n[[files]]\nkind = "stdout"\n[[files]]\nkind = "stderr"\n[[files]]\nkind = "listen"\nname = "ingest"\nprot = "tcp"\naddr = "127.0.0.1"\nport = %s\n[[files]]\nkind = "listen"\nname = "ping"\nprot = "tcp"\nport = %s\n' \
    "$p1" "$p2" >"$tmp/listen.toml"
deploy_bg listen "${H[@]}" "${ALLOW[@]}" --wasmcfgfile "$tmp/listen.toml" "$W/net_listen.wasm"
c1=$("$PEER" client "$p1" "first client" 2>&1)
c2=$("$PEER" client "$p1" "second" 2>&1)
c3=$("$PEER" client "$p1" "third" 2>&1)
deploy_wait listen
check "Enarx.toml listen: the workload's status" "$status" 0
check "Enarx.toml listen: reachable from the test (1)" "$c1" "reply: tneilc tsrif"
check "Enarx.toml listen: reachable from the test (3, non-blocking accept)" "$c3" "reply: driht"
check_contains "Enarx.toml listen: the workload's output came back" "$(cat "$tmp/listen.out")" "connection 2: second"

# --- refusals: every one names the check, both values, and what to do ---
deploy "${H[@]}" --expect-measurement "$M" "$W/hello.wasm"
check "unattested without the flag: refused (status 1)" "$status" 1
check_contains "unattested without the flag: names the check" "$err" "unattested"
check "unattested without the flag: nothing ran" "$out" ""
wrong=$(printf '%096d' 0)
deploy "${H[@]}" --insecure-allow-unattested --expect-measurement "$wrong" "$W/hello.wasm"
check "wrong --expect-measurement: refused" "$status" 1
check_contains "wrong --expect-measurement: names the expected value" "$err" "$wrong"
check_contains "wrong --expect-measurement: names the actual value" "$err" "$M"
check "wrong --expect-measurement: nothing ran" "$out" ""
deploy "${H[@]}" --backend sgx "${ALLOW[@]}" "$W/hello.wasm"
check_contains "agent: another backend asked for: refused, saying which it runs" "$err" "runs $BACKEND Keeps, not sgx"

# --- secrets: readable by the workload, read-only, never on the host's disk ---
secret="s3cr3t-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$secret" >"$tmp/client-secret"
deploy "${H[@]}" "${ALLOW[@]}" --secret "token=$tmp/client-secret" "$W/read_secret.wasm" token
check_contains "secret: the workload reads /run/secrets/token" "$out" "secret: $secret"
check_contains "secret: read-only (write)" "$out" "write: Read-only file system"
check_contains "secret: read-only (create)" "$out" "create: Read-only file system"
check_contains "secret: listed" "$out" "entry: token"
found=$(grep -rlaF "$secret" "$tmp" /dev/shm 2>/dev/null | grep -v -e "^$tmp/client-secret$" -e "^$tmp/out$")
check "secret: nowhere on the host's disk but the client's own file" "$found" ""
deploy "${H[@]}" "${ALLOW[@]}" --secret "../x=$tmp/client-secret" "$W/read_secret.wasm" x
check "secret: a name with a slash is refused" "$status" 2

# The relay, lifecycle and load checks are about the host side and the
# channel, the same for every backend: under the kvm route (emulated, ~50x
# slower) they run only with DEPLOY_FULL=1.
FULL=1
[ "$BACKEND" != nil ] && [ -z "${DEPLOY_FULL:-}" ] && FULL=0
if [ "$FULL" = 1 ]; then

# --- a recording relay sees no plaintext ---
timeout 60 "$RELAY" "$tmp/relay.port" "$port" "$tmp/rec" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/relay.port" ] && break; sleep 0.05; done
deploy --host "127.0.0.1:$(cat "$tmp/relay.port")" "${ALLOW[@]}" --secret "token=$tmp/client-secret" \
    --env "MARKER_ENV=$secret" "$W/marker.wasm"
check_contains "relay: the deploy works through it" "$out" "ENARX-PLAINTEXT-MARKER-3d9a71c4e2b8"
if [ -s "$tmp/rec.c2s" ] && [ -s "$tmp/rec.s2c" ]; then
    n=$(cat "$tmp/rec.c2s" "$tmp/rec.s2c" | grep -caF -e "ENARX-PLAINTEXT-MARKER" -e "$secret" -e "marker.wasm")
    check "relay: no marker from the module's data, the output, the secret or the env in the relayed bytes" "$n" 0
    ok "relay: recorded $(stat -c %s "$tmp/rec.c2s") + $(stat -c %s "$tmp/rec.s2c") bytes"
else
    bad "relay: recorded the connection"
fi

# one flipped byte: in the Keep's handshake flight, then late in the workload
for spec in "s2c 300" "c2s 20000"; do
    rm -f "$tmp/relay.port"
    # shellcheck disable=SC2086
    timeout 60 "$RELAY" "$tmp/relay.port" "$port" "$tmp/rec-flip" --flip $spec &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$tmp/relay.port" ] && break; sleep 0.05; done
    deploy --host "127.0.0.1:$(cat "$tmp/relay.port")" "${ALLOW[@]}" "$W/marker.wasm"
    check "relay flips byte ${spec#* } ${spec%% *}: the deploy fails" "$status" 1
    check "relay flips byte ${spec#* } ${spec%% *}: nothing ran" "$out" ""
done

# --- the client goes away mid-transfer: its Keep ends ---
rm -f "$tmp/relay.port"
timeout 60 "$RELAY" "$tmp/relay.port" "$port" "$tmp/rec-cut" --cut c2s 12000 &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/relay.port" ] && break; sleep 0.05; done
ended_before=$(grep -c '"keep_ended"' "$tmp/a1.log")
deploy --host "127.0.0.1:$(cat "$tmp/relay.port")" "${ALLOW[@]}" "$W/marker.wasm"
check "client gone mid-transfer: the client reports it" "$status" 1
for _ in $(seq 100); do
    [ "$(grep -c '"keep_ended"' "$tmp/a1.log")" -gt "$ended_before" ] && break
    sleep 0.05
done
check "client gone mid-transfer: its Keep ended" "$(grep -c '"keep_ended"' "$tmp/a1.log")" "$((ended_before + 1))"
check_contains "client gone mid-transfer: no Keep left running" "$(agent_info "$port")" '"keeps_running":0'

# --- a Keep that crashes is reported with its status ---
mkfifo "$tmp/fifo"
(sleep 30 >"$tmp/fifo") &
pids+=($!)
DEPLOY_IN="$tmp/fifo" deploy_bg crash "${H[@]}" "${ALLOW[@]}" "$W/echo.wasm"
keep_pid=""
for _ in $(seq 200); do
    keep_pid=$(grep -o '"event":"keep_started","keep":[0-9]*,"pid":[0-9]*' "$tmp/a1.log" | tail -n1 | grep -o '[0-9]*$')
    exec_pid=$(pgrep -P "$keep_pid" 2>/dev/null | head -n1)
    [ -n "$exec_pid" ] && break
    sleep 0.05
done
sleep 0.3
kill -SEGV "$exec_pid" 2>/dev/null
deploy_wait crash
check "a crashed Keep: the client fails" "$status" 1
check_contains "a crashed Keep: the client says the Keep ended" "$err" "ended before the workload's exit status arrived"
for _ in $(seq 100); do grep -q '"status":139' "$tmp/a1.log" && break; sleep 0.05; done
grep -q '"event":"keep_ended".*"status":139' "$tmp/a1.log" && ok "a crashed Keep: the agent logs its status (128 + SIGSEGV)" ||
    bad "a crashed Keep: the agent logs its status (128 + SIGSEGV)" "$(tail -n 2 "$tmp/a1.log")"

# --- 50 concurrent deploys through one agent; descriptors and memory back to baseline ---
fds() { ls "/proc/$agent_pid/fd" 2>/dev/null | wc -l; }
rss() { awk '/VmRSS/ { print $2 }' "/proc/$agent_pid/status"; }
for i in 1 2 3; do deploy "${H[@]}" "${ALLOW[@]}" "$W/hello.wasm"; done
fd0=$(fds) rss0=$(rss)
for i in $(seq 50); do
    timeout 120 "$ENARX" deploy "${H[@]}" "${ALLOW[@]}" "$W/exit_code.wasm" $((i % 50)) \
        >/dev/null 2>"$tmp/c$i.err" </dev/null &
    cpids[$i]=$!
done
right=0
for i in $(seq 50); do
    wait "${cpids[$i]}"
    [ $? -eq $((i % 50)) ] && right=$((right + 1)) || echo "  deploy $i: $(head -c 200 "$tmp/c$i.err")"
done
check "50 concurrent deploys through one agent: all correct" "$right" 50
for _ in $(seq 100); do
    [[ "$(agent_info "$port")" == *'"keeps_running":0'* ]] && break
    sleep 0.1
done
check "50 concurrent deploys: the agent's descriptors are back to baseline" "$(fds)" "$fd0"
rss1=$(rss)
[ "$rss1" -le $((rss0 + 512)) ] && ok "50 concurrent deploys: the agent's memory is back to baseline (${rss0} -> ${rss1} KiB)" ||
    bad "50 concurrent deploys: the agent's memory is back to baseline" "${rss0} -> ${rss1} KiB"

# --- SIGTERM: stop accepting, grace, then stop the Keeps ---
(sleep 30 >"$tmp/fifo") &
pids+=($!)
DEPLOY_IN="$tmp/fifo" deploy_bg term "${H[@]}" "${ALLOW[@]}" "$W/echo.wasm"
for _ in $(seq 200); do [[ "$(agent_info "$port")" == *'"keeps_running":1'* ]] && break; sleep 0.05; done
kill -TERM "$agent_pid"
for _ in $(seq 100); do grep -q '"event":"stopping"' "$tmp/a1.log" && break; sleep 0.05; done
deploy "${H[@]}" "${ALLOW[@]}" "$W/hello.wasm"
check "SIGTERM: no new deploys" "$status" 1
wait "$agent_pid"
check "SIGTERM: the agent exits 0 after the grace period" "$?" 0
deploy_wait term
check "SIGTERM: the client of the stopped Keep fails" "$status" 1
grep -q '"event":"keep_stopping"' "$tmp/a1.log" && ok "SIGTERM: the running Keep was stopped after the grace" ||
    bad "SIGTERM: the running Keep was stopped after the grace" "$(tail -n 3 "$tmp/a1.log")"

# --- limits: --max-keeps, --keep-timeout ---
start_agent a2 --max-keeps 1 --keep-timeout 2 --grace 0
H=(--host "127.0.0.1:$port")
(sleep 30 >"$tmp/fifo") &
pids+=($!)
DEPLOY_IN="$tmp/fifo" deploy_bg limit "${H[@]}" "${ALLOW[@]}" "$W/echo.wasm"
for _ in $(seq 200); do [[ "$(agent_info "$port")" == *'"keeps_running":1'* ]] && break; sleep 0.05; done
deploy "${H[@]}" "${ALLOW[@]}" "$W/hello.wasm"
check "--max-keeps 1: a second client is refused" "$status" 1
check_contains "--max-keeps 1: the refusal names the limit and what to do" "$err" "its limit (--max-keeps 1); try again later"
deploy_wait limit
check "--keep-timeout 2: the client of a Keep that ran too long fails" "$status" 1
grep -q '"event":"keep_timeout"' "$tmp/a2.log" && ok "--keep-timeout 2: the agent stopped the Keep and logged it" ||
    bad "--keep-timeout 2: the agent stopped the Keep and logged it" "$(tail -n 3 "$tmp/a2.log")"

# --- the agent killed mid-deploy: a clear error, no Keep left ---
# (an agent without --keep-timeout: only the kill can end this deploy early)
start_agent a5 --grace 0
H=(--host "127.0.0.1:$port")
(sleep 30 >"$tmp/fifo") &
pids+=($!)
DEPLOY_IN="$tmp/fifo" deploy_bg killed "${H[@]}" "${ALLOW[@]}" "$W/echo.wasm"
for _ in $(seq 200); do [[ "$(agent_info "$port")" == *'"keeps_running":1'* ]] && break; sleep 0.05; done
keep_pid=$(grep -o '"event":"keep_started","keep":[0-9]*,"pid":[0-9]*' "$tmp/a5.log" | tail -n1 | grep -o '[0-9]*$')
kill -9 "$agent_real"
deploy_wait killed
check "agent killed mid-deploy: the client fails" "$status" 1
check_contains "agent killed mid-deploy: a clear error" "$err" "the agent was killed"
left=""
for _ in $(seq 100); do
    left=$(ps -o pid=,stat=,comm= -g "$keep_pid" 2>/dev/null | awk '$2 !~ /^Z/')
    [ -z "$left" ] && break
    sleep 0.05
done
check "agent killed mid-deploy: no Keep left running" "$left" ""

else
    skipped "relay, crash, 50 concurrent deploys, limits, SIGTERM, killed agent" "run on nil (DEPLOY_FULL=1 for $BACKEND)"
fi

# --- evidence replayed from another connection is refused ---
REPLAY_EXEC="$BUILD/tests/deploy/enarx-exec-replay"
if [ -x "$REPLAY_EXEC" ] && [ "$BACKEND" = nil ]; then
    rm -f "$tmp/cwd/replay-evidence.bin"
    ENARX_EXEC="$PWD/$REPLAY_EXEC" start_agent a3 --grace 0
    RM=$(measurement_of "$REPLAY_EXEC")
    deploy --host "127.0.0.1:$port" --insecure-allow-unattested --expect-measurement "$RM" "$W/hello.wasm"
    check "replay: a first connection (recorded) works" "$out" "Hello, world!"
    deploy --host "127.0.0.1:$port" --insecure-allow-unattested --expect-measurement "$RM" "$W/marker.wasm"
    check "replay: evidence from another connection is refused" "$status" 1
    check_contains "replay: the refusal names the binding check" "$err" "fresh"
    check "replay: nothing ran" "$out" ""
    kill "$agent_pid"
else
    skipped "replay: evidence from another connection" "the replaying test Keep is built for nil only"
fi

# --- the test attester: SEV-SNP-format evidence, accepted only with its test root ---
TA="$BUILD/tests/attester/enarx-test-attester"
TAENARX="$BUILD/tests/deploy/enarx-test-attested"
if [ -x "$TA" ] && [ -x "$TAENARX" ]; then
    "$TA" create "$tmp/ta" >/dev/null 2>&1
    ENARX_EXEC="$PWD/$BUILD/bin/enarx-exec" ENARX_TEST_ATTESTER_DIR="$tmp/ta" AGENT_BIN="$TAENARX" start_agent a4 --grace 0
    TM=$(printf '%096d' 0)
    deploy --host "127.0.0.1:$port" --test-root "$tmp/ta/chain.pem" --expect-measurement "$TM" "$W/hello.wasm"
    check "test attester: SNP-format evidence accepted with its test root" "$out" "Hello, world!"
    check_contains "test attester: and the client warns it is a TEST root" "$err" "TEST root"
    deploy --host "127.0.0.1:$port" --expect-measurement "$TM" "$W/hello.wasm"
    check "test attester: refused without its test root" "$status" 1
    check "test attester: nothing ran without it" "$out" ""
    kill "$agent_pid"
else
    skipped "test attester" "$TA or $TAENARX is not built"
fi

suite_end
