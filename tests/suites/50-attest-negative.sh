#!/usr/bin/env bash
# Negative tests generated at test time from the shared vectors: a bit flipped
# in every signed region, truncation, the wrong product chain, a VLEK against
# the ASK, a certificate from another chip, verification times outside the
# validity periods, tampered collateral, a CSR whose key is not the one in
# REPORT_DATA. Each must be refused by the right check. (Policies: 50-attest-policy.)
set -u
cd "$(dirname "$0")/../.."
source tests/attest/lib.sh
MUT="$BUILD/tests/attest/mutate"

# refused NAME CHECK REASON-SUBSTRING -- ARGS...   (exit status 1, the named check)
refused() { local name=$1 check=$2 reason=$3; shift 4; verdict "$name" 1 "$check" "$reason" -- "$@"; }
flip() { "$MUT" "$1" "$2" flip "$3" "${4:-1}"; }

# ---- SEV-SNP: virtee Milan report (v2) with its VCEK and the built-in chain
R="$V/virtee-sev-snp-milan/report_milan.hex"; VC="$V/virtee-sev-snp-milan/vcek_milan.der"
xxd -r -p "$R" > "$tmp/snp.bin"
S="$tmp/snp.bin"
"$ENARX" attest verify "$S" --vcek "$VC" >/dev/null && ok "SNP baseline verifies" || bad "SNP baseline"
for spec in "0x050 REPORT_DATA" "0x090 MEASUREMENT" "0x0C0 HOST_DATA" "0x0E0 ID_KEY_DIGEST" "0x004 GUEST_SVN" \
            "0x030 VMPL" "0x140 REPORT_ID" "0x1E8 CURRENT_BUILD" "0x1F0 LAUNCH_TCB" "0x2A0 SIG_R" "0x2E8 SIG_S" "0x0A POLICY.DEBUG"; do
    set -- $spec
    mask=1; [ "$2" = POLICY.DEBUG ] && mask=8
    flip "$S" "$tmp/f.bin" "$1" $mask
    refused "SNP bit flipped in $2" snp.signature "" -- "$tmp/f.bin" --vcek "$VC"
done
flip "$S" "$tmp/f.bin" 0x186; refused "SNP REPORTED_TCB changed" snp.vcek_tcb "does not match REPORTED_TCB" -- "$tmp/f.bin" --vcek "$VC"
flip "$S" "$tmp/f.bin" 0x1A0; refused "SNP CHIP_ID changed" snp.chip_id "another chip" -- "$tmp/f.bin" --vcek "$VC"
flip "$S" "$tmp/f.bin" 0x04C; refused "SNP reserved field set" snp.format "must be zero" -- "$tmp/f.bin" --vcek "$VC"
flip "$S" "$tmp/f.bin" 0x010 0x80 ; refused "SNP FAMILY_ID changed" snp.signature "" -- "$tmp/f.bin" --vcek "$VC"
flip "$S" "$tmp/f.bin" 0x048 0x1c; refused "SNP unsigned report (SIGNING_KEY 7)" snp.signing_key "not signed" -- "$tmp/f.bin" --vcek "$VC"
flip "$S" "$tmp/f.bin" 0x29F; refused "SNP reserved byte before the signature" snp.format "must be zero" -- "$tmp/f.bin" --vcek "$VC"
flip "$S" "$tmp/f.bin" 0x000 0x08; refused "SNP unknown version" snp.format "version" -- "$tmp/f.bin" --vcek "$VC"
"$MUT" "$S" "$tmp/t.bin" truncate 1000; refused "SNP truncated" snp.format "shorter" -- "$tmp/t.bin" --vcek "$VC"
flip "$VC" "$tmp/vcek.der" -10; refused "SNP VCEK signature altered" snp.chain "does not verify" -- "$S" --vcek "$tmp/vcek.der"
refused "SNP wrong product chain (Genoa)" snp.chain "not among" -- "$S" --vcek "$VC" --chain "$V/roots/amd/trustee-genoa_ask_ark_asvk.pem"
refused "SNP certificate from another chip" snp.chip_id "another chip" -- "$S" --vcek "$V/trustee-snp-vcek-milan/test-vcek.der"
refused "SNP VCEK for another TCB" snp.vcek_tcb "does not match REPORTED_TCB bl=0 tee=0 snp=3" -- "$V/steward-snp-milan/milan.rprt" --vcek "$VC"
refused "SNP before VCEK validity" snp.validity "not yet valid" -- "$S" --vcek "$VC" --time 2022-01-01T00:00:00Z
refused "SNP after VCEK validity" snp.validity "expired" -- "$S" --vcek "$VC" --time 2031-01-01T00:00:00Z
VL="$V/trustee-snp-vlek-milan"
cat "$V/roots/amd/milan/ark.pem" "$V/roots/amd/milan/ask.pem" > "$tmp/ark-ask.pem"
refused "SNP VLEK against the ASK" snp.chain "ASVK" -- "$VL/test-vlek-report.bin" --vcek "$VL/test-vlek.der" --chain "$tmp/ark-ask.pem" --time 2025-06-01T00:00:00Z
refused "SNP VLEK report with a VCEK" snp.signing_key "signed by the VLEK" -- "$VL/test-vlek-report.bin" --vcek "$VC" --time 2025-06-01T00:00:00Z
refused "SNP VCEK report with a VLEK" snp.signing_key "signed by the VCEK" -- "$S" --vcek "$VL/test-vlek.der" --time 2025-06-01T00:00:00Z
G="$V/trustee-snp-e2e-evidence"
flip "$G/report.bin" "$tmp/g.bin" 0x188 0x03; refused "SNP v3 CPUID says another product" snp.product "CPU" -- "$tmp/g.bin" --vcek "$G/report.bin.vcek.der"
"$ENARX" attest verify "$S" >/dev/null 2>&1; [ $? -eq 2 ] && ok "SNP without --vcek is unreadable input (exit 2)" || bad "SNP without --vcek"

