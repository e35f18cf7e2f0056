/* diff_run: runs one module on our engine, through the public API only
 * (engine/wasm.h), and prints what it observably does in the canonical form
 * that tests/diff/v8_run.mjs prints for Node's V8, so that the two outputs
 * can be compared line by line (tests/diff/compare.mjs).
 *
 *   diff_run [--fuel N] [--pages N] [--table N] [--depth N] FILE.wasm
 *
 * What it does: load; instantiate with the imports a fuzz module may use
 * (binaryen's "fuzzing-support" loggers, the spec tests' "spectest" module,
 * and a logging stand-in of the right type for anything else); then call
 * every exported function three times (arguments: zeros, then two fixed sets
 * of interesting values), each time after calling "hangLimitInitializer" if
 * the module exports it (wasm-opt -ttf modules count loop iterations and
 * calls against a global that it resets). After each call: what the imports
 * were passed, the results or the trap class, and every exported memory
 * (pages + hash), global and table (size + which entries are null).
 *
 * The output format (one item per line) is described in docs/engine.md,
 * section "Differential testing". Floats are printed as raw bits; NaNs as
 * "nan" because V8 cannot show their bits through JavaScript numbers. Trap
 * kinds are printed as classes both engines can tell apart (V8 reports an
 * out-of-range call_indirect index like a table access, a null entry like a
 * signature mismatch, and a NaN given to a truncation like an out-of-range
 * value). Fuel and call-stack exhaustion both print
 * "exhausted" and end the run: the two engines' limits differ.
 *
 * Exit status: 0 when the module was run (whatever it did), 2 on bad usage. */
#include "common/file.h"
#include "engine/wasm.h"
#include "engine_options.h"

/* Larger than any module a test reads. */
#define WASM_FILE_LIMIT (1u << 30)

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_VALUES = 1024, ARG_SETS = 3 };

static FILE *out;

/* ---- canonical printing -------------------------------------------------- */

/* Names are printed with every byte outside [A-Za-z0-9_.-] as \xx, so that
 * the output is one token whatever the module calls its exports. */
static void put_name(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '.' || c == '-')
            fputc(c, out);
        else
            fprintf(out, "\\%02x", c);
    }
}

static bool f32_is_nan(uint32_t b) { return (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu); }
static bool f64_is_nan(uint64_t b)
{
    return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
}

static void put_value(const wasm_value *v)
{
    switch (v->type) {
    case WASM_I32: fprintf(out, "i32:%" PRId32, (int32_t)v->of.i32); break;
    case WASM_I64: fprintf(out, "i64:%" PRId64, (int64_t)v->of.i64); break;
    case WASM_F32:
        if (f32_is_nan(v->of.f32_bits))
            fprintf(out, "f32:nan");
        else
            fprintf(out, "f32:0x%08" PRIx32, v->of.f32_bits);
        break;
    case WASM_F64:
        if (f64_is_nan(v->of.f64_bits))
            fprintf(out, "f64:nan");
        else
            fprintf(out, "f64:0x%016" PRIx64, v->of.f64_bits);
        break;
    case WASM_FUNCREF: fprintf(out, v->of.funcref ? "ref:func" : "ref:null"); break;
    case WASM_EXTERNREF: fprintf(out, v->of.externref ? "ref:extern" : "ref:null"); break;
    case WASM_V128: fprintf(out, "v128"); break;
    }
}

static void put_values(const wasm_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputc(' ', out);
        put_value(&v[i]);
    }
}

