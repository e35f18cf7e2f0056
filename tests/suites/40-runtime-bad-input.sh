#!/usr/bin/env bash
# Bad input of every kind: each must give a clear message naming the problem
# (and, for Enarx.toml, the file, line and column), the right status, and
# leave nothing half-done (the workload never starts, no file is written).
# Through `enarx run`, and straight into the exec's workload-stream
# interface for what a hostile host could send.
set -u
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
need_exec
EXEC="$BUILD/bin/enarx-exec"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data"

# bad_config NAME TOML EXPECTED-MESSAGE
bad_config() {
    printf '%s\n' "$2" >"$tmp/bad.toml"
    run_enarx --wasmcfgfile "$tmp/bad.toml" "$W/hello.wasm"
    if [ "$status" -eq 2 ] && [[ "$err" == *"$3"* ]] && [ -z "$out" ]; then
        ok "$1"
    else
        bad "$1" "status $status, stdout [$out], stderr [$err]; want 2 and [$3]"
    fi
}

bad_config "malformed TOML" 'args = ["a", ' "bad.toml:2:1"
bad_config "unknown kind" '[[files]]
kind = "pipe"' 'bad.toml:2:8: files[0]: unknown kind "pipe"'
bad_config "unknown key" '[[files]]
kind = "stdin"
colour = "blue"' "bad.toml:3:1"
bad_config "a name with a colon" '[[files]]
kind = "null"
name = "a:b"' "bad.toml:3:8"
bad_config "listen without prot" '[[files]]
kind = "listen"
name = "x"' "prot"
bad_config "a port out of range" '[[files]]
kind = "connect"
prot = "tcp"
host = "127.0.0.1"
port = 70000' "bad.toml:5:8"
bad_config "FD_COUNT set by hand" '[env]
FD_COUNT = "9"' "FD_COUNT"
bad_config "a number where a string belongs" 'args = [1]' "bad.toml:1:9"
printf 'args = ["\xff"]\n' >"$tmp/utf8.toml"
run_enarx --wasmcfgfile "$tmp/utf8.toml" "$W/hello.wasm"
check "invalid UTF-8 in Enarx.toml: status 2" "$status" 2
check_contains "invalid UTF-8 in Enarx.toml: names the place" "$err" "utf8.toml:1:"

# a missing directory: nothing runs and nothing is written anywhere
printf '[[files]]\nkind = "stdout"\n[[files]]\nkind = "dir"\nhost = "data"\nname = "/data"\n[[files]]\nkind = "dir"\nhost = "missing"\nname = "/m"\n' \
    >"$tmp/dirs.toml"
run_enarx --wasmcfgfile "$tmp/dirs.toml" "$W/hello.wasm"
check "a dir entry that does not exist: status 2" "$status" 2
check_contains "a dir entry that does not exist: names it" "$err" "dirs.toml:7:1: cannot open directory '$tmp/missing'"
check "a dir entry that does not exist: the workload never ran" "$out" ""

# --- preopens on pseudo file systems: refused by the file system's type, with the reason ---
# (tests/wasi: the path sandbox itself; here, what may be preopened at all)
pseudo_name() { # mount-table type -> the name the message uses
    case $1 in
        proc) echo procfs ;; sysfs | devtmpfs | debugfs | tracefs | securityfs | configfs | devpts | mqueue) echo "$1" ;;
        cgroup | cgroup2) echo cgroupfs ;; bpf) echo bpffs ;; *) echo "" ;;
    esac
}
refusals=0
for d in /proc /proc/self /sys /sys/kernel/debug /sys/kernel/tracing /sys/kernel/security /sys/kernel/config \
         /sys/fs/cgroup/unified /sys/fs/bpf /dev /dev/pts /dev/mqueue; do
    [ -d "$d" ] || continue
    want=$(pseudo_name "$(findmnt -n -o FSTYPE -T "$d" 2>/dev/null | tail -n 1)")
    [ -n "$want" ] || continue
    run_enarx --dir "$d::/x" "$W/hello.wasm"
    if [ "$status" -eq 2 ] && [ -z "$out" ] && [[ "$err" == *"cannot preopen '$d': it is on $want, a pseudo file system"* ]]; then
        refusals=$((refusals + 1))
    else
        bad "--dir $d ($want) is refused" "status $status, stdout [$out], stderr [$err]"
    fi