# ---- SGX: dcap-qvl quote with full collateral at 2025-07-01
Q="$V/dcap-qvl-sgx/sgx_quote"; C="$V/dcap-qvl-sgx/collateral"
COL=(--time 2025-07-01T00:00:00Z --tcb-info "$C/tcb_info_response.json" --tcb-info-chain "$C/tcb_info_issuer_chain.pem"
     --qe-identity "$C/qe_identity_response.json" --qe-identity-chain "$C/qe_identity_issuer_chain.pem"
     --crl "$C/root_ca_crl.der" --crl "$C/pck_crl.der")
"$ENARX" attest verify "$Q" "${COL[@]}" >/dev/null && ok "SGX baseline verifies" || bad "SGX baseline"
for spec in "10 header.PCE_SVN" "28 header.user_data" "48 body.CPUSVN" "112 body.MRENCLAVE" "176 body.MRSIGNER" "368 body.REPORT_DATA" "431 body.last-byte" "436 quote-signature"; do
    set -- $spec; flip "$Q" "$tmp/q.bin" "$1"
    refused "SGX bit flipped in $2" quote.signature "" -- "$tmp/q.bin" "${COL[@]}"
done
for spec in "564 QE-report.CPUSVN" "692 QE-report.MRSIGNER" "948 QE-report.REPORT_DATA" "948 QE-report-signature"; do
    set -- $spec; off=$1; [ "$2" = QE-report-signature ] && off=948
    flip "$Q" "$tmp/q.bin" "$off"
    refused "SGX bit flipped in $2" qe.report_signature "" -- "$tmp/q.bin" "${COL[@]}"
