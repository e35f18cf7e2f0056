# The KVM backend (the VMM), linked into enarx with the sallyport host
# executor and the embedded shim.
KVM_BACKEND_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/backend/kvm/*.c)) \
    $(BUILD)/src/backend/kvm/shim_blob.o
KVM_BACKEND_LIB := $(BUILD)/lib/libkvm-backend.a

$(BUILD)/src/backend/kvm/shim_blob.o: src/backend/kvm/shim_blob.S $$(SHIM_ELF)
	@mkdir -p $(dir $@)
	$(CC) -c -DSHIM_PATH='"$(SHIM_ELF)"' $< -o $@

$(KVM_BACKEND_LIB): $(KVM_BACKEND_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

ENARX_LIBS   += $(KVM_BACKEND_LIB) $(SALLYPORT_HOST_LIB)
ENARX_LDLIBS += -lpthread
ALL_TARGETS  += $(KVM_BACKEND_LIB)
