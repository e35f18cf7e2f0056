/* CBOR (RFC 8949): a bounds-checked reader for untrusted bytes and a small
 * exact writer — the subset the attestation formats need (RA-TLS certificate
 * extensions, their claims buffers, the deploy messages).
 *
 * ONE implementation for both sides: the Keep (which emits RA-TLS
 * certificates and claims) and the verifier (which reads them) link this
 * file; nobody writes a second CBOR encoder. Dependency-free C11.
 *
 * Reader. Definite lengths only (indefinite lengths, major type 7 floats and
 * reserved additional-information values 28..30 are refused), heads in any
 * valid length (the writer always emits the shortest). Nothing is allocated:
 * byte and text strings are views into the input. Every length is compared
 * with what remains before a pointer is formed; a count of array or map
 * entries larger than the remaining bytes is refused at once (each entry
 * takes at least one byte), so a hostile count cannot make a caller loop or
 * allocate. Nesting is limited by CBOR_MAX_DEPTH when skipping. A failed read
 * leaves the reader in a sticky error state with a message naming the byte
 * offset.
 *
 *   cbor_reader r;
 *   cbor_reader_init(&r, buf, len);
 *   cbor_item it;
 *   if (!cbor_read(&r, &it) || it.type != CBOR_TAG) ...
 *
 * Writer. Shortest ("preferred") heads, definite lengths, into a caller's
 * buffer; with a NULL buffer it only counts, so a caller can size first:
 *
 *   cbor_writer w;
 *   cbor_writer_init(&w, NULL, 0);  build(&w);  need = w.len;
 *   cbor_writer_init(&w, buf, need); build(&w); ok = !w.overflow;
 */
#ifndef COMMON_CBOR_H
#define COMMON_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Major types (RFC 8949 §3.1). */
typedef enum cbor_type {
    CBOR_UINT = 0,
    CBOR_NEGINT = 1,   /* the value is -1 - value */
    CBOR_BYTES = 2,
    CBOR_TEXT = 3,
    CBOR_ARRAY = 4,
    CBOR_MAP = 5,
    CBOR_TAG = 6,
    CBOR_SIMPLE = 7,   /* only false (20), true (21), null (22), undefined (23) */
} cbor_type;

/* Deepest nesting cbor_skip follows (arrays, maps and tags count). */
#define CBOR_MAX_DEPTH 16

typedef struct cbor_item {
    cbor_type type;
    /* UINT/NEGINT: the argument; BYTES/TEXT: the length; ARRAY: number of
     * items; MAP: number of pairs; TAG: the tag number; SIMPLE: 20..23. */
    uint64_t value;
    const uint8_t *bytes;  /* BYTES/TEXT: the content (value bytes), else NULL */
    size_t offset;         /* where the item's head starts in the input */
} cbor_item;

typedef struct cbor_reader {
    const uint8_t *data;
    size_t len;
    size_t off;
    bool bad;
    char err[96];          /* why the first failed read failed */
} cbor_reader;

void cbor_reader_init(cbor_reader *r, const uint8_t *data, size_t len);

/* Reads one head (and, for byte/text strings, their content) into *out.
 * Array, map and tag contents follow as the next items. false (and the
 * reader marked bad) on truncated, indefinite-length or unsupported input. */
bool cbor_read(cbor_reader *r, cbor_item *out);

/* Reads one complete item, with everything nested in it, without looking
 * inside (at most CBOR_MAX_DEPTH levels). */
bool cbor_skip(cbor_reader *r);

/* Convenience readers: one item that must be of the given type. The wrong
 * type is an error like any other (message names what was expected). */
bool cbor_read_uint(cbor_reader *r, uint64_t *out);
bool cbor_read_bytes(cbor_reader *r, const uint8_t **p, size_t *n);
bool cbor_read_text(cbor_reader *r, const uint8_t **p, size_t *n);
bool cbor_read_array(cbor_reader *r, uint64_t *count);
bool cbor_read_map(cbor_reader *r, uint64_t *pairs);
bool cbor_read_tag(cbor_reader *r, uint64_t *tag);

/* Bytes not yet read. */
static inline size_t cbor_left(const cbor_reader *r)
{
    return r->len - r->off;
}

/* ---- writer -------------------------------------------------------------- */

typedef struct cbor_writer {
    uint8_t *buf;      /* NULL: count only */
    size_t cap;
    size_t len;        /* bytes written (or that would have been) */
    bool overflow;     /* a write did not fit in cap (never set when counting) */
} cbor_writer;

void cbor_writer_init(cbor_writer *w, uint8_t *buf, size_t cap);
void cbor_put_uint(cbor_writer *w, uint64_t v);
void cbor_put_bytes(cbor_writer *w, const uint8_t *p, size_t n);
void cbor_put_text(cbor_writer *w, const char *p, size_t n);
void cbor_put_array(cbor_writer *w, uint64_t count);
void cbor_put_map(cbor_writer *w, uint64_t pairs);
void cbor_put_tag(cbor_writer *w, uint64_t tag);
/* The head of a byte string of n bytes whose content the caller writes
 * next (cbor_put_raw), e.g. a bstr that wraps other CBOR. */
void cbor_put_bytes_head(cbor_writer *w, uint64_t n);
void cbor_put_raw(cbor_writer *w, const uint8_t *p, size_t n);
/* The bytes a head for (type, v) takes: 1, 2, 3, 5 or 9. */
size_t cbor_head_size(uint64_t v);

#endif
