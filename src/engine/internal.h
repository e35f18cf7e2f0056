/* Engine internals shared by the decoder, validator, compiler, interpreter and
 * runtime. Nothing outside src/engine/ includes this header. */
#ifndef ENGINE_INTERNAL_H
#define ENGINE_INTERNAL_H

#include "engine/wasm.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the engine stores wasm values in host order and assumes a little-endian host"
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- implementation limits ---------------------------------------------- */
#define MAX_TYPES 1000000u
#define MAX_FUNCS 1000000u
#define MAX_IMPORTS 100000u
#define MAX_EXPORTS 100000u
#define MAX_GLOBALS 1000000u
#define MAX_SEGMENTS 100000u
#define MAX_TABLES 100000u
#define MAX_PARAMS 1000u
#define MAX_RESULTS 1000u
#define MAX_LOCALS 50000u          /* params + declared locals, per function */
#define MAX_BODY_SIZE (128u << 20)  /* bytes of one function body */
#define MAX_FRAME_CELLS (1u << 22) /* cells one frame may need */
#define EAGER_CODE_BYTES (256u << 10) /* code sections up to this are compiled at load */
#define DEFAULT_TABLE_LIMIT 10000000u
#define DEFAULT_CALL_DEPTH 100000u
/* WASM_TIER_TIERED: calls before a function is compiled (docs/performance.md) */
#define DEFAULT_HOT_CALLS 1000u
/* ... and fuel units between the interpreter's looks for a hot loop to
 * continue in machine code (two in a row at the same loop header), per
 * hot call: 100,000 by default */
#define TIER_TICK_PER_CALL 100
#define DEFAULT_STACK_CELLS (2u << 20) /* 16 MiB of value stack */
#define MAX_HOST_NESTING 100u      /* host -> wasm -> host re-entries (~1.2 KiB of C stack each) */

/* One slot of a frame. Every value takes one cell except v128 (two). i32 and
 * f32 values live in the low half; the high half is unspecified. */
typedef union cell {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
} cell;

/* A bounds check with Spectre v1 masking (docs/engine.md, "Speculative
 * execution"): true when end > limit, and the caller traps. The compare sets
 * the flags the caller's branch uses, and a conditional move on the same
 * flags sets *v (the index, or the length of a bulk operation) to 0 when the
 * check fails. The CPU does not predict a cmov: code that runs speculatively
 * past a mispredicted check uses 0, never an index past the end. In the
 * real execution *v does not change (a failed check traps). */
static inline bool oob_masked(uint64_t *v, uint64_t end, uint64_t limit)
{
#if defined(__x86_64__)
    uint64_t zero = 0, x = *v;
    bool past;
    __asm__("cmpq %[limit], %[end]\n\tcmovaq %[zero], %[x]"
            : [x] "+r"(x), "=@cca"(past)
            : [end] "r"(end), [limit] "r"(limit), [zero] "r"(zero));
    *v = x;
    return past;
#else
    return end > limit; /* no masking on other targets */
#endif
}

/* A copy of n elements from [src, src + n) to [dst, dst + n): both ranges
 * checked, and n masked to 0 when either is past its limit. */
static inline bool copy_oob_masked(uint64_t *n, uint64_t src, uint64_t src_limit, uint64_t dst,
                                   uint64_t dst_limit)
{
    uint64_t src_end = src + *n, dst_end = dst + *n;
    bool past = oob_masked(n, src_end, src_limit);
    past |= oob_masked(n, dst_end, dst_limit);
    return past;
}

static inline uint32_t type_cells(uint8_t t) { return t == WASM_V128 ? 2u : 1u; }

/* Values in and out of cells, the one conversion between the API's
 * wasm_value and the engine's cells (arguments and results of calls across
 * the host boundary, globals). A value of type t fills type_cells(t) cells;
 * i32 and f32 are zero-extended. The value's own type tag is not consulted:
 * callers pass values already checked against t. */
