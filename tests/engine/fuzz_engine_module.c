/* libFuzzer target: arbitrary bytes through decode + validate + compile,
 * then instantiation (every import satisfied by a stand-in of the right
 * type) and a call of every exported function that takes no arguments, all
 * under tight limits and a fuel budget so that no input can hang.
 *
 * Differential: each module that loads is compiled four ways, by the
 * interpreter's translator with and without peephole fusion, by the JIT
 * (bounds checked by guard pages where the host allows: out-of-bounds
 * accesses fault and the engine's handler makes them traps, chaining
 * everything else to libFuzzer's and ASan's handlers), and tiered (the
 * interpreter calling machine code and back, with explicit bounds
 * compares), and all four must
 * behave identically (results bit for bit, traps and, against the plain
 * interpreter, their messages, remaining fuel, memory and globals). This checks the fused instructions
 * against the plain ones, and machine code against the interpreter, on
 * every input. */
#include "engine/internal.h" /* compares instances' memories and globals directly */

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUEL = 100000, MAX_RESULTS_CHECKED = 64 };

static wasm_value zero_of(wasm_type t)
{
    wasm_value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/* Imported functions return zeros of their result types, or trap when their
 * first i32 argument is 1 mod 3, to exercise unwinding through host frames. */
static wasm_status stand_in(wasm_call_ctx *ctx, void *env, const wasm_value *args,
                            wasm_value *results)
{
    const wasm_functype *t = env;
    for (uint32_t i = 0; i < t->result_count; i++)
        results[i] = zero_of(t->results[i]);
    if (t->param_count && t->params[0] == WASM_I32 && args[0].of.i32 % 3 == 1)
        return wasm_ctx_trap(ctx, "stand-in import trapped");
    return WASM_OK;
}

typedef struct run {
    wasm_module *m;
    wasm_store *store;
    wasm_instance *inst;
    wasm_error err;
    wasm_functype *types;
    wasm_extern *imports;
} run;

static bool setup(run *r, const uint8_t *data, size_t size, wasm_module_options options)
{
    memset(r, 0, sizeof *r);
    /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): freed by teardown (the caller's array of runs) */
    r->m = wasm_module_new_with(data, size, &options, &r->err);
    if (!r->m)
        return false;
    wasm_store_limits limits = {64, 10000, 500};
    r->store = wasm_store_new(&limits);
    wasm_store_set_fuel(r->store, FUEL);
    size_t n = wasm_module_import_count(r->m);
    r->imports = calloc(n ? n : 1, sizeof *r->imports);
    r->types = calloc(n ? n : 1, sizeof *r->types);
    if (!r->store || !r->imports || !r->types)
        abort();
    for (size_t i = 0; i < n; i++) {
        wasm_import_desc d;
        wasm_module_import(r->m, i, &d);
        r->imports[i].kind = d.kind;
        void *obj = NULL;
        switch (d.kind) {
        case WASM_EXTERN_FUNC:
            /* the type's arrays belong to the module, which outlives the store */
            r->types[i] = d.func;
            obj = r->imports[i].of.func =
                wasm_func_new_host(r->store, &r->types[i], stand_in, &r->types[i], d.name);
            break;
        case WASM_EXTERN_TABLE:
            obj = r->imports[i].of.table =
                wasm_table_new(r->store, d.elem_type, d.limits, zero_of(d.elem_type), &r->err);
            break;
        case WASM_EXTERN_MEMORY:
            obj = r->imports[i].of.memory = wasm_memory_new(r->store, d.limits, &r->err);
            break;
        case WASM_EXTERN_GLOBAL:
            obj = r->imports[i].of.global = wasm_global_new(r->store, d.elem_type, d.global_mutable,
                                                            zero_of(d.elem_type), &r->err);
            break;
        }
        if (!obj) /* e.g. a memory above the limit: no instance (teardown frees) */
            return true;
    }
    /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): r->imports is freed by teardown */
    r->inst = wasm_instantiate(r->store, r->m, r->imports, n, &r->err);
    return true;
}

static void teardown(run *r)
{
    free(r->imports);
    free(r->types);
    wasm_store_free(r->store);
    wasm_module_free(r->m);
}

