#!/usr/bin/env bash
# RA-TLS certificates, typed evidence, the test attester and Keep
# measurements:
#  - tests/attest/ratls_test: certificates made at run time (UNATTESTED and
#    test-attester SNP evidence; every refusal: hash algorithm, critical or
#    duplicate extension, oversize, unknown or lying tag, claims that do not
#    bind, self-signature, validity, truncation, flipped bytes), the typed
#    documents' form, the deploy binder, policies;
#  - `enarx attest verify` on the CCC certificates from Gramine, Intel's SGX
#    SDK and rats-tls ($SHARED_DIR/ratls-vectors), with the collateral the
#    shared data holds, and what that collateral cannot decide;
#  - the test attester through the CLI (--test-root, a policy's test_roots,
#    --expect-measurement);
#  - `enarx keep measure` (nil, kvm).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}" "${SHARED_DIR:=../shared}"
export SHARED_DIR
source tests/lib/suite.sh
ENARX=$BUILD/bin/enarx
TA=$BUILD/tests/attester/enarx-test-attester
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

suite_run_unit ratls "$BUILD/tests/attest/ratls_test"

# ---- the CCC interoperability certificates --------------------------------
V=$SHARED_DIR/ratls-vectors/ccc-interoperable-ra-tls/interoperability-tests
X=$SHARED_DIR/attestation-vectors/steward-sgx-csr-tcb-crl-xeon/extracted
if [ ! -d "$V" ]; then
    skipped "CCC RA-TLS certificates" "$V absent"
