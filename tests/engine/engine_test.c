/* Unit tests of the engine's embedding API (src/engine/wasm.h): host
 * functions, traps and exits from the host, re-entry, limits (memory pages,
 * call depth, fuel), memory access from the host, linking across instances,
 * and error messages that name functions and byte offsets.
 *
 *   engine_test WAT_BUILD_DIR     (the .wasm files compiled from tests/engine/wat) */
#include "check.h"
#include "common/file.h"
#include "engine/wasm.h"

/* Larger than any module a test reads. */
#define WASM_FILE_LIMIT (1u << 30)

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *wasm_dir;

/* How the modules are loaded (engine_test [--lazy] [--borrow] [--jit] DIR):
 * the defaults, or every function translated on its first call, the bytes
 * lent to the engine rather than copied, or the JIT tier. */
static wasm_module_options load_options;
static uint8_t **borrowed; /* module bytes lent with --borrow (freed at exit) */
static size_t borrowed_count;

static wasm_module *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", wasm_dir, name);
    file_contents file;
    char why[256];
    if (file_read_all(path, WASM_FILE_LIMIT, 0, &file, why, sizeof why) != FILE_OK) {
        printf("%s: %s\n", path, why);
        return NULL;
    }
    uint8_t *bytes = file.data;
    size_t size = file.size;
    wasm_error err;
    wasm_module *m = wasm_module_new_with(bytes, size, &load_options, &err);
    if (load_options.borrow_bytes) {
        /* the bytes must outlive the module (freed at exit, after every
         * module; ASan would catch a read after that) */
        uint8_t **grown = realloc(borrowed, (borrowed_count + 1) * sizeof *grown);
        if (grown) {
            borrowed = grown;
            borrowed[borrowed_count++] = bytes;
        } else {
            wasm_module_free(m); /* cannot keep the bytes: do not leave a dangling module */
            m = NULL;
            free(bytes);
        }
    } else {
        free(bytes);
    }
    if (!m)
        printf("%s: %s: %s\n", name, wasm_status_name(err.status), err.message);
    return m;
}

