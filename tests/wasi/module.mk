# Unit tests of the runtime's Keep-side modules, without an engine:
# WASI functions and path sandboxing, the exec's parsers, TLS.
RUNTIME_WASI_UNIT_OBJS = $(filter-out $(BUILD)/src/wasi/link.o,$(WASI_OBJS)) $(TLS_OBJS) $(COMMON_OBJS)

$(BUILD)/tests/wasi/wasi_unit: $(BUILD)/tests/wasi/wasi_unit.o $$(RUNTIME_WASI_UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lssl -lcrypto
$(BUILD)/tests/wasi/exec_unit: $(BUILD)/tests/wasi/exec_unit.o $(BUILD)/src/exec/stream.o $(BUILD)/src/exec/dns.o \
                               $(BUILD)/src/backend/workload_stream.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^
$(BUILD)/tests/wasi/tls_unit: $(BUILD)/tests/wasi/tls_unit.o $$(TLS_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lssl -lcrypto

TEST_DEPS += $(BUILD)/tests/wasi/wasi_unit $(BUILD)/tests/wasi/exec_unit $(BUILD)/tests/wasi/tls_unit
