# The WebAssembly engine: decoder, validator, compiler to internal code,
# interpreter, runtime. Public API: src/engine/wasm.h. Output: libengine.a.
ENGINE_SRCS := $(wildcard src/engine/*.c src/engine/x86/*.c)
ENGINE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRCS))
ENGINE_LIB  := $(BUILD)/libengine.a
ENGINE_LDLIBS := -lm

# Floats must be IEEE-exact: no contraction into FMA, no errno side effects
# blocking inlined sqrt.
$(ENGINE_OBJS): CFLAGS += -ffp-contract=off -fno-math-errno

$(ENGINE_LIB): $(ENGINE_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

ALL_TARGETS += $(ENGINE_LIB)

# Handlers are addressed as offsets from a base label: they must stay in one
# section (no hot/cold splitting of the interpreter function).
$(BUILD)/src/engine/interp.o: CFLAGS += $(if $(findstring clang,$(CC)),,-fno-reorder-blocks-and-partition)
