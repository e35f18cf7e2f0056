/* Bounds-checked reading of module bytes (LEB128, fixed-width, names). */
#include "engine/reader.h"

#include <stdlib.h>

#include "common/utf8.h"

bool rd_fail_at(reader *r, size_t pos, const char *what)
{
    if (r->err && r->err->status == WASM_OK)
        err_set(r->err, WASM_ERR_MALFORMED, "%s (at byte offset %zu)", what, pos + r->origin);
    return false;
}

bool rd_fail(reader *r, const char *what)
{
    return rd_fail_at(r, r->pos, what);
}

bool rd_u32_slow(reader *r, uint32_t *out)
{
    uint32_t result = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b;
        if (!rd_u8(r, &b))
            return false;
        if (shift == 28) {
            if (b & 0x80)
                return rd_fail_at(r, r->pos - 1, "integer representation too long");
            if (b & 0x70)
                return rd_fail_at(r, r->pos - 1, "integer too large");
            result |= (uint32_t)b << 28;
            break;
        }
        result |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    *out = result;
    return true;
}

/* Signed LEB128 of `bits` bits (32, 33 or 64): the unused bits of the last
 * byte must repeat the sign bit. */
static bool rd_signed(reader *r, unsigned bits, int64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        uint8_t b;
        if (!rd_u8(r, &b))
            return false;
        if (i == max_bytes - 1) {
            if (b & 0x80)
                return rd_fail_at(r, r->pos - 1, "integer representation too long");
            unsigned value_bits = bits - shift;              /* bits this byte carries */
            uint8_t sign = (uint8_t)((b >> (value_bits - 1)) & 1);
            uint8_t rest = (uint8_t)((b & 0x7f) >> value_bits);
            uint8_t want = sign ? (uint8_t)(0x7f >> value_bits) : 0;
            if (rest != want)
                return rd_fail_at(r, r->pos - 1, "integer too large");
            result |= (uint64_t)(b & 0x7f) << shift;
            break;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (shift < 64 && (b & 0x40))
                result |= ~(uint64_t)0 << shift;
            break;
        }
    }
    if (bits < 64) {
        /* sign-extend from `bits` */
        uint64_t m = (uint64_t)1 << (bits - 1);
        uint64_t v = result & (((uint64_t)1 << bits) - 1);
        result = (v ^ m) - m;
    }
    *out = (int64_t)result;
    return true;
}

bool rd_s32(reader *r, int32_t *out)
{
    /* one byte (|value| < 64): most constants */
    if (LIKELY(r->pos < r->end) && !(r->base[r->pos] & 0x80)) {
        uint8_t b = r->base[r->pos++];
        *out = (int32_t)(b & 0x40 ? (uint32_t)b | 0xffffff80u : b);
        return true;
    }
    int64_t v;
    if (!rd_signed(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

bool rd_s33(reader *r, int64_t *out) { return rd_signed(r, 33, out); }
bool rd_s64(reader *r, int64_t *out) { return rd_signed(r, 64, out); }

bool rd_fixed32(reader *r, uint32_t *out)
{
    if (r->end - r->pos < 4)
        return rd_fail(r, "unexpected end");
    memcpy(out, r->base + r->pos, 4);
    r->pos += 4;
    return true;
}

bool rd_fixed64(reader *r, uint64_t *out)
{
    if (r->end - r->pos < 8)
        return rd_fail(r, "unexpected end");
    memcpy(out, r->base + r->pos, 8);
    r->pos += 8;
    return true;
}

bool rd_bytes(reader *r, size_t n, const uint8_t **out)
{
    if (r->end - r->pos < n)
        return rd_fail(r, "unexpected end of section or function");
    *out = r->base + r->pos;
    r->pos += n;
    return true;
}

bool rd_count(reader *r, uint32_t *out, size_t min_elem_size)
{
    size_t at = r->pos;
    if (!rd_u32(r, out))
        return false;
    if (min_elem_size && (uint64_t)*out * min_elem_size > r->end - r->pos)
        return rd_fail_at(r, at, "length out of bounds");
    return true;
}

bool rd_name(reader *r, char **out, uint32_t *out_len)
{
    uint32_t len;
    const uint8_t *bytes;
    size_t at = r->pos;
    if (!rd_u32(r, &len))
        return false;
    if (len > r->end - r->pos)
        return rd_fail_at(r, at, "length out of bounds");
    if (!rd_bytes(r, len, &bytes))
        return false;
    if (!utf8_valid(bytes, len))
        return rd_fail_at(r, at, "malformed UTF-8 encoding");
    char *s = malloc((size_t)len + 1);
    if (!s) {
        err_set(r->err, WASM_ERR_NOMEM, "out of memory reading a name");
        return false;
    }
    memcpy(s, bytes, len);
    s[len] = 0;
    *out = s;
    if (out_len)
        *out_len = len;
    return true;
}

bool rd_valtype(reader *r, uint8_t *out)
{
    uint8_t b;
    if (!rd_u8(r, &b))
        return false;
    if (!is_valtype(b))
        return rd_fail_at(r, r->pos - 1, "malformed value type");
    *out = b;
    return true;
}

bool rd_reftype(reader *r, uint8_t *out)
{
    uint8_t b;
    if (!rd_u8(r, &b))
        return false;
    if (!is_reftype(b))
        return rd_fail_at(r, r->pos - 1, "malformed reference type");
    *out = b;
    return true;
}

bool rd_zero_byte(reader *r, const char *what)
{
    uint8_t b;
    if (!rd_u8(r, &b))
        return false;
    if (b != 0)
        return rd_fail_at(r, r->pos - 1, what);
    return true;
}
