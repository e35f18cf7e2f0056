# The enarx command. Each subsystem that contributes a subcommand adds its
# objects/libraries to ENARX_OBJS / ENARX_LIBS (and linker flags to ENARX_LDLIBS)
# in its own module.mk.
ENARX_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/cli/*.c))

# Linked statically (not PIE), like enarx-exec: `enarx run` starts two processes,
# and in these VMs every first-touch page fault costs ~50 us. Dynamically linked,
# ld.so relocating libcrypto costs ~140 page faults and 2.5 M instructions before
# main (`enarx --version`: 186 faults; static: 43; static PIE: 133, its own
# relocations of libcrypto's tables). The price is a fixed load address for the
# binary (stack, heap and mmap stay randomised). Sanitizer builds link
# dynamically (ASan cannot be static); ENARX_STATIC= (empty) or -static-pie
# switches it.
ENARX_STATIC ?= $(if $(SAN),,-static)
# glibc warns that these libcrypto paths need its shared NSS/dlopen at run
# time; enarx never resolves names and never loads OpenSSL engines or providers.
# `enarx deploy --host NAME` resolves NAME with getaddrinfo (numeric addresses need no NSS).
ENARX_LINK_NOISE := -e 'statically linked applications requires at runtime' -e 'libcrypto-lib-(dso_dlfcn|bio_addr|bio_sock)\.o.: in function' \
    -e 'in function .deploy_connect.:'

$(BUILD)/bin/enarx: $$(ENARX_OBJS) $$(ENARX_LIBS)
	@mkdir -p $(dir $@)
	set -o pipefail; $(CC) $(LDFLAGS) $(ENARX_STATIC) -o $@ $(ENARX_OBJS) $(ENARX_LIBS) $(ENARX_LDLIBS) \
	    $(if $(ENARX_STATIC),-lpthread -ldl) $(LDLIBS) 2>&1 | { grep -v -E $(ENARX_LINK_NOISE) || true; }
	@test -x $@

ALL_TARGETS += $(BUILD)/bin/enarx

# libFuzzer target for the mount-table parser of the preopen checks.
$(BUILD)/fuzz/mountinfo: tests/fuzz/mountinfo.c src/cli/preopen_check.c src/cli/preopen_check.h src/config/preopen_fs.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/mountinfo
