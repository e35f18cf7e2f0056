/* Internal interfaces of the attest module (not for other modules). */
#ifndef ATTEST_INTERNAL_H
#define ATTEST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/attest.h"
#include "attest/ratls.h"

#if defined(__GNUC__)
#define ATTEST_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ATTEST_PRINTF(a, b)
#endif

/* ---- bounds-checked byte reader (reader.c) ------------------------------ */

/* A view of untrusted bytes. Every read checks the remaining length first; a
 * failed read sets `bad` and returns zero/NULL, so a parser can read a run of
 * fields and test `bad` once. */
typedef struct breader {
    const uint8_t *data;
    size_t len;
    size_t off;
    bool bad;
} breader;

/* Inline, so that both the compiler and static analysers see the contract:
 * a NULL from br_take always comes with `bad` set. */
static inline void br_init(breader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->off = 0;
    r->bad = false;
}

static inline size_t br_left(const breader *r)
{
    return r->len - r->off;
}

/* The next n bytes, or NULL (and `bad` set) if fewer than n are left. */
static inline const uint8_t *br_take(breader *r, size_t n)
{
    if (r->bad || !r->data || n > br_left(r)) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->data + r->off;
    r->off += n;
    return p;
}

static inline bool br_skip(breader *r, size_t n)
{
    return br_take(r, n) != NULL;
}

/* Little-endian loads from a buffer already bounds-checked by the caller. */
static inline uint16_t ld16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t ld32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t ld64le(const uint8_t *p)
{
    return (uint64_t)ld32le(p) | ((uint64_t)ld32le(p + 4) << 32);
}

static inline uint8_t br_u8(breader *r)
{
    const uint8_t *p = br_take(r, 1);
    return p ? p[0] : 0;
}

static inline uint16_t br_u16le(breader *r)
{
    const uint8_t *p = br_take(r, 2);
    return p ? ld16le(p) : 0;
}

static inline uint32_t br_u32le(breader *r)
{
    const uint8_t *p = br_take(r, 4);
    return p ? ld32le(p) : 0;
}

static inline uint64_t br_u64le(breader *r)
{
    const uint8_t *p = br_take(r, 8);
    return p ? ld64le(p) : 0;
}

bool all_zero(const uint8_t *p, size_t n);

/* ---- minimal DER reader (der.c) ---------------------------------------- */

typedef struct der_item {
    unsigned tag;            /* identifier octet (low-tag-number form only) */
    const uint8_t *content;
    size_t len;
    const uint8_t *whole;    /* tag + length + content */
    size_t whole_len;
} der_item;

/* Reads one TLV from r; false on malformed or truncated input (definite
 * lengths only, at most 4 length octets, minimal length encoding not
 * required). */
bool der_next(breader *r, der_item *out);
/* Reads a non-negative INTEGER of at most 8 value bytes (a leading 0x00 is
 * allowed). */
bool der_uint(const der_item *it, uint64_t *out);
/* Compares an OBJECT IDENTIFIER item with dotted text. */
bool der_oid_is(const der_item *it, const char *dotted);
/* For an OID that is `parent` (its DER content bytes) plus one arc below 128:
 * that arc; otherwise 0. A byte comparison, for hot paths. */
unsigned der_oid_arc_below(const der_item *it, const uint8_t *parent, size_t parent_len);

/* ---- hex ---------------------------------------------------------------- */

void hex_encode(const uint8_t *p, size_t n, char *out);    /* out: 2n+1 */
char *hex_alloc(const uint8_t *p, size_t n);                /* malloc'd */
/* Decodes hex text (whitespace ignored, optional 0x prefix); returns a
 * malloc'd buffer or NULL if the text is not entirely hex. */
uint8_t *hex_decode_text(const uint8_t *text, size_t len, size_t *out_len);
/* Decodes exactly n bytes from a fixed-length hex string; false otherwise. */
bool hex_decode_fixed(const char *hex, uint8_t *out, size_t n);