/* The trap classes both engines can report (see the file comment). */
static const char *trap_class(wasm_trap_kind k)
{
    switch (k) {
    case WASM_TRAP_UNREACHABLE: return "unreachable";
    case WASM_TRAP_DIV_BY_ZERO: return "div-by-zero";
    case WASM_TRAP_INT_OVERFLOW:
    case WASM_TRAP_INVALID_CONVERSION: return "overflow";
    case WASM_TRAP_OOB_MEMORY: return "memory-oob";
    case WASM_TRAP_OOB_TABLE:
    case WASM_TRAP_UNDEFINED_ELEMENT: return "table-oob";
    case WASM_TRAP_UNINITIALIZED_ELEMENT:
    case WASM_TRAP_INDIRECT_CALL_TYPE: return "indirect-call";
    case WASM_TRAP_STACK_EXHAUSTED:
    case WASM_TRAP_FUEL_EXHAUSTED: return "exhausted";
    case WASM_TRAP_HOST: return "host";
    case WASM_TRAP_NONE: break;
    }
    return "unknown";
}

/* FNV-1a over little-endian 32-bit words (tests/diff/v8_run.mjs computes the
 * same): cheap enough to run after every call on a few MiB. */
static uint32_t hash_memory(const uint8_t *p, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i + 4 <= size; i += 4) {
        uint32_t w = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                     (uint32_t)p[i + 3] << 24;
        h = (h ^ w) * 16777619u;
    }
    return h;
}

/* ---- imports ------------------------------------------------------------ */

typedef struct import_env {
    char label[300];       /* what the log line calls it */
    wasm_functype type;    /* arrays owned by the module */
} import_env;

