#!/usr/bin/env bash
# Upstream Enarx's wasm scenarios rebuilt in C/WAT, and the WASI coverage
# workloads, all through `enarx run` on $TEST_BACKEND (default nil): exit
# statuses, exact output, traps with their backtrace, and the sandbox.
set -u
cd "$(dirname "$0")/../.."
source tests/e2e/lib.sh
need_exec
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- upstream's scenarios ---
run_enarx "$W/hello.wasm"
check "hello: status" "$status" 0
check "hello: stdout" "$out" "Hello, world!"

run_enarx "$BUILD/examples/hello.wasm"
check "example: stdout" "$out" "Hello, world! I am main.wasm, running in an Enarx Keep."

run_enarx "$W/return_1.wasm"
check "return_1 (_start returning i32): status 0" "$status" 0
run_enarx "$W/return_1_default.wasm"
check "return_1 (the \"\" export): status 0" "$status" 0
run_enarx "$W/args_sizes.wasm"
check "wasi_snapshot1 (args_sizes_get): status 0" "$status" 0

run_enarx "$W/no_export.wasm"
check "no_export: status 1" "$status" 1
check_contains "no_export: message" "$err" "has no _start function"

head -c 2097152 /dev/urandom >"$tmp/in"
timeout 60 "$ENARX" run "$W/echo.wasm" <"$tmp/in" >"$tmp/out"
check "echo: status" "$?" 0
if cmp -s "$tmp/in" "$tmp/out"; then ok "echo: 2 MiB byte-exact"; else bad "echo: 2 MiB byte-exact" "$(cmp "$tmp/in" "$tmp/out" 2>&1)"; fi
cat "$tmp/in" | timeout 60 "$ENARX" run "$W/echo.wasm" | cat >"$tmp/out2"
if cmp -s "$tmp/in" "$tmp/out2"; then ok "echo: 2 MiB byte-exact through pipes"; else bad "echo through pipes" "$(cmp "$tmp/in" "$tmp/out2" 2>&1)"; fi

run_enarx "$W/memspike.wasm"
check "memspike: status" "$status" 0
check "memspike: stdout" "$out" "memspike: 16000000 bytes, checksum 644655"

run_enarx "$W/memstress.wasm"
check "memory_stress_test: status" "$status" 0
check "memory_stress_test: stdout" "$out" "memstress: 152 allocations up to 33554432 bytes"

got=$(printf 'Hello, World! 0123\n' | timeout 60 "$ENARX" run "$W/rot13.wasm")
check "zerooneone (rot13)" "$got" "Uryyb, Jbeyq! 0123"
head -c 1048576 /dev/urandom | base64 >"$tmp/text"
timeout 60 "$ENARX" run "$W/rot13.wasm" <"$tmp/text" | timeout 60 "$ENARX" run "$W/rot13.wasm" >"$tmp/back"
if cmp -s "$tmp/text" "$tmp/back"; then ok "rot13 twice is the identity (1.4 MB)"; else bad "rot13 twice is the identity"; fi

# zerooneone_pkg: the same with an Enarx.toml that names the standard streams
printf '[[files]]\nkind = "stdin"\n[[files]]\nkind = "stdout"\n[[files]]\nkind = "stderr"\n' >"$tmp/stdio.toml"
got=$(printf 'Hello, World!\n' | timeout 60 "$ENARX" run --wasmcfgfile "$tmp/stdio.toml" "$W/rot13.wasm")
check "zerooneone_pkg (rot13 with Enarx.toml)" "$got" "Uryyb, Jbeyq!"
got=$(printf 'Hello\n' | ENARX_WASMCFGFILE="$tmp/stdio.toml" timeout 60 "$ENARX" run "$W/rot13.wasm")
check "zerooneone_pkg through ENARX_WASMCFGFILE" "$got" "Uryyb"

# --- logging ---
run_enarx --log-level trace "$W/hello.wasm"
check_contains "--log-level trace shows every WASI call" "$err" "wasi fd_write(1, "
check "--log-level trace leaves stdout alone" "$out" "Hello, world!"
ENARX_LOG=debug run_enarx "$W/hello.wasm"
check_contains "ENARX_LOG=debug" "$err" 'calling "_start"'
run_enarx "$W/hello.wasm"
check "no log by default" "$err" ""

