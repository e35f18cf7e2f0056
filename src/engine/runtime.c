/* Stores, runtime objects, instantiation, calls: the public API around the
 * decoder/compiler (module.c side) and the interpreter. */
#include "engine/internal.h"
#include "engine/codemem.h"
#include "engine/jit.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

/* ---- errors and names ----------------------------------------------------------- */

void err_clear(wasm_error *err)
{
    if (!err)
        return;
    err->status = WASM_OK;
    err->trap = WASM_TRAP_NONE;
    err->exit_code = 0;
    err->message[0] = 0;
    err->frame_count = 0;
}

void err_vset(wasm_error *err, wasm_status status, const char *fmt, va_list ap)
{
    if (!err)
        return;
    err->status = status;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

void err_set(wasm_error *err, wasm_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, status, fmt, ap);
    va_end(ap);
}

const char *wasm_status_name(wasm_status status)
{
    switch (status) {
    case WASM_OK: return "ok";
    case WASM_ERR_MALFORMED: return "malformed";
    case WASM_ERR_INVALID: return "invalid";
    case WASM_ERR_UNLINKABLE: return "unlinkable";
    case WASM_ERR_TRAP: return "trap";
    case WASM_ERR_EXIT: return "exit";
    case WASM_ERR_NOMEM: return "out of memory";
    case WASM_ERR_ARGUMENT: return "bad argument";
    }
    return "unknown status";
}

const char *wasm_trap_message(wasm_trap_kind trap)
{
    switch (trap) {
    case WASM_TRAP_NONE: return "no trap";
    case WASM_TRAP_UNREACHABLE: return "unreachable";
    case WASM_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_TRAP_OOB_MEMORY: return "out of bounds memory access";
    case WASM_TRAP_OOB_TABLE: return "out of bounds table access";
    case WASM_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case WASM_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case WASM_TRAP_INDIRECT_CALL_TYPE: return "indirect call type mismatch";
    case WASM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WASM_TRAP_FUEL_EXHAUSTED: return "fuel exhausted";
    case WASM_TRAP_HOST: return "host function trapped";
    }
    return "unknown trap";
}

const char *type_name(uint8_t t)
{
    switch (t) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    case 0: return "unknown";
    }
    return "?";
}

/* ---- modules ------------------------------------------------------------------------ */

/* The options as the engine will honour them, or an ARGUMENT error. */
static bool check_options(const wasm_module_options *in, wasm_module_options *out, wasm_error *err)
{
    static const wasm_module_options defaults;
    *out = in ? *in : defaults;
    if ((unsigned)out->tier > WASM_TIER_TIERED || (unsigned)out->compile > WASM_COMPILE_LAZY) {
        err_set(err, WASM_ERR_ARGUMENT, "wasm_module_new_with: unknown tier (%u) or compile mode (%u)",
                (unsigned)out->tier, (unsigned)out->compile);
        return false;
    }
    return true;
}

/* The tier a module gets. Auto is tiered, whatever the module's size:
 * tiered runs cold code in the plain interpreter (the JIT compiles the
 * unfused internal code), a few per cent slower than the fused one on a big
 * program's mostly cold start (clang --version), while hot code runs 2-4x
 * faster as machine code — Yosys synth_ice40 4.8x -> 1.6x Node's time,
 * clang -O2 -c of a 300-line file 1.01x -> 0.76x (docs/performance.md). */
static void resolve_tier(wasm_module_options *o)
{
    if (o->tier == WASM_TIER_AUTO)
        o->tier = WASM_TIER_TIERED;
    bool machine = o->tier == WASM_TIER_JIT || o->tier == WASM_TIER_TIERED;
    if (machine && !codemem_exec_available())
        o->tier = WASM_TIER_INTERP; /* no executable memory: the (fused) interpreter */
    else if (machine)
        o->no_fusion = true; /* the JIT compiles the unfused internal code, each
                              * function on its first (or hot_calls-th) call */
    if (o->tier == WASM_TIER_TIERED && !o->hot_calls)
        o->hot_calls = DEFAULT_HOT_CALLS;
}

