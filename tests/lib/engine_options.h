/* The engine's module options from the environment, for the programs that
 * drive the engine in tests and measurements (wasm_run, diff_run,
 * spec_runner). The engine itself reads no environment: these programs pass
 * what they read here to wasm_module_new_with.
 *
 *   ENGINE_NO_FUSE=1  translate without peephole fusion
 *   ENGINE_LAZY=1     translate every function on its first call
 *   ENGINE_EAGER=1    translate every function at load (wins over ENGINE_LAZY)
 *   ENGINE_DUMP=1     print every function's internal code to stderr (and
 *                     translate at load, so that all of them are printed)
 *   ENGINE_TIER=jit|interp|tiered|auto  the tier (default: the engine's choice)
 *   ENGINE_HOT_CALLS=N  tiered: calls before a function is compiled
 *   ENGINE_PERF_MAP=1 machine code symbols in /tmp/perf-<pid>.map, for perf
 *   ENGINE_UNMETERED=1  machine code that charges no fuel, as enarx-exec's
 *                     (for programs that never set fuel: spec_runner)
 *   ENGINE_BOUNDS=explicit  machine code compares before every memory access
 *                     (default: guard pages where available)
 *   ENGINE_BASELINE_ISA=1 machine code without AVX or BMI encodings (default:
 *                     AVX's three-operand float arithmetic, rorx and andn
 *                     where the CPU has them) */
#ifndef TESTS_ENGINE_OPTIONS_H
#define TESTS_ENGINE_OPTIONS_H

#include "engine/wasm.h"

#include <stdlib.h>
#include <string.h>

static inline wasm_module_options engine_options_from_env(void)
{
    wasm_module_options o = {0};
    o.no_fusion = getenv("ENGINE_NO_FUSE") != NULL;
    o.dump = getenv("ENGINE_DUMP") != NULL;
    if (getenv("ENGINE_LAZY"))
        o.compile = WASM_COMPILE_LAZY;
    if (o.dump || getenv("ENGINE_EAGER"))
        o.compile = WASM_COMPILE_EAGER;
    const char *tier = getenv("ENGINE_TIER");
    if (tier && !strcmp(tier, "jit"))
        o.tier = WASM_TIER_JIT;
    else if (tier && !strcmp(tier, "interp"))
        o.tier = WASM_TIER_INTERP;
    else if (tier && !strcmp(tier, "tiered"))
        o.tier = WASM_TIER_TIERED;
    o.perf_map = getenv("ENGINE_PERF_MAP") != NULL;
    o.unmetered = getenv("ENGINE_UNMETERED") != NULL;
    o.baseline_isa = getenv("ENGINE_BASELINE_ISA") != NULL;
    const char *bounds = getenv("ENGINE_BOUNDS");
    if (bounds && !strcmp(bounds, "explicit"))
        o.bounds = WASM_BOUNDS_EXPLICIT;
    const char *hot = getenv("ENGINE_HOT_CALLS");
    if (hot)
        o.hot_calls = (uint32_t)strtoul(hot, NULL, 0);
    return o;
}

#endif
