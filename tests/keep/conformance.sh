#!/usr/bin/env bash
# Keep conformance: runs each program of tests/keep/progs natively and with
# `enarx unstable exec` in a KVM Keep, and compares what they print and their
# exit status; checks the Keep's messages for faults and for a hostile host.
# Needs a working /dev/kvm (run it through tests/keep/vm.sh where there is
# none). Prints "ok NAME" / "FAIL NAME: why" and "N passed, N failed".
#
# KEEP_OPTS: extra `enarx unstable exec` options (e.g. --sallyport exitless).
# KEEP_LABEL: a prefix for the case names.
# KEEP_QUICK=1: only the I/O, socket, clock and keeponly cases, and five of
# the hostile-host cases.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
P=$BUILD/tests/keep/progs
ENARX=$BUILD/bin/enarx
# The test build of enarx whose sallyport executor lies on request
# (ENARX_SALLYPORT_HOSTILE; tests/sallyport/hostile_host.c).
ENARX_HOSTILE=$BUILD/tests/keep/enarx-hostile
OPTS=${KEEP_OPTS:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/keep-conf.XXXXXX")
trap 'rm -rf "$work"' EXIT
source tests/lib/suite.sh
SUITE_LABEL=${KEEP_LABEL:-}

# run_both NAME STDIN PROG ARGS...: stdout + "status N" of each, in files.
run_both() {
    local name=$1 stdin=$2
    shift 2
    timeout 240 "$@" <"$stdin" >"$work/$name.native" 2>"$work/$name.native.err"
    echo "status $?" >>"$work/$name.native"
    # shellcheck disable=SC2086
    timeout 240 "$ENARX" unstable exec $OPTS "$@" <"$stdin" >"$work/$name.keep" 2>"$work/$name.keep.err"
    echo "status $?" >>"$work/$name.keep"
}

same() {
    local name=$1
    if cmp -s "$work/$name.native" "$work/$name.keep"; then
        ok "$name ($(tail -n 1 "$work/$name.keep"))"
    else
        bad "$name" "the Keep differs from native (< native, > Keep):
$(diff "$work/$name.native" "$work/$name.keep" | head -n 12 | sed 's/^/      /')
$(head -c 600 "$work/$name.keep.err" | sed 's/^/      keep stderr: /')"
    fi
}

QUICK=${KEEP_QUICK:-}

# Exit statuses.
[ -z "$QUICK" ] && for args in "0" "1" "42" "255 _exit" "7 return" "256"; do
    name="exit-status-${args// /-}"
    run_both "$name" /dev/null "$P/exit_status" $args
    same "$name"
done

# I/O bigger than a sallyport block, in both directions.
head -c $((3 << 20)) /dev/urandom >"$work/in3m"
run_both io-stdin-3MiB "$work/in3m" "$P/io" cat
same io-stdin-3MiB
timeout 300 "$P/io" bigwrite </dev/null | cksum >"$work/big.native"
# shellcheck disable=SC2086
timeout 600 "$ENARX" unstable exec $OPTS "$P/io" bigwrite </dev/null 2>"$work/big.err" | cksum >"$work/big.keep"
if cmp -s "$work/big.native" "$work/big.keep"; then ok "io-one-5MiB-write ($(cut -d' ' -f2 "$work/big.keep") bytes)"; else
    bad io-one-5MiB-write "native $(cat "$work/big.native"), keep $(cat "$work/big.keep") $(head -c 300 "$work/big.err")"; fi

# readv and writev far larger than a block (uneven iovecs, an empty one).
timeout 300 "$P/io" bigvec <"$work/in3m" 2>"$work/bigvec.native.err" | cksum >"$work/bigvec.native"
cat "$work/bigvec.native.err" >>"$work/bigvec.native"
# shellcheck disable=SC2086
timeout 600 "$ENARX" unstable exec $OPTS "$P/io" bigvec <"$work/in3m" 2>"$work/bigvec.keep.err" | cksum >"$work/bigvec.keep"
cat "$work/bigvec.keep.err" >>"$work/bigvec.keep"
if cmp -s "$work/bigvec.native" "$work/bigvec.keep"; then ok "io-readv-writev-3MiB ($(tail -n 1 "$work/bigvec.keep"))"; else
    bad io-readv-writev-3MiB "native $(cat "$work/bigvec.native"), keep $(head -c 600 "$work/bigvec.keep")"; fi

for prog in io fds sockets clocks random; do
    run_both "$prog" /dev/null "$P/$prog"
    same "$prog"
done

if [ -z "$QUICK" ]; then
# Memory to 1 GiB and back (twice), in a 2 GiB Keep.
run_both memory-1GiB /dev/null "$P/memory" 1024
same memory-1GiB

# fatal_cases PREFIX PROG [HELD]: for each "ARG PHRASE" line of stdin, PROG
# ARG must end the same natively and in the Keep (output and status) and
# enarx's message must contain PHRASE. The ARGs listed in HELD are held to
# "about to: ARG" and status 139 instead of the host's behaviour.
fatal_cases() {
    local prefix=$1 prog=$2 held=" ${3:-} " how phrase name
    while read -r how phrase; do
        name="$prefix-$how"
        run_both "$name" /dev/null "$P/$prog" "$how"
        [[ $held == *" $how "* ]] && printf 'about to: %s\nstatus 139\n' "$how" >"$work/$name.native"
        if ! cmp -s "$work/$name.native" "$work/$name.keep"; then
            same "$name"
        elif ! grep -q -- "$phrase" "$work/$name.keep.err"; then
            bad "$name" "no '$phrase' in enarx's message: $(head -c 400 "$work/$name.keep.err")"
        else
            ok "$name ($(tail -n 1 "$work/$name.keep"), \"$phrase\")"
        fi
    done
}

# Faults: same status as a native process killed by the signal, and a
# message from enarx saying what happened.
fatal_cases fault fault <<'EOF'
write-ro writing read-only memory
mprotect-none reading
null reading unmapped memory
exec-data executing non-executable memory
ud2 invalid opcode
div0 divide error
int3 breakpoint
abort signal 6
stack page fault
EOF

# Faults delivered to the program's own handlers (the shim's signal frames):
# the handled cases compared line by line with Linux, then the fatal ones
# (a fault while its signal is blocked, a handler that cannot be entered,
# corrupt frames given to rt_sigreturn) end with the status Linux gives and
# the Keep's message. Reserved MXCSR bits or XSAVE header bits in the
# returned FP image: Linux kills the process on some versions and silently
# clears them on others (6.1); the Keep always stops, so those two are held
# to Linux's SIGSEGV status, not to the host's.
run_both signals /dev/null "$P/signals"
same signals
fatal_cases signals signals "bad-mxcsr bad-xheader" <<'EOF'
nested the signal is blocked
bad-handler its address is outside the workload's memory
bad-rip corrupt signal frame (SIGSEGV): rt_sigreturn found a return address
bad-cs corrupt signal frame (SIGSEGV): rt_sigreturn found a code segment
bad-mxcsr corrupt signal frame (SIGSEGV): rt_sigreturn found an FP state XRSTOR would refuse
bad-xheader corrupt signal frame (SIGSEGV): rt_sigreturn found an FP state XRSTOR would refuse
bad-fpptr corrupt signal frame (SIGSEGV): rt_sigreturn found an FP state pointer
EOF

fi

# What only a Keep does.
# shellcheck disable=SC2086
timeout 300 "$ENARX" unstable exec $OPTS "$P/keeponly" >"$work/keeponly" 2>"$work/keeponly.err"
if diff -u tests/keep/expected/keeponly "$work/keeponly" >"$work/keeponly.diff"; then ok keeponly; else
    bad keeponly "$(head -n 20 "$work/keeponly.diff") $(head -c 300 "$work/keeponly.err")"; fi

# A hostile host: one damaged reply field; the Keep must stop with a
# violation naming the call (status 1), and the host must survive.
if [ ! -x "$ENARX_HOSTILE" ]; then
    bad hostile-host "$ENARX_HOSTILE is not built (make $ENARX_HOSTILE)"
fi
while [ -x "$ENARX_HOSTILE" ] && read -r spec prog arg call; do
    # The quick pass (the exit-less sallyport) keeps one case per kind of
    # check: the checks themselves do not depend on how the host was called.
    if [ -n "$QUICK" ]; then
        case "$spec" in
            read:ret:add:1 | write:rsp_seq:add:-1 | poll:ret:add:1 | accept4:arg1/2:set:99 | dup:ret:add:1) ;;
            *) continue ;;
        esac
    fi
    # shellcheck disable=SC2086
    ENARX_SALLYPORT_HOSTILE=$spec timeout 300 "$ENARX_HOSTILE" unstable exec $OPTS "$P/$prog" $arg \
        <"$work/in3m" >"$work/hostile.out" 2>"$work/hostile.err"
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "sallyport violation in $call" "$work/hostile.err"; then
        ok "hostile-$spec ($(grep -o 'sallyport violation in [^;]*' "$work/hostile.err" | head -n 1))"
    else
        bad "hostile-$spec" "status $rc: $(head -c 400 "$work/hostile.err")"
    fi