done
if [ "$refusals" -ge 2 ]; then ok "--dir on a pseudo file system is refused, naming it ($refusals directories)"; else bad "pseudo file systems to try" "only $refusals found"; fi
run_enarx --dir "/::/x" "$W/hello.wasm"
check "--dir /: status 2" "$status" 2
check_contains "--dir /: procfs is mounted below it" "$err" "cannot preopen '/': '/proc', mounted below it, is procfs"
mkdir -p "$tmp/pp"
if unshare -m --propagation private true 2>/dev/null; then
    err=$(unshare -m --propagation private sh -c 'mount --bind /proc "$1" && "$2" run --dir "$1::/x" "$3"' sh \
          "$tmp/pp" "$ENARX" "$W/hello.wasm" 2>&1)
    check_contains "/proc bound elsewhere is still procfs (by type, not by path)" "$err" "cannot preopen '$tmp/pp': it is on procfs"
else
    skipped "/proc bound elsewhere" "unshare -m is not permitted here"
fi
printf '[[files]]\nkind = "stdout"\n[[files]]\nkind = "dir"\nhost = "/sys"\nname = "/s"\n' >"$tmp/sys.toml"
run_enarx --wasmcfgfile "$tmp/sys.toml" "$W/hello.wasm"
check "Enarx.toml dir on sysfs: status 2" "$status" 2
check_contains "Enarx.toml dir on sysfs: names the place and the reason" "$err" "sys.toml:3:1: cannot preopen '/sys': it is on sysfs"
check "Enarx.toml dir on sysfs: the workload never ran" "$out" ""

# the module itself
printf '\0asm\1\0\0\0\x01\x05\x01\x60' >"$tmp/cut.wasm"
run_enarx "$tmp/cut.wasm"
check "a truncated module: status 2" "$status" 2
check_contains "a truncated module: message" "$err" "is not a valid WebAssembly module"
printf '\0asm\1\0\0\0\x0a\x04\x01\x02\x00\x0b' >"$tmp/nofunc.wasm"
run_enarx "$tmp/nofunc.wasm"
check "code without functions: status 2" "$status" 2
{ printf '\0asm\1\0\0\0'; head -c 300000000 /dev/zero; } >"$tmp/huge.wasm"
run_enarx "$tmp/huge.wasm"
check "a module over 256 MiB: status 2" "$status" 2
check_contains "a module over 256 MiB: message" "$err" "the largest a Keep accepts"
rm -f "$tmp/huge.wasm"

# --- limits on what a workload takes, in the user's words, whichever way it comes ---
# many_args N FILE [MORE-TOML]: an Enarx.toml whose args are N entries ("a", ..., "last")
many_args() {
    { printf 'args = ['; yes '"a",' | head -n $(($1 - 1)) | tr -d '\n'; printf '"last"]\n%b' "${3:-}"; } >"$2"
}
stdout_only='[[files]]\nkind = "null"\n[[files]]\nkind = "stdout"\n'
argv0=$(head -c 4097 /dev/zero | tr '\0' x)
run_enarx --argv0 "$argv0" "$W/args_env.wasm"
check "--argv0 over 4 KiB: status 2" "$status" 2
check_contains "--argv0 over 4 KiB: names the option and the limit" "$err" "--argv0 is 4097 bytes long; the limit is 4096 bytes"
check "--argv0 over 4 KiB: nothing ran" "$out" ""
run_enarx --argv0 "${argv0:1}" "$W/args_env.wasm"
check "--argv0 of exactly 4 KiB runs" "$(sed -n 2p <<<"$out")" "argv[0]=${argv0:1}"
run_enarx --argv0 "" "$W/args_env.wasm"
check_contains "an empty --argv0: names the option" "$status $err" "2 enarx: --argv0 must not be empty"
mapfile -t many < <(seq 70000)
run_enarx "$W/args_env.wasm" "${many[@]}"
check "70,000 command-line arguments: status 2" "$status" 2
check_contains "70,000 command-line arguments: says how many and the limit" "$err" \
    "70000 arguments and environment entries: 70000 arguments after the module, 0 --env, 0 from"
