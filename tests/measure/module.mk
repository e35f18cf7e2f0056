# Unit tests of src/measure and the kvm loader's layout record (no KVM).
$(BUILD)/tests/measure/unit: $(BUILD)/tests/measure/unit.o $$(KVM_BACKEND_LIB) $$(SALLYPORT_HOST_LIB) \
    $$(MEASURE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread -lcrypto
TEST_DEPS += $(BUILD)/tests/measure/unit
