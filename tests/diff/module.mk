# Differential testing of the engine against Node's V8 (tests/diff/README in
# docs/engine.md, section "Differential testing"): diff_run drives our engine
# through its public header and prints the canonical output v8_run.mjs prints.
DIFF_RUN := $(BUILD)/tests/diff_run

$(DIFF_RUN): $(BUILD)/tests/diff/diff_run.o $(ENGINE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

TEST_DEPS += $(DIFF_RUN)
