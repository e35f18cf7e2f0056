#!/usr/bin/env bash
# Attestation verification throughput (numbers to read, no pass/fail): for an
# SEV-SNP report, and an SGX and a TDX quote each alone and with its
# collateral, `enarx attest verify --bench N` prints the CPU time per
# verification with the caches empty (cold) and filled (warm), and the
# wall-clock rate of BENCH_THREADS threads sharing one verifier. With
# BENCH_CALLGRIND=1 it also counts instructions per verification (valgrind),
# which do not depend on the load of this shared machine. Figures go to
# docs/attestation.md and docs/performance.md ("Attestation") by hand.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}" "${SHARED_DIR:=../shared}"
: "${BENCH_N:=2000}" "${BENCH_THREADS:=2}" "${BENCH_CALLGRIND:=0}"
ENARX="$BUILD/bin/enarx"
V="$SHARED_DIR/attestation-vectors"
if [ ! -f "$V/CASES.tsv" ]; then
    echo "bench/run-attest.sh: shared attestation vectors absent ($V): skipped"
    exit 0
fi
C="$V/dcap-qvl-sgx/collateral"; T="$V/dcap-qvl-tdx/collateral"
declare -a NAMES ARGS
add() { NAMES+=("$1"); shift; ARGS+=("$*"); }
add "SNP report + VCEK (virtee Milan)" "$V/virtee-sev-snp-milan/report_milan.hex --vcek $V/virtee-sev-snp-milan/vcek_milan.der"
add "SGX quote v3 (dcap-qvl)" "$V/dcap-qvl-sgx/sgx_quote --time 2025-07-01T00:00:00Z"
add "SGX quote v3 + TCB Info + QE Identity" "$V/dcap-qvl-sgx/sgx_quote --time 2025-07-01T00:00:00Z \
    --tcb-info $C/tcb_info_response.json --tcb-info-chain $C/tcb_info_issuer_chain.pem \
    --qe-identity $C/qe_identity_response.json --qe-identity-chain $C/qe_identity_issuer_chain.pem"
add "TDX quote v4 (dcap-qvl)" "$V/dcap-qvl-tdx/tdx_quote --time 2025-07-01T00:00:00Z"
add "TDX quote v4 + TCB Info + QE Identity" "$V/dcap-qvl-tdx/tdx_quote --time 2025-07-01T00:00:00Z \
    --tcb-info $T/tcb_info_response.json --tcb-info-chain $T/tcb_info_issuer_chain.pem \
    --qe-identity $T/qe_identity_response.json --qe-identity-chain $T/qe_identity_issuer_chain.pem"
# RA-TLS certificates: the CCC ones (an SGX quote in a certificate), and the
# test attester's SNP evidence (the typed document a Keep's getatt returns,
# with its certificate table) under its test root.
R="$SHARED_DIR/ratls-vectors/ccc-interoperable-ra-tls/interoperability-tests"
[ -f "$R/gramine-cert.pem" ] && add "RA-TLS certificate: Gramine (SGX quote v3)" "$R/gramine-cert.pem"
[ -f "$R/gramine-cert.pem" ] && [ -f "$V/dcap-qvl-sgx/collateral/qe_identity_response.json" ] &&
    add "RA-TLS certificate: Gramine + QE Identity" "$R/gramine-cert.pem --time 2025-07-01T00:00:00Z \
    --qe-identity $C/qe_identity_response.json --qe-identity-chain $C/qe_identity_issuer_chain.pem"
TA="$BUILD/tests/attester/enarx-test-attester"
if [ -x "$TA" ]; then
    ta=$(mktemp -d)
    trap 'rm -rf "$ta"' EXIT
    "$TA" create "$ta/chain" && "$TA" evidence "$ta/chain" 00 >"$ta/ev.bin" &&
        add "SNP evidence document (test attester, cert table)" "$ta/ev.bin --test-root $ta/chain/chain.pem"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for i in "${!NAMES[@]}"; do
    echo "--- ${NAMES[$i]}"
    # shellcheck disable=SC2086 # ARGS holds words
    "$ENARX" attest verify ${ARGS[$i]} --bench "$BENCH_N" --bench-threads "$BENCH_THREADS" | tail -n +2
    if [ "$BENCH_CALLGRIND" = 1 ] && command -v valgrind >/dev/null; then
        for phase in cold warm; do
            out=$(mktemp)
            # shellcheck disable=SC2086
            valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
                --toggle-collect="bench_${phase}*" "$ENARX" attest verify ${ARGS[$i]} --bench 20 --bench-threads 1 \
                >/dev/null 2>"$out"
            n=$(sed -nE 's/.*refs: +([0-9,]+).*/\1/p' "$out" | tr -d ,)
            # bench_warm runs twice (a round to fill the caches, then the timed one)
            [ "$phase" = cold ] && per=$(( n / 20 )) || per=$(( n / 40 ))
            printf '  %s: %s instructions per verification (callgrind)\n' "$phase" "$per"
            rm -f "$out"
        done
    fi
done