/* ---- result helpers (result.c) ----------------------------------------- */

/* Records a failure (status REFUSED unless already set) and returns
 * ATTEST_REFUSED so callers can `return fail(...)`. Only the first failure is
 * kept. */
attest_status res_fail(attest_result *res, const char *check, const char *hint,
                       const char *fmt, ...) ATTEST_PRINTF(4, 5);
attest_status res_bad_input(attest_result *res, const char *check, const char *hint,
                            const char *fmt, ...) ATTEST_PRINTF(4, 5);
void res_pass(attest_result *res, const char *fmt, ...) ATTEST_PRINTF(2, 3);
void res_note(attest_result *res, const char *fmt, ...) ATTEST_PRINTF(2, 3);
void claim_hex(json_t *obj, const char *key, const uint8_t *p, size_t n);
void claim_str(json_t *obj, const char *key, const char *value);
void claim_int(json_t *obj, const char *key, long long value);
void claim_bool(json_t *obj, const char *key, bool value);

/* ---- X.509 and signature helpers (x509util.c) -------------------------- */

/* Parses every certificate in PEM text, or one DER certificate. Returns a
 * new stack (possibly empty) or NULL on a parse error. */
STACK_OF(X509) *certs_parse(const uint8_t *data, size_t len);
/* DER only: one or more certificates back to back, nothing else. */
STACK_OF(X509) *certs_parse_der(const uint8_t *data, size_t len);
X509_CRL *crl_parse(const uint8_t *data, size_t len);
/* "CN=..." of a name, or the one-line form; into buf. */
const char *name_cn(const X509_NAME *name, char *buf, size_t len);
const char *cert_cn(const X509 *cert, char *buf, size_t len);
bool asn1_time_to_time_t(const ASN1_TIME *t, time_t *out);
void format_time(time_t t, char *buf, size_t len);            /* RFC 3339, UTC */
/* Checks validity at `when`; on failure fills res with a message naming `what`. */
bool cert_valid_at(attest_result *res, const char *check, const X509 *cert,
                   const char *what, time_t when);
/* child signed by issuer: names, key usage, signature. */
typedef struct verify_ctx verify_ctx;
bool cert_signed_by(verify_ctx *ctx, attest_result *res, const char *check, X509 *child,
                    const char *child_what, X509 *issuer, const char *issuer_what, const char *hint);
bool same_key(const X509 *a, const X509 *b);
/* ECDSA over msg with a raw (r, s) signature of 2*n bytes; big_endian selects
 * the byte order of r and s. Returns 1 valid, 0 invalid, -1 error. */
int ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t msg_len,
                     const uint8_t *r, const uint8_t *s, size_t n, bool big_endian);
/* A P-256 public key from 64 bytes X||Y. NULL if not a valid point. */
EVP_PKEY *p256_key_from_xy(const uint8_t xy[64]);
bool sha256(const uint8_t *p, size_t n, uint8_t out[32]);
bool sha384(const uint8_t *p, size_t n, uint8_t out[48]);
bool sha256_2(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint8_t out[32]);

/* CRL checking shared by both vendors: for each CRL whose issuer is one of
 * `chain` (leaf, CA, root: both vendors' chains have three certificates),
 * verify its signature and freshness at `when` and refuse if it lists the
 * certificate that issuer signed. Irrelevant CRLs are noted and ignored; no
 * CRLs (NULL or empty) is a pass. */
#define CRL_CHAIN_LENGTH 3
bool crls_check(verify_ctx *ctx, attest_result *res, const char *check, STACK_OF(X509_CRL) *crls,
                X509 *const chain[CRL_CHAIN_LENGTH], time_t when);

/* ---- trust (roots.c, trust.c) ------------------------------------------ */

typedef enum amd_product {
    AMD_UNKNOWN = 0,
    AMD_MILAN,
    AMD_GENOA,
    AMD_TURIN,
} amd_product;

