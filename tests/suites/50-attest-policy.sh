#!/usr/bin/env bash
# Attestation policies through the real `enarx attest verify --policy`, on real
# evidence from the shared vectors: the strict defaults of an empty policy
# (debug refused on SNP, SGX and TDX; Intel TCB status required and UpToDate;
# no advisories), measurements (SNP MEASUREMENT, SGX MRENCLAVE/MRSIGNER, TDX
# MRTD and every RTMR, each accepted when right and refused when one nibble is
# wrong), minimum SVNs and TCB, and bad policies (exit 2 with line and column).
# Every key and rule is also covered on synthetic claims by 50-attest-unit.
set -u
cd "$(dirname "$0")/../.."
source tests/attest/lib.sh
P="$tmp/policy.toml"

# accepted NAME -- ARGS...              exit 0 and "acceptable under the policy"
accepted() { local name=$1; shift 2; verdict "$name" 0 "" "acceptable under the policy" -- "$@" --policy "$P"; }
# refused NAME CHECK REASON -- ARGS...  exit 1 by the named policy check
refused() { local name=$1 check=$2 reason=$3; shift 4; verdict "$name" 1 "$check" "$reason" -- "$@" --policy "$P"; }
# bad_policy NAME MESSAGE -- ARGS...    exit 2, the message names line and column
bad_policy() { local name=$1 want=$2; shift 3; verdict "$name" 2 "" "--policy $P: $want" -- "$@" --policy "$P"; }
claim() { "$ENARX" attest verify "$@" --json | grep -o "\"$CLAIM\": \"[0-9a-f]*\"" | head -1 | cut -d'"' -f4; }
# The value with its last hex digit changed.
other() { local v=$1; local last=${v: -1}; [ "$last" = 0 ] && echo "${v%?}1" || echo "${v%?}0"; }

SNP_DEBUG=("$V/steward-snp-milan/milan.rprt" --vcek "$V/steward-snp-milan/milan.vcek")
SNP=("$V/virtee-sev-snp-milan/report_milan.hex" --vcek "$V/virtee-sev-snp-milan/vcek_milan.der")
VLEK=("$V/trustee-snp-vlek-milan/test-vlek-report.bin" --vcek "$V/trustee-snp-vlek-milan/test-vlek.der" --time 2025-06-01T00:00:00Z)
GCP_VMPL1=("$V/teekit-snp-gcp/sev-gcp-reportdata.bin" --vcek "$V/teekit-snp-gcp/sev-gcp-vcek.pem")
C="$V/dcap-qvl-sgx/collateral"
SGX=("$V/dcap-qvl-sgx/sgx_quote" --time 2025-07-01T00:00:00Z --tcb-info "$C/tcb_info_response.json" --tcb-info-chain "$C/tcb_info_issuer_chain.pem"
     --qe-identity "$C/qe_identity_response.json" --qe-identity-chain "$C/qe_identity_issuer_chain.pem")
SGX_BARE=("$V/dcap-qvl-sgx/sgx_quote" --time 2025-07-01T00:00:00Z)
SGX_DEBUG=("$V/trustee-sgx-occlum/occlum_quote.dat")
T="$V/dcap-qvl-tdx/collateral"
TDX=("$V/dcap-qvl-tdx/tdx_quote" --time 2025-07-01T00:00:00Z --tcb-info "$T/tcb_info_response.json" --tcb-info-chain "$T/tcb_info_issuer_chain.pem"
     --qe-identity "$T/qe_identity_response.json" --qe-identity-chain "$T/qe_identity_issuer_chain.pem")
TDX_DEBUG=("$V/trustee-tdx/tdx_quote_4.dat")
TDX_OLD=("$V/trustee-tdx/tdx_quote_6.dat" --time 2025-11-01T00:00:00Z --tcb-info "$V/trustee-tdx/tcbInfo.json" --tcb-info-chain "$V/roots/intel/tcb-signing-chain-2025.pem")

