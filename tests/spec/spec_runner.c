/* The WebAssembly spec-test runner: reads wast2json output (a JSON command list
 * per .wast, plus the .wasm files it names) and drives the engine through
 * its public header only.
 *
 *   spec_runner [-v] [-k] DIR|FILE.json...
 *
 * For a directory, runs every *.json in it (sorted), then those in a simd/
 * subdirectory (--no-simd counts SIMD files as skipped instead). Prints one
 * line per file and ends with "N passed, N failed, N skipped". Assertions are
 * counted; a module, register or action command that fails counts as a
 * failure too (what follows it cannot be trusted). -v prints every failure's
 * detail (default: the first 20 per file), -k keeps going quietly. */
#include "common/file.h"
#include "engine/wasm.h"
#include "engine_options.h"

/* Larger than any module a test reads. */
#define WASM_FILE_LIMIT (1u << 30)

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int verbose;
static int no_simd;

typedef struct named {
    char *name;
    wasm_instance *inst;
} named;

typedef struct script {
    const char *dir;
    const char *file;       /* json file name, for messages */
    wasm_store *store;
    wasm_instance *current;
    named *registry;        /* register "as" names */
    size_t nreg;
    named *modules;         /* $names */
    size_t nmod;
    wasm_module **loaded;   /* kept alive until the store is freed */
    size_t nloaded, caploaded;
    unsigned passed, failed, skipped, shown;
    int line;
} script;