done
flip "$Q" "$tmp/q.bin" 500; refused "SGX attestation key altered" qe.attestation_key "" -- "$tmp/q.bin" "${COL[@]}"
flip "$Q" "$tmp/q.bin" 1015; refused "SGX QE auth data altered" qe.attestation_key "" -- "$tmp/q.bin" "${COL[@]}"
off=$("$MUT" "$Q" /dev/null find "-----BEGIN CERTIFICATE-----"); off=$((off + 900))
flip "$Q" "$tmp/q.bin" $off 0x02; refused "SGX PCK certificate altered" pck. "" -- "$tmp/q.bin" "${COL[@]}"
"$MUT" "$Q" "$tmp/t.bin" truncate 4000; refused "SGX truncated" quote.format "runs past" -- "$tmp/t.bin" "${COL[@]}"
"$MUT" "$Q" "$tmp/t.bin" truncate 40; refused "SGX truncated header" quote.format "header" -- "$tmp/t.bin"
refused "SGX TCB Info tampered" tcb.info "does not verify" -- "$Q" --time 2025-07-01T00:00:00Z \
    --tcb-info <(sed 's/"tcbEvaluationDataNumber":17/"tcbEvaluationDataNumber":18/' "$C/tcb_info_response.json") --tcb-info-chain "$C/tcb_info_issuer_chain.pem"
refused "SGX QE Identity tampered" qe.identity "does not verify" -- "$Q" --time 2025-07-01T00:00:00Z \
    --qe-identity <(sed 's/"isvprodid":1/"isvprodid":2/' "$C/qe_identity_response.json") --qe-identity-chain "$C/qe_identity_issuer_chain.pem"
refused "SGX TCB Info signature swapped" tcb.info "does not verify" -- "$Q" --time 2025-07-01T00:00:00Z \
    --tcb-info <(sed 's/"signature":"\(..\)/"signature":"00/' "$C/tcb_info_response.json") --tcb-info-chain "$C/tcb_info_issuer_chain.pem"
refused "SGX collateral after nextUpdate" qe.identity "stale" -- "$Q" "${COL[@]:0:10}" --time 2025-09-01T00:00:00Z
refused "SGX TCB Info for another FMSPC" tcb.fmspc "FMSPC" -- "$V/steward-sgx-csr-tcb-crl-xeon/extracted/quote.bin" --time 2023-02-01T00:00:00Z \
    --tcb-info "$V/steward-sgx-csr-tcb-crl-i5/extracted/tcb_info_response.json" --tcb-info-chain "$V/steward-sgx-csr-tcb-crl-i5/extracted/tcb_signing_chain.pem"
refused "SGX quote with TDX TCB Info" tcb.info "needs SGX" -- "$Q" --time 2025-11-01T00:00:00Z \
    --tcb-info "$V/trustee-tdx/tcbInfo.json" --tcb-info-chain "$V/roots/intel/tcb-signing-chain-2025.pem"
refused "SGX quote with TDX QE Identity" qe.identity "needs \"QE\"" -- "$Q" --time 2025-07-01T00:00:00Z \
    --qe-identity "$V/dcap-qvl-tdx/collateral/qe_identity_response.json" --qe-identity-chain "$C/qe_identity_issuer_chain.pem"
refused "SGX stale PCK CRL" pck.crl "stale" -- "$Q" --crl "$C/pck_crl.der"
refused "SGX PCK before validity" pck.validity "not yet valid" -- "$Q" --time 2020-01-01T00:00:00Z
refused "SGX PCK after validity" pck.validity "expired" -- "$Q" --time 2031-01-01T00:00:00Z
refused "SGX wrong --intel-root" pck. "" -- "$Q" --intel-root "$V/NEG-intel-qvl-sample-testroot/trustedRootCaCert.pem"
refused "SGX collateral from a fake root" tcb.info "" -- "$Q" --time 2025-07-01T00:00:00Z \
    --tcb-info "$C/tcb_info_response.json" --tcb-info-chain "$V/NEG-intel-qvl-sample-testroot/tcbSignChain.pem"

# ---- TDX v4 and v5
T4="$V/dcap-qvl-tdx/tdx_quote"; T5="$V/go-tdx-guest-v5/quote_v5_sample.dat"
for spec in "184 MRTD" "376 RTMR0" "568 REPORT_DATA" "168 TD_ATTRIBUTES"; do
    set -- $spec; flip "$T4" "$tmp/t4.bin" "$1"; refused "TDX v4 bit flipped in $2" quote.signature "" -- "$tmp/t4.bin"
