# Sallyport tests without a VM: unit tests and the hostile-host table run the
# Keep-side client (built with SP_KEEP_TRACE: every reply load is recorded)
# against the host executor in one process; the libFuzzer target feeds the
# client's reply checks arbitrary blocks.
SP_TEST_DIR := $(BUILD)/tests/sallyport

$(SP_TEST_DIR)/keep_trace.o: src/sallyport/keep.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DSP_KEEP_TRACE -MMD -MP -c $< -o $@

$(SP_TEST_DIR)/unit: $(SP_TEST_DIR)/unit.o $(SP_TEST_DIR)/harness.o $(SP_TEST_DIR)/keep_trace.o \
    $(BUILD)/src/sallyport/host.o
	$(CC) $(LDFLAGS) -o $@ $^

# The lying executor (hostile_host.c) is test code: it wraps the real one
# (-Wl,--wrap) in the hostile test and in the test build of enarx
# (tests/keep/module.mk), never in enarx itself.
SP_HOSTILE_WRAP := -Wl,--wrap=sp_host_run_batch

$(SP_TEST_DIR)/hostile: $(SP_TEST_DIR)/hostile.o $(SP_TEST_DIR)/harness.o $(SP_TEST_DIR)/hostile_host.o \
    $(SP_TEST_DIR)/keep_trace.o $(BUILD)/src/sallyport/host.o
	$(CC) $(LDFLAGS) $(SP_HOSTILE_WRAP) -o $@ $^

TEST_DEPS += $(SP_TEST_DIR)/unit $(SP_TEST_DIR)/hostile

$(BUILD)/fuzz/sallyport_reply: tests/sallyport/fuzz_reply.c src/sallyport/keep.c src/sallyport/keep.h \
    src/abi/sallyport.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/sallyport_reply
