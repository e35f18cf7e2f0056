#!/usr/bin/env bash
# Every case of the shared attestation vectors (CASES.tsv: real SEV-SNP reports,
# SGX and TDX quotes with their chains and collateral) through the real
# `enarx attest verify`, checking the verdict and, for expected failures, the
# reason. Then the Steward CSRs and the real-world negatives of the README.
set -u
cd "$(dirname "$0")/../.."
source tests/attest/lib.sh
expect() { verdict "$@"; } # NAME STATUS CHECK REASON -- ARGS...

# 1. CASES.tsv, row by row.
while IFS='|' read -r kind ev vcek root chain t tcb tcbc qe qec exp; do
    args=("$V/$ev")
    [ "$vcek" != - ] && args+=(--vcek "$V/$vcek")
    [ "$root" != - ] && args+=(--intel-root "$V/$root")
    [ "$chain" != - ] && args+=(--chain "$V/$chain")
    [ "$t" != - ] && args+=(--time "$t")
    [ "$tcb" != - ] && args+=(--tcb-info "$V/$tcb" --tcb-info-chain "$V/$tcbc")
    [ "$qe" != - ] && args+=(--qe-identity "$V/$qe" --qe-identity-chain "$V/$qec")
    if [ "$exp" = valid ]; then
        expect "case $kind $ev" 0 "" "" -- "${args[@]}"
    else
        expect "case $kind $ev" 1 "" "${exp#FAIL: }" -- "${args[@]}"
    fi
done < <(tail -n +2 "$V/CASES.tsv" | awk -F'\t' -v OFS='|' '{for (i = 1; i <= NF; i++) if ($i == "") $i = "-"; print}')

# Expected TCB statuses and advisories, as the upstream suites assert them.
expect_claim() {
    local name=$1 pattern=$2; shift 2
    if "$ENARX" attest verify "$@" 2>&1 | grep -qE -- "$pattern"; then ok "$name"; else bad "$name: no line matching '$pattern'"; fi
}
expect_claim "dcap-qvl SGX status" 'tcb_status +ConfigurationAndSWHardeningNeeded' "$V/dcap-qvl-sgx/sgx_quote" --time 2025-07-01T00:00:00Z \
    --tcb-info "$V/dcap-qvl-sgx/collateral/tcb_info_response.json" --tcb-info-chain "$V/dcap-qvl-sgx/collateral/tcb_info_issuer_chain.pem" \
    --qe-identity "$V/dcap-qvl-sgx/collateral/qe_identity_response.json" --qe-identity-chain "$V/dcap-qvl-sgx/collateral/qe_identity_issuer_chain.pem"
expect_claim "dcap-qvl SGX advisories" 'advisory_ids +INTEL-SA-00289, INTEL-SA-00615' "$V/dcap-qvl-sgx/sgx_quote" --time 2025-07-01T00:00:00Z \
    --tcb-info "$V/dcap-qvl-sgx/collateral/tcb_info_response.json" --tcb-info-chain "$V/dcap-qvl-sgx/collateral/tcb_info_issuer_chain.pem"
expect_claim "dcap-qvl TDX UpToDate" 'tcb_status +UpToDate' "$V/dcap-qvl-tdx/tdx_quote" --time 2025-07-01T00:00:00Z \
    --tcb-info "$V/dcap-qvl-tdx/collateral/tcb_info_response.json" --tcb-info-chain "$V/dcap-qvl-tdx/collateral/tcb_info_issuer_chain.pem" \
    --qe-identity "$V/dcap-qvl-tdx/collateral/qe_identity_response.json" --qe-identity-chain "$V/dcap-qvl-tdx/collateral/qe_identity_issuer_chain.pem"
expect_claim "steward xeon OutOfDate" 'tcb_status +OutOfDate' "$V/steward-sgx-csr-tcb-crl-xeon/extracted/quote.bin" --time 2023-02-01T00:00:00Z \
    --tcb-info "$V/steward-sgx-csr-tcb-crl-xeon/extracted/tcb_info_response.json" --tcb-info-chain "$V/steward-sgx-csr-tcb-crl-xeon/extracted/tcb_signing_chain.pem"
expect_claim "trustee TDX 6 OutOfDate" 'tcb_status +OutOfDate' "$V/trustee-tdx/tdx_quote_6.dat" --time 2025-11-01T00:00:00Z \
    --tcb-info "$V/trustee-tdx/tcbInfo.json" --tcb-info-chain "$V/roots/intel/tcb-signing-chain-2025.pem"
expect_claim "VLEK claims" 'signing_key +vlek' "$V/trustee-snp-vlek-milan/test-vlek-report.bin" --vcek "$V/trustee-snp-vlek-milan/test-vlek.der" --time 2025-06-01T00:00:00Z
expect_claim "Genoa product" 'product +Genoa' "$V/trustee-snp-e2e-evidence/report.bin" --vcek "$V/trustee-snp-e2e-evidence/report.bin.vcek.der"
expect_claim "SNP debug claim" 'policy.debug +true' "$V/steward-snp-milan/milan.rprt" --vcek "$V/steward-snp-milan/milan.vcek"
expect_claim "hex evidence" 'evidence decoded from hex' "$V/dcap-qvl-tdx-hex/tdx-quote.hex"

