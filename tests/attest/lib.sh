# shellcheck shell=bash
# Shared by the suites that run `enarx attest verify` on the shared vectors
# (tests/suites/50-attest-cases, -negative, -policy): the counters of
# tests/lib/suite.sh, ENARX, V (the vectors: the suite is skipped, saying so,
# without them), tmp (a directory removed at exit), and verdict.
: "${BUILD:=build}" "${SHARED_DIR:=../shared}"
ENARX="$BUILD/bin/enarx"
V="$SHARED_DIR/attestation-vectors"
# shellcheck source=tests/lib/suite.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/suite.sh"
[ -f "$V/CASES.tsv" ] || suite_skip_all "$V/CASES.tsv not found (shared attestation vectors absent; set SHARED_DIR)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# verdict NAME STATUS CHECK REASON -- ARGS...: `enarx attest verify ARGS`
# exits with STATUS; a non-empty CHECK must be the check named in the output
# (the one that refused; "pck." stands for any check of that family), a
# non-empty REASON must appear in the output.
verdict() {
    local name=$1 want_rc=$2 want_check=$3 want_reason=$4 out rc why='' end='$'
    shift 5
    [[ "$want_check" == *. ]] && end=
    out=$("$ENARX" attest verify "$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want_rc" ]; then
        why="exit $rc, expected $want_rc"
    elif [ -n "$want_check" ] && ! grep -q "check:   $want_check$end" <<<"$out"; then
        why="refused by the wrong check (want $want_check)"
    elif [ -n "$want_reason" ] && ! grep -qF -- "$want_reason" <<<"$out"; then
        why="the output lacks \"$want_reason\""
    fi
    if [ -z "$why" ]; then
        ok "$name"
    else
        bad "$name" "$why"
        grep -E 'check:|reason:|^enarx' <<<"$out" | sed 's/^/     /'
    fi
}
