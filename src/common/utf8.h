/* UTF-8 well-formedness, the one definition the project uses: WebAssembly
 * names (engine), WASI paths, and the TOML reader all accept exactly the
 * well-formed sequences of Unicode's table 3-7 and refuse overlong forms,
 * surrogates (U+D800..U+DFFF), code points beyond U+10FFFF, stray
 * continuation bytes and sequences cut short.
 *
 * Dependency-free C11: linked into host-side and Keep-side programs alike
 * (not into the freestanding shim). */
#ifndef COMMON_UTF8_H
#define COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1 to 4) of the well-formed sequence that starts s[0..n), or 0 when
 * n is 0 or the bytes there are not well-formed UTF-8. */
size_t utf8_sequence_length(const uint8_t *s, size_t n);

/* True when all n bytes of s are well-formed UTF-8 (n == 0 is). */
bool utf8_valid(const uint8_t *s, size_t n);

#endif
