/* A bounds-checked reader over untrusted module bytes: every read checks the
 * remaining length first and reports the spec's "malformed" wording with the
 * byte offset. Internal to the engine. */
#ifndef ENGINE_READER_H
#define ENGINE_READER_H

#include "engine/internal.h"

typedef struct reader {
    const uint8_t *base; /* start of the bytes read */
    size_t pos, end;
    wasm_error *err;
    size_t origin;       /* module offset of base[0], for messages */
} reader;

bool rd_fail(reader *r, const char *what);
bool rd_fail_at(reader *r, size_t pos, const char *what);

static inline bool rd_eof(const reader *r) { return r->pos >= r->end; }

static inline bool rd_u8(reader *r, uint8_t *out)
{
    if (r->pos >= r->end) {
        rd_fail(r, "unexpected end");
        return false;
    }
    *out = r->base[r->pos++];
    return true;
}

bool rd_u32_slow(reader *r, uint32_t *out);

static inline bool rd_u32(reader *r, uint32_t *out)
{
    if (LIKELY(r->pos < r->end) && !(r->base[r->pos] & 0x80)) {
        *out = r->base[r->pos++];
        return true;
    }
    return rd_u32_slow(r, out);
}

bool rd_s32(reader *r, int32_t *out);
bool rd_s33(reader *r, int64_t *out);
bool rd_s64(reader *r, int64_t *out);
bool rd_fixed32(reader *r, uint32_t *out);
bool rd_fixed64(reader *r, uint64_t *out);
bool rd_bytes(reader *r, size_t n, const uint8_t **out);
/* A vector length: also checks that at least min_elem_size * n bytes remain. */
bool rd_count(reader *r, uint32_t *out, size_t min_elem_size);
/* A UTF-8 name, copied into a NUL-terminated heap string (names may also
 * contain NUL: len gives the real length; may be NULL). */
bool rd_name(reader *r, char **out, uint32_t *len);
bool rd_valtype(reader *r, uint8_t *out);
bool rd_reftype(reader *r, uint8_t *out);
/* A byte the format fixes at 0 (a reserved memory index, an element kind);
 * what: the message for any other value. */
bool rd_zero_byte(reader *r, const char *what);

#endif
