/* A reference for the UTF-8 validator's tests (unit test and fuzz target),
 * written from the definition rather than from table 3-7 as src/common/utf8.c
 * is, so that the two can be compared. */
#ifndef TESTS_COMMON_UTF8_REFERENCE_H
#define TESTS_COMMON_UTF8_REFERENCE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The definition, written independently of the validator: decode by the lead
 * byte's bit pattern, then accept only a code point that is not a surrogate,
 * at most U+10FFFF, and whose shortest encoding is exactly these bytes. */
static inline size_t reference_encode(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the well-formed sequence at the start of s[0..n), or 0. */
static inline size_t reference_sequence_length(const uint8_t *s, size_t n)
{
    uint32_t cp;
    size_t len;
    if (n == 0)
        return 0;
    if (s[0] < 0x80)
        len = 1, cp = s[0];
    else if ((s[0] & 0xE0) == 0xC0)
        len = 2, cp = s[0] & 0x1Fu;
    else if ((s[0] & 0xF0) == 0xE0)
        len = 3, cp = s[0] & 0x0Fu;
    else if ((s[0] & 0xF8) == 0xF0)
        len = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3Fu);
    }
    uint8_t again[4];
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || reference_encode(cp, again) != len ||
        memcmp(again, s, len) != 0)
        return 0;
    return len;
}

static inline int reference_valid(const uint8_t *s, size_t n)
{
    for (size_t i = 0, len; i < n; i += len)
        if ((len = reference_sequence_length(s + i, n - i)) == 0)
            return 0;
    return 1;
}

#endif
