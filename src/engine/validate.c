/* Module-level validation: indices, limits, constant expressions, exports,
 * start function, segments. Function bodies are validated by compile.c. */
#include "engine/internal.h"

#include <stdio.h>
#include <stdlib.h>

static bool invalid(wasm_error *err, uint32_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool invalid(wasm_error *err, uint32_t offset, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (offset)
        err_set(err, WASM_ERR_INVALID, "%s (at byte offset %u)", msg, offset);
    else
        err_set(err, WASM_ERR_INVALID, "%s", msg);
    return false;
}

static bool check_limits(const limits *l, uint64_t bound, const char *what, wasm_error *err)
{
    if (l->min > bound)
        return invalid(err, 0, "%s", what);
    if (l->has_max && l->max > bound)
        return invalid(err, 0, "%s", what);
    if (l->has_max && l->min > l->max)
        return invalid(err, 0, "size minimum must not be greater than maximum");
    return true;
}

/* A constant expression of type `want`; `globals_visible` global indices may be
 * read (only the imported ones inside global initialisers). */
static bool check_cexpr(const wasm_module *m, const cexpr *e, uint8_t want, uint32_t globals_visible,
                        wasm_error *err)
{
    uint8_t got;
    switch (e->kind) {
    case CE_BAD_OP:
        return invalid(err, e->offset, "constant expression required");
    case CE_BAD_ARITY:
    case CE_NONE:
        return invalid(err, e->offset, "type mismatch: a constant expression must give one %s",
                       type_name(want));
    case CE_CONST:
    case CE_REF_NULL:
        got = e->type;
        break;
    case CE_REF_FUNC:
        if (e->index >= m->func_count)
            return invalid(err, e->offset, "unknown function %u", e->index);
        got = WASM_FUNCREF;
        break;
    case CE_GLOBAL_GET:
        if (e->index >= globals_visible || e->index >= m->global_count)
            return invalid(err, e->offset, "unknown global %u", e->index);
        if (m->globals[e->index].mut)
            return invalid(err, e->offset,
                           "constant expression required: global %u is mutable", e->index);
        got = m->globals[e->index].type;
        break;
    default:
        return invalid(err, e->offset, "constant expression required");
    }
    if (got != want)
        return invalid(err, e->offset, "type mismatch: expected %s, got %s", type_name(want),
                       type_name(got));
    return true;
}

static int cmp_export_names(const void *a, const void *b)
{
    const export_def *const *x = a, *const *y = b;
    uint32_t n = (*x)->name_len < (*y)->name_len ? (*x)->name_len : (*y)->name_len;
    int c = memcmp((*x)->name, (*y)->name, n);
    if (c)
        return c;
    return (*x)->name_len < (*y)->name_len ? -1 : (*x)->name_len > (*y)->name_len;
}

static void declare_ref(wasm_module *m, const cexpr *e)
{
    if (e->kind == CE_REF_FUNC && e->index < m->func_count)
        m->declared_refs[e->index] = 1;
}

bool validate_module(wasm_module *m, wasm_error *err)
{
    for (uint32_t i = 0; i < m->func_count; i++)
        if (m->func_types[i] >= m->type_count)
            return invalid(err, 0, "unknown type %u (function %u)", m->func_types[i], i);
    for (uint32_t i = 0; i < m->table_count; i++)
        if (!check_limits(&m->tables[i].lim, UINT32_MAX, "table size must be at most 2^32-1", err))
            return false;
    if (m->mem_count > 1)
        return invalid(err, 0, "multiple memories");
    for (uint32_t i = 0; i < m->mem_count; i++)
        if (!check_limits(&m->mems[i], 65536, "memory size must be at most 65536 pages (4GiB)", err))
            return false;

    m->declared_refs = calloc(m->func_count ? m->func_count : 1, 1);
    if (!m->declared_refs) {
        err_set(err, WASM_ERR_NOMEM, "out of memory validating the module");
        return false;
    }
    for (uint32_t i = m->global_imports; i < m->global_count; i++) {
        if (!check_cexpr(m, &m->globals[i].init, m->globals[i].type, m->global_imports, err))
            return false;
        declare_ref(m, &m->globals[i].init);
    }
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const elem_def *e = &m->elems[i];
        if (e->mode == SEG_ACTIVE) {
            if (e->table >= m->table_count)
                return invalid(err, e->offset.offset, "unknown table %u", e->table);
            if (!check_cexpr(m, &e->offset, WASM_I32, m->global_imports, err))
                return false;
            if (m->tables[e->table].elem != e->type)
                return invalid(err, e->offset.offset,
                               "type mismatch: element segment %u of %s in a table of %s", i,
                               type_name(e->type), type_name(m->tables[e->table].elem));
        }
        for (uint32_t k = 0; k < e->count; k++) {
            if (!check_cexpr(m, &e->items[k], e->type, m->global_imports, err))
                return false;
            declare_ref(m, &e->items[k]);
        }
    }
    for (uint32_t i = 0; i < m->data_seg_count; i++) {
        const data_def *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE)
            continue;
        if (d->mem >= m->mem_count)
            return invalid(err, d->offset.offset, "unknown memory %u", d->mem);
        if (!check_cexpr(m, &d->offset, WASM_I32, m->global_imports, err))
            return false;
    }

    static const char *const kind_names[] = {"function", "table", "memory", "global"};
    for (uint32_t i = 0; i < m->export_count; i++) {
        const export_def *e = &m->exports[i];
        uint32_t limit = e->kind == WASM_EXTERN_FUNC     ? m->func_count
                         : e->kind == WASM_EXTERN_TABLE  ? m->table_count
                         : e->kind == WASM_EXTERN_MEMORY ? m->mem_count
                                                         : m->global_count;
        if (e->index >= limit)
            return invalid(err, 0, "unknown %s %u (export \"%s\")", kind_names[e->kind], e->index,
                           e->name);
        if (e->kind == WASM_EXTERN_FUNC)
            m->declared_refs[e->index] = 1;
    }
    if (m->export_count > 1) {
        const export_def **sorted = malloc(m->export_count * sizeof *sorted);
        if (!sorted) {
            err_set(err, WASM_ERR_NOMEM, "out of memory validating the module");
            return false;
        }
        for (uint32_t i = 0; i < m->export_count; i++)
            sorted[i] = &m->exports[i];
        qsort(sorted, m->export_count, sizeof *sorted, cmp_export_names);
        for (uint32_t i = 1; i < m->export_count; i++)
            if (cmp_export_names(&sorted[i - 1], &sorted[i]) == 0) {
                invalid(err, 0, "duplicate export name \"%s\"", sorted[i]->name);
                free(sorted);
                return false;
            }
        free(sorted);
    }

    if (m->has_start) {
        if (m->start >= m->func_count)
            return invalid(err, 0, "unknown function %u (start function)", m->start);
        const wasm_functype *t = &m->types[m->func_types[m->start]].ft;
        if (t->param_count || t->result_count)
            return invalid(err, 0, "start function %u must take and return nothing", m->start);
    }
    for (uint32_t i = 0; i < m->import_count; i++)
        if (m->imports[i].kind == WASM_EXTERN_FUNC && m->imports[i].index >= m->type_count)
            return invalid(err, 0, "unknown type %u (import %u)", m->imports[i].index, i);
    return true;
}