static wasm_value zero_of(wasm_type t)
{
    wasm_value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/* Every imported function prints its arguments and returns zeros. */
static wasm_status logging_import(wasm_call_ctx *ctx, void *env, const wasm_value *args,
                                  wasm_value *results)
{
    (void)ctx;
    const import_env *e = env;
    fprintf(out, "log %s", e->label);
    put_values(args, e->type.param_count);
    fputc('\n', out);
    for (uint32_t i = 0; i < e->type.result_count; i++)
        results[i] = zero_of(e->type.results[i]);
    return WASM_OK;
}

static void make_label(import_env *e, const wasm_import_desc *d)
{
    /* fuzzing-support.log-i32 -> "log-i32", spectest.print_i32 -> "print_i32",
     * anything else -> "import MODULE.NAME" with the names escaped */
    FILE *saved = out;
    char *buf = NULL;
    size_t len = 0;
    out = open_memstream(&buf, &len);
    if (!out) {
        out = saved;
        snprintf(e->label, sizeof e->label, "?");
        return;
    }
    if ((d->module_len == 15 && !memcmp(d->module, "fuzzing-support", 15)) ||
        (d->module_len == 8 && !memcmp(d->module, "spectest", 8))) {
        put_name(d->name, d->name_len);
    } else {
        fputs("import ", out);
        put_name(d->module, d->module_len);
        fputc('.', out);
        put_name(d->name, d->name_len);
    }
    fclose(out);
    out = saved;
    snprintf(e->label, sizeof e->label, "%s", buf ? buf : "?");
    free(buf);
}

static bool is_spectest(const wasm_import_desc *d, const char *name)
{
    return d->module_len == 8 && !memcmp(d->module, "spectest", 8) &&
           d->name_len == strlen(name) && !memcmp(d->name, name, d->name_len);
}

/* A global import: spectest's values where the spec tests define them
 * (666 / 666.6), zero otherwise. The imported type decides. */
static wasm_value global_init(const wasm_import_desc *d)
{
    wasm_value v = zero_of(d->elem_type);
    float f = 666.6f;
    double g = 666.6;
    if (d->elem_type == WASM_I32 && is_spectest(d, "global_i32"))
        v.of.i32 = 666;
    else if (d->elem_type == WASM_I64 && is_spectest(d, "global_i64"))
        v.of.i64 = 666;
    else if (d->elem_type == WASM_F32 && is_spectest(d, "global_f32"))
        memcpy(&v.of.f32_bits, &f, 4);
    else if (d->elem_type == WASM_F64 && is_spectest(d, "global_f64"))
        memcpy(&v.of.f64_bits, &g, 8);
    return v;
}

/* Creates a stand-in for import d. Returns false (and says why on stdout,
 * the way v8_run.mjs does) when the host object cannot be made. */
static bool make_import(wasm_store *store, const wasm_import_desc *d, import_env *env,
                        wasm_extern *ext)
{
    wasm_error err;
    ext->kind = d->kind;
    switch (d->kind) {
    case WASM_EXTERN_FUNC:
        env->type = d->func;
        make_label(env, d);
        ext->of.func = wasm_func_new_host(store, &env->type, logging_import, env, env->label);
        return ext->of.func != NULL;
    case WASM_EXTERN_GLOBAL:
        ext->of.global = wasm_global_new(store, d->elem_type, d->global_mutable, global_init(d), &err);
        return ext->of.global != NULL;
    case WASM_EXTERN_MEMORY:
        ext->of.memory = wasm_memory_new(store, d->limits, &err);
        return ext->of.memory != NULL;
    case WASM_EXTERN_TABLE:
        ext->of.table = wasm_table_new(store, d->elem_type, d->limits, zero_of(d->elem_type), &err);
        return ext->of.table != NULL;
    }
    return false;
}

/* ---- arguments ---------------------------------------------------------- */

static const uint32_t i32_vals[] = {0, 1, 0xffffffffu, 0x7fffffffu, 0x80000000u, 2, 65536, 255,
                                    0xffff0000u, 42, 8, 1024};
static const uint64_t i64_vals[] = {0, 1, ~0ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                    0x100000000ull, 42, 0xffffffff00000000ull, 65535};
static const uint32_t f32_vals[] = {0, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7f800000u,
                                    0xff800000u, 1, 0x7f7fffffu, 0x4f000000u, 0xcf000000u,
                                    0x3fc00000u, 0x80800000u, 0x5f000000u};
static const uint64_t f64_vals[] = {0, 0x8000000000000000ull, 0x3ff0000000000000ull,
                                    0xbff0000000000000ull, 0x7ff0000000000000ull,
                                    0xfff0000000000000ull, 1, 0x7fefffffffffffffull,
                                    0x41e0000000000000ull, 0xc1e0000000000000ull,
                                    0x3ff8000000000000ull, 0x8010000000000000ull,
                                    0x43e0000000000000ull, 0x41dfffffffc00000ull};

#define PICK(tab, k) (tab)[(k) % (sizeof(tab) / sizeof((tab)[0]))]

/* Argument j of set s: set 0 is all zeros; sets 1 and 2 walk the tables
 * above with different strides. v8_run.mjs computes the same. */
static wasm_value arg_value(wasm_type t, unsigned set, unsigned j)
{
    wasm_value v = zero_of(t);
    if (set == 0)
        return v;
    unsigned k = set * 7 + j * (set == 1 ? 3 : 5);
    switch (t) {
    case WASM_I32: v.of.i32 = PICK(i32_vals, k); break;
    case WASM_I64: v.of.i64 = PICK(i64_vals, k); break;
    case WASM_F32: v.of.f32_bits = PICK(f32_vals, k); break;
    case WASM_F64: v.of.f64_bits = PICK(f64_vals, k); break;
    default: break; /* references: null */
    }
    return v;
}

/* ---- the run ------------------------------------------------------------ */

typedef struct options {
    uint64_t fuel;
    wasm_store_limits limits;
} options;

/* For triage: DIFF_DUMP_DIR=DIR writes each exported memory after call N to
 * DIR/N.NAME.bin (v8_run.mjs does the same), to be compared with cmp -l. */
static unsigned call_number;

static void dump_memory(const char *name, size_t len, const uint8_t *data, size_t size)
{
    const char *dir = getenv("DIFF_DUMP_DIR");
    if (!dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%u.%.*s.bin", dir, call_number, (int)(len > 200 ? 200 : len), name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
    }
}

static void put_state(const wasm_module *m, const wasm_instance *inst)
{
    size_t ne = wasm_module_export_count(m);
    for (size_t i = 0; i < ne; i++) {
        wasm_export_desc d;
        wasm_extern ex;
        if (!wasm_module_export(m, i, &d) || d.kind == WASM_EXTERN_FUNC ||
            !wasm_instance_export_n(inst, d.name, d.name_len, &ex))
            continue;
        switch (ex.kind) {
        case WASM_EXTERN_MEMORY: {
            size_t size = wasm_memory_size(ex.of.memory);
            fputs("memory ", out);
            put_name(d.name, d.name_len);
            fprintf(out, " %zu %08" PRIx32 "\n", size / WASM_PAGE_SIZE,
                    hash_memory(wasm_memory_data(ex.of.memory), size));
            dump_memory(d.name, d.name_len, wasm_memory_data(ex.of.memory), size);
            break;
        }
        case WASM_EXTERN_GLOBAL: {
            wasm_value v = wasm_global_get(ex.of.global);
            fputs("global ", out);
            put_name(d.name, d.name_len);
            fputc(' ', out);
            put_value(&v);
            fputc('\n', out);
            break;
        }
        case WASM_EXTERN_TABLE: {
            uint32_t n = wasm_table_size(ex.of.table), h = 2166136261u;
            for (uint32_t k = 0; k < n; k++) {
                wasm_value v;
                wasm_table_get(ex.of.table, k, &v);
                h = (h ^ (v.of.funcref != NULL)) * 16777619u;
            }
            fputs("table ", out);
            put_name(d.name, d.name_len);
            fprintf(out, " %" PRIu32 " %08" PRIx32 "\n", n, h);
            break;
        }
        case WASM_EXTERN_FUNC:
            break;
        }
    }
}

/* Calls one export with argument set s. Returns false when the run must end
 * (exhaustion: the engines' limits differ, so nothing after it compares). */
static bool call_export(wasm_store *store, const options *o, wasm_func *f,
                        const wasm_export_desc *d, unsigned set, wasm_func *hang_init)
{
    static wasm_value args[MAX_VALUES], results[MAX_VALUES];
    const wasm_functype *t = wasm_func_type(f);
    wasm_error err;
    if (hang_init) {
        if (o->fuel)
            wasm_store_set_fuel(store, o->fuel);
        if (wasm_call(store, hang_init, NULL, 0, NULL, 0, &err) != WASM_OK) {
            fprintf(out, "hang-limit-init failed: %s\n", err.message);
            return false;
        }
    }
    for (uint32_t j = 0; j < t->param_count; j++)
        args[j] = arg_value(t->params[j], set, j);
    call_number++;
    fputs("call ", out);
    put_name(d->name, d->name_len);
    put_values(args, t->param_count);
    fputc('\n', out);
    if (o->fuel)
        wasm_store_set_fuel(store, o->fuel);
    wasm_status st = wasm_call(store, f, args, t->param_count, results, t->result_count, &err);
    if (st == WASM_OK) {
        fputs("result", out);
        put_values(results, t->result_count);
        fputc('\n', out);
        return true;
    }
    if (st == WASM_ERR_TRAP) {
        const char *cls = trap_class(err.trap);
        fprintf(out, "%s%s\n", strcmp(cls, "exhausted") ? "trap " : "", cls);
        fprintf(stderr, "diff_run: trap: %s\n", err.message);
        return strcmp(cls, "exhausted") != 0;
    }
    fprintf(out, "error %s\n", wasm_status_name(st));
    fprintf(stderr, "diff_run: %s\n", err.message);
    return false;
}

static void run_module(const uint8_t *bytes, size_t size, const options *o)
{
    wasm_error err;
    wasm_module_options engine = engine_options_from_env();
    wasm_module *m = wasm_module_new_with(bytes, size, &engine, &err);
    if (!m) {
        fputs("load error\n", out);
        fprintf(stderr, "diff_run: %s: %s\n", wasm_status_name(err.status), err.message);
        return;
    }
    fputs("load ok\n", out);
    wasm_store *store = wasm_store_new(&o->limits);
    size_t ni = wasm_module_import_count(m);
    wasm_extern *imports = calloc(ni ? ni : 1, sizeof *imports);
    import_env *envs = calloc(ni ? ni : 1, sizeof *envs);
    if (!store || !imports || !envs) {
        fputs("error nomem\n", out);
        goto done;
    }
    for (size_t i = 0; i < ni; i++) {
        wasm_import_desc d;
        wasm_module_import(m, i, &d);
        if (!make_import(store, &d, &envs[i], &imports[i])) {
            /* e.g. an imported memory above the page limit: V8 fails the same */
            fputs("init limit\n", out);
            goto done;
        }
    }
    if (o->fuel)
        wasm_store_set_fuel(store, o->fuel);
    wasm_instance *inst = wasm_instantiate(store, m, imports, ni, &err);
    if (!inst) {
        if (err.status == WASM_ERR_TRAP) {
            const char *cls = trap_class(err.trap);
            fprintf(out, "init %s%s\n", strcmp(cls, "exhausted") ? "trap " : "", cls);
        } else if (err.status == WASM_ERR_NOMEM) {
            fputs("init limit\n", out);
        } else {
            fprintf(out, "init %s\n", wasm_status_name(err.status));
        }
        fprintf(stderr, "diff_run: instantiate: %s\n", err.message);
        goto done;
    }
    fputs("init ok\n", out);
    put_state(m, inst);

    wasm_extern hang;
    wasm_func *hang_init = NULL;
    if (wasm_instance_export(inst, "hangLimitInitializer", &hang) && hang.kind == WASM_EXTERN_FUNC &&
        wasm_func_type(hang.of.func)->param_count == 0 &&
        wasm_func_type(hang.of.func)->result_count == 0)
        hang_init = hang.of.func;

    size_t ne = wasm_module_export_count(m);
    for (size_t i = 0; i < ne; i++) {
        wasm_export_desc d;
        wasm_extern ex;
        if (!wasm_module_export(m, i, &d) || d.kind != WASM_EXTERN_FUNC)
            continue;
        if (!wasm_instance_export_n(inst, d.name, d.name_len, &ex)) {
            fputs("error export not found\n", out);
            goto done;
        }
        const wasm_functype *t = wasm_func_type(ex.of.func);
        if (t->param_count > MAX_VALUES || t->result_count > MAX_VALUES)
            continue; /* v8_run.mjs skips these too */
        if (hang_init == ex.of.func)
            continue;
        for (unsigned s = 0; s < ARG_SETS; s++) {
            bool go_on = call_export(store, o, ex.of.func, &d, s, hang_init);
            put_state(m, inst);
            fflush(out);
            if (!go_on)
                goto done;
        }
    }
    fputs("end\n", out);
done:
    fflush(out);
    free(imports);
    free(envs);
    wasm_store_free(store);
    wasm_module_free(m);
}

int main(int argc, char **argv)
{
    options o = {.fuel = 50000000, .limits = {1024, 100000, 0}};
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
        unsigned long long v = strtoull(argv[i + 1], NULL, 0);
        if (!strcmp(argv[i], "--fuel"))
            o.fuel = v;
        else if (!strcmp(argv[i], "--pages"))
            o.limits.max_memory_pages = (uint32_t)v;
        else if (!strcmp(argv[i], "--table"))
            o.limits.max_table_elems = (uint32_t)v;
        else if (!strcmp(argv[i], "--depth"))
            o.limits.max_call_depth = (uint32_t)v;
        else
            break;
    }
    if (i != argc - 1) {
        fprintf(stderr, "usage: diff_run [--fuel N] [--pages N] [--table N] [--depth N] FILE.wasm\n");
        return 2;
    }
    file_contents file;
    char why[256];
    if (file_read_all(argv[i], WASM_FILE_LIMIT, 0, &file, why, sizeof why) != FILE_OK) {
        fprintf(stderr, "diff_run: %s: %s\n", argv[i], why);
        return 2;
    }
    out = stdout;
    run_module(file.data, file.size, &o);
    file_contents_free(&file);
    return 0;
}
