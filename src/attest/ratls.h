/* RA-TLS: certificates that carry attestation evidence for their own key,
 * and the fresh evidence of the post-handshake exchange of `enarx deploy`.
 * Client side (the verifier); the Keep emits with common/ratls_ext.h.
 *
 * Formats (docs/attestation.md, ../shared/docs/ratls.md §1):
 *  - CCC "Interoperable RA-TLS": non-critical extension 2.23.133.5.4.9 whose
 *    value is CBOR tag([bstr evidence, bstr claims]), claims
 *    {"pubkey-hash": [alg, H(DER SPKI)]}, report data = SHA-256(claims) ||
 *    0^32. Tag 60000: a bare Intel SGX/TDX DCAP quote (Gramine >= 1.8, Intel
 *    SGX SDK >= 2.22, rats-tls). Our tags (abi/evidence.h):
 *    ENARX_CBOR_TAG_SNP, ENARX_CBOR_TAG_UNATTESTED: a typed evidence document.
 *  - Gramine's legacy extension (older Gramine): the bare quote, report
 *    data = SHA-256(DER SPKI) || 0^32. Used only when the CCC extension is
 *    absent (never as a fallback after a CCC failure).
 *
 * Checks, each with its own check id in the result (first refusal ends it):
 *   ratls.parse       the certificate (PEM or DER, one), at most one of each
 *                     evidence extension, its value within RATLS_EXT_MAX
 *   ratls.critical    the evidence extension is not critical (as Gramine)
 *   ratls.signature   the certificate's self-signature verifies with its key
 *   ratls.validity    notBefore <= verification time <= notAfter
 *   ratls.extension   the CBOR tag([bstr, bstr]) and a tag we understand
 *   ratls.claims      the claims buffer (pubkey-hash, hash alg 1, 7 or 8)
 *   ratls.key_binding pubkey-hash = H(DER SubjectPublicKeyInfo)
 *   ratls.report_data the evidence's report data = SHA-256(claims) || 0^32
 *                     (tag 60000: the first 32 bytes, as every CCC verifier;
 *                     a non-zero tail is noted; our kinds: all 64 bytes)
 *   then the evidence itself, with the checks of attest_verify (SNP chain,
 *   TCB, signature; Intel PCK chain, QE, quote signature, TCB Info when
 *   given) or, for UNATTESTED, the refusal unless explicitly allowed.
 *
 * Collateral the evidence does not carry comes in attest_inputs (its
 * `evidence` member is ignored here): --vcek (an SNP document usually
 * carries its VCEK in the certificate table), --tcb-info/--qe-identity
 * (Intel: without them the TCB status is "unknown", which a policy refuses
 * by default), CRLs, the time. */
#ifndef ATTEST_RATLS_H
#define ATTEST_RATLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/attest.h"

typedef enum ratls_format {
    RATLS_FORMAT_NONE = 0,
    RATLS_FORMAT_CCC,              /* 2.23.133.5.4.9 */
    RATLS_FORMAT_GRAMINE_LEGACY,   /* 0.6.9.42.840.113741.1337.6 */
} ratls_format;

/* What a certificate carries. Owned by the struct: ratls_cert_free. */
typedef struct ratls_cert {
    ratls_format format;
    attest_kind kind;              /* of the evidence: SGX, TDX, SNP or UNATTESTED */
    uint64_t tag;                  /* the CBOR tag (CCC format) */
    uint8_t *der;                  /* the certificate, DER */
    size_t der_len;
    uint8_t *spki;                 /* its DER SubjectPublicKeyInfo */
    size_t spki_len;
    uint8_t spki_sha256[32];       /* SHA-256(spki): the key hash of the deploy binder */
    uint8_t *ext;                  /* the evidence extension's value */
    size_t ext_len;
    const uint8_t *evidence;       /* inside ext: quote or typed document */
    size_t evidence_len;
    const uint8_t *claims;         /* inside ext (NULL for the legacy format) */
    size_t claims_len;
    unsigned pubkey_hash_alg;      /* from the claims (1, 7, 8) */
    size_t pubkey_hash_len;
    uint8_t pubkey_hash[64];
    uint8_t report_data[64];       /* what the evidence's report data must be */
    size_t report_data_bound;      /* how many of those bytes are compared: 32 or 64 */
    char key_type[32];             /* "EC P-384", "EC P-256", "RSA 2048", ... */
} ratls_cert;