# --- arguments, environment, exit status ---
run_enarx "$W/args_env.wasm" one "two words" ""
check "default argv0 and arguments" "$out" $'argc=4\nargv[0]=main.wasm\nargv[1]=one\nargv[2]=two words\nargv[3]='
run_enarx --argv0 prog --env A=1 --env B="x=y" --env A=2 "$W/args_env.wasm" --env
check "--argv0, --env (the last wins), options after MODULE go to the workload" "$out" \
    $'argc=2\nargv[0]=prog\nargv[1]=--env\nenv A=2\nenv B=x=y'
run_enarx -- "$W/args_env.wasm"
check "-- before MODULE" "$status" 0
for code in 0 1 42 255; do
    run_enarx "$W/exit_code.wasm" "$code"
    check "proc_exit($code) is the exit status" "$status" "$code"
done
run_enarx "$W/exit_big.wasm"
check "proc_exit(300): status 1" "$status" 1
check_contains "proc_exit(300): message" "$err" "status 300"

# --- traps ---
run_enarx "$W/trap.wasm"
check "trap: status 1" "$status" 1
check_contains "trap: the trap" "$err" "integer divide by zero"
check_contains "trap: the function" "$err" "divide"
check_contains "trap: the caller in the backtrace" "$err" "compute"
# An out-of-bounds load: by the interpreter and by the JIT (whose bounds
# checks may be guard pages: then a fault delivered back to the exec, on kvm
# by the shim's signal frames).
for tier in interp jit; do
    run_enarx --engine "$tier" "$W/oob_trap.wasm"
    check "out-of-bounds load ($tier): status 1" "$status" 1
    check_contains "out-of-bounds load ($tier): the trap" "$err" "out of bounds memory access"
    check_contains "out-of-bounds load ($tier): the function" "$err" "load_at"
    check_contains "out-of-bounds load ($tier): the caller in the backtrace" "$err" "sum_until_out"
done
run_enarx "$W/start_trap.wasm"
check "trap in the start function: status 1" "$status" 1
check_contains "trap in the start function: message" "$err" "unreachable"
run_enarx "$W/grow_fail.wasm"
check "memory exhausted: status 1" "$status" 1
check_contains "memory exhausted: the workload's message" "$err" "memory exhausted"
check_contains "memory exhausted: the trap" "$err" "unreachable"
run_enarx "$W/unknown_import.wasm"
check "unknown import: status 1" "$status" 1
check_contains "unknown import: names it" "$err" '"env" "host_magic"'
run_enarx "$W/bad_import_type.wasm"
check "WASI import of the wrong type: status 1" "$status" 1
check_contains "WASI import of the wrong type: message" "$err" 'fd_write": wrong type (i32) -> (i32)'
head -c 100 "$W/hello.wasm" >"$tmp/cut.wasm"
run_enarx "$tmp/cut.wasm"
check "truncated module: status 2" "$status" 2
check_contains "truncated module: message" "$err" "not a valid WebAssembly module"

# --- WASI coverage ---
run_enarx "$W/wasi_misc.wasm" a "b c"
check "wasi_misc: status" "$status" 0
check_contains "wasi_misc: checks" "$out" ", 0 failed"
[ "$status" -ne 0 ] && echo "$out" | grep FAIL

mkdir -p "$tmp/fx/inside/sub"
echo secret >"$tmp/fx/secret"
printf 'readme\n' >"$tmp/fx/inside/readme"
ln -s ../readme "$tmp/fx/inside/sub/ok"
ln -s ../.. "$tmp/fx/inside/sub/up"
ln -s ../secret "$tmp/fx/inside/escape"
ln -s /etc/passwd "$tmp/fx/inside/abs"
ln -s .. "$tmp/fx/inside/dirlink"
run_enarx --dir "$tmp/fx/inside::/sandbox" "$W/wasi_fs.wasm" /sandbox
check "wasi_fs: status" "$status" 0
check_contains "wasi_fs: checks" "$out" ", 0 failed"
[ "$status" -ne 0 ] && echo "$out" | grep FAIL
check "wasi_fs: nothing leaked outside" "$(ls "$tmp/fx")" $'inside\nsecret'
check "wasi_fs: secret intact" "$(cat "$tmp/fx/secret")" "secret"

# the same through Enarx.toml's dir kind: host path relative to Enarx.toml's directory
printf '[[files]]\nkind = "stdin"\n[[files]]\nkind = "stdout"\n[[files]]\nkind = "stderr"\n[[files]]\nkind = "dir"\nhost = "fx/inside"\nname = "/sandbox"\n' \
    >"$tmp/dir.toml"