wasm_module *wasm_module_new_with(const uint8_t *bytes, size_t size,
                                  const wasm_module_options *options, wasm_error *err)
{
    wasm_error local;
    if (!err)
        err = &local;
    err_clear(err);
    wasm_module_options opts;
    if (!check_options(options, &opts, err))
        return NULL;
    if (!bytes && size) {
        err_set(err, WASM_ERR_ARGUMENT, "wasm_module_new: NULL bytes");
        return NULL;
    }
    if (size > UINT32_MAX) {
        err_set(err, WASM_ERR_MALFORMED, "module of %zu bytes is larger than 4 GiB", size);
        return NULL;
    }
    wasm_module *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(err, WASM_ERR_NOMEM, "out of memory allocating a module");
        return NULL;
    }
    static const uint8_t empty[1];
    if (!bytes)
        bytes = empty;
    if (!decode_module(m, bytes, size, err))
        goto fail;
    uint32_t ndef = m->func_count - m->func_imports;
    uint32_t first_unchecked = 0;
    if (validate_module(m, err)) {
        /* validated: the bodies are there */
        resolve_tier(&opts);
        m->codes = calloc(ndef ? ndef : 1, sizeof *m->codes);
        comp *ws = compiler_new();
        if (!m->codes || !ws) {
            compiler_free(ws);
            err_set(err, WASM_ERR_NOMEM, "out of memory allocating function code");
            goto fail;
        }
        m->fuse = !opts.no_fusion;
        /* the JIT compiles plain ops, but wants `x = a + b` as one of them,
         * not op-into-temp + copy (both tiers of a tiered module run this
         * same code, so OSR finds the same slots) */
        m->retarget = opts.tier == WASM_TIER_JIT || opts.tier == WASM_TIER_TIERED;
        m->dump = opts.dump;
        m->unmetered = opts.unmetered;
        m->baseline_isa = opts.baseline_isa;
        m->perf_map = opts.perf_map;
        for (uint32_t i = 0; i < ndef; i++) {
            func_code *fc = &m->codes[i];
            fc->func_index = m->func_imports + i;
            fc->type_index = m->func_types[fc->func_index];
            fc->body_offset = m->body_start[i];
            fc->body_size = m->body_end[i] - m->body_start[i];
            fc->module = m;
            fc->hot = INT32_MAX; /* no machine code to enter (jit_compile_module) */
        }
        /* Validate every body now. A small module is translated in the same
         * pass (one walk per body); a big one is only validated now, and each
         * function translated on its first call, so that a large program
         * pays only for what it runs. The options may force either way. */
        bool eager = opts.compile == WASM_COMPILE_EAGER ||
                     (opts.compile == WASM_COMPILE_AUTO && ndef &&
                      m->body_end[ndef - 1] - m->body_start[0] <= EAGER_CODE_BYTES);
        for (uint32_t i = 0; i < ndef; i++) {
            if (!compile_function(ws, m, i, bytes, 0, !eager, err)) {
                first_unchecked = i;
                break;
            }
        }
        compiler_free(ws);
        if (err->status == WASM_OK && ndef && !eager) {
            m->code_origin = m->body_start[0];
            size_t len = m->body_end[ndef - 1] - m->code_origin;
            if (opts.borrow_bytes) {
                m->code_bytes = bytes + m->code_origin;
            } else {
                m->code_copy = malloc(len ? len : 1);
                if (!m->code_copy) {
                    err_set(err, WASM_ERR_NOMEM, "out of memory keeping the code section");
                    goto fail;
                }
                memcpy(m->code_copy, bytes + m->code_origin, len);
                m->code_bytes = m->code_copy;
            }
        }
        if (err->status == WASM_OK) {
            /* no executable memory (or no memory): the interpreter runs it */
            bool explicit_bounds = opts.bounds == WASM_BOUNDS_EXPLICIT;
            if (opts.tier == WASM_TIER_JIT)
                (void)jit_compile_module(m, opts.compile == WASM_COMPILE_EAGER, 1, explicit_bounds);
            else if (opts.tier == WASM_TIER_TIERED)
                (void)jit_compile_module(m, false, opts.hot_calls, explicit_bounds);
            return m;
        }
    }
    if (err->status == WASM_ERR_INVALID) {
        /* A malformed encoding later in the code section takes precedence. */
        wasm_error syntax;
        err_clear(&syntax);
        for (uint32_t i = first_unchecked; i < m->code_count; i++)
            if (!scan_body(m, bytes, m->body_start[i], m->body_end[i], m->func_imports + i,
                           &syntax)) {
                if (syntax.status == WASM_ERR_MALFORMED)
                    *err = syntax;
                break;
            }
    }
fail:
    module_free_contents(m);
    free(m);
    return NULL;
}

wasm_module *wasm_module_new(const uint8_t *bytes, size_t size, wasm_error *err)
{
    return wasm_module_new_with(bytes, size, NULL, err);
}

wasm_tier wasm_module_tier(const wasm_module *module)
{
    if (!module || !module->jit)
        return WASM_TIER_INTERP;
    return jit_module_tiered(module) ? WASM_TIER_TIERED : WASM_TIER_JIT;
}

wasm_bounds wasm_module_bounds(const wasm_module *module)
{
    return module && jit_module_guard(module) ? WASM_BOUNDS_GUARD : WASM_BOUNDS_EXPLICIT;
}

void wasm_module_jit_counts(const wasm_module *module, uint32_t *compiled, uint32_t *functions)
{
    *compiled = *functions = 0;
    if (module)
        jit_module_counts(module, compiled, functions);
}

void wasm_module_free(wasm_module *module)
{
    if (!module)
        return;
    module_free_contents(module);
    free(module);
}

size_t wasm_module_import_count(const wasm_module *m) { return m ? m->import_count : 0; }

bool wasm_module_import(const wasm_module *m, size_t index, wasm_import_desc *out)
{
    if (!m || index >= m->import_count || !out)
        return false;
    const import_def *im = &m->imports[index];
    memset(out, 0, sizeof *out);
    out->module = im->module;
    out->name = im->name;
    out->module_len = im->module_len;
    out->name_len = im->name_len;
    out->kind = (wasm_extern_kind)im->kind;
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
        out->func = m->types[im->index].ft;
        break;
    case WASM_EXTERN_TABLE:
        out->elem_type = im->type;
        out->limits = (wasm_limits_desc){im->lim.min, im->lim.max, im->lim.has_max};
        break;
    case WASM_EXTERN_MEMORY:
        out->limits = (wasm_limits_desc){im->lim.min, im->lim.max, im->lim.has_max};
        break;
    case WASM_EXTERN_GLOBAL:
        out->elem_type = im->type;
        out->global_mutable = im->mut;
        break;
    }
    return true;
}

size_t wasm_module_export_count(const wasm_module *m) { return m ? m->export_count : 0; }

