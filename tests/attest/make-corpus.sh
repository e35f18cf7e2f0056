#!/usr/bin/env bash
# Writes the seed corpora of the attestation fuzz targets into
# tests/fuzz/corpus/attest_*/ from synthetic evidence made here (fresh keys,
# zeroed measurements): nothing is taken from vendor or shared data.
# Run it again after changing the formats; the output is committed.
set -eu
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p $out/attest_snp_report $out/attest_quote $out/attest_csr $out/attest_collateral
zeros() { printf '%*s' $(( $1 * 2 )) '' | tr ' ' 0; }
le16() { printf '%02x%02x' $(( $1 & 255 )) $(( ($1 >> 8) & 255 )); }
le32() { printf '%s%s' "$(le16 $(( $1 & 65535 )))" "$(le16 $(( ($1 >> 16) & 65535 )))"; }
der_len() { if [ "$1" -lt 128 ]; then printf '%02x' "$1"; elif [ "$1" -lt 256 ]; then printf '81%02x' "$1"; else printf '82%04x' "$1"; fi; }
bin() { xxd -r -p > "$1"; }

# SEV-SNP reports, versions 2, 3 and 5 (structure only; the signature is zero).
for v in 2 3 5; do
    cpuid=$(zeros 3); [ $v -ge 3 ] && cpuid=190101
    { le32 $v; le32 0; printf '0000030000000000'; zeros 32; le32 0; le32 1; zeros 8; printf '0100000000000000'; le32 0; zeros 4
      printf '%s' "$(printf '%02x' $(seq 0 63) )"; zeros $((48 + 32 + 48 + 48 + 32 + 32)); printf '0300000000000873'; printf '%s' "$cpuid"
      zeros $((0x15)); printf 'aa%.0s' $(seq 64); zeros 8; printf '04340100'; printf '04340100'; zeros 8; zeros $((0x2A0 - 0x1F8))
      printf '01%.0s' $(seq 72); printf '02%.0s' $(seq 72); zeros $((0x4A0 - 0x330)); } | bin "$out/attest_snp_report/report-v$v.bin"
done

# A PCK-shaped chain made here (self-signed stand-ins with Intel's names).
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/k.pem"
openssl req -x509 -new -key "$tmp/k.pem" -subj "/CN=Intel SGX Root CA/O=Test" -days 3650 -out "$tmp/root.pem" 2>/dev/null
openssl req -x509 -new -key "$tmp/k.pem" -subj "/CN=Intel SGX PCK Certificate/O=Test" -days 3650 \
    -addext "1.2.840.113741.1.13.1=DER:3018300f060a2a864886f84d010d0104040106000000303005060a2a864886f84d010d010504" \
    -out "$tmp/leaf.pem" 2>/dev/null
chain_hex=$(cat "$tmp/leaf.pem" "$tmp/root.pem" | xxd -p | tr -d '\n')00
chain_len=$(( ${#chain_hex} / 2 ))
vendor=939a7233f79c4ca9940a0db3957f0607
qe_part() { zeros 384; zeros 64; le16 32; zeros 32; le16 5; le32 $chain_len; printf '%s' "$chain_hex"; }
qe_len=$(( 384 + 64 + 2 + 32 + 2 + 4 + chain_len ))

# SGX quote v3.
{ printf '03000200'; le32 0; le16 7; le16 12; printf '%s' $vendor; zeros 20; zeros 384
  le32 $(( 128 + qe_len )); zeros 128; qe_part; } | bin "$out/attest_quote/sgx-v3.bin"
# TDX quote v4 (TD 1.0 body) and v5 (TD 1.5 body), certification data type 6 around type 5.
{ printf '04000200'; printf '81000000'; le32 0; printf '%s' $vendor; zeros 20; zeros 584
  le32 $(( 128 + 6 + qe_len )); zeros 128; le16 6; le32 $qe_len; qe_part; } | bin "$out/attest_quote/tdx-v4.bin"
{ printf '05000200'; printf '81000000'; le32 0; printf '%s' $vendor; zeros 20; le16 3; le32 648; zeros 648
  le32 $(( 128 + 6 + qe_len )); zeros 128; le16 6; le32 $qe_len; qe_part; } | bin "$out/attest_quote/tdx-v5.bin"
xxd -p "$out/attest_quote/tdx-v4.bin" | tr -d '\n' | sed 's/^/0x/' > "$out/attest_quote/tdx-v4.hex"

# Steward CSRs: SGX (old format: the raw quote) and SNP (SEQUENCE { cert, report }).
openssl req -new -key "$tmp/k.pem" -subj "/" -outform DER -out "$out/attest_csr/sgx.csr" \
    -addext "1.3.6.1.4.1.58270.1.2=DER:$(xxd -p "$out/attest_quote/sgx-v3.bin" | tr -d '\n')" 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/k384.pem"
openssl req -x509 -new -key "$tmp/k384.pem" -subj "/CN=SEV-VCEK" -days 3650 -outform DER -out "$tmp/vcek.der" 2>/dev/null
cert_hex=$(xxd -p "$tmp/vcek.der" | tr -d '\n'); rep_hex=$(xxd -p "$out/attest_snp_report/report-v2.bin" | tr -d '\n')
inner="${cert_hex}0482$(printf '%04x' 1184)${rep_hex}"
ev="30$(der_len $(( ${#inner} / 2 )))${inner}"
openssl req -new -key "$tmp/k384.pem" -subj "/" -outform DER -out "$out/attest_csr/snp.csr" \
    -addext "1.3.6.1.4.1.58270.1.3=DER:$ev" 2>/dev/null
openssl req -inform DER -in "$out/attest_csr/snp.csr" -out "$out/attest_csr/snp.csr.pem" 2>/dev/null

# Collateral JSON shapes.
sig=$(zeros 64)
cat > "$out/attest_collateral/tcbinfo.json" <<JSON
{"tcbInfo":{"id":"SGX","version":3,"issueDate":"2025-01-01T00:00:00Z","nextUpdate":"2025-02-01T00:00:00Z","fmspc":"00a067110000","pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":17,"tcbLevels":[{"tcb":{"sgxtcbcomponents":[{"svn":1},{"svn":1},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0},{"svn":0}],"pcesvn":13},"tcbDate":"2024-01-01T00:00:00Z","tcbStatus":"UpToDate","advisoryIDs":["INTEL-SA-00000"]}]},"signature":"$sig"}
JSON
cat > "$out/attest_collateral/qeidentity.json" <<JSON
{"enclaveIdentity":{"id":"QE","version":2,"issueDate":"2025-01-01T00:00:00Z","nextUpdate":"2025-02-01T00:00:00Z","tcbEvaluationDataNumber":17,"miscselect":"00000000","miscselectMask":"FFFFFFFF","attributes":"11000000000000000000000000000000","attributesMask":"FBFFFFFFFFFFFFFF0000000000000000","mrsigner":"$(zeros 32)","isvprodid":1,"tcbLevels":[{"tcb":{"isvsvn":8},"tcbDate":"2024-01-01T00:00:00Z","tcbStatus":"UpToDate"}]},"signature":"$sig"}
JSON
printf '{ "signature" : "%s" ,\n  "tcbInfo" : { "id" : "TDX", "s" : "}\\"{", "a" : [ {}, [ ] ] } }\n' "$sig" > "$out/attest_collateral/spacing.json"
ls -l $out/attest_*