enarx_abs=$(realpath "$ENARX") wasm_abs=$(realpath "$W/wasi_fs.wasm")
(cd / && timeout 60 "$enarx_abs" run --wasmcfgfile "$tmp/dir.toml" "$wasm_abs" /sandbox) >"$tmp/dir.out" 2>&1
check "wasi_fs through Enarx.toml's dir kind: status" "$?" 0
check_contains "wasi_fs through Enarx.toml's dir kind: checks" "$(cat "$tmp/dir.out")" ", 0 failed"

# --- the path sandbox from inside: the unit tests' table of cases (tests/wasi/path_cases.h:
# every path function, trailing slashes, dot components, links in and out, depth), on this
# backend's resolver (nil: openat2; the KVM Keep: the component walk), then two workloads on
# one preopen, one swapping a directory and a link to outside while the other runs every path
# function below it
sbx="$tmp/sbx"
if bash tests/wasi/sandbox_fixture.sh "$sbx"; then
    RUN_TIMEOUT=600 run_enarx --dir "$sbx/in::/in" "$W/wasi_sandbox.wasm" table
    check "wasi_sandbox: the table of path cases: status" "$status" 0
    check_contains "wasi_sandbox: the table of path cases" "$out" ", 0 failed"
    [ "$status" -ne 0 ] && { echo "$out" | grep FAIL | head -n 20; echo "$err" | tail -n 5; }
    # outside: every object, its links, size and times (a read changes the atime)
    outside_state() { stat -c '%n %i %h %s %Y %X' "$sbx/outside" "$sbx/outside"/* "$sbx/outfile"; }
    before=$(outside_state)
    # shellcheck disable=SC2046
    set -- $(stat -c '%d:%i' "$sbx/outside" "$sbx/outside"/* "$sbx/outfile")
    # under emulation each call costs ~1000 times more
    rounds=${SANDBOX_RACE_ROUNDS:-$([ "$ENARX_BACKEND" = kvm ] && echo 10 || echo 300)}
    timeout 900 "$ENARX" run --dir "$sbx/in::/in" "$W/wasi_sandbox.wasm" race-flip 600 >"$tmp/flip.out" 2>&1 </dev/null &
    flipper=$!
    RUN_TIMEOUT=900 run_enarx --dir "$sbx/in::/in" "$W/wasi_sandbox.wasm" race-probe "$rounds" "$@"
    wait "$flipper"
    flip_status=$?
    check "two workloads racing on one preopen: the prober reached nothing outside" "$status" 0
    [ "$status" -ne 0 ] && echo "$out" | head -n 10
    check_contains "two workloads racing on one preopen: the prober's report" "$out" ": 0 leaks"
    check "two workloads racing on one preopen: the swapper" "$flip_status $(grep -c 'race-flip: [1-9]' "$tmp/flip.out")" "0 1"
    bash tests/wasi/sandbox_fixture.sh "$sbx" repair
    check "two workloads racing on one preopen: outside unchanged" "$(outside_state)" "$before"
    echo "   $out / $(cat "$tmp/flip.out")"
else
    bad "the path sandbox fixture (tests/wasi/sandbox_fixture.sh)" "cannot build it in $sbx"
fi

# stdin is a FIFO written only once the workload says it polled stdin empty
mkfifo "$tmp/poll.in"
timeout 120 "$ENARX" run "$W/wasi_poll.wasm" <"$tmp/poll.in" >"$tmp/poll.out" 2>&1 &
poll_pid=$!
exec 7>"$tmp/poll.in"
for _ in $(seq 1200); do
    grep -q 'waiting for stdin' "$tmp/poll.out" && break
    kill -0 "$poll_pid" 2>/dev/null || break
    sleep 0.05
done
printf 'ping\n' >&7
exec 7>&-
wait "$poll_pid"
check "wasi_poll: status" "$?" 0
got=$(cat "$tmp/poll.out")
check_contains "wasi_poll: checks" "$got" ", 0 failed"
echo "$got" | grep FAIL

# a reader that goes away early must not hang the Keep
head -c 10000000 /dev/zero | timeout 30 "$ENARX" run "$W/echo.wasm" 2>/dev/null | head -c 10 >/dev/null
code=${PIPESTATUS[1]}
if [ "$code" -ne 124 ]; then ok "closed stdout ends the workload (status $code)"; else bad "closed stdout" "timed out"; fi

suite_end