bool wasm_module_export(const wasm_module *m, size_t index, wasm_export_desc *out)
{
    if (!m || index >= m->export_count || !out)
        return false;
    const export_def *e = &m->exports[index];
    memset(out, 0, sizeof *out);
    out->name = e->name;
    out->name_len = e->name_len;
    out->kind = (wasm_extern_kind)e->kind;
    switch (e->kind) {
    case WASM_EXTERN_FUNC:
        out->func = m->types[m->func_types[e->index]].ft;
        break;
    case WASM_EXTERN_TABLE: {
        const table_def *t = &m->tables[e->index];
        out->elem_type = t->elem;
        out->limits = (wasm_limits_desc){t->lim.min, t->lim.max, t->lim.has_max};
        break;
    }
    case WASM_EXTERN_MEMORY: {
        const limits *l = &m->mems[e->index];
        out->limits = (wasm_limits_desc){l->min, l->max, l->has_max};
        break;
    }
    case WASM_EXTERN_GLOBAL:
        out->elem_type = m->globals[e->index].type;
        out->global_mutable = m->globals[e->index].mut;
        break;
    }
    return true;
}

const char *wasm_module_func_name(const wasm_module *m, uint32_t func_index)
{
    return m ? module_func_name(m, func_index) : NULL;
}

/* ---- stores ------------------------------------------------------------------------------ */

wasm_store *wasm_store_new(const wasm_store_limits *lims)
{
    wasm_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (lims)
        s->limits = *lims;
    if (!s->limits.max_memory_pages || s->limits.max_memory_pages > 65536)
        s->limits.max_memory_pages = 65536;
    if (!s->limits.max_table_elems)
        s->limits.max_table_elems = DEFAULT_TABLE_LIMIT;
    if (!s->limits.max_call_depth)
        s->limits.max_call_depth = DEFAULT_CALL_DEPTH;
    return s;
}

static void free_object(obj_header *o)
{
    switch (o->kind) {
    case OBJ_FUNC: {
        wasm_func *f = (wasm_func *)o;
        free(f->name);
        free(f->owned_type);
        break;
    }
    case OBJ_TABLE:
        free(((wasm_table *)o)->elems);
        break;
    case OBJ_MEMORY: {
        wasm_memory *m = (wasm_memory *)o;
        if (m->data)
            munmap(m->data, m->reserved ? m->reserved : m->mapped);
        break;
    }
    case OBJ_GLOBAL:
        break;
    case OBJ_INSTANCE: {
        wasm_instance *in = (wasm_instance *)o;
        free(in->funcs);
        free(in->tables);
        free(in->mems);
        free(in->globals);
        free(in->type_ids);
        if (in->elems) {
            for (uint32_t i = 0; i < in->module->elem_count; i++)
                free(in->elems[i].refs);
            free(in->elems);
        }
        free(in->datas);
        break;
    }
    }
    free(o);
}

void wasm_store_free(wasm_store *s)
{
    if (!s)
        return;
    obj_header *o = s->objects;
    while (o) {
        obj_header *next = o->next;
        free_object(o);
        o = next;
    }
    for (uint32_t i = 0; i < s->type_cap; i++)
        if (s->types[i].ft.params)
            free((void *)s->types[i].ft.params);
    free(s->types);
    free(s->stack);
    free(s->frames);
    free(s);
}

bool wasm_store_set_fuel(wasm_store *s, uint64_t fuel)
{
    if (fuel && s->holds_unmetered)
        return false;
    s->fuel_on = fuel != 0;
    s->fuel = fuel > INT64_MAX ? INT64_MAX : (int64_t)fuel;
    return true;
}

uint64_t wasm_store_fuel_remaining(const wasm_store *s)
{
    return s->fuel_on ? (uint64_t)(s->fuel < 0 ? 0 : s->fuel) : 0;
}

static void *new_object(wasm_store *s, size_t size, uint8_t kind)
{
    obj_header *o = calloc(1, size);
    if (!o)
        return NULL;
    o->kind = kind;
    o->next = s->objects;
    s->objects = o;
    return o;
}

/* Function types are interned per store: equal types get the same id, so an
 * indirect call's type check is one integer compare. The table is open
 * addressing, slots hold the type (params NULL = empty). */
static uint32_t hash_type(const wasm_functype *ft)
{
    uint32_t h = 2166136261u;
    h = (h ^ ft->param_count) * 16777619u;
    for (uint32_t i = 0; i < ft->param_count; i++)
        h = (h ^ (uint32_t)ft->params[i]) * 16777619u;
    h = (h ^ ft->result_count) * 16777619u;
    for (uint32_t i = 0; i < ft->result_count; i++)
        h = (h ^ (uint32_t)ft->results[i]) * 16777619u;
    return h;
}

static bool same_type(const wasm_functype *a, const wasm_functype *b)
{
    if (a->param_count != b->param_count || a->result_count != b->result_count)
        return false;
    for (uint32_t i = 0; i < a->param_count; i++)
        if (a->params[i] != b->params[i])
            return false;
    for (uint32_t i = 0; i < a->result_count; i++)
        if (a->results[i] != b->results[i])
            return false;
    return true;
}

static bool store_grow_types(wasm_store *s)
{
    uint32_t ncap = s->type_cap ? s->type_cap * 2 : 64;
    interned_type *n = calloc(ncap, sizeof *n);
    if (!n)
        return false;
    for (uint32_t i = 0; i < s->type_cap; i++) {
        if (!s->types[i].ft.params)
            continue;
        uint32_t k = s->types[i].hash & (ncap - 1);
        while (n[k].ft.params)
            k = (k + 1) & (ncap - 1);
        n[k] = s->types[i];
    }
    free(s->types);
    s->types = n;
    s->type_cap = ncap;
    return true;
}

