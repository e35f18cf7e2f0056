# The attestation verifier: a static library linked into the enarx command.
# OpenSSL 3 EVP interfaces only: the flags below make any deprecated call a
# compile error.
ATTEST_CFLAGS := -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
ATTEST_LDLIBS := -lcrypto -ljansson

ATTEST_SRCS := $(wildcard src/attest/*.c)
ATTEST_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ATTEST_SRCS))
ATTEST_LIB  := $(BUILD)/lib/libattest.a

$(ATTEST_OBJS) $(BUILD)/src/cli/cmd_attest.o: CFLAGS += $(ATTEST_CFLAGS)

$(ATTEST_LIB): $(ATTEST_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The policy reads TOML with the project's parser (libconfig.a, linked after us).
ENARX_LIBS   += $(ATTEST_LIB) $(BUILD)/libconfig.a
ENARX_LDLIBS += $(ATTEST_LDLIBS)
ALL_TARGETS  += $(ATTEST_LIB)