# ---- strict defaults: an empty policy
: > "$P"
refused "defaults: SNP debug guest (POLICY.DEBUG)" policy.debug "POLICY.DEBUG" -- "${SNP_DEBUG[@]}"
refused "defaults: SGX debug enclave" policy.debug "ATTRIBUTES.DEBUG" -- "${SGX_DEBUG[@]}"
refused "defaults: TDX debug TD" policy.debug "TDATTRIBUTES.DEBUG" -- "${TDX_DEBUG[@]}"
accepted "defaults: SNP production guest" -- "${SNP[@]}"
accepted "defaults: SNP VLEK-signed guest" -- "${VLEK[@]}"
accepted "defaults: TDX UpToDate with full collateral" -- "${TDX[@]}"
refused "defaults: Intel TCB status unknown without TCB Info" policy.tcb_status "unknown" -- "${SGX_BARE[@]}"
refused "defaults: TCB status must be UpToDate" policy.tcb_status "ConfigurationAndSWHardeningNeeded" -- "${SGX[@]}"
refused "defaults: TDX OutOfDate refused" policy.tcb_status "OutOfDate" -- "${TDX_OLD[@]}"
printf '# comments only\n\n' > "$P"
refused "defaults: a policy of comments is the defaults" policy.debug "POLICY.DEBUG" -- "${SNP_DEBUG[@]}"
printf 'allow_debug = true\n' > "$P"
accepted "allow_debug = true accepts the SNP debug guest" -- "${SNP_DEBUG[@]}"
printf 'allow_debug = false\n[snp]\nallow_smt = true\n' > "$P"
refused "allow_debug = false, written out" policy.debug "POLICY.DEBUG" -- "${SNP_DEBUG[@]}"
printf 'require_tcb_status = false\n' > "$P"
accepted "require_tcb_status = false accepts an unknown TCB status" -- "${SGX_BARE[@]}"
printf 'allowed_tcb_statuses = ["ConfigurationAndSWHardeningNeeded"]\n' > "$P"
refused "advisories refused unless listed" policy.advisories "INTEL-SA-00289" -- "${SGX[@]}"
printf 'allowed_tcb_statuses = ["ConfigurationAndSWHardeningNeeded"]\nallowed_advisories = ["INTEL-SA-00289"]\n' > "$P"
refused "every advisory must be listed" policy.advisories "INTEL-SA-00615" -- "${SGX[@]}"
printf 'allowed_tcb_statuses = ["ConfigurationAndSWHardeningNeeded"]\nallowed_advisories = ["INTEL-SA-00289", "INTEL-SA-00615"]\n' > "$P"
accepted "statuses and advisories listed" -- "${SGX[@]}"
printf 'allowed_tcb_statuses = ["UpToDate", "OutOfDate"]\n' > "$P"
accepted "TDX OutOfDate accepted when listed" -- "${TDX_OLD[@]}"

# ---- which TEE, report data
printf 'tee = ["sgx", "tdx"]\n' > "$P"
refused "tee list without sev-snp" policy.tee "sev-snp evidence is not accepted" -- "${SNP[@]}"
printf 'tee = ["sev-snp"]\n' > "$P"
accepted "tee list with sev-snp" -- "${SNP[@]}"
refused "tee list without tdx" policy.tee "tdx evidence" -- "${TDX[@]}"
CLAIM=report_data; RD=$(claim "${GCP_VMPL1[@]}")
printf 'report_data = "%s"\n' "$(tr 'a-f' 'A-F' <<<"${RD:0:64}")" > "$P"
out=$("$ENARX" attest verify "${GCP_VMPL1[@]}" --policy "$P" 2>&1); [ $? -eq 0 ] && ok "report data prefix matches (hex case ignored)" || { bad "report data prefix"; echo "$out" | grep -E 'check:|reason:'; }
printf 'report_data = "%s"\n' "$(other "${RD:0:64}")" > "$P"
refused "report data prefix differs" policy.report_data "does not start with" -- "${GCP_VMPL1[@]}"

