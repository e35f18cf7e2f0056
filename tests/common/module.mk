# Tests of src/common: unit tests and the UTF-8 validator's fuzz target.
$(BUILD)/tests/common/unit: $(BUILD)/tests/common/unit.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

TEST_DEPS += $(BUILD)/tests/common/unit

$(BUILD)/fuzz/common_utf8: tests/common/fuzz_utf8.c $(COMMON_SRCS) src/common/utf8.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/common_utf8
