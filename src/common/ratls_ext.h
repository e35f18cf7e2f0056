/* The interoperable RA-TLS certificate extension (CCC "Interoperable RA-TLS",
 * TCG DICE conceptual message wrapper, OID 2.23.133.5.4.9): the CBOR inside
 * its extnValue and the claims buffer it binds. ../shared/docs/ratls.md §1.
 *
 *   extnValue (OCTET STRING content) = tag( [ bstr evidence, bstr claims ] )
 *   claims = { "pubkey-hash": bstr .cbor [ hash-alg-id, bstr H(DER SPKI) ],
 *              ? "nonce": bstr, * other: any }                 (other keys ignored)
 *   report data of the evidence = SHA-256(claims) || 0^32
 *
 * Tags: 60000 = Intel SGX/TDX DCAP quote, bare (CCC); ours (abi/evidence.h):
 * ENARX_CBOR_TAG_SNP / ENARX_CBOR_TAG_UNATTESTED = a typed evidence document.
 * Hash algorithm ids (IANA Named Information): 1 SHA-256, 7 SHA-384,
 * 8 SHA-512; a verifier must accept all three.
 *
 * ONE encoder and ONE decoder for both sides: the Keep emits with the
 * encoders, the verifier (src/attest/ratls.c) reads with the decoders. Pure
 * byte work (no hashing, no X.509): hashes are computed by the caller with
 * its own crypto library. Decoders take untrusted bytes (common/cbor.h
 * reader; fuzzed: build/fuzz/common_ratls_ext). */
#ifndef COMMON_RATLS_EXT_H
#define COMMON_RATLS_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATLS_EXT_OID "2.23.133.5.4.9"
/* Gramine's legacy extension: the bare SGX quote, report data =
 * SHA-256(DER SPKI) || 0^32. Its OID is mis-encoded upstream (the content
 * bytes include an inner 06 09 tag and length); this text form makes
 * OpenSSL produce exactly those bytes. */
#define RATLS_GRAMINE_LEGACY_OID "0.6.9.42.840.113741.1337.6"

#define RATLS_TAG_INTEL_QUOTE 60000u

#define RATLS_HASH_SHA256 1u
#define RATLS_HASH_SHA384 7u
#define RATLS_HASH_SHA512 8u

/* Largest extension value a verifier reads (an SNP document with its
 * certificate table is ~6 KB; Intel quotes are at most 8 KB). Gramine's
 * verifier reads at most 8192 bytes: a Keep that wants to be checked by
 * Gramine keeps its extension below that. */
#define RATLS_EXT_MAX (80u << 10)
/* Largest claims buffer a verifier reads. */
#define RATLS_CLAIMS_MAX 4096u

/* Digest size of a hash-alg-id, 0 for one we do not know. */
size_t ratls_hash_len(unsigned alg);

/* ---- the extension value ------------------------------------------------ */

typedef struct ratls_ext {
    uint64_t tag;
    const uint8_t *evidence;   /* views into the decoded buffer */
    size_t evidence_len;
    const uint8_t *claims;
    size_t claims_len;
} ratls_ext;

/* Decodes tag([bstr, bstr]) occupying exactly n bytes (trailing bytes are
 * refused). Any tag number is returned as read: the caller decides which it
 * understands. false with a message (naming the byte offset) otherwise. */
bool ratls_ext_decode(const uint8_t *p, size_t n, ratls_ext *out, char *err, size_t errlen);

/* Encodes tag([bstr evidence, bstr claims]) into out (cap bytes; out may be
 * NULL to size). Returns the length the encoding takes; it was written only
 * when that is <= cap. */
size_t ratls_ext_encode(uint64_t tag, const uint8_t *evidence, size_t evidence_len, const uint8_t *claims,
                        size_t claims_len, uint8_t *out, size_t cap);

/* ---- the claims buffer --------------------------------------------------- */

typedef struct ratls_claims {
    unsigned hash_alg;          /* pubkey-hash's hash-alg-id */
    const uint8_t *hash;        /* its value (hash_len bytes; a view) */
    size_t hash_len;
    const uint8_t *nonce;       /* the optional "nonce" claim, NULL when absent */
    size_t nonce_len;
    unsigned other_claims;      /* keys other than those two (ignored, as CCC says) */
} ratls_claims;

/* Decodes a claims buffer: a definite map with text keys, exactly one
 * "pubkey-hash" whose bstr holds exactly [uint alg, bstr hash], at most one
 * "nonce" (a bstr), other values skipped (depth-limited). The hash length
 * must match the algorithm (1, 7 or 8; another id is refused, naming it).
 * Duplicate keys, non-text keys and trailing bytes are refused. */
bool ratls_claims_decode(const uint8_t *p, size_t n, ratls_claims *out, char *err, size_t errlen);

/* Encodes { "pubkey-hash": bstr .cbor [alg, bstr hash] } — with alg 1 and a
 * 32-byte hash exactly the 51 bytes Gramine emits — and, when nonce is not
 * NULL, a "nonce" claim after it. Returns the length; written when <= cap. */
size_t ratls_claims_encode(unsigned alg, const uint8_t *hash, size_t hash_len, const uint8_t *nonce,
                           size_t nonce_len, uint8_t *out, size_t cap);

#endif
