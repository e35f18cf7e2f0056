# src/common: small dependency-free helpers shared by host-side and Keep-side
# code (UTF-8 validation, reading user-named files safely): libcommon.a.
# Plain C11 + libc; not for the freestanding shim.
COMMON_SRCS := $(sort $(wildcard src/common/*.c))
COMMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRCS))
COMMON_LIB  := $(BUILD)/lib/libcommon.a

$(COMMON_LIB): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

ALL_TARGETS += $(COMMON_LIB)

# The enarx command links the objects themselves: its archives (libconfig.a,
# libattest.a, ...) use them, and objects need no place in the archive order.
ENARX_OBJS += $(COMMON_OBJS)