static void fail_msg(script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail_msg(script *s, const char *fmt, ...)
{
    s->failed++;
    if (!verbose && s->shown >= 20)
        return;
    s->shown++;
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL %s:%d: ", s->file, s->line);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

/* ---- the spectest module ------------------------------------------------------- */

static wasm_status spectest_print(wasm_call_ctx *ctx, void *env, const wasm_value *args,
                                  wasm_value *results)
{
    (void)ctx, (void)env, (void)args, (void)results;
    return WASM_OK;
}

static wasm_instance *spectest_lookup_dummy;

typedef struct spectest {
    wasm_func *print, *print_i32, *print_i64, *print_f32, *print_f64, *print_i32_f32,
        *print_f64_f64;
    wasm_global *g_i32, *g_i64, *g_f32, *g_f64;
    wasm_table *table;
    wasm_memory *memory;
} spectest;

static spectest st;

static wasm_func *host(wasm_store *store, const char *name, const wasm_type *params, uint32_t np)
{
    wasm_functype ft = {np, 0, params, NULL};
    return wasm_func_new_host(store, &ft, spectest_print, NULL, name);
}

static bool make_spectest(wasm_store *store)
{
    static const wasm_type i32[] = {WASM_I32}, i64[] = {WASM_I64}, f32[] = {WASM_F32},
                           f64[] = {WASM_F64}, i32f32[] = {WASM_I32, WASM_F32},
                           f64f64[] = {WASM_F64, WASM_F64};
    st.print = host(store, "print", NULL, 0);
    st.print_i32 = host(store, "print_i32", i32, 1);
    st.print_i64 = host(store, "print_i64", i64, 1);
    st.print_f32 = host(store, "print_f32", f32, 1);
    st.print_f64 = host(store, "print_f64", f64, 1);
    st.print_i32_f32 = host(store, "print_i32_f32", i32f32, 2);
    st.print_f64_f64 = host(store, "print_f64_f64", f64f64, 2);
    wasm_error err;
    wasm_value v;
    v = wasm_i32(666);
    st.g_i32 = wasm_global_new(store, WASM_I32, false, v, &err);
    v = wasm_i64(666);
    st.g_i64 = wasm_global_new(store, WASM_I64, false, v, &err);
    float f = 666.6f;
    double d = 666.6;
    v.type = WASM_F32;
    memcpy(&v.of.f32_bits, &f, 4);
    st.g_f32 = wasm_global_new(store, WASM_F32, false, v, &err);
    v.type = WASM_F64;
    memcpy(&v.of.f64_bits, &d, 8);
    st.g_f64 = wasm_global_new(store, WASM_F64, false, v, &err);
    wasm_value null = {WASM_FUNCREF, {.funcref = NULL}};
    st.table = wasm_table_new(store, WASM_FUNCREF, (wasm_limits_desc){10, 20, true}, null, &err);
    st.memory = wasm_memory_new(store, (wasm_limits_desc){1, 2, true}, &err);
    return st.print && st.print_i32 && st.print_i64 && st.print_f32 && st.print_f64 &&
           st.print_i32_f32 && st.print_f64_f64 && st.g_i32 && st.g_i64 && st.g_f32 && st.g_f64 &&
           st.table && st.memory;
}

static bool spectest_export(const char *name, wasm_extern *out)
{
    struct { const char *name; wasm_extern_kind kind; void *obj; } map[] = {
        {"print", WASM_EXTERN_FUNC, st.print},
        {"print_i32", WASM_EXTERN_FUNC, st.print_i32},
        {"print_i64", WASM_EXTERN_FUNC, st.print_i64},
        {"print_f32", WASM_EXTERN_FUNC, st.print_f32},
        {"print_f64", WASM_EXTERN_FUNC, st.print_f64},
        {"print_i32_f32", WASM_EXTERN_FUNC, st.print_i32_f32},
        {"print_f64_f64", WASM_EXTERN_FUNC, st.print_f64_f64},
        {"global_i32", WASM_EXTERN_GLOBAL, st.g_i32},
        {"global_i64", WASM_EXTERN_GLOBAL, st.g_i64},
        {"global_f32", WASM_EXTERN_GLOBAL, st.g_f32},
        {"global_f64", WASM_EXTERN_GLOBAL, st.g_f64},
        {"table", WASM_EXTERN_TABLE, st.table},
        {"memory", WASM_EXTERN_MEMORY, st.memory},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, name) == 0) {
            out->kind = map[i].kind;
            switch (map[i].kind) {
            case WASM_EXTERN_FUNC: out->of.func = map[i].obj; break;
            case WASM_EXTERN_TABLE: out->of.table = map[i].obj; break;
            case WASM_EXTERN_MEMORY: out->of.memory = map[i].obj; break;
            case WASM_EXTERN_GLOBAL: out->of.global = map[i].obj; break;
            }
            return true;
        }
    return false;
}

/* ---- modules ----------------------------------------------------------------- */

/* the tier the modules ran in: modules and functions with machine code */
static unsigned long jit_modules, jit_compiled, jit_functions, guard_modules;

static wasm_module *load_module(script *s, const char *filename, wasm_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s->dir, filename);
    file_contents file;
    char why[256];
    if (file_read_all(path, WASM_FILE_LIMIT, 0, &file, why, sizeof why) != FILE_OK) {
        snprintf(err->message, sizeof err->message, "%.200s: %.200s", path, why);
        err->status = WASM_ERR_ARGUMENT;
        return NULL;
    }
    wasm_module_options options = engine_options_from_env();
    wasm_module *m = wasm_module_new_with(file.data, file.size, &options, err);
    file_contents_free(&file);
    if (m) {
        jit_modules += wasm_module_tier(m) != WASM_TIER_INTERP;
        guard_modules += wasm_module_bounds(m) == WASM_BOUNDS_GUARD;
        if (s->nloaded == s->caploaded) {
            size_t cap = s->caploaded ? s->caploaded * 2 : 16;
            /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
            wasm_module **grown = realloc(s->loaded, cap * sizeof *s->loaded);
            if (!grown) {
                fprintf(stderr, "spec_runner: out of memory\n");
                exit(2);
            }
            s->loaded = grown;
            s->caploaded = cap;
        }
        s->loaded[s->nloaded++] = m;
    }
    return m;
}

static wasm_instance *find_named(named *list, size_t n, const char *name)
{
    for (size_t i = n; i-- > 0;)
        if (strcmp(list[i].name, name) == 0)
            return list[i].inst;
    return NULL;
}

static void add_named(named **list, size_t *n, const char *name, wasm_instance *inst)
{
    named *grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown) {
        fprintf(stderr, "spec_runner: out of memory\n");
        exit(2);
    }
    *list = grown;
    (*list)[*n].name = strdup(name);
    (*list)[*n].inst = inst;
    (*n)++;
}

/* Resolves imports from spectest and registered instances. Returns false
 * (err = UNLINKABLE "unknown import") when one is missing. */
