#!/usr/bin/env bash
# The SEV-SNP Keep side without hardware: the shim's SNP code compiled for
# the host, on a model of the CPU, the hypervisor and the secure processor
# (tests/sev). AES-256-GCM known answers, the guest-message format, the GHCB
# protocol, the validation bookkeeping, the CPUID page, page-table encryption
# bits, #VC; then guest requests round trip through the secure-processor
# model (OpenSSL), with a hostile host tampering, replaying and lying.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
suite_run_unit "snp shim units" "$BUILD/tests/sev/shim_unit"
suite_run_unit "snp guest request" "$BUILD/tests/sev/guest_request_test"
suite_run_unit "snp start-up" "$BUILD/tests/sev/snp_start_test"
suite_end