const char *amd_product_name(amd_product p);

#define ATTEST_MAX_TEST_ROOT_PINS 16

struct attest_trust {
    X509 *intel_root;
    bool intel_root_builtin;
    STACK_OF(X509) *amd_certs;     /* ARKs, ASKs, ASVKs */
    bool amd_builtin;
    /* Test anchors, only ever given explicitly (attest.h): certificates
     * (--test-root), and SHA-256 pins of ARKs the evidence may carry. */
    STACK_OF(X509) *amd_test_certs;
    uint8_t test_root_pins[ATTEST_MAX_TEST_ROOT_PINS][32];
    size_t ntest_root_pins;
};

/* Whether x is a test anchor of trust: one of its test certificates, or a
 * self-signed certificate whose DER has a pinned SHA-256. */
bool trust_is_test_root(const attest_trust *trust, X509 *x);

typedef struct builtin_cert {
    const char *what;
    const char *pem;
    const char *sha256; /* of the DER, checked when loaded */
} builtin_cert;
extern const builtin_cert attest_builtin_intel_root;
extern const builtin_cert attest_builtin_amd[];
extern const size_t attest_builtin_amd_count;

/* ---- caches (cache.c) -------------------------------------------------- */

typedef struct attest_cache attest_cache;

attest_cache *cache_new(size_t objects, size_t signatures);
void cache_free(attest_cache *cache);
void cache_flush(attest_cache *cache);
void cache_stats(attest_cache *cache, attest_cache_stats *out);

typedef struct cache_entry cache_entry;

/* A value a verification holds: parsed by it (key set when it may be cached)
 * or borrowed from the cache (entry set). */
typedef struct held_value {
    int kind;
    void *value;
    cache_entry *entry;
    uint8_t key[32];
    bool keyed;
} held_value;

#define ATTEST_MAX_FACTS 32        /* signature facts one verification may add */
#define ATTEST_MAX_ADMITTED 32     /* parsed objects one verification may add */
#define ATTEST_MAX_CERT_HASHES 16

/* One verification: the trust anchors, the shared cache (NULL: none), every
 * value it obtained through the ctx_* functions (given back, or offered to
 * the cache, by verify_ctx_finish: callers never free them), and the
 * signatures it verified. */
struct verify_ctx {
    const attest_trust *trust;
    attest_cache *cache;
    held_value *held;
    size_t nheld, held_cap;
    uint8_t facts[ATTEST_MAX_FACTS][32];
    size_t nfacts;
    /* SHA-256 of certificates' DER, computed once per verification. */
    struct {
        X509 *cert;
        uint8_t hash[32];
    } cert_hashes[ATTEST_MAX_CERT_HASHES];
    size_t ncert_hashes;
    /* Certificates the evidence itself carried (an SNP certificate table):
     * untrusted, usable as intermediates; a carried root is an anchor only
     * when pinned as a test root. The stack is its setter's; the
     * certificates belong to the ctx. */
    STACK_OF(X509) *carried;
};

void verify_ctx_init(verify_ctx *ctx, const attest_trust *trust, attest_cache *cache);
/* Gives back everything the verification holds; with admit (the evidence
 * verified), its parse results and verified signatures join the cache. */
void verify_ctx_finish(verify_ctx *ctx, bool admit);

/* Cached versions of the parsers and signature checks. Without a cache they
 * are the plain operations. Results belong to ctx until verify_ctx_finish:
 * read them, never free or change them (they may be shared with other
 * threads). */
