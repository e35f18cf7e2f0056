# Native helpers for the end-to-end suites.
$(BUILD)/tests/e2e/netpeer: tests/e2e/netpeer.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ -lssl -lcrypto
TEST_DEPS += $(BUILD)/tests/e2e/netpeer
# Misbehaving HTTP clients (and a server for connect sockets): 40-runtime-sockets.
$(BUILD)/tests/e2e/httpfault: tests/e2e/httpfault.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ -lssl -lcrypto
TEST_DEPS += $(BUILD)/tests/e2e/httpfault
# bench/run-net.sh picks its free ports with netpeer.
BENCH_DEPS += $(BUILD)/tests/e2e/netpeer
