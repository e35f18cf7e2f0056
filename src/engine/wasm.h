/* The WebAssembly engine's whole public interface.
 *
 * Life cycle:  bytes --wasm_module_new[_with]--> module (decoded, validated, compiled;
 *              immutable, shareable)  --wasm_instantiate(store, imports)-->
 *              instance --wasm_instance_export--> funcs, memories, tables,
 *              globals --wasm_call--> results or a trap.
 *
 * A store owns every runtime object created in it (instances, host functions,
 * memories, tables, globals) and frees them all with wasm_store_free. A store is
 * used by one thread at a time. Every failure is reported through a wasm_error:
 * a status saying which kind of failure, and a message naming what and where.
 * No input, however malformed, crashes or hangs the engine.
 *
 * WASI (src/wasi) and the Keep runtime (src/exec) use exactly this header. */
#ifndef ENGINE_WASM_H
#define ENGINE_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- values ----------------------------------------------------------- */

typedef enum wasm_type {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_V128 = 0x7b,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
} wasm_type;

typedef struct wasm_func wasm_func;
typedef struct wasm_table wasm_table;
typedef struct wasm_memory wasm_memory;
typedef struct wasm_global wasm_global;

/* A typed value. Floats are carried as raw bits (f32_bits/f64_bits) so that
 * NaN payloads survive every copy exactly. A null reference is NULL; an
 * externref is an opaque non-NULL pointer chosen by the host. */
typedef struct wasm_value {
    wasm_type type;
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16];
        wasm_func *funcref;
        void *externref;
    } of;
} wasm_value;

static inline wasm_value wasm_i32(uint32_t v) { wasm_value r = {WASM_I32, {.i32 = v}}; return r; }
static inline wasm_value wasm_i64(uint64_t v) { wasm_value r = {WASM_I64, {.i64 = v}}; return r; }

/* A function signature. The arrays are owned by whoever built the type; the
 * engine copies what it keeps. */
typedef struct wasm_functype {
    uint32_t param_count;
    uint32_t result_count;
    const wasm_type *params;
    const wasm_type *results;
} wasm_functype;

typedef struct wasm_limits_desc {
    uint32_t min;
    uint32_t max;     /* meaningful only when has_max */
    bool has_max;
} wasm_limits_desc;

typedef enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind;

/* Something an instance exports or imports. */
typedef struct wasm_extern {
    wasm_extern_kind kind;
    union {
        wasm_func *func;
        wasm_table *table;
        wasm_memory *memory;
        wasm_global *global;
    } of;
} wasm_extern;

/* ---- errors ----------------------------------------------------------- */

typedef enum wasm_status {
    WASM_OK = 0,
    WASM_ERR_MALFORMED,   /* bytes are not a well-formed binary module */
    WASM_ERR_INVALID,     /* well-formed but fails validation */
    WASM_ERR_UNLINKABLE,  /* imports missing or of the wrong type/limits */
    WASM_ERR_TRAP,        /* execution trapped (also during instantiation) */
    WASM_ERR_EXIT,        /* a host function asked to end the program (proc_exit) */
    WASM_ERR_NOMEM,       /* the host could not allocate */
    WASM_ERR_ARGUMENT,    /* the embedder misused the API (wrong arg count/type...) */
} wasm_status;

typedef enum wasm_trap_kind {
    WASM_TRAP_NONE = 0,
    WASM_TRAP_UNREACHABLE,          /* "unreachable" */
    WASM_TRAP_DIV_BY_ZERO,          /* "integer divide by zero" */
    WASM_TRAP_INT_OVERFLOW,         /* "integer overflow" */
    WASM_TRAP_INVALID_CONVERSION,   /* "invalid conversion to integer" */
    WASM_TRAP_OOB_MEMORY,           /* "out of bounds memory access" */
    WASM_TRAP_OOB_TABLE,            /* "out of bounds table access" */
    WASM_TRAP_UNDEFINED_ELEMENT,    /* "undefined element" */
    WASM_TRAP_UNINITIALIZED_ELEMENT,/* "uninitialized element" */
    WASM_TRAP_INDIRECT_CALL_TYPE,   /* "indirect call type mismatch" */
    WASM_TRAP_STACK_EXHAUSTED,      /* "call stack exhausted" */
    WASM_TRAP_FUEL_EXHAUSTED,       /* "fuel exhausted" (instruction budget) */
    WASM_TRAP_HOST,                 /* a host function trapped; message says why */
} wasm_trap_kind;

