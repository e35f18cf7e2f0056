# The host agent, `enarx host` (docs/deploy.md): linked into enarx.
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/agent/*.c))
ENARX_OBJS += $(AGENT_OBJS)

# libFuzzer target: the preamble, the only client bytes the agent reads.
$(BUILD)/fuzz/agent_preamble: tests/fuzz/agent_preamble.c src/agent/preamble.c src/agent/agent.h src/abi/deploy.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/agent_preamble
