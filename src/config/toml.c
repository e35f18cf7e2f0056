/* A TOML 1.0 parser. See toml.h for the interface and docs/config.md for the
 * design. In short:
 *
 *  - One pass over the bytes with a cursor that never reads past `size`.
 *  - A first scan finds the earliest byte TOML forbids anywhere (invalid UTF-8,
 *    control characters, a bare CR). The grammar then runs only up to that
 *    byte, so the user always gets the first problem in the document, and the
 *    lexers below never see malformed UTF-8.
 *  - Values nest by recursion (arrays, inline tables), bounded by
 *    TOML_MAX_DEPTH, which also bounds the depth of the finished tree so that
 *    everything that walks it recursively is safe.
 *  - Tables remember how they came to exist (a [header], as the parent of a
 *    [header], by dotted keys, inline, as an array-of-tables element): TOML's
 *    rules about defining and extending tables are decisions on that origin.
 *  - Tables index their keys with a hash once they grow, so hostile documents
 *    with huge tables stay linear. */
#include "config/toml.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/utf8.h"

/* Keeps every line and column count far inside `unsigned`. */
#define TOML_MAX_DOCUMENT ((size_t)1 << 30)
/* Tables with more keys than this get a hash index. */
#define INDEX_THRESHOLD 8

enum origin {
    ORIGIN_ROOT,        /* the document's root table */
    ORIGIN_IMPLICIT,    /* created as the parent of a [header]; may be defined later */
    ORIGIN_HEADER,      /* defined by its own [header] */
    ORIGIN_DOTTED,      /* created by a dotted key (a.b = 1) */
    ORIGIN_INLINE,      /* an inline table { ... }: complete once written */
    ORIGIN_AOT_ELEMENT, /* an element of an array of tables ([[header]]) */
    ORIGIN_ARRAY,       /* an array value [ ... ]: complete once written */
    ORIGIN_AOT,         /* an array of tables, extended by [[header]] */
};

typedef struct toml_entry {
    char *key;
    size_t key_len;
    unsigned line, column; /* of the key's first mention */
    toml_value *value;
} toml_entry;

struct toml_value {
    toml_kind kind;
    unsigned char origin; /* enum origin, for tables and arrays */
    unsigned short depth; /* root = 0 */
    unsigned line, column;
    union {
        struct {
            char *bytes;
            size_t len;
        } str;
        int64_t integer;
        double number;
        bool boolean;
        toml_datetime datetime;
        struct {
            toml_value **items;
            size_t len, cap;
        } array;
        struct {
            toml_entry *entries;
            size_t len, cap;
            uint32_t *slots; /* open addressing, entry index + 1, 0 = empty */
            size_t slot_count;
        } table;
    } u;
};

/* ---------------------------------------------------------------------------
 * Growable byte buffer for string contents. */

typedef struct strbuf {
    char *data;
    size_t len, cap;
} strbuf;

static bool sb_reserve(strbuf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return true;
    if (extra > SIZE_MAX / 2 - b->len)
        return false;
    size_t cap = b->cap ? b->cap : 32;
    while (cap - b->len < extra)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data)
        return false;
    b->data = data;
    b->cap = cap;
    return true;
}

static bool sb_put(strbuf *b, const void *src, size_t n)
{
    if (!sb_reserve(b, n))
        return false;
    if (n)
        memcpy(b->data + b->len, src, n);
    b->len += n;
    return true;
}

/* Hands the contents over as a NUL-terminated string (also when empty). */
static char *sb_finish(strbuf *b, size_t *len)
{
    if (!sb_reserve(b, 1)) {
        free(b->data);
        b->data = NULL;
        return NULL;
    }
    b->data[b->len] = '\0';
    *len = b->len;
    char *out = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return out;
}

/* ---------------------------------------------------------------------------
 * Parser state, locations and errors. */

typedef struct key_part {
    char *name;
    size_t len;
    size_t offset;
    unsigned line, column;
} key_part;

typedef struct key_path {
    key_part *parts;
    size_t count, cap;
} key_path;

typedef struct parser {
    const unsigned char *text;
    size_t size; /* the grammar sees only text[0 .. size) */
    size_t pos;
    toml_value *root;
    toml_value *current; /* the table key/value pairs go into */
    toml_error *err;
    bool failed;
    size_t error_offset;
    /* Location cache. Locations are asked for in increasing order of offset
     * (a key is located when read, before its value), so computing one
     * continues from the last: linear in the document's size overall. */
    size_t loc_offset, loc_line_start;
    unsigned loc_line, loc_column;
} parser;