#define WASM_MAX_BACKTRACE 16

typedef struct wasm_frame_info {
    uint32_t func_index;  /* index in its module's function index space */
    uint32_t code_offset; /* byte offset of the instruction in the module, or 0 */
    char name[64];        /* from the name section, or "" */
} wasm_frame_info;

typedef struct wasm_error {
    wasm_status status;
    wasm_trap_kind trap;      /* when status == WASM_ERR_TRAP */
    int32_t exit_code;        /* when status == WASM_ERR_EXIT */
    char message[512];        /* what failed and where; traps use the spec's wording */
    uint32_t frame_count;     /* trap backtrace, innermost first */
    wasm_frame_info frames[WASM_MAX_BACKTRACE];
} wasm_error;

/* Stable names for statuses and traps ("malformed", "integer divide by zero"...). */
const char *wasm_status_name(wasm_status status);
const char *wasm_trap_message(wasm_trap_kind trap);

/* ---- modules ---------------------------------------------------------- */

typedef struct wasm_module wasm_module;

/* How a module is compiled and run: the tier that runs its functions. */
typedef enum wasm_tier {
    WASM_TIER_AUTO = 0, /* the engine's choice: tiered where executable memory is given,
                         * else the interpreter */
    WASM_TIER_INTERP,   /* the threaded interpreter */
    WASM_TIER_JIT,      /* x86-64 machine code; functions the compiler does not handle yet,
                         * and every function where executable memory is refused, run
                         * in the interpreter */
    WASM_TIER_TIERED,   /* the interpreter first; a function called hot_calls times is
                         * compiled and runs as machine code from then on (the JIT's
                         * fallbacks as above) */
} wasm_tier;

/* When functions are translated (every body is validated at load either way). */
typedef enum wasm_compile_when {
    WASM_COMPILE_AUTO = 0, /* at load for a small module (code section up to 256 KiB),
                            * on each function's first call for a big one */
    WASM_COMPILE_EAGER,    /* every function at load */
    WASM_COMPILE_LAZY,     /* every function on its first call */
} wasm_compile_when;

/* How machine code checks linear-memory bounds (the interpreter always
 * compares). */
typedef enum wasm_bounds {
    WASM_BOUNDS_AUTO = 0, /* guard pages where the platform delivers memory faults to the
                           * engine's handler and an 8 GiB address-space reservation is
                           * possible, else explicit compares */
    WASM_BOUNDS_EXPLICIT, /* a compare before every access (redundant ones eliminated) */
    WASM_BOUNDS_GUARD,    /* reported only (wasm_module_bounds): no compare; an access past
                           * the memory faults in its reservation and becomes the trap */
} wasm_bounds;

/* Options of module creation. All zero (or a NULL pointer) gives the
 * defaults; the other settings are for tests and measurements. */
typedef struct wasm_module_options {
    wasm_tier tier;
    wasm_compile_when compile;
    bool no_fusion;    /* translate without peephole fusion (differential tests) */
    bool dump;         /* print each function's internal code to stderr when translated */
    bool borrow_bytes; /* a function translated on first call is read from the caller's
                        * bytes instead of a copy: the caller keeps them alive and
                        * unchanged until wasm_module_free */
    uint32_t hot_calls; /* WASM_TIER_TIERED: calls (from the interpreter or the host) before
                         * a function is compiled; 0: the engine's default */
    bool unmetered;     /* for embedders that never set fuel: the module's machine code
                         * charges none (a sub and a branch less per loop iteration and
                         * call). A store with fuel refuses to instantiate it, and
                         * wasm_store_set_fuel refuses fuel to a store holding one */
    bool perf_map;      /* append each function compiled to machine code to
                         * /tmp/perf-<pid>.map ("start size wasm:name"), so that
                         * `perf report` names samples in it: profiling on a host */
    wasm_bounds bounds; /* AUTO or EXPLICIT (for tests and measurements) */
    bool baseline_isa;  /* machine code with x86-64's SSE4.1/POPCNT baseline only: no AVX
                         * or BMI encodings even where the CPU offers them (tests
                         * of the fallback forms) */
} wasm_module_options;

