/* Decoding of the binary format: every section's syntax, the spec's
 * "malformed" rules, the name section. Index and type checks live in
 * validate.c and compile.c, so that a malformed module is always reported as
 * malformed even when it is also invalid. */
#include "engine/jit.h"
#include "engine/opcodes.h"

#include <stdlib.h>

enum {
    SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNCTION, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
    SEC_EXPORT, SEC_START, SEC_ELEMENT, SEC_CODE, SEC_DATA, SEC_DATA_COUNT,
};

/* Position of each section id in the required order. */
static int section_rank(uint8_t id)
{
    static const int rank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return rank[id];
}

static bool nomem(reader *r)
{
    err_set(r->err, WASM_ERR_NOMEM, "out of memory while decoding the module");
    return false;
}

static void *alloc_array(reader *r, size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    if (!p)
        nomem(r);
    return p;
}

static bool read_limits(reader *r, limits *out, bool is_memory)
{
    uint8_t flags;
    size_t at = r->pos;
    if (!rd_u8(r, &flags))
        return false;
    if (flags > 1) {
        /* 2 and 3 are the threads proposal's shared memories */
        return rd_fail_at(r, at, is_memory && flags <= 3 ? "shared memories are not supported"
                                                          : "integer too large");
    }
    out->has_max = flags == 1;
    if (!rd_u32(r, &out->min))
        return false;
    out->max = 0;
    if (out->has_max && !rd_u32(r, &out->max))
        return false;
    return true;
}

/* ---- constant expressions ------------------------------------------------- */

bool scan_instrs(reader *r, const wasm_module *m, bool body);

static bool read_cexpr(reader *r, const wasm_module *m, cexpr *out)
{
    memset(out, 0, sizeof *out);
    out->offset = (uint32_t)r->pos;
    unsigned values = 0;
    for (;;) {
        size_t at = r->pos;
        if (rd_eof(r))
            return rd_fail(r, "unexpected end");
        instr in = {0};
        if (!read_instr(r, m, &in))
            return false;
        cexpr e = {.offset = (uint32_t)at};
        switch (in.info->how) {
        case HOW_END:
            if (out->kind == CE_BAD_OP)
                return true;
            if (values != 1) {
                out->kind = CE_BAD_ARITY;
                out->offset = (uint32_t)at;
            }
            return true;
        case HOW_CONST:
            if (in.info->out) {
                e.kind = CE_CONST, e.type = in.info->out, e.bits = in.lo;
                if (e.type == WASM_V128)
                    e.bits_hi = in.hi;
            } else { /* ref.null */
                e.kind = CE_REF_NULL, e.type = in.type;
            }
            break;
        case HOW_REF_FUNC:
            e.kind = CE_REF_FUNC, e.index = in.x;
            break;
        case HOW_GLOBAL_GET:
            e.kind = CE_GLOBAL_GET, e.index = in.x;
            break;
        default:
            /* Not a constant instruction: the rest must still be well formed. */
            r->pos = at;
            if (!scan_instrs(r, m, false))
                return false;
            out->kind = CE_BAD_OP;
            out->offset = (uint32_t)at;
            return true;
        }
        values++;
        if (out->kind != CE_BAD_OP) {
            if (values == 1)
                *out = e;
        }
    }
}

/* ---- sections ------------------------------------------------------------- */

