#!/usr/bin/env bash
# Unit tests of the attestation verifier's parsers and helpers.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
exec "$BUILD/tests/attest/unit"