/* Returns the type's id (ids start at 1), or 0 when out of memory. */
uint32_t store_intern_type(wasm_store *s, const wasm_functype *ft)
{
    if ((s->type_count + 1) * 2 > s->type_cap && !store_grow_types(s))
        return 0;
    uint32_t h = hash_type(ft);
    uint32_t k = h & (s->type_cap - 1);
    while (s->types[k].ft.params) {
        if (s->types[k].hash == h && same_type(&s->types[k].ft, ft))
            return s->types[k].id;
        k = (k + 1) & (s->type_cap - 1);
    }
    size_t n = (size_t)ft->param_count + ft->result_count;
    wasm_type *arr = calloc(n ? n : 1, sizeof *arr);
    if (!arr)
        return 0;
    if (ft->param_count)
        memcpy(arr, ft->params, ft->param_count * sizeof *arr);
    if (ft->result_count)
        memcpy(arr + ft->param_count, ft->results, ft->result_count * sizeof *arr);
    interned_type *t = &s->types[k];
    t->hash = h;
    t->id = ++s->type_count;
    t->ft.param_count = ft->param_count;
    t->ft.result_count = ft->result_count;
    t->ft.params = arr;
    t->ft.results = arr + ft->param_count;
    return t->id;
}

/* ---- host functions ----------------------------------------------------------------------- */

static uint32_t cells_of(const wasm_type *t, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        c += type_cells((uint8_t)t[i]);
    return c;
}

static bool valid_functype(const wasm_functype *ft)
{
    if (!ft || ft->param_count > MAX_PARAMS || ft->result_count > MAX_RESULTS)
        return false;
    if ((ft->param_count && !ft->params) || (ft->result_count && !ft->results))
        return false;
    for (uint32_t i = 0; i < ft->param_count; i++)
        if (!is_valtype((uint8_t)ft->params[i]))
            return false;
    for (uint32_t i = 0; i < ft->result_count; i++)
        if (!is_valtype((uint8_t)ft->results[i]))
            return false;
    return true;
}

/* The wasm_functype a func exposes: owned by the func, stable for its life. */
static wasm_functype *copy_functype(const wasm_functype *ft)
{
    size_t n = (size_t)ft->param_count + ft->result_count;
    wasm_functype *c = calloc(1, sizeof *c + (n ? n : 1) * sizeof(wasm_type));
    if (!c)
        return NULL;
    wasm_type *arr = (wasm_type *)(c + 1);
    if (ft->param_count)
        memcpy(arr, ft->params, ft->param_count * sizeof *arr);
    if (ft->result_count)
        memcpy(arr + ft->param_count, ft->results, ft->result_count * sizeof *arr);
    c->param_count = ft->param_count;
    c->result_count = ft->result_count;
    c->params = arr;
    c->results = arr + ft->param_count;
    return c;
}

wasm_func *wasm_func_new_host(wasm_store *store, const wasm_functype *type, wasm_host_fn fn,
                              void *env, const char *debug_name)
{
    if (!store || !fn || !valid_functype(type))
        return NULL;
    uint32_t id = store_intern_type(store, type);
    if (!id)
        return NULL;
    wasm_functype *own = copy_functype(type);
    if (!own)
        return NULL;
    wasm_func *f = new_object(store, sizeof *f, OBJ_FUNC);
    if (!f) {
        free(own);
        return NULL;
    }
    f->type = own;
    f->type_id = id;
    f->is_host = true;
    f->host = fn;
    f->env = env;
    f->store = store;
    f->param_cells = cells_of(type->params, type->param_count);
    f->result_cells = cells_of(type->results, type->result_count);
    f->owned_type = own;
    if (debug_name)
        f->name = strdup(debug_name);
    return f;
}

const wasm_functype *wasm_func_type(const wasm_func *func) { return func ? func->type : NULL; }

/* ---- memories -------------------------------------------------------------------------------- */

/* The memory's address-space reservation (MEMORY_RESERVE), taken when it is
 * created, even at size 0. Refused (an address-space limit): the memory is
 * mapped to its size and moved when it grows, as before the reservation —
 * correct, without the speculative-execution guard. */
static void memory_reserve(wasm_memory *m)
{
    void *p = mmap(NULL, MEMORY_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p != MAP_FAILED) {
        m->data = p;
        m->reserved = MEMORY_RESERVE;
    }
}

static bool memory_map(wasm_memory *m, uint64_t bytes)
{
    if (bytes <= m->mapped)
        return true;
    void *p;
    if (m->reserved) {
        /* only the new part: re-protecting the old one would walk its pages */
        p = m->data;
        if (mprotect((uint8_t *)p + m->mapped, bytes - m->mapped, PROT_READ | PROT_WRITE) != 0)
            return false;
    } else if (!m->data) {
        p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
    } else {
        p = mremap(m->data, m->mapped, bytes, MREMAP_MAYMOVE);
    }
    if (p == MAP_FAILED)
        return false;
#ifdef MADV_HUGEPAGE
    /* fewer page faults for large memories (filling them is most of the cost
     * of instantiating a big module); only a hint */
    if (bytes >= (2u << 20))
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    m->data = p;
    m->mapped = bytes;
    return true;
}

int64_t memory_grow(wasm_memory *m, uint32_t delta)
{
    uint32_t old = m->pages;
    if (delta == 0)
        return old;
    uint64_t want = (uint64_t)old + delta;
    if (want > m->max_pages)
        return -1;
    if (!memory_map(m, want * WASM_PAGE_SIZE))
        return -1;
    m->pages = (uint32_t)want;
    m->size = want * WASM_PAGE_SIZE;
    return old;
}

