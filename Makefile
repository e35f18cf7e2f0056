# Top-level build. Each subsystem describes itself in its own module.mk
# (src/<subsystem>/module.mk, tests/<area>/module.mk, bench/module.mk), so
# work on one subsystem never edits this file.
#
#   make            build everything into $(BUILD)
#   make test       build, then run every suite in tests/suites/
#   make asan       the whole test suite under AddressSanitizer + UBSan
#   make fuzz       build the libFuzzer targets (clang) and run each briefly
#   make bench      benchmarks (native vs our engine vs Node's V8)
#   make spec       the WebAssembly spec-test conformance run
#   make run        the main job: a workload in a Keep, on the best backend

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Wno-unused-parameter
CSTD     := -std=c11 -D_GNU_SOURCE
SAN      ?=
CFLAGS   := $(CSTD) $(OPT) $(WARN) $(SAN) -Isrc -Itests/lib $(EXTRA_CFLAGS)
LDFLAGS  := $(SAN) $(EXTRA_LDFLAGS)
LDLIBS   :=

# Where the read-only shared test data lives (tests skip, saying so, when absent).
SHARED_DIR ?= $(abspath ../shared)
export SHARED_DIR BUILD

# Filled in by module.mk files.
ALL_TARGETS  :=   # everything `make` builds
TEST_DEPS    :=   # extra things `make test` needs built (test binaries, test .wasm)
FUZZ_TARGETS :=   # libFuzzer binaries (built by `make fuzz` only)
BENCH_DEPS   :=   # what `make bench` needs

# Prerequisites like $$(ENARX_OBJS) are expanded after every module.mk is read.
.SECONDEXPANSION:
include $(sort $(wildcard src/*/module.mk src/*/*/module.mk tests/*/module.mk bench/module.mk))

.PHONY: all deps test asan fuzz fuzz-build bench spec run clean lint

deps:
	@scripts/deps.sh

all: $(ALL_TARGETS)

test: deps
	@$(MAKE) --no-print-directory all $(TEST_DEPS)
	@tests/run-suites.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

fuzz: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=build/fuzz OPT="-O1 -g" fuzz-build
	@BUILD=build/fuzz scripts/run-fuzz.sh $(FUZZ_SECONDS)

fuzz-build: $(FUZZ_TARGETS)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_DEPS)
	@bench/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-example.sh

lint:
	@scripts/lint.sh

clean:
	rm -rf build

# Generic compile rule; modules add target-specific flags where they differ.
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