static wasm_instance *instantiate(script *s, wasm_module *m, wasm_error *err)
{
    size_t n = wasm_module_import_count(m);
    wasm_extern *imports = calloc(n ? n : 1, sizeof *imports);
    for (size_t i = 0; i < n; i++) {
        wasm_import_desc d;
        wasm_module_import(m, i, &d);
        bool found = false;
        if (strcmp(d.module, "spectest") == 0 && !find_named(s->registry, s->nreg, "spectest")) {
            found = spectest_export(d.name, &imports[i]);
        } else {
            wasm_instance *src = find_named(s->registry, s->nreg, d.module);
            found = src && wasm_instance_export_n(src, d.name, d.name_len, &imports[i]);
        }
        if (!found) {
            err->status = WASM_ERR_UNLINKABLE;
            snprintf(err->message, sizeof err->message, "unknown import \"%s\" \"%s\"", d.module,
                     d.name);
            free(imports);
            return NULL;
        }
    }
    wasm_instance *inst = wasm_instantiate(s->store, m, imports, n, err);
    free(imports);
    return inst;
}

/* ---- values ------------------------------------------------------------------ */

enum nan_kind { NAN_NONE, NAN_CANONICAL, NAN_ARITHMETIC };

typedef struct expect {
    wasm_value v;
    enum nan_kind nan;
    bool any_ref;        /* (ref.func) / (ref.extern) without a value */
    /* v128 with per-lane NaN patterns */
    int lane_bits;
    bool lane_float;
    enum nan_kind lane_nan[16];
} expect;

static wasm_type type_of(const char *t)
{
    if (!strcmp(t, "i32")) return WASM_I32;
    if (!strcmp(t, "i64")) return WASM_I64;
    if (!strcmp(t, "f32")) return WASM_F32;
    if (!strcmp(t, "f64")) return WASM_F64;
    if (!strcmp(t, "v128")) return WASM_V128;
    if (!strcmp(t, "funcref")) return WASM_FUNCREF;
    if (!strcmp(t, "externref")) return WASM_EXTERNREF;
    return 0;
}

static void *extern_ref(uint64_t n) { return (void *)(uintptr_t)(n + 1); }

static enum nan_kind nan_of(const char *s)
{
    if (!strcmp(s, "nan:canonical")) return NAN_CANONICAL;
    if (!strcmp(s, "nan:arithmetic")) return NAN_ARITHMETIC;
    return NAN_NONE;
}

static bool parse_value(json_t *j, expect *out)
{
    memset(out, 0, sizeof *out);
    const char *t = json_string_value(json_object_get(j, "type"));
    json_t *val = json_object_get(j, "value");
    if (!t)
        return false;
    out->v.type = type_of(t);
    const char *sv = json_string_value(val);
    switch (out->v.type) {
    case WASM_I32: case WASM_F32:
        if (!sv) return false;
        if ((out->nan = nan_of(sv)) != NAN_NONE) return true;
        out->v.of.i32 = (uint32_t)strtoull(sv, NULL, 10);
        return true;
    case WASM_I64: case WASM_F64:
        if (!sv) return false;
        if ((out->nan = nan_of(sv)) != NAN_NONE) return true;
        out->v.of.i64 = strtoull(sv, NULL, 10);
        return true;
    case WASM_FUNCREF: case WASM_EXTERNREF:
        if (!sv) {
            out->any_ref = true;
            return true;
        }
        if (!strcmp(sv, "null")) {
            out->v.of.funcref = NULL;
            return true;
        }
        if (out->v.type == WASM_EXTERNREF) {
            out->v.of.externref = extern_ref(strtoull(sv, NULL, 10));
            return true;
        }
        return false;
    case WASM_V128: {
        const char *lt = json_string_value(json_object_get(j, "lane_type"));
        if (!lt || !json_is_array(val))
            return false;
        int bits = !strcmp(lt, "i8") ? 8 : !strcmp(lt, "i16") ? 16
                 : (!strcmp(lt, "i32") || !strcmp(lt, "f32")) ? 32 : 64;
        out->lane_bits = bits;
        out->lane_float = lt[0] == 'f';
        size_t lanes = 128 / (size_t)bits;
        if (json_array_size(val) != lanes)
            return false;
        for (size_t i = 0; i < lanes; i++) {
            const char *ls = json_string_value(json_array_get(val, i));
            if (!ls)
                return false;
            enum nan_kind nk = nan_of(ls);
            out->lane_nan[i] = nk;
            uint64_t x = nk ? 0 : strtoull(ls, NULL, 10);
            memcpy(out->v.of.v128 + i * (size_t)bits / 8, &x, (size_t)bits / 8);
        }
        return true;
    }
    default:
        return false;
    }
}