/* Decodes, validates and compiles a binary module. On failure returns NULL and
 * fills err (status MALFORMED or INVALID, message with the byte offset;
 * ARGUMENT for options this engine cannot honour). Unless options borrow
 * them, the bytes are not referenced after the call returns. options may be
 * NULL. */
wasm_module *wasm_module_new_with(const uint8_t *bytes, size_t size,
                                  const wasm_module_options *options, wasm_error *err);
/* wasm_module_new_with with the default options. */
wasm_module *wasm_module_new(const uint8_t *bytes, size_t size, wasm_error *err);
void wasm_module_free(wasm_module *module);
/* The tier that runs module: WASM_TIER_JIT or WASM_TIER_TIERED when it has
 * (or may get) machine code, else WASM_TIER_INTERP. */
wasm_tier wasm_module_tier(const wasm_module *module);
/* How the module's machine code checks memory bounds: WASM_BOUNDS_GUARD or
 * WASM_BOUNDS_EXPLICIT (also for a module without machine code). A
 * guard-mode module instantiates only against a memory 0 that has its
 * address-space reservation (refused, e.g. under `ulimit -v`: instantiation
 * fails with a message saying so). */
wasm_bounds wasm_module_bounds(const wasm_module *module);
/* Of module's defined functions, how many run as machine code (the others
 * in the interpreter): for logs and tests. */
void wasm_module_jit_counts(const wasm_module *module, uint32_t *compiled, uint32_t *functions);

typedef struct wasm_import_desc {
    const char *module;           /* valid while the module lives; NUL-terminated */
    const char *name;
    wasm_extern_kind kind;
    wasm_functype func;           /* kind == FUNC */
    wasm_type elem_type;          /* kind == TABLE (or GLOBAL: the value type) */
    wasm_limits_desc limits;      /* kind == TABLE or MEMORY */
    bool global_mutable;          /* kind == GLOBAL */
    size_t module_len, name_len;  /* lengths of module and name (names may contain NUL) */
} wasm_import_desc;

typedef wasm_import_desc wasm_export_desc; /* .module is NULL for exports */

size_t wasm_module_import_count(const wasm_module *module);
bool wasm_module_import(const wasm_module *module, size_t index, wasm_import_desc *out);
size_t wasm_module_export_count(const wasm_module *module);
bool wasm_module_export(const wasm_module *module, size_t index, wasm_export_desc *out);
/* Name of a function from the name section, or NULL. */
const char *wasm_module_func_name(const wasm_module *module, uint32_t func_index);

/* ---- stores and limits ------------------------------------------------ */

typedef struct wasm_store wasm_store;

typedef struct wasm_store_limits {
    uint32_t max_memory_pages;  /* per memory; 0 = the spec's maximum (65536) */
    uint32_t max_table_elems;   /* per table; 0 = engine default (10,000,000) */
    uint32_t max_call_depth;    /* 0 = engine default; deeper recursion traps "call stack exhausted" */
} wasm_store_limits;

/* limits may be NULL for defaults. */
wasm_store *wasm_store_new(const wasm_store_limits *limits);
void wasm_store_free(wasm_store *store);

/* Instruction budget: execution traps with WASM_TRAP_FUEL_EXHAUSTED once the
 * budget is spent. fuel == 0 disables metering (the default). Metering is
 * approximate (charged per block/loop iteration), never over by much.
 * Returns false (and changes nothing) when fuel != 0 and the store holds an
 * instance of a module compiled `unmetered`, whose code would not count. */
bool wasm_store_set_fuel(wasm_store *store, uint64_t fuel);
uint64_t wasm_store_fuel_remaining(const wasm_store *store);

