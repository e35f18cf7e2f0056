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
