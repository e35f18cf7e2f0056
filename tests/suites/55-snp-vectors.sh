#!/usr/bin/env bash
# The SEV-SNP calculator (src/snp) against every public vector in
# $SHARED_DIR/measurement-vectors: launch digests (gce-tcb-verifier,
# sev-snp-measure OVMF and COCONUT-SVSM, sev-snp-measure-go EC2, the
# synthetic Keep layout), VMSA pages, ID blocks, key digests and a
# byte-exact ID_AUTH (skipped when the vectors are absent); then a policy
# pinning a Keep's signer (ID/author key digests) in test-attester reports.
# About 2 s.
set -u
cd "$(dirname "$0")/../.." || exit 2
: "${BUILD:=build}"
# shellcheck source=tests/lib/suite.sh
. tests/lib/suite.sh

suite_run_unit "measurement vectors" "$BUILD/tests/snp/vectors"
suite_run_unit "signer pinning" "$BUILD/tests/snp/pin_unit"
suite_end
