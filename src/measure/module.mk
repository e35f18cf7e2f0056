# Keep measurements (src/measure/measure.h). libmeasure.a: the layout
# description and its digests, which the kvm backend's loader uses (link it
# after libkvm-backend.a; SHA-384 from libcrypto). keep.c, `enarx keep
# measure`'s per-backend measurement, uses the backends: linked into enarx
# as an object.
MEASURE_LIB := $(BUILD)/lib/libmeasure.a

$(MEASURE_LIB): $(BUILD)/src/measure/layout.o
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

ENARX_OBJS  += $(BUILD)/src/measure/keep.o
ENARX_LIBS  += $(MEASURE_LIB)
ALL_TARGETS += $(MEASURE_LIB)
