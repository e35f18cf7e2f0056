# Tests of src/common: unit tests and the UTF-8 validator's fuzz target.
$(BUILD)/tests/common/unit: $(BUILD)/tests/common/unit.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

TEST_DEPS += $(BUILD)/tests/common/unit

$(BUILD)/fuzz/common_utf8: tests/common/fuzz_utf8.c $(COMMON_SRCS) src/common/utf8.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/common_utf8

# CBOR and the RA-TLS extension codec (src/common/cbor.c, ratls_ext.c).
$(BUILD)/tests/common/cbor_unit: $(BUILD)/tests/common/cbor_unit.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

TEST_DEPS += $(BUILD)/tests/common/cbor_unit

# libFuzzer: the CBOR reader (skip, typed reads) and the RA-TLS extension and
# claims decoders, with an encode/decode round trip of what decodes.
$(BUILD)/fuzz/common_ratls_ext: tests/common/fuzz_ratls_ext.c $(COMMON_SRCS) src/common/cbor.h src/common/ratls_ext.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/common_ratls_ext
