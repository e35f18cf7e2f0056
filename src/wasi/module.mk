# WASI preview 1 (Keep side): linked into enarx-exec (src/exec/module.mk).
WASI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/wasi/*.c))
