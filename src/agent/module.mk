# The host agent, `enarx host` (docs/deploy.md): linked into enarx.
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/agent/*.c))
ENARX_OBJS += $(AGENT_OBJS)
