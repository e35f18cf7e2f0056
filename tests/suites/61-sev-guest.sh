#!/usr/bin/env bash
# The SEV-SNP Keep side without hardware: the shim's SNP code compiled for
# the host, on a model of the CPU, the hypervisor and the secure processor
# (tests/sev). AES-256-GCM known answers, the guest-message format, the GHCB
# protocol, the validation bookkeeping, the CPUID page, page-table encryption
# bits, #VC; guest requests through the secure-processor model (OpenSSL),
# with a hostile host tampering, replaying and lying; the shim's SNP start-up
# on an image laid out as the SEV launcher lays it out, and on the image the
# launcher itself builds (sev_build). Then the round trip:
# the shim asks for evidence through ENARX_SYS_GETATT, the model signs the
# report with the test attester's chain, and `enarx attest verify` accepts it
# with that test root (and the report data asked for), refuses it without.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
suite_run_unit "snp shim units" "$BUILD/tests/sev/shim_unit"
suite_run_unit "snp guest request" "$BUILD/tests/sev/guest_request_test"
suite_run_unit "snp start-up" "$BUILD/tests/sev/snp_start_test"
# The exec inside the launched image: the real one where it is static, as a
# Keep needs; a sanitizer build's enarx-exec is dynamically linked, and there
# the static getatt probe stands in (the shim never runs the exec here).
exec=$BUILD/bin/enarx-exec
if readelf -lW "$exec" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    exec=$BUILD/tests/sev/getatt
fi
suite_run_unit "snp start-up on the launcher's image" "$BUILD/tests/sev/launch_image_test" "$exec"
suite_run_unit "snp guest request through the SEV model's hook" "$BUILD/tests/sev/model_hook_test" "$exec"

ENARX=$BUILD/bin/enarx
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
rd=$(printf '%02x' $(seq 100 163))                  # 64 bytes of report data
meas=$(printf 'a5%.0s' $(seq 1 48))                 # the measurement the model reports
if ! "$BUILD/tests/attester/enarx-test-attester" create "$dir/ta" >/dev/null; then
    bad "test attester chain" "enarx-test-attester create failed"
elif ! "$BUILD/tests/sev/snp_start_test" --attester "$dir/ta" --report-data "$rd" \
        --measurement "$meas" --evidence "$dir/evidence"; then
    bad "shim evidence" "the shim produced no evidence"
else
    ok "shim evidence through ENARX_SYS_GETATT"
    check_command "verifies with the test root" 0 "VALID under a TEST root" \
        "$ENARX" attest verify "$dir/evidence" --test-root "$dir/ta/chain.pem" --expect-measurement "$meas"
    out=$("$ENARX" attest verify "$dir/evidence" --test-root "$dir/ta/chain.pem" 2>&1)
    if grep -Eq "^ *report_data +$rd\$" <<<"$out"; then
        ok "carries the report data asked for"
    else
        bad "carries the report data asked for" "$(grep report_data <<<"$out")"
    fi
    if grep -q "chain ARK-Milan-TEST -> SEV-Milan-TEST -> SEV-VCEK-TEST verified" <<<"$out"; then
        ok "the chain came in the shim's certificate table"
    else
        bad "the chain came in the shim's certificate table" "$(grep -i chain <<<"$out" | head -3)"
    fi
    check_command "refused without the test root" 1 "REFUSED" "$ENARX" attest verify "$dir/evidence"
    check_command "refused with another measurement" 1 "REFUSED" \
        "$ENARX" attest verify "$dir/evidence" --test-root "$dir/ta/chain.pem" --expect-measurement "${meas/a5/a6}"
    # One flipped bit in the report's data: the signature no longer holds.
    cp "$dir/evidence" "$dir/flipped"
    printf '\x01' | dd of="$dir/flipped" bs=1 seek=$((32 + 0x50)) conv=notrunc status=none
    check_command "refused when the report is changed" 1 "REFUSED" \
        "$ENARX" attest verify "$dir/flipped" --test-root "$dir/ta/chain.pem"
fi
suite_end