static wasm_memory *memory_create(wasm_store *s, limits lim, wasm_error *err)
{
    uint32_t cap = s->limits.max_memory_pages;
    if (lim.min > cap) {
        err_set(err, WASM_ERR_NOMEM,
                "memory of %u pages exceeds the store's limit of %u pages", lim.min, cap);
        return NULL;
    }
    wasm_memory *m = new_object(s, sizeof *m, OBJ_MEMORY);
    if (!m) {
        err_set(err, WASM_ERR_NOMEM, "out of memory allocating a memory");
        return NULL;
    }
    m->lim = lim;
    m->max_pages = lim.has_max && lim.max < cap ? lim.max : cap;
    memory_reserve(m);
    if (!memory_map(m, (uint64_t)lim.min * WASM_PAGE_SIZE)) {
        err_set(err, WASM_ERR_NOMEM, "cannot allocate a memory of %u pages", lim.min);
        return NULL;
    }
    m->pages = lim.min;
    m->size = (uint64_t)lim.min * WASM_PAGE_SIZE;
    return m;
}

wasm_memory *wasm_memory_new(wasm_store *store, wasm_limits_desc limits_, wasm_error *err)
{
    wasm_error local;
    if (!err)
        err = &local;
    err_clear(err);
    if (!store) {
        err_set(err, WASM_ERR_ARGUMENT, "wasm_memory_new: NULL store");
        return NULL;
    }
    limits lim = {limits_.min, limits_.max, limits_.has_max};
    if (lim.min > 65536 || (lim.has_max && (lim.max > 65536 || lim.max < lim.min))) {
        err_set(err, WASM_ERR_ARGUMENT, "invalid memory limits (min %u, max %u)", lim.min, lim.max);
        return NULL;
    }
    return memory_create(store, lim, err);
}

uint8_t *wasm_memory_data(wasm_memory *memory) { return memory ? memory->data : NULL; }
size_t wasm_memory_size(const wasm_memory *memory) { return memory ? (size_t)memory->size : 0; }
int64_t wasm_memory_grow(wasm_memory *memory, uint32_t delta) { return memory ? memory_grow(memory, delta) : -1; }

wasm_limits_desc wasm_memory_limits(const wasm_memory *m)
{
    wasm_limits_desc d = {0, 0, false};
    if (m) {
        d.min = m->pages;
        d.max = m->lim.max;
        d.has_max = m->lim.has_max;
    }
    return d;
}

/* ---- tables ------------------------------------------------------------------------------------ */

int64_t table_grow(wasm_table *t, uint32_t delta, void *init)
{
    uint32_t old = t->size;
    if (delta == 0)
        return old;
    uint64_t want = (uint64_t)old + delta;
    if (want > t->max)
        return -1;
    if (want > t->capacity) {
        size_t cap = t->capacity ? t->capacity : 8;
        while (cap < want)
            cap *= 2;
        if (cap > t->max)
            cap = t->max;
        void **e = realloc(t->elems, cap * sizeof *e);
        if (!e)
            return -1;
        t->elems = e;
        t->capacity = cap;
    }
    for (uint64_t i = old; i < want; i++)
        t->elems[i] = init;
    t->size = (uint32_t)want;
    return old;
}

static wasm_table *table_create(wasm_store *s, uint8_t elem, limits lim, void *init, wasm_error *err)
{
    uint32_t cap = s->limits.max_table_elems;
    if (lim.min > cap) {
        err_set(err, WASM_ERR_NOMEM, "table of %u elements exceeds the store's limit of %u",
                lim.min, cap);
        return NULL;
    }
    wasm_table *t = new_object(s, sizeof *t, OBJ_TABLE);
    if (!t) {
        err_set(err, WASM_ERR_NOMEM, "out of memory allocating a table");
        return NULL;
    }
    t->elem = elem;
    t->lim = lim;
    t->max = lim.has_max && lim.max < cap ? lim.max : cap;
    if (lim.min && table_grow(t, lim.min, init) < 0) {
        err_set(err, WASM_ERR_NOMEM, "cannot allocate a table of %u elements", lim.min);
        return NULL;
    }
    return t;
}

static void *ref_of(wasm_value v) { return v.type == WASM_FUNCREF ? (void *)v.of.funcref : v.of.externref; }

wasm_table *wasm_table_new(wasm_store *store, wasm_type elem_type, wasm_limits_desc limits_,
                           wasm_value init, wasm_error *err)
{
    wasm_error local;
    if (!err)
        err = &local;
    err_clear(err);
    if (!store || !is_reftype((uint8_t)elem_type) || init.type != elem_type ||
        (limits_.has_max && limits_.max < limits_.min)) {
        err_set(err, WASM_ERR_ARGUMENT, "wasm_table_new: bad element type, init value or limits");
        return NULL;
    }
    limits lim = {limits_.min, limits_.max, limits_.has_max};
    return table_create(store, (uint8_t)elem_type, lim, ref_of(init), err);
}

uint32_t wasm_table_size(const wasm_table *t) { return t ? t->size : 0; }
wasm_type wasm_table_elem_type(const wasm_table *t) { return (wasm_type)t->elem; }

wasm_limits_desc wasm_table_limits(const wasm_table *t)
{
    wasm_limits_desc d = {t->size, t->lim.max, t->lim.has_max};
    return d;
}

bool wasm_table_get(const wasm_table *t, uint32_t index, wasm_value *out)
{
    if (!t || index >= t->size || !out)
        return false;
    out->type = (wasm_type)t->elem;
    memset(&out->of, 0, sizeof out->of);
    if (t->elem == WASM_FUNCREF)
        out->of.funcref = t->elems[index];
    else
        out->of.externref = t->elems[index];
    return true;
}