static bool read_types(reader *r, wasm_module *m)
{
    uint32_t n;
    if (!rd_count(r, &n, 3))
        return false;
    if (n > MAX_TYPES)
        return rd_fail(r, "too many types");
    m->types = alloc_array(r, n, sizeof *m->types);
    if (!m->types)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        size_t at = r->pos;
        if (!rd_u8(r, &form))
            return false;
        if (form != 0x60)
            return rd_fail_at(r, at, "integer representation too long (expected 0x60, a function type)");
        uint32_t np, nr;
        if (!rd_count(r, &np, 1))
            return false;
        if (np > MAX_PARAMS)
            return rd_fail_at(r, at, "too many parameters");
        size_t params_at = r->pos;
        r->pos += np;  /* checked by rd_count */
        if (!rd_count(r, &nr, 1))
            return false;
        if (nr > MAX_RESULTS)
            return rd_fail_at(r, at, "too many results");
        wasm_type *arr = alloc_array(r, (size_t)np + nr, sizeof *arr);
        if (!arr)
            return false;
        ftype *t = &m->types[i];
        t->ft.params = arr;
        t->ft.results = arr + np;
        t->ft.param_count = np;
        t->ft.result_count = nr;
        m->type_count = i + 1;
        size_t results_at = r->pos;
        r->pos = params_at;
        for (uint32_t k = 0; k < np; k++) {
            uint8_t vt;
            if (!rd_valtype(r, &vt))
                return false;
            arr[k] = vt;
            t->param_cells += type_cells(vt);
        }
        r->pos = results_at;
        for (uint32_t k = 0; k < nr; k++) {
            uint8_t vt;
            if (!rd_valtype(r, &vt))
                return false;
            arr[np + k] = vt;
            t->result_cells += type_cells(vt);
        }
    }
    return true;
}

static bool read_imports(reader *r, wasm_module *m)
{
    uint32_t n;
    if (!rd_count(r, &n, 4))
        return false;
    if (n > MAX_IMPORTS)
        return rd_fail(r, "too many imports");
    m->imports = alloc_array(r, n, sizeof *m->imports);
    if (!m->imports)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        import_def *im = &m->imports[i];
        m->import_count = i + 1;
        if (!rd_name(r, &im->module, &im->module_len) || !rd_name(r, &im->name, &im->name_len))
            return false;
        uint8_t kind;
        size_t at = r->pos;
        if (!rd_u8(r, &kind))
            return false;
        im->kind = kind;
        switch (kind) {
        case WASM_EXTERN_FUNC:
            if (!rd_u32(r, &im->index))
                return false;
            m->func_imports++;
            break;
        case WASM_EXTERN_TABLE:
            if (!rd_reftype(r, &im->type) || !read_limits(r, &im->lim, false))
                return false;
            m->table_imports++;
            break;
        case WASM_EXTERN_MEMORY:
            if (!read_limits(r, &im->lim, true))
                return false;
            m->mem_imports++;
            break;
        case WASM_EXTERN_GLOBAL: {
            uint8_t mut;
            if (!rd_valtype(r, &im->type) || !rd_u8(r, &mut))
                return false;
            if (mut > 1)
                return rd_fail_at(r, r->pos - 1, "malformed mutability");
            im->mut = mut;
            m->global_imports++;
            break;
        }
        default:
            return rd_fail_at(r, at, "malformed import kind");
        }
    }
    return true;
}

static bool read_functions(reader *r, wasm_module *m, uint32_t *count)
{
    uint32_t n;
    if (!rd_count(r, &n, 1))
        return false;
    if ((uint64_t)n + m->func_imports > MAX_FUNCS)
        return rd_fail(r, "too many functions");
    m->func_count = m->func_imports + n;
    m->func_types = alloc_array(r, m->func_count, sizeof *m->func_types);
    if (!m->func_types)
        return false;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->import_count; i++)
        if (m->imports[i].kind == WASM_EXTERN_FUNC)
            m->func_types[k++] = m->imports[i].index;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_u32(r, &m->func_types[m->func_imports + i]))
            return false;
    *count = n;
    return true;
}

/* Tables, memories and globals: index spaces start with the imports. */
static bool setup_imported_spaces(reader *r, wasm_module *m)
{
    if (!m->func_types) {
        m->func_count = m->func_imports;
        m->func_types = alloc_array(r, m->func_count, sizeof *m->func_types);
        if (!m->func_types)
            return false;
        uint32_t k = 0;
        for (uint32_t i = 0; i < m->import_count; i++)
            if (m->imports[i].kind == WASM_EXTERN_FUNC)
                m->func_types[k++] = m->imports[i].index;
    }
    return true;
}

