# TLS inside the exec (Keep side), with a CA bundle compiled in: a Keep never
# reads a trust store from the host at run time.
TLS_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
TLS_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/tls/*.c)) $(BUILD)/src/tls/ca_bundle.o

$(BUILD)/src/tls/ca_bundle.o: $(TLS_CA_BUNDLE) src/tls/module.mk
	@mkdir -p $(dir $@)
	@test -s $(TLS_CA_BUNDLE) || { echo "missing $(TLS_CA_BUNDLE): install ca-certificates" >&2; exit 1; }
	printf '\t.section .rodata\n\t.balign 16\n\t.globl enarx_ca_bundle\n\t.globl enarx_ca_bundle_size\nenarx_ca_bundle:\n\t.incbin "%s"\n1:\n\t.byte 0\n\t.balign 8\nenarx_ca_bundle_size:\n\t.quad 1b - enarx_ca_bundle\n\t.section .note.GNU-stack,"",@progbits\n' \
	    "$(abspath $(TLS_CA_BUNDLE))" > $(BUILD)/src/tls/ca_bundle.S
	$(CC) -c $(BUILD)/src/tls/ca_bundle.S -o $@
