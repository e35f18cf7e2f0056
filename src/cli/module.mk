# The enarx command. Each subsystem that contributes a subcommand adds its
# objects/libraries to ENARX_OBJS / ENARX_LIBS (and linker flags to ENARX_LDLIBS)
# in its own module.mk.
ENARX_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/cli/*.c))

$(BUILD)/bin/enarx: $$(ENARX_OBJS) $$(ENARX_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(ENARX_OBJS) $(ENARX_LIBS) $(ENARX_LDLIBS) $(LDLIBS)

ALL_TARGETS += $(BUILD)/bin/enarx
