#!/usr/bin/env bash
# The SEV-SNP calculator (src/snp) against every public vector in
# $SHARED_DIR/measurement-vectors: launch digests (gce-tcb-verifier,
# sev-snp-measure OVMF and COCONUT-SVSM, sev-snp-measure-go EC2, the
# synthetic Keep layout), VMSA pages, ID blocks, key digests and a
# byte-exact ID_AUTH. Skips when the vectors are absent. About 1 s.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
exec "$BUILD/tests/snp/vectors"
