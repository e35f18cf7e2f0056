# Keep conformance programs: small static C programs run natively and with
# `enarx unstable exec` in a KVM Keep (tests/keep/conformance.sh). Built with
# plain flags: they are the exec of a Keep, so no sanitizers (ASan builds
# included) and fully static.
KEEP_PROGS := exit_status io sockets clocks random memory fault fds keeponly
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
$(BUILD)/bench/keep/vmm_setup: $(BUILD)/bench/keep/vmm_setup.o $$(KVM_BACKEND_LIB) $$(SALLYPORT_HOST_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread
BENCH_DEPS += $(BUILD)/bench/keep/vmm_setup
