/* CBOR reader and writer (see cbor.h for the subset and the limits). */
#include "common/cbor.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cbor_reader_init(cbor_reader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->off = 0;
    r->bad = false;
    r->err[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static bool fail(cbor_reader *r, const char *fmt, ...)
{
    if (!r->bad) {
        r->bad = true;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
    }
    return false;
}

static const char *type_name(cbor_type t)
{
    static const char *const names[] = {"unsigned integer", "negative integer", "byte string",
                                        "text string", "array", "map", "tag", "simple value"};
    return names[t & 7];
}

/* The head's argument: additional information 0..23 is the value itself,
 * 24..27 say it follows in 1, 2, 4 or 8 bytes (big-endian). */
static bool read_argument(cbor_reader *r, unsigned ai, uint64_t *out)
{
    if (ai < 24) {
        *out = ai;
        return true;
    }
    if (ai > 27)
        return fail(r, "byte %zu: %s", r->off - 1,
                    ai == 31 ? "indefinite length (not allowed here)" : "reserved additional information");
    size_t n = (size_t)1 << (ai - 24);
    if (n > cbor_left(r))
        return fail(r, "byte %zu: the head is cut short", r->off - 1);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | r->data[r->off + i];
    r->off += n;
    *out = v;
    return true;
}

bool cbor_read(cbor_reader *r, cbor_item *out)
{
    memset(out, 0, sizeof *out);
    if (r->bad)
        return false;
    if (cbor_left(r) == 0)
        return fail(r, "byte %zu: the data ends where an item was expected", r->off);
    out->offset = r->off;
    uint8_t ib = r->data[r->off++];
    out->type = (cbor_type)(ib >> 5);
    unsigned ai = ib & 31;
    if (out->type == CBOR_SIMPLE) {
        /* false, true, null, undefined; no floats, no other simple values */
        if (ai < 20 || ai > 23)
            return fail(r, "byte %zu: simple value or float 0x%02x is not supported", out->offset, ib);
        out->value = ai;
        return true;
    }
    if (!read_argument(r, ai, &out->value))
        return false;
    switch (out->type) {
    case CBOR_BYTES:
    case CBOR_TEXT:
        if (out->value > cbor_left(r))
            return fail(r, "byte %zu: a %s of %llu bytes, but only %zu remain", out->offset,
                        type_name(out->type), (unsigned long long)out->value, cbor_left(r));
        out->bytes = r->data + r->off;
        r->off += (size_t)out->value;
        return true;
    case CBOR_ARRAY:
    case CBOR_MAP:
        /* every item takes at least one byte: a larger count is a lie */
        if (out->value > cbor_left(r) || (out->type == CBOR_MAP && out->value > cbor_left(r) / 2))
            return fail(r, "byte %zu: %s of %llu entries in %zu remaining bytes", out->offset,
                        type_name(out->type), (unsigned long long)out->value, cbor_left(r));
        return true;
    default:
        return true;
    }
}

static bool skip_depth(cbor_reader *r, unsigned depth)
{
    cbor_item it;
    if (!cbor_read(r, &it))
        return false;
    if (it.type != CBOR_ARRAY && it.type != CBOR_MAP && it.type != CBOR_TAG)
        return true;
    if (depth >= CBOR_MAX_DEPTH)
        return fail(r, "byte %zu: nested deeper than %d levels", it.offset, CBOR_MAX_DEPTH);
    uint64_t n = it.type == CBOR_TAG ? 1 : it.type == CBOR_MAP ? it.value * 2 : it.value;
    for (uint64_t i = 0; i < n; i++)
        if (!skip_depth(r, depth + 1))
            return false;
    return true;
}

bool cbor_skip(cbor_reader *r)
{
    return skip_depth(r, 0);
}

static bool read_typed(cbor_reader *r, cbor_type want, cbor_item *it)
{
    if (!cbor_read(r, it))
        return false;
    if (it->type != want)
        return fail(r, "byte %zu: a %s where a %s was expected", it->offset, type_name(it->type),
                    type_name(want));
    return true;
}

bool cbor_read_uint(cbor_reader *r, uint64_t *out)
{
    cbor_item it;
    *out = 0;
    if (!read_typed(r, CBOR_UINT, &it))
        return false;
    *out = it.value;
    return true;
}

static bool read_string(cbor_reader *r, cbor_type t, const uint8_t **p, size_t *n)
{
    cbor_item it;
    *p = NULL;
    *n = 0;
    if (!read_typed(r, t, &it))
        return false;
    *p = it.bytes;
    *n = (size_t)it.value;
    return true;
}

bool cbor_read_bytes(cbor_reader *r, const uint8_t **p, size_t *n)
{
    return read_string(r, CBOR_BYTES, p, n);
}

bool cbor_read_text(cbor_reader *r, const uint8_t **p, size_t *n)
{
    return read_string(r, CBOR_TEXT, p, n);
}

static bool read_count(cbor_reader *r, cbor_type t, uint64_t *out)
{
    cbor_item it;
    *out = 0;
    if (!read_typed(r, t, &it))
        return false;
    *out = it.value;
    return true;
}

bool cbor_read_array(cbor_reader *r, uint64_t *count)
{
    return read_count(r, CBOR_ARRAY, count);
}

bool cbor_read_map(cbor_reader *r, uint64_t *pairs)
{
    return read_count(r, CBOR_MAP, pairs);
}

bool cbor_read_tag(cbor_reader *r, uint64_t *tag)
{
    return read_count(r, CBOR_TAG, tag);
}

/* ---- writer -------------------------------------------------------------- */

void cbor_writer_init(cbor_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->overflow = false;
}

void cbor_put_raw(cbor_writer *w, const uint8_t *p, size_t n)
{
    if (n > SIZE_MAX - w->len) {
        w->overflow = true;
        return;
    }
    if (w->buf) {
        if (w->overflow || n > w->cap - w->len) {
            w->overflow = true;
        } else if (n) {
            memcpy(w->buf + w->len, p, n);
        }
    }
    w->len += n;
}

size_t cbor_head_size(uint64_t v)
{
    return v < 24 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

static void put_head(cbor_writer *w, cbor_type t, uint64_t v)
{
    uint8_t head[9];
    size_t n = cbor_head_size(v);
    static const uint8_t ai_of_size[10] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
    head[0] = (uint8_t)((unsigned)t << 5 | (n == 1 ? (unsigned)v : ai_of_size[n]));
    for (size_t i = 1; i < n; i++)
        head[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    cbor_put_raw(w, head, n);
}

void cbor_put_uint(cbor_writer *w, uint64_t v)
{
    put_head(w, CBOR_UINT, v);
}

void cbor_put_bytes_head(cbor_writer *w, uint64_t n)
{
    put_head(w, CBOR_BYTES, n);
}

void cbor_put_bytes(cbor_writer *w, const uint8_t *p, size_t n)
{
    put_head(w, CBOR_BYTES, n);
    cbor_put_raw(w, p, n);
}

void cbor_put_text(cbor_writer *w, const char *p, size_t n)
{
    put_head(w, CBOR_TEXT, n);
    cbor_put_raw(w, (const uint8_t *)p, n);
}

void cbor_put_array(cbor_writer *w, uint64_t count)
{
    put_head(w, CBOR_ARRAY, count);
}

void cbor_put_map(cbor_writer *w, uint64_t pairs)
{
    put_head(w, CBOR_MAP, pairs);
}

void cbor_put_tag(cbor_writer *w, uint64_t tag)
{
    put_head(w, CBOR_TAG, tag);
}
