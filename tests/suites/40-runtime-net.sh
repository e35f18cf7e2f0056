#!/usr/bin/env bash
# Sockets from Enarx.toml, over TCP and TLS 1.3, against real peers on
# loopback: our netpeer (tests/e2e/netpeer.c) and `openssl s_server` /
# `openssl s_client`; both directions (connect and listen), blocking and
# non-blocking, with poll_oneoff; FD_COUNT/FD_NAMES; trust anchors from a
# file, inline, and [tls] defaults; refusals (unknown issuer, wrong name,
# nobody listening). Every run goes through `enarx run` on $TEST_BACKEND.
set -u
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
need_exec
PEER="$BUILD/tests/e2e/netpeer"
scratch_space

free_port() { "$PEER" free-port; }

# --- a test PKI: a CA, a server certificate for localhost/127.0.0.1, one for another name ---
(
    cd "$tmp" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
        -days 2 -subj /CN=Enarx-Test-CA &&
    for n in srv other; do
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr -subj /CN=$n &&
        if [ $n = srv ]; then san="DNS:localhost,IP:127.0.0.1"; else san="DNS:other.example"; fi &&
        printf 'subjectAltName=%s\n' "$san" >$n.ext &&
        openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $n.pem -days 2 -extfile $n.ext
    done
) >/dev/null 2>&1 || { bad "test PKI" "openssl could not make the certificates"; suite_end; exit 1; }

# start_peer [netpeer serve options...]: a reversing server; sets port
start_peer() {
    rm -f "$tmp/port"
    timeout 60 "$PEER" serve "$tmp/port" "$@" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
    port=$(cat "$tmp/port" 2>/dev/null)
}

stdio='[[files]]
kind = "stdin"
[[files]]
kind = "stdout"
[[files]]
kind = "stderr"'

connect_config() { # FILE PROT HOST PORT [EXTRA-LINES]
    printf '%s\n[[files]]\nkind = "connect"\nname = "stream"\nprot = "%s"\nhost = "%s"\nport = %s\n%s\n' \
        "$stdio" "$2" "$3" "$4" "${5:-}" >"$1"
}

want_connect='reply 1: peeK eht morf olleh
reply 2: fedcba
reply 3: won gnikcolb-non
reply 3b: daeha daer
reply 4: etirw_df aiv
net_connect: 23 passed, 0 failed'

# --- connect: tcp ---
start_peer
connect_config "$tmp/c-tcp.toml" tcp 127.0.0.1 "$port"
run_enarx --wasmcfgfile "$tmp/c-tcp.toml" "$W/net_connect.wasm"
check "connect tcp: status" "$status" 0
check "connect tcp: conversation, FD_COUNT=4, FD_NAMES" "$out" "$want_connect"
[ "$status" -ne 0 ] && echo "$err"

start_peer
connect_config "$tmp/c-localhost.toml" tcp localhost "$port"
run_enarx --wasmcfgfile "$tmp/c-localhost.toml" "$W/net_connect.wasm"
check "connect tcp to \"localhost\"" "$out" "$want_connect"

# --- connect: tls, anchors from a file next to Enarx.toml ---
start_peer --tls "$tmp/srv.pem" "$tmp/srv.key"
connect_config "$tmp/c-tls.toml" tls 127.0.0.1 "$port" 'ca = "ca.pem"'
run_enarx --wasmcfgfile "$tmp/c-tls.toml" "$W/net_connect.wasm"
check "connect tls (ca file): status" "$status" 0
check "connect tls (ca file): conversation" "$out" "$want_connect"
[ "$status" -ne 0 ] && echo "$err"

# anchors inline (they travel inside Enarx.toml), host name verified
start_peer --tls "$tmp/srv.pem" "$tmp/srv.key"
connect_config "$tmp/c-inline.toml" tls localhost "$port" "ca-pem = \"\"\"
$(cat "$tmp/ca.pem")
\"\"\""
run_enarx --wasmcfgfile "$tmp/c-inline.toml" "$W/net_connect.wasm"
check "connect tls (inline ca-pem, host localhost): conversation" "$out" "$want_connect"
[ "$status" -ne 0 ] && echo "$err"

# [tls] defaults, against a real openssl s_server
port=$(free_port)
timeout 60 openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/srv.pem" -key "$tmp/srv.key" -rev -naccept 1 \
    -tls1_3 -quiet >"$tmp/s_server.log" 2>&1 &
pids+=($!)
wait_listening "$port"
printf '[tls]\nca = ["ca.pem"]\n' >"$tmp/c-s_server.toml"
connect_config "$tmp/c-s_server.body" tls 127.0.0.1 "$port"
cat "$tmp/c-s_server.body" >>"$tmp/c-s_server.toml"
run_enarx --wasmcfgfile "$tmp/c-s_server.toml" "$W/net_connect.wasm"
check_contains "connect tls to openssl s_server ([tls] ca)" "$out" "reply 1: peeK eht morf olleh"
[ "$status" -ne 0 ] && echo "$err"

