# The test attester (TEST-ONLY, tests/attester/test_attester.h): a library
# for test builds and a command-line tool. Never part of enarx or enarx-exec.
TEST_ATTESTER_LIB := $(BUILD)/lib/libtest-attester.a
TEST_ATTESTER_LDLIBS := -lcrypto

$(BUILD)/tests/attester/%.o: CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED

$(TEST_ATTESTER_LIB): $(BUILD)/tests/attester/test_attester.o
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/attester/enarx-test-attester: $(BUILD)/tests/attester/main.o $(TEST_ATTESTER_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_ATTESTER_LDLIBS)

TEST_DEPS += $(TEST_ATTESTER_LIB) $(BUILD)/tests/attester/enarx-test-attester