done <<'EOF'
read:ret:add:1 io cat read
read#3:ret:set:-5000 io cat read
write:ret:add:7 random - write
clock_gettime#5:arg1+8/8:set:1000000000 clocks - clock_gettime
clock_gettime#9:arg1/8:set:0 clocks - clock_gettime
socket:ret:set:1 sockets - socket
accept4:arg1/2:set:99 sockets - accept4
poll:ret:add:1 sockets - poll
fstat:arg1+56/8:set:-1 io cat fstat
pipe2:arg0/4:set:0 fds - pipe2
write:rsp_seq:add:-1 random - write
read:ret:add:5 io - readv
dup:ret:add:1 fds - dup
fstat:arg1+48/8:set:-1 fds - fstat
getsockname:arg2/4:set:-1 sockets - getsockname
getsockname#2:arg1/2:set:2 sockets - getsockname
EOF

# enarx itself has no such mode: the same variable changes nothing.
if [ -z "$QUICK" ]; then
    "$P/io" cat <"$work/in3m" >"$work/ignore.native" 2>/dev/null
    # shellcheck disable=SC2086
    ENARX_SALLYPORT_HOSTILE=read:ret:add:1 timeout 300 "$ENARX" unstable exec $OPTS "$P/io" cat \
        <"$work/in3m" >"$work/ignore.keep" 2>"$work/ignore.err"
    rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$work/ignore.native" "$work/ignore.keep"; then
        ok "enarx ignores ENARX_SALLYPORT_HOSTILE ($(cat "$work/ignore.keep"))"
    else
        bad "enarx ignores ENARX_SALLYPORT_HOSTILE" "status $rc: $(head -c 400 "$work/ignore.keep" "$work/ignore.err")"
    fi
