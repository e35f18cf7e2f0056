#!/usr/bin/env bash
# A broken stand-in for diff_run, for the self-test in suite 22-engine-diff:
# runs the real driver ($DIFF_REAL_DRIVER) and changes the last line of its
# output, the way an engine bug late in a run would. The loop must report
# every module run through it, even one whose first difference is allowed
# NaN bits.
"${DIFF_REAL_DRIVER:?}" "$@" | sed '$ s/$/ corrupted/'
exit "${PIPESTATUS[0]}"
