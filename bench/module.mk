# Benchmarks: `make bench` builds BENCH_DEPS, then runs bench/run.sh, which runs
# every bench/run-<what>.sh (this file builds what run-engine.sh needs; see
# docs/performance.md).
#
# Each kernel in bench/kernels/*.c is built twice, from the same source:
#   $(BUILD)/bench/<kernel>.native   gcc -O2 (the baseline)
#   $(BUILD)/bench/<kernel>.wasm     clang --target=wasm32-wasi -O2 -mbulk-memory
# plus the start-up programs (hello, the large-module generator) and
# timeit, the runner's stopwatch. Override BENCH_NATIVE_CC / BENCH_WASI_CC to
# compare other compilers.
BENCH_DIR        := $(BUILD)/bench
BENCH_NATIVE_CC  ?= gcc
BENCH_WASI_CC    ?= clang --target=wasm32-wasi
BENCH_KFLAGS     := -O2 -std=c11 -Wall -Wextra -Werror
BENCH_KERNELS    := $(sort $(patsubst bench/kernels/%.c,%,$(wildcard bench/kernels/*.c)))
BENCH_NATIVE     := $(patsubst %,$(BENCH_DIR)/%.native,$(BENCH_KERNELS) hello)
BENCH_WASM       := $(patsubst %,$(BENCH_DIR)/%.wasm,$(BENCH_KERNELS) hello)
BENCH_TIMEIT     := $(BENCH_DIR)/timeit
BENCH_GEN        := $(BENCH_DIR)/bigwasm-gen

$(BENCH_DIR)/%.native: bench/kernels/%.c bench/kernels/kernel.h
	@mkdir -p $(dir $@)
	$(BENCH_NATIVE_CC) $(BENCH_KFLAGS) -o $@ $< -lm

$(BENCH_DIR)/%.wasm: bench/kernels/%.c bench/kernels/kernel.h
	@mkdir -p $(dir $@)
	$(BENCH_WASI_CC) $(BENCH_KFLAGS) -mbulk-memory -o $@ $<

$(BENCH_DIR)/hello.native: bench/startup/hello.c
	@mkdir -p $(dir $@)
	$(BENCH_NATIVE_CC) $(BENCH_KFLAGS) -o $@ $<

$(BENCH_DIR)/hello.wasm: bench/startup/hello.c
	@mkdir -p $(dir $@)
	$(BENCH_WASI_CC) $(BENCH_KFLAGS) -mbulk-memory -o $@ $<

# Host tools: built like the project's own C (warnings, sanitizers).
$(BENCH_TIMEIT): $(BUILD)/bench/timeit.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

$(BENCH_GEN): $(BUILD)/bench/startup/bigwasm-gen.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

# The engine's test harness (tests/engine/module.mk; that file is read after
# this one, so its variable is not set yet): the large-module breakdown uses it.
BENCH_DEPS += $(BENCH_NATIVE) $(BENCH_WASM) $(BENCH_TIMEIT) $(BENCH_GEN) $(BUILD)/tests/wasm_run
# Suite 25-bench-kernels runs every kernel once, small, natively and in the engine.
TEST_DEPS  += $(BENCH_NATIVE) $(BENCH_WASM)
