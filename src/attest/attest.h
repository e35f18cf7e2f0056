/* Attestation evidence verification: AMD SEV-SNP reports, Intel SGX DCAP
 * quotes (v3) and Intel TDX quotes (v4, v5), raw or wrapped in an Enarx
 * Steward CSR.
 *
 * The verifier answers two questions:
 *   1. Is the evidence genuine? Vendor chain to a pinned root, every signature,
 *      every validity period at the verification time, key and TCB bindings,
 *      and (when collateral is given) the Intel TCB level.
 *   2. Is it acceptable? A policy (attest_policy_*) over the claims.
 *
 * Everything in the evidence and collateral is untrusted input. Trust comes
 * only from an attest_trust: the vendor roots compiled in, or roots the
 * operator names explicitly. An attest_trust is read-only once built and can be
 * shared by many verifications (parse once, verify thousands). */
#ifndef ATTEST_ATTEST_H
#define ATTEST_ATTEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef enum attest_kind {
    ATTEST_KIND_UNKNOWN = 0,
    ATTEST_KIND_SNP,   /* AMD SEV-SNP attestation report */
    ATTEST_KIND_SGX,   /* Intel SGX DCAP quote */
    ATTEST_KIND_TDX,   /* Intel TDX quote */
    ATTEST_KIND_UNATTESTED, /* an Enarx UNATTESTED document: no hardware root (abi/evidence.h) */
} attest_kind;

typedef enum attest_status {
    ATTEST_VALID = 0,      /* genuine (and acceptable, when a policy was applied) */
    ATTEST_REFUSED = 1,    /* a check failed: see check / reason / hint */
    ATTEST_BAD_INPUT = 2,  /* an input could not be read or recognised */
} attest_status;

/* ---- trust anchors ------------------------------------------------------ */

typedef struct attest_trust attest_trust;

/* The built-in vendor certificates (Intel SGX Root CA; AMD ARK, ASK and ASVK
 * for Milan, Genoa, Turin), parsed once. NULL and a message on failure. */
attest_trust *attest_trust_new(char *err, size_t errlen);
void attest_trust_free(attest_trust *trust);

/* Replace the pinned Intel SGX Root CA (PEM or DER, one certificate). */
int attest_trust_set_intel_root(attest_trust *trust, const uint8_t *data, size_t len,
                                char *err, size_t errlen);

/* Replace the AMD certificates with an operator-given chain (PEM or DER, any
 * order: ARK and ASK and/or ASVK). The self-signed ARKs in it become the
 * trusted roots; the built-in AMD certificates are no longer used. */
int attest_trust_set_amd_chain(attest_trust *trust, const uint8_t *data, size_t len,
                               char *err, size_t errlen);

/* Adds test anchors for SEV-SNP chains (PEM or DER: a self-signed ARK, and
 * optionally its ASK): evidence that chains to them verifies, marked in the
 * result (test_root, claim "chain.test_root", a note) as NOT AMD hardware.
 * This is how the test attester's reports (tests/attester/) are accepted;
 * without it they are refused, naming their root. Only certificates given
 * here or pinned below are ever test anchors. */
int attest_trust_add_test_roots(attest_trust *trust, const uint8_t *data, size_t len, char *err,
                                size_t errlen);
/* Pins a test ARK by the SHA-256 of its DER: a self-signed ARK with this
 * fingerprint carried in the evidence itself (the certificate table of an
 * SNP evidence document) becomes a test anchor, as above. From a policy's
 * `test_roots` (attest_policy_pin_test_roots). */
int attest_trust_pin_test_root(attest_trust *trust, const uint8_t sha256[32]);

/* ---- inputs -------------------------------------------------------------- */

typedef struct attest_blob {
    const uint8_t *data;
    size_t len;
    const char *name;   /* file name, for messages (may be NULL) */
} attest_blob;

#define ATTEST_MAX_CRLS 16

typedef struct attest_inputs {
    attest_blob evidence;        /* raw report/quote, hex text, or CSR (PEM/DER) */
    attest_blob vcek;            /* SNP: VCEK or VLEK certificate (PEM/DER) */
    attest_blob pck_chain;       /* Intel: PCK chain when the quote does not carry one */
    attest_blob tcb_info;        /* Intel: PCS TCB Info response JSON */
    attest_blob tcb_info_chain;  /* its issuer chain (TCB Signing + Root, PEM) */
    attest_blob qe_identity;     /* Intel: PCS QE Identity response JSON */
    attest_blob qe_identity_chain;
    attest_blob crls[ATTEST_MAX_CRLS]; /* DER or PEM CRLs */
    size_t ncrls;
    time_t time;                 /* verification time */
    /* UNATTESTED documents (nil, plain kvm) prove nothing: without this they
     * are refused (check "unattested"); with it they verify with
     * hardware_rooted false and a note saying what is not protected. */
    bool allow_unattested;
} attest_inputs;

