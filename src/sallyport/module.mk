# The sallyport: host executor (linked into enarx) and the Keep-side client.
# The client is freestanding; the shim builds its own copy with the shim's
# flags (src/shim/kvm/module.mk). The hosted copy here serves the tests and
# the fuzzer.
SALLYPORT_HOST_LIB := $(BUILD)/lib/libsallyport-host.a
SALLYPORT_KEEP_LIB := $(BUILD)/lib/libsallyport-keep.a

$(SALLYPORT_HOST_LIB): $(BUILD)/src/sallyport/host.o
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SALLYPORT_KEEP_LIB): $(BUILD)/src/sallyport/keep.o
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

ALL_TARGETS += $(SALLYPORT_HOST_LIB) $(SALLYPORT_KEEP_LIB)
