# src/snp: SEV-SNP formats and computations without hardware (launch digest,
# VMSA, ID blocks and keys): libsnp.a, host side, OpenSSL 3 (no deprecated
# interfaces, as src/attest).
SNP_SRCS := $(sort $(wildcard src/snp/*.c))
SNP_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(SNP_SRCS))
SNP_LIB  := $(BUILD)/lib/libsnp.a

$(SNP_OBJS): CFLAGS += -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED

$(SNP_LIB): $(SNP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

ALL_TARGETS  += $(SNP_LIB)
ENARX_LIBS   += $(SNP_LIB)
ENARX_LDLIBS += -lcrypto
