/* Bounds-checked reading of untrusted bytes, a minimal DER reader and hex
 * helpers. Every length is compared with what is left before any pointer is
 * formed, so no read can leave the buffer whatever the input says. */
#include <stdlib.h>
#include <string.h>

#include "attest/internal.h"
#include "common/hex.h"

bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* ---- DER ---------------------------------------------------------------- */

bool der_next(breader *r, der_item *out)
{
    size_t start = r->off;
    const uint8_t *tagp = br_take(r, 1);
    if (!tagp || (tagp[0] & 0x1f) == 0x1f) /* high tag numbers never occur here */
        return false;
    uint8_t first = br_u8(r);
    if (r->bad)
        return false;
    size_t len;
    if (first < 0x80) {
        len = first;
    } else {
        unsigned n = first & 0x7f;
        if (n == 0 || n > 4) /* indefinite or absurd lengths */
            return false;
        len = 0;
        for (unsigned i = 0; i < n; i++)
            len = (len << 8) | br_u8(r);
        if (r->bad)
            return false;
    }
    const uint8_t *content = br_take(r, len);
    if (!content && len > 0)
        return false;
    if (r->bad)
        return false;
    out->tag = tagp[0];
    out->content = content ? content : r->data + r->off;
    out->len = len;
    out->whole = r->data + start;
    out->whole_len = r->off - start;
    return true;
}

bool der_uint(const der_item *it, uint64_t *out)
{
    if (it->tag != 0x02 || it->len == 0)
        return false;
    const uint8_t *p = it->content;
    size_t n = it->len;
    if (p[0] & 0x80) /* negative */
        return false;
    if (p[0] == 0 && n > 1) {
        p++;
        n--;
    }
    if (n > 8)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    *out = v;
    return true;
}

bool der_oid_is(const der_item *it, const char *dotted)
{
    if (it->tag != 0x06)
        return false;
    /* Encode the dotted form and compare bytes; OIDs here are short. */
    uint8_t enc[64];
    size_t n = 0;
    unsigned long arcs[32];
    size_t narcs = 0;
    const char *s = dotted;
    while (*s && narcs < 32) {
        char *end;
        arcs[narcs++] = strtoul(s, &end, 10);
        if (end == s)
            return false;
        s = *end == '.' ? end + 1 : end;
    }
    if (narcs < 2)
        return false;
    unsigned long v0 = arcs[0] * 40 + arcs[1];
    for (size_t i = 1; i < narcs; i++) {
        unsigned long v = i == 1 ? v0 : arcs[i];
        uint8_t tmp[10];
        size_t t = 0;
        do {
            tmp[t++] = v & 0x7f;
            v >>= 7;
        } while (v && t < sizeof tmp);
        while (t > 0) {
            if (n >= sizeof enc)
                return false;
            enc[n++] = (uint8_t)(tmp[t - 1] | (t > 1 ? 0x80 : 0));
            t--;
        }
    }
    return it->len == n && memcmp(it->content, enc, n) == 0;
}

unsigned der_oid_arc_below(const der_item *it, const uint8_t *parent, size_t parent_len)
{
    if (it->tag != 0x06 || it->len != parent_len + 1 || memcmp(it->content, parent, parent_len) != 0 ||
        (it->content[parent_len] & 0x80))
        return 0;
    return it->content[parent_len];
}

/* ---- hex ---------------------------------------------------------------- */

void hex_encode(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

char *hex_alloc(const uint8_t *p, size_t n)
{
    if (n > (SIZE_MAX - 1) / 2)
        return NULL;
    char *s = malloc(2 * n + 1);
    if (s)
        hex_encode(p, n, s);
    return s;
}

uint8_t *hex_decode_text(const uint8_t *text, size_t len, size_t *out_len)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
        i++;
    if (len - i >= 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X'))
        i += 2;
    uint8_t *out = malloc(len / 2 + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    int hi = -1;
    for (; i < len; i++) {
        int c = text[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        int v = hex_digit_value(c);
        if (v < 0) {
            free(out);
            return NULL;
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0 || n == 0) {
        free(out);
        return NULL;
    }
    *out_len = n;
    return out;
}

bool hex_decode_fixed(const char *hex, uint8_t *out, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit_value(hex[2 * i]), lo = hex_digit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