else
    # Genuine: quote signature, QE report, PCK chain to the pinned Intel
    # root, pubkey-hash over the DER SPKI, report data = SHA-256(claims).
    check_command "gramine: genuine, bound to its key" 0 "ratls.report_data" \
        bash -c "'$ENARX' attest verify '$V/gramine-cert.pem' --json | grep -q '\"verdict\": \"valid\"' &&
                 '$ENARX' attest verify '$V/gramine-cert.pem' | grep -q 'report data\[0:32\] equals SHA-256 of the claims' &&
                 echo ratls.report_data"
    check_command "gramine: no TCB Info, status unknown (noted)" 0 "TCB status is unknown" \
        "$ENARX" attest verify "$V/gramine-cert.pem"
    check_command "intel-sgxsdk: genuine, bound to its key" 0 "VALID (genuine" \
        "$ENARX" attest verify "$V/intel-sgxsdk-cert.pem"
    check_command "rats-tls: genuine within its validity (extra claims ignored)" 0 "ratls.other_claims                 2" \
        "$ENARX" attest verify "$V/rats-tls-cert.pem" --time 2023-06-01T00:00:00Z
    check_command "rats-tls: expired certificate refused" 1 "check:   ratls.validity" \
        "$ENARX" attest verify "$V/rats-tls-cert.pem" --time 2025-01-01T00:00:00Z
    # The only TCB Info in the shared data for their platform (FMSPC
    # 00606A000000) is valid 2023-01-26 .. 2023-02-25.
    if [ -f "$X/tcb_info_response.json" ]; then
        tcb=(--tcb-info "$X/tcb_info_response.json" --tcb-info-chain "$X/tcb_signing_chain.pem")
        check_command "gramine with TCB Info: OutOfDate" 0 "tcb_status                         OutOfDate" \
            "$ENARX" attest verify "$V/gramine-cert.pem" --time 2023-02-01T00:00:00Z "${tcb[@]}"
        check_command "rats-tls with TCB Info: OutOfDate" 0 "tcb_status                         OutOfDate" \
            "$ENARX" attest verify "$V/rats-tls-cert.pem" --time 2023-02-23T00:00:00Z "${tcb[@]}"
        : >"$work/empty.toml"
        check_command "gramine under a strict policy: debug enclave refused" 1 "check:   policy.debug" \
            "$ENARX" attest verify "$V/gramine-cert.pem" --time 2023-02-01T00:00:00Z "${tcb[@]}" --policy "$work/empty.toml"
        printf 'allow_debug = true\nallowed_tcb_statuses = ["OutOfDate"]\nallowed_advisories = ["INTEL-SA-00586", "INTEL-SA-00614", "INTEL-SA-00615", "INTEL-SA-00617", "INTEL-SA-00657", "INTEL-SA-00730", "INTEL-SA-00738", "INTEL-SA-00767"]\n[sgx]\nmrenclaves = ["0866e7ca11b9f4efe4bf39b2607f4e1299f111920d96d95719080f01b62b7585"]\n' \
            >"$work/gramine.toml"
        check_command "gramine under a policy naming its MRENCLAVE" 0 "acceptable under the policy" \
            "$ENARX" attest verify "$V/gramine-cert.pem" --time 2023-02-01T00:00:00Z "${tcb[@]}" --policy "$work/gramine.toml"
    else
        skipped "CCC certificates with TCB Info" "$X absent"
    fi
    # The only SGX QE Identity signed by Intel's root in the shared data is
    # current 2025-06-19 .. 07-19: the QE's TCB can be judged then (but no
    # TCB Info for these platforms is current at that time).
    Q=$SHARED_DIR/attestation-vectors/dcap-qvl-sgx/collateral
    if [ -f "$Q/qe_identity_response.json" ]; then
        for c in gramine intel-sgxsdk; do
            check_command "$c with QE Identity: QE TCB UpToDate" 0 "QE TCB UpToDate" \
                "$ENARX" attest verify "$V/$c-cert.pem" --time 2025-07-01T00:00:00Z \
                --qe-identity "$Q/qe_identity_response.json" --qe-identity-chain "$Q/qe_identity_issuer_chain.pem"
        done
    fi
    # A flipped byte anywhere in the certificate's signed part: refused.
    openssl x509 -in "$V/gramine-cert.pem" -outform DER -out "$work/g.der" 2>/dev/null
    size=$(stat -c %s "$work/g.der")
    refused=0 tried=0
    for off in 200 600 1500 3000 4500 $((size - 300)); do
        cp "$work/g.der" "$work/flip.der"
        byte=$(od -An -tu1 -j "$off" -N1 "$work/flip.der" | tr -d ' ')
        printf "$(printf '\\%03o' $(((byte ^ 1) & 255)))" | dd of="$work/flip.der" bs=1 seek="$off" conv=notrunc 2>/dev/null
        tried=$((tried + 1))
        "$ENARX" attest verify "$work/flip.der" >"$work/flip.out" 2>&1
        rc=$?
        [ "$rc" -ne 0 ] && [ "$rc" -le 2 ] && refused=$((refused + 1))
    done
    if [ "$refused" -eq "$tried" ]; then
        ok "gramine certificate with a byte flipped: refused at all $tried places"
    else
        bad "gramine certificate with a byte flipped" "$refused of $tried refused"
    fi
fi

# ---- the test attester through the CLI --------------------------------------
"$TA" create "$work/chain" || bad "enarx-test-attester create"
rd=00112233445566778899aabbccddeeff
m=$(printf 'ab%.0s' $(seq 48))
"$TA" evidence "$work/chain" "$rd" "$m" >"$work/ev.bin"
"$TA" report "$work/chain" "$rd" "$m" >"$work/report.bin"
check_command "test evidence refused without its root, naming it" 1 "the chain ends in ARK-Milan-TEST" \
    "$ENARX" attest verify "$work/ev.bin"
check_command "test evidence with --test-root: valid, marked TEST" 0 "TEST root given explicitly: NOT evidence from vendor hardware" \
    "$ENARX" attest verify "$work/ev.bin" --test-root "$work/chain/chain.pem"
check_command "test report with --vcek and --test-root" 0 "VALID under a TEST root" \
    "$ENARX" attest verify "$work/report.bin" --vcek "$work/chain/vcek.pem" --test-root "$work/chain/chain.pem"
check_command "test report without the root" 1 "snp.chain" \
    "$ENARX" attest verify "$work/report.bin" --vcek "$work/chain/vcek.pem"
