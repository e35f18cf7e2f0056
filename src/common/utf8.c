#include "common/utf8.h"

size_t utf8_sequence_length(const uint8_t *s, size_t n)
{
    if (n == 0)
        return 0;
    uint8_t lead = s[0];
    if (lead < 0x80)
        return 1;
    /* Unicode table 3-7: the lead byte fixes the length and the range of the
     * second byte; that range is what excludes overlong forms (E0, F0),
     * surrogates (ED) and code points beyond U+10FFFF (F4). C0, C1 and F5..FF
     * never start a well-formed sequence. */
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
        if (lead == 0xE0)
            lo = 0xA0;
        else if (lead == 0xED)
            hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
        if (lead == 0xF0)
            lo = 0x90;
        else if (lead == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return len;
}

bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_sequence_length(s + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}
