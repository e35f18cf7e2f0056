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

# the same programs auto-vectorized (SIMD)
$(BUILD)/tests/engine/perf/%.simd.wasm: tests/engine/perf/%.c
	@mkdir -p $(dir $@)
	$(WASI_CC) -O3 -msimd128 -o $@ $<

$(BUILD)/tests/engine/perf/%.native: tests/engine/perf/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $< -lm

ENGINE_PROG_SIMD := $(patsubst %,$(BUILD)/tests/engine/perf/%.simd.wasm,$(ENGINE_PROGS))
TEST_DEPS += $(ENGINE_PROG_WASM) $(ENGINE_PROG_SIMD) $(ENGINE_PROG_NATIVE) $(WASM_RUN)

# libFuzzer target over decode + validate + compile + instantiate + calls. The
# engine is rebuilt with coverage and sanitizers for it (fuzz build only).
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
ENGINE_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(ENGINE_SRCS))

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -ffp-contract=off -fno-math-errno -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@

# (-MMD above and the headers here: a changed struct layout must rebuild everything)
$(BUILD)/fuzz/engine_module: tests/engine/fuzz_engine_module.c $(ENGINE_FUZZ_OBJS) $(wildcard src/engine/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $(filter %.c %.o,$^) -lm

FUZZ_TARGETS += $(BUILD)/fuzz/engine_module

# Trap backtraces: bounded work however deep the stack (white box: reads the
# store's work counter).
BACKTRACE_TEST := $(BUILD)/tests/backtrace_test
$(BACKTRACE_TEST): $(BUILD)/tests/engine/backtrace_test.o $(ENGINE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)
TEST_DEPS += $(BACKTRACE_TEST)

# Differential test of peephole fusion on generated programs.
GEN_DIFF := $(BUILD)/tests/gen_diff
$(GEN_DIFF): $(BUILD)/tests/engine/gen_diff.o $(ENGINE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)
TEST_DEPS += $(GEN_DIFF)
