/* Writing WebAssembly binaries in tests that generate modules (gen_diff,
 * backtrace_test): a growing byte buffer with LEB128 and section helpers.
 * Header-only; allocation failure aborts (test programs). */
#ifndef TESTS_ENGINE_WASM_BUF_H
#define TESTS_ENGINE_WASM_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static inline void put(buf *b, uint8_t x)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    b->p[b->n++] = x;
}

static inline void put_u32(buf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

static inline void put_s64(buf *b, int64_t value)
{
    uint64_t v = (uint64_t)value;
    bool negative = value < 0;
    for (;;) {
        uint8_t byte = v & 0x7f;
        v = (v >> 7) | (negative ? ~(~(uint64_t)0 >> 7) : 0); /* arithmetic shift */
        bool done = (v == 0 && !(byte & 0x40)) || (v == ~(uint64_t)0 && (byte & 0x40));
        put(b, (uint8_t)(byte | (done ? 0 : 0x80)));
        if (done)
            return;
    }
}

static inline void put_bytes(buf *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(b, ((const uint8_t *)p)[i]);
}

/* Appends section id with content's bytes, and empties content for the next one. */
static inline void put_section(buf *out, uint8_t id, buf *content)
{
    put(out, id);
    put_u32(out, (uint32_t)content->n);
    put_bytes(out, content->p, content->n);
    content->n = 0;
}

#endif
