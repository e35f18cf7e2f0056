#!/usr/bin/env bash
# Attested deploy benchmarks (numbers to read; docs/performance.md, "Attested
# deploy"), on nil over loopback:
#  1. end to end: `enarx deploy --host` of hello.wasm through an agent, and a
#     local `enarx deploy`, against `enarx run` (target: run + 25 ms);
#  2. the split: inside the Keep (key pair + evidence + certificate, the
#     handshake, the fresh evidence; from the exec's debug log) and in the
#     client (handshake incl. the Keep's start, certificate verification,
#     fresh evidence, sending the workload; from --json);
#  3. deploys per minute through one agent (target >= 100), BENCH_DEPLOYS
#     deploys (default 300) from 4 clients at a time.
# BENCH_RUNS (default 50), BENCH_QUICK=1 for a smoke run.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    : "${BENCH_RUNS:=10}"
    : "${BENCH_DEPLOYS:=40}"
fi
: "${BENCH_RUNS:=50}"
: "${BENCH_DEPLOYS:=300}"
command -v hyperfine >/dev/null || { echo "bench/run-deploy.sh: hyperfine is needed"; exit 1; }
tmp=$(mktemp -d)
agent=""
trap '[ -n "$agent" ] && kill "$agent" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
cp "$BUILD/bin/enarx" "$BUILD/bin/enarx-exec" "$tmp/bin/"
ENARX="$tmp/bin/enarx"
W="$BUILD/tests/workloads"
export ENARX_BACKEND=nil
M=$("$ENARX" keep measure --backend nil | awk '/measurement:/ { print $2 }')

"$ENARX" host --listen 127.0.0.1:0 --backend nil --max-keeps 64 --log-level debug --log-format json 2>"$tmp/agent.log" &
agent=$!
for _ in $(seq 100); do grep -q '"port"' "$tmp/agent.log" && break; sleep 0.05; done
port=$(grep -o '"port":[0-9]*' "$tmp/agent.log" | head -n1 | cut -d: -f2)
[ -n "$port" ] || { echo "bench/run-deploy.sh: the agent did not start"; cat "$tmp/agent.log"; exit 1; }
D=(--insecure-allow-unattested --expect-measurement "$M")

echo "--- end to end: hello.wasm ($BENCH_RUNS runs each)"
hyperfine -N -w 5 -r "$BENCH_RUNS" --export-markdown "$tmp/e2e.md" \
    --command-name "enarx run (nil)" "$ENARX run $W/hello.wasm" \
    --command-name "enarx deploy, local Keep (nil)" "$ENARX deploy --backend nil ${D[*]} $W/hello.wasm" \
    --command-name "enarx deploy --host (loopback agent, nil)" "$ENARX deploy --host 127.0.0.1:$port ${D[*]} $W/hello.wasm" \
    --command-name "enarx deploy --host, measuring locally" "$ENARX deploy --host 127.0.0.1:$port --insecure-allow-unattested $W/hello.wasm" \
    >/dev/null 2>&1
cat "$tmp/e2e.md"

echo
echo "--- the split (mean of $BENCH_RUNS deploys through the agent, ms)"
: >"$tmp/agent-split.log"
for _ in $(seq "$BENCH_RUNS"); do
    "$ENARX" deploy --host "127.0.0.1:$port" "${D[@]}" --json "$W/hello.wasm" 2>>"$tmp/client.json" >/dev/null
done
grep '^{' "$tmp/client.json" | python3 -c '
import json, sys
rows = [json.loads(l)["ms"] for l in sys.stdin if l.strip()]
for k in ["connect", "handshake", "verify_certificate", "fresh_evidence", "send_workload"]:
    print("client  %-22s %7.2f" % (k, sum(r[k] for r in rows) / len(rows)))
'
grep -o 'key pair, evidence and certificate [0-9]* us; handshake [0-9]* us; nonce to fresh evidence sent [0-9]* us' \
    "$tmp/agent.log" | tail -n "$BENCH_RUNS" | awk '{ k += $6; h += $9; f += $16; n++ }
    END { if (n) { printf "Keep    %-22s %7.2f\nKeep    %-22s %7.2f\nKeep    %-22s %7.2f\n",
        "key+evidence+cert", k / n / 1000, "handshake", h / n / 1000, "fresh evidence", f / n / 1000 } }'

echo
echo "--- throughput: $BENCH_DEPLOYS deploys of hello.wasm through one agent, 4 clients at a time"
start=$(date +%s.%N)
seq "$BENCH_DEPLOYS" | xargs -P 4 -I{} sh -c "'$ENARX' deploy --host 127.0.0.1:$port ${D[*]} '$W/hello.wasm' >/dev/null 2>&1 || echo FAIL" >"$tmp/fails"
end=$(date +%s.%N)
fails=$(grep -c FAIL "$tmp/fails")
awk -v s="$start" -v e="$end" -v n="$BENCH_DEPLOYS" -v f="$fails" \
    'BEGIN { printf "%d deploys in %.1f s: %.0f deploys per minute (%d failed)\n", n, e - s, n / (e - s) * 60, f }'
[ "$fails" -eq 0 ]