done
flip "$T5" "$tmp/t5.bin" 200; refused "TDX v5 bit flipped in MRTD" quote.signature "" -- "$tmp/t5.bin"
flip "$T5" "$tmp/t5.bin" 48 0x01; refused "TDX v5 body type changed" quote.format "body type" -- "$tmp/t5.bin"
flip "$T4" "$tmp/t4.bin" 4 0x80; refused "TDX unknown TEE type" quote.format "TEE type" -- "$tmp/t4.bin"
flip "$T4" "$tmp/t4.bin" 12; refused "TDX QE vendor ID changed" quote.format "vendor" -- "$tmp/t4.bin"

# ---- Steward CSRs
CSR="$V/steward-sgx-icelake-csr/icelake.signed.csr"
flip "$CSR" "$tmp/c.csr" -5; refused "CSR signature altered" csr.signature "" -- "$tmp/c.csr"
# A CSR made here with a fresh key, carrying genuine evidence made for another key.
quote_hex=$(xxd -p "$V/steward-sgx-icelake-csr/extracted/quote.bin" | tr -d '\n')
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/k.pem" 2>/dev/null
openssl req -new -key "$tmp/k.pem" -subj "/CN=impostor" -addext "1.3.6.1.4.1.58270.1.2=DER:$quote_hex" \
    -outform DER -out "$tmp/impostor.csr" 2>/dev/null
refused "CSR key not bound by REPORT_DATA (SGX)" csr.binding "REPORT_DATA[0:32]" -- "$tmp/impostor.csr"
snp_ev=$(openssl asn1parse -inform DER -in "$V/steward-snp-milan-csr/milan.signed.csr" 2>/dev/null | awk '/OCTET STRING/ {print}' | head -1 | sed 's/.*\[HEX DUMP\]://')
openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/k384.pem" 2>/dev/null
openssl req -new -key "$tmp/k384.pem" -subj "/CN=impostor" -addext "1.3.6.1.4.1.58270.1.3=DER:$snp_ev" \
    -outform DER -out "$tmp/impostor-snp.csr" 2>/dev/null
refused "CSR key not bound by REPORT_DATA (SNP)" csr.binding "REPORT_DATA[0:48]" -- "$tmp/impostor-snp.csr"
openssl req -new -key "$tmp/k.pem" -subj "/CN=kvm" -addext "1.3.6.1.4.1.58270.1.1=DER:0500" -outform DER -out "$tmp/kvm.csr" 2>/dev/null
refused "CSR with KVM (no) evidence" csr.evidence "KVM" -- "$tmp/kvm.csr"
openssl req -new -key "$tmp/k.pem" -subj "/CN=none" -outform DER -out "$tmp/none.csr" 2>/dev/null
refused "CSR without evidence" csr.evidence "no Enarx evidence" -- "$tmp/none.csr"

# ---- unreadable input and usage errors: exit 2
code() { "$ENARX" attest verify "$@" >/dev/null 2>&1; echo $?; }
head -c 100 /dev/urandom > "$tmp/junk.bin"; printf '\xff\xff' >> "$tmp/junk.bin"
[ "$(code "$tmp/junk.bin")" = 2 ] && ok "junk evidence: exit 2" || bad "junk evidence"
[ "$(code "$tmp/missing")" = 2 ] && ok "missing file: exit 2" || bad "missing file"
[ "$(code "$Q" --time yesterday)" = 2 ] && ok "bad --time: exit 2" || bad "bad --time"
[ "$(code "$Q" --tcb-info "$C/tcb_info_response.json")" = 2 ] && ok "--tcb-info without chain: exit 2" || bad "--tcb-info without chain"
[ "$(code "$Q" --crl "$Q")" = 2 ] && ok "--crl not a CRL: exit 2" || bad "--crl not a CRL"
[ "$(code "$Q" --tcb-info "$Q" --tcb-info-chain "$C/tcb_info_issuer_chain.pem" --time 2025-07-01T00:00:00Z)" = 1 ] && ok "non-JSON TCB Info refused" || bad "non-JSON TCB Info"

suite_end
