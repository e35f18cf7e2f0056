# WebAssembly test workloads: C compiled to wasm32-wasi with clang and
# wasi-libc, and hand-written .wat assembled with wabt. Also the example the
# README's `make run` runs (examples/*.c).
WASM_CC ?= clang
WASM_CFLAGS := --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wno-unused-result -Wno-unused-parameter
WAT2WASM ?= wat2wasm

WORKLOADS := $(patsubst tests/workloads/%.c,$(BUILD)/tests/workloads/%.wasm,$(wildcard tests/workloads/*.c)) \
             $(patsubst tests/workloads/%.wat,$(BUILD)/tests/workloads/%.wasm,$(wildcard tests/workloads/*.wat))

$(BUILD)/tests/workloads/%.wasm: tests/workloads/%.c tests/workloads/check.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) $< -o $@
$(BUILD)/tests/workloads/%.wasm: tests/workloads/%.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) --debug-names $< -o $@
# wasi_sandbox runs the unit tests' table of path cases.
$(BUILD)/tests/workloads/wasi_sandbox.wasm: tests/wasi/path_cases.h
$(BUILD)/examples/%.wasm: examples/%.c
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) $< -o $@

TEST_DEPS += $(WORKLOADS)
ALL_TARGETS += $(BUILD)/examples/hello.wasm
BENCH_DEPS += $(BUILD)/tests/workloads/echo.wasm $(BUILD)/tests/workloads/hello.wasm
# The HTTP server workload, also built natively: the fault tests' reference
# and the benchmarks' baseline (bench/run-net.sh).
$(BUILD)/tests/workloads/http_server.native: tests/workloads/http_server.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o $@ $<
TEST_DEPS += $(BUILD)/tests/workloads/http_server.native
# wasi-libc's poll() keeps its subscriptions and events on the stack (80
# bytes per pollfd): at 500 connections that is more than the default 64 KiB
# stack, which then silently overwrote the server's globals. A 1 MiB stack,
# placed first so that an overflow traps instead.
$(BUILD)/tests/workloads/http_server.wasm: WASM_CFLAGS += -Wl,-z,stack-size=1048576 -Wl,--stack-first
BENCH_DEPS += $(BUILD)/tests/workloads/http_server.wasm $(BUILD)/tests/workloads/http_server.native