# --- connect: refusals ---
start_peer --tls "$tmp/srv.pem" "$tmp/srv.key"
connect_config "$tmp/c-noanchor.toml" tls 127.0.0.1 "$port"
run_enarx --wasmcfgfile "$tmp/c-noanchor.toml" "$W/net_connect.wasm"
check "connect tls, issuer not trusted: status 1" "$status" 1
check_contains "connect tls, issuer not trusted: message" "$err" "certificate verification failed"
check "connect tls, issuer not trusted: the workload never ran" "$out" ""

start_peer --tls "$tmp/other.pem" "$tmp/other.key"
connect_config "$tmp/c-name.toml" tls 127.0.0.1 "$port" 'ca = "ca.pem"'
run_enarx --wasmcfgfile "$tmp/c-name.toml" "$W/net_connect.wasm"
check "connect tls, certificate for another name: status 1" "$status" 1
check_contains "connect tls, certificate for another name: message" "$err" "certificate verification failed"

port=$(free_port)
connect_config "$tmp/c-refused.toml" tcp 127.0.0.1 "$port"
run_enarx --wasmcfgfile "$tmp/c-refused.toml" "$W/net_connect.wasm"
check "connect tcp, nobody listening: status 1" "$status" 1
check_contains "connect tcp, nobody listening: message" "$err" "127.0.0.1:$port: Connection refused"

connect_config "$tmp/c-missing-ca.toml" tls 127.0.0.1 443 'ca = "missing.pem"'
run_enarx --wasmcfgfile "$tmp/c-missing-ca.toml" "$W/net_connect.wasm"
check "connect tls, missing ca file: status 2" "$status" 2
check_contains "connect tls, missing ca file: message" "$err" "missing.pem"

# --- listen: tcp, then tls ---
listen_config() { # FILE PROT PORT1 PORT2
    printf '%s\n[[files]]\nkind = "listen"\nname = "ingest"\nprot = "%s"\naddr = "127.0.0.1"\nport = %s\n' \
        "$stdio" "$2" "$3" >"$1"
    printf '[[files]]\nkind = "listen"\nname = "ping"\nprot = "%s"\nport = %s\n' "$2" "$4" >>"$1"
}

for prot in tcp tls; do
    p1=$(free_port) p2=$(free_port)
    listen_config "$tmp/l-$prot.toml" "$prot" "$p1" "$p2"
    timeout 60 "$ENARX" run --wasmcfgfile "$tmp/l-$prot.toml" "$W/net_listen.wasm" >"$tmp/l.out" 2>"$tmp/l.err" &
    keep=$!
    pids+=($keep)
    tlsopt=()
    [ "$prot" = tls ] && tlsopt=(--tls)
    c1=$("$PEER" client "$p1" "${tlsopt[@]}" "first client" 2>&1)
    c2=$("$PEER" client "$p1" "${tlsopt[@]}" "second" 2>&1)
    if [ "$prot" = tls ]; then
        c3=$(printf 'third via s_client\n' | timeout 20 openssl s_client -connect "127.0.0.1:$p1" -quiet \
            -verify_quiet 2>/dev/null)
    else
        c3=$("$PEER" client "$p1" "third" 2>&1)
    fi
    wait "$keep"
    code=$?
    check "listen $prot: status" "$code" 0
    if [ "$prot" = tls ]; then
        check "listen tls: client 1 (TLS 1.3, the Keep's certificate)" "$c1" $'tls: TLSv1.3 /CN=localhost\nreply: tneilc tsrif'
        check "listen tls: client 2" "$c2" $'tls: TLSv1.3 /CN=localhost\nreply: dnoces'
        check "listen tls: openssl s_client (non-blocking accept)" "$c3" "tneilc_s aiv driht"
        want3="connection 3: third via s_client"
    else
        check "listen tcp: client 1" "$c1" "reply: tneilc tsrif"
        check "listen tcp: client 2" "$c2" "reply: dnoces"
        check "listen tcp: client 3 (non-blocking accept)" "$c3" "reply: driht"
        want3="connection 3: third"
    fi
    check "listen $prot: the workload's log, FD_COUNT=5, FD_NAMES" "$(cat "$tmp/l.out")" \
        "connection 1: first client
connection 2: second
$want3
net_listen: 19 passed, 0 failed"
    [ "$code" -ne 0 ] && cat "$tmp/l.err"
done

# a port already taken is an error before the workload runs
start_peer
listen_config "$tmp/l-busy.toml" tcp "$port" "$(free_port)"
run_enarx --wasmcfgfile "$tmp/l-busy.toml" "$W/net_listen.wasm"
check "listen on a busy port: status 1" "$status" 1
check_contains "listen on a busy port: message" "$err" "Address already in use"
"$PEER" client "$port" >/dev/null 2>&1

suite_end