bool wasm_table_set(wasm_table *t, uint32_t index, wasm_value value)
{
    if (!t || index >= t->size || value.type != (wasm_type)t->elem)
        return false;
    t->elems[index] = ref_of(value);
    return true;
}

int64_t wasm_table_grow(wasm_table *t, uint32_t delta, wasm_value init)
{
    if (!t || init.type != (wasm_type)t->elem)
        return -1;
    return table_grow(t, delta, ref_of(init));
}

/* ---- globals -------------------------------------------------------------------------------------- */

wasm_global *wasm_global_new(wasm_store *store, wasm_type type, bool mutable_, wasm_value value,
                             wasm_error *err)
{
    wasm_error local;
    if (!err)
        err = &local;
    err_clear(err);
    if (!store || !is_valtype((uint8_t)type) || value.type != type) {
        err_set(err, WASM_ERR_ARGUMENT, "wasm_global_new: bad type or value");
        return NULL;
    }
    wasm_global *g = new_object(store, sizeof *g, OBJ_GLOBAL);
    if (!g) {
        err_set(err, WASM_ERR_NOMEM, "out of memory allocating a global");
        return NULL;
    }
    g->type = (uint8_t)type;
    g->mut = mutable_;
    value_to_cells(g->type, &value, g->val);
    return g;
}

wasm_value wasm_global_get(const wasm_global *g) { return value_from_cells(g->type, g->val); }

bool wasm_global_set(wasm_global *g, wasm_value value)
{
    if (!g || !g->mut || value.type != (wasm_type)g->type)
        return false;
    value_to_cells(g->type, &value, g->val);
    return true;
}

wasm_type wasm_global_type(const wasm_global *g) { return (wasm_type)g->type; }
bool wasm_global_mutable(const wasm_global *g) { return g->mut; }

/* ---- instantiation ----------------------------------------------------------------------------------- */

static bool limits_match(uint32_t actual_min, bool actual_has_max, uint32_t actual_max,
                         const limits *want)
{
    if (actual_min < want->min)
        return false;
    if (want->has_max) {
        if (!actual_has_max || actual_max > want->max)
            return false;
    }
    return true;
}

static const char *const extern_kind_names[] = {"function", "table", "memory", "global"};

static bool link_import(const wasm_module *m, uint32_t i, const wasm_extern *ex, wasm_error *err)
{
    const import_def *im = &m->imports[i];
    if (ex->kind != (wasm_extern_kind)im->kind || !ex->of.func) {
        err_set(err, WASM_ERR_UNLINKABLE,
                "incompatible import type: import %u \"%s\" \"%s\" needs a %s, got a %s%s", i,
                im->module, im->name, extern_kind_names[im->kind],
                (unsigned)ex->kind < 4 ? extern_kind_names[ex->kind] : "?",
                ex->of.func ? "" : " (NULL)");
        return false;
    }
    bool ok = true;
    const char *why = "";
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
        ok = same_type(ex->of.func->type, &m->types[im->index].ft);
        why = "function types differ";
        break;
    case WASM_EXTERN_TABLE: {
        const wasm_table *t = ex->of.table;
        ok = t->elem == im->type && limits_match(t->size, t->lim.has_max, t->lim.max, &im->lim);
        why = t->elem != im->type ? "element types differ" : "table limits do not match";
        break;
    }
    case WASM_EXTERN_MEMORY: {
        const wasm_memory *mem = ex->of.memory;
        ok = limits_match(mem->pages, mem->lim.has_max, mem->lim.max, &im->lim);
        why = "memory limits do not match";
        break;
    }
    case WASM_EXTERN_GLOBAL: {
        const wasm_global *g = ex->of.global;
        ok = g->type == im->type && g->mut == im->mut;
        why = g->type != im->type ? "global types differ" : "global mutability differs";
        break;
    }
    }
    if (!ok)
        err_set(err, WASM_ERR_UNLINKABLE, "incompatible import type: import %u \"%s\" \"%s\": %s",
                i, im->module, im->name, why);
    return ok;
}

static void eval_cexpr(const wasm_instance *in, const cexpr *e, cell *out)
{
    out[0].i64 = 0;
    out[1].i64 = 0;
    switch (e->kind) {
    case CE_CONST:
        out[0].i64 = e->bits;
        out[1].i64 = e->bits_hi;
        break;
    case CE_REF_NULL:
        out[0].ref = NULL;
        break;
    case CE_REF_FUNC:
        out[0].ref = in->funcs[e->index];
        break;
    case CE_GLOBAL_GET:
        out[0] = in->globals[e->index]->val[0];
        out[1] = in->globals[e->index]->val[1];
        break;
    default:
        break;
    }
}

static bool inst_trap(wasm_error *err, wasm_trap_kind kind, const char *what, uint32_t index)
{
    err->status = WASM_ERR_TRAP;
    err->trap = kind;
    err->frame_count = 0;
    snprintf(err->message, sizeof err->message, "%s (%s %u, during instantiation)",
             wasm_trap_message(kind), what, index);
    return false;
}