/* Parses an RA-TLS certificate (PEM or DER) and its evidence extension,
 * decodes the claims, and computes the report data the evidence must carry.
 * Checks ratls.parse .. ratls.claims above (not the key binding, not the
 * evidence). ATTEST_BAD_INPUT when the bytes are not a certificate or it has
 * no evidence extension; ATTEST_REFUSED when the extension is malformed.
 * On success *out is filled (free with ratls_cert_free). */
attest_status ratls_cert_parse(const uint8_t *data, size_t len, time_t when, ratls_cert *out,
                               attest_result *res);
void ratls_cert_free(ratls_cert *cert);

/* Everything: parse, key binding, report-data binding, the evidence with
 * its collateral (in->time is the verification time, in->evidence is
 * ignored). A valid result has the evidence's claims plus "ratls" (format,
 * tag, key type, pubkey-hash), and res->report_data / measurement set. out
 * may be NULL; otherwise it receives the parsed certificate (also on
 * refusal, when it parsed; free it with ratls_cert_free). */
attest_status ratls_verify_cert(const attest_trust *trust, const uint8_t *cert, size_t cert_len,
                                const attest_inputs *in, attest_result *res, ratls_cert *out);
/* The same through a caching verifier (servers). */
attest_status ratls_verifier_verify_cert(attest_verifier *v, const uint8_t *cert, size_t cert_len,
                                         const attest_inputs *in, attest_result *res, ratls_cert *out);

/* ---- typed evidence ------------------------------------------------------ */

/* Verifies evidence as getatt returns it (abi/evidence.h: header, body,
 * extra) and requires its report data to equal `report_data` (the first
 * `bound` bytes: 64, or 32 for CCC quotes). Kind UNATTESTED: the document's
 * form (magic, lengths, marker, hash alg and length) and report data; then
 * refused unless in->allow_unattested. Kind SNP: the report with the VCEK
 * from in->vcek or else from the certificate table (AMD's GUID table of the
 * extended guest request; a test ARK pinned by attest_trust_pin_test_root
 * may come from there too). Kind SGX: the quote. in->evidence is ignored. */
attest_status attest_verify_typed_evidence(const attest_trust *trust, const uint8_t *evidence, size_t len,
                                           const uint8_t report_data[64], size_t bound,
                                           const attest_inputs *in, attest_result *res);

/* ---- the fresh evidence of `enarx deploy` (abi/deploy.h) ------------------- */

/* The binder: SHA-512("enarx-deploy-v1 keep" || exporter || nonce ||
 * key_sha256), exactly as abi/deploy.h defines it. */
bool ratls_deploy_binder(const uint8_t exporter[32], const uint8_t nonce[32], const uint8_t key_sha256[32],
                         uint8_t out[64]);

/* Verifies the fresh evidence the Keep sent after the handshake: the typed
 * evidence must bind all 64 bytes of ratls_deploy_binder(exporter of THIS
 * connection, the nonce the client sent, SHA-256 of the SPKI of the
 * certificate the Keep presented). A mismatch is refused as check
 * "fresh.report_data" with both values (evidence from another connection,
 * another nonce or another key). */
attest_status ratls_verify_fresh(const attest_trust *trust, const uint8_t *evidence, size_t len,
                                 const uint8_t exporter[32], const uint8_t nonce[32],
                                 const uint8_t key_sha256[32], const attest_inputs *in, attest_result *res);

#endif