check_contains "70,000 command-line arguments: the limit" "$err" "a workload takes at most 65536"
[[ "$err" == *"workload stream"* ]] && bad "70,000 command-line arguments: no stream jargon" "$err" ||
    ok "70,000 command-line arguments: no stream jargon"
many_args 200000 "$tmp/many.toml"
run_enarx --wasmcfgfile "$tmp/many.toml" "$W/args_env.wasm"
check "200,000 Enarx.toml args: status 2 (the same limit)" "$status" 2
check_contains "200,000 Enarx.toml args: names the file, the key and the limit" "$err" \
    "many.toml:1:8: args: 200000 entries; a workload takes at most 65536"
many_args 36000 "$tmp/half.toml"
run_enarx --wasmcfgfile "$tmp/half.toml" "$W/args_env.wasm" "${many[@]:0:30000}"
check "36,000 Enarx.toml args + 30,000 on the command line: status 2" "$status" 2
check_contains "36,000 Enarx.toml args + 30,000 on the command line: counts both" "$err" \
    "66000 arguments and environment entries: 30000 arguments after the module, 0 --env, 36000 from $tmp/half.toml"
printf 'args = ["%s"]\n' "$(head -c 131073 /dev/zero | tr '\0' y)" >"$tmp/long.toml"
run_enarx --wasmcfgfile "$tmp/long.toml" "$W/args_env.wasm"
check_contains "an Enarx.toml argument over 128 KiB: names it and the limit" "$status $err" \
    "2 enarx: $tmp/long.toml:1:9: args[0]: 131073 bytes; one argument or environment entry may be at most 131072"
# many arguments are fast: lists grow geometrically (50,000 took >100 s under ASan)
many_args 50000 "$tmp/50k.toml" "$stdout_only"
run_enarx --wasmcfgfile "$tmp/50k.toml" "$W/args_env.wasm" b c
check "50,000 Enarx.toml args and 2 more: all arrive" "$status $(grep -c '^argv\[' <<<"$out") $(tail -n 1 <<<"$(grep '^argv' <<<"$out")")" \
    "0 50003 argv[50002]=c"
# many --env entries: each replaces the same name from Enarx.toml or an earlier --env at once
mapfile -t envs < <(seq -f 'E%g=v' 30000)
printf '[env]\nA = "config"\nB = "kept"\n%b' "$stdout_only" >"$tmp/env.toml"
run_enarx --wasmcfgfile "$tmp/env.toml" "${envs[@]/#/--env=}" --env A=cli --env E7=again "$W/args_env.wasm"
check "30,000 --env over Enarx.toml's env: replaced in place, the rest kept (and FD_COUNT, FD_NAMES)" \
    "$status $(grep -c '^env ' <<<"$out") $(grep -E '^env (A|B|E7)=' <<<"$out" | tr '\n' ' ')" \
    "0 30004 env A=cli env B=kept env E7=again "

