# The SEV-SNP backend (the SNP launcher), linked into enarx next to the KVM
# backend whose VMM parts it builds on (backend/kvm/vmm.h).
SEV_BACKEND_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/backend/sev/*.c))
SEV_BACKEND_LIB  := $(BUILD)/lib/libsev-backend.a

$(SEV_BACKEND_LIB): $(SEV_BACKEND_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The VMM parts it uses come from the KVM backend: named again after it.
ENARX_LIBS  += $(SEV_BACKEND_LIB) $(KVM_BACKEND_LIB) $(SALLYPORT_HOST_LIB)
ALL_TARGETS += $(SEV_BACKEND_LIB)