static bool same_value(const wasm_value *a, const wasm_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case WASM_I32: case WASM_F32: return a->of.i32 == b->of.i32;
    case WASM_I64: case WASM_F64: return a->of.i64 == b->of.i64;
    case WASM_V128: return memcmp(a->of.v128, b->of.v128, 16) == 0;
    default: return (a->of.funcref == NULL) == (b->of.funcref == NULL);
    }
}

/* Same observable state: memory 0 and every global. */
static void compare_state(const run *a, const run *b)
{
    const wasm_instance *x = a->inst, *y = b->inst;
    if ((x->mem0 == NULL) != (y->mem0 == NULL))
        abort();
    if (x->mem0 && (x->mem0->size != y->mem0->size || (x->mem0->size &&
                    memcmp(x->mem0->data, y->mem0->data, x->mem0->size) != 0)))
        abort();
    for (uint32_t i = 0; i < a->m->global_count; i++) {
        wasm_value u = wasm_global_get(x->globals[i]), v = wasm_global_get(y->globals[i]);
        if (!same_value(&u, &v))
            abort();
    }
}

enum { WAYS = 4 }; /* fused, plain, JIT, tiered */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* tiered after 2 calls: the exports' callees mix interpreter and machine
     * code, each calling the other; its bounds checks explicit, the JIT's
     * by guard pages (both modes against the interpreter) */
    static const wasm_module_options ways[WAYS] = {
        {.tier = WASM_TIER_INTERP},
        {.tier = WASM_TIER_INTERP, .no_fusion = true},
        {.tier = WASM_TIER_JIT},
        {.tier = WASM_TIER_TIERED, .hot_calls = 2, .bounds = WASM_BOUNDS_EXPLICIT}};
    run r[WAYS];
    bool ok[WAYS];
    for (int w = 0; w < WAYS; w++) {
        ok[w] = setup(&r[w], data, size, ways[w]);
        /* neither fusion nor the tier may change what loads and what instantiates */
        if (ok[w] != ok[0] || r[w].err.status != r[0].err.status ||
            (r[w].inst == NULL) != (r[0].inst == NULL))
            abort();
    }
    if (r[0].inst) {
        for (int w = 1; w < WAYS; w++)
            compare_state(&r[0], &r[w]);
        size_t ne = wasm_module_export_count(r[0].m);
        for (size_t i = 0; i < ne; i++) {
            wasm_export_desc d;
            wasm_module_export(r[0].m, i, &d);
            if (d.kind != WASM_EXTERN_FUNC || d.func.param_count != 0 ||
                d.func.result_count > MAX_RESULTS_CHECKED)
                continue;
            wasm_value res[WAYS][MAX_RESULTS_CHECKED];
            wasm_error x[WAYS];
            wasm_status st[WAYS];
            for (int w = 0; w < WAYS; w++) {
                wasm_extern e;
                if (!wasm_instance_export_n(r[w].inst, d.name, d.name_len, &e))
                    abort(); /* an export the module lists must be found */
                wasm_store_set_fuel(r[w].store, FUEL);
                st[w] = wasm_call(r[w].store, e.of.func, NULL, 0, res[w], d.func.result_count, &x[w]);
            }
            if (st[0] != WASM_OK && st[0] != WASM_ERR_TRAP)
                abort();
            for (int w = 1; w < WAYS; w++) {
                if (st[w] != st[0] || (st[0] == WASM_ERR_TRAP && x[w].trap != x[0].trap))
                    abort();
                /* machine code traps where the plain interpreter does, with
                 * the same backtrace (fused code names other offsets) */
                if (w >= 2 && st[0] == WASM_ERR_TRAP && x[w].trap != WASM_TRAP_HOST &&
                    strcmp(x[w].message, x[1].message) != 0)
                    abort();
                if (wasm_store_fuel_remaining(r[w].store) != wasm_store_fuel_remaining(r[0].store))
                    abort();
                for (uint32_t k = 0; st[0] == WASM_OK && k < d.func.result_count; k++)
                    if (res[w][k].type != d.func.results[k] || !same_value(&res[w][k], &res[0][k]))
                        abort();
                compare_state(&r[0], &r[w]);
            }
        }
    }
    for (int w = 0; w < WAYS; w++)
        if (ok[w])
            teardown(&r[w]);
    return 0;
}
