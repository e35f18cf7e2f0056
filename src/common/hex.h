/* Hexadecimal digits, as the attestation reader (hex evidence, policy
 * digests) and the TOML reader (\u escapes, 0x integers) read them.
 * Header-only, dependency-free. */
#ifndef COMMON_HEX_H
#define COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

/* 0..15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for anything else (also EOF). */
static inline int hex_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a whole string of hex digit pairs (no prefix, no spaces) into out:
 * 0 and *len on success; -1 when the text is empty, odd, not hex, or longer
 * than cap bytes. For values a user types: digests, measurements. */
static inline int hex_decode_string(const char *text, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = 0;
    for (; text[0]; text += 2) {
        int hi = hex_digit_value((unsigned char)text[0]), lo = text[1] ? hex_digit_value((unsigned char)text[1]) : -1;
        if (hi < 0 || lo < 0 || n == cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
    }
    *len = n;
    return n ? 0 : -1;
}

#endif
