/* Hexadecimal digits, as the attestation reader (hex evidence, policy
 * digests) and the TOML reader (\u escapes, 0x integers) read them.
 * Header-only, dependency-free. */
#ifndef COMMON_HEX_H
#define COMMON_HEX_H

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

#endif