static bool read_tables(reader *r, wasm_module *m, uint32_t n)
{
    m->table_count = m->table_imports + n;
    m->tables = alloc_array(r, m->table_count, sizeof *m->tables);
    if (!m->tables)
        return false;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->import_count; i++)
        if (m->imports[i].kind == WASM_EXTERN_TABLE) {
            m->tables[k].elem = m->imports[i].type;
            m->tables[k].lim = m->imports[i].lim;
            k++;
        }
    for (uint32_t i = 0; i < n; i++) {
        table_def *t = &m->tables[m->table_imports + i];
        if (!rd_reftype(r, &t->elem) || !read_limits(r, &t->lim, false))
            return false;
    }
    return true;
}

static bool read_memories(reader *r, wasm_module *m, uint32_t n)
{
    m->mem_count = m->mem_imports + n;
    m->mems = alloc_array(r, m->mem_count, sizeof *m->mems);
    if (!m->mems)
        return false;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->import_count; i++)
        if (m->imports[i].kind == WASM_EXTERN_MEMORY)
            m->mems[k++] = m->imports[i].lim;
    for (uint32_t i = 0; i < n; i++)
        if (!read_limits(r, &m->mems[m->mem_imports + i], true))
            return false;
    return true;
}

static bool read_globals(reader *r, wasm_module *m, uint32_t n)
{
    m->global_count = m->global_imports + n;
    m->globals = alloc_array(r, m->global_count, sizeof *m->globals);
    if (!m->globals)
        return false;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->import_count; i++)
        if (m->imports[i].kind == WASM_EXTERN_GLOBAL) {
            m->globals[k].type = m->imports[i].type;
            m->globals[k].mut = m->imports[i].mut;
            k++;
        }
    for (uint32_t i = 0; i < n; i++) {
        global_def *g = &m->globals[m->global_imports + i];
        uint8_t mut;
        if (!rd_valtype(r, &g->type) || !rd_u8(r, &mut))
            return false;
        if (mut > 1)
            return rd_fail_at(r, r->pos - 1, "malformed mutability");
        g->mut = mut;
        if (!read_cexpr(r, m, &g->init))
            return false;
    }
    return true;
}

static bool read_exports(reader *r, wasm_module *m)
{
    uint32_t n;
    if (!rd_count(r, &n, 3))
        return false;
    if (n > MAX_EXPORTS)
        return rd_fail(r, "too many exports");
    m->exports = alloc_array(r, n, sizeof *m->exports);
    if (!m->exports)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        export_def *e = &m->exports[i];
        m->export_count = i + 1;
        uint8_t kind;
        if (!rd_name(r, &e->name, &e->name_len))
            return false;
        size_t at = r->pos;
        if (!rd_u8(r, &kind))
            return false;
        if (kind > 3)
            return rd_fail_at(r, at, "malformed export kind");
        e->kind = kind;
        if (!rd_u32(r, &e->index))
            return false;
    }
    return true;
}

static bool read_elems(reader *r, wasm_module *m)
{
    uint32_t n;
    if (!rd_count(r, &n, 1))
        return false;
    if (n > MAX_SEGMENTS)
        return rd_fail(r, "too many element segments");
    m->elems = alloc_array(r, n, sizeof *m->elems);
    if (!m->elems)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        elem_def *e = &m->elems[i];
        m->elem_count = i + 1;
        uint32_t flags;
        size_t at = r->pos;
        if (!rd_u32(r, &flags))
            return false;
        if (flags > 7)
            return rd_fail_at(r, at, "malformed elements segment kind");
        e->type = WASM_FUNCREF;
        if (flags & 1)
            e->mode = (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
        else
            e->mode = SEG_ACTIVE;
        if (e->mode == SEG_ACTIVE) {
            if ((flags & 2) && !rd_u32(r, &e->table))
                return false;
            if (!read_cexpr(r, m, &e->offset))
                return false;
        }
        bool exprs = flags & 4;
        if (flags & 3) {
            /* an explicit element kind / reference type */
            if (exprs) {
                if (!rd_reftype(r, &e->type))
                    return false;
            } else if (!rd_zero_byte(r, "malformed element kind")) {
                return false;
            }
        }
        uint32_t count;
        if (!rd_count(r, &count, 1))
            return false;
        e->items = alloc_array(r, count, sizeof *e->items);
        if (!e->items)
            return false;
        e->count = count;
        for (uint32_t k = 0; k < count; k++) {
            if (exprs) {
                if (!read_cexpr(r, m, &e->items[k]))
                    return false;
            } else {
                e->items[k].kind = CE_REF_FUNC;
                e->items[k].offset = (uint32_t)r->pos;
                if (!rd_u32(r, &e->items[k].index))
                    return false;
            }
        }
    }
    return true;
}