static bool nan_matches(uint64_t bits, int width, enum nan_kind k)
{
    if (width == 32) {
        uint32_t b = (uint32_t)bits & 0x7fffffffu;
        return k == NAN_CANONICAL ? b == 0x7fc00000u : (b & 0x7fc00000u) == 0x7fc00000u;
    }
    uint64_t b = bits & 0x7fffffffffffffffull;
    return k == NAN_CANONICAL ? b == 0x7ff8000000000000ull
                              : (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

static bool value_matches(const wasm_value *got, const expect *e)
{
    if (got->type != e->v.type)
        return false;
    switch (e->v.type) {
    case WASM_I32: return got->of.i32 == e->v.of.i32;
    case WASM_I64: return got->of.i64 == e->v.of.i64;
    case WASM_F32: return e->nan ? nan_matches(got->of.f32_bits, 32, e->nan) : got->of.f32_bits == e->v.of.f32_bits;
    case WASM_F64: return e->nan ? nan_matches(got->of.f64_bits, 64, e->nan) : got->of.f64_bits == e->v.of.f64_bits;
    case WASM_FUNCREF: return e->any_ref ? got->of.funcref != NULL : got->of.funcref == e->v.of.funcref;
    case WASM_EXTERNREF: return e->any_ref ? got->of.externref != NULL : got->of.externref == e->v.of.externref;
    case WASM_V128: {
        size_t w = (size_t)e->lane_bits / 8;
        for (size_t i = 0; i < 16 / w; i++) {
            uint64_t g = 0, x = 0;
            memcpy(&g, got->of.v128 + i * w, w);
            memcpy(&x, e->v.of.v128 + i * w, w);
            if (e->lane_nan[i] ? !nan_matches(g, e->lane_bits, e->lane_nan[i]) : g != x)
                return false;
        }
        return true;
    }
    }
    return false;
}

static void format_value(const wasm_value *v, char *buf, size_t n)
{
    switch (v->type) {
    case WASM_I32: snprintf(buf, n, "i32:%" PRIu32, v->of.i32); break;
    case WASM_I64: snprintf(buf, n, "i64:%" PRIu64, v->of.i64); break;
    case WASM_F32: snprintf(buf, n, "f32:0x%08" PRIx32, v->of.f32_bits); break;
    case WASM_F64: snprintf(buf, n, "f64:0x%016" PRIx64, v->of.f64_bits); break;
    case WASM_FUNCREF: snprintf(buf, n, "funcref:%p", (void *)v->of.funcref); break;
    case WASM_EXTERNREF: snprintf(buf, n, "externref:%p", v->of.externref); break;
    case WASM_V128: {
        uint64_t lo, hi;
        memcpy(&lo, v->of.v128, 8);
        memcpy(&hi, v->of.v128 + 8, 8);
        snprintf(buf, n, "v128:%016" PRIx64 "%016" PRIx64, hi, lo);
        break;
    }
    default: snprintf(buf, n, "?"); break;
    }
}

/* ---- actions ----------------------------------------------------------------- */

typedef struct outcome {
    wasm_status status;
    wasm_error err;
    wasm_value results[64];
    size_t nresults;
} outcome;

static bool do_action(script *s, json_t *action, outcome *out)
{
    memset(out, 0, sizeof *out);
    const char *type = json_string_value(json_object_get(action, "type"));
    const char *modname = json_string_value(json_object_get(action, "module"));
    json_t *jfield = json_object_get(action, "field");
    const char *field = json_string_value(jfield);
    size_t field_len = json_string_length(jfield);
    wasm_instance *inst = modname ? find_named(s->modules, s->nmod, modname) : s->current;
    if (!inst || !type || !field) {
        snprintf(out->err.message, sizeof out->err.message, "no module for the action");
        out->status = WASM_ERR_ARGUMENT;
        return false;
    }
    wasm_extern ex;
    if (!wasm_instance_export_n(inst, field, field_len, &ex)) {
        snprintf(out->err.message, sizeof out->err.message, "no export \"%s\"", field);
        out->status = WASM_ERR_ARGUMENT;
        return false;
    }
    if (!strcmp(type, "get")) {
        if (ex.kind != WASM_EXTERN_GLOBAL) {
            out->status = WASM_ERR_ARGUMENT;
            return false;
        }
        out->results[0] = wasm_global_get(ex.of.global);
        out->nresults = 1;
        out->status = WASM_OK;
        return true;
    }
    if (ex.kind != WASM_EXTERN_FUNC) {
        out->status = WASM_ERR_ARGUMENT;
        return false;
    }
    json_t *args = json_object_get(action, "args");
    size_t nargs = json_array_size(args);
    wasm_value argv[64];
    if (nargs > 64)
        return false;
    for (size_t i = 0; i < nargs; i++) {
        expect e;
        if (!parse_value(json_array_get(args, i), &e)) {
            snprintf(out->err.message, sizeof out->err.message, "cannot parse argument %zu", i);
            out->status = WASM_ERR_ARGUMENT;
            return false;
        }
        argv[i] = e.v;
    }
    const wasm_functype *ft = wasm_func_type(ex.of.func);
    out->nresults = ft->result_count;
    if (out->nresults > 64)
        return false;
    out->status = wasm_call(s->store, ex.of.func, argv, nargs, out->results, out->nresults, &out->err);
    return true;
}

/* ---- commands ------------------------------------------------------------------ */

static void cmd_module(script *s, json_t *cmd)
{
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *name = json_string_value(json_object_get(cmd, "name"));
    wasm_error err;
    memset(&err, 0, sizeof err);
    s->current = NULL;
    wasm_module *m = filename ? load_module(s, filename, &err) : NULL;
    if (!m) {
        fail_msg(s, "module %s: %s: %s", filename ? filename : "?", wasm_status_name(err.status),
                 err.message);
        return;
    }
    wasm_instance *inst = instantiate(s, m, &err);
    if (!inst) {
        fail_msg(s, "module %s: instantiation: %s: %s", filename, wasm_status_name(err.status),
                 err.message);
        return;
    }
    s->current = inst;
    if (name)
        add_named(&s->modules, &s->nmod, name, inst);
}

static void cmd_register(script *s, json_t *cmd)
{
    const char *as = json_string_value(json_object_get(cmd, "as"));
    const char *name = json_string_value(json_object_get(cmd, "name"));
    wasm_instance *inst = name ? find_named(s->modules, s->nmod, name) : s->current;
    if (!inst || !as) {
        fail_msg(s, "register: no such module");
        return;
    }
    add_named(&s->registry, &s->nreg, as, inst);
}

static void cmd_assert_return(script *s, json_t *cmd)
{
    outcome o;
    json_t *action = json_object_get(cmd, "action");
    const char *field = json_string_value(json_object_get(action, "field"));
    if (!do_action(s, action, &o) || o.status != WASM_OK) {
        fail_msg(s, "assert_return %s: %s: %s", field ? field : "?", wasm_status_name(o.status),
                 o.err.message);
        return;
    }
    json_t *expected = json_object_get(cmd, "expected");
    size_t n = json_array_size(expected);
    if (n != o.nresults) {
        fail_msg(s, "assert_return %s: %zu results, expected %zu", field, o.nresults, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        expect e;
        if (!parse_value(json_array_get(expected, i), &e)) {
            fail_msg(s, "assert_return %s: cannot parse expected value %zu", field, i);
            return;
        }
        if (!value_matches(&o.results[i], &e)) {
            char got[80], want[80];
            format_value(&o.results[i], got, sizeof got);
            format_value(&e.v, want, sizeof want);
            fail_msg(s, "assert_return %s: result %zu is %s, expected %s%s", field, i, got, want,
                     e.nan == NAN_CANONICAL ? " (nan:canonical)" : e.nan == NAN_ARITHMETIC ? " (nan:arithmetic)" : "");
            return;
        }
    }
    s->passed++;
}

/* The expected text must begin with our trap's canonical wording. */
static bool trap_text_matches(const wasm_error *err, const char *text)
{
    const char *ours = wasm_trap_message(err->trap);
    if (err->trap == WASM_TRAP_NONE || !text)
        return false;
    return strncmp(text, ours, strlen(ours)) == 0;
}

static void cmd_assert_trap(script *s, json_t *cmd, bool exhaustion)
{
    const char *text = json_string_value(json_object_get(cmd, "text"));
    json_t *action = json_object_get(cmd, "action");
    if (!action) {
        /* a module whose instantiation traps */
        const char *filename = json_string_value(json_object_get(cmd, "filename"));
        wasm_error err;
        wasm_module *m = filename ? load_module(s, filename, &err) : NULL;
        if (!m) {
            fail_msg(s, "assert_trap module %s: %s", filename ? filename : "?", err.message);
            return;
        }
        wasm_instance *inst = instantiate(s, m, &err);
        if (inst || err.status != WASM_ERR_TRAP || !trap_text_matches(&err, text)) {
            fail_msg(s, "assert_trap module %s: expected trap \"%s\", got %s: %s", filename, text,
                     inst ? "an instance" : wasm_status_name(err.status), inst ? "" : err.message);
            return;
        }
        s->passed++;
        return;
    }
    outcome o;
    const char *field = json_string_value(json_object_get(action, "field"));
    bool ok = do_action(s, action, &o);
    bool good = ok && o.status == WASM_ERR_TRAP &&
                (exhaustion ? o.err.trap == WASM_TRAP_STACK_EXHAUSTED : trap_text_matches(&o.err, text));
    if (!good) {
        fail_msg(s, "%s %s: expected \"%s\", got %s: %s", exhaustion ? "assert_exhaustion" : "assert_trap",
                 field ? field : "?", text ? text : "", wasm_status_name(o.status), o.err.message);
        return;
    }
    s->passed++;
}

static void cmd_assert_module(script *s, json_t *cmd, const char *kind, wasm_status want)
{
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    if (mtype && strcmp(mtype, "binary") != 0) {
        s->skipped++;
        return;
    }
    wasm_error err;
    memset(&err, 0, sizeof err);
    wasm_module *m = filename ? load_module(s, filename, &err) : NULL;
    if (want == WASM_ERR_MALFORMED || want == WASM_ERR_INVALID) {
        if (m || err.status != want) {
            fail_msg(s, "%s %s (\"%s\"): got %s%s%s", kind, filename ? filename : "?", text,
                     m ? "a valid module" : wasm_status_name(err.status), m ? "" : ": ",
                     m ? "" : err.message);
            return;
        }
        s->passed++;
        return;
    }
    if (!m) {
        fail_msg(s, "%s %s: module did not load: %s", kind, filename ? filename : "?", err.message);
        return;
    }
    wasm_instance *inst = instantiate(s, m, &err);
    if (inst || err.status != want) {
        fail_msg(s, "%s %s (\"%s\"): got %s%s%s", kind, filename, text,
                 inst ? "an instance" : wasm_status_name(err.status), inst ? "" : ": ",
                 inst ? "" : err.message);
        return;
    }
    if (want == WASM_ERR_TRAP && !trap_text_matches(&err, text)) {
        fail_msg(s, "%s %s: expected trap \"%s\", got \"%s\"", kind, filename, text, err.message);
        return;
    }
    s->passed++;
}

static void run_command(script *s, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    s->line = (int)json_integer_value(json_object_get(cmd, "line"));
    if (!type)
        return;
    if (!strcmp(type, "module"))
        cmd_module(s, cmd);
    else if (!strcmp(type, "register"))
        cmd_register(s, cmd);
    else if (!strcmp(type, "assert_return"))
        cmd_assert_return(s, cmd);
    else if (!strcmp(type, "action")) {
        outcome o;
        if (!do_action(s, json_object_get(cmd, "action"), &o) || o.status != WASM_OK)
            fail_msg(s, "action: %s: %s", wasm_status_name(o.status), o.err.message);
    } else if (!strcmp(type, "assert_trap"))
        cmd_assert_trap(s, cmd, false);
    else if (!strcmp(type, "assert_exhaustion"))
        cmd_assert_trap(s, cmd, true);
    else if (!strcmp(type, "assert_invalid"))
        cmd_assert_module(s, cmd, type, WASM_ERR_INVALID);
    else if (!strcmp(type, "assert_malformed"))
        cmd_assert_module(s, cmd, type, WASM_ERR_MALFORMED);
    else if (!strcmp(type, "assert_unlinkable"))
        cmd_assert_module(s, cmd, type, WASM_ERR_UNLINKABLE);
    else if (!strcmp(type, "assert_uninstantiable"))
        cmd_assert_module(s, cmd, type, WASM_ERR_TRAP);
    else
        fail_msg(s, "unknown command %s", type);
}

static int count_assertions(json_t *cmds)
{
    int n = 0;
    for (size_t i = 0; i < json_array_size(cmds); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(cmds, i), "type"));
        if (t && !strncmp(t, "assert_", 7))
            n++;
    }
    return n;
}

static void run_file(const char *dir, const char *name, unsigned totals[3])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        printf("FAIL %s: cannot parse JSON: %s (line %d)\n", name, jerr.text, jerr.line);
        totals[1]++;
        return;
    }
    json_t *cmds = json_object_get(root, "commands");
    script s;
    memset(&s, 0, sizeof s);
    s.dir = dir;
    s.file = name;
    s.store = wasm_store_new(NULL);
    if (!s.store || !make_spectest(s.store)) {
        printf("FAIL %s: cannot create the store\n", name);
        totals[1]++;
        json_decref(root);
        return;
    }
    for (size_t i = 0; i < json_array_size(cmds); i++)
        run_command(&s, json_array_get(cmds, i));
    printf("%-32s %5u passed, %u failed, %u skipped\n", name, s.passed, s.failed, s.skipped);
    totals[0] += s.passed;
    totals[1] += s.failed;
    totals[2] += s.skipped;
    wasm_store_free(s.store);
    for (size_t i = 0; i < s.nloaded; i++) {
        /* functions compile on their first call: counted once the file ran */
        uint32_t compiled, functions;
        wasm_module_jit_counts(s.loaded[i], &compiled, &functions);
        jit_compiled += compiled;
        jit_functions += functions;
        wasm_module_free(s.loaded[i]);
    }
    free(s.loaded);
    for (size_t i = 0; i < s.nreg; i++)
        free(s.registry[i].name);
    free(s.registry);
    for (size_t i = 0; i < s.nmod; i++)
        free(s.modules[i].name);
    free(s.modules);
    json_decref(root);
    (void)spectest_lookup_dummy;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned simd_files, simd_assertions;