fi

[ -n "$QUICK" ] && { suite_end; exit; }

# The VMM's measurement at launch (hashed from guest memory before the first
# instruction) equals the offline one (`enarx keep measure`, the same loader
# into a scratch mapping): the layout cannot drift between the two.
for mem in "" 512M; do
    "$ENARX" unstable exec ${mem:+--memory $mem} --measured-launch "$P/exit_status" </dev/null >/dev/null \
        2>"$work/measure.err"
    rc=$?
    launch=$(sed -n 's/^enarx: launch measurement //p' "$work/measure.err")
    offline=$("$ENARX" keep measure --backend kvm ${mem:+--memory $mem} --exec "$P/exit_status" |
        sed -n 's/^measurement: *//p')
    if [ "$rc" -eq 0 ] && [ ${#launch} -eq 96 ] && [ "$launch" = "$offline" ]; then
        ok "launch measurement = enarx keep measure (${mem:-2G}: ${launch:0:16}...)"
    else
        bad "launch measurement ${mem:-2G}" "status $rc, launch '$launch', offline '$offline': $(head -c 300 "$work/measure.err")"
    fi
done

# Bad executables get a clear error, not a crash.
echo "not an elf" >"$work/text"
"$ENARX" unstable exec "$work/text" >/dev/null 2>"$work/e1"; rc1=$?
"$ENARX" unstable exec /bin/true >/dev/null 2>"$work/e2"; rc2=$?
"$ENARX" unstable exec "$work/missing" >/dev/null 2>"$work/e3"; rc3=$?
head -c 100 "$P/fault" >"$work/trunc"
"$ENARX" unstable exec "$work/trunc" >/dev/null 2>"$work/e4"; rc4=$?
if [ $rc1 -eq 1 ] && grep -q "not an ELF" "$work/e1" && [ $rc2 -eq 1 ] && grep -q "dynamically linked" "$work/e2" &&
    [ $rc3 -eq 1 ] && grep -q "cannot open" "$work/e3" && [ $rc4 -eq 1 ] && grep -q "outside the file" "$work/e4"; then
    ok "bad-executables (text, dynamic, missing, truncated)"
else
    bad bad-executables "$rc1 $(cat "$work/e1") | $rc2 $(cat "$work/e2") | $rc3 $(cat "$work/e3") | $rc4 $(cat "$work/e4")"
fi

suite_end