static bool read_locals_header(reader *r, uint32_t param_count)
{
    uint32_t groups;
    if (!rd_count(r, &groups, 2))
        return false;
    uint64_t total = 0;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t count;
        uint8_t vt;
        size_t at = r->pos;
        if (!rd_u32(r, &count))
            return false;
        total += count;
        if (total + param_count > MAX_LOCALS)
            return rd_fail_at(r, at, "too many locals");
        if (!rd_valtype(r, &vt))
            return false;
    }
    return true;
}

static bool read_code(reader *r, wasm_module *m)
{
    uint32_t n;
    size_t at = r->pos;
    if (!rd_count(r, &n, 1))
        return false;
    if (n != m->func_count - m->func_imports)
        return rd_fail_at(r, at, "function and code section have inconsistent lengths");
    m->code_count = n;
    m->body_start = alloc_array(r, n, sizeof(uint32_t));
    m->body_end = alloc_array(r, n, sizeof(uint32_t));
    if (!m->body_start || !m->body_end)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        size_t size_at = r->pos;
        if (!rd_u32(r, &size))
            return false;
        if (size > r->end - r->pos)
            return rd_fail_at(r, size_at, "unexpected end of section or function");
        if (size > MAX_BODY_SIZE)
            return rd_fail_at(r, size_at, "function body too large");
        if (size == 0)
            return rd_fail_at(r, size_at, "unexpected end of section or function");
        m->body_start[i] = (uint32_t)r->pos;
        m->body_end[i] = (uint32_t)(r->pos + size);
        /* The locals header is decoded here so that "too many locals" is reported
         * as malformed; the instructions are decoded by the compiler. */
        reader body = *r;
        body.end = r->pos + size;
        uint32_t type = m->func_types[m->func_imports + i];
        uint32_t params = type < m->type_count ? m->types[type].ft.param_count : 0;
        if (!read_locals_header(&body, params))
            return false;
        r->pos += size;
    }
    return true;
}

static bool read_data(reader *r, wasm_module *m)
{
    uint32_t n;
    size_t at = r->pos;
    if (!rd_count(r, &n, 1))
        return false;
    if (n > MAX_SEGMENTS)
        return rd_fail(r, "too many data segments");
    if (m->has_data_count && n != m->data_count)
        return rd_fail_at(r, at, "data count and data section have inconsistent lengths");
    m->datas = alloc_array(r, n, sizeof *m->datas);
    if (!m->datas)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        data_def *d = &m->datas[i];
        m->data_seg_count = i + 1;
        uint32_t flags;
        size_t flags_at = r->pos;
        if (!rd_u32(r, &flags))
            return false;
        if (flags > 2)
            return rd_fail_at(r, flags_at, "malformed data segment kind");
        d->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
        if (flags == 2 && !rd_u32(r, &d->mem))
            return false;
        if (d->mode == SEG_ACTIVE && !read_cexpr(r, m, &d->offset))
            return false;
        uint32_t size;
        size_t size_at = r->pos;
        if (!rd_u32(r, &size))
            return false;
        if (size > r->end - r->pos)
            return rd_fail_at(r, size_at, "unexpected end of section or function");
        const uint8_t *bytes;
        if (!rd_bytes(r, size, &bytes))
            return false;
        d->size = size;
        if (size) {
            d->bytes = malloc(size);
            if (!d->bytes)
                return nomem(r);
            memcpy(d->bytes, bytes, size);
        }
    }
    return true;
}