/* ---- host functions --------------------------------------------------- */

typedef struct wasm_call_ctx wasm_call_ctx;

/* A host function receives its arguments and writes its results (both in the
 * order of its type). It returns WASM_OK, or the result of wasm_ctx_trap() /
 * wasm_ctx_exit(). */
typedef wasm_status (*wasm_host_fn)(wasm_call_ctx *ctx, void *env,
                                    const wasm_value *args, wasm_value *results);

wasm_func *wasm_func_new_host(wasm_store *store, const wasm_functype *type,
                              wasm_host_fn fn, void *env, const char *debug_name);

/* Inside a host function: the calling instance's memory 0 (NULL if it has
 * none), the store, and ways to stop execution. Memory may move when it grows,
 * so re-read wasm_memory_data after anything that can grow it. */
wasm_memory *wasm_ctx_memory(wasm_call_ctx *ctx);
wasm_store *wasm_ctx_store(wasm_call_ctx *ctx);
wasm_status wasm_ctx_trap(wasm_call_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
wasm_status wasm_ctx_exit(wasm_call_ctx *ctx, int32_t exit_code);

/* ---- instances -------------------------------------------------------- */

typedef struct wasm_instance wasm_instance;

/* Instantiates module in store. imports[i] satisfies the module's i-th import
 * (see wasm_module_import); kinds, types and limits are checked (status
 * UNLINKABLE on mismatch). Segments are applied and the start function runs;
 * a trap there returns NULL with status TRAP. */
wasm_instance *wasm_instantiate(wasm_store *store, const wasm_module *module,
                                const wasm_extern *imports, size_t import_count,
                                wasm_error *err);
bool wasm_instance_export(const wasm_instance *instance, const char *name, wasm_extern *out);
/* The same for a name of len bytes (export names may contain NUL). */
bool wasm_instance_export_n(const wasm_instance *instance, const char *name, size_t len,
                            wasm_extern *out);
const wasm_module *wasm_instance_module(const wasm_instance *instance);

/* ---- calls ------------------------------------------------------------ */

const wasm_functype *wasm_func_type(const wasm_func *func);

/* Calls func with args (count and types must match its type: else ARGUMENT).
 * Results are written to results[0..result_count). */
wasm_status wasm_call(wasm_store *store, wasm_func *func,
                      const wasm_value *args, size_t arg_count,
                      wasm_value *results, size_t result_count, wasm_error *err);

/* ---- memories, tables, globals ---------------------------------------- */

#define WASM_PAGE_SIZE 65536u

wasm_memory *wasm_memory_new(wasm_store *store, wasm_limits_desc limits, wasm_error *err);
uint8_t *wasm_memory_data(wasm_memory *memory);
size_t wasm_memory_size(const wasm_memory *memory);          /* bytes */
/* Grows by delta pages; returns the old size in pages, or -1 on failure. */
int64_t wasm_memory_grow(wasm_memory *memory, uint32_t delta_pages);
wasm_limits_desc wasm_memory_limits(const wasm_memory *memory);

wasm_table *wasm_table_new(wasm_store *store, wasm_type elem_type, wasm_limits_desc limits,
                           wasm_value init, wasm_error *err);
uint32_t wasm_table_size(const wasm_table *table);
bool wasm_table_get(const wasm_table *table, uint32_t index, wasm_value *out);
bool wasm_table_set(wasm_table *table, uint32_t index, wasm_value value);
int64_t wasm_table_grow(wasm_table *table, uint32_t delta, wasm_value init);
wasm_type wasm_table_elem_type(const wasm_table *table);
wasm_limits_desc wasm_table_limits(const wasm_table *table);

wasm_global *wasm_global_new(wasm_store *store, wasm_type type, bool mutable_, wasm_value value,
                             wasm_error *err);
wasm_value wasm_global_get(const wasm_global *global);
bool wasm_global_set(wasm_global *global, wasm_value value); /* false if immutable or wrong type */
wasm_type wasm_global_type(const wasm_global *global);
bool wasm_global_mutable(const wasm_global *global);

#ifdef __cplusplus
}
#endif

#endif
