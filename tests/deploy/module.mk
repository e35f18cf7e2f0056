# Test tools of the deploy suites (tests/suites/45-deploy*.sh).
$(BUILD)/tests/deploy/relay: tests/deploy/relay.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

# A Keep that replays fresh evidence from another connection (test build only).
$(BUILD)/tests/deploy/enarx-exec-replay: $$(filter-out %/exec/main.o,$$(EXEC_OBJS)) $(BUILD)/src/exec/main.o \
    tests/deploy/replay_evidence.c $$(WASI_OBJS) $$(TLS_OBJS) $$(ENGINE_OBJS) $$(CONFIG_OBJS) $$(COMMON_OBJS)
	@mkdir -p $(dir $@)
	set -o pipefail; $(CC) $(CFLAGS) $(LDFLAGS) $(EXEC_STATIC) -Wl,--wrap=exec_evidence -o $@ $(filter %.o,$^) \
	    tests/deploy/replay_evidence.c $(EXEC_LIBS) $(LDLIBS) 2>&1 | \
	    { grep -v -e 'statically linked applications requires at runtime' -e 'in function .*dso_dlfcn' || true; }

TEST_DEPS += $(BUILD)/tests/deploy/relay $(BUILD)/tests/deploy/enarx-exec-replay

# enarx whose deploy Keeps answer the evidence call with the test attester
# (SEV-SNP-format reports signed by a test chain; test build only).
$(BUILD)/tests/deploy/enarx-test-attested: $$(ENARX_OBJS) $$(ENARX_LIBS) $(BUILD)/tests/deploy/test_attested.o \
    $$(TEST_ATTESTER_LIB)
	@mkdir -p $(dir $@)
	set -o pipefail; $(CC) $(LDFLAGS) $(ENARX_STATIC) -Wl,--wrap=backend_deploy -o $@ $(ENARX_OBJS) \
	    $(BUILD)/tests/deploy/test_attested.o $(TEST_ATTESTER_LIB) $(ENARX_LIBS) $(ENARX_LDLIBS) \
	    $(if $(ENARX_STATIC),-lpthread -ldl) $(LDLIBS) 2>&1 | { grep -v -E $(ENARX_LINK_NOISE) || true; }
$(BUILD)/tests/deploy/test_attested.o: CFLAGS += -Itests/attester

TEST_DEPS += $(BUILD)/tests/deploy/enarx-test-attested
