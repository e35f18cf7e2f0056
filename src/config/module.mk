# src/config: the TOML 1.0 parser (toml.h) and the Enarx.toml schema
# (enarx_config.h), as $(BUILD)/libconfig.a. Plain C11 + libc and src/common
# (link $(COMMON_LIB) after it), so that the Keep's static runtime can link it too.
CONFIG_SRCS := $(sort $(wildcard src/config/*.c))
CONFIG_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CONFIG_SRCS))

$(BUILD)/libconfig.a: $(CONFIG_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

ALL_TARGETS += $(BUILD)/libconfig.a

# `enarx config ...` (src/cli/cmd_config.c) needs the library.
ENARX_LIBS += $(BUILD)/libconfig.a