# --- the exec's host interface, fed directly (what a hostile host could send) ---
stream() { # FILE then frames: TYPE PAYLOAD-FILE ... ; writes a workload stream
    local f=$1
    shift
    printf 'ENARXWL1' >"$f"
    while [ $# -ge 2 ]; do
        frame_header "$1" "$(stat -c %s "$2")" >>"$f"
        cat "$2" >>"$f"
        shift 2
    done
    frame_header 0 0 >>"$f"
}
exec_run() { # STREAM-FILE
    local o e
    o=$(mktemp) e=$(mktemp)
    timeout 30 env -i "$EXEC" 3<"$1" >"$o" 2>"$e"
    status=$?
    out=$(cat "$o") err=$(cat "$e")
    rm -f "$o" "$e"
}

timeout 10 env -i "$EXEC" >/dev/null 2>"$tmp/e" 3<&-
check "exec without a stream: status 2" "$?" 2
check_contains "exec without a stream: message" "$(cat "$tmp/e")" "started by \`enarx run\`"
printf 'NOTENARXxxxxxxxx' >"$tmp/s1"
exec_run "$tmp/s1"
check "stream with a bad magic: status 2" "$status" 2
check_contains "stream with a bad magic: message" "$err" "bad magic"
{ printf ENARXWL1; frame_header 1 $((1 << 40)); } >"$tmp/s2"
exec_run "$tmp/s2"
check "stream claiming a 1 TiB module: status 2" "$status" 2
check_contains "stream claiming a 1 TiB module: message" "$err" "MODULE frame of 1099511627776 bytes exceeds its limit"
head -c 100 "$W/hello.wasm" >"$tmp/part"
{ printf ENARXWL1; frame_header 1 5000; } >"$tmp/s3"
cat "$tmp/part" >>"$tmp/s3"
exec_run "$tmp/s3"
check "stream cut short: status 2" "$status" 2
check_contains "stream cut short: message" "$err" "truncated"
stream "$tmp/s4" 1 "$W/hello.wasm"
exec_run "$tmp/s4"
check "a well-formed stream runs" "$out" "Hello, world!"
printf '[[files]]\nkind = "stdout"\n[[files]]\nkind = "sneaky"\n' >"$tmp/evil.toml"
printf 'Enarx.toml' >"$tmp/name"
stream "$tmp/s5" 1 "$W/hello.wasm" 3 "$tmp/evil.toml" 4 "$tmp/name"
exec_run "$tmp/s5"
check "a config the host did not check: status 2" "$status" 2
check_contains "a config the host did not check: the exec checks it" "$err" 'Enarx.toml:4:8: files[1]: unknown kind "sneaky"'
check "a config the host did not check: nothing ran" "$out" ""
printf '[[files]]\nkind = "connect"\nprot = "tls"\nhost = "127.0.0.1"\nca = "ca.pem"\n' >"$tmp/anchor.toml"
stream "$tmp/s6" 1 "$W/hello.wasm" 3 "$tmp/anchor.toml"
exec_run "$tmp/s6"
check "trust anchors that did not travel: status 2" "$status" 2
check_contains "trust anchors that did not travel: message" "$err" "'ca.pem' did not come with the workload"
# the exec applies the same limit however the host splits the arguments
many_args 65536 "$tmp/full.toml" "$stdout_only"
printf 'one-more' >"$tmp/arg"
stream "$tmp/s7" 1 "$W/args_env.wasm" 3 "$tmp/full.toml" 5 "$tmp/arg"
exec_run "$tmp/s7"
check "65,536 config args and one ARG frame: status 2" "$status" 2
check_contains "65,536 config args and one ARG frame: message" "$err" \
    "65537 arguments and environment entries (65536 from Enarx.toml, 1 from the command line)"
stream "$tmp/s8" 1 "$W/args_env.wasm" 3 "$tmp/full.toml"
exec_run "$tmp/s8"
check "65,536 config args alone: the limit itself is fine" "$status $(grep -c '^argv\[' <<<"$out")" "0 65537"

# the exec checks the directory it opened again (a host could skip its own check): on
# kvm, in a Keep, through the shim's fstatfs
printf '/proc\0/p' >"$tmp/procdir"
stream "$tmp/s7" 1 "$W/hello.wasm" 7 "$tmp/procdir"
if [ "$ENARX_BACKEND" = kvm ]; then
    o=$(mktemp) e=$(mktemp)
    timeout 300 "$ENARX" unstable exec --backend kvm --host-files --fd 3 "$EXEC" 3<"$tmp/s7" >"$o" 2>"$e"
    status=$?
    out=$(cat "$o") err=$(cat "$e")
    rm -f "$o" "$e"
else
    exec_run "$tmp/s7"
fi
check "a DIR frame naming procfs, sent to the exec directly: status 2" "$status" 2
check_contains "a DIR frame naming procfs: the exec says why" "$err" "cannot preopen '/proc': it is on procfs"
check "a DIR frame naming procfs: nothing ran" "$out" ""

suite_end
