#!/usr/bin/env bash
# Sockets and TLS under faults (issue 14): tests/workloads/http_server.c, a
# poll-based keep-alive HTTP/1.1 server, behind Enarx.toml `listen` sockets
# (tcp and tls) against misbehaving clients (tests/e2e/httpfault.c): slow
# clients, half-closes and resets mid-request and mid-response, clients that
# stop reading, garbage, oversized headers, aborted and reset handshakes,
# plain text on the TLS port, unclean TLS closes interleaved with a keep-alive
# connection, TLS record counts, descriptor exhaustion. After every case a
# normal request must succeed and the Keep's descriptors must be back to
# their baseline; the server's own counters (/stats) say how each connection
# ended, and over tcp they must equal the native build's under the same
# clients. Then `connect` sockets (the workload as a client of a peer that
# resets or cuts a response short), and signals to enarx and to the Keep.
# Everything on loopback, every wait bounded. TEST_BACKEND=kvm runs a subset
# (every Keep start costs seconds under emulation).
set -u
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
need_exec
F="$BUILD/tests/e2e/httpfault"
PEER="$BUILD/tests/e2e/netpeer"
NATIVE="$W/http_server.native"
scratch_signal=KILL
scratch_space
kvm=false
[ "$ENARX_BACKEND" = kvm ] && kvm=true

free_port() { "$PEER" free-port; }

# start_server keep|native [NOFILE]: the HTTP server on two fresh ports
# (p_tcp, p_tls; natively only p_tcp); srv is its pid (enarx's for a Keep),
# fdpid the process holding the Keep's host descriptors (the exec on nil,
# enarx itself on kvm, where the VMM holds them).
start_server() {
    p_tcp=$(free_port) p_tls=$(free_port)
    local limit=${2:-}
    if [ "$1" = native ]; then
        (if [ -n "$limit" ]; then ulimit -n "$limit"; fi; exec "$NATIVE" --port "$p_tcp") >"$tmp/srv.out" 2>&1 &
        srv=$!
        fdpid=$srv
    else
        printf '[[files]]\nkind = "stdin"\n[[files]]\nkind = "stdout"\n[[files]]\nkind = "stderr"\n' >"$tmp/srv.toml"
        printf '[[files]]\nkind = "listen"\nname = "http"\nprot = "tcp"\naddr = "127.0.0.1"\nport = %s\n' \
            "$p_tcp" >>"$tmp/srv.toml"
        printf '[[files]]\nkind = "listen"\nname = "https"\nprot = "tls"\naddr = "127.0.0.1"\nport = %s\n' \
            "$p_tls" >>"$tmp/srv.toml"
        (if [ -n "$limit" ]; then ulimit -n "$limit"; fi
         exec "$ENARX" run --wasmcfgfile "$tmp/srv.toml" "$W/http_server.wasm") >"$tmp/srv.out" 2>&1 &
        srv=$!
    fi
    pids+=("$srv")
    if ! wait_listening "$p_tcp" 60; then
        bad "$1 server starts" "nothing listens on port $p_tcp: $(cat "$tmp/srv.out")"
        return 1
    fi
    if [ "$1" = keep ]; then
        wait_listening "$p_tls" 60
        fdpid=$srv
        "$kvm" || fdpid=$(pgrep -P "$srv" | head -n 1)
    fi
    sleep 0.2 # the first poll
    base_fds=$(fd_count)
    return 0
}

stop_server() {
    "$F" get "$p_tcp" /quit >/dev/null 2>&1
    local i
    for ((i = 0; i < 200; i++)); do kill -0 "$srv" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$srv" 2>/dev/null
    wait "$srv" 2>/dev/null
}

fd_count() { ls "/proc/$fdpid/fd" 2>/dev/null | wc -l; }

# Waits (up to 10 s) for the server's descriptors to be back to the baseline.
fds_settle() {
    local i
    for ((i = 0; i < 200; i++)); do
        [ "$(fd_count)" -eq "$base_fds" ] && return 0
        sleep 0.05
    done
    return 1
}

