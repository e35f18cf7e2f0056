#!/usr/bin/env bash
# The caching verifier against cold verification: a synthetic Intel PKI made
# at run time (certificate reuse under another issuer, times outside validity,
# CRLs given later, stale or re-signed collateral, altered bytes, admission,
# bounds, threads), then every valid case of the shared attestation vectors
# with variations, warm against cold (skipped without $SHARED_DIR).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}" "${SHARED_DIR:=../shared}"
source tests/lib/suite.sh
V="$SHARED_DIR/attestation-vectors"
if [ -f "$V/CASES.tsv" ]; then
    suite_run_unit cache_test "$BUILD/tests/attest/cache_test" "$V"
else
    skipped "the shared-vector part" "$V/CASES.tsv not found (set SHARED_DIR)"
    suite_run_unit cache_test "$BUILD/tests/attest/cache_test"
fi
suite_end
