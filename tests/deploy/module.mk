# Test tools of the deploy suites (tests/suites/45-deploy*.sh).
$(BUILD)/tests/deploy/relay: tests/deploy/relay.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

# A Keep that replays fresh evidence from another connection (test build only).
$(BUILD)/tests/deploy/enarx-exec-replay: $$(filter-out %/exec/main.o,$$(EXEC_OBJS)) $(BUILD)/src/exec/main.o \
    tests/deploy/replay_evidence.c $$(WASI_OBJS) $$(TLS_OBJS) $$(EXEC_ENGINE_OBJS) $$(EXEC_CONFIG_OBJS) $$(COMMON_OBJS)
	@mkdir -p $(dir $@)
	set -o pipefail; $(CC) $(CFLAGS) $(LDFLAGS) $(EXEC_STATIC) -Wl,--wrap=exec_evidence -o $@ $(filter %.o,$^) \
	    tests/deploy/replay_evidence.c $(EXEC_LIBS) $(LDLIBS) 2>&1 | \
	    { grep -v -e 'statically linked applications requires at runtime' -e 'in function .*dso_dlfcn' || true; }

TEST_DEPS += $(BUILD)/tests/deploy/relay $(BUILD)/tests/deploy/enarx-exec-replay
