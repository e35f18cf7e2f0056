# Engine unit tests and the wasm_run test harness (a minimal WASI shim for
# the engine's own tests and benchmarks; the real WASI layer is src/wasi).
WASM_RUN := $(BUILD)/tests/wasm_run

$(WASM_RUN): $(BUILD)/tests/engine/wasm_run.o $(ENGINE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

TEST_DEPS += $(WASM_RUN)
# `make` builds it too: bench/ and hand measurements (callgrind) run it, and a
# stale harness after an engine change measures the old engine.
ALL_TARGETS += $(WASM_RUN)

# Unit tests: test modules are written as .wat and compiled with wat2wasm.
ENGINE_TEST := $(BUILD)/tests/engine_test
ENGINE_TEST_WASM := $(patsubst tests/engine/wat/%.wat,$(BUILD)/tests/engine/wat/%.wasm,$(wildcard tests/engine/wat/*.wat))

$(BUILD)/tests/engine/wat/%.wasm: tests/engine/wat/%.wat
	@mkdir -p $(dir $@)
	wat2wasm --debug-names $< -o $@

$(ENGINE_TEST): $(BUILD)/tests/engine/engine_test.o $(ENGINE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

TEST_DEPS += $(ENGINE_TEST) $(ENGINE_TEST_WASM)

# The benchmark kernels (bench/kernels/, built by bench/module.mk, which is
# read before this file) also auto-vectorized (-O3 -msimd128): suite
# 20-engine-programs runs both builds in the engine's harness.
ENGINE_SIMD_KERNELS := $(patsubst %,$(BUILD)/tests/engine/kernels/%.simd.wasm,$(BENCH_KERNELS))

$(BUILD)/tests/engine/kernels/%.simd.wasm: bench/kernels/%.c bench/kernels/kernel.h
	@mkdir -p $(dir $@)
	$(BENCH_WASI_CC) $(BENCH_KFLAGS) -O3 -msimd128 -mbulk-memory -o $@ $<

TEST_DEPS += $(ENGINE_SIMD_KERNELS) $(WASM_RUN)

# libFuzzer target over decode + validate + compile + instantiate + calls. The
# engine is rebuilt with coverage and sanitizers for it (fuzz build only).
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
ENGINE_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(ENGINE_SRCS) $(COMMON_SRCS))

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -ffp-contract=off -fno-math-errno -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@

# (-MMD above and the headers here: a changed struct layout must rebuild everything)
$(BUILD)/fuzz/engine_module: tests/engine/fuzz_engine_module.c $(ENGINE_FUZZ_OBJS) $(wildcard src/engine/*.h src/engine/x86/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $(filter %.c %.o,$^) -lm

FUZZ_TARGETS += $(BUILD)/fuzz/engine_module

# Trap backtraces: bounded work however deep the stack (white box: reads the
# store's work counter).
BACKTRACE_TEST := $(BUILD)/tests/backtrace_test
$(BACKTRACE_TEST): $(BUILD)/tests/engine/backtrace_test.o $(ENGINE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)
TEST_DEPS += $(BACKTRACE_TEST)

# The Spectre v1 masking of bounds checks (white box: an engine internal).
MASKING_TEST := $(BUILD)/tests/masking_test
$(MASKING_TEST): $(BUILD)/tests/engine/masking_test.o $(ENGINE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)
TEST_DEPS += $(MASKING_TEST)

# Differential test of peephole fusion on generated programs.
GEN_DIFF := $(BUILD)/tests/gen_diff
$(GEN_DIFF): $(BUILD)/tests/engine/gen_diff.o $(ENGINE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)
TEST_DEPS += $(GEN_DIFF)
