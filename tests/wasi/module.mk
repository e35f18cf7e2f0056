# Unit tests of the runtime's Keep-side modules, without an engine:
# WASI functions and path sandboxing, the exec's parsers, TLS.
RUNTIME_WASI_UNIT_OBJS = $(filter-out $(BUILD)/src/wasi/link.o,$(WASI_OBJS)) $(TLS_OBJS) $(COMMON_OBJS)

# --wrap=realloc: the test counts the reallocs of list growth.
$(BUILD)/tests/wasi/wasi_unit: $(BUILD)/tests/wasi/wasi_unit.o $$(RUNTIME_WASI_UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -Wl,--wrap=realloc -o $@ $^ -lssl -lcrypto
# The path sandbox under attack: the shared case table, races (a thread, and
# an adversary that runs between the sandbox's own calls: --wrap).
SANDBOX_UNIT_WRAP := $(foreach f,readlinkat openat fstatat mkdirat unlinkat renameat linkat symlinkat,-Wl,--wrap=$(f))
$(BUILD)/tests/wasi/sandbox_unit.o: tests/wasi/path_cases.h
$(BUILD)/tests/wasi/sandbox_unit: $(BUILD)/tests/wasi/sandbox_unit.o $$(RUNTIME_WASI_UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(SANDBOX_UNIT_WRAP) -o $@ $^ -lssl -lcrypto -lpthread
$(BUILD)/tests/wasi/exec_unit: $(BUILD)/tests/wasi/exec_unit.o $(BUILD)/src/exec/stream.o $(BUILD)/src/exec/dns.o \
                               $(BUILD)/src/backend/workload_stream.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^
$(BUILD)/tests/wasi/tls_unit: $(BUILD)/tests/wasi/tls_unit.o $$(TLS_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lssl -lcrypto
# Sockets through the WASI layer, plain and TLS, over loopback TCP.
$(BUILD)/tests/wasi/sock_unit: $(BUILD)/tests/wasi/sock_unit.o $$(RUNTIME_WASI_UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lssl -lcrypto

TEST_DEPS += $(BUILD)/tests/wasi/wasi_unit $(BUILD)/tests/wasi/sandbox_unit $(BUILD)/tests/wasi/exec_unit $(BUILD)/tests/wasi/tls_unit \
             $(BUILD)/tests/wasi/sock_unit
