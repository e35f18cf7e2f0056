# The attestation verifier: a static library linked into the enarx command.
# OpenSSL 3 EVP interfaces only: the flags below make any deprecated call a
# compile error.
ATTEST_CFLAGS := -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
ATTEST_LDLIBS := -lcrypto -ljansson

# The policy reads TOML with the project's parser (src/config); until that
# parser is in the tree the policy code reports that it is unavailable.
ATTEST_TOML_OBJ := $(if $(wildcard src/config/toml.c),$(BUILD)/src/config/toml.o)
ATTEST_SRCS := $(wildcard src/attest/*.c)
ATTEST_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ATTEST_SRCS))
ATTEST_LIB  := $(BUILD)/lib/libattest.a

$(ATTEST_OBJS) $(BUILD)/src/cli/cmd_attest.o: CFLAGS += $(ATTEST_CFLAGS)
$(BUILD)/src/attest/policy.o: CFLAGS += $(if $(ATTEST_TOML_OBJ),,-DATTEST_NO_TOML)

$(ATTEST_LIB): $(ATTEST_OBJS) $(ATTEST_TOML_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

ENARX_LIBS   += $(ATTEST_LIB)
ENARX_LDLIBS += $(ATTEST_LDLIBS)
ALL_TARGETS  += $(ATTEST_LIB)
