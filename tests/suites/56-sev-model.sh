#!/usr/bin/env bash
# The SEV-SNP host side without SNP hardware: the launcher against the model
# of KVM and the AMD secure processor (tests/sev/model*.c) — unit cases
# (build/tests/sev/model_unit), then the enarx command with the model as its
# kernel (build/tests/sev/enarx-snp-model): `enarx run --backend sev` and
# `enarx unstable exec --backend sev` launch through the model, whose own
# firmware computes the launch digest; it must equal what `enarx keep
# measure --backend sev` prints. Then `enarx key sev` / `enarx sign` and a
# signed launch. About 10 s.
set -u
cd "$(dirname "$0")/../.." || exit 2
: "${BUILD:=build}"
# shellcheck source=tests/lib/suite.sh
. tests/lib/suite.sh

suite_run_unit "model unit" "$BUILD/tests/sev/model_unit"

ENARX=$BUILD/bin/enarx
MODEL=$BUILD/tests/sev/enarx-snp-model
# The exec the Keep is launched with: any static ELF does (the model plays the
# guest, nothing runs it), and a sanitizer build's enarx-exec is not static.
export ENARX_EXEC=$PWD/$BUILD/tests/sev/getatt
HELLO=$BUILD/tests/workloads/hello.wasm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { "$ENARX" keep measure --backend sev "$@" | sed -n 's/^measurement: *//p'; }
field() { sed -n "s/^$1 //p" "$work/report"; }

# The launch through the model, then the model's firmware digest against the calculator.
expect_launch() {
    local name=$1 want_status=$2 want_digest=$3
    shift 3
    local out status
    out=$(SNP_MODEL_REPORT=$work/report timeout 60 "$@" 2>&1 </dev/null)
    status=$?
    if [ "$status" -ne "$want_status" ]; then
        bad "$name" "status $status, want $want_status: $(head -c 300 <<<"$out")"
    elif [ "$(field finished)" != 1 ] || [ -n "$(field error)" ]; then
        bad "$name" "the model: finished=$(field finished) error=$(field error)"
    elif [ "$(field measurement)" != "$want_digest" ]; then
        bad "$name" "the model's firmware measured $(field measurement), enarx keep measure says $want_digest"
    else
        ok "$name"
    fi
}

D=$(measure)
if [ ${#D} -eq 96 ]; then ok "enarx keep measure --backend sev prints a SHA-384"; else bad "keep measure" "got '$D'"; fi
expect_launch "enarx run --backend sev: launch digest = enarx keep measure" 0 "$D" "$MODEL" run --backend sev "$HELLO"
check_command "enarx run --backend sev: the guest's sallyport write reaches stdout" 0 "hello from the SNP model" \
    "$MODEL" run --backend sev "$HELLO"
SNP_MODEL_SCRIPT="psc-shared,exit:7" check_command "enarx run --backend sev: the Keep's exit status" 7 "" \
    "$MODEL" run --backend sev "$HELLO"

D512=$(measure --memory 512M)
if [ "$D512" != "$D" ]; then ok "the memory size is part of the digest"; else bad "memory size" "same digest"; fi
ENARX_KEEP_MEMORY=512M expect_launch "ENARX_KEEP_MEMORY=512M: launch digest = keep measure --memory 512M" 0 "$D512" \
    "$MODEL" run --backend sev "$HELLO"

SNP_MODEL_CPUID_FIXUPS=3 expect_launch "the firmware corrects the CPUID page: one retry, same digest" 0 "$D" \
    "$MODEL" run --backend sev "$HELLO"
if [ "$(field cpuid_attempts)" = 2 ]; then
    ok "CPUID page given twice"
else
    bad "CPUID retry" "$(field cpuid_attempts) attempts"
fi

# unstable exec, as a measured (deploy) Keep: the VMM's own digest too.
out=$(SNP_MODEL_REPORT=$work/report "$MODEL" unstable exec --backend sev --measured-launch "$ENARX_EXEC" 2>&1)
vmm=$(sed -n 's/^enarx: launch measurement //p' <<<"$out")
if [ "$vmm" = "$D" ] && [ "$(field measurement)" = "$D" ]; then
    ok "unstable exec --backend sev --measured-launch: VMM, model and keep measure agree"
else
    bad "unstable exec --measured-launch" "VMM $vmm, model $(field measurement), measure $D: $(head -c 300 <<<"$out")"
fi

# Keys, an ID block, a signed launch.
if "$ENARX" key sev create --out "$work/author.pem" && "$ENARX" key sev create --out "$work/id.pem"; then
    ok "enarx key sev create"
else
    bad "enarx key sev create"
fi
check_command "enarx key sev create never overwrites a key" 1 "never overwritten" \
    "$ENARX" key sev create --out "$work/id.pem"
check_command "enarx key sev sign" 0 "" \
    "$ENARX" key sev sign --author-key "$work/author.pem" --id-key "$work/id.pem" --out "$work/id.sig"
check_command "enarx sign" 0 "signed the SEV-SNP launch digest $D" \
    "$ENARX" sign --sev-id-key "$work/id.pem" --sev-id-key-signature "$work/id.sig" --out "$work/enarx.sig"
expect_launch "enarx run --backend sev --signatures: the firmware accepts the ID block" 0 "$D" \
    "$MODEL" run --backend sev --signatures "$work/enarx.sig" "$HELLO"
id=$("$ENARX" key sev digest "$work/id.pem")
author=$("$ENARX" key sev digest "$work/author.pem")
if [ "$(field id_key_digest)" = "$id" ] && [ "$(field author_key_digest)" = "$author" ]; then
    ok "the launch records the ID and author key digests enarx key sev digest prints"
else
    bad "key digests" "model $(field id_key_digest)/$(field author_key_digest), enarx $id/$author"
fi
check_command "a signature for another memory size is refused by the firmware" 1 "BAD_MEASUREMENT" \
    env ENARX_KEEP_MEMORY=512M "$MODEL" run --backend sev --signatures "$work/enarx.sig" "$HELLO"
"$ENARX" key sev create --out "$work/other.pem"
check_command "enarx sign refuses an author signature made for another ID key" 1 "another ID key" \
    "$ENARX" sign --sev-id-key "$work/other.pem" --sev-id-key-signature "$work/id.sig" --out "$work/x.sig"
check_command "a signatures file from another version is refused" 1 "sign again" \
    "$MODEL" run --backend sev --signatures <(sed 's/"version":"[^"]*"/"version":"0.0.0"/' "$work/enarx.sig") "$HELLO"

# platform info on the model's hosts
check_command "platform info: an SNP host" 0 "✔ Backend: sev" "$MODEL" platform info
SNP_MODEL_NO_SNP=1 check_command "platform info: SNP off says what to do" 0 "sev_snp=1" "$MODEL" platform info

suite_end
