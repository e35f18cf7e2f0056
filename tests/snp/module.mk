# Tests of src/snp (the SEV-SNP calculator): every public measurement vector
# in $SHARED_DIR/measurement-vectors (suite 55-snp-vectors).
$(BUILD)/tests/snp/vectors: $(BUILD)/tests/snp/vectors.o $(SNP_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto -ljansson

$(BUILD)/tests/snp/vectors.o: CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED

TEST_DEPS += $(BUILD)/tests/snp/vectors

# The SEV-SNP host side against the model of KVM and the secure processor
# (tests/sev/model*.c; suite 56-sev-model). The rules live here, beside the
# vectors, so that tests/sev/module.mk stays the shim tests' own.
SEV_MODEL_SRCS := tests/sev/model_kernel.c tests/sev/model_psp.c tests/sev/model_guest.c
SEV_MODEL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(SEV_MODEL_SRCS))
SEV_HOST_LIBS := $(SEV_BACKEND_LIB) $(KVM_BACKEND_LIB) $(SALLYPORT_HOST_LIB) $(MEASURE_LIB) $(SNP_LIB) $(COMMON_LIB)

$(SEV_MODEL_OBJS) $(BUILD)/tests/sev/model_unit.o $(BUILD)/tests/sev/enarx_model.o: \
    CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED

$(BUILD)/tests/sev/model_unit: $(BUILD)/tests/sev/model_unit.o $(SEV_MODEL_OBJS) $$(SEV_HOST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/tests/sev/model_unit.o $(SEV_MODEL_OBJS) $(SEV_HOST_LIBS) -lcrypto -ljansson -lpthread

TEST_DEPS += $(BUILD)/tests/sev/model_unit

# enarx with the model as its kernel (tests/sev/enarx_model.c): the CLI paths
# (`enarx run --backend sev`, `unstable exec --backend sev`, `platform info`)
# against the model. Linked like enarx (src/cli/module.mk).
ENARX_SNP_MODEL := $(BUILD)/tests/sev/enarx-snp-model
$(ENARX_SNP_MODEL): $$(ENARX_OBJS) $(BUILD)/tests/sev/enarx_model.o $(SEV_MODEL_OBJS) $$(ENARX_LIBS)
	@mkdir -p $(dir $@)
	set -o pipefail; $(CC) $(LDFLAGS) $(ENARX_STATIC) -Wl,--wrap=vmm_kernel_host -o $@ $(ENARX_OBJS) \
	    $(BUILD)/tests/sev/enarx_model.o $(SEV_MODEL_OBJS) $(ENARX_LIBS) $(ENARX_LDLIBS) \
	    $(if $(ENARX_STATIC),-lpthread -ldl) $(LDLIBS) 2>&1 | { grep -v -E $(ENARX_LINK_NOISE) || true; }
	@test -x $@
TEST_DEPS += $(ENARX_SNP_MODEL)

# A policy pinning an SNP Keep's signer (ID/author key digests) against test
# attester reports.
$(BUILD)/tests/snp/pin_unit.o: CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED -Itests/attester
$(BUILD)/tests/snp/pin_unit: $(BUILD)/tests/snp/pin_unit.o $(TEST_ATTESTER_LIB) $(ATTEST_LIB) $(BUILD)/libconfig.a \
    $(SNP_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto -ljansson
TEST_DEPS += $(BUILD)/tests/snp/pin_unit

# libFuzzer targets: the certificate table and the signatures file (operator
# inputs), and the SEV-SNP VMM's exit loop against raw exits through the model.
$(BUILD)/fuzz/snp_certs: tests/snp/fuzz_certs.c src/snp/certs.c src/snp/snp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
$(BUILD)/fuzz/snp_signatures: tests/snp/fuzz_signatures.c src/snp/signatures.c src/common/file.c src/snp/snp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@ -ljansson
SEV_EXITS_FUZZ_SRCS := tests/sev/fuzz_exits.c $(SEV_MODEL_SRCS) $(wildcard src/backend/sev/*.c) \
    $(wildcard src/backend/kvm/*.c) src/sallyport/host.c src/measure/layout.c $(wildcard src/snp/*.c) \
    src/common/file.c src/common/unattested.c
$(BUILD)/fuzz/sev_exits: $(SEV_EXITS_FUZZ_SRCS) $(BUILD)/src/backend/kvm/shim_blob.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DOPENSSL_API_COMPAT=30000 -fsanitize=fuzzer,address,undefined $(filter %.c,$^) \
	    $(BUILD)/src/backend/kvm/shim_blob.o -o $@ -lcrypto -ljansson -lpthread
FUZZ_TARGETS += $(BUILD)/fuzz/snp_certs $(BUILD)/fuzz/snp_signatures $(BUILD)/fuzz/sev_exits

# The evidence-call probe the SNP hardware check runs as a Keep's exec
# (scripts/sev-hardware-check.sh): static, plain flags, as a Keep needs.
$(BUILD)/tests/sev/getatt: tests/sev/getatt.c src/abi/evidence.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Isrc -static -o $@ $<
ALL_TARGETS += $(BUILD)/tests/sev/getatt