static inline void value_to_cells(uint8_t t, const wasm_value *v, cell *c)
{
    switch (t) {
    case WASM_I32: case WASM_F32: c[0].i64 = v->of.i32; break;
    case WASM_I64: case WASM_F64: c[0].i64 = v->of.i64; break;
    case WASM_V128: memcpy(c, v->of.v128, 16); break;
    default: c[0].i64 = 0; c[0].ref = v->of.funcref; break; /* funcref, externref */
    }
}

static inline wasm_value value_from_cells(uint8_t t, const cell *c)
{
    wasm_value v;
    memset(&v, 0, sizeof v);
    v.type = (wasm_type)t;
    switch (t) {
    case WASM_I32: case WASM_F32: v.of.i32 = c[0].i32; break;
    case WASM_I64: case WASM_F64: v.of.i64 = c[0].i64; break;
    case WASM_V128: memcpy(v.of.v128, c, 16); break;
    default: v.of.funcref = c[0].ref; break;
    }
    return v;
}
static inline int is_reftype(uint8_t t) { return t == WASM_FUNCREF || t == WASM_EXTERNREF; }
static inline int is_valtype(uint8_t t)
{
    return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64 || t == WASM_V128 ||
           t == WASM_FUNCREF || t == WASM_EXTERNREF;
}
const char *type_name(uint8_t t);

