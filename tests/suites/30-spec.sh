#!/usr/bin/env bash
# WebAssembly 2.0 core spec tests through the engine's public API, in both
# tiers: the interpreter, then the JIT (ENGINE_TIER=jit; each function compiled
# on its first call, those it does not handle run in the interpreter; the
# runner says how many it compiled), then tiered (mixed tiers) with machine
# code compiled unmetered, as enarx-exec's (ENGINE_UNMETERED=1: no fuel
# charged, the frame records' top kept in a register; docs/engine.md); the
# memory files once more in the JIT with explicit bounds compares (ENGINE_BOUNDS),
# the float and integer files with the baseline ISA's encodings only
# (ENGINE_BASELINE_ISA: no AVX, no BMI).
# The core tests need the shared test data ($SHARED_DIR/wasm-core-2.0/json, or
# SPEC_DIR); the project's own (tests/spec/wast/) run in every tier first.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:=build}"
source tests/lib/suite.sh
own=$BUILD/tests/spec/wast # the project's own (tests/spec/wast/*.wast)
for tier in interp jit tiered; do
    unmetered=; [ $tier = tiered ] && unmetered=1
    suite_run_unit "own wast ($tier)" env ENGINE_TIER=$tier ENGINE_HOT_CALLS=2 \
        ${unmetered:+ENGINE_UNMETERED=1} "$BUILD/tests/spec_runner" "$own"
done
dir=${SPEC_DIR:-${SHARED_DIR:-../shared}/wasm-core-2.0/json}
if [ -d "$dir" ]; then
    suite_run_unit "spec (interpreter)" env ENGINE_TIER=interp "$BUILD/tests/spec_runner" "$dir"
    suite_run_unit "spec (jit)" env ENGINE_TIER=jit "$BUILD/tests/spec_runner" "$dir"
    # tiered, compiling after 2 calls: the interpreter and machine code call each other
    suite_run_unit "spec (tiered, unmetered)" env ENGINE_TIER=tiered ENGINE_HOT_CALLS=2 \
        ENGINE_UNMETERED=1 "$BUILD/tests/spec_runner" "$dir"
    # the runs above check bounds by guard pages where the host allows (the
    # runner says which); the memory files again with explicit compares
    mem=()
    for f in address align bulk endianness float_memory load store memory memory_copy memory_fill \
        memory_grow memory_init memory_redundancy memory_size memory_trap \
        simd/simd_address simd/simd_load simd/simd_load_extend simd/simd_load_splat simd/simd_load_zero \
        simd/simd_load8_lane simd/simd_load16_lane simd/simd_load32_lane simd/simd_load64_lane \
        simd/simd_store simd/simd_store8_lane simd/simd_store16_lane simd/simd_store32_lane \
        simd/simd_store64_lane; do
        [ -f "$dir/$f.json" ] && mem+=("$dir/$f.json")
    done
    suite_run_unit "spec memory files (jit, explicit bounds checks)" \
        env ENGINE_TIER=jit ENGINE_BOUNDS=explicit "$BUILD/tests/spec_runner" "${mem[@]}"
    # the runs above use AVX's three-operand float arithmetic, rorx and andn
    # where the CPU has them; the float and integer files again without
    flt=("$own"/*.json)
    for f in f32 f64 f32_cmp f64_cmp f32_bitwise f64_bitwise float_exprs float_misc float_memory \
        conversions i32 i64; do
        [ -f "$dir/$f.json" ] && flt+=("$dir/$f.json")
    done
    suite_run_unit "spec float and integer files (jit, baseline ISA: no AVX, no BMI)" \
        env ENGINE_TIER=jit ENGINE_BASELINE_ISA=1 "$BUILD/tests/spec_runner" "${flt[@]}"
else
    skipped "spec" "$dir not found (set SHARED_DIR or SPEC_DIR)"
fi
suite_end
