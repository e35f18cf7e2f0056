# enarx-exec: the Keep runtime, one statically linked executable holding the
# engine, WASI, the Enarx.toml reader and TLS. Sanitizer builds link it
# dynamically (ASan cannot be static).
EXEC_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/exec/*.c))
EXEC_STATIC := $(if $(SAN),,-static)
EXEC_LIBS = -lssl -lcrypto -lpthread -ldl $(ENGINE_LDLIBS)

$(BUILD)/bin/enarx-exec: $$(EXEC_OBJS) $$(WASI_OBJS) $$(TLS_OBJS) $$(ENGINE_OBJS) $$(CONFIG_OBJS) \
                       $$(COMMON_OBJS)
	@mkdir -p $(dir $@)
	set -o pipefail; $(CC) $(LDFLAGS) $(EXEC_STATIC) -o $@ $^ $(EXEC_LIBS) $(LDLIBS) 2>&1 | \
	    { grep -v -e 'statically linked applications requires at runtime' -e 'in function .*dso_dlfcn' || true; }
	@test -x $@

ALL_TARGETS += $(BUILD)/bin/enarx-exec

# libFuzzer target for the workload-stream parser (and the DNS reply parser).
$(BUILD)/fuzz/exec_stream: tests/fuzz/exec_stream.c src/exec/stream.c src/exec/stream.h src/exec/grow.h \
    src/abi/workload_stream.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
$(BUILD)/fuzz/exec_dns: tests/fuzz/exec_dns.c src/exec/dns.c src/exec/dns.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
# ... and the deploy mode's launch record and client messages.
$(BUILD)/fuzz/deploy_keep_msg: tests/fuzz/deploy_keep_msg.c src/exec/deploy_msg.c src/exec/deploy.h src/abi/deploy.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/exec_stream $(BUILD)/fuzz/exec_dns $(BUILD)/fuzz/deploy_keep_msg