/* ---- errors --------------------------------------------------------------- */
void err_clear(wasm_error *err);
void err_set(wasm_error *err, wasm_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void err_vset(wasm_error *err, wasm_status status, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* ---- modules ------------------------------------------------------------- */

typedef struct ftype {
    wasm_functype ft;          /* params/results arrays owned (one allocation) */
    uint32_t param_cells, result_cells;
} ftype;

enum cexpr_kind {
    CE_NONE = 0,    /* absent */
    CE_CONST,       /* numeric constant: bits */
    CE_REF_NULL,
    CE_REF_FUNC,    /* index */
    CE_GLOBAL_GET,  /* index */
    CE_BAD_OP,      /* a non-constant instruction: "constant expression required" */
    CE_BAD_ARITY,   /* zero or several values: "type mismatch" */
};

typedef struct cexpr {
    uint8_t kind;
    uint8_t type;      /* type of the value (CE_CONST/CE_REF_NULL) */
    uint32_t index;
    uint32_t offset;   /* byte offset in the module, for messages */
    uint64_t bits;
    uint64_t bits_hi;  /* v128 high half */
} cexpr;

typedef struct limits {
    uint32_t min, max;
    bool has_max;
} limits;

typedef struct import_def {
    char *module, *name;
    uint32_t module_len, name_len;
    uint8_t kind;
    uint8_t type;          /* table elem type / global value type */
    bool mut;
    uint32_t index;        /* func: type index */
    limits lim;
} import_def;

typedef struct export_def {
    char *name;
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
} export_def;

typedef struct table_def {
    uint8_t elem;
    limits lim;
} table_def;

typedef struct global_def {
    uint8_t type;
    bool mut;
    cexpr init;         /* CE_NONE for imports */
} global_def;

enum seg_mode { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct elem_def {
    uint8_t mode;
    uint8_t type;
    uint32_t table;
    cexpr offset;
    uint32_t count;
    cexpr *items;
} elem_def;

typedef struct data_def {
    uint8_t mode;
    uint32_t mem;
    cexpr offset;
    uint32_t size;
    uint8_t *bytes;
} data_def;

/* Byte offset of one trapping or calling instruction, for backtraces. */
typedef struct pc_map {
    uint32_t code_pos;     /* word index in func_code.code */
    uint32_t wasm_offset;  /* byte offset in the module */
} pc_map;

/* A defined function after translation into internal code. The frame is
 * [params | other locals | temporaries | constants]. */
typedef struct func_code {
    uint32_t *code;
    uint32_t code_words;
    uint32_t func_index;      /* in the module's function index space */
    uint32_t type_index;
    uint32_t param_cells;
    uint32_t local_cells;     /* declared locals (zeroed on entry) */
    uint32_t const_base;
    uint32_t const_count;
    uint32_t frame_cells;     /* all cells the frame uses */
    uint32_t fuel_cost;       /* charged on entry */
    uint64_t *consts;
    pc_map *map;
    uint32_t map_count;
    uint32_t body_offset;     /* byte offset of the body in the module */
    uint32_t body_size;
    const struct wasm_module *module;
    void *jit_entry;          /* jit_entry_fn (jit.h) when the module has machine code */
    void *jit_fast;           /* its machine code's internal entry (jit_x86.c), or NULL */
    /* Calls left before the interpreter enters this function's machine code
     * (compiling it then): counted down by every call the interpreter makes
     * (relaxed atomics: a lost count only delays tier-up); INT32_MAX when
     * there is none to enter (no JIT, or the compiler refused it), <= 0 once
     * compiled. Set by jit_compile_module (the module's threshold). */
    int32_t hot;
    struct jit_osr *jit_osr;  /* its machine code's loop-header entries (jit_x86.c), or NULL */
    /* 1 when its type returns exactly one cell: its machine code returns
     * it in rax only, and the C entry stores it at fp[0] (jit_x86.c) */
    uint32_t jit_ret1;
} func_code;

/* Counts one call of fc against its tier-up threshold (func_code.hot):
 * the calls left, <= 0 once hot. Shared by the interpreter and the JIT's
 * lazy trampoline, which count the same calls. */
static inline int32_t func_hot_countdown(const func_code *fc)
{
    int32_t *hot = &((func_code *)fc)->hot;
    int32_t left = __atomic_load_n(hot, __ATOMIC_RELAXED) - 1;
    __atomic_store_n(hot, left, __ATOMIC_RELAXED);
    return left;
}

typedef struct comp comp; /* a compiler workspace, reused across functions */

typedef struct name_entry {
    uint32_t index;
    char *name;
} name_entry;

struct wasm_module {
    uint32_t type_count;
    ftype *types;

    uint32_t import_count;
    import_def *imports;

    uint32_t func_count, func_imports;     /* function index space */
    uint32_t *func_types;                  /* type index per function */
    func_code *codes;                      /* [func_count - func_imports] */

    uint32_t table_count, table_imports;
    table_def *tables;
    uint32_t mem_count, mem_imports;
    limits *mems;
    uint32_t global_count, global_imports;
    global_def *globals;

    uint32_t export_count;
    export_def *exports;

    bool has_start;
    uint32_t start;

    uint32_t elem_count;
    elem_def *elems;
    bool has_data_count;
    uint32_t data_count;
    uint32_t data_seg_count;
    data_def *datas;

    /* function bodies: module byte offsets, and the code section (from
     * code_origin on: a copy, or the caller's bytes when the options borrow
     * them) kept for compilation on first call */
    uint32_t code_count;
    uint32_t *body_start, *body_end;
    bool has_code_section;
    uint8_t *code_copy;      /* owned; NULL when the caller's bytes are borrowed */
    const uint8_t *code_bytes; /* code_copy, or the caller's bytes from code_origin on */
    size_t code_origin;
    bool fuse;               /* peephole fusion when compiling */
    bool retarget;           /* local.set/tee write the producer's result into the
                              * local (plain ops only): with fusion, and for the JIT */
    bool unmetered;          /* machine code charges no fuel (wasm_module_options) */
    bool baseline_isa;       /* machine code without AVX or BMI encodings (wasm_module_options) */
    bool perf_map;           /* machine code symbols for perf (perfmap.h) */
    bool dump;               /* print each function's internal code when translated */
    int lock;                /* spin lock: lazy compilation, the code index */
    comp *lazy_ws;
    uint32_t translated;     /* functions translated so far */
    /* The translated functions sorted by code address, to name the frames of
     * a trap backtrace: built when a trap needs it, rebuilt when functions
     * were translated since (code_index_of: `translated` when built). */
    const func_code **code_index;
    uint32_t code_index_count, code_index_of;

    uint8_t *declared_refs;  /* per function: may be used by ref.func */
    struct jit_module *jit;  /* machine code of the functions (jit.h), or NULL */

    char *module_name;
    uint32_t name_count;
    name_entry *names;       /* sorted by index */

    size_t byte_size;
};

/* A module may be shared between threads: what changes after creation
 * (lazy translation, the code index) changes under its lock. */
static inline void module_lock(const wasm_module *m)
{
    while (__atomic_exchange_n(&((wasm_module *)m)->lock, 1, __ATOMIC_ACQUIRE))
        ;
}

static inline void module_unlock(const wasm_module *m)
{
    __atomic_store_n(&((wasm_module *)m)->lock, 0, __ATOMIC_RELEASE);
}

/* Decode (syntax only), validate (module level), compile (bodies). */
bool decode_module(wasm_module *m, const uint8_t *bytes, size_t size, wasm_error *err);
bool validate_module(wasm_module *m, wasm_error *err);
comp *compiler_new(void);
void compiler_free(comp *c);
bool compile_function(comp *c, const wasm_module *m, uint32_t def_index, const uint8_t *bytes,
                      size_t origin, bool validate_only, wasm_error *err);
/* Translates a validated function on its first call (thread-safe). */
bool compile_lazy(const func_code *fc, wasm_error *err);
/* Syntax-only walk of an instruction sequence ending at its outermost `end`
 * (for bodies: at the body end). Returns false with MALFORMED. */
bool scan_body(const wasm_module *m, const uint8_t *bytes, size_t start, size_t end,
               uint32_t func_index, wasm_error *err);
void module_free_contents(wasm_module *m);
const char *module_func_name(const wasm_module *m, uint32_t index);

/* ---- runtime objects ------------------------------------------------------ */

typedef struct obj_header {
    struct obj_header *next;
    uint8_t kind;
} obj_header;

enum obj_kind { OBJ_FUNC, OBJ_TABLE, OBJ_MEMORY, OBJ_GLOBAL, OBJ_INSTANCE };

struct wasm_func {
    obj_header hdr;
    const wasm_functype *type;   /* the module's type, or owned_type */
    uint32_t type_id;            /* interned in the store: equal types, equal ids */
    bool is_host;
    wasm_store *store;
    wasm_functype *owned_type;
    /* wasm */
    wasm_instance *inst;
    const func_code *code;
    /* host */
    wasm_host_fn host;
    void *env;
    char *name;
    uint32_t param_cells, result_cells;
};

struct wasm_table {
    obj_header hdr;
    uint8_t elem;
    uint32_t size;
    uint32_t max;           /* effective maximum (declared and store limit) */
    limits lim;             /* declared */
    void **elems;
    size_t capacity;
};

struct wasm_memory {
    obj_header hdr;
    uint8_t *data;
    uint64_t size;          /* bytes */
    uint32_t pages;
    uint32_t max_pages;     /* effective maximum */
    limits lim;             /* declared */
    size_t mapped;          /* bytes readable and writable from data */
    size_t reserved;        /* bytes of address space from data (MEMORY_RESERVE), 0: none */
};

/* The address space every memory reserves (PROT_NONE past its size): any
 * address a wasm access can form — a 32-bit index plus a 32-bit offset plus
 * at most 16 bytes — falls inside it. A bounds check mispredicted under
 * speculative execution then reaches no other data, only pages without a
 * translation (docs/engine.md, "Speculative execution"); and the memory
 * never moves when it grows. */
#define MEMORY_RESERVE ((8ull << 30) + (64u << 10))

struct wasm_global {
    obj_header hdr;
    cell val[2];
    uint8_t type;
    bool mut;
};

typedef struct inst_elem {
    uint32_t count;
    void **refs;
} inst_elem;

typedef struct inst_data {
    uint32_t size;
    const uint8_t *bytes;
} inst_data;

struct wasm_instance {
    obj_header hdr;
    const wasm_module *module;
    wasm_store *store;
    wasm_func **funcs;
    wasm_table **tables;
    wasm_memory **mems;
    wasm_global **globals;
    uint32_t *type_ids;
    inst_elem *elems;
    inst_data *datas;
    wasm_memory *mem0;
};

/* A suspended caller: where to resume, its frame, its instance. (Its
 * func_code is found from pc when a backtrace needs it.) */
typedef struct frame {
    const uint32_t *pc;          /* return address; NULL marks an entry from the host */
    cell *fp;
    wasm_instance *inst;
} frame;

/* Set in frame.pc by machine code (jit_x86.c push_record) for a call that
 * stays in the caller's instance: only pc is written, fp and inst are not
 * (nothing returns through such a record; a backtrace takes the instance
 * from the frame above). Internal code is word-aligned: bit 0 is free. */
#define FRAME_PC_SAME_INST ((uintptr_t)1)

typedef struct interned_type {
    wasm_functype ft;   /* params == NULL marks an empty slot */
    uint32_t hash;
    uint32_t id;
} interned_type;

struct wasm_store {
    wasm_store_limits limits;
    obj_header *objects;
    wasm_module *retained_modules; /* unused */

    interned_type *types;
    uint32_t type_count, type_cap;

    cell *stack, *stack_end, *sp;  /* value stack; sp = first free cell */
    frame *frames, *frames_end, *ftop;
    uint32_t host_nesting;

    bool fuel_on;
    bool holds_unmetered;          /* an instance of an unmetered module: no fuel */
    int64_t fuel;                  /* remaining when fuel_on */

    /* last host trap/exit */
    char host_msg[400];
    int32_t exit_code;

    /* functions examined to name the frames of trap backtraces (index
     * entries built, search steps): bounded per trap whatever the depth of
     * the stack; tests/engine/backtrace_test.c checks the bound */
    uint64_t backtrace_work;
    /* native stack pointer below which JIT calls continue in the
     * interpreter: set by the outermost JIT entry, 0 outside JIT code */
    uintptr_t jit_stack_limit;
    /* set by a tier crossing (jit_rt.c) for the next interp_run only: the
     * frame record below which its trap backtraces stop (the crossing's own
     * activation base), so that mixed-tier backtraces are whole */
    frame *trace_base;
    /* tiered modules: where the interpreter last stopped to look for a hot
     * loop (interp.c, tier_tick) */
    const uint32_t *tick_pc;
};

struct wasm_call_ctx {
    wasm_store *store;
    wasm_instance *inst;   /* the calling instance (may be NULL when called from the host) */
    wasm_func *func;
};

uint32_t store_intern_type(wasm_store *s, const wasm_functype *ft);
wasm_status interp_call(wasm_store *s, wasm_func *f, cell *args, wasm_error *err);
/* For the JIT's tier crossings (jit_rt.c): runs code on the frame at fp in
 * the interpreter (frame records from s->ftop on), calls a host function with
 * arguments in cells, and reports a trap raised at pc in code (or in the
 * function of inst containing pc when code is NULL) with the caller chain
 * between the entry marker base and top, as the interpreter does. */
wasm_status interp_run(wasm_store *s, cell *fp, const func_code *code, wasm_instance *inst,
                       wasm_error *err);
wasm_status interp_call_host(wasm_store *s, wasm_func *f, wasm_instance *caller, cell *cells);
void interp_report_trap(wasm_store *s, wasm_error *err, wasm_trap_kind kind, const func_code *code,
                        const wasm_instance *inst, const uint32_t *pc, frame *base, frame *top);
/* Fills err for a host function's request to exit (proc_exit); returns WASM_ERR_EXIT. */
wasm_status interp_report_exit(const wasm_store *s, wasm_error *err);
const int32_t *interp_handler_table(void);
void dump_function(const func_code *fc);

/* Memory and table primitives shared by the runtime and the interpreter. */
int64_t memory_grow(wasm_memory *m, uint32_t delta);
int64_t table_grow(wasm_table *t, uint32_t delta, void *init);

#endif
