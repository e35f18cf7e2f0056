# The spec-test runner: `make spec` runs the WebAssembly 2.0 core tests
# (wast2json output) from $SPEC_DIR, default $SHARED_DIR/wasm-core-2.0/json.
SPEC_RUNNER := $(BUILD)/tests/spec_runner
SPEC_DIR ?= $(SHARED_DIR)/wasm-core-2.0/json

$(SPEC_RUNNER): $(BUILD)/tests/spec/spec_runner.o $(ENGINE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -ljansson $(ENGINE_LDLIBS)

TEST_DEPS += $(SPEC_RUNNER)

# ENGINE=jit|interp|auto picks the engine's tier (the runner says which ran).
spec: $(SPEC_RUNNER)
	@if [ -d "$(SPEC_DIR)" ]; then ENGINE_TIER=$(ENGINE) $(SPEC_RUNNER) "$(SPEC_DIR)"; \
	else echo "spec: $(SPEC_DIR) not found (set SPEC_DIR or SHARED_DIR); skipped"; fi

# The project's own wast tests (tests/spec/wast/): exact results the core
# suite leaves open (SIMD NaN payloads), run by 30-spec in every tier.
SPEC_OWN_JSON := $(patsubst tests/spec/wast/%.wast,$(BUILD)/tests/spec/wast/%.json,\
                   $(wildcard tests/spec/wast/*.wast))
$(BUILD)/tests/spec/wast/%.json: tests/spec/wast/%.wast
	@mkdir -p $(dir $@)
	wast2json $< -o $@

TEST_DEPS += $(SPEC_OWN_JSON)
