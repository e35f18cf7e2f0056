# tests/config: toml-test decoder and comparator, unit tests, fuzz targets.

# toml-test's decoder interface: TOML on stdin, tagged JSON on stdout.
$(BUILD)/bin/toml-decode: $(BUILD)/tests/config/toml_decode.o $(BUILD)/libconfig.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Compares decoder output with toml-test's expected JSON (test-only).
$(BUILD)/tests/config/toml-test-compare: $(BUILD)/tests/config/toml_test_compare.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

ALL_TARGETS += $(BUILD)/bin/toml-decode
TEST_DEPS += $(BUILD)/tests/config/toml-test-compare
