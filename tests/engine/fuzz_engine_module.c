/* libFuzzer target: arbitrary bytes through decode + validate + compile,
 * then instantiation (every import satisfied by a stand-in of the right
 * type) and a call of every exported function that takes no arguments, all
 * under tight limits and a fuel budget so that no input can hang. */
#include "engine/wasm.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUEL = 200000 };

static wasm_value zero_of(wasm_type t)
{
    wasm_value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/* Imported functions return zeros of their result types; one in three traps,
 * to exercise unwinding through host frames. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_error err;
    wasm_module *m = wasm_module_new(data, size, &err);
    if (!m)
        return 0;
    wasm_store_limits limits = {256, 10000, 2000};
    wasm_store *store = wasm_store_new(&limits);
    wasm_store_set_fuel(store, FUEL);
    size_t n = wasm_module_import_count(m);
    wasm_extern *imports = calloc(n ? n : 1, sizeof *imports);
    wasm_functype *types = calloc(n ? n : 1, sizeof *types);
    bool ok = imports && types;
    for (size_t i = 0; ok && i < n; i++) {
        wasm_import_desc d;
        wasm_module_import(m, i, &d);
        imports[i].kind = d.kind;
        switch (d.kind) {
        case WASM_EXTERN_FUNC:
            /* the type's arrays belong to the module, which outlives the store */
            types[i] = d.func;
            imports[i].of.func = wasm_func_new_host(store, &types[i], stand_in, &types[i], d.name);
            ok = imports[i].of.func != NULL;
            break;
        case WASM_EXTERN_TABLE:
            imports[i].of.table = wasm_table_new(store, d.elem_type, d.limits, zero_of(d.elem_type), &err);
            ok = imports[i].of.table != NULL;
            break;
        case WASM_EXTERN_MEMORY:
            imports[i].of.memory = wasm_memory_new(store, d.limits, &err);
            ok = imports[i].of.memory != NULL;
            break;
        case WASM_EXTERN_GLOBAL:
            imports[i].of.global = wasm_global_new(store, d.elem_type, d.global_mutable,
                                                   zero_of(d.elem_type), &err);
            ok = imports[i].of.global != NULL;
            break;
        }
    }
    wasm_instance *inst = ok ? wasm_instantiate(store, m, imports, n, &err) : NULL;
    if (inst) {
        size_t ne = wasm_module_export_count(m);
        for (size_t i = 0; i < ne; i++) {
            wasm_export_desc d;
            wasm_module_export(m, i, &d);
            wasm_extern ex;
            if (d.kind != WASM_EXTERN_FUNC || d.func.param_count != 0 || d.func.result_count > 64)
                continue;
            if (!wasm_instance_export_n(inst, d.name, d.name_len, &ex))
                abort(); /* an export the module lists must be found */
            wasm_value results[64];
            wasm_store_set_fuel(store, FUEL);
            wasm_status st = wasm_call(store, ex.of.func, NULL, 0, results, d.func.result_count, &err);
            if (st == WASM_OK) {
                for (uint32_t k = 0; k < d.func.result_count; k++)
                    if (results[k].type != d.func.results[k])
                        abort();
            } else if (st != WASM_ERR_TRAP) {
                abort(); /* only a trap can stop a call here */
            }
        }
    }
    free(imports);
    free(types);
    wasm_store_free(store);
    wasm_module_free(m);
    return 0;
}
