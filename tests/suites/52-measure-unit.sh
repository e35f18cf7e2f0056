#!/usr/bin/env bash
# Unit tests of src/measure (the layout description, the kvm digest against
# an independently computed value) and of the kvm loader's record of the
# Keep's initial pages (what it covers; every input that reaches memory
# changes the measurement). No KVM needed. The launch-time digest against
# the offline one runs in 60-keep-vm (it needs a Keep).
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
suite_run_unit measure "$BUILD/tests/measure/unit" "$BUILD/bin/enarx-exec"
suite_end