# 2. Built-in roots: the same evidence verifies without naming any root.
expect "built-in Intel root" 0 "" "" -- "$V/steward-sgx-icelake/quote.icelake"
expect "built-in AMD Milan chain" 0 "" "" -- "$V/virtee-sev-snp-milan/report_milan.hex" --vcek "$V/virtee-sev-snp-milan/vcek_milan.der"
expect "built-in AMD Genoa chain" 0 "" "" -- "$V/trustee-azure-snp-hcl/evidence-genoa.snp-report.bin" --vcek "$V/trustee-azure-snp-hcl/evidence-genoa.vcek.pem"
expect "built-in ASVK (VLEK)" 0 "" "" -- "$V/trustee-snp-vlek-milan/test-vlek-report.bin" --vcek "$V/trustee-snp-vlek-milan/test-vlek.der" --time 2025-06-01T00:00:00Z
expect "Azure HCL wrapper" 0 "" "" -- "$V/trustee-azure-snp-hcl/hcl-report.bin" --vcek "$V/trustee-azure-snp-hcl/vcek.pem"

# 3. Steward CSRs: CSR signature, evidence, key binding (and carried collateral).
expect "CSR SGX old format" 0 "" "" -- "$V/steward-sgx-icelake-csr/icelake.signed.csr"
expect "CSR SNP old format" 0 "" "" -- "$V/steward-snp-milan-csr/milan.signed.csr"
expect "CSR SNP with CRLs" 0 "" "" -- "$V/steward-snp-milan-crl-csr/milan.signed.crl.csr" --time 2023-02-01T00:00:00Z
expect "CSR SGX with TCB and CRLs (xeon)" 0 "" "" -- "$V/steward-sgx-csr-tcb-crl-xeon/icelake.signed.tcb.crl.multi.xeon.csr" --time 2023-02-01T00:00:00Z
expect "CSR SGX with TCB and CRLs (i5)" 0 "" "" -- "$V/steward-sgx-csr-tcb-crl-i5/icelake.signed.tcb.crl.single.i5.csr" --time 2023-02-01T00:00:00Z
expect "CSR carried CRLs are stale now" 1 "snp.crl" "stale" -- "$V/steward-snp-milan-crl-csr/milan.signed.crl.csr"
openssl req -inform DER -in "$V/steward-snp-milan-csr/milan.signed.csr" -out "$tmp/milan.csr.pem" 2>/dev/null
expect "CSR in PEM" 0 "" "" -- "$tmp/milan.csr.pem"

# 4. Real-world negatives (README "Negative vectors").
N="$V/NEG-intel-qvl-sample-testroot"
cat "$N/pckCert.pem" "$N/pckSignChain.pem" > "$tmp/qvl-chain.pem"
expect "fake 'Intel SGX Root CA' (same name, other key)" 1 pck.root "same name, different key" -- "$N/quote.dat" --chain "$tmp/qvl-chain.pem"
expect "type-1 quote without a PCK chain" 1 pck.chain "carries no PCK certificate chain" -- "$N/quote.dat"
expect "the fake root is accepted only when named explicitly" 0 "" "" -- "$N/quote.dat" --chain "$tmp/qvl-chain.pem" --intel-root "$N/trustedRootCaCert.pem" --time 2021-01-01T00:00:00Z
expect "forged VCEK (legacy hwID)" 1 snp.chain "does not verify" -- "$V/trustee-snp-vcek-milan/test-report.bin" --vcek "$V/trustee-snp-vcek-milan/test-vcek-invalid-legacy.der"
expect "forged VCEK (OCTET STRING hwID)" 1 snp.chain "does not verify" -- "$V/trustee-snp-vcek-milan/test-report.bin" --vcek "$V/trustee-snp-vcek-milan/test-vcek-invalid-new.der"
expect "expired VLEK" 1 snp.validity "expired" -- "$V/trustee-snp-vlek-milan/test-vlek-report.bin" --vcek "$V/trustee-snp-vlek-milan/test-vlek.der" --time 2026-01-01T00:00:00Z
cat "$V/roots/amd/genoa/ark.pem" "$V/roots/amd/genoa/ask-2022-01-26-steward-stale.pem" > "$tmp/stale-genoa.pem"
expect "stale Steward Genoa ASK" 1 snp.chain "does not verify" -- "$V/trustee-snp-e2e-evidence/report.bin" --vcek "$V/trustee-snp-e2e-evidence/report.bin.vcek.der" --chain "$tmp/stale-genoa.pem"
expect "2018 TCB Signing cert expired" 1 tcb.info "expired" -- "$V/go-tdx-guest-spr-v4/tdx_prod_quote_SPR_E4.dat" --time 2025-06-01T00:00:00Z \
    --tcb-info "$V/go-tdx-guest-spr-v4/sample_tcbInfo_response" --tcb-info-chain "$V/go-tdx-guest-spr-v4/tcbInfoIssuerChain.pem"

suite_end