/* NOLINTBEGIN(bugprone-sizeof-expression): arrays of pointers */
static bool alloc_instance_arrays(wasm_instance *in, const wasm_module *m)
{
    in->funcs = calloc(m->func_count + 1, sizeof *in->funcs);
    in->tables = calloc(m->table_count + 1, sizeof *in->tables);
    in->mems = calloc(m->mem_count + 1, sizeof *in->mems);
    in->globals = calloc(m->global_count + 1, sizeof *in->globals);
    in->type_ids = calloc(m->type_count + 1, sizeof *in->type_ids);
    in->elems = calloc(m->elem_count + 1, sizeof *in->elems);
    in->datas = calloc(m->data_seg_count + 1, sizeof *in->datas);
    return in->funcs && in->tables && in->mems && in->globals && in->type_ids && in->elems &&
           in->datas;
}
/* NOLINTEND(bugprone-sizeof-expression) */

wasm_instance *wasm_instantiate(wasm_store *store, const wasm_module *m,
                                const wasm_extern *imports, size_t import_count, wasm_error *err)
{
    wasm_error local;
    if (!err)
        err = &local;
    err_clear(err);
    if (!store || !m || (import_count && !imports)) {
        err_set(err, WASM_ERR_ARGUMENT, "wasm_instantiate: NULL store, module or imports");
        return NULL;
    }
    if (import_count != m->import_count) {
        err_set(err, WASM_ERR_ARGUMENT, "wasm_instantiate: the module has %u imports, %zu given",
                m->import_count, import_count);
        return NULL;
    }
    if (m->unmetered && store->fuel_on) {
        err_set(err, WASM_ERR_ARGUMENT,
                "wasm_instantiate: the module was compiled unmetered (its code charges no fuel) "
                "and the store meters fuel");
        return NULL;
    }
    for (uint32_t i = 0; i < m->import_count; i++)
        if (!link_import(m, i, &imports[i], err))
            return NULL;

    wasm_instance *in = new_object(store, sizeof *in, OBJ_INSTANCE);
    if (!in || !alloc_instance_arrays(in, m)) {
        err_set(err, WASM_ERR_NOMEM, "out of memory instantiating a module");
        return NULL;
    }
    in->module = m;
    in->store = store;
    store->holds_unmetered |= m->unmetered;
    for (uint32_t i = 0; i < m->type_count; i++) {
        in->type_ids[i] = store_intern_type(store, &m->types[i].ft);
        if (!in->type_ids[i]) {
            err_set(err, WASM_ERR_NOMEM, "out of memory instantiating a module");
            return NULL;
        }
    }
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < m->import_count; i++) {
        switch (imports[i].kind) {
        case WASM_EXTERN_FUNC: in->funcs[nf++] = imports[i].of.func; break;
        case WASM_EXTERN_TABLE: in->tables[nt++] = imports[i].of.table; break;
        case WASM_EXTERN_MEMORY: in->mems[nm++] = imports[i].of.memory; break;
        case WASM_EXTERN_GLOBAL: in->globals[ng++] = imports[i].of.global; break;
        }
    }
    for (uint32_t i = m->func_imports; i < m->func_count; i++) {
        wasm_func *f = new_object(store, sizeof *f, OBJ_FUNC);
        if (!f) {
            err_set(err, WASM_ERR_NOMEM, "out of memory instantiating a module");
            return NULL;
        }
        const ftype *t = &m->types[m->func_types[i]];
        f->type = &t->ft;
        f->type_id = in->type_ids[m->func_types[i]];
        f->inst = in;
        f->store = store;
        f->code = &m->codes[i - m->func_imports];
        f->param_cells = t->param_cells;
        f->result_cells = t->result_cells;
        in->funcs[i] = f;
    }
    for (uint32_t i = m->table_imports; i < m->table_count; i++) {
        in->tables[i] = table_create(store, m->tables[i].elem, m->tables[i].lim, NULL, err);
        if (!in->tables[i])
            return NULL;
    }
    for (uint32_t i = m->mem_imports; i < m->mem_count; i++) {
        in->mems[i] = memory_create(store, m->mems[i], err);
        if (!in->mems[i])
            return NULL;
    }
    in->mem0 = m->mem_count ? in->mems[0] : NULL;
    if (in->mem0 && !in->mem0->reserved && jit_module_guard(m)) {
        /* guard-mode code has no compares: its accesses must land in the
         * reservation (docs/engine.md, "Bounds checks") */
        err_set(err, WASM_ERR_NOMEM,
                "memory 0 has no address-space reservation (%llu bytes refused: an address-space "
                "limit such as ulimit -v?), which this module's machine code (guard-page bounds "
                "checks) needs; lift the limit, or load the module with explicit bounds checks",
                (unsigned long long)MEMORY_RESERVE);
        return NULL;
    }
    for (uint32_t i = m->global_imports; i < m->global_count; i++) {
        wasm_global *g = new_object(store, sizeof *g, OBJ_GLOBAL);
        if (!g) {
            err_set(err, WASM_ERR_NOMEM, "out of memory instantiating a module");
            return NULL;
        }
        g->type = m->globals[i].type;
        g->mut = m->globals[i].mut;
        eval_cexpr(in, &m->globals[i].init, g->val);
        in->globals[i] = g;
    }
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const elem_def *e = &m->elems[i];
        in->elems[i].refs = calloc(e->count ? e->count : 1, sizeof(void *));
        if (!in->elems[i].refs) {
            err_set(err, WASM_ERR_NOMEM, "out of memory instantiating a module");
            return NULL;
        }
        in->elems[i].count = e->count;
        for (uint32_t k = 0; k < e->count; k++) {
            cell c[2];
            eval_cexpr(in, &e->items[k], c);
            in->elems[i].refs[k] = c[0].ref;
        }
    }
    for (uint32_t i = 0; i < m->data_seg_count; i++) {
        in->datas[i].size = m->datas[i].size;
        in->datas[i].bytes = m->datas[i].bytes;
    }

    /* Segments in order, each as table.init/memory.init followed by a drop. */
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const elem_def *e = &m->elems[i];
        if (e->mode == SEG_ACTIVE) {
            cell off[2];
            eval_cexpr(in, &e->offset, off);
            wasm_table *t = in->tables[e->table];
            uint64_t d = off[0].i32, n = in->elems[i].count;
            if (d + n > t->size)
                return inst_trap(err, WASM_TRAP_OOB_TABLE, "element segment", i), NULL;
            if (n)
                memcpy(t->elems + d, in->elems[i].refs, n * sizeof *t->elems);
        }
        if (e->mode != SEG_PASSIVE)
            in->elems[i].count = 0;
    }
    for (uint32_t i = 0; i < m->data_seg_count; i++) {
        const data_def *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE)
            continue;
        cell off[2];
        eval_cexpr(in, &d->offset, off);
        wasm_memory *mem = in->mems[d->mem];
        uint64_t at = off[0].i32, n = d->size;
        if (at + n > mem->size)
            return inst_trap(err, WASM_TRAP_OOB_MEMORY, "data segment", i), NULL;
        if (n)
            memcpy(mem->data + at, d->bytes, n);
        in->datas[i].size = 0;
    }
    if (m->has_start) {
        cell none[2];
        if (interp_call(store, in->funcs[m->start], none, err) != WASM_OK)
            return NULL;
    }
    return in;
}

