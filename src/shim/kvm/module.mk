# The KVM shim: a freestanding ring-0 ELF (no libc, own linker script),
# embedded into the enarx binary by src/backend/kvm. The same shim is the
# SEV-SNP Keep's (src/shim/snp: it finds out at start which it is). It is built with its own
# flags, never the generic CFLAGS (no sanitizers, no PIC, no SSE, kernel code
# model), and links its own copy of the Keep-side sallyport client.
SHIM_DIR  := $(BUILD)/shim
SHIM_ELF  := $(SHIM_DIR)/enarx-shim-kvm
SHIM_SRCS := $(wildcard src/shim/kvm/*.c src/shim/snp/*.c) src/sallyport/keep.c
SHIM_OBJS := $(patsubst %.c,$(SHIM_DIR)/%.o,$(SHIM_SRCS)) $(SHIM_DIR)/src/shim/kvm/entry.o
SHIM_CFLAGS := -std=c11 -O2 -g $(WARN) -Isrc -ffreestanding -fno-pic -fno-pie \
    -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx -mno-80387 \
    -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
    -fcf-protection=none -fno-omit-frame-pointer -fno-strict-aliasing

$(SHIM_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -MMD -MP -c $< -o $@

$(SHIM_DIR)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -MMD -MP -c $< -o $@

$(SHIM_ELF): $(SHIM_OBJS) src/shim/kvm/shim.ld
	$(CC) -nostdlib -static -no-pie -Wl,-T,src/shim/kvm/shim.ld -Wl,--build-id=none \
	    -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -o $@ $(SHIM_OBJS)

ALL_TARGETS += $(SHIM_ELF)
