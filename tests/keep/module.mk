# Keep conformance programs: small static C programs run natively and with
# `enarx unstable exec` in a KVM Keep (tests/keep/conformance.sh). Built with
# plain flags: they are the exec of a Keep, so no sanitizers (ASan builds
# included) and fully static.
KEEP_PROGS := exit_status io sockets clocks random memory fault fds keeponly signals
KEEP_PROG_BINS := $(patsubst %,$(BUILD)/tests/keep/progs/%,$(KEEP_PROGS))

$(BUILD)/tests/keep/progs/%: tests/keep/progs/%.c tests/keep/progs/prog.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -static -o $@ $<

TEST_DEPS += $(KEEP_PROG_BINS)

# Benchmark kernel for bench/run-keep.sh (a static program, like the above).
$(BUILD)/bench/keep/syscall_rt: bench/keep/syscall_rt.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -static -o $@ $<
BENCH_DEPS += $(BUILD)/bench/keep/syscall_rt $(KEEP_PROG_BINS)

# The VMM's set-up work outside KVM (runs anywhere): bench/run-keep.sh.
$(BUILD)/bench/keep/vmm_setup: $(BUILD)/bench/keep/vmm_setup.o $$(KVM_BACKEND_LIB) $$(SALLYPORT_HOST_LIB) \
    $$(MEASURE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread -lcrypto
BENCH_DEPS += $(BUILD)/bench/keep/vmm_setup

# The test build of enarx with a lying sallyport executor: the hostile-host
# wrapper (tests/sallyport/hostile_host.c) put between the VMM and the
# executor (-Wl,--wrap=sp_host_run_batch), driven by ENARX_SALLYPORT_HOSTILE.
# tests/keep/conformance.sh runs its hostile-host cases with it; enarx itself
# has no such mode. Linked like enarx (src/cli/module.mk).
ENARX_HOSTILE := $(BUILD)/tests/keep/enarx-hostile
$(ENARX_HOSTILE): $$(ENARX_OBJS) $(BUILD)/tests/sallyport/hostile_host.o $$(ENARX_LIBS)
	@mkdir -p $(dir $@)
	set -o pipefail; $(CC) $(LDFLAGS) $(ENARX_STATIC) $(SP_HOSTILE_WRAP) -o $@ $(ENARX_OBJS) \
	    $(BUILD)/tests/sallyport/hostile_host.o $(ENARX_LIBS) $(ENARX_LDLIBS) $(if $(ENARX_STATIC),-lpthread -ldl) \
	    $(LDLIBS) 2>&1 | { grep -v -E $(ENARX_LINK_NOISE) || true; }
	@test -x $@
TEST_DEPS += $(ENARX_HOSTILE)

# libFuzzer: rt_sigreturn's checks of the signal frame the exec hands back
# (src/shim/kvm/sigframe.c, pure, compiled for the host); every FP image
# they accept is loaded with XRSTOR on this CPU.
$(BUILD)/fuzz/sigframe: tests/keep/fuzz_sigframe.c src/shim/kvm/sigframe.c src/shim/kvm/sigframe.h \
    src/shim/kvm/regs.h src/abi/kvm_boot.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@
FUZZ_TARGETS += $(BUILD)/fuzz/sigframe
