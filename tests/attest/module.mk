# Attestation verifier tests: unit tests, the mutation helper used by the
# generated negative suite, and libFuzzer targets for each parser.
ATTEST_TEST_BINS := $(BUILD)/tests/attest/unit $(BUILD)/tests/attest/mutate $(BUILD)/tests/attest/cache_test

$(BUILD)/tests/attest/unit: $(BUILD)/tests/attest/unit.o $$(ATTEST_LIB) $(BUILD)/libconfig.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ATTEST_LDLIBS)

# Warm caches against cold runs: a synthetic Intel PKI made at run time, then
# the shared vectors.
$(BUILD)/tests/attest/cache_test: $(BUILD)/tests/attest/cache_test.o $$(ATTEST_LIB) $(BUILD)/libconfig.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(ATTEST_LDLIBS)

$(BUILD)/tests/attest/mutate: $(BUILD)/tests/attest/mutate.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/attest/unit.o $(BUILD)/tests/attest/cache_test.o: CFLAGS += $(ATTEST_CFLAGS)
TEST_DEPS += $(ATTEST_TEST_BINS)

ATTEST_FUZZ_NAMES := snp_report quote csr collateral ratls
ATTEST_FUZZ := $(patsubst %,$(BUILD)/fuzz/attest_%,$(ATTEST_FUZZ_NAMES))
$(BUILD)/tests/attest/fuzz_%.o: CFLAGS += $(ATTEST_CFLAGS)
$(BUILD)/fuzz/attest_%: $(BUILD)/tests/attest/fuzz_%.o $$(ATTEST_LIB) $(BUILD)/libconfig.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(ATTEST_LDLIBS)
# In the fuzz build (make fuzz) the library itself is instrumented too.
ifneq ($(filter fuzz-build,$(MAKECMDGOALS)),)
$(ATTEST_OBJS) $(BUILD)/tests/attest/fuzz_%.o: CFLAGS += -fsanitize=fuzzer-no-link,address,undefined
endif
FUZZ_TARGETS += $(ATTEST_FUZZ)

# RA-TLS certificates and typed evidence, with certificates made at run time
# and the test attester's SNP evidence.
$(BUILD)/tests/attest/ratls_test.o: CFLAGS += $(ATTEST_CFLAGS) -Itests/attester
$(BUILD)/tests/attest/ratls_test: $(BUILD)/tests/attest/ratls_test.o $$(ATTEST_LIB) $$(TEST_ATTESTER_LIB) \
    $(BUILD)/libconfig.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ATTEST_LDLIBS)
TEST_DEPS += $(BUILD)/tests/attest/ratls_test
