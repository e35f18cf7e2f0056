# Engine unit tests and the wasm_run test harness (a minimal WASI shim for
# the engine's own tests and benchmarks; the real WASI layer is src/wasi).
WASM_RUN := $(BUILD)/tests/wasm_run

$(WASM_RUN): $(BUILD)/tests/engine/wasm_run.o $(ENGINE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

TEST_DEPS += $(WASM_RUN)

# Unit tests: test modules are written as .wat and compiled with wat2wasm.
ENGINE_TEST := $(BUILD)/tests/engine_test
ENGINE_TEST_WASM := $(patsubst tests/engine/wat/%.wat,$(BUILD)/tests/engine/wat/%.wasm,$(wildcard tests/engine/wat/*.wat))

$(BUILD)/tests/engine/wat/%.wasm: tests/engine/wat/%.wat
	@mkdir -p $(dir $@)
	wat2wasm --debug-names $< -o $@

$(ENGINE_TEST): $(BUILD)/tests/engine/engine_test.o $(ENGINE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

TEST_DEPS += $(ENGINE_TEST) $(ENGINE_TEST_WASM)

# Small C programs (tests/engine/perf/*.c) built for wasm32-wasi and natively;
# suite 20-engine-programs runs both and compares their output.
ENGINE_PROGS := $(patsubst tests/engine/perf/%.c,%,$(wildcard tests/engine/perf/*.c))
ENGINE_PROG_WASM := $(patsubst %,$(BUILD)/tests/engine/perf/%.wasm,$(ENGINE_PROGS))
ENGINE_PROG_NATIVE := $(patsubst %,$(BUILD)/tests/engine/perf/%.native,$(ENGINE_PROGS))
WASI_CC ?= clang --target=wasm32-wasi

$(BUILD)/tests/engine/perf/%.wasm: tests/engine/perf/%.c
	@mkdir -p $(dir $@)
	$(WASI_CC) -O2 -o $@ $<

$(BUILD)/tests/engine/perf/%.native: tests/engine/perf/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $< -lm

TEST_DEPS += $(ENGINE_PROG_WASM) $(ENGINE_PROG_NATIVE) $(WASM_RUN)
