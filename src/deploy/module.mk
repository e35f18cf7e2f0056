# The client side of `enarx deploy` (docs/deploy.md): linked into enarx.
DEPLOY_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/deploy/*.c))
ENARX_OBJS += $(DEPLOY_OBJS)

# libFuzzer target: the Keep's messages as the client parses them.
$(BUILD)/fuzz/deploy_client_msg: tests/fuzz/deploy_client_msg.c src/deploy/messages.c src/deploy/deploy.h src/abi/deploy.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/deploy_client_msg
# libssl before the libcrypto the other modules add.
ENARX_LDLIBS := -lssl $(ENARX_LDLIBS)