# ---- SNP measurement, key digests, VMPL, SVN, TCB, signing key
CLAIM=measurement; M=$(claim "${SNP[@]}")
printf '[snp]\nmeasurements = ["%s", "%s"]\n' "$(other "$M")" "$M" > "$P"
accepted "SNP measurement among those allowed" -- "${SNP[@]}"
printf '[snp]\nmeasurements = ["%s"]\n' "$(other "$M")" > "$P"
refused "SNP measurement not allowed" policy.measurement "is not one of the 1 allowed" -- "${SNP[@]}"
CLAIM=host_data; H=$(claim "${SNP[@]}")
printf '[snp]\nhost_data = "%s"\n' "$H" > "$P"; accepted "SNP HOST_DATA equal" -- "${SNP[@]}"
printf '[snp]\nhost_data = "%s"\n' "$(other "$H")" > "$P"; refused "SNP HOST_DATA differs" policy.host_data "HOST_DATA" -- "${SNP[@]}"
CLAIM=id_key_digest; K=$(claim "${SNP[@]}")
printf '[snp]\nid_key_digests = ["%s"]\n' "$(other "$K")" > "$P"; refused "SNP ID key digest not allowed" policy.id_key_digest "ID_KEY_DIGEST" -- "${SNP[@]}"
printf '[snp]\nvmpl = 0\n' > "$P"
refused "SNP report from VMPL 1, policy VMPL 0" policy.vmpl "VMPL 1" -- "${GCP_VMPL1[@]}"
accepted "SNP report from VMPL 0" -- "${SNP[@]}"
printf '[snp]\nmin_guest_svn = 0\n' > "$P"; accepted "SNP GUEST_SVN 0 meets minimum 0" -- "${SNP[@]}"
printf '[snp]\nmin_guest_svn = 1\n' > "$P"; refused "SNP GUEST_SVN below minimum" policy.guest_svn "GUEST_SVN 0 is below the policy's minimum 1" -- "${SNP[@]}"
printf '[snp.min_tcb]\nbootloader = 3\ntee = 0\nsnp = 8\nmicrocode = 115\n' > "$P"
accepted "SNP REPORTED_TCB meets the minimum exactly" -- "${SNP[@]}"
for k in "bootloader 4 3" "snp 9 8" "microcode 116 115" "tee 1 0"; do
    set -- $k
    printf '[snp.min_tcb]\n%s = %s\n' "$1" "$2" > "$P"
    refused "SNP REPORTED_TCB $1 below minimum" policy.min_tcb "REPORTED_TCB $1=$3 is below the policy's minimum $2" -- "${SNP[@]}"
done
printf '[snp.min_tcb]\nfmc = 1\n' > "$P"
refused "SNP min FMC on a Milan report" policy.min_tcb "has no fmc component" -- "${SNP[@]}"
printf '[snp]\nsigning_keys = ["vcek"]\n' > "$P"
refused "SNP VLEK-signed report, policy VCEK only" policy.signing_key "signed by the vlek" -- "${VLEK[@]}"
accepted "SNP VCEK-signed report, policy VCEK only" -- "${SNP[@]}"
printf '[snp]\nallow_smt = false\n' > "$P"
refused "SNP guest allowing SMT, policy forbids" policy.smt "SMT" -- "${SNP[@]}"