STACK_OF(X509) *ctx_certs_parse(verify_ctx *ctx, const uint8_t *data, size_t len);
X509 *ctx_cert_der(verify_ctx *ctx, const uint8_t *der, size_t len);   /* exactly one DER certificate */
X509_CRL *ctx_crl_parse(verify_ctx *ctx, const uint8_t *data, size_t len);
bool ctx_cert_signed(verify_ctx *ctx, X509 *child, X509 *issuer);     /* signature only */
bool ctx_crl_signed(verify_ctx *ctx, X509_CRL *crl, X509 *issuer);
/* A validated P-256 public key from X || Y (a quote's attestation key). */
EVP_PKEY *ctx_p256_key(verify_ctx *ctx, const uint8_t xy[64]);
/* ECDSA P-256/SHA-256 with a raw big-endian (r, s) by the key of `signer`;
 * `what` separates uses. 1 valid, 0 invalid, -1 error. */
int ctx_ecdsa_p256_signed(verify_ctx *ctx, const char *what, const uint8_t *msg, size_t msg_len,
                          const uint8_t sig[64], X509 *signer);

/* Intel collateral (TCB Info, QE Identity) located and parsed: the exact
 * signed member (at member_off in the document), its signature, and the
 * member parsed. Belongs to ctx like the values above: read only, and copy
 * what goes into claims. */
typedef struct collateral_doc {
    json_t *member;
    size_t member_off, member_len;
    uint8_t sig[64];
} collateral_doc;

collateral_doc *ctx_collateral_parse(verify_ctx *ctx, const uint8_t *text, size_t len, const char *member_key,
                                     char *err, size_t errlen);

/* ---- verifiers --------------------------------------------------------- */

/* The SNP report (exactly 0x4A0 bytes of it) with its VCEK/VLEK. */
attest_status snp_verify(verify_ctx *ctx, const uint8_t *report, size_t len,
                         X509 *vek, STACK_OF(X509_CRL) *crls, time_t when,
                         attest_result *res);

typedef struct intel_collateral {
    const uint8_t *tcb_info; size_t tcb_info_len; const char *tcb_info_name;
    STACK_OF(X509) *tcb_info_chain;
    const uint8_t *qe_identity; size_t qe_identity_len; const char *qe_identity_name;
    STACK_OF(X509) *qe_identity_chain;
    STACK_OF(X509) *pck_chain;     /* used when the quote carries no chain */
} intel_collateral;

attest_status dcap_verify(verify_ctx *ctx, const uint8_t *quote, size_t len,
                          const intel_collateral *col, STACK_OF(X509_CRL) *crls, time_t when,
                          attest_result *res);

/* DER content of the PCK SGX extension OID 1.2.840.113741.1.13.1 and of its
 * TCB sequence .2 (dcap.c). */
extern const uint8_t attest_sgx_ext_oid[9];
extern const uint8_t attest_sgx_tcb_oid[10];

/* ---- Intel collateral (collateral.c) ----------------------------------- */

typedef struct pck_info {
    uint8_t ppid[16];
    uint8_t comps[16];      /* SGX TCB component SVNs */
    unsigned pcesvn;
    uint8_t cpusvn[16];
    uint8_t pceid[2];
    uint8_t fmspc[6];
    int sgx_type;
    bool platform_ca;
} pck_info;

typedef struct tdx_tcb_input {
    const uint8_t *tee_tcb_svn;   /* 16 bytes */
    const uint8_t *mrsignerseam;  /* 48 */
    const uint8_t *seam_attributes; /* 8 */
} tdx_tcb_input;

/* QE Identity: signature, freshness, the QE report against it; the QE's TCB
 * status into qe_status (empty when no identity is given). */
attest_status qe_identity_check(verify_ctx *ctx, const intel_collateral *col,
                                const uint8_t *qe_report, bool tdx, time_t when,
                                attest_result *res, char *qe_status, size_t qe_status_len);
/* TCB Info: signature, freshness, FMSPC/PCE-ID, TCB level -> status. */
attest_status tcb_info_check(verify_ctx *ctx, const intel_collateral *col,
                             const pck_info *pck, const tdx_tcb_input *tdx, const char *qe_status,
                             time_t when, attest_result *res);

