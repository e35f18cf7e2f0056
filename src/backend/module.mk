# Keep backends (host side): linked into the enarx command.
ENARX_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/backend/*.c))
# `enarx platform info --json` (src/cli/cmd_platform.c) writes JSON with jansson.
ENARX_LDLIBS += -ljansson