# ---- SGX identity and minimum ISV SVN (with the statuses of its collateral allowed)
SGXP='allowed_tcb_statuses = ["ConfigurationAndSWHardeningNeeded"]\nallowed_advisories = ["INTEL-SA-00289", "INTEL-SA-00615"]\n'
CLAIM=mrenclave; ME=$(claim "${SGX[@]}"); CLAIM=mrsigner; MS=$(claim "${SGX[@]}")
printf "$SGXP"'[sgx]\nmrenclaves = ["%s"]\nmrsigners = ["%s"]\nisv_prod_id = 0\nmin_isv_svn = 0\n' "$ME" "$MS" > "$P"
accepted "SGX MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN all match" -- "${SGX[@]}"
printf "$SGXP"'[sgx]\nmrenclaves = ["%s"]\n' "$(other "$ME")" > "$P"
refused "SGX MRENCLAVE not allowed" policy.mrenclave "MRENCLAVE" -- "${SGX[@]}"
printf "$SGXP"'[sgx]\nmrsigners = ["%s"]\n' "$(other "$MS")" > "$P"
refused "SGX MRSIGNER not allowed" policy.mrsigner "MRSIGNER" -- "${SGX[@]}"
printf "$SGXP"'[sgx]\nisv_prod_id = 1\n' > "$P"
refused "SGX ISVPRODID differs" policy.isv_prod_id "ISVPRODID 0" -- "${SGX[@]}"
printf "$SGXP"'[sgx]\nmin_isv_svn = 1\n' > "$P"
refused "SGX ISVSVN below minimum" policy.isv_svn "ISVSVN 0 is below the policy's minimum 1" -- "${SGX[@]}"
printf "$SGXP"'[snp]\nmeasurements = ["%096d"]\n' 0 > "$P"
accepted "SGX evidence ignores the [snp] section" -- "${SGX[@]}"

# ---- TDX: MRTD and each RTMR, all together and one at a time
TDXP=""
for r in mrtd mrconfigid mrowner rtmr0 rtmr1 rtmr2 rtmr3; do
    CLAIM=$r; val=$(claim "${TDX[@]}")
    key=$r; case $r in mrtd|mrconfigid|mrowner) key=${r}s;; esac
    TDXP+="$key = [\"$val\"]\n"
    printf '[tdx]\n%s = ["%s", "%s"]\n' "$key" "$(other "$val")" "$val" > "$P"
    accepted "TDX $r among those allowed" -- "${TDX[@]}"
    printf '[tdx]\n%s = ["%s"]\n' "$key" "$(other "$val")" > "$P"
    refused "TDX $r not allowed" "policy.$r" "$(tr a-z A-Z <<<"$r") " -- "${TDX[@]}"
done
printf "[tdx]\n$TDXP" > "$P"
accepted "TDX MRTD, MRCONFIGID, MROWNER and RTMR0-3 all match" -- "${TDX[@]}"

# ---- bad policies: exit 2, line and column, nothing verified
printf 'allow_debug = true\n\n[sgx]\nmrsigner = ["00"]\n' > "$P"
bad_policy "unknown key, at its line and column" "line 4, column 1: unknown key sgx.mrsigner" -- "${SGX[@]}"
printf '[snp]\nmin_tcb = { microcode = "115" }\n' > "$P"
bad_policy "wrong type" "line 2, column 25: snp.min_tcb.microcode must be a non-negative integer (found string)" -- "${SNP[@]}"
printf 'tee = ["snp"]\n' > "$P"
bad_policy "value outside its set" "line 1, column 8: tee[0] must be one of sev-snp, sgx, tdx" -- "${SNP[@]}"
printf '[tdx]\nrtmr1 = ["%s"]\n' "${M:0:64}" > "$P"
bad_policy "hex of the wrong length" "line 2, column 10: tdx.rtmr1[0] must be 96 hex digits (48 bytes)" -- "${TDX[@]}"
printf '[sgx]\nmrenclaves = []\n' > "$P"
bad_policy "empty list" "line 2, column 14: sgx.mrenclaves is an empty list" -- "${SGX[@]}"
printf 'allow_debug = tru\n' > "$P"
bad_policy "TOML syntax error" "line 1, column 15" -- "${SGX[@]}"
printf 'allow_debug = true\nallow_debug = false\n' > "$P"
bad_policy "duplicate key" "line 2" -- "${SGX[@]}"
printf '\xff = 1\n' > "$P"
bad_policy "invalid UTF-8" "line 1, column 1" -- "${SGX[@]}"

suite_end