/* ---- result -------------------------------------------------------------- */

typedef struct attest_result {
    attest_status status;
    attest_kind kind;
    char format[96];      /* what the evidence was recognised as */
    char check[48];       /* the check that failed, e.g. "snp.vcek_tcb" */
    char reason[640];     /* what failed, with the values involved */
    char hint[320];       /* what would fix it */
    json_t *claims;       /* object, in a stable order */
    json_t *checks;       /* array of strings: the checks that passed */
    json_t *notes;        /* array of strings: warnings and context */
    /* Typed copies of the claims a program acts on (also in claims). */
    bool hardware_rooted; /* signed by a chain to a vendor root given as trusted
                           * (false: unattested; true also for a test root) */
    bool test_root;       /* ... and that root is a TEST root (not AMD/Intel) */
    bool has_report_data;
    uint8_t report_data[64];
    size_t measurement_len; /* 0: none. SNP: 48 (launch digest), SGX: 32 (MRENCLAVE),
                             * TDX: 48 (MRTD), unattested: what the host claims */
    uint8_t measurement[64];
} attest_result;

void attest_result_init(attest_result *res);
void attest_result_clear(attest_result *res);

/* Verifies evidence; fills res (which must be initialised). Returns
 * res->status. Never aborts on bad input. */
attest_status attest_verify(const attest_trust *trust, const attest_inputs *in,
                            attest_result *res);

const char *attest_kind_name(attest_kind kind);

/* ---- verifier: trust anchors plus caches, for servers ------------------ */

/* attest_verify does everything again for every piece of evidence. A server
 * verifying evidence from the same platforms again and again uses an
 * attest_verifier: the same checks, with the work that depends only on bytes
 * it has seen before remembered — parsed certificates, CRLs and collateral,
 * and each verified signature (a certificate by its issuer, a CRL, a
 * collateral document, a QE report), keyed by SHA-256 of the exact bytes
 * involved. Validity periods, collateral dates, CRL revocation, root pinning,
 * bindings and the evidence's own signature are checked on every call, so a
 * verifier gives exactly the verdicts of attest_verify. Only evidence that
 * verifies adds to the caches; both tables are bounded (least recently used
 * entries go first). Thread-safe: one verifier can serve many threads. */
typedef struct attest_verifier attest_verifier;

#define ATTEST_CACHE_OBJECTS_DEFAULT 256     /* parsed chains, CRLs, collateral */
#define ATTEST_CACHE_SIGNATURES_DEFAULT 4096 /* verified signatures */

/* Takes ownership of trust (freed with the verifier, or here on failure);
 * the trust must not be changed afterwards. A capacity of 0 disables that
 * table. NULL and a message on failure. */
attest_verifier *attest_verifier_new(attest_trust *trust, size_t max_objects, size_t max_signatures,
                                     char *err, size_t errlen);
void attest_verifier_free(attest_verifier *v);
/* As attest_verify, with the caches. */
attest_status attest_verifier_verify(attest_verifier *v, const attest_inputs *in, attest_result *res);
/* Empties the caches (e.g. to bound memory, or to measure a cold start). */
void attest_verifier_flush(attest_verifier *v);

typedef struct attest_cache_stats {
    size_t objects, objects_capacity;
    size_t signatures, signatures_capacity;
    uint64_t hits, misses, evictions;
} attest_cache_stats;
void attest_verifier_stats(attest_verifier *v, attest_cache_stats *out);

/* ---- policy -------------------------------------------------------------- */

typedef struct attest_policy attest_policy;

/* Parses a TOML policy; NULL and a message naming line and column on error. */
attest_policy *attest_policy_parse(const char *text, size_t len, char *err, size_t errlen);
void attest_policy_free(attest_policy *policy);

/* Applies the policy to a result whose status is ATTEST_VALID; on the first
 * violation, sets status ATTEST_REFUSED with check/reason/hint. */
attest_status attest_policy_apply(const attest_policy *policy, attest_result *res);

/* A valid result's measurement must equal `expected` (`enarx deploy
 * --expect-measurement HEX`): otherwise status REFUSED, check
 * "measurement", and a reason naming both values in hex. A result that is
 * not ATTEST_VALID is returned unchanged. */
attest_status attest_expect_measurement(attest_result *res, const uint8_t *expected, size_t len);

/* Whether the policy accepts UNATTESTED evidence (allow_unattested = true):
 * callers copy it to attest_inputs.allow_unattested. */
bool attest_policy_allows_unattested(const attest_policy *policy);
/* Pins the policy's `test_roots` in trust (attest_trust_pin_test_root). */
int attest_policy_pin_test_roots(const attest_policy *policy, attest_trust *trust);

/* ---- helpers shared with the CLI ---------------------------------------- */

/* Parses an RFC 3339 date-time ("2025-07-01T00:00:00Z", offsets allowed). */
int attest_parse_time(const char *text, time_t *out);

#endif
