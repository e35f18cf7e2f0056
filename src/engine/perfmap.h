/* Symbols for machine code (module option perf_map): each function the JIT
 * places is appended to /tmp/perf-<pid>.map as "start size wasm:name", the
 * file `perf report` reads to name samples in code it did not load. For
 * profiling on a development host; a Keep never sets it. */
#ifndef ENGINE_PERFMAP_H
#define ENGINE_PERFMAP_H

#include "engine/internal.h"

void perf_map_note(const wasm_module *m, const func_code *fc, const void *code, size_t len);

#endif