static void skip_simd(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (!root)
        return;
    simd_files++;
    simd_assertions += (unsigned)count_assertions(json_object_get(root, "commands"));
    json_decref(root);
}

static void run_dir(const char *dir, unsigned totals[3], bool simd_dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("FAIL cannot open %s: %s\n", dir, strerror(errno));
        totals[1]++;
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len > 5 && !strcmp(de->d_name + len - 5, ".json")) {
            char **grown = realloc(names, (n + 1) * sizeof *names);
            if (!grown)
                break;
            names = grown;
            names[n++] = strdup(de->d_name);
        }
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (no_simd && (simd_dir || !strncmp(names[i], "simd_", 5)))
            skip_simd(dir, names[i]);
        else
            run_file(dir, names[i], totals);
        free(names[i]);
    }
    free(names);
    if (!simd_dir) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/simd", dir);
        DIR *sd = opendir(sub);
        if (sd) {
            closedir(sd);
            run_dir(sub, totals, true);
        }
    }
}

int main(int argc, char **argv)
{
    unsigned totals[3] = {0, 0, 0};
    int first = 1;
    while (first < argc && argv[first][0] == '-') {
        if (!strcmp(argv[first], "-v"))
            verbose = 1;
        else if (!strcmp(argv[first], "--no-simd"))
            no_simd = 1;
        first++;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-v] [--no-simd] DIR|FILE.json...\n", argv[0]);
        return 2;
    }
    for (int i = first; i < argc; i++) {
        size_t len = strlen(argv[i]);
        if (len > 5 && !strcmp(argv[i] + len - 5, ".json")) {
            char *copy = strdup(argv[i]);
            char *slash = strrchr(copy, '/');
            const char *dir = ".", *name = copy;
            if (slash) {
                *slash = 0;
                dir = copy;
                name = slash + 1;
            }
            run_file(dir, name, totals);
            free(copy);
        } else {
            run_dir(argv[i], totals, false);
        }
    }
    if (simd_files)
        printf("SIMD: %u files, %u assertions skipped (--no-simd)\n", simd_files, simd_assertions);
    wasm_module_options asked = engine_options_from_env();
    if (asked.tier == WASM_TIER_JIT || asked.tier == WASM_TIER_TIERED)
        printf("tier: %s (%lu modules, %lu of their %lu functions called and compiled to machine code; "
               "bounds checks: %lu by guard pages, %lu explicit)\n",
               asked.tier == WASM_TIER_JIT ? "jit" : "tiered", jit_modules, jit_compiled, jit_functions,
               guard_modules, jit_modules - guard_modules);
    else
        printf("tier: interpreter\n");
    printf("%u passed, %u failed, %u skipped\n", totals[0], totals[1], totals[2] + simd_assertions);
    return totals[1] ? 1 : 0;
}
