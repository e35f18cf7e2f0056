# Differential testing of the engine against Node's V8 (tests/diff/README in
# docs/engine.md, section "Differential testing"): diff_run drives our engine
# through its public header and prints the canonical output v8_run.mjs prints.
DIFF_RUN := $(BUILD)/tests/diff_run

$(DIFF_RUN): $(BUILD)/tests/diff/diff_run.o $(ENGINE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

TEST_DEPS += $(DIFF_RUN)

# Regression cases (tests/diff/regress/*.wat, and pending/ for bugs not yet
# fixed), each with the diff_run output it must produce (.expected).
DIFF_REGRESS_WASM := $(patsubst tests/diff/regress/%.wat,$(BUILD)/tests/diff/regress/%.wasm,\
    $(wildcard tests/diff/regress/*.wat tests/diff/regress/pending/*.wat))

$(BUILD)/tests/diff/regress/%.wasm: tests/diff/regress/%.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@

TEST_DEPS += $(DIFF_REGRESS_WASM)

# Findings judged spec-allowed (NaN bits), minimised: the loop must not report
# them (suite 22-engine-diff runs them through it).
DIFF_ALLOWED_WASM := $(patsubst tests/diff/allowed/%.wat,$(BUILD)/tests/diff/allowed/%.wasm,\
    $(wildcard tests/diff/allowed/*.wat))

$(BUILD)/tests/diff/allowed/%.wasm: tests/diff/allowed/%.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@

TEST_DEPS += $(DIFF_ALLOWED_WASM)