printf 'test_roots = ["%s"]\n[snp]\nmeasurements = ["%s"]\n' "$(cat "$work/chain/root.sha256")" "$m" >"$work/pin.toml"
check_command "test evidence accepted by a policy's test_roots" 0 "acceptable under the policy" \
    "$ENARX" attest verify "$work/ev.bin" --policy "$work/pin.toml"
printf 'test_roots = ["%s"]\n' "$(printf '00%.0s' $(seq 32))" >"$work/otherpin.toml"
check_command "another pinned root does not help" 1 "check:   snp.root" \
    "$ENARX" attest verify "$work/ev.bin" --policy "$work/otherpin.toml"
check_command "--expect-measurement right" 0 "the measurement is the expected one" \
    "$ENARX" attest verify "$work/ev.bin" --test-root "$work/chain/chain.pem" --expect-measurement "$m"
check_command "--expect-measurement wrong, naming both" 1 "expected measurement $(printf 'cd%.0s' $(seq 48)), but the evidence says $m" \
    "$ENARX" attest verify "$work/ev.bin" --test-root "$work/chain/chain.pem" --expect-measurement "$(printf 'cd%.0s' $(seq 48))"
check_command "--test-root that is not a root" 2 "no self-signed root" \
    "$ENARX" attest verify "$work/ev.bin" --test-root "$work/chain/vcek.pem"

# ---- enarx keep measure ------------------------------------------------------
exec_bin=$BUILD/bin/enarx-exec
# A Keep takes static executables only, and a sanitizer build's enarx-exec is
# dynamically linked: there the static getatt probe is the exec measured.
if readelf -lW "$exec_bin" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    exec_bin=$BUILD/tests/sev/getatt
fi
check_command "keep measure nil = SHA-384 of the exec" 0 "$(sha384sum "$exec_bin" | cut -d' ' -f1)" \
    "$ENARX" keep measure --backend nil --exec "$exec_bin"
a=$("$ENARX" keep measure --backend kvm --exec "$exec_bin" --json | sed -n 's/.*"measurement": "\(.*\)".*/\1/p')
b=$("$ENARX" keep measure --backend kvm --exec "$exec_bin" | sed -n 's/^measurement: *//p')
c=$("$ENARX" keep measure --backend kvm --exec "$exec_bin" --memory 512M | sed -n 's/^measurement: *//p')
if [ ${#a} -eq 96 ] && [ "$a" = "$b" ] && [ "$a" != "$c" ]; then
    ok "keep measure kvm: reproducible, memory size part of it"
else
    bad "keep measure kvm" "'$a' '$b' '$c'"
fi
cp "$exec_bin" "$work/exec"
printf 'x' | dd of="$work/exec" bs=1 seek=$(($(stat -c %s "$work/exec") - 1)) conv=notrunc 2>/dev/null
d=$("$ENARX" keep measure --backend kvm --exec "$work/exec" | sed -n 's/^measurement: *//p')
if [ -n "$d" ] && [ "$d" != "$a" ]; then
    ok "keep measure kvm: one changed byte of the exec changes it"
else
    # The last byte may lie outside every loaded segment (section headers).
    printf 'x' | dd of="$work/exec" bs=1 seek=4096 conv=notrunc 2>/dev/null
    d=$("$ENARX" keep measure --backend kvm --exec "$work/exec" | sed -n 's/^measurement: *//p')
    [ -n "$d" ] && [ "$d" != "$a" ] && ok "keep measure kvm: a changed loaded byte changes it" ||
        bad "keep measure kvm: a changed exec" "$d"
fi
check_command "keep measure: unknown backend" 1 "cannot measure a Keep of backend 'sgx'" \
    "$ENARX" keep measure --backend sgx
check_command "keep measure: --memory is kvm's and sev's" 2 "--memory is part of a kvm or sev Keep's measurement only" \
    "$ENARX" keep measure --backend nil --memory 1G
check_command "keep measure: not an ELF" 1 "not an ELF" \
    "$ENARX" keep measure --backend kvm --exec "$work/ev.bin"
suite_end