stats() { "$F" get "$p_tcp" /stats 2>&1 | sed -n 2p; }
stat_of() { sed -n "s/.*\<$1=\([0-9]*\).*/\1/p" <<<"$2"; }

# The counters of how connections ended badly, as a change since BEFORE:
# "reset-or-pipe=N eio=N other=N eof_mid=N bad=N" (a reset seen by a write
# can be either ECONNRESET or EPIPE, as on Linux).
error_delta() {
    local before=$1 after=$2 k out=""
    local rp=$(($(stat_of resets "$after") + $(stat_of pipes "$after") - $(stat_of resets "$before") - $(stat_of pipes "$before")))
    out="reset-or-pipe=$rp"
    for k in eio other eof_mid bad; do
        out+=" $k=$(($(stat_of $k "$after") - $(stat_of $k "$before")))"
    done
    echo "$out"
}

# fault_case LABEL PORT TLS NAME WANT-OUTPUT WANT-DELTA: one misbehaving
# client, then the checks every case shares. Appends the delta to $transcript.
fault_case() {
    local label=$1 port=$2 tls=$3 name=$4 want=$5 want_delta=$6 before after out delta
    local opt=()
    [ "$tls" = tls ] && opt=(--tls)
    before=$(stats)
    out=$(timeout 40 "$F" fault "$port" "${opt[@]}" "$name" 2>&1)
    check_contains "$label $tls $name: the client saw" "$out" "$want"
    if fds_settle; then ok "$label $tls $name: descriptors back to baseline ($base_fds)"
    else bad "$label $tls $name: descriptors back to baseline" "$(fd_count), want $base_fds"; fi
    after=$(stats)
    delta=$(error_delta "$before" "$after")
    transcript+="$tls $name: $delta"$'\n'
    [ -n "$want_delta" ] && check "$label $tls $name: how the server saw it end" "$delta" "$want_delta"
    out=$(timeout 20 "$F" get "$port" "${opt[@]}" /bytes/1000 2>&1)
    check "$label $tls $name: then a normal request" "$(head -n 1 <<<"$out")" "200 1000"
}

clean="reset-or-pipe=0 eio=0 other=0 eof_mid=0 bad=0"
# tcp faults: NAME, what the client sees, how the server sees it end (which
# the native server must agree with)
tcp_faults=(
    "slow|others served meanwhile: yes; slow one served: yes|$clean"
    "partial-fin|partial-fin: end of stream|reset-or-pipe=0 eio=0 other=0 eof_mid=1 bad=0"
    "partial-reset|partial-reset: sent|reset-or-pipe=1 eio=0 other=0 eof_mid=0 bad=0"
    "request-fin|request-fin: reply complete|$clean"
    "response-reset|response-reset: reset after 64 KiB|reset-or-pipe=1 eio=0 other=0 eof_mid=0 bad=0"
    "stop-reading|stop-reading: others served meanwhile: yes|reset-or-pipe=1 eio=0 other=0 eof_mid=0 bad=0"
    "garbage|garbage: 400, then end of stream|reset-or-pipe=0 eio=0 other=0 eof_mid=0 bad=1"
    "oversized|oversized: 431|reset-or-pipe=0 eio=0 other=0 eof_mid=0 bad=1"
)
# the same over TLS (a half-close there is a FIN without close_notify), then
# TLS's own
tls_faults=(
    "${tcp_faults[@]}"
    "unclean-close|unclean-close: reply complete|$clean"
    "interleave|interleave: 20 of 20 keep-alive requests answered|reset-or-pipe=0 eio=0 other=0 eof_mid=20 bad=0"
    "records|records: 1 for a 1000-byte reply|$clean"
    "ticket|ticket: a ticket, not resumed, served: yes|$clean"
    "reset-handshake|reset-handshake: done|reset-or-pipe=1 eio=0 other=0 eof_mid=0 bad=0"
    "abort-handshake|abort-handshake: done|"
    "plain-on-tls|plain-on-tls: end of stream|reset-or-pipe=0 eio=1 other=0 eof_mid=0 bad=0"
)
if "$kvm"; then # under emulation: the regression cases of issue 14
    tcp_faults=("${tcp_faults[2]}" "${tcp_faults[4]}")
    tls_faults=("${tls_faults[2]}" "${tls_faults[3]}" "${tls_faults[9]}" "${tls_faults[10]}" "${tls_faults[11]}")
