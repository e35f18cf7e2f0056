/* The RA-TLS extension value and claims buffer: one encoder, one decoder
 * (ratls_ext.h). */
#include "common/ratls_ext.h"

#include <stdio.h>
#include <string.h>

#include "common/cbor.h"

#define PUBKEY_HASH_KEY "pubkey-hash"
#define NONCE_KEY "nonce"

size_t ratls_hash_len(unsigned alg)
{
    switch (alg) {
    case RATLS_HASH_SHA256:
        return 32;
    case RATLS_HASH_SHA384:
        return 48;
    case RATLS_HASH_SHA512:
        return 64;
    default:
        return 0;
    }
}

static bool decode_fail(char *err, size_t errlen, const char *what, const cbor_reader *r)
{
    snprintf(err, errlen, "%s: %s", what, r->err[0] ? r->err : "malformed");
    return false;
}

bool ratls_ext_decode(const uint8_t *p, size_t n, ratls_ext *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n > RATLS_EXT_MAX) {
        snprintf(err, errlen, "the extension value is %zu bytes (at most %u)", n, RATLS_EXT_MAX);
        return false;
    }
    cbor_reader r;
    cbor_reader_init(&r, p, n);
    uint64_t count = 0;
    if (!cbor_read_tag(&r, &out->tag) || !cbor_read_array(&r, &count))
        return decode_fail(err, errlen, "expected tag([evidence, claims])", &r);
    if (count != 2) {
        snprintf(err, errlen, "the tagged array has %llu items (expected 2: evidence, claims)",
                 (unsigned long long)count);
        return false;
    }
    if (!cbor_read_bytes(&r, &out->evidence, &out->evidence_len))
        return decode_fail(err, errlen, "the evidence", &r);
    if (!cbor_read_bytes(&r, &out->claims, &out->claims_len))
        return decode_fail(err, errlen, "the claims buffer", &r);
    if (cbor_left(&r) != 0) {
        snprintf(err, errlen, "%zu bytes after the tagged array", cbor_left(&r));
        return false;
    }
    if (out->evidence_len == 0 || out->claims_len == 0) {
        snprintf(err, errlen, "the %s is empty", out->evidence_len == 0 ? "evidence" : "claims buffer");
        return false;
    }
    return true;
}

size_t ratls_ext_encode(uint64_t tag, const uint8_t *evidence, size_t evidence_len, const uint8_t *claims,
                        size_t claims_len, uint8_t *out, size_t cap)
{
    cbor_writer w;
    cbor_writer_init(&w, out, cap);
    cbor_put_tag(&w, tag);
    cbor_put_array(&w, 2);
    cbor_put_bytes(&w, evidence, evidence_len);
    cbor_put_bytes(&w, claims, claims_len);
    return w.len;
}

/* The value of "pubkey-hash": a bstr holding exactly [uint alg, bstr hash]. */
static bool decode_pubkey_hash(cbor_reader *outer, ratls_claims *out, char *err, size_t errlen)
{
    const uint8_t *p;
    size_t n;
    if (!cbor_read_bytes(outer, &p, &n))
        return decode_fail(err, errlen, "pubkey-hash must be a byte string holding [alg, hash]", outer);
    cbor_reader r;
    cbor_reader_init(&r, p, n);
    uint64_t count = 0, alg = 0;
    if (!cbor_read_array(&r, &count))
        return decode_fail(err, errlen, "pubkey-hash", &r);
    if (count != 2) {
        snprintf(err, errlen, "pubkey-hash holds an array of %llu items (expected [alg, hash])",
                 (unsigned long long)count);
        return false;
    }
    if (!cbor_read_uint(&r, &alg) || !cbor_read_bytes(&r, &out->hash, &out->hash_len))
        return decode_fail(err, errlen, "pubkey-hash", &r);
    if (cbor_left(&r) != 0) {
        snprintf(err, errlen, "pubkey-hash: %zu bytes after [alg, hash]", cbor_left(&r));
        return false;
    }
    size_t want = alg <= 0xffu ? ratls_hash_len((unsigned)alg) : 0;
    if (want == 0) {
        snprintf(err, errlen,
                 "pubkey-hash uses hash algorithm %llu; understood: 1 (SHA-256), 7 (SHA-384), 8 (SHA-512)",
                 (unsigned long long)alg);
        return false;
    }
    if (out->hash_len != want) {
        snprintf(err, errlen, "pubkey-hash: a %zu-byte hash for algorithm %llu, which makes %zu bytes",
                 out->hash_len, (unsigned long long)alg, want);
        return false;
    }
    out->hash_alg = (unsigned)alg;
    return true;
}

