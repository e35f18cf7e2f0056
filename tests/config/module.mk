# tests/config: toml-test decoder and comparator, unit tests, fuzz targets.

# toml-test's decoder interface: TOML on stdin, tagged JSON on stdout.
$(BUILD)/bin/toml-decode: $(BUILD)/tests/config/toml_decode.o $(BUILD)/libconfig.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Runs a decoder over toml-test's cases and compares with its expected JSON.
$(BUILD)/tests/config/toml-test-run: $(BUILD)/tests/config/toml_test_run.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

ALL_TARGETS += $(BUILD)/bin/toml-decode
TEST_DEPS += $(BUILD)/tests/config/toml-test-run

# libFuzzer targets: the sources are compiled straight in with clang and the
# fuzzer's instrumentation (the library objects elsewhere are uninstrumented).
FUZZ_CC ?= clang
CONFIG_FUZZ_FLAGS = $(CSTD) -O1 -g $(WARN) -Isrc -Itests/lib -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/toml_parse: tests/config/fuzz_toml_parse.c $(CONFIG_SRCS) $(COMMON_SRCS) src/config/toml.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CONFIG_FUZZ_FLAGS) -o $@ $(filter %.c,$^)

$(BUILD)/fuzz/enarx_config: tests/config/fuzz_enarx_config.c $(CONFIG_SRCS) $(COMMON_SRCS) src/config/toml.h \
		src/config/enarx_config.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CONFIG_FUZZ_FLAGS) -o $@ $(filter %.c,$^)

FUZZ_TARGETS += $(BUILD)/fuzz/toml_parse $(BUILD)/fuzz/enarx_config

# The same targets without libFuzzer, to replay corpora and past findings in
# `make test` (and under ASan/UBSan in `make asan`).
$(BUILD)/tests/config/fuzz-replay-toml_parse: $(BUILD)/tests/config/fuzz_toml_parse.o \
		$(BUILD)/tests/config/fuzz_replay.o $(BUILD)/libconfig.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

$(BUILD)/tests/config/fuzz-replay-enarx_config: $(BUILD)/tests/config/fuzz_enarx_config.o \
		$(BUILD)/tests/config/fuzz_replay.o $(BUILD)/libconfig.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_DEPS += $(BUILD)/tests/config/fuzz-replay-toml_parse $(BUILD)/tests/config/fuzz-replay-enarx_config

# Unit tests (suite 10-config-unit).
$(BUILD)/tests/config/config_unit: $(BUILD)/tests/config/config_unit.o $(BUILD)/libconfig.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

TEST_DEPS += $(BUILD)/tests/config/config_unit