/* Locates the exact bytes of top-level member `key` (an object) in JSON text.
 * Also returns the hex "signature" member decoded to 64 bytes. Returns false
 * with a message in err when the document is not valid JSON, lacks either
 * member, or has duplicate keys. */
bool json_signed_member(const uint8_t *text, size_t len, const char *key,
                        const uint8_t **member, size_t *member_len, uint8_t sig[64],
                        char *err, size_t errlen);

/* ---- shared by the entry points (verify.c, ratls.c) -------------------- */

/* Certificates and CRLs the operator gave (they belong to ctx; the CRL stack
 * is the caller's: sk_X509_CRL_free). */
typedef struct operator_inputs {
    STACK_OF(X509) *vek_certs, *tcb_chain, *qe_chain, *pck_chain;
    STACK_OF(X509_CRL) *crls;
} operator_inputs;

bool gather_inputs(verify_ctx *ctx, const attest_inputs *in, operator_inputs *op, attest_result *res);
intel_collateral operator_collateral(const attest_inputs *in, const operator_inputs *op);
/* An SNP report with its VCEK/VLEK (NULL: refused, saying where to get it). */
attest_status run_snp(verify_ctx *ctx, const uint8_t *report, size_t len, X509 *vek, STACK_OF(X509_CRL) *crls,
                      time_t when, attest_result *res);
/* After a verification: the typed result fields from the claims
 * (report_data, measurement, hardware_rooted). */
void result_finish(attest_result *res);

/* RA-TLS certificates and typed evidence (ratls.c), for verify.c's
 * recognition of `attest verify` inputs. */
bool ratls_looks_like_cert(const uint8_t *d, size_t n);
bool typed_evidence_magic(const uint8_t *d, size_t n);
attest_status ratls_verify_cert_ctx(verify_ctx *ctx, const uint8_t *cert, size_t cert_len, const attest_inputs *in,
                                    attest_result *res, ratls_cert *out);
/* What a verified evidence's REPORT_DATA must be: its first `bound` bytes
 * equal `want` (bound 0: only reported); a mismatch is refused as `check`,
 * naming `what` it should have been, with `hint`. */
typedef struct report_binding {
    const uint8_t *want;
    size_t bound;
    const char *check, *what, *hint;
} report_binding;
/* b NULL: the report data is reported, not compared. An UNATTESTED document
 * is judged (in->allow_unattested) after its binding. */
attest_status typed_evidence_verify(verify_ctx *ctx, const uint8_t *ev, size_t len, const report_binding *b,
                                    const attest_inputs *in, attest_result *res);

/* ---- Steward CSR (csr.c) ------------------------------------------------ */

typedef struct csr_evidence {
    attest_kind kind;           /* SGX or SNP */
    const uint8_t *report;      /* quote or SNP report, inside the CSR DER */
    size_t report_len;
    X509 *vcek;                 /* SNP: VCEK carried in the CSR (belongs to the verify_ctx) */
    STACK_OF(X509_CRL) *crls;   /* CRLs carried (the stack is owned, the CRLs belong to the verify_ctx) */
    const uint8_t *tcb_info;    /* SGX: TCB Info JSON carried (may be NULL) */
    size_t tcb_info_len;
    STACK_OF(X509) *tcb_chain;  /* its issuer chain (likewise; may be NULL) */
    uint8_t spki_hash[48];      /* SHA-256 (SGX) or SHA-384 (SNP) of the SPKI */
    size_t spki_hash_len;
    int key_nid;                /* curve of the CSR key */
    bool new_format;
    uint8_t *buf;               /* owned copy of the extension value */
} csr_evidence;

/* Parses a DER CSR, verifies its own signature, extracts the evidence. */
attest_status csr_extract(verify_ctx *ctx, const uint8_t *der, size_t len, csr_evidence *out,
                          attest_result *res);
void csr_evidence_free(csr_evidence *ev);

#endif