fi

run_faults() { # LABEL PROT PORT CASES...
    local label=$1 prot=$2 port=$3 c name want delta
    shift 3
    for c in "$@"; do
        IFS='|' read -r name want delta <<<"$c"
        fault_case "$label" "$port" "$prot" "$name" "$want" "$delta"
    done
}

# --- the Keep, tcp and tls ---
if start_server keep; then
    transcript=""
    run_faults keep tcp "$p_tcp" "${tcp_faults[@]}"
    keep_tcp=$transcript
    run_faults keep tls "$p_tls" "${tls_faults[@]}"
    # the abort case: reported as an error (a reset, or EIO), never as a clean end
    "$kvm" || check_contains "keep tls abort-handshake: not a clean end" "$(grep abort-handshake <<<"$transcript")" "eof_mid=0"
    s=$(stats)
    check "keep: every connection closed (open=1: this one)" "$(stat_of open "$s")" 1
    stop_server
    check "keep: /quit ends the workload with status 0" "$(wait "$srv" 2>/dev/null; echo $?)" 0
fi

# --- the same tcp clients against the native build: the Keep must agree ---
if ! "$kvm" && start_server native; then
    transcript=""
    run_faults native tcp "$p_tcp" "${tcp_faults[@]}"
    check "tcp: the Keep's server saw every fault end as the native one did" "$keep_tcp" "$transcript"
    stop_server
fi

# --- descriptor exhaustion: EMFILE reaches the workload, which recovers ---
if ! "$kvm"; then
    for kind in keep native; do
        start_server "$kind" 48 || continue
        timeout 30 "$F" hold "$p_tcp" 80 2 </dev/null >"$tmp/hold.out" 2>&1
        check "$kind exhaustion: 80 connections held" "$(cat "$tmp/hold.out")" "holding 80 connections"
        s=$(stats)
        if [ "$(stat_of emfile "$s")" -ge 1 ]; then ok "$kind exhaustion: accept saw EMFILE"
        else bad "$kind exhaustion: accept saw EMFILE" "$s"; fi
        check "$kind exhaustion: every held connection served or closed (open=1)" "$(stat_of open "$s")" 1
        out=$(timeout 20 "$F" get "$p_tcp" /bytes/1000 2>&1)
        check "$kind exhaustion: then a normal request" "$(head -n 1 <<<"$out")" "200 1000"
        if fds_settle; then ok "$kind exhaustion: descriptors back to baseline"
        else bad "$kind exhaustion: descriptors back to baseline" "$(fd_count), want $base_fds"; fi
        stop_server
    done
fi