/* The "name" custom section is informative: a broken one is ignored. */
static int cmp_names(const void *a, const void *b)
{
    const name_entry *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void read_name_section(reader *outer, wasm_module *m)
{
    wasm_error ignored;
    err_clear(&ignored);
    reader r = *outer;
    r.err = &ignored;
    while (!rd_eof(&r)) {
        uint8_t id;
        uint32_t size;
        if (!rd_u8(&r, &id) || !rd_u32(&r, &size) || size > r.end - r.pos)
            return;
        reader sub = r;
        sub.end = r.pos + size;
        r.pos += size;
        if (id == 0 && !m->module_name) {
            if (!rd_name(&sub, &m->module_name, NULL))
                return;
        } else if (id == 1 && !m->names) {
            uint32_t n;
            if (!rd_count(&sub, &n, 2))
                return;
            name_entry *names = calloc(n ? n : 1, sizeof *names);
            if (!names)
                return;
            uint32_t k = 0;
            for (; k < n; k++) {
                if (!rd_u32(&sub, &names[k].index) || !rd_name(&sub, &names[k].name, NULL))
                    break;
            }
            qsort(names, k, sizeof *names, cmp_names);
            m->names = names;
            m->name_count = k;
        }
    }
}

const char *module_func_name(const wasm_module *m, uint32_t index)
{
    uint32_t lo = 0, hi = m->name_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->names[mid].index == index)
            return m->names[mid].name;
        if (m->names[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool read_section(reader *r, wasm_module *m, uint8_t id, uint32_t *func_decl_count)
{
    uint32_t n;
    switch (id) {
    case SEC_CUSTOM: {
        char *name;
        if (!rd_name(r, &name, NULL))
            return false;
        if (strcmp(name, "name") == 0)
            read_name_section(r, m);
        free(name);
        r->pos = r->end;
        return true;
    }
    case SEC_TYPE:
        return read_types(r, m);
    case SEC_IMPORT:
        return read_imports(r, m);
    case SEC_FUNCTION:
        return read_functions(r, m, func_decl_count);
    case SEC_TABLE:
        if (!setup_imported_spaces(r, m) || !rd_count(r, &n, 2))
            return false;
        if (n > MAX_TABLES)
            return rd_fail(r, "too many tables");
        return read_tables(r, m, n);
    case SEC_MEMORY:
        if (!rd_count(r, &n, 2))
            return false;
        return read_memories(r, m, n);
    case SEC_GLOBAL:
        if (!rd_count(r, &n, 3))
            return false;
        if (n > MAX_GLOBALS)
            return rd_fail(r, "too many globals");
        return read_globals(r, m, n);
    case SEC_EXPORT:
        return read_exports(r, m);
    case SEC_START:
        m->has_start = true;
        return rd_u32(r, &m->start);
    case SEC_ELEMENT:
        return read_elems(r, m);
    case SEC_DATA_COUNT:
        m->has_data_count = true;
        return rd_u32(r, &m->data_count);
    case SEC_CODE:
        m->has_code_section = true;
        return read_code(r, m);
    case SEC_DATA:
        return read_data(r, m);
    }
    return false;
}

/* Index spaces not given by a section still hold their imports. */
static bool finish_index_spaces(reader *r, wasm_module *m)
{
    if (!setup_imported_spaces(r, m))
        return false;
    if (!m->tables && !read_tables(r, m, 0))
        return false;
    if (!m->mems && !read_memories(r, m, 0))
        return false;
    if (!m->globals && !read_globals(r, m, 0))
        return false;
    return true;
}

bool decode_module(wasm_module *m, const uint8_t *bytes, size_t size, wasm_error *err)
{
    reader r = {bytes, 0, size, err, 0};
    m->byte_size = size;
    if (size < 4 || memcmp(bytes, "\0asm", 4) != 0)
        return rd_fail_at(&r, 0, "magic header not detected");
    if (size < 8)
        return rd_fail_at(&r, 4, "unknown binary version");
    if (memcmp(bytes + 4, "\1\0\0\0", 4) != 0)
        return rd_fail_at(&r, 4, "unknown binary version");
    r.pos = 8;
    int last_rank = 0;
    uint32_t func_decl_count = 0;
    bool have_function_section = false;
    while (!rd_eof(&r)) {
        size_t at = r.pos;
        uint8_t id;
        uint32_t sec_size;
        if (!rd_u8(&r, &id))
            return false;
        if (id > SEC_DATA_COUNT)
            return rd_fail_at(&r, at, "malformed section id");
        if (!rd_u32(&r, &sec_size))
            return false;
        if (sec_size > r.end - r.pos)
            return rd_fail_at(&r, at, "section size mismatch: length out of bounds");
        if (id != SEC_CUSTOM) {
            int rank = section_rank(id);
            if (rank <= last_rank)
                return rd_fail_at(&r, at, id == SEC_START && last_rank == section_rank(SEC_START)
                                              ? "multiple start sections"
                                              : "unexpected content after last section (sections out of order or repeated)");
            last_rank = rank;
            /* Sections after the import section see the imported index spaces. */
            if (id > SEC_IMPORT && id != SEC_FUNCTION && id != SEC_DATA_COUNT &&
                !setup_imported_spaces(&r, m))
                return false;
        }
        if (id == SEC_FUNCTION)
            have_function_section = true;
        reader sec = r;
        sec.end = r.pos + sec_size;
        if (!read_section(&sec, m, id, &func_decl_count))
            return false;
        if (sec.pos != sec.end)
            return rd_fail_at(&r, sec.pos, "section size mismatch");
        r.pos = sec.end;
    }
    (void)have_function_section;
    if (!finish_index_spaces(&r, m))
        return false;
    if (!m->has_code_section && m->func_count != m->func_imports)
        return rd_fail_at(&r, size, "function and code section have inconsistent lengths");
    if (m->has_data_count && m->data_seg_count != m->data_count && m->datas == NULL &&
        m->data_count != 0)
        return rd_fail_at(&r, size, "data count and data section have inconsistent lengths");
    return true;
}

/* ---- syntax-only instruction walk ----------------------------------------- */

/* Walks instructions up to the `end` closing depth 0. For a function body the
 * reader's end is the body's end, which must follow that `end` directly. */
bool scan_instrs(reader *r, const wasm_module *m, bool body)
{
    uint32_t depth = 0;
    for (;;) {
        if (rd_eof(r))
            return rd_fail(r, body ? "END opcode expected" : "unexpected end");
        instr in = {0};
        if (!read_instr(r, m, &in))
            return false;
        switch (in.info->how) {
        case HOW_BLOCK: case HOW_LOOP: case HOW_IF:
            depth++;
            break;
        case HOW_END:
            if (depth == 0) {
                if (body && r->pos != r->end)
                    return rd_fail(r, "section size mismatch: junk after the function's last `end`");
                return true;
            }
            depth--;
            break;
        default:
            break;
        }
    }
}

bool scan_body(const wasm_module *m, const uint8_t *bytes, size_t start, size_t end,
               uint32_t func_index, wasm_error *err)
{
    (void)func_index;
    reader r = {bytes, start, end, err, 0};
    uint32_t groups;
    if (!rd_u32(&r, &groups))
        return false;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t count;
        uint8_t vt;
        if (!rd_u32(&r, &count) || !rd_valtype(&r, &vt))
            return false;
    }
    return scan_instrs(&r, m, true);
}

/* ---- freeing ---------------------------------------------------------------- */

void module_free_contents(wasm_module *m)
{
    jit_free_module(m);
    for (uint32_t i = 0; i < m->type_count; i++)
        free((void *)m->types[i].ft.params);
    free(m->types);
    for (uint32_t i = 0; i < m->import_count; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    free(m->func_types);
    if (m->codes) {
        for (uint32_t i = 0; i < m->func_count - m->func_imports; i++) {
            free(m->codes[i].code);
            free(m->codes[i].consts);
            free(m->codes[i].map);
        }
        free(m->codes);
    }
    free(m->tables);
    free(m->mems);
    free(m->globals);
    for (uint32_t i = 0; i < m->export_count; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->elem_count; i++)
        free(m->elems[i].items);
    free(m->elems);
    for (uint32_t i = 0; i < m->data_seg_count; i++)
        free(m->datas[i].bytes);
    free(m->datas);
    free(m->body_start);
    free(m->body_end);
    free(m->code_copy);
    compiler_free(m->lazy_ws);
    free(m->code_index);
    free(m->declared_refs);
    free(m->module_name);
    for (uint32_t i = 0; i < m->name_count; i++)
        free(m->names[i].name);
    free(m->names);
}
