#!/usr/bin/env bash
# The SEV-SNP backend end to end, on a host with SNP hardware (an AMD EPYC of
# the Milan generation or later, Linux 6.11 or later with kvm_amd sev_snp=1,
# /dev/sev and /dev/kvm readable and writable by this user). Nothing here
# runs in `make test`: the development machines have no SNP (docs/keep.md,
# "What has run where").
#
#   make && scripts/sev-hardware-check.sh
#
# Checks, in order (each says ok/FAIL, the last line counts them):
#   1. `enarx platform info` finds everything the sev backend needs;
#   2. hello: a WebAssembly module runs in an SNP Keep (`enarx run --backend sev`);
#   3. the WASI test suite in SNP Keeps (tests/suites/40-wasi-testsuite.sh with
#      TEST_BACKEND=sev; skipped without ../shared/wasi-testsuite-p1);
#   4. a Keep's report: the evidence call made from inside an SNP Keep with a
#      fresh 64-byte nonce; `enarx keep measure --backend sev` (computed here,
#      offline) equals the launch digest the VMM expects and the MEASUREMENT in
#      the report; the report verifies against AMD's roots (built into enarx;
#      the VCEK from the extended guest request's certificates, or fetched
#      from AMD's KDS when the host offers none) and carries the nonce;
#   5. a signed Keep: an author key, an ID key, `enarx sign`, the launch with
#      the signatures, and a policy that pins the author key accepts the report.
#
# Environment: BUILD (default build), SHARED_DIR (default ../shared),
# ENARX_SNP_CERTS (a certificate table for the extended guest request, as
# `enarx run` takes it), SEV_CHECK_NO_KDS=1 (never download a VCEK).
set -u
cd "$(dirname "$0")/.." || exit 2
: "${BUILD:=build}"
export BUILD
# shellcheck source=tests/lib/suite.sh
source tests/lib/suite.sh

ENARX=$BUILD/bin/enarx
GETATT=$BUILD/tests/sev/getatt
if [ ! -x "$ENARX" ] || [ ! -x "$GETATT" ]; then
    echo "sev-hardware-check: build first (make): $ENARX and $GETATT are needed"
    exit 2