# --- connect sockets: the workload as a client of a misbehaving server ---
(
    cd "$tmp" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout peer.key -out peer.pem \
        -days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
) >/dev/null 2>&1 || bad "test certificate" "openssl could not make it"
connect_cases=("tcp complete" "tcp reset-mid" "tls complete" "tls reset-mid" "tls fin-mid")
"$kvm" && connect_cases=("tcp reset-mid" "tls reset-mid")
printf '[[files]]\nkind = "stdin"\n[[files]]\nkind = "stdout"\n[[files]]\nkind = "stderr"\n' >"$tmp/client.toml"
i=0
for c in "${connect_cases[@]}"; do
    read -r prot how <<<"$c"
    tlsarg=()
    [ "$prot" = tls ] && tlsarg=(--tls "$tmp/peer.pem" "$tmp/peer.key")
    rm -f "$tmp/port$i"
    timeout 120 "$F" serve "$tmp/port$i" "${tlsarg[@]}" "$how" >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$tmp/port$i" ] && break; sleep 0.05; done
    printf '[[files]]\nkind = "connect"\nname = "peer%d"\nprot = "%s"\nhost = "127.0.0.1"\nport = %s\n' \
        "$i" "$prot" "$(cat "$tmp/port$i")" >>"$tmp/client.toml"
    [ "$prot" = tls ] && echo 'ca = "peer.pem"' >>"$tmp/client.toml"
    i=$((i + 1))
done
run_enarx --wasmcfgfile "$tmp/client.toml" "$W/http_server.wasm"
check "connect: status" "$status" 0
[ "$status" -ne 0 ] && echo "$err"
fd=3
for c in "${connect_cases[@]}"; do
    read -r prot how <<<"$c"
    case $how in
        complete) want="fd $fd: 1000 of 1000 body bytes, then the end of the stream (complete)" ;;
        reset-mid) want="fd $fd: 500 of 1000 body bytes, then error: Connection reset by peer" ;;
        fin-mid) want="fd $fd: 500 of 1000 body bytes, then the end of the stream (cut short)" ;;
    esac
    check_contains "connect $prot, the peer's response ends $how" "$out" "$want"
    fd=$((fd + 1))
done

# --- signals: to enarx as to a shell's child; the Keep never outlives enarx ---
keep_gone() { # PID: exited (or a zombie nobody has reaped yet)
    local i st
    for ((i = 0; i < 100; i++)); do
        st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
        [ -z "$st" ] || [ "$st" = Z ] && return 0
        sleep 0.05
    done
    return 1
}
signals=(INT:130 QUIT:131 TERM:143 HUP:129)
"$kvm" && signals=(INT:130 TERM:143)
for s in "${signals[@]}"; do
    sig=${s%%:*} want=${s#*:}
    start_server keep || continue
    keep=$fdpid
    kill -s "$sig" "$srv"
    timeout 30 tail --pid="$srv" -f /dev/null
    kill -KILL "$srv" 2>/dev/null && bad "SIG$sig to enarx: enarx ends" "still running after 30 s"
    wait "$srv" 2>/dev/null
    check "SIG$sig to enarx: its status is 128+$((want - 128)), as a shell shows" "$?" "$want"
    if keep_gone "$keep"; then ok "SIG$sig to enarx: the Keep is gone"; else bad "SIG$sig to enarx: the Keep is gone"; fi
    if "$F" get "$p_tcp" /bytes/1 >/dev/null 2>&1; then bad "SIG$sig to enarx: nobody serves the port any more"
    else ok "SIG$sig to enarx: nobody serves the port any more"; fi
done
if start_server keep; then
    keep=$fdpid
    kill -KILL "$srv"
    wait "$srv" 2>/dev/null
    if keep_gone "$keep"; then ok "SIGKILL to enarx: the Keep dies with it"; else bad "SIGKILL to enarx: the Keep dies with it"; fi
    if "$F" get "$p_tcp" /bytes/1 >/dev/null 2>&1; then bad "SIGKILL to enarx: nobody serves the port any more"
    else ok "SIGKILL to enarx: nobody serves the port any more"; fi
fi
if ! "$kvm" && start_server keep; then
    kill -TERM "$fdpid" # the Keep itself (on kvm, the Keep is enarx)
    timeout 30 tail --pid="$srv" -f /dev/null
    kill -KILL "$srv" 2>/dev/null && bad "SIGTERM to the Keep: enarx ends" "still running after 30 s"
    wait "$srv" 2>/dev/null
    check "SIGTERM to the Keep: enarx's status is 143" "$?" 143
fi

suite_end