static bool key_is(const uint8_t *k, size_t kn, const char *name)
{
    return kn == strlen(name) && memcmp(k, name, kn) == 0;
}

bool ratls_claims_decode(const uint8_t *p, size_t n, ratls_claims *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n > RATLS_CLAIMS_MAX) {
        snprintf(err, errlen, "the claims buffer is %zu bytes (at most %u)", n, RATLS_CLAIMS_MAX);
        return false;
    }
    cbor_reader r;
    cbor_reader_init(&r, p, n);
    uint64_t pairs = 0;
    if (!cbor_read_map(&r, &pairs))
        return decode_fail(err, errlen, "the claims buffer must be a map", &r);
    /* Keys seen, for duplicates; the map is small (bounded by n / 2). */
    const uint8_t *seen[64];
    size_t seen_len[64], nseen = 0;
    bool have_hash = false;
    for (uint64_t i = 0; i < pairs; i++) {
        const uint8_t *k;
        size_t kn;
        if (!cbor_read_text(&r, &k, &kn))
            return decode_fail(err, errlen, "claims keys must be text", &r);
        for (size_t j = 0; j < nseen; j++)
            if (seen_len[j] == kn && memcmp(seen[j], k, kn) == 0) {
                snprintf(err, errlen, "claim \"%.*s\" appears twice", (int)(kn < 40 ? kn : 40), (const char *)k);
                return false;
            }
        if (nseen == sizeof seen / sizeof seen[0]) {
            snprintf(err, errlen, "more than %zu claims", sizeof seen / sizeof seen[0]);
            return false;
        }
        seen[nseen] = k;
        seen_len[nseen++] = kn;
        if (key_is(k, kn, PUBKEY_HASH_KEY)) {
            if (!decode_pubkey_hash(&r, out, err, errlen))
                return false;
            have_hash = true;
        } else if (key_is(k, kn, NONCE_KEY)) {
            if (!cbor_read_bytes(&r, &out->nonce, &out->nonce_len))
                return decode_fail(err, errlen, "the nonce claim must be a byte string", &r);
        } else {
            if (!cbor_skip(&r))
                return decode_fail(err, errlen, "a claim's value", &r);
            out->other_claims++;
        }
    }
    if (cbor_left(&r) != 0) {
        snprintf(err, errlen, "%zu bytes after the claims map", cbor_left(&r));
        return false;
    }
    if (!have_hash) {
        snprintf(err, errlen, "the claims have no \"pubkey-hash\" (it is required)");
        return false;
    }
    return true;
}

size_t ratls_claims_encode(unsigned alg, const uint8_t *hash, size_t hash_len, const uint8_t *nonce,
                           size_t nonce_len, uint8_t *out, size_t cap)
{
    /* The inner [alg, bstr hash], sized first: the bstr around it needs its
     * length before its content. */
    cbor_writer inner;
    cbor_writer_init(&inner, NULL, 0);
    cbor_put_array(&inner, 2);
    cbor_put_uint(&inner, alg);
    cbor_put_bytes(&inner, hash, hash_len);

    cbor_writer w;
    cbor_writer_init(&w, out, cap);
    cbor_put_map(&w, nonce ? 2 : 1);
    cbor_put_text(&w, PUBKEY_HASH_KEY, strlen(PUBKEY_HASH_KEY));
    cbor_put_bytes_head(&w, inner.len);
    cbor_put_array(&w, 2);
    cbor_put_uint(&w, alg);
    cbor_put_bytes(&w, hash, hash_len);
    if (nonce) {
        cbor_put_text(&w, NONCE_KEY, strlen(NONCE_KEY));
        cbor_put_bytes(&w, nonce, nonce_len);
    }
    return w.len;
}
