# tests/oci: enarx-oci's unit tests (suite 70-oci-unit) and the config.json
# fuzz target. The engine suites (71-oci-podman, 72-oci-containerd) use the
# binaries, tests/oci/*.sh and the CRI client generated at test time.
$(BUILD)/tests/oci/oci_unit: $(BUILD)/tests/oci/oci_unit.o $(OCI_LIB) $(BUILD)/libconfig.a $$(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(OCI_LDLIBS) $(LDLIBS)

TEST_DEPS += $(BUILD)/tests/oci/oci_unit $(BUILD)/bin/enarx-oci $(BUILD)/tests/workloads/oci_probe.wasm

# libFuzzer: config.json through the full parser and the wasm-or-not peek.
OCI_FUZZ_CC ?= clang
$(BUILD)/fuzz/oci_config: tests/oci/fuzz_oci_config.c src/oci/spec.c src/oci/spec.h
	@mkdir -p $(dir $@)
	$(OCI_FUZZ_CC) $(CSTD) -O1 -g $(WARN) -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ $(filter %.c,$^) -ljansson

FUZZ_TARGETS += $(BUILD)/fuzz/oci_config

# `make bench` (bench/run-oci.sh): a static native hello for the runc side.
$(BUILD)/bench/oci/hello-native: bench/startup/hello.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -o $@ $<

BENCH_DEPS += $(BUILD)/bin/enarx-oci $(BUILD)/bench/oci/hello-native $(BUILD)/bench/hello.wasm
