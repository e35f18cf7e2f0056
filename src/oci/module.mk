# enarx-oci: the runc-compatible OCI runtime (docs/oci.md). Its own binary,
# beside enarx: podman (conmon), containerd (the runc shim's BinaryName) and
# Kubernetes (a CRI RuntimeClass handler) call it; a wasm bundle runs in a
# Keep through `enarx run`, every other bundle is handed to runc.
#
# The runtime's logic is a library (liboci.a) so that the unit tests and the
# config.json fuzz target link exactly the code the binary runs.
OCI_SRCS := $(filter-out src/oci/main.c,$(sort $(wildcard src/oci/*.c)))
OCI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(OCI_SRCS))
OCI_LIB  := $(BUILD)/liboci.a
OCI_LDLIBS := -ljansson

$(OCI_LIB): $(OCI_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/enarx-oci: $(BUILD)/src/oci/main.o $(OCI_LIB) $(BUILD)/libconfig.a $$(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(OCI_LDLIBS) $(LDLIBS)

ALL_TARGETS += $(BUILD)/bin/enarx-oci