static void locate(parser *p, size_t offset, unsigned *line, unsigned *column)
{
    if (offset < p->loc_offset) {
        /* Backwards (only for error messages): recount the line, or all. */
        if (offset < p->loc_line_start) {
            p->loc_line_start = 0;
            p->loc_line = 1;
        }
        p->loc_offset = p->loc_line_start;
        p->loc_column = 1;
    }
    while (p->loc_offset < offset) {
        unsigned char c = p->text[p->loc_offset++];
        if (c == '\n') {
            p->loc_line++;
            p->loc_column = 1;
            p->loc_line_start = p->loc_offset;
        } else if ((c & 0xC0) != 0x80) {
            p->loc_column++;
        }
    }
    *line = p->loc_line;
    *column = p->loc_column;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void fail(parser *p, size_t offset, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    p->error_offset = offset;
    if (!p->err)
        return;
    locate(p, offset, &p->err->line, &p->err->column);
    va_list ap;
    va_start(ap, fmt);
    /* The analyzer reports this va_list as uninitialised when it has analysed
     * another file first in the same run: a false positive. */
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
}

static void fail_oom(parser *p)
{
    fail(p, p->pos, "out of memory");
}

static int peek(const parser *p)
{
    return p->pos < p->size ? p->text[p->pos] : -1;
}

static int peek_at(const parser *p, size_t ahead)
{
    return ahead < p->size - p->pos ? p->text[p->pos + ahead] : -1;
}

static bool at_newline(const parser *p)
{
    int c = peek(p);
    return c == '\n' || (c == '\r' && peek_at(p, 1) == '\n');
}

static bool at_end(const parser *p)
{
    return p->pos >= p->size;
}

/* Describes the character at the cursor for "found ..." in messages. */
static const char *found(const parser *p, char *buf, size_t size)
{
    int c = peek(p);
    if (c < 0)
        return "end of file";
    if (at_newline(p))
        return "end of line";
    if (c == '\t')
        return "a tab";
    if (c == '\'') {
        snprintf(buf, size, "\"'\"");
        return buf;
    }
    if (c < 0x80) {
        snprintf(buf, size, "'%c'", c);
        return buf;
    }
    size_t n = 1;
    while (n < 4 && p->pos + n < p->size && (p->text[p->pos + n] & 0xC0) == 0x80)
        n++;
    snprintf(buf, size, "'%.*s'", (int)n, (const char *)p->text + p->pos);
    return buf;
}

#define FOUND(p) found((p), found_buf, sizeof found_buf)

/* Writes a key path like a.b."c d" for messages, truncating if long. */
static const char *path_text(const key_path *path, size_t count, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && used + 1 < size; i++) {
        const key_part *part = &path->parts[i];
        bool bare = part->len > 0;
        for (size_t j = 0; j < part->len && bare; j++) {
            unsigned char c = (unsigned char)part->name[j];
            bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-';
        }
        int n = snprintf(buf + used, size - used, bare ? "%s%.*s" : "%s\"%.*s\"", i ? "." : "",
                         (int)(part->len > 200 ? 200 : part->len), part->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
    return buf;
}

/* ---------------------------------------------------------------------------
 * The tree. */

/* A value whose location is already known (tables made by headers and
 * dotted keys): saves locating backwards. */
static toml_value *new_value_located(parser *p, toml_kind kind, enum origin origin, size_t offset,
                                    unsigned line, unsigned column, unsigned depth)
{
    if (depth > TOML_MAX_DEPTH) {
        fail(p, offset, "nesting is deeper than %d levels (tables and arrays inside each other)",
             TOML_MAX_DEPTH);
        return NULL;
    }
    toml_value *v = calloc(1, sizeof *v);
    if (!v) {
        fail_oom(p);
        return NULL;
    }
    v->kind = kind;
    v->origin = (unsigned char)origin;
    v->depth = (unsigned short)depth;
    v->line = line;
    v->column = column;
    return v;
}

static toml_value *new_value(parser *p, toml_kind kind, size_t offset, unsigned depth)
{
    unsigned line, column;
    locate(p, offset, &line, &column);
    return new_value_located(p, kind, ORIGIN_ROOT, offset, line, column, depth);
}

static void free_value(toml_value *v)
{
    if (!v)
        return;
    switch (v->kind) {
    case TOML_STRING:
        free(v->u.str.bytes);
        break;
    case TOML_ARRAY:
        for (size_t i = 0; i < v->u.array.len; i++)
            free_value(v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case TOML_TABLE:
        for (size_t i = 0; i < v->u.table.len; i++) {
            free(v->u.table.entries[i].key);
            free_value(v->u.table.entries[i].value);
        }
        free(v->u.table.entries);
        free(v->u.table.slots);
        break;
    default:
        break;
    }
    free(v);
}

static uint32_t hash_key(const char *key, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 16777619u;
    }
    return h;
}

static void index_slot_put(toml_value *t, size_t entry)
{
    size_t mask = t->u.table.slot_count - 1;
    const toml_entry *e = &t->u.table.entries[entry];
    size_t i = hash_key(e->key, e->key_len) & mask;
    while (t->u.table.slots[i])
        i = (i + 1) & mask;
    t->u.table.slots[i] = (uint32_t)(entry + 1);
}

static bool index_rebuild(toml_value *t, size_t slot_count)
{
    uint32_t *slots = calloc(slot_count, sizeof *slots);
    if (!slots)
        return false;
    free(t->u.table.slots);
    t->u.table.slots = slots;
    t->u.table.slot_count = slot_count;
    for (size_t i = 0; i < t->u.table.len; i++)
        index_slot_put(t, i);
    return true;
}

static toml_entry *table_find(const toml_value *t, const char *key, size_t len)
{
    if (t->u.table.slots) {
        size_t mask = t->u.table.slot_count - 1;
        size_t i = hash_key(key, len) & mask;
        while (t->u.table.slots[i]) {
            toml_entry *e = &t->u.table.entries[t->u.table.slots[i] - 1];
            if (e->key_len == len && memcmp(e->key, key, len) == 0)
                return e;
            i = (i + 1) & mask;
        }
        return NULL;
    }
    for (size_t i = 0; i < t->u.table.len; i++) {
        toml_entry *e = &t->u.table.entries[i];
        if (e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

/* Adds key = value to a table, taking ownership of the key's name (the part's
 * name is set to NULL). The caller has checked the key is new. */
static bool table_add(parser *p, toml_value *t, key_part *part, toml_value *value)
{
    if (t->u.table.len == t->u.table.cap) {
        size_t cap = t->u.table.cap ? t->u.table.cap * 2 : 4;
        if (cap > UINT32_MAX - 1 || cap > SIZE_MAX / sizeof(toml_entry)) {
            fail_oom(p);
            return false;
        }
        toml_entry *entries = realloc(t->u.table.entries, cap * sizeof *entries);
        if (!entries) {
            fail_oom(p);
            return false;
        }
        t->u.table.entries = entries;
        t->u.table.cap = cap;
    }
    toml_entry *e = &t->u.table.entries[t->u.table.len];
    e->key = part->name;
    e->key_len = part->len;
    e->value = value;
    e->line = part->line;
    e->column = part->column;
    part->name = NULL;
    t->u.table.len++;
    if (t->u.table.len > INDEX_THRESHOLD) {
        if (t->u.table.len * 2 > t->u.table.slot_count) {
            size_t slots = t->u.table.slot_count ? t->u.table.slot_count * 2 : 32;
            if (!index_rebuild(t, slots)) {
                fail_oom(p);
                return false; /* the entry is in the table: the tree stays consistent */
            }
        } else {
            index_slot_put(t, t->u.table.len - 1);
        }
    }
    return true;
}

static bool array_add(parser *p, toml_value *a, toml_value *item)
{
    if (a->u.array.len == a->u.array.cap) {
        size_t cap = a->u.array.cap ? a->u.array.cap * 2 : 4;
        if (cap > SIZE_MAX / sizeof(toml_value *)) {
            fail_oom(p);
            return false;
        }
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
        toml_value **items = realloc(a->u.array.items, cap * sizeof *items);
        if (!items) {
            fail_oom(p);
            return false;
        }
        a->u.array.items = items;
        a->u.array.cap = cap;
    }
    a->u.array.items[a->u.array.len++] = item;
    return true;
}

static const char *origin_text(const toml_value *v)
{
    if (v->kind == TOML_TABLE) {
        switch (v->origin) {
        case ORIGIN_INLINE: return "an inline table";
        case ORIGIN_DOTTED: return "a table created by dotted keys";
        case ORIGIN_AOT_ELEMENT: return "an array-of-tables element";
        default: return "a table";
        }
    }
    if (v->kind == TOML_ARRAY)
        return v->origin == ORIGIN_AOT ? "an array of tables" : "an array";
    switch (v->kind) {
    case TOML_STRING: return "a string";
    case TOML_INTEGER: return "an integer";
    case TOML_FLOAT: return "a float";
    case TOML_BOOL: return "a boolean";
    default: return "a date-time";
    }
}

/* ---------------------------------------------------------------------------
 * Whitespace, comments, line ends. The text scan (check_text) has already
 * rejected control characters, so comments need no checks of their own. */

static void skip_ws(parser *p)
{
    while (p->pos < p->size && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t'))
        p->pos++;
}

static void skip_comment(parser *p)
{
    if (peek(p) != '#')
        return;
    while (p->pos < p->size && p->text[p->pos] != '\n' && p->text[p->pos] != '\r')
        p->pos++;
}

static void skip_newline(parser *p)
{
    p->pos += peek(p) == '\r' ? 2 : 1;
}

/* Inside arrays: whitespace, comments and newlines in any mix. */
static void skip_blank(parser *p)
{
    for (;;) {
        skip_ws(p);
        skip_comment(p);
        if (!at_newline(p))
            return;
        skip_newline(p);
    }
}

static bool expect_line_end(parser *p, const char *after)
{
    char found_buf[16];
    skip_ws(p);
    skip_comment(p);
    if (at_end(p))
        return true;
    if (at_newline(p)) {
        skip_newline(p);
        return true;
    }
    fail(p, p->pos, "expected end of line after %s, found %s", after, FOUND(p));
    return false;
}

/* ---------------------------------------------------------------------------
 * Strings. */

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* \uXXXX or \UXXXXXXXX at the cursor (which is on the backslash). */
static bool parse_unicode_escape(parser *p, strbuf *b)
{
    size_t start = p->pos;
    size_t digits = peek_at(p, 1) == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (size_t i = 0; i < digits; i++) {
        int h = hex_digit_value(peek_at(p, 2 + i));
        if (h < 0) {
            fail(p, p->pos + 2 + i, "escape \\%c needs exactly %zu hexadecimal digits",
                 digits == 4 ? 'u' : 'U', digits);
            return false;
        }
        cp = cp << 4 | (uint32_t)h;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        fail(p, start, "escape \\%c%0*X is not a Unicode scalar value (surrogates and values "
             "above 10FFFF are not allowed)", digits == 4 ? 'u' : 'U', (int)digits, cp);
        return false;
    }
    char utf8[4];
    if (!sb_put(b, utf8, utf8_encode(cp, utf8))) {
        fail_oom(p);
        return false;
    }
    p->pos += 2 + digits;
    return true;
}

/* In a multi-line basic string, a backslash that ends a line removes it and
 * all whitespace and newlines that follow. Cursor on the backslash. */
static bool skip_line_ending_backslash(parser *p)
{
    size_t start = p->pos;
    p->pos++;
    skip_ws(p);
    if (!at_newline(p)) {
        p->pos = start;
        fail(p, start, "a backslash followed by whitespace must end the line (to trim it); "
             "write \\\\ for a backslash");
        return false;
    }
    while (p->pos < p->size) {
        int c = peek(p);
        if (c == ' ' || c == '\t')
            p->pos++;
        else if (at_newline(p))
            skip_newline(p);
        else
            break;
    }
    return true;
}

static bool parse_escape(parser *p, strbuf *b, bool multiline)
{
    int e = peek_at(p, 1);
    char c;
    switch (e) {
    case 'b': c = '\b'; break;
    case 't': c = '\t'; break;
    case 'n': c = '\n'; break;
    case 'f': c = '\f'; break;
    case 'r': c = '\r'; break;
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case 'u':
    case 'U':
        return parse_unicode_escape(p, b);
    default:
        if (multiline && (e == ' ' || e == '\t' || e == '\n' || e == '\r'))
            return skip_line_ending_backslash(p);
        if (e < 0) {
            fail(p, p->pos + 1, "unterminated string: expected an escape after '\\', found end of file");
        } else if (e > 0x20 && e < 0x7F) {
            fail(p, p->pos, "invalid escape \\%c; expected one of \\b \\t \\n \\f \\r \\\" \\\\ "
                 "\\uXXXX \\UXXXXXXXX", e);
        } else {
            char found_buf[16];
            p->pos++;
            fail(p, p->pos - 1, "invalid escape: '\\' followed by %s; expected one of \\b \\t \\n "
                 "\\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX", FOUND(p));
        }
        return false;
    }
    if (!sb_put(b, &c, 1)) {
        fail_oom(p);
        return false;
    }
    p->pos += 2;
    return true;
}

static char *finish_string(parser *p, strbuf *b, size_t *len)
{
    char *s = sb_finish(b, len);
    if (!s)
        fail_oom(p);
    return s;
}

/* Parses a string of any of the four forms at the cursor; `quote` is '"' or
 * '\''. Returns the contents (NUL-terminated, maybe with inner NULs). */
static char *parse_string(parser *p, size_t *len, bool *was_multiline)
{
    char found_buf[16];
    int quote = peek(p);
    bool basic = quote == '"';
    bool multiline = peek_at(p, 1) == quote && peek_at(p, 2) == quote;
    size_t start = p->pos;
    strbuf b = {0};
    if (was_multiline)
        *was_multiline = multiline;
    p->pos += multiline ? 3 : 1;
    if (multiline && at_newline(p))
        skip_newline(p); /* a newline right after the opening quotes is not content */
    for (;;) {
        int c = peek(p);
        if (c < 0) {
            unsigned line, column;
            locate(p, start, &line, &column);
            fail(p, p->pos, "unterminated string (opened at line %u, column %u): expected %s",
                 line, column, multiline ? (basic ? "\"\"\"" : "'''") : (basic ? "'\"'" : "\"'\""));
            break;
        }
        if (c == quote) {
            if (!multiline) {
                p->pos++;
                return finish_string(p, &b, len);
            }
            size_t run = 1;
            while (peek_at(p, run) == quote)
                run++;
            if (run >= 3) {
                if (run > 5) {
                    fail(p, p->pos + 5, "too many quotes: a multi-line string may end with at most "
                         "two quote characters before its closing delimiter");
                    break;
                }
                /* Up to two quotes right before the closing delimiter are content. */
                if (!sb_put(&b, p->text + p->pos, run - 3)) {
                    fail_oom(p);
                    break;
                }
                p->pos += run;
                return finish_string(p, &b, len);
            }
            if (!sb_put(&b, p->text + p->pos, run)) {
                fail_oom(p);
                break;
            }
            p->pos += run;
            continue;
        }
        if (c == '\\' && basic) {
            if (!parse_escape(p, &b, multiline))
                break;
            continue;
        }
        if (at_newline(p)) {
            if (!multiline) {
                fail(p, p->pos, "unterminated string: a single-line string cannot contain a newline "
                     "(write \\n, or use a multi-line string)");
                break;
            }
            skip_newline(p); /* CRLF is normalised to LF */
            if (!sb_put(&b, "\n", 1)) {
                fail_oom(p);
                break;
            }
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            /* check_text stops the grammar before these; kept for safety. */
            fail(p, p->pos, "control character %s must be escaped", FOUND(p));
            break;
        }
        /* Copy a run of ordinary bytes at once. */
        size_t run = 1;
        while (p->pos + run < p->size) {
            unsigned char d = p->text[p->pos + run];
            if (d == quote || d == '\\' || d < 0x20 || d == 0x7F)
                break;
            run++;
        }
        if (!sb_put(&b, p->text + p->pos, run)) {
            fail_oom(p);
            break;
        }
        p->pos += run;
    }
    free(b.data);
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Keys. */

static bool is_bare_key_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static void key_path_free(key_path *path)
{
    for (size_t i = 0; i < path->count; i++)
        free(path->parts[i].name);
    free(path->parts);
    path->parts = NULL;
    path->count = path->cap = 0;
}

static bool key_path_add(parser *p, key_path *path, char *name, size_t len, size_t offset)
{
    if (path->count == TOML_MAX_DEPTH) {
        free(name);
        fail(p, offset, "key has more than %d dotted parts", TOML_MAX_DEPTH);
        return false;
    }
    if (path->count == path->cap) {
        size_t cap = path->cap ? path->cap * 2 : 4;
        key_part *parts = realloc(path->parts, cap * sizeof *parts);
        if (!parts) {
            free(name);
            fail_oom(p);
            return false;
        }
        path->parts = parts;
        path->cap = cap;
    }
    key_part *part = &path->parts[path->count++];
    *part = (key_part){.name = name, .len = len, .offset = offset};
    locate(p, offset, &part->line, &part->column);
    return true;
}

/* key = simple-key *( ws "." ws simple-key ) */
static bool parse_key(parser *p, key_path *path)
{
    char found_buf[16];
    for (;;) {
        size_t start = p->pos;
        int c = peek(p);
        char *name;
        size_t len;
        if (is_bare_key_char(c)) {
            while (is_bare_key_char(peek(p)))
                p->pos++;
            len = p->pos - start;
            name = malloc(len + 1);
            if (!name) {
                fail_oom(p);
                return false;
            }
            memcpy(name, p->text + start, len);
            name[len] = '\0';
        } else if (c == '"' || c == '\'') {
            bool multiline;
            name = parse_string(p, &len, &multiline);
            if (!name)
                return false;
            if (multiline) {
                free(name);
                fail(p, start, "a key cannot be a multi-line string");
                return false;
            }
        } else {
            if (at_newline(p) || at_end(p) || c == '=' || c == '.' || c == ']')
                fail(p, p->pos, "expected a key, found %s", FOUND(p));
            else
                fail(p, p->pos, "expected a key, found %s (bare keys may contain only A-Z a-z 0-9 _ -; "
                     "quote other keys)", FOUND(p));
            return false;
        }
        if (!key_path_add(p, path, name, len, start))
            return false;
        size_t after = p->pos;
        skip_ws(p);
        if (peek(p) != '.') {
            p->pos = after;
            return true;
        }
        p->pos++;
        skip_ws(p);
    }
}

/* ---------------------------------------------------------------------------
 * Numbers. */

/* A run of digits in `base` with single underscores between digits. Returns
 * its length (0 if s does not start with a digit); sets *bad_underscore when
 * an underscore is not between two digits. */
static size_t digit_run(const unsigned char *s, size_t n, int base, bool *bad_underscore)
{
    size_t i = 0;
    while (i < n) {
        int d = hex_digit_value(s[i]);
        if (d >= 0 && d < base) {
            i++;
            continue;
        }
        if (s[i] == '_' && i > 0) {
            int next = i + 1 < n ? hex_digit_value(s[i + 1]) : -1;
            if (next >= 0 && next < base) {
                i++;
                continue;
            }
            *bad_underscore = true;
        }
        break;
    }
    if (i == 0 && n > 0 && s[0] == '_')
        *bad_underscore = true;
    return i;
}

static bool is_number_char(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '.' || c == '+' || c == '-';
}

static toml_value *make_integer(parser *p, size_t start, unsigned depth, const unsigned char *digits,
                                size_t n, int base, bool negative)
{
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t magnitude = 0;
    for (size_t i = 0; i < n; i++) {
        if (digits[i] == '_')
            continue;
        uint64_t d = (uint64_t)hex_digit_value(digits[i]);
        if (magnitude > (limit - d) / (uint64_t)base) {
            size_t shown = p->pos - start > 40 ? 40 : p->pos - start;
            fail(p, start, "integer %.*s does not fit in 64 bits (range -9223372036854775808 to "
                 "9223372036854775807)", (int)shown, (const char *)p->text + start);
            return NULL;
        }
        magnitude = magnitude * (uint64_t)base + d;
    }
    toml_value *v = new_value(p, TOML_INTEGER, start, depth);
    if (!v)
        return NULL;
    if (negative)
        v->u.integer = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
    else
        v->u.integer = (int64_t)magnitude;
    return v;
}

/* strtod in the C locale's notation whatever the process locale is: the
 * decimal point is swapped for the locale's before converting. */
static double decimal_to_double(char *clean)
{
    const char *point = localeconv()->decimal_point;
    if (point && point[0] && point[0] != '.' && !point[1]) {
        char *dot = strchr(clean, '.');
        if (dot)
            *dot = point[0];
    }
    return strtod(clean, NULL);
}

static toml_value *make_float(parser *p, size_t start, unsigned depth, const unsigned char *tok,
                              size_t n)
{
    char *clean = malloc(n + 1);
    if (!clean) {
        fail_oom(p);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (tok[i] != '_')
            clean[k++] = (char)tok[i];
    clean[k] = '\0';
    double d = decimal_to_double(clean);
    free(clean);
    if (isinf(d)) {
        fail(p, start, "float %.*s is too large for a 64-bit float", (int)(n > 40 ? 40 : n),
             (const char *)tok);
        return NULL;
    }
    toml_value *v = new_value(p, TOML_FLOAT, start, depth);
    if (v)
        v->u.number = d;
    return v;
}

static toml_value *parse_number(parser *p, unsigned depth)
{
    size_t start = p->pos;
    while (is_number_char(peek(p)))
        p->pos++;
    const unsigned char *tok = p->text + start;
    size_t n = p->pos - start;
    int shown = (int)(n > 40 ? 40 : n);
    const char *stok = (const char *)tok;
    if (n == 0) {
        char found_buf[16];
        fail(p, start, "expected a value (string, number, boolean, date-time, array or inline "
             "table), found %s", FOUND(p));
        return NULL;
    }
    bool negative = tok[0] == '-';
    size_t sign = (tok[0] == '+' || tok[0] == '-') ? 1 : 0;
    const unsigned char *body = tok + sign;
    size_t blen = n - sign;
    if (blen == 3 && (memcmp(body, "inf", 3) == 0 || memcmp(body, "nan", 3) == 0)) {
        toml_value *v = new_value(p, TOML_FLOAT, start, depth);
        if (v) {
            if (body[0] == 'i')
                v->u.number = negative ? -INFINITY : INFINITY;
            else
                v->u.number = negative ? -NAN : NAN;
        }
        return v;
    }
    bool bad_underscore = false;
    if (blen >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
        int base = body[1] == 'x' ? 16 : body[1] == 'o' ? 8 : 2;
        const char *base_name = base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary";
        if (sign) {
            fail(p, start, "%s integers cannot have a sign: %.*s", base_name, shown, stok);
            return NULL;
        }
        size_t run = digit_run(body + 2, blen - 2, base, &bad_underscore);
        if (run == 0 || run != blen - 2) {
            if (bad_underscore)
                fail(p, start, "invalid %s integer %.*s: an underscore must be between two digits",
                     base_name, shown, stok);
            else
                fail(p, start, "invalid %s integer %.*s: expected digits 0-%c after '0%c'", base_name,
                     shown, stok, base == 16 ? 'F' : base == 8 ? '7' : '1', body[1]);
            return NULL;
        }
        return make_integer(p, start, depth, body + 2, run, base, false);
    }
    size_t int_len = digit_run(body, blen, 10, &bad_underscore);
    if (int_len == 0) {
        if (bad_underscore)
            fail(p, start, "invalid number %.*s: an underscore must be between two digits", shown, stok);
        else
            fail(p, start, "expected a value (string, number, boolean, date-time, array or inline "
                 "table), found '%.*s'", shown, stok);
        return NULL;
    }
    if (body[0] == '0' && int_len > 1) {
        fail(p, start, "invalid number %.*s: leading zeros are not allowed", shown, stok);
        return NULL;
    }
    size_t i = int_len;
    if (i == blen && !bad_underscore)
        return make_integer(p, start, depth, body, int_len, 10, negative);
    bool is_float = false;
    if (!bad_underscore && i < blen && body[i] == '.') {
        size_t frac = digit_run(body + i + 1, blen - i - 1, 10, &bad_underscore);
        if (frac == 0 && !bad_underscore) {
            fail(p, start, "invalid float %.*s: expected digits after the decimal point", shown, stok);
            return NULL;
        }
        i += 1 + frac;
        is_float = true;
    }
    if (!bad_underscore && i < blen && (body[i] == 'e' || body[i] == 'E')) {
        i++;
        if (i < blen && (body[i] == '+' || body[i] == '-'))
            i++;
        size_t exp = digit_run(body + i, blen - i, 10, &bad_underscore);
        if (exp == 0 && !bad_underscore) {
            fail(p, start, "invalid float %.*s: expected digits in the exponent", shown, stok);
            return NULL;
        }
        i += exp;
        is_float = true;
    }
    if (bad_underscore) {
        fail(p, start, "invalid number %.*s: an underscore must be between two digits", shown, stok);
        return NULL;
    }
    if (i != blen) {
        fail(p, start, "invalid %s %.*s", is_float ? "float" : "number", shown, stok);
        return NULL;
    }
    return make_float(p, start, depth, tok, n);
}

/* ---------------------------------------------------------------------------
 * Dates and times (RFC 3339 as TOML restricts it). */

static bool digits_at(const parser *p, size_t ahead, size_t count, int *out)
{
    int v = 0;
    for (size_t i = 0; i < count; i++) {
        int c = peek_at(p, ahead + i);
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
        return 29;
    return days[month - 1];
}

/* YYYY-MM-DD at the cursor. */
static bool parse_date(parser *p, toml_datetime *dt)
{
    size_t start = p->pos;
    if (!digits_at(p, 0, 4, &dt->year) || peek_at(p, 4) != '-' || !digits_at(p, 5, 2, &dt->month) ||
        peek_at(p, 7) != '-' || !digits_at(p, 8, 2, &dt->day)) {
        fail(p, start, "invalid date: expected YYYY-MM-DD (four-digit year, two-digit month and day)");
        return false;
    }
    if (dt->month < 1 || dt->month > 12) {
        fail(p, start + 5, "invalid date: month %02d is not between 01 and 12", dt->month);
        return false;
    }
    if (dt->day < 1 || dt->day > days_in_month(dt->year, dt->month)) {
        fail(p, start + 8, "invalid date: day %02d does not exist in %04d-%02d", dt->day, dt->year,
             dt->month);
        return false;
    }
    p->pos += 10;
    return true;
}

/* HH:MM:SS[.fraction] at the cursor. */
static bool parse_time(parser *p, toml_datetime *dt)
{
    size_t start = p->pos;
    if (!digits_at(p, 0, 2, &dt->hour) || peek_at(p, 2) != ':' || !digits_at(p, 3, 2, &dt->minute) ||
        peek_at(p, 5) != ':' || !digits_at(p, 6, 2, &dt->second)) {
        fail(p, start, "invalid time: expected HH:MM:SS (two digits each; seconds are required)");
        return false;
    }
    if (dt->hour > 23 || dt->minute > 59 || dt->second > 60) {
        fail(p, start, "invalid time %02d:%02d:%02d: hour must be 00-23, minute 00-59, second 00-60",
             dt->hour, dt->minute, dt->second);
        return false;
    }
    p->pos += 8;
    dt->nanosecond = 0;
    if (peek(p) == '.') {
        size_t digits = 0;
        uint32_t scale = 100000000;
        p->pos++;
        while (peek(p) >= '0' && peek(p) <= '9') {
            /* Precision beyond nanoseconds is truncated, as TOML allows. */
            dt->nanosecond += (uint32_t)(peek(p) - '0') * scale;
            scale /= 10;
            digits++;
            p->pos++;
        }
        if (digits == 0) {
            fail(p, p->pos, "invalid time: expected digits after the decimal point of the seconds");
            return false;
        }
    }
    return true;
}

static bool parse_offset(parser *p, toml_datetime *dt)
{
    int c = peek(p);
    if (c == 'Z' || c == 'z') {
        p->pos++;
        dt->offset_minutes = 0;
        return true;
    }
    int hours, minutes;
    if (!digits_at(p, 1, 2, &hours) || peek_at(p, 3) != ':' || !digits_at(p, 4, 2, &minutes)) {
        fail(p, p->pos, "invalid time offset: expected Z, +HH:MM or -HH:MM");
        return false;
    }
    if (hours > 23 || minutes > 59) {
        fail(p, p->pos, "invalid time offset %c%02d:%02d: hours must be 00-23, minutes 00-59", c, hours,
             minutes);
        return false;
    }
    dt->offset_minutes = (hours * 60 + minutes) * (c == '-' ? -1 : 1);
    p->pos += 6;
    return true;
}

static toml_value *parse_datetime(parser *p, unsigned depth)
{
    size_t start = p->pos;
    toml_datetime dt = {0};
    toml_kind kind;
    int ignored;
    if (peek_at(p, 2) == ':') {
        if (!parse_time(p, &dt))
            return NULL;
        kind = TOML_TIME_LOCAL;
    } else {
        if (!parse_date(p, &dt))
            return NULL;
        kind = TOML_DATE_LOCAL;
        int sep = peek(p);
        /* A space separates date and time only when a time follows. */
        if (sep == 'T' || sep == 't' || (sep == ' ' && digits_at(p, 1, 2, &ignored) && peek_at(p, 3) == ':')) {
            p->pos++;
            if (!parse_time(p, &dt))
                return NULL;
            kind = TOML_DATETIME_LOCAL;
            int c = peek(p);
            if (c == 'Z' || c == 'z' || c == '+' || c == '-') {
                if (!parse_offset(p, &dt))
                    return NULL;
                kind = TOML_DATETIME;
            }
        }
    }
    if (is_number_char(peek(p)) || peek(p) == ':') {
        char found_buf[16];
        fail(p, p->pos, "unexpected %s after %s", FOUND(p), toml_kind_name(kind));
        return NULL;
    }
    toml_value *v = new_value(p, kind, start, depth);
    if (v)
        v->u.datetime = dt;
    return v;
}

/* ---------------------------------------------------------------------------
 * Values. */

static toml_value *parse_value(parser *p, unsigned depth);
static bool parse_keyval(parser *p, toml_value *table);

static toml_value *parse_array(parser *p, unsigned depth)
{
    char found_buf[16];
    toml_value *a = new_value(p, TOML_ARRAY, p->pos, depth);
    if (!a)
        return NULL;
    a->origin = ORIGIN_ARRAY;
    p->pos++;
    for (;;) {
        skip_blank(p);
        if (peek(p) == ']') {
            p->pos++;
            return a;
        }
        toml_value *item = parse_value(p, depth + 1);
        if (!item || !array_add(p, a, item)) {
            free_value(item);
            break;
        }
        skip_blank(p);
        if (peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p) == ']') {
            p->pos++;
            return a;
        }
        fail(p, p->pos, "expected ',' or ']' in array, found %s", FOUND(p));
        break;
    }
    free_value(a);
    return NULL;
}

static toml_value *parse_inline_table(parser *p, unsigned depth)
{
    char found_buf[16];
    toml_value *t = new_value(p, TOML_TABLE, p->pos, depth);
    if (!t)
        return NULL;
    t->origin = ORIGIN_INLINE;
    p->pos++;
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
        return t;
    }
    for (;;) {
        if (at_newline(p)) {
            fail(p, p->pos, "an inline table must be on one line in TOML 1.0 (found end of line "
                 "before '}'); use a [table] for longer tables");
            break;
        }
        if (!parse_keyval(p, t))
            break;
        skip_ws(p);
        if (peek(p) == ',') {
            p->pos++;
            skip_ws(p);
            if (peek(p) == '}') {
                fail(p, p->pos, "trailing comma in an inline table is not allowed in TOML 1.0");
                break;
            }
            continue;
        }
        if (peek(p) == '}') {
            p->pos++;
            return t;
        }
        if (at_newline(p))
            fail(p, p->pos, "an inline table must be on one line in TOML 1.0 (found end of line "
                 "before '}'); use a [table] for longer tables");
        else
            fail(p, p->pos, "expected ',' or '}' in inline table, found %s", FOUND(p));
        break;
    }
    free_value(t);
    return NULL;
}

static bool match_word(const parser *p, const char *word)
{
    size_t n = strlen(word);
    if (n > p->size - p->pos || memcmp(p->text + p->pos, word, n) != 0)
        return false;
    return p->pos + n == p->size || !is_number_char(p->text[p->pos + n]);
}

static toml_value *parse_value(parser *p, unsigned depth)
{
    char found_buf[16];
    int c = peek(p);
    size_t start = p->pos;
    if (depth > TOML_MAX_DEPTH) {
        fail(p, start, "nesting is deeper than %d levels (tables and arrays inside each other)",
             TOML_MAX_DEPTH);
        return NULL;
    }
    switch (c) {
    case '"':
    case '\'': {
        size_t len;
        char *s = parse_string(p, &len, NULL);
        if (!s)
            return NULL;
        toml_value *v = new_value(p, TOML_STRING, start, depth);
        if (!v) {
            free(s);
            return NULL;
        }
        v->u.str.bytes = s;
        v->u.str.len = len;
        return v;
    }
    case '[':
        return parse_array(p, depth);
    case '{':
        return parse_inline_table(p, depth);
    case 't':
    case 'f': {
        bool truth = c == 't';
        if (!match_word(p, truth ? "true" : "false"))
            break;
        toml_value *v = new_value(p, TOML_BOOL, start, depth);
        if (v) {
            v->u.boolean = truth;
            p->pos += truth ? 4 : 5;
        }
        return v;
    }
    default: {
        int ignored;
        if ((digits_at(p, 0, 4, &ignored) && peek_at(p, 4) == '-') ||
            (digits_at(p, 0, 2, &ignored) && peek_at(p, 2) == ':'))
            return parse_datetime(p, depth);
        if (c == '+' || c == '-' || c == 'i' || c == 'n' || (c >= '0' && c <= '9'))
            return parse_number(p, depth);
        break;
    }
    }
    if (at_newline(p) || at_end(p) || c == ',' || c == ']' || c == '}' || c == '#' || c == '=') {
        fail(p, start, "expected a value (string, number, boolean, date-time, array or inline "
             "table), found %s", FOUND(p));
    } else {
        size_t end = start;
        while (end < p->size && end - start < 40 && is_number_char(p->text[end]))
            end++;
        if (end == start)
            fail(p, start, "expected a value (string, number, boolean, date-time, array or inline "
                 "table), found %s", FOUND(p));
        else
            fail(p, start, "expected a value (string, number, boolean, date-time, array or inline "
                 "table), found '%.*s' (strings need quotes; booleans are lowercase true/false)",
                 (int)(end - start), (const char *)p->text + start);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Key/value pairs and table headers: where TOML's definition rules live. */

/* key = value into `table` (the current [table], or an inline table being
 * written). Intermediate parts of a dotted key create or reopen tables made by
 * dotted keys; anything else there is an error. */
static bool parse_keyval(parser *p, toml_value *table)
{
    char found_buf[16], path_buf[160];
    key_path path = {0};
    bool ok = false;
    if (!parse_key(p, &path))
        goto out;
    skip_ws(p);
    if (peek(p) != '=') {
        fail(p, p->pos, "expected '=' after key %s, found %s",
             path_text(&path, path.count, path_buf, sizeof path_buf), FOUND(p));
        goto out;
    }
    p->pos++;
    skip_ws(p);
    toml_value *t = table;
    for (size_t i = 0; i + 1 < path.count; i++) {
        key_part *part = &path.parts[i];
        toml_entry *e = table_find(t, part->name, part->len);
        if (!e) {
            toml_value *child = new_value_located(p, TOML_TABLE, ORIGIN_DOTTED, part->offset,
                                                  part->line, part->column, t->depth + 1u);
            if (!child)
                goto out;
            if (!table_add(p, t, part, child)) {
                free_value(child);
                goto out;
            }
            t = child;
            continue;
        }
        toml_value *v = e->value;
        if (v->kind == TOML_TABLE && v->origin == ORIGIN_DOTTED) {
            t = v;
            continue;
        }
        char part_buf[160];
        path_text(&path, i + 1, part_buf, sizeof part_buf);
        path_text(&path, path.count, path_buf, sizeof path_buf);
        if (v->kind != TOML_TABLE)
            fail(p, part->offset, "cannot add key %s: %s is already %s (line %u, column %u), not a table",
                 path_buf, part_buf, origin_text(v), v->line, v->column);
        else if (v->origin == ORIGIN_INLINE)
            fail(p, part->offset, "cannot add key %s: %s is an inline table (line %u, column %u), "
                 "which is complete once written", path_buf, part_buf, v->line, v->column);
        else
            fail(p, part->offset, "cannot add key %s: table %s was defined with a [header] (line %u, "
                 "column %u), and dotted keys cannot add to it; put the key in its own section",
                 path_buf, part_buf, v->line, v->column);
        goto out;
    }
    key_part *last = &path.parts[path.count - 1];
    toml_entry *dup = table_find(t, last->name, last->len);
    if (dup) {
        fail(p, last->offset, "duplicate key %s: already defined at line %u, column %u",
             path_text(&path, path.count, path_buf, sizeof path_buf), dup->line, dup->column);
        goto out;
    }
    toml_value *value = parse_value(p, t->depth + 1u);
    if (!value)
        goto out;
    if (!table_add(p, t, last, value)) {
        free_value(value);
        goto out;
    }
    ok = true;
out:
    key_path_free(&path);
    return ok;
}

/* [a.b.c] or [[a.b.c]]: walks to the parent, then defines or appends. */
static bool parse_header(parser *p)
{
    char found_buf[16], path_buf[160];
    size_t start = p->pos;
    bool array = peek_at(p, 1) == '[';
    key_path path = {0};
    bool ok = false;
    unsigned line, column;
    locate(p, start, &line, &column);
    p->pos += array ? 2 : 1;
    skip_ws(p);
    if (!parse_key(p, &path))
        goto out;
    skip_ws(p);
    if (peek(p) != ']' || (array && peek_at(p, 1) != ']')) {
        if (array && peek(p) == ']')
            p->pos++;
        fail(p, p->pos, "expected '%s' to close the %s header, found %s", array ? "]]" : "]",
             array ? "array-of-tables" : "table", FOUND(p));
        goto out;
    }
    p->pos += array ? 2 : 1;
    const char *name = path_text(&path, path.count, path_buf, sizeof path_buf);
    toml_value *t = p->root;
    for (size_t i = 0; i + 1 < path.count; i++) {
        key_part *part = &path.parts[i];
        toml_entry *e = table_find(t, part->name, part->len);
        if (!e) {
            toml_value *child = new_value_located(p, TOML_TABLE, ORIGIN_IMPLICIT, start, line, column,
                                                 t->depth + 1u);
            if (!child)
                goto out;
            if (!table_add(p, t, part, child)) {
                free_value(child);
                goto out;
            }
            t = child;
            continue;
        }
        toml_value *v = e->value;
        if (v->kind == TOML_TABLE && v->origin != ORIGIN_INLINE) {
            t = v;
        } else if (v->kind == TOML_ARRAY && v->origin == ORIGIN_AOT) {
            t = v->u.array.items[v->u.array.len - 1];
        } else {
            char part_buf[160];
            path_text(&path, i + 1, part_buf, sizeof part_buf);
            fail(p, part->offset, "cannot define [%s%s%s]: %s is %s (line %u, column %u)%s",
                 array ? "[" : "", name, array ? "]" : "", part_buf, origin_text(v), v->line,
                 v->column, v->kind == TOML_TABLE || v->kind == TOML_ARRAY
                                ? ", which cannot be extended" : "");
            goto out;
        }
    }
    key_part *last = &path.parts[path.count - 1];
    toml_entry *e = table_find(t, last->name, last->len);
    toml_value *v = e ? e->value : NULL;
    if (!array) {
        if (!v) {
            v = new_value_located(p, TOML_TABLE, ORIGIN_HEADER, start, line, column, t->depth + 1u);
            if (!v)
                goto out;
            if (!table_add(p, t, last, v)) {
                free_value(v);
                goto out;
            }
        } else if (v->kind == TOML_TABLE && v->origin == ORIGIN_IMPLICIT) {
            v->origin = ORIGIN_HEADER; /* defined now, after being a parent of another header */
            v->line = line;
            v->column = column;
        } else {
            const char *hint = v->kind == TOML_TABLE && v->origin == ORIGIN_HEADER
                                   ? "a table can be defined only once"
                               : v->kind == TOML_ARRAY && v->origin == ORIGIN_AOT
                                   ? "use [[...]] to add an element"
                                   : "it cannot be redefined with a [header]";
            fail(p, last->offset, "cannot define table [%s]: it is already %s (line %u, column %u); %s",
                 name, origin_text(v), v->line, v->column, hint);
            goto out;
        }
        p->current = v;
    } else {
        if (!v) {
            v = new_value_located(p, TOML_ARRAY, ORIGIN_AOT, start, line, column, t->depth + 1u);
            if (!v)
                goto out;
            if (!table_add(p, t, last, v)) {
                free_value(v);
                goto out;
            }
        } else if (v->kind != TOML_ARRAY || v->origin != ORIGIN_AOT) {
            fail(p, last->offset, "cannot append to [[%s]]: it is already %s (line %u, column %u)",
                 name, origin_text(v), v->line, v->column);
            goto out;
        }
        toml_value *element = new_value_located(p, TOML_TABLE, ORIGIN_AOT_ELEMENT, start, line, column,
                                               v->depth + 1u);
        if (!element)
            goto out;
        if (!array_add(p, v, element)) {
            free_value(element);
            goto out;
        }
        p->current = element;
    }
    ok = true;
out:
    key_path_free(&path);
    return ok;
}

/* ---------------------------------------------------------------------------
 * The document. */

/* Finds the first byte TOML forbids anywhere: malformed UTF-8 (overlong forms,
 * surrogates, beyond U+10FFFF), control characters other than tab and
 * newline, and CR not followed by LF. Returns its offset (size if none) and
 * writes a message for it. */
static size_t check_text(const unsigned char *s, size_t size, char *why, size_t why_size)
{
    size_t i = 0;
    while (i < size) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c == '\r' && !(i + 1 < size && s[i + 1] == '\n')) {
                snprintf(why, why_size, "carriage return (U+000D) not followed by a line feed; "
                         "TOML newlines are LF or CRLF (inside strings write \\r)");
                return i;
            }
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
                snprintf(why, why_size, "control character U+%04X is not allowed in TOML "
                         "(inside basic strings write it as \\u%04X)", c, c);
                return i;
            }
            i++;
            continue;
        }
        size_t len = utf8_sequence_length(s + i, size - i);
        if (len == 0) {
            snprintf(why, why_size, "invalid UTF-8 (byte 0x%02X); TOML documents must be UTF-8", c);
            return i;
        }
        i += len;
    }
    return size;
}

static void parse_document(parser *p)
{
    char found_buf[16];
    while (!p->failed) {
        skip_ws(p);
        skip_comment(p);
        if (at_end(p))
            return;
        if (at_newline(p)) {
            skip_newline(p);
            continue;
        }
        if (peek(p) == '[') {
            bool array = peek_at(p, 1) == '[';
            if (!parse_header(p) || !expect_line_end(p, array ? "an array-of-tables header" : "a table header"))
                return;
        } else if (is_bare_key_char(peek(p)) || peek(p) == '"' || peek(p) == '\'') {
            if (!parse_keyval(p, p->current) || !expect_line_end(p, "a key/value pair"))
                return;
        } else {
            fail(p, p->pos, "expected a key, a [table] header or a comment, found %s", FOUND(p));
            return;
        }
    }
}

toml_value *toml_parse(const char *text, size_t size, toml_error *err)
{
    toml_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (!text && size) {
        err->line = err->column = 1;
        snprintf(err->message, sizeof err->message, "no text given");
        return NULL;
    }
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    if (size > TOML_MAX_DOCUMENT) {
        err->line = err->column = 1;
        snprintf(err->message, sizeof err->message,
                 "document is %zu bytes; the limit is %zu", size, TOML_MAX_DOCUMENT);
        return NULL;
    }
    if (size >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        s += 3; /* a UTF-8 byte-order mark is not part of the document */
        size -= 3;
    }
    char why[sizeof err->message];
    size_t bad = check_text(s, size, why, sizeof why);

    parser p = {.text = s, .size = bad, .err = err, .loc_line = 1, .loc_column = 1};
    p.root = new_value_located(&p, TOML_TABLE, ORIGIN_ROOT, 0, 1, 1, 0);
    if (!p.root)
        return NULL;
    p.current = p.root;
    parse_document(&p);
    /* The grammar ran only up to the first forbidden byte: an error it found
     * there or later is a consequence of stopping early. */
    if (bad < size && (!p.failed || p.error_offset >= bad)) {
        p.size = size;
        p.failed = false;
        fail(&p, bad, "%s", why);
    }
    if (p.failed) {
        free_value(p.root);
        return NULL;
    }
    return p.root;
}

void toml_free(toml_value *root)
{
    free_value(root);
}

/* ---------------------------------------------------------------------------
 * Read access. Every accessor tolerates a NULL or wrong-kind argument by
 * returning an empty answer, so schema code stays simple. */

toml_kind toml_kind_of(const toml_value *value)
{
    return value->kind;
}

const char *toml_kind_name(toml_kind kind)
{
    switch (kind) {
    case TOML_STRING: return "string";
    case TOML_INTEGER: return "integer";
    case TOML_FLOAT: return "float";
    case TOML_BOOL: return "boolean";
    case TOML_DATETIME: return "offset date-time";
    case TOML_DATETIME_LOCAL: return "local date-time";
    case TOML_DATE_LOCAL: return "local date";
    case TOML_TIME_LOCAL: return "local time";
    case TOML_ARRAY: return "array";
    case TOML_TABLE: return "table";
    }
    return "unknown";
}

unsigned toml_line(const toml_value *value)
{
    return value ? value->line : 0;
}

unsigned toml_column(const toml_value *value)
{
    return value ? value->column : 0;
}

static const toml_entry *entry_at(const toml_value *table, size_t index)
{
    if (!table || table->kind != TOML_TABLE || index >= table->u.table.len)
        return NULL;
    return &table->u.table.entries[index];
}

size_t toml_table_size(const toml_value *table)
{
    return table && table->kind == TOML_TABLE ? table->u.table.len : 0;
}

const char *toml_table_key(const toml_value *table, size_t index)
{
    const toml_entry *e = entry_at(table, index);
    return e ? e->key : NULL;
}

size_t toml_table_key_length(const toml_value *table, size_t index)
{
    const toml_entry *e = entry_at(table, index);
    return e ? e->key_len : 0;
}

unsigned toml_table_key_line(const toml_value *table, size_t index)
{
    const toml_entry *e = entry_at(table, index);
    return e ? e->line : 0;
}

unsigned toml_table_key_column(const toml_value *table, size_t index)
{
    const toml_entry *e = entry_at(table, index);
    return e ? e->column : 0;
}

const toml_value *toml_table_value(const toml_value *table, size_t index)
{
    const toml_entry *e = entry_at(table, index);
    return e ? e->value : NULL;
}

const toml_value *toml_table_get(const toml_value *table, const char *key)
{
    if (!table || table->kind != TOML_TABLE || !key)
        return NULL;
    const toml_entry *e = table_find(table, key, strlen(key));
    return e ? e->value : NULL;
}

size_t toml_array_size(const toml_value *array)
{
    return array && array->kind == TOML_ARRAY ? array->u.array.len : 0;
}

const toml_value *toml_array_get(const toml_value *array, size_t index)
{
    if (!array || array->kind != TOML_ARRAY || index >= array->u.array.len)
        return NULL;
    return array->u.array.items[index];
}

const char *toml_string(const toml_value *value, size_t *len)
{
    if (!value || value->kind != TOML_STRING) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = value->u.str.len;
    return value->u.str.bytes;
}

int64_t toml_integer(const toml_value *value)
{
    return value && value->kind == TOML_INTEGER ? value->u.integer : 0;
}

double toml_float(const toml_value *value)
{
    return value && value->kind == TOML_FLOAT ? value->u.number : 0.0;
}

bool toml_bool(const toml_value *value)
{
    return value && value->kind == TOML_BOOL ? value->u.boolean : false;
}

const toml_datetime *toml_datetime_of(const toml_value *value)
{
    if (!value || value->kind < TOML_DATETIME || value->kind > TOML_TIME_LOCAL)
        return NULL;
    return &value->u.datetime;
}

bool toml_array_of_tables(const toml_value *array)
{
    return array && array->kind == TOML_ARRAY && array->origin == ORIGIN_AOT;
}