bool wasm_instance_export(const wasm_instance *in, const char *name, wasm_extern *out)
{
    return name && wasm_instance_export_n(in, name, strlen(name), out);
}

bool wasm_instance_export_n(const wasm_instance *in, const char *name, size_t len, wasm_extern *out)
{
    if (!in || !name || !out)
        return false;
    const wasm_module *m = in->module;
    for (uint32_t i = 0; i < m->export_count; i++) {
        const export_def *e = &m->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0)
            continue;
        out->kind = (wasm_extern_kind)e->kind;
        switch (e->kind) {
        case WASM_EXTERN_FUNC: out->of.func = in->funcs[e->index]; break;
        case WASM_EXTERN_TABLE: out->of.table = in->tables[e->index]; break;
        case WASM_EXTERN_MEMORY: out->of.memory = in->mems[e->index]; break;
        case WASM_EXTERN_GLOBAL: out->of.global = in->globals[e->index]; break;
        }
        return true;
    }
    return false;
}

const wasm_module *wasm_instance_module(const wasm_instance *in) { return in ? in->module : NULL; }

/* ---- calls -------------------------------------------------------------------------------------------- */

wasm_status wasm_call(wasm_store *store, wasm_func *func, const wasm_value *args, size_t arg_count,
                      wasm_value *results, size_t result_count, wasm_error *err)
{
    wasm_error local;
    if (!err)
        err = &local;
    err_clear(err);
    if (!store || !func || func->store != store) {
        err_set(err, WASM_ERR_ARGUMENT, "wasm_call: NULL store/function, or a function of another store");
        return WASM_ERR_ARGUMENT;
    }
    const wasm_functype *t = func->type;
    if (arg_count != t->param_count || result_count != t->result_count ||
        (arg_count && !args) || (result_count && !results)) {
        err_set(err, WASM_ERR_ARGUMENT,
                "wasm_call: the function takes %u arguments and returns %u results (%zu and %zu given)",
                t->param_count, t->result_count, arg_count, result_count);
        return WASM_ERR_ARGUMENT;
    }
    for (uint32_t i = 0; i < t->param_count; i++)
        if (args[i].type != t->params[i]) {
            err_set(err, WASM_ERR_ARGUMENT, "wasm_call: argument %u is a %s, expected %s", i,
                    type_name(args[i].type), type_name(t->params[i]));
            return WASM_ERR_ARGUMENT;
        }
    uint32_t ncells = func->param_cells > func->result_cells ? func->param_cells : func->result_cells;
    cell small[32];
    cell *cells = ncells <= 32 ? small : calloc(ncells, sizeof *cells);
    if (!cells) {
        err_set(err, WASM_ERR_NOMEM, "out of memory calling a function");
        return WASM_ERR_NOMEM;
    }
    cell *c = cells;
    for (uint32_t i = 0; i < t->param_count; i++) {
        value_to_cells((uint8_t)t->params[i], &args[i], c);
        c += type_cells((uint8_t)t->params[i]);
    }
    wasm_status st = interp_call(store, func, cells, err);
    if (st == WASM_OK) {
        c = cells;
        for (uint32_t i = 0; i < t->result_count; i++) {
            results[i] = value_from_cells((uint8_t)t->results[i], c);
            c += type_cells((uint8_t)t->results[i]);
        }
    }
    if (cells != small)
        free(cells);
    return st;
}

/* ---- inside host functions ---------------------------------------------------------------------------- */

wasm_memory *wasm_ctx_memory(wasm_call_ctx *ctx) { return ctx && ctx->inst ? ctx->inst->mem0 : NULL; }
wasm_store *wasm_ctx_store(wasm_call_ctx *ctx) { return ctx ? ctx->store : NULL; }

wasm_status wasm_ctx_trap(wasm_call_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->store->host_msg, sizeof ctx->store->host_msg, fmt, ap);
    va_end(ap);
    return WASM_ERR_TRAP;
}

wasm_status wasm_ctx_exit(wasm_call_ctx *ctx, int32_t exit_code)
{
    ctx->store->exit_code = exit_code;
    return WASM_ERR_EXIT;
}