static wasm_func *export_func(wasm_instance *inst, const char *name)
{
    wasm_extern ex;
    if (!wasm_instance_export(inst, name, &ex) || ex.kind != WASM_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

/* The JIT compiles a function on its first call (the lazy trampoline),
 * or every function at load with the eager compile mode. */
static void jit_lazy_and_eager(void)
{
    /* f() calls g(), which returns 7; f is exported */
    static const uint8_t two[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f,
                                  3, 3, 2, 0, 0, 7, 5, 1, 1, 'f', 0, 0,
                                  10, 11, 2, 4, 0, 0x10, 1, 0x0b, 4, 0, 0x41, 7, 0x0b};
    for (int eager = 0; eager < 2; eager++) {
        wasm_error err;
        wasm_module_options o = {.tier = WASM_TIER_JIT,
                                 .compile = eager ? WASM_COMPILE_EAGER : WASM_COMPILE_AUTO};
        wasm_module *m = wasm_module_new_with(two, sizeof two, &o, &err);
        CHECK(m != NULL);
        if (!m)
            return;
        uint32_t compiled, functions;
        wasm_module_jit_counts(m, &compiled, &functions);
        CHECK_EQ_INT(functions, 2);
        CHECK_EQ_INT(compiled, eager ? 2 : 0);
        wasm_store *s = wasm_store_new(NULL);
        wasm_instance *inst = wasm_instantiate(s, m, NULL, 0, &err);
        CHECK(inst != NULL);
        wasm_value res[1];
        for (int call = 0; inst && call < 2; call++) {
            CHECK_EQ_INT(wasm_call(s, export_func(inst, "f"), NULL, 0, res, 1, &err), WASM_OK);
            CHECK(res[0].type == WASM_I32 && res[0].of.i32 == 7);
        }
        wasm_module_jit_counts(m, &compiled, &functions);
        CHECK_EQ_INT(compiled, 2);
        wasm_store_free(s);
        wasm_module_free(m);
    }
}

static wasm_value f64v(double d)
{
    wasm_value v = {WASM_F64, {.f64_bits = 0}};
    memcpy(&v.of.f64_bits, &d, 8);
    return v;
}

static double as_f64(wasm_value v)
{
    double d;
    memcpy(&d, &v.of.f64_bits, 8);
    return d;
}

/* ---- host functions ------------------------------------------------------------------- */

typedef struct host_env {
    wasm_store *store;
    wasm_instance *inst; /* for re-entry */
    int calls;
} host_env;

static wasm_status h_add3(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    ((host_env *)env)->calls++;
    r[0] = f64v((double)(int32_t)a[0].of.i32 + (double)(int64_t)a[1].of.i64 + as_f64(a[2]));
    return WASM_OK;
}

static wasm_status h_fail(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    return wasm_ctx_trap(ctx, "host says no to %u", a[0].of.i32);
}

static wasm_status h_quit(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    return wasm_ctx_exit(ctx, (int32_t)a[0].of.i32);
}

static wasm_status h_reenter(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    host_env *he = env;
    wasm_func *dbl = export_func(he->inst, "double");
    wasm_value arg = wasm_i32(a[0].of.i32), res;
    wasm_error err;
    wasm_status st = wasm_call(wasm_ctx_store(ctx), dbl, &arg, 1, &res, 1, &err);
    if (st != WASM_OK)
        return wasm_ctx_trap(ctx, "re-entry failed: %s", err.message);
    /* the host also sees the caller's memory */
    wasm_memory *mem = wasm_ctx_memory(ctx);
    if (!mem || memcmp(wasm_memory_data(mem) + 16, "hello", 5) != 0)
        return wasm_ctx_trap(ctx, "caller memory not visible");
    r[0] = res;
    return WASM_OK;
}

/* host -> wasm -> host ... without end: must stop with a trap, not a crash */
static wasm_status h_deep(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    host_env *he = env;
    wasm_value arg = wasm_i32(a[0].of.i32 + 1), res;
    wasm_error err;
    wasm_status st = wasm_call(wasm_ctx_store(ctx), export_func(he->inst, "call_deep"), &arg, 1, &res, 1, &err);
    if (st != WASM_OK)
        return wasm_ctx_trap(ctx, "%s", err.message);
    r[0] = res;
    return WASM_OK;
}

static wasm_status h_pair(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    r[0] = wasm_i32(a[0].of.i32 + 1);
    r[1] = wasm_i64(1000);
    return WASM_OK;
}

static wasm_status h_plus1000(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    r[0] = wasm_i32(a[0].of.i32 + 1000);
    return WASM_OK;
}

static wasm_status h_wrong_type(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    r[0] = wasm_i64(1); /* declared f64 */
    return WASM_OK;
}

static void test_host_functions(void)
{
    wasm_module *m = load("host");
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ_INT(wasm_module_import_count(m), 6);
    wasm_import_desc d;
    CHECK(wasm_module_import(m, 0, &d));
    CHECK_EQ_STR(d.module, "env");
    CHECK_EQ_STR(d.name, "add3");
    CHECK_EQ_INT(d.func.param_count, 3);
    CHECK_EQ_INT(d.func.results[0], WASM_F64);
    CHECK_EQ_STR(wasm_module_func_name(m, 7), "inner_fail");

    wasm_store *s = wasm_store_new(NULL);
    host_env env = {s, NULL, 0};
    static const wasm_type p_add3[] = {WASM_I32, WASM_I64, WASM_F64}, r_f64[] = {WASM_F64},
                           p_i32[] = {WASM_I32}, r_i32[] = {WASM_I32},
                           r_pair[] = {WASM_I32, WASM_I64};
    wasm_functype t_add3 = {3, 1, p_add3, r_f64}, t_i32_void = {1, 0, p_i32, NULL},
                  t_i32_i32 = {1, 1, p_i32, r_i32}, t_pair = {1, 2, p_i32, r_pair};
    wasm_extern imports[6] = {
        {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(s, &t_add3, h_add3, &env, "add3")}},
        {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(s, &t_i32_void, h_fail, &env, "fail")}},
        {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(s, &t_i32_void, h_quit, &env, "quit")}},
        {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(s, &t_i32_i32, h_reenter, &env, "reenter")}},
        {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(s, &t_pair, h_pair, &env, "pair")}},
        {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(s, &t_i32_i32, h_deep, &env, "deep")}},
    };
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(s, m, imports, 6, &err);
    CHECK(inst != NULL);
    if (!inst) {
        printf("%s\n", err.message);
        return;
    }
    env.inst = inst;

    /* arguments and a result through a host function */
    wasm_value args[3] = {wasm_i32((uint32_t)-5), wasm_i64(7), f64v(0.25)}, res[2];
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "call_add3"), args, 3, res, 1, &err), WASM_OK);
    CHECK(res[0].type == WASM_F64 && as_f64(res[0]) == 2.25);
    CHECK_EQ_INT(env.calls, 1);

    /* a host function called directly from the host */
    CHECK_EQ_INT(wasm_call(s, imports[0].of.func, args, 3, res, 1, &err), WASM_OK);
    CHECK(as_f64(res[0]) == 2.25);

    /* a trap raised by the host: message and backtrace through wasm frames */
    wasm_value a1 = wasm_i32(7);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "call_fail"), &a1, 1, NULL, 0, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_HOST);
    CHECK(strstr(err.message, "host says no to 7") != NULL);
    CHECK(err.frame_count >= 2);
    CHECK_EQ_STR(err.frames[0].name, "inner_fail");
    CHECK(strstr(err.message, "inner_fail") != NULL);

    /* a host trap under deep recursion: every frame in the backtrace */
    wasm_value a10 = wasm_i32(12);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "call_deep_fail"), &a10, 1, NULL, 0, &err),
                 WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_HOST);
    CHECK_EQ_INT(err.frame_count, 15); /* inner_fail, 13 deep_fail, call_deep_fail */
    bool deep_named = err.frame_count == 15 && !strcmp(err.frames[0].name, "inner_fail") &&
                      !strcmp(err.frames[14].name, "call_deep_fail");
    for (uint32_t k = 1; deep_named && k < 14; k++)
        deep_named = !strcmp(err.frames[k].name, "deep_fail");
    for (uint32_t k = 0; !deep_named && k < err.frame_count; k++)
        printf("     frame %u: %s\n", k, err.frames[k].name);
    CHECK(deep_named);

    /* the store is still usable after a trap */
    wasm_value a2 = wasm_i32(21);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "double"), &a2, 1, res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res[0].of.i32, 42);

    /* exit from deep inside wasm unwinds everything */
    wasm_value a3 = wasm_i32(50);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "call_quit"), &a3, 1, NULL, 0, &err), WASM_ERR_EXIT);
    CHECK_EQ_INT(err.exit_code, 42);

    /* re-entry: host -> wasm -> host -> wasm */
    wasm_value a4 = wasm_i32(10);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "call_reenter"), &a4, 1, res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res[0].of.i32, 21);

    /* unbounded re-entry traps cleanly, and the store stays usable */
    wasm_value a9 = wasm_i32(0);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "call_deep"), &a9, 1, res, 1, &err), WASM_ERR_TRAP);
    CHECK(strstr(err.message, "call stack exhausted") != NULL);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "double"), &a2, 1, res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res[0].of.i32, 42);

    /* multiple results from a host function */
    wasm_value a5 = wasm_i32(4);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "call_pair"), &a5, 1, res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res[0].of.i64, 1005);

    /* memory shared with the host, and growth seen on both sides */
    wasm_extern mex;
    CHECK(wasm_instance_export(inst, "memory", &mex) && mex.kind == WASM_EXTERN_MEMORY);
    wasm_memory *mem = mex.of.memory;
    CHECK_EQ_INT(wasm_memory_size(mem), 65536);
    wasm_memory_data(mem)[100] = 99;
    wasm_value a6 = wasm_i32(100);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "load8"), &a6, 1, res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res[0].of.i32, 99);
    CHECK_EQ_INT(wasm_memory_grow(mem, 1), 1);
    wasm_memory_data(mem)[65536 + 5] = 77;
    wasm_value a7 = wasm_i32(65536 + 5);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "load8"), &a7, 1, res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res[0].of.i32, 77);
    wasm_value a8 = wasm_i32(5); /* beyond the declared maximum of 4 pages */
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "grow"), &a8, 1, res, 1, &err), WASM_OK);
    CHECK_EQ_INT((int32_t)res[0].of.i32, -1);
    CHECK_EQ_INT(wasm_memory_grow(mem, 3), -1);
    CHECK_EQ_INT(wasm_memory_limits(mem).max, 4);

    /* API misuse is reported, not crashed on */
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "double"), NULL, 0, res, 1, &err), WASM_ERR_ARGUMENT);
    wasm_value wrong = wasm_i64(1);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "double"), &wrong, 1, res, 1, &err), WASM_ERR_ARGUMENT);
    CHECK(strstr(err.message, "argument 0") != NULL);

    /* a host function returning the wrong type traps instead of corrupting */
    wasm_functype t_f64 = {0, 1, NULL, r_f64};
    wasm_func *bad = wasm_func_new_host(s, &t_f64, h_wrong_type, NULL, "wrong_type");
    CHECK_EQ_INT(wasm_call(s, bad, NULL, 0, res, 1, &err), WASM_ERR_TRAP);
    CHECK(strstr(err.message, "wrong_type returned a i64") != NULL);

    /* wrong imports: unlinkable with a message naming the import */
    wasm_extern swapped[6];
    memcpy(swapped, imports, sizeof swapped);
    swapped[0] = imports[1];
    CHECK(wasm_instantiate(s, m, swapped, 6, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_UNLINKABLE);
    CHECK(strstr(err.message, "add3") != NULL);
    CHECK(wasm_instantiate(s, m, imports, 5, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_ARGUMENT);

    wasm_store_free(s);
    wasm_module_free(m);
}

/* ---- limits ---------------------------------------------------------------------------- */

/* A module compiled unmetered (its machine code charges no fuel) never runs
 * in a metered store: a store with fuel refuses to instantiate it, and a
 * store holding it refuses fuel, so a budget is never silently ignored. */
static void test_unmetered(void)
{
    wasm_module_options saved = load_options;
    load_options.unmetered = true;
    wasm_module *m = load("limits");
    load_options = saved;
    CHECK(m != NULL);
    if (!m)
        return;
    wasm_error err;
    wasm_store *metered = wasm_store_new(NULL);
    CHECK(wasm_store_set_fuel(metered, 1000));
    CHECK(wasm_instantiate(metered, m, NULL, 0, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_ARGUMENT);
    CHECK(strstr(err.message, "unmetered") != NULL);
    wasm_store_free(metered);

    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, 0, &err);
    CHECK(inst != NULL);
    if (inst) {
        CHECK(!wasm_store_set_fuel(s, 100000));
        CHECK_EQ_INT(wasm_store_fuel_remaining(s), 0);
        CHECK(wasm_store_set_fuel(s, 0));
        /* calls and loops run to the end, in whatever tier the options chose */
        wasm_value arg = wasm_i32(3000000), res;
        CHECK_EQ_INT(wasm_call(s, export_func(inst, "count"), &arg, 1, &res, 1, &err), WASM_OK);
        CHECK_EQ_INT(res.of.i32, 3000000);
    }
    wasm_store_free(s);
    wasm_module_free(m);
}

static wasm_instance *instance_of(wasm_store *s, wasm_module *m)
{
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(s, m, NULL, 0, &err);
    if (!inst)
        printf("instantiate: %s\n", err.message);
    return inst;
}

static void test_limits(void)
{
    wasm_module *m = load("limits");
    CHECK(m != NULL);
    if (!m)
        return;
    wasm_error err;
    wasm_value res, arg;

    /* call depth */
    wasm_store_limits lim = {0, 0, 1000};
    wasm_store *s = wasm_store_new(&lim);
    wasm_instance *inst = instance_of(s, m);
    CHECK(inst != NULL);
    arg = wasm_i32(900);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "recurse"), &arg, 1, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 900);
    arg = wasm_i32(1100);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "recurse"), &arg, 1, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_STACK_EXHAUSTED);
    CHECK(strncmp(err.message, "call stack exhausted", 20) == 0);
    CHECK_EQ_STR(err.frames[0].name, "recurse");
    CHECK_EQ_INT(err.frame_count, WASM_MAX_BACKTRACE);
    /* default depth: deep but finite recursion works, runaway traps */
    wasm_store *s2 = wasm_store_new(NULL);
    wasm_instance *inst2 = instance_of(s2, m);
    arg = wasm_i32(50000);
    CHECK_EQ_INT(wasm_call(s2, export_func(inst2, "recurse"), &arg, 1, &res, 1, &err), WASM_OK);
    arg = wasm_i32(100000000);
    CHECK_EQ_INT(wasm_call(s2, export_func(inst2, "recurse"), &arg, 1, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_STACK_EXHAUSTED);
    wasm_store_free(s2);

    /* fuel: an endless loop stops; a bounded one finishes within budget */
    wasm_store_set_fuel(s, 100000);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "forever"), NULL, 0, NULL, 0, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_FUEL_EXHAUSTED);
    CHECK_EQ_STR(err.frames[0].name, "forever");
    CHECK_EQ_INT(wasm_store_fuel_remaining(s), 0);
    wasm_store_set_fuel(s, 1000000);
    arg = wasm_i32(1000);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "count"), &arg, 1, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 1000);
    uint64_t left = wasm_store_fuel_remaining(s);
    CHECK(left < 1000000 - 1000 && left > 1000000 - 100000);
    arg = wasm_i32(100000000);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "count"), &arg, 1, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_FUEL_EXHAUSTED);
    wasm_store_set_fuel(s, 0); /* metering off */
    arg = wasm_i32(3000000);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "count"), &arg, 1, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 3000000);

    /* traps name the function and the byte offset, with the caller chain */
    wasm_value two[2] = {wasm_i32(1), wasm_i32(0)};
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "divide"), two, 2, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_DIV_BY_ZERO);
    CHECK(strncmp(err.message, "integer divide by zero", 22) == 0);
    CHECK(strstr(err.message, "\"divide\"") != NULL);
    CHECK(strstr(err.message, "byte offset") != NULL);
    CHECK_EQ_INT(err.frame_count, 2);
    CHECK_EQ_STR(err.frames[0].name, "divide");
    CHECK_EQ_STR(err.frames[1].name, "middle");
    CHECK(err.frames[0].code_offset > 0);
    arg = wasm_i32(65535);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "oob"), &arg, 1, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_OOB_MEMORY);
    arg = wasm_i32(65536 - 12);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "oob"), &arg, 1, &res, 1, &err), WASM_OK);
    wasm_store_free(s);

    /* memory pages */
    wasm_store_limits mlim = {3, 0, 0};
    s = wasm_store_new(&mlim);
    inst = instance_of(s, m);
    arg = wasm_i32(2);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "grow"), &arg, 1, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 1);
    arg = wasm_i32(1);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "grow"), &arg, 1, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT((int32_t)res.of.i32, -1);
    wasm_module *big = load("bad_memory");
    CHECK(big != NULL);
    CHECK(wasm_instantiate(s, big, NULL, 0, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_NOMEM);
    CHECK(strstr(err.message, "limit") != NULL);
    wasm_store_free(s);
    wasm_module_free(big);
    wasm_module_free(m);

    /* a trap in the start function fails instantiation */
    wasm_module *st = load("start_trap");
    s = wasm_store_new(NULL);
    CHECK(wasm_instantiate(s, st, NULL, 0, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_UNREACHABLE);
    CHECK_EQ_STR(err.frames[0].name, "boom");
    wasm_store_free(s);
    wasm_module_free(st);
}

/* ---- linking ------------------------------------------------------------------------------- */

static void test_linking(void)
{
    wasm_module *pm = load("provider"), *cm = load("consumer");
    CHECK(pm && cm);
    if (!pm || !cm)
        return;
    wasm_store *s = wasm_store_new(NULL);
    wasm_error err;
    wasm_instance *p = instance_of(s, pm);
    const char *names[] = {"f", "table", "counter", "mem"};
    wasm_extern imports[4];
    for (int i = 0; i < 4; i++)
        CHECK(wasm_instance_export(p, names[i], &imports[i]));
    wasm_instance *c = wasm_instantiate(s, cm, imports, 4, &err);
    CHECK(c != NULL);
    if (!c)
        return;
    wasm_value res, arg = wasm_i32(1);
    CHECK_EQ_INT(wasm_call(s, export_func(c, "direct"), &arg, 1, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 101);
    wasm_value two[2] = {wasm_i32(2), wasm_i32(0)};
    CHECK_EQ_INT(wasm_call(s, export_func(c, "indirect"), two, 2, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 102);
    CHECK_EQ_INT(wasm_call(s, export_func(c, "call_then_trap"), &arg, 1, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_UNREACHABLE);
    two[1] = wasm_i32(1);
    CHECK_EQ_INT(wasm_call(s, export_func(c, "indirect"), two, 2, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_UNINITIALIZED_ELEMENT);
    two[1] = wasm_i32(2);
    CHECK_EQ_INT(wasm_call(s, export_func(c, "indirect"), two, 2, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_UNDEFINED_ELEMENT);

    /* a host function placed in the shared table, called indirectly */
    static const wasm_type p_i32[] = {WASM_I32};
    wasm_functype t = {1, 1, p_i32, p_i32};
    wasm_value fv = {WASM_FUNCREF, {.funcref = wasm_func_new_host(s, &t, h_plus1000, NULL, "h")}};
    CHECK(wasm_table_set(imports[1].of.table, 1, fv));
    two[0] = wasm_i32(5);
    two[1] = wasm_i32(1);
    CHECK_EQ_INT(wasm_call(s, export_func(c, "indirect"), two, 2, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 1005);
    /* wrong signature through call_indirect */
    wasm_functype t2 = {0, 0, NULL, NULL};
    wasm_value gv = {WASM_FUNCREF, {.funcref = wasm_func_new_host(s, &t2, h_plus1000, NULL, "g")}};
    CHECK(wasm_table_set(imports[1].of.table, 1, gv));
    CHECK_EQ_INT(wasm_call(s, export_func(c, "indirect"), two, 2, &res, 1, &err), WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_INDIRECT_CALL_TYPE);

    /* the global and the memory are shared */
    CHECK_EQ_INT(wasm_call(s, export_func(c, "bump"), NULL, 0, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 6);
    CHECK_EQ_INT(wasm_global_get(imports[2].of.global).of.i32, 6);
    CHECK(wasm_global_set(imports[2].of.global, wasm_i32(40)));
    CHECK(!wasm_global_set(imports[2].of.global, wasm_i64(40)));
    CHECK_EQ_INT(wasm_call(s, export_func(c, "bump"), NULL, 0, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 41);
    wasm_value poke[2] = {wasm_i32(300), wasm_i32(9)};
    CHECK_EQ_INT(wasm_call(s, export_func(c, "poke"), poke, 2, NULL, 0, &err), WASM_OK);
    CHECK_EQ_INT(wasm_memory_data(imports[3].of.memory)[300], 9);

    /* tables from the host */
    wasm_table *tab = imports[1].of.table;
    CHECK_EQ_INT(wasm_table_size(tab), 2);
    wasm_value v;
    CHECK(wasm_table_get(tab, 0, &v) && v.of.funcref == imports[0].of.func);
    CHECK(!wasm_table_get(tab, 2, &v));
    CHECK(wasm_table_set(tab, 1, (wasm_value){WASM_FUNCREF, {.funcref = imports[0].of.func}}));
    two[0] = wasm_i32(5);
    two[1] = wasm_i32(1);
    CHECK_EQ_INT(wasm_call(s, export_func(c, "indirect"), two, 2, &res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res.of.i32, 105);
    CHECK_EQ_INT(wasm_table_grow(tab, 3, (wasm_value){WASM_FUNCREF, {.funcref = NULL}}), 2);
    CHECK_EQ_INT(wasm_table_size(tab), 5);

    wasm_store_free(s);
    wasm_module_free(pm);
    wasm_module_free(cm);
}

/* ---- malformed and invalid modules ---------------------------------------------------------- */

static void test_errors(void)
{
    wasm_error err;
    static const uint8_t not_wasm[] = "hello world";
    CHECK(wasm_module_new(not_wasm, sizeof not_wasm, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_MALFORMED);
    CHECK(strstr(err.message, "magic header not detected") != NULL);

    CHECK(wasm_module_new(NULL, 0, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_MALFORMED);

    /* (func (result i32) (f32.const 0)) : type mismatch, in function 0 at a byte offset */
    static const uint8_t invalid[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f,
                                      3, 2, 1, 0, 10, 9, 1, 7, 0, 0x43, 0, 0, 0, 0, 0x0b};
    CHECK(wasm_module_new(invalid, sizeof invalid, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_INVALID);
    CHECK(strstr(err.message, "type mismatch") != NULL);
    CHECK(strstr(err.message, "function 0") != NULL);
    CHECK(strstr(err.message, "byte offset 29") != NULL);

    /* truncated: every prefix of a valid module fails cleanly (except those that
     * end at a section boundary before the function section: valid modules) */
    static const uint8_t valid[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f,
                                    3, 2, 1, 0, 10, 6, 1, 4, 0, 0x41, 7, 0x0b};
    wasm_module *m = wasm_module_new(valid, sizeof valid, &err);
    CHECK(m != NULL);
    wasm_module_free(m);
    int clean = 1;
    for (size_t n = 0; n < sizeof valid; n++) {
        m = wasm_module_new(valid, n, &err);
        bool boundary = n == 8 || n == 15;
        if (boundary ? !m : (m || err.status != WASM_ERR_MALFORMED || !err.message[0])) {
            printf("     prefix of %zu bytes: %s: %s\n", n, wasm_status_name(err.status), err.message);
            clean = 0;
        }
        wasm_module_free(m);
    }
    CHECK(clean);
    /* options the engine cannot honour are refused, naming the problem */
    /* the JIT tier: the module says which tier runs it */
    wasm_module_options jit = {.tier = WASM_TIER_JIT};
    m = wasm_module_new_with(valid, sizeof valid, &jit, &err);
    CHECK(m != NULL);
    CHECK_EQ_INT(wasm_module_tier(m), WASM_TIER_JIT);
    wasm_module_free(m);
    jit_lazy_and_eager();
    wasm_module_options bad = {.compile = (wasm_compile_when)7};
    CHECK(wasm_module_new_with(valid, sizeof valid, &bad, &err) == NULL);
    CHECK_EQ_INT(err.status, WASM_ERR_ARGUMENT);
    wasm_module_options interp = {.tier = WASM_TIER_INTERP, .compile = WASM_COMPILE_LAZY, .no_fusion = true};
    m = wasm_module_new_with(valid, sizeof valid, &interp, &err);
    CHECK(m != NULL);
    wasm_module_free(m);
    m = wasm_module_new_with(valid, sizeof valid, NULL, &err); /* NULL: the defaults */
    CHECK(m != NULL);
    wasm_module_free(m);

    /* Names are well-formed UTF-8 (src/common/utf8.c): a custom section named
     * by an overlong form, a surrogate or a code point past U+10FFFF is
     * malformed; U+0080 and U+10FFFF are fine. */
    static const struct {
        const char *name;
        bool ok;
    } names[] = {{"\xC2\x80", true}, {"\xF4\x8F\xBF\xBF", true}, {"\xC0\xAF", false},
                 {"\xE0\x80\xAF", false}, {"\xED\xA0\x80", false}, {"\xF4\x90\x80\x80", false}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint8_t mod[16] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0};
        size_t len = strlen(names[i].name);
        mod[9] = (uint8_t)(len + 1);
        mod[10] = (uint8_t)len;
        memcpy(mod + 11, names[i].name, len);
        m = wasm_module_new(mod, 11 + len, &err);
        CHECK(names[i].ok ? m != NULL : (m == NULL && strstr(err.message, "malformed UTF-8") != NULL));
        wasm_module_free(m);
    }
    CHECK_EQ_STR(wasm_status_name(WASM_ERR_UNLINKABLE), "unlinkable");
    CHECK_EQ_STR(wasm_trap_message(WASM_TRAP_INDIRECT_CALL_TYPE), "indirect call type mismatch");
}

/* ---- SIMD values through the API ---------------------------------------------------------- */

static wasm_value v128_of(const uint32_t lanes[4])
{
    wasm_value v = {WASM_V128, {.i64 = 0}};
    memcpy(v.of.v128, lanes, 16);
    return v;
}

static wasm_status h_vhost(wasm_call_ctx *ctx, void *env, const wasm_value *a, wasm_value *r)
{
    /* adds the i32 to every byte of the v128 */
    r[0].type = WASM_V128;
    for (int i = 0; i < 16; i++)
        r[0].of.v128[i] = (uint8_t)(a[0].of.v128[i] + a[1].of.i32);
    return WASM_OK;
}

static void test_simd(void)
{
    wasm_module *m = load("simd");
    CHECK(m != NULL);
    if (!m)
        return;
    wasm_store *s = wasm_store_new(NULL);
    static const wasm_type p_vi[] = {WASM_V128, WASM_I32}, r_v[] = {WASM_V128};
    wasm_functype t = {2, 1, p_vi, r_v};
    wasm_extern imp = {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(s, &t, h_vhost, NULL, "vhost")}};
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(s, m, &imp, 1, &err);
    CHECK(inst != NULL);
    if (!inst)
        return;
    static const uint32_t x[4] = {1, 2, 3, 0xffffffff}, y[4] = {10, 20, 30, 1};
    wasm_value args[2] = {v128_of(x), v128_of(y)}, res[3];
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "vadd"), args, 2, res, 1, &err), WASM_OK);
    uint32_t out[4];
    memcpy(out, res[0].of.v128, 16);
    CHECK(res[0].type == WASM_V128 && out[0] == 11 && out[1] == 22 && out[2] == 33 && out[3] == 0);

    CHECK_EQ_INT(wasm_call(s, export_func(inst, "via_host"), args, 1, res, 1, &err), WASM_OK);
    CHECK_EQ_INT(res[0].of.v128[0], 12); /* 1 + 10 + 1 */
    CHECK_EQ_INT(res[0].of.v128[15], 10); /* 0xff + 10 + 1 wraps */

    CHECK_EQ_INT(wasm_call(s, export_func(inst, "multi"), NULL, 0, res, 3, &err), WASM_OK);
    memcpy(out, res[0].of.v128, 16);
    CHECK(res[0].type == WASM_V128 && out[0] == 1 && out[3] == 4);
    CHECK(res[1].type == WASM_I32 && res[1].of.i32 == 7);
    uint64_t two[2];
    memcpy(two, res[2].of.v128, 16);
    CHECK(res[2].type == WASM_V128 && two[0] == UINT64_MAX && two[1] == 5);

    wasm_extern g;
    CHECK(wasm_instance_export(inst, "g", &g) && g.kind == WASM_EXTERN_GLOBAL);
    CHECK_EQ_INT(wasm_global_type(g.of.global), WASM_V128);
    float f[4] = {1.5f, -2.0f, 0.5f, 3.0f};
    wasm_value fv = {WASM_V128, {.i64 = 0}};
    memcpy(fv.of.v128, f, 16);
    CHECK(wasm_global_set(g.of.global, fv));
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "square_g"), NULL, 0, res, 1, &err), WASM_OK);
    float sq[4];
    memcpy(sq, res[0].of.v128, 16);
    CHECK(sq[0] == 2.25f && sq[1] == 4.0f && sq[2] == 0.25f && sq[3] == 9.0f);
    wasm_value gv = wasm_global_get(g.of.global);
    float gsq[4];
    memcpy(gsq, gv.of.v128, 16);
    CHECK(gv.type == WASM_V128 && gsq[0] == sq[0] && gsq[1] == sq[1] && gsq[2] == sq[2] &&
          gsq[3] == sq[3]);

    double d[2] = {1.0, -7.25};
    wasm_value dv = {WASM_V128, {.i64 = 0}};
    memcpy(dv.of.v128, d, 16);
    CHECK_EQ_INT(wasm_call(s, export_func(inst, "lane"), &dv, 1, res, 1, &err), WASM_OK);
    CHECK(res[0].type == WASM_F64 && as_f64(res[0]) == -7.25);
    wasm_store_free(s);
    wasm_module_free(m);
}

/* ---- NaN payloads --------------------------------------------------------------------- */

/* nan_order.wat: with two NaN operands an add or multiply returns the first
 * (x86, the JIT, V8), in every tier and build (a compiler swapping the
 * operands of the interpreter's C + or * changed the payload). */
static void nan_order_in(wasm_module *m)
{
    static const uint64_t x = 0x7ff8000000000001ull, a = 0xfff8000000000002ull,
                          b = 0x7ff8000000000003ull;
    static const struct { const char *name; unsigned nargs; uint64_t want; } f64_cases[] = {
        {"f64_add", 2, x},   {"f64_mul", 2, x},        {"f64_max", 2, x},
        {"mul_add", 3, x},   {"mul_add_r", 3, a},      {"add_mem", 2, x},
        {"mul_mem", 2, x},   {"add_mem_at_sum", 2, x}, {"add_store", 2, x},
        {"add_rmw", 2, x},
    };
    static const struct { const char *name; uint32_t want; } f32_cases[] = {
        {"f32_add", 0x7fc00001u}, {"f32_mul", 0x7fc00001u},
    };
    wasm_store *s = wasm_store_new(NULL);
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(s, m, NULL, 0, &err);
    CHECK(inst != NULL);
    if (!inst) {
        wasm_store_free(s);
        return;
    }
    wasm_value res[1];
    for (size_t i = 0; i < sizeof f64_cases / sizeof f64_cases[0]; i++) {
        wasm_value args[3] = {{WASM_F64, {.f64_bits = x}}, {WASM_F64, {.f64_bits = a}},
                              {WASM_F64, {.f64_bits = b}}};
        CHECK_EQ_INT(wasm_call(s, export_func(inst, f64_cases[i].name), args, f64_cases[i].nargs,
                               res, 1, &err),
                     WASM_OK);
        if (res[0].of.i64 != f64_cases[i].want)
            printf("nan_order %s: 0x%016llx, want 0x%016llx\n", f64_cases[i].name,
                   (unsigned long long)res[0].of.i64, (unsigned long long)f64_cases[i].want);
        CHECK(res[0].of.i64 == f64_cases[i].want);
    }
    for (size_t i = 0; i < sizeof f32_cases / sizeof f32_cases[0]; i++) {
        wasm_value args[2] = {{WASM_F32, {.f32_bits = 0x7fc00001u}},
                              {WASM_F32, {.f32_bits = 0xffc00002u}}};
        CHECK_EQ_INT(wasm_call(s, export_func(inst, f32_cases[i].name), args, 2, res, 1, &err),
                     WASM_OK);
        CHECK_EQ_INT(res[0].of.i32, f32_cases[i].want);
    }
    wasm_store_free(s);
}

/* In the interpreter with fusion and without, and as the options given say
 * (the JIT with --jit). */
static void test_nan_order(void)
{
    for (int way = 0; way < 3; way++) {
        wasm_module_options saved = load_options;
        if (way < 2) {
            load_options.tier = WASM_TIER_INTERP;
            load_options.no_fusion = way == 1;
        }
        wasm_module *m = load("nan_order");
        load_options = saved;
        CHECK(m != NULL);
        if (!m)
            continue;
        nan_order_in(m);
        wasm_module_free(m);
    }
}

/* ---- tiers ------------------------------------------------------------------------------ */

/* A test module, loaded in `tier` (the other options as given) */
static wasm_module *load_in(const char *file, wasm_tier tier)
{
    wasm_module_options saved = load_options;
    load_options.tier = tier;
    wasm_module *m = load(file);
    load_options = saved;
    return m;
}

static wasm_module *load_tiers(wasm_tier tier) { return load_in("tiers", tier); }

/* Runs export `name` of tiers.wat (loaded in `tier`) until the call stack is
 * exhausted, under fuel: returns the fuel left (0 when it did not trap so). */
static uint64_t exhaust_at(wasm_tier tier, const char *name, uint32_t depth)
{
    bool fused = load_options.no_fusion;
    load_options.no_fusion = depth == 0; /* frame sizes as the JIT's (unfused) */
    wasm_module *m = load_tiers(tier);
    load_options.no_fusion = fused;
    if (!m)
        return 0;
    wasm_store_limits lim = {0, 0, depth};
    wasm_store *s = wasm_store_new(&lim);
    wasm_instance *inst = instance_of(s, m);
    uint64_t left = 0;
    if (inst) {
        wasm_store_set_fuel(s, 100000000);
        wasm_value arg = wasm_i32(0), res;
        wasm_error err;
        if (wasm_call(s, export_func(inst, name), &arg, 1, &res, 1, &err) == WASM_ERR_TRAP &&
            err.trap == WASM_TRAP_STACK_EXHAUSTED)
            left = wasm_store_fuel_remaining(s);
    }
    wasm_store_free(s);
    wasm_module_free(m);
    return left;
}

/* exhaust_at with a call depth of 500: the frame records run out first */
static uint64_t exhaust(wasm_tier tier, const char *name)
{
    return exhaust_at(tier, name, 500);
}

static void test_tiers(void)
{
    static const char *const names[] = {"simd_rec", "scalar_then_simd", "mixed", "ind_rec"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        uint64_t interp = exhaust(WASM_TIER_INTERP, names[i]), jit = exhaust(WASM_TIER_JIT, names[i]);
        if (interp != jit || !interp)
            printf("     %s: fuel left %llu in the interpreter, %llu in the JIT\n", names[i],
                   (unsigned long long)interp, (unsigned long long)jit);
        CHECK(interp != 0 && interp == jit);
    }
    /* the default depth: the value stack runs out first (big_rec's frames) */
    uint64_t interp = exhaust_at(WASM_TIER_INTERP, "big_rec", 0);
    uint64_t jit = exhaust_at(WASM_TIER_JIT, "big_rec", 0);
    if (interp != jit || !interp)
        printf("     big_rec: fuel left %llu in the interpreter, %llu in the JIT\n",
               (unsigned long long)interp, (unsigned long long)jit);
    CHECK(interp != 0 && interp == jit);
}

/* What running export `name` of tiers.wat (loaded in `tier`) with argument
 * n under fuel gave: status, result or trap (err), fuel left, functions
 * compiled, a hash of the memory. */
typedef struct tier_run {
    wasm_status st;
    int32_t result;
    uint64_t fuel_left;
    uint32_t compiled, mem_sum;
    wasm_error err;
} tier_run;

/* run_in's call depth limit (0: the default) */
static uint32_t tier_run_depth;

/* Runs the module metered (fuel given) unless load_options say unmetered. */
static void run_in(const char *file, wasm_tier tier, const char *name, int32_t n, tier_run *out)
{
    memset(out, 0, sizeof *out);
    out->st = WASM_ERR_ARGUMENT;
    wasm_module *m = load_in(file, tier);
    if (!m)
        return;
    wasm_store_limits lim = {0, 0, tier_run_depth};
    wasm_store *s = wasm_store_new(&lim);
    wasm_instance *inst = instance_of(s, m);
    if (inst) {
        if (!load_options.unmetered)
            wasm_store_set_fuel(s, 100000000);
        wasm_value arg = wasm_i32(n), res;
        out->st = wasm_call(s, export_func(inst, name), &arg, 1, &res, 1, &out->err);
        out->result = out->st == WASM_OK ? res.of.i32 : 0;
        out->fuel_left = wasm_store_fuel_remaining(s);
        uint32_t total;
        wasm_module_jit_counts(m, &out->compiled, &total);
        wasm_extern mem;
        if (wasm_instance_export(inst, "memory", &mem) && mem.kind == WASM_EXTERN_MEMORY) {
            const uint8_t *p = wasm_memory_data(mem.of.memory);
            for (size_t i = 0; i < 65536; i++)
                out->mem_sum = out->mem_sum * 31 + p[i];
        }
    }
    wasm_store_free(s);
    wasm_module_free(m);
}

static void run_tiers(wasm_tier tier, const char *name, int32_t n, tier_run *out)
{
    run_in("tiers", tier, name, n, out);
}

static bool same_trap(const wasm_error *a, const wasm_error *b)
{
    if (a->status != b->status || a->trap != b->trap || a->frame_count != b->frame_count ||
        strcmp(a->message, b->message) != 0)
        return false;
    for (uint32_t i = 0; i < a->frame_count; i++)
        if (a->frames[i].func_index != b->frames[i].func_index ||
            a->frames[i].code_offset != b->frames[i].code_offset)
            return false;
    return true;
}

/* The tiered module's hot loop ($spin, called once): the same result, fuel
 * and memory as the interpreter's, and the function compiled on the way (a
 * trap in the loop's machine code: the interpreter's message and backtrace). */
static void test_tier_osr(void)
{
    tier_run interp, tiered;
    run_tiers(WASM_TIER_INTERP, "spin", 200000, &interp);
    run_tiers(WASM_TIER_TIERED, "spin", 200000, &tiered);
    if (tiered.result != interp.result || tiered.fuel_left != interp.fuel_left)
        printf("     spin: result %d / %d, fuel left %llu / %llu (interpreter / tiered)\n",
               interp.result, tiered.result, (unsigned long long)interp.fuel_left,
               (unsigned long long)tiered.fuel_left);
    CHECK(interp.st == WASM_OK && tiered.st == WASM_OK && tiered.result == interp.result &&
          tiered.fuel_left == interp.fuel_left && tiered.mem_sum == interp.mem_sum);
    CHECK(tiered.compiled >= 1); /* $spin, compiled in its loop */
    /* a loop calling compiled code on every iteration: compiled too */
    run_tiers(WASM_TIER_INTERP, "spin_calls", 200000, &interp);
    run_tiers(WASM_TIER_TIERED, "spin_calls", 200000, &tiered);
    if (tiered.compiled < 2)
        printf("     spin_calls: %u function(s) compiled, want $step and the loop\n", tiered.compiled);
    CHECK(interp.st == WASM_OK && tiered.st == WASM_OK && tiered.result == interp.result &&
          tiered.fuel_left == interp.fuel_left && tiered.compiled >= 2);
    run_tiers(WASM_TIER_INTERP, "spin_trap", 0, &interp);
    run_tiers(WASM_TIER_TIERED, "spin_trap", 0, &tiered);
    CHECK(interp.st == WASM_ERR_TRAP && same_trap(&interp.err, &tiered.err) &&
          interp.fuel_left == tiered.fuel_left && interp.err.frame_count == 2);
}

/* Traps raised in machine code under interpreted frames and the reverse:
 * the same message and backtrace as in the interpreter alone. */
static void test_tier_traps(void)
{
    static const char *const names[] = {"trap_in_jit", "trap_in_interp", "simd_first"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        tier_run a, b;
        run_tiers(WASM_TIER_INTERP, names[i], 0, &a);
        run_tiers(WASM_TIER_JIT, names[i], 0, &b);
        const wasm_error *interp = &a.err, *jit = &b.err;
        bool same = same_trap(interp, jit);
        if (!same)
            printf("     %s: interpreter \"%s\" (%u frames), JIT \"%s\" (%u frames)\n", names[i],
                   interp->message, interp->frame_count, jit->message, jit->frame_count);
        CHECK(interp->status == WASM_ERR_TRAP && interp->frame_count == WASM_MAX_BACKTRACE && same);
    }
}

/* bounds.wat: the JIT's bounds-check elimination traps exactly where the
 * interpreter does (each case fails if a check it must keep is dropped:
 * the out-of-bounds ones lie just past an access already checked); and
 * branches.wat: compare-and-branch on floats, NaN included. */
static void test_bounds(void)
{
    static const struct { const char *name; int32_t arg; bool traps; } cases[] = {
        {"fbranch", 4, false}, {"fbranch", 5, false}, {"fbranch", 6, false}, {"fbranch", 99, false},
        {"past_checked", 0, false}, {"past_checked", 65528, false}, {"past_checked", 65530, true},
        {"nearer", 65524, false}, {"nearer", 65525, true},
        {"overwritten", 65528, false}, {"overwritten", 65532, true},
        {"self_load", 0, false}, {"self_load", 1, true},
        {"join", 100, false}, {"join", 101, false}, {"join", 65535, true}, {"join", 65537, true},
        {"grow", 0, false}, {"grow", 65532, false}, {"grow", 65533, true},
        {"grow_fails", 0, false}, {"grow_fails", 4, true},
        {"const_addr", 5, true},
        {"walk", 65536, false}, {"walk", 65544, true},
        {"via_float", 100, false}, {"via_float", 65534, true},
        {"wrapped", 100, false}, {"wrapped", 65532, true},
        {"load_operand", 8, false}, {"load_operand", 16, false}, {"load_operand", 65529, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tier_run a, b;
        const char *file = strcmp(cases[i].name, "fbranch") ? "bounds" : "branches";
        run_in(file, WASM_TIER_INTERP, cases[i].name, cases[i].arg, &a);
        run_in(file, WASM_TIER_JIT, cases[i].name, cases[i].arg, &b);
        bool want = a.st == (cases[i].traps ? WASM_ERR_TRAP : WASM_OK) &&
                    (!cases[i].traps || a.err.trap == WASM_TRAP_OOB_MEMORY);
        bool same = a.st == b.st && a.result == b.result && a.mem_sum == b.mem_sum &&
                    (a.st != WASM_ERR_TRAP || same_trap(&a.err, &b.err));
        if (!want || !same)
            printf("     bounds %s(%d): interpreter %d \"%s\" result %d, JIT %d \"%s\" result %d\n",
                   cases[i].name, cases[i].arg, a.st, a.err.message, a.result, b.st, b.err.message,
                   b.result);
        CHECK(want && same && b.compiled > 0);
    }
}

/* zx.wat: i32 locals kept zero-extended in machine code (their registers
 * index memory directly): each path that could leave garbage in a
 * register's upper half, with a small address (must load) and ones with
 * the top bit set or past the end (must trap), the same in the
 * interpreter, the JIT (guard pages and explicit compares) and tiered
 * (interpreted callers of machine code, OSR, machine code calling the
 * interpreter). */
static void run_bounds(const char *file, wasm_tier tier, wasm_bounds bounds, const char *name,
                       int32_t n, tier_run *out);

static void test_zero_extended(void)
{
    static const char *const names[] = {"param_upper", "osr_upper", "result_upper", "global_upper",
                                         "after_loop", "after_call", "br_table", "select",
                                         "roundtrip"};
    static const int32_t args[] = {8, 65524, 65533, -4, INT32_MIN, -65536, 0x7ffffffc};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        for (size_t k = 0; k < sizeof args / sizeof *args; k++) {
            tier_run a, runs[3];
            run_bounds("zx", WASM_TIER_INTERP, WASM_BOUNDS_AUTO, names[i], args[k], &a);
            run_bounds("zx", WASM_TIER_JIT, WASM_BOUNDS_AUTO, names[i], args[k], &runs[0]);
            run_bounds("zx", WASM_TIER_JIT, WASM_BOUNDS_EXPLICIT, names[i], args[k], &runs[1]);
            run_bounds("zx", WASM_TIER_TIERED, WASM_BOUNDS_AUTO, names[i], args[k], &runs[2]);
            bool small = args[k] >= 0 && args[k] <= 65524; /* + offset <= 4, 4 bytes */
            bool want = small ? a.st == WASM_OK
                              : a.st == WASM_ERR_TRAP && a.err.trap == WASM_TRAP_OOB_MEMORY;
            bool same = true;
            for (int r = 0; r < 3; r++)
                same = same && a.st == runs[r].st && a.result == runs[r].result &&
                       a.mem_sum == runs[r].mem_sum && a.fuel_left == runs[r].fuel_left &&
                       (a.st != WASM_ERR_TRAP || same_trap(&a.err, &runs[r].err)) &&
                       (runs[r].compiled > 0 || (r == 2 && i >= 4)); /* i < 4: tier crossings */
            if (!want || !same)
                printf("     zx %s(%d): interpreter %d \"%s\" %d; jit %d \"%s\" %d; explicit %d %d; "
                       "tiered %d \"%s\" %d (%u compiled)\n",
                       names[i], args[k], a.st, a.err.message, a.result, runs[0].st,
                       runs[0].err.message, runs[0].result, runs[1].st, runs[1].result,
                       runs[2].st, runs[2].err.message, runs[2].result, runs[2].compiled);
            CHECK(want && same);
        }
}

/* pin7.wat: guard mode's seventh GPR pin (r15, memory 0's size in
 * explicit mode) across memory.size, memory.grow, memory.copy's bounds,
 * memory.fill, a call and a guard-page fault: the interpreter's result,
 * memory and trap in the JIT with guard pages and with explicit compares,
 * and tiered. n: no trap, a trap in the store (before and after the grow),
 * in memory.copy (before and after), and an address past the reservation. */
static void test_seventh_pin(void)
{
    static const int32_t args[] = {100, 36, 32, 28, 20, 16, 70000, -70000};
    static const bool traps[] = {false, false, true, true, true, true, true, true};
    for (size_t k = 0; k < sizeof args / sizeof *args; k++) {
        tier_run a, runs[3];
        run_bounds("pin7", WASM_TIER_INTERP, WASM_BOUNDS_AUTO, "run", args[k], &a);
        run_bounds("pin7", WASM_TIER_JIT, WASM_BOUNDS_AUTO, "run", args[k], &runs[0]);
        run_bounds("pin7", WASM_TIER_JIT, WASM_BOUNDS_EXPLICIT, "run", args[k], &runs[1]);
        run_bounds("pin7", WASM_TIER_TIERED, WASM_BOUNDS_AUTO, "run", args[k], &runs[2]);
        bool want = traps[k] ? a.st == WASM_ERR_TRAP && a.err.trap == WASM_TRAP_OOB_MEMORY
                             : a.st == WASM_OK;
        bool same = true;
        for (int r = 0; r < 3; r++)
            same = same && a.st == runs[r].st && a.result == runs[r].result &&
                   a.mem_sum == runs[r].mem_sum && a.fuel_left == runs[r].fuel_left &&
                   (a.st != WASM_ERR_TRAP || same_trap(&a.err, &runs[r].err)) &&
                   (r == 2 || runs[r].compiled > 0);
        if (!want || !same)
            printf("     pin7 run(%d): interpreter %d \"%s\" %d mem %u; guard %d \"%s\" %d mem %u; "
                   "explicit %d %d mem %u; tiered %d %d mem %u\n",
                   args[k], a.st, a.err.message, a.result, a.mem_sum, runs[0].st,
                   runs[0].err.message, runs[0].result, runs[0].mem_sum, runs[1].st,
                   runs[1].result, runs[1].mem_sum, runs[2].st, runs[2].result, runs[2].mem_sum);
        CHECK(want && same);
    }
}

/* zx.wat's sext: shl + shr_s pairs (a sign extension, one movsx in the
 * JIT) with the low bytes' sign bits set and not; rot: rotates by
 * constants (rorx where the CPU has BMI2); andn: xor -1 + and (BMI1). Both
 * also with the baseline ISA's encodings (no BMI). */
static void test_sign_extend_pairs(void)
{
    static const int32_t args[] = {0, 0x7c, 0x7d, 0xfe, 0x7ffc, 0x7ffd, 0x12348765, -1, INT32_MIN};
    for (size_t k = 0; k < sizeof args / sizeof *args; k++) {
        tier_run a, b;
        static const char *const names[] = {"sext", "rot", "andn"};
        for (size_t f = 0; f < sizeof names / sizeof *names; f++) {
            const char *name = names[f];
            run_in("zx", WASM_TIER_INTERP, name, args[k], &a);
            /* the CPU's extensions (rorx, andn), then the baseline's encodings */
            for (int baseline = 0; baseline < 2; baseline++) {
                bool saved = load_options.baseline_isa;
                load_options.baseline_isa = baseline;
                run_in("zx", WASM_TIER_JIT, name, args[k], &b);
                load_options.baseline_isa = saved;
                if (a.st != WASM_OK || b.st != a.st || b.result != a.result ||
                    b.fuel_left != a.fuel_left)
                    printf("     %s(%d): interpreter %d %d, JIT%s %d %d\n", name, args[k], a.st,
                           a.result, baseline ? " (baseline ISA)" : "", b.st, b.result);
                CHECK(a.st == WASM_OK && b.st == a.st && b.result == a.result &&
                      b.fuel_left == a.fuel_left && b.compiled > 0);
            }
        }
    }
}

/* run_in with machine code checking bounds as `bounds` says. */
static void run_bounds(const char *file, wasm_tier tier, wasm_bounds bounds, const char *name,
                       int32_t n, tier_run *out)
{
    wasm_bounds saved = load_options.bounds;
    load_options.bounds = bounds;
    run_in(file, tier, name, n, out);
    load_options.bounds = saved;
}

/* A bounds test case: the export, its argument, whether it must trap (out
 * of bounds). */
typedef struct {
    const char *name;
    int32_t arg;
    bool traps;
} bounds_case;

/* c in file's module run by the interpreter, by the JIT with explicit
 * checks and with guard pages: the expected outcome, and the same result
 * or trap (message, backtrace), fuel and memory in all three. */
static void check_bounds_modes(const char *file, const bounds_case *c)
{
    tier_run a, x, g;
    run_bounds(file, WASM_TIER_INTERP, WASM_BOUNDS_AUTO, c->name, c->arg, &a);
    run_bounds(file, WASM_TIER_JIT, WASM_BOUNDS_EXPLICIT, c->name, c->arg, &x);
    run_bounds(file, WASM_TIER_JIT, WASM_BOUNDS_AUTO, c->name, c->arg, &g);
    bool want = a.st == (c->traps ? WASM_ERR_TRAP : WASM_OK) &&
                (!c->traps || a.err.trap == WASM_TRAP_OOB_MEMORY);
    bool same = true;
    const tier_run *jit[] = {&x, &g};
    for (int k = 0; k < 2; k++)
        same = same && a.st == jit[k]->st && a.result == jit[k]->result &&
               a.mem_sum == jit[k]->mem_sum && a.fuel_left == jit[k]->fuel_left &&
               (a.st != WASM_ERR_TRAP || same_trap(&a.err, &jit[k]->err)) &&
               jit[k]->compiled > 0;
    if (!want || !same)
        printf("     %s %s(%d): interpreter %d \"%s\" result %d; explicit %d \"%s\" %d; "
               "guard %d \"%s\" %d\n",
               file, c->name, c->arg, a.st, a.err.message, a.result, x.st, x.err.message,
               x.result, g.st, g.err.message, g.result);
    CHECK(want && same);
}

/* guard.wat: every kind of access, in bounds and out, in the interpreter,
 * the JIT with explicit checks and the JIT with guard pages: the same
 * result or trap (message, backtrace), fuel and memory (a straddling store
 * writes nothing). */
static void test_guard(void)
{
    static const bounds_case cases[] = {
        {"ld32", 65532, false}, {"ld32", 65533, true}, {"ld32", -1, true},
        {"ld8", 65535, false}, {"ld8", 65536, true},
        {"ld64", 65528, false}, {"ld64", 65529, true},
        {"st32", 65532, false}, {"st32", 65534, true}, {"st32", -4, true},
        {"st16", 65535, true}, {"st64", 65528, false}, {"st64", 65530, true},
        {"stf64", 65528, false}, {"stf64", 65531, true},
        {"fload", 65528, false}, {"fload", 65529, true},
        {"fload32", 65532, false}, {"fload32", 65534, true},
        {"vload", 65520, false}, {"vload", 65521, true},
        {"vstore", 65520, false}, {"vstore", 65521, true}, {"vstore", 65535, true},
        {"off_max", 0, true}, {"off_max", -1, true}, {"st_off_max", 0, true},
        {"off_big", 0, true}, {"const_far", 0, true},
        {"grown", 131068, false}, {"grown", 131069, true},
        {"deep", 65524, false}, {"deep", 65525, true},
        {"walk", 4, true}, {"walk", 65535, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_bounds_modes("guard", &cases[i]);
    /* the deep trap's backtrace: $d3, $d2, $d1, deep */
    tier_run g;
    run_bounds("guard", WASM_TIER_JIT, WASM_BOUNDS_AUTO, "deep", 65525, &g);
    CHECK_EQ_INT(g.err.frame_count, 4);
    /* which mode ran: guard pages on this host, unless asked otherwise */
    wasm_bounds saved = load_options.bounds;
    wasm_tier tier = load_options.tier;
    load_options.tier = WASM_TIER_JIT;
    for (int explicit_ = 0; explicit_ < 2; explicit_++) {
        load_options.bounds = explicit_ ? WASM_BOUNDS_EXPLICIT : WASM_BOUNDS_AUTO;
        wasm_module *m = load("guard");
        CHECK(m && wasm_module_bounds(m) == (explicit_ ? WASM_BOUNDS_EXPLICIT : WASM_BOUNDS_GUARD));
        wasm_module_free(m);
    }
    load_options.bounds = saved;
    load_options.tier = tier;
}

/* fwd_addr.wat: addresses computed by the operation just before the
 * access (forwarded in rax by the JIT), in bounds and out (the top bit set,
 * wrapped in 32 bits, past the end), after a call, across a branch target
 * and in a loop: the same result or trap (backtrace with the access's
 * position), fuel and memory in the interpreter and the JIT with explicit
 * checks and with guard pages. */
static void test_forwarded_addresses(void)
{
    static const bounds_case cases[] = {
        {"ld_add", 65520, false}, {"ld_add", 65521, true}, {"ld_add", 0x7ffffff8, true},
        {"ld_add", -8, false}, {"ld_add", -12, true}, {"ld_add", INT32_MIN, true},
        {"st_sub", 3, false}, {"st_sub", 65537, false}, {"st_sub", 65538, true},
        {"st_sub", 2, true}, {"st_sub", INT32_MIN, true},
        {"ld_and", 65534, false}, {"ld_and", 65535, false}, {"ld_and", -1, true},
        {"after_call", 65528, false}, {"after_call", 65529, true}, {"after_call", -4, false},
        {"after_call", 0x7ffffffc, true},
        {"st_after_call", 65528, false}, {"st_after_call", 65529, true},
        {"st_after_call", INT32_MIN, true},
        {"at_target", 65533, false}, {"at_target", 65534, true}, {"at_target", 65535, true},
        {"at_target", 65532, false}, {"at_target", -1, false}, {"at_target", -2, false},
        {"at_target", -3, true}, {"at_target", INT32_MAX, true},
        {"walk", 0, true}, {"walk", 65533, true}, {"walk", INT32_MIN, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_bounds_modes("fwd_addr", &cases[i]);
    tier_run g;
    run_bounds("fwd_addr", WASM_TIER_JIT, WASM_BOUNDS_AUTO, "walk", 0, &g);
    CHECK_EQ_INT(g.err.frame_count, 2);
}

/* A child's exit: its status, 128 + the signal that killed it, or -1. */
static int child_exit(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

static void on_user_segv(int sig, siginfo_t *si, void *uc)
{
    _exit(42);
}

/* In a child: an out-of-bounds access of guard-mode code traps, then a
 * real crash (outside any wasm memory) still reaches the handler installed
 * before the engine's (own_handler) or the default action (or the
 * sanitizer's): 42 / a crash; 0 would mean the fault was swallowed. */
static int guard_child(bool own_handler)
{
    if (own_handler) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_user_segv;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGSEGV, &sa, NULL) != 0)
            return 3;
    }
    tier_run g;
    run_bounds("guard", WASM_TIER_JIT, WASM_BOUNDS_AUTO, "ld32", 70000, &g);
    if (g.st != WASM_ERR_TRAP || g.err.trap != WASM_TRAP_OOB_MEMORY)
        return 4;
    volatile uintptr_t bad = 64; /* no object: a real crash */
    *(volatile int *)bad = 1;
    return 0;
}

/* The engine's handler chains what is not its own (runs first in main:
 * the children install their handler before the engine does). */
static void test_guard_chain(void)
{
    fflush(stdout);
    for (int own = 1; own >= 0; own--) {
        pid_t pid = fork();
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stderr)) /* the sanitizer's report, if any */
                _exit(5);
            _exit(guard_child(own));
        }
        int got = child_exit(pid);
        if (own ? got != 42 : (got == 0 || got == 3 || got == 4 || got < 0))
            printf("     guard chain (own handler %d): child ended with %d\n", own, got);
        CHECK(own ? got == 42 : got != 0 && got != 3 && got != 4 && got > 0);
    }
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifndef UNDER_ASAN
/* Under an address-space limit (RLIMIT_AS, in a child): a guard-mode module
 * compiled before the limit refuses to instantiate against a memory
 * without its reservation, with a message; one compiled under it checks
 * explicitly and traps as the interpreter does. ASan's shadow memory does
 * not fit such a limit: skipped there. */
static int reserve_child(void)
{
    load_options.tier = WASM_TIER_JIT;
    wasm_module *guard = load("guard");
    if (!guard || wasm_module_bounds(guard) != WASM_BOUNDS_GUARD)
        return 3;
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld", &pages) != 1)
        return 4;
    fclose(f);
    struct rlimit lim = {(rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (1ull << 30), RLIM_INFINITY};
    lim.rlim_max = lim.rlim_cur;
    if (setrlimit(RLIMIT_AS, &lim) != 0)
        return 5;
    wasm_store *s = wasm_store_new(NULL);
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(s, guard, NULL, 0, &err);
    if (inst || !strstr(err.message, "address-space reservation"))
        return 6;
    wasm_store_free(s);
    wasm_module *plain = load("guard");
    if (!plain || wasm_module_bounds(plain) != WASM_BOUNDS_EXPLICIT)
        return 7;
    wasm_module_free(plain);
    tier_run t;
    run_in("guard", WASM_TIER_JIT, "ld32", 65533, &t);
    if (t.st != WASM_ERR_TRAP || t.err.trap != WASM_TRAP_OOB_MEMORY || t.compiled == 0)
        return 8;
    run_in("guard", WASM_TIER_JIT, "st32", 65532, &t);
    if (t.st != WASM_OK)
        return 9;
    wasm_module_free(guard);
    return 0;
}

#endif

static void test_guard_unreserved(void)
{
#ifdef UNDER_ASAN
    printf("     guard pages under an address-space limit: skipped under ASan\n");
#else
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(reserve_child());
    int got = child_exit(pid);
    if (got != 0)
        printf("     guard pages under an address-space limit: child ended with %d\n", got);
    CHECK_EQ_INT(got, 0);
#endif
}

/* call_indirect from machine code: the result, or the interpreter's trap
 * (message, backtrace) for each entry of tiers.wat's table (0: a function
 * of the right type, 1: the wrong type, 3: null, 9: out of the table). */
static void test_tier_indirect(void)
{
    static const int32_t entries[] = {0, 1, 3, 9};
    for (size_t i = 0; i < sizeof entries / sizeof *entries; i++) {
        tier_run a, b;
        run_tiers(WASM_TIER_INTERP, "ind_call", entries[i], &a);
        run_tiers(WASM_TIER_JIT, "ind_call", entries[i], &b);
        bool same = a.st == b.st && a.result == b.result && a.fuel_left == b.fuel_left &&
                    (a.st != WASM_ERR_TRAP || same_trap(&a.err, &b.err));
        if (!same)
            printf("     ind_call %d: interpreter %d \"%s\", JIT %d \"%s\"\n", entries[i], a.result,
                   a.err.message, b.result, b.err.message);
        CHECK(same && (entries[i] == 0 ? a.st == WASM_OK && a.result == 6 : a.st == WASM_ERR_TRAP));
    }
}

/* memory.copy from machine code (tiers.wat copy_mix): the interpreter's
 * bytes, result and fuel for every length and overlap, and its trap for a
 * copy past the end of memory (a length inline and one for the helper). */
static void test_tier_copy(void)
{
    static const int32_t past[] = {0, 9, 300};
    for (size_t i = 0; i < sizeof past / sizeof *past; i++) {
        tier_run a, b;
        run_tiers(WASM_TIER_INTERP, "copy_mix", past[i], &a);
        run_tiers(WASM_TIER_JIT, "copy_mix", past[i], &b);
        bool same = a.st == b.st && a.result == b.result && a.fuel_left == b.fuel_left &&
                    a.mem_sum == b.mem_sum && (a.st != WASM_ERR_TRAP || same_trap(&a.err, &b.err));
        if (!same)
            printf("     copy_mix %d: interpreter %d %08x \"%s\", JIT %d %08x \"%s\"\n", past[i],
                   a.result, a.mem_sum, a.err.message, b.result, b.mem_sum, b.err.message);
        CHECK(same && (past[i] ? a.st == WASM_ERR_TRAP : a.st == WASM_OK));
    }
}

/* A function compiled after its callee calls the callee's machine code by
 * call rel32, patched when the caller is placed (tiers.wat linked_*). */
static void test_tier_linked(void)
{
    wasm_module *m = load_tiers(WASM_TIER_JIT);
    if (!m)
        return;
    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = instance_of(s, m);
    if (inst) {
        wasm_value arg = wasm_i32(4), res;
        wasm_error err;
        CHECK_EQ_INT(wasm_call(s, export_func(inst, "linked_callee"), &arg, 1, &res, 1, &err), WASM_OK);
        CHECK_EQ_INT(res.of.i32, 12);
        arg = wasm_i32(5);
        CHECK_EQ_INT(wasm_call(s, export_func(inst, "linked_caller"), &arg, 1, &res, 1, &err), WASM_OK);
        CHECK_EQ_INT(res.of.i32, 16);
    }
    wasm_store_free(s);
    wasm_module_free(m);
}

/* One-cell results come back from a direct call in rax (tiers.wat sum_*):
 * from compiled callees, the interpreter trampoline and the native-stack-
 * low path; the interpreter's sums and fuel. */
static void test_tier_results(void)
{
    static const struct { const char *name; int32_t arg, want; } cases[] = {
        {"sum_simd", 1000, 1501500}, {"sum_rec", 90000, (int32_t)4050045000u},
        {"sum_mixed", 60000, 0}, {"fib_simd", 20, 6765}, {"cold_leaf", 1100, 3000},
        {"ind_sum", 200000, 0},
    };
    for (size_t i = 0; i < 2 * sizeof cases / sizeof *cases; i++) {
        size_t c = i / 2;
        wasm_tier tier = i % 2 ? WASM_TIER_TIERED : WASM_TIER_JIT;
        tier_run a, b;
        bool fused = load_options.no_fusion;
        load_options.no_fusion = true; /* frame sizes as the JIT's (unfused) */
        run_tiers(WASM_TIER_INTERP, cases[c].name, cases[c].arg, &a);
        load_options.no_fusion = fused;
        run_tiers(tier, cases[c].name, cases[c].arg, &b);
        bool same = a.st == WASM_OK && b.st == WASM_OK && a.result == b.result &&
                    a.fuel_left == b.fuel_left && (!cases[c].want || a.result == cases[c].want);
        if (!same)
            printf("     %s(%d) %s: interpreter %d \"%s\" %d fuel %llu, %d \"%s\" %d fuel %llu\n",
                   cases[c].name, cases[c].arg, i % 2 ? "tiered" : "JIT", a.st, a.err.message, a.result,
                   (unsigned long long)a.fuel_left, b.st, b.err.message, b.result,
                   (unsigned long long)b.fuel_left);
        CHECK(same && b.compiled > 0);
    }
}

/* Machine code of a module compiled unmetered keeps the frame records' top
 * in a register (rbp, the fuel's in metered code): traps deep in recursion
 * on either side of a tier crossing, call_indirect's traps, the depth at
 * which the stack is exhausted (frame records or value stack first: stored
 * at address 0, in the memory hash), host calls and their traps, all as in
 * the interpreter. */
static void test_tier_unmetered(void)
{
    static const struct { const char *name; int32_t arg; uint32_t depth; } cases[] = {
        {"trap_in_jit", 0, 0}, {"trap_in_interp", 0, 0}, {"simd_first", 0, 0},
        {"ind_call", 0, 0}, {"ind_call", 1, 0}, {"ind_call", 3, 0}, {"ind_call", 9, 0},
        {"copy_mix", 0, 0}, {"copy_mix", 300, 0}, {"spin_trap", 0, 0},
        {"count_rec", 0, 500}, {"count_mixed", 0, 500}, {"count_rec", 0, 0},
        {"count_mixed", 0, 0}, {"ind_rec", 0, 500}, {"big_rec", 0, 0},
        {"sum_simd", 1000, 0}, {"sum_rec", 90000, 0}, {"sum_mixed", 60000, 0},
        {"fib_simd", 20, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tier_run a, b;
        tier_run_depth = cases[i].depth;
        bool fused = load_options.no_fusion;
        load_options.no_fusion = true; /* frame sizes as the JIT's (unfused) */
        run_tiers(WASM_TIER_INTERP, cases[i].name, cases[i].arg, &a);
        load_options.no_fusion = fused;
        load_options.unmetered = true;
        run_tiers(WASM_TIER_JIT, cases[i].name, cases[i].arg, &b);
        load_options.unmetered = false;
        tier_run_depth = 0;
        bool same = a.st == b.st && a.result == b.result && a.mem_sum == b.mem_sum &&
                    (a.st != WASM_ERR_TRAP || same_trap(&a.err, &b.err));
        if (!same)
            printf("     unmetered %s(%d): interpreter %d \"%s\" %08x, JIT %d \"%s\" %08x\n",
                   cases[i].name, cases[i].arg, a.st, a.err.message, a.mem_sum, b.st,
                   b.err.message, b.mem_sum);
        CHECK(same && b.compiled > 0);
    }
    wasm_module_options saved = load_options;
    load_options.unmetered = true;
    load_options.tier = WASM_TIER_JIT;
    test_host_functions();
    load_options = saved;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        if (!strcmp(argv[i], "--lazy")) {
            load_options.compile = WASM_COMPILE_LAZY;
        } else if (!strcmp(argv[i], "--borrow")) {
            load_options.borrow_bytes = true;
        } else if (!strcmp(argv[i], "--jit")) {
            load_options.tier = WASM_TIER_JIT;
        } else {
            fprintf(stderr, "usage: engine_test [--lazy] [--borrow] [--jit] [DIR]\n");
            return 2;
        }
    }
    wasm_dir = i < argc ? argv[i] : "build/tests/engine/wat";
    test_guard_chain(); /* first: before the engine installs its fault handler */
    test_host_functions();
    test_limits();
    test_unmetered();
    test_linking();
    test_errors();
    test_simd();
    test_nan_order();
    test_tiers();
    test_tier_traps();
    test_tier_indirect();
    test_tier_copy();
    test_tier_linked();
    test_tier_osr();
    test_tier_results();
    test_tier_unmetered();
    test_bounds();
    test_guard();
    test_forwarded_addresses();
    test_zero_extended();
    test_seventh_pin();
    test_sign_extend_pairs();
    test_guard_unreserved();
    for (size_t k = 0; k < borrowed_count; k++)
        free(borrowed[k]);
    free(borrowed);
    return check_summary();
}
