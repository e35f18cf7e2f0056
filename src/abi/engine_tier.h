/* SHARED BY HOST AND KEEP: the engine tier a workload runs in. Self-contained;
 * no code.
 *
 * `enarx run --engine`, Enarx.toml's `engine` key and the workload stream's
 * ENGINE frame (abi/workload_stream.h) carry one of these values: auto (the
 * engine's choice: tiered — interpreted, hot code compiled to machine code),
 * interp (the interpreter), jit
 * (x86-64 machine code; where the Keep refuses executable memory, or for
 * functions the compiler does not handle yet, the interpreter). Names, for
 * options and the config, in this order (ENARX_ENGINE_NAMES). */
#ifndef ABI_ENGINE_TIER_H
#define ABI_ENGINE_TIER_H

enum enarx_engine_tier {
    ENARX_ENGINE_AUTO = 0,
    ENARX_ENGINE_INTERP = 1,
    ENARX_ENGINE_JIT = 2,
};

#define ENARX_ENGINE_COUNT 3
#define ENARX_ENGINE_NAMES {"auto", "interp", "jit"}

#endif
