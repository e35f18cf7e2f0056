# Attestation verifier tests: unit tests, the mutation helper used by the
# generated negative suite, and libFuzzer targets for each parser.
ATTEST_TEST_BINS := $(BUILD)/tests/attest/unit $(BUILD)/tests/attest/mutate

$(BUILD)/tests/attest/unit: $(BUILD)/tests/attest/unit.o $$(ATTEST_LIB) $(BUILD)/libconfig.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ATTEST_LDLIBS)

$(BUILD)/tests/attest/mutate: $(BUILD)/tests/attest/mutate.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/attest/unit.o: CFLAGS += $(ATTEST_CFLAGS)
TEST_DEPS += $(ATTEST_TEST_BINS)

ATTEST_FUZZ_NAMES := snp_report quote csr collateral
ATTEST_FUZZ := $(patsubst %,$(BUILD)/fuzz/attest_%,$(ATTEST_FUZZ_NAMES))
$(BUILD)/tests/attest/fuzz_%.o: CFLAGS += $(ATTEST_CFLAGS)
$(BUILD)/fuzz/attest_%: $(BUILD)/tests/attest/fuzz_%.o $$(ATTEST_LIB) $(BUILD)/libconfig.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(ATTEST_LDLIBS)
# In the fuzz build (make fuzz) the library itself is instrumented too.
ifneq ($(filter fuzz-build,$(MAKECMDGOALS)),)
$(ATTEST_OBJS) $(BUILD)/tests/attest/fuzz_%.o: CFLAGS += -fsanitize=fuzzer-no-link,address,undefined
endif
FUZZ_TARGETS += $(ATTEST_FUZZ)
