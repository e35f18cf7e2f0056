# Engine unit tests and the wasm_run test harness (a minimal WASI shim for
# the engine's own tests and benchmarks; the real WASI layer is src/wasi).
WASM_RUN := $(BUILD)/tests/wasm_run

$(WASM_RUN): $(BUILD)/tests/engine/wasm_run.o $(ENGINE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

TEST_DEPS += $(WASM_RUN)
