# SEV-SNP Keep side, without hardware: the shim's SNP code (src/shim/snp)
# compiled a second time for the host, with the hardware primitives (PVALIDATE,
# VMGEXIT, the GHCB MSR) replaced by a model of the CPU, the hypervisor and the
# secure processor (tests/sev/fake_hw.c, tests/sev/psp_guest.c). The shim's
# own build never sees these files.
SNP_TEST_DIR := $(BUILD)/tests/sev
# The pure-logic files of src/shim/snp; hw.c (instructions) and snp.c (the
# glue to the KVM shim) are shim-only.
SNP_SHIM_PURE := $(filter-out src/shim/snp/hw.c src/shim/snp/snp.c,$(wildcard src/shim/snp/*.c))
SNP_SHIM_HOST_OBJS := $(patsubst src/%.c,$(SNP_TEST_DIR)/host/%.o,$(SNP_SHIM_PURE))

$(SNP_TEST_DIR)/host/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(SNP_TEST_DIR)/shim_unit: $(SNP_TEST_DIR)/shim_unit.o $(SNP_TEST_DIR)/fake_hw.o $(SNP_SHIM_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

TEST_DEPS += $(SNP_TEST_DIR)/shim_unit

# The guest request against the secure-processor model (OpenSSL, test-only).
$(SNP_TEST_DIR)/guest_request_test: $(SNP_TEST_DIR)/guest_request_test.o $(SNP_TEST_DIR)/fake_hw.o \
    $(SNP_TEST_DIR)/psp_guest.o $(SNP_SHIM_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto

$(SNP_TEST_DIR)/psp_guest.o: CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
TEST_DEPS += $(SNP_TEST_DIR)/guest_request_test

# The glue (snp.c) itself, on the model, with the rest of the shim stubbed
# (tests/sev/shim_stubs.c).
SNP_GLUE_HOST_OBJ := $(SNP_TEST_DIR)/host/shim/snp/snp.o
# With --attester it also makes evidence signed by the test attester's chain
# (tests/attester, test-only), for `enarx attest verify --test-root`.
$(SNP_TEST_DIR)/snp_start_test: $(SNP_TEST_DIR)/snp_start_test.o $(SNP_TEST_DIR)/shim_stubs.o \
    $(SNP_TEST_DIR)/fake_hw.o $(SNP_TEST_DIR)/psp_guest.o $(SNP_GLUE_HOST_OBJ) $(SNP_SHIM_HOST_OBJS) \
    $$(TEST_ATTESTER_LIB) $$(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto
TEST_DEPS += $(SNP_TEST_DIR)/snp_start_test

# libFuzzer: every reply the shim's SNP code reads from the host.
SNP_FUZZ_SRCS := tests/sev/fuzz_guest.c $(addprefix src/shim/snp/,aes_gcm.c cpuid.c ghcb.c guest_msg.c guest_req.c vc.c)
$(BUILD)/fuzz/snp_guest: $(SNP_FUZZ_SRCS) $(wildcard src/shim/snp/*.h) src/abi/snp_guest.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/snp_guest

# The shim's SNP start-up on the image the SEV launcher builds (sev_build,
# the host's own code: $(SEV_HOST_LIBS) from tests/snp/module.mk).
$(SNP_TEST_DIR)/launch_image_test.o: CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
$(SNP_TEST_DIR)/launch_image_test: $(SNP_TEST_DIR)/launch_image_test.o $(SNP_TEST_DIR)/shim_stubs.o \
    $(SNP_TEST_DIR)/fake_hw.o $(SNP_TEST_DIR)/psp_guest.o $(SNP_GLUE_HOST_OBJ) $(SNP_SHIM_HOST_OBJS) \
    $$(SEV_HOST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto -ljansson -lpthread
TEST_DEPS += $(SNP_TEST_DIR)/launch_image_test

# The secure processor's guest-message part plugged into the model of KVM
# and the secure processor (tests/sev/model*.c, built by tests/snp/module.mk).
$(SNP_TEST_DIR)/model_hook_test.o: CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
$(SNP_TEST_DIR)/model_hook_test: $(SNP_TEST_DIR)/model_hook_test.o $(SNP_TEST_DIR)/fake_hw.o \
    $(SNP_TEST_DIR)/psp_guest.o $(SNP_SHIM_HOST_OBJS) $$(SEV_MODEL_OBJS) $$(SEV_HOST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto -ljansson -lpthread
TEST_DEPS += $(SNP_TEST_DIR)/model_hook_test
