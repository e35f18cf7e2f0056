# Tests of src/snp (the SEV-SNP calculator): every public measurement vector
# in $SHARED_DIR/measurement-vectors (suite 55-snp-vectors).
$(BUILD)/tests/snp/vectors: $(BUILD)/tests/snp/vectors.o $(SNP_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto -ljansson

$(BUILD)/tests/snp/vectors.o: CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED

TEST_DEPS += $(BUILD)/tests/snp/vectors
