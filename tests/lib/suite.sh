# shellcheck shell=bash
# Counters and the result line for test scripts (tests/suites/*.sh and the
# scripts they run). Source it, then:
#
#   ok NAME                 a check passed:  "ok   NAME"
#   bad NAME [WHY]          a check failed:  "FAIL NAME[: WHY]"
#   skipped NAME [WHY]      a check cannot run here: "SKIP NAME[: WHY]"
#   suite_add_result LINE   adds the counts of a "N passed, N failed[, N skipped]" line
#   suite_add_log FILE      adds every such line in FILE (sub-runs of other scripts)
#   suite_run_unit NAME CMD...
#                           runs a unit-test program, shows its output but its
#                           result line, and adds its counts; a program with no
#                           result line, or one that fails while reporting no
#                           failure, counts as one failure
#   check_command NAME STATUS TEXT COMMAND...
#                           COMMAND (stdin /dev/null, at most SUITE_TIMEOUT
#                           seconds, default 20) exits with STATUS and prints
#                           TEXT (stdout and stderr together); still running at
#                           the timeout is a failure (a hang), not a wait
#   suite_skip_all WHY      the whole script cannot run here: says why, prints
#                           "0 passed, 0 failed, 1 skipped" and exits 0
#   suite_end               prints "N passed, N failed[, N skipped]" (skipped
#                           when non-zero) and returns 0 only if nothing failed
#
# SUITE_LABEL, if set, prefixes every check's name. tests/run-suites.sh reads
# the last result line a suite prints (DEVELOPERS.md, "Tests").
pass=0 fail=0 skip=0
SUITE_RESULT_RE='^[0-9]+ passed, [0-9]+ failed'

ok() { pass=$((pass + 1)); echo "ok   ${SUITE_LABEL:-}$1"; }
bad() { fail=$((fail + 1)); echo "FAIL ${SUITE_LABEL:-}$1${2:+: $2}"; }
skipped() { skip=$((skip + 1)); echo "SKIP ${SUITE_LABEL:-}$1${2:+: $2}"; }

suite_add_result() {
    local line=$1 p f s
    p=${line%% passed*}
    f=${line#*passed, }; f=${f%% failed*}
    s=0
    [[ "$line" =~ ,\ ([0-9]+)\ skipped ]] && s=${BASH_REMATCH[1]}
    pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

suite_add_log() {
    local line
    while read -r line; do
        suite_add_result "$line"
    done < <(grep -E "$SUITE_RESULT_RE" "$1")
}

suite_run_unit() {
    local name=$1 out rc line
    shift
    out=$("$@" 2>&1)
    rc=$?
    grep -v -E -e '^ok ' -e "$SUITE_RESULT_RE" <<<"$out"
    line=$(grep -E "$SUITE_RESULT_RE" <<<"$out" | tail -n 1)
    if [ -z "$line" ]; then
        bad "$name" "printed no result (exit status $rc)"
        return
    fi
    echo "$name: $line"
    suite_add_result "$line"
    local f=${line#*passed, }
    f=${f%% failed*}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && bad "$name" "exited with status $rc"
    return 0
}

check_command() {
    local name=$1 want=$2 text=$3 limit=${SUITE_TIMEOUT:-20} out rc
    shift 3
    out=$(timeout "$limit" "$@" 2>&1 </dev/null)
    rc=$?
    if [ "$rc" -eq 124 ] && [ "$want" -ne 124 ]; then
        bad "$name" "still running after $limit s: it hangs"
    elif [ "$rc" -ne "$want" ]; then
        bad "$name" "status $rc, want $want: $(head -c 300 <<<"$out")"
    elif [[ "$out" != *"$text"* ]]; then
        bad "$name" "output lacks [$text]: $(head -c 300 <<<"$out")"
    else
        ok "$name"
    fi
}

suite_skip_all() {
    echo "SKIP: $1"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}

suite_end() {
    local skipped_part=
    [ "$skip" -ne 0 ] && skipped_part=", $skip skipped"
    echo "$pass passed, $fail failed$skipped_part"
    [ "$fail" -eq 0 ]
}