fi
for tool in jq xxd; do
    command -v "$tool" >/dev/null || { echo "sev-hardware-check: $tool is needed (scripts/deps.sh)"; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ENARX_EXEC=${ENARX_EXEC:-$PWD/$BUILD/bin/enarx-exec}

# ---- 1. the platform ----
"$ENARX" platform info >"$work/platform" 2>&1
sed -n '/Backend: sev/,/^$/p' "$work/platform"
if grep -q "✔ Backend: sev" "$work/platform"; then
    ok "platform info: this host can run SEV-SNP Keeps"
else
    bad "platform info: the sev backend is not available here" "see the hint above"
    suite_end
    exit
fi
CBIT=$(sed -n 's/.*C-bit location in page table entry: \([0-9]*\).*/\1/p' "$work/platform" | head -1)
CBIT=${CBIT:-51}

# ---- 2. hello ----
make --no-print-directory -s "$BUILD/tests/workloads/hello.wasm" >/dev/null 2>&1
if out=$(timeout 120 "$ENARX" run --backend sev "$BUILD/tests/workloads/hello.wasm" 2>&1) &&
    [ "$out" = "Hello, world!" ]; then
    ok "hello in an SNP Keep"
else
    bad "hello in an SNP Keep" "$(head -c 400 <<<"$out")"
fi

# ---- 3. the WASI test suite ----
TEST_BACKEND=sev tests/suites/40-wasi-testsuite.sh >"$work/wasi" 2>&1
grep -E '^(FAIL|SKIP)' "$work/wasi" | head -20
line=$(grep -E "$SUITE_RESULT_RE" "$work/wasi" | tail -1)
if [ -n "$line" ]; then
    echo "WASI test suite in SNP Keeps: $line"
    suite_add_result "$line"
else
    bad "the WASI test suite in SNP Keeps" "printed no result: $(tail -c 300 "$work/wasi")"
fi

# ---- 4. a report from inside the Keep, against the offline measurement ----
head -c 64 /dev/urandom >"$work/nonce"
nonce=$(xxd -p -c 64 "$work/nonce")
expected=$("$ENARX" keep measure --backend sev --c-bit "$CBIT" --exec "$GETATT" | sed -n 's/^measurement: *//p')
timeout 120 "$ENARX" unstable exec --backend sev --measured-launch "$GETATT" <"$work/nonce" \
    >"$work/evidence" 2>"$work/launch"
status=$?
vmm=$(sed -n 's/^enarx: launch measurement //p' "$work/launch")
if [ "$status" -ne 0 ]; then
    bad "the evidence call in an SNP Keep" "status $status: $(head -c 400 "$work/launch")"
elif [ "$vmm" != "$expected" ]; then
    bad "offline measurement = the VMM's launch digest" "keep measure $expected, VMM $vmm"
else
    ok "offline measurement = the VMM's launch digest ($expected)"
fi

# The policy: this launch digest and this nonce.
printf 'report_data = "%s"\n[snp]\nmeasurements = ["%s"]\n' "$nonce" "$expected" >"$work/policy.toml"
verify() { # evidence policy [extra options...]
    local ev=$1 pol=$2
    shift 2
    "$ENARX" attest verify "$ev" --policy "$pol" --json "$@" >"$work/verdict" 2>"$work/verify.err"
    if [ "$(jq -r .verdict "$work/verdict" 2>/dev/null)" = refused ] && [ -z "${SEV_CHECK_NO_KDS:-}" ] &&
        jq -r .hint "$work/verdict" | grep -q 'https://kdsintf.amd.com/'; then
        # No certificates from the host: fetch this chip's VCEK for this TCB from AMD.
        local url
        url=$(jq -r .hint "$work/verdict" | grep -o 'https://kdsintf.amd.com/[^ ]*' | head -1)
        curl -sf -o "$work/vcek.der" "$url" &&
            "$ENARX" attest verify "$ev" --policy "$pol" --json --vcek "$work/vcek.der" "$@" >"$work/verdict" \
                2>"$work/verify.err"
    fi
    [ "$(jq -r .verdict "$work/verdict" 2>/dev/null)" = valid ] &&
        [ "$(jq -r .hardware_rooted "$work/verdict")" = true ] && [ "$(jq -r .test_root "$work/verdict")" = false ]
}
if [ -s "$work/evidence" ] && verify "$work/evidence" "$work/policy.toml" --expect-measurement "$expected"; then
    ok "the report verifies against AMD's roots, with the offline measurement and the nonce"
else
    bad "the report against AMD's roots" "$(jq -c '{verdict, check, reason, hint}' "$work/verdict" 2>/dev/null ||
        head -c 400 "$work/verify.err")"
fi

# ---- 5. a signed Keep ----
"$ENARX" key sev create --out "$work/author.pem" && "$ENARX" key sev create --out "$work/id.pem" &&
    "$ENARX" key sev sign --author-key "$work/author.pem" --id-key "$work/id.pem" --out "$work/id.sig" &&
    "$ENARX" sign --sev-id-key "$work/id.pem" --sev-id-key-signature "$work/id.sig" --c-bit "$CBIT" \
        --out "$work/enarx.sig" "$GETATT" 2>/dev/null
signed=$?
author=$("$ENARX" key sev digest "$work/author.pem")
timeout 120 "$ENARX" unstable exec --backend sev --measured-launch --signatures "$work/enarx.sig" "$GETATT" \
    <"$work/nonce" >"$work/evidence-signed" 2>"$work/launch-signed"
status=$?
printf 'report_data = "%s"\n[snp]\nauthor_key_digests = ["%s"]\n' "$nonce" "$author" >"$work/policy-signed.toml"
if [ "$signed" -ne 0 ] || [ "$status" -ne 0 ]; then
    bad "a signed SNP Keep" "sign $signed, launch $status: $(head -c 400 "$work/launch-signed")"
elif verify "$work/evidence-signed" "$work/policy-signed.toml"; then
    ok "a signed SNP Keep: a policy pinning the author key accepts its report"
else
    bad "a signed SNP Keep's report" "$(jq -c '{verdict, check, reason}' "$work/verdict" 2>/dev/null)"
fi

suite_end
