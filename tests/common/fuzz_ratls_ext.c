/* libFuzzer target for the CBOR reader and the RA-TLS extension and claims
 * decoders (src/common/cbor.c, ratls_ext.c). Whatever the input: no read
 * outside it (ASan), skip and typed reads agree on how far an item goes,
 * and what decodes re-encodes to the same bytes when it was written the
 * shortest way (the writer's form). */
#include <stdlib.h>
#include <string.h>

#include "common/cbor.h"
#include "common/ratls_ext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *data, size_t size)
{
    cbor_reader r;
    cbor_reader_init(&r, data, size);
    while (cbor_left(&r) && cbor_skip(&r)) {
    }
    if (r.bad && !r.err[0])
        abort(); /* a failure always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk(data, size);
    char err[160];
    ratls_ext e;
    if (ratls_ext_decode(data, size, &e, err, sizeof err)) {
        if (e.evidence < data || e.evidence + e.evidence_len > data + size || e.claims + e.claims_len > data + size)
            abort();
        size_t n = ratls_ext_encode(e.tag, e.evidence, e.evidence_len, e.claims, e.claims_len, NULL, 0);
        uint8_t *buf = malloc(n);
        if (!buf || ratls_ext_encode(e.tag, e.evidence, e.evidence_len, e.claims, e.claims_len, buf, n) != n)
            abort();
        /* a canonical input re-encodes identically; any input decodes again to the same parts */
        ratls_ext again;
        if (!ratls_ext_decode(buf, n, &again, err, sizeof err) || again.tag != e.tag ||
            again.evidence_len != e.evidence_len || memcmp(again.evidence, e.evidence, e.evidence_len) != 0 ||
            again.claims_len != e.claims_len || memcmp(again.claims, e.claims, e.claims_len) != 0)
            abort();
        if (n == size && memcmp(buf, data, n) != 0)
            abort();
        free(buf);
    }
    ratls_claims c;
    if (ratls_claims_decode(data, size, &c, err, sizeof err)) {
        if (c.hash_len != ratls_hash_len(c.hash_alg) || c.hash < data || c.hash + c.hash_len > data + size)
            abort();
        uint8_t buf[RATLS_CLAIMS_MAX + 128];
        size_t n = ratls_claims_encode(c.hash_alg, c.hash, c.hash_len, c.nonce, c.nonce_len, buf, sizeof buf);
        ratls_claims again;
        if (n > sizeof buf || !ratls_claims_decode(buf, n, &again, err, sizeof err) ||
            again.hash_alg != c.hash_alg || memcmp(again.hash, c.hash, c.hash_len) != 0 ||
            again.nonce_len != c.nonce_len)
            abort();
    }
    return 0;
}
