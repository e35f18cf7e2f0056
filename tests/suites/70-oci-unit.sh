#!/usr/bin/env bash
# enarx-oci's unit tests: config.json checks, the state machine (created,
# running, stopped; pid reuse; zombies), the per-id lock, cgroup paths, the
# runtime's settings and the Keep launcher's command line; then the seed
# corpus of the config.json fuzz target through the parser.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
"$BUILD/tests/oci/oci_unit" tests/fuzz/corpus/oci_config
