/* RA-TLS certificates and typed evidence (ratls.h): the certificate and its
 * evidence extension, the key and report-data bindings, the typed evidence
 * documents of abi/evidence.h (UNATTESTED, SNP with its certificate table,
 * SGX), and the fresh evidence of the deploy exchange. The vendor checks
 * themselves are snp.c's and dcap.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "abi/deploy.h"
#include "abi/evidence.h"
#include "attest/internal.h"
#include "common/ratls_ext.h"

/* ---- typed evidence documents (abi/evidence.h) --------------------------- */

typedef struct typed_doc {
    uint32_t kind;
    const uint8_t *body, *extra;
    size_t body_len, extra_len;
} typed_doc;

bool typed_evidence_magic(const uint8_t *d, size_t n)
{
    return n >= ENARX_EVIDENCE_MAGIC_LEN && memcmp(d, ENARX_EVIDENCE_MAGIC, ENARX_EVIDENCE_MAGIC_LEN) == 0;
}

static const char *kind_name(uint32_t kind)
{
    switch (kind) {
    case ENARX_EVIDENCE_UNATTESTED: return "UNATTESTED";
    case ENARX_EVIDENCE_SNP: return "SNP";
    case ENARX_EVIDENCE_SGX: return "SGX";
    default: return "unknown";
    }
}

/* The header, and the lengths adding up to exactly n. */
static attest_status typed_doc_parse(const uint8_t *d, size_t n, typed_doc *out, attest_result *res)
{
    memset(out, 0, sizeof *out);
    const char *hint = "this is not an Enarx evidence document (abi/evidence.h)";
    if (n > ENARX_EVIDENCE_MAX)
        return res_fail(res, "evidence.format", hint, "the evidence is %zu bytes (at most %u)", n,
                        ENARX_EVIDENCE_MAX);
    breader r;
    br_init(&r, d, n);
    const uint8_t *magic = br_take(&r, ENARX_EVIDENCE_MAGIC_LEN);
    uint32_t kind = br_u32le(&r), header_len = br_u32le(&r), body_len = br_u32le(&r), extra_len = br_u32le(&r);
    const uint8_t *reserved = br_take(&r, 8);
    if (r.bad)
        return res_fail(res, "evidence.format", hint, "the evidence is %zu bytes, shorter than its %d-byte header", n,
                        ENARX_EVIDENCE_HEADER_LEN);
    if (memcmp(magic, ENARX_EVIDENCE_MAGIC, ENARX_EVIDENCE_MAGIC_LEN) != 0)
        return res_fail(res, "evidence.format", hint, "the evidence does not start with \"%s\"", ENARX_EVIDENCE_MAGIC);
    if (kind >= ENARX_EVIDENCE_KIND_COUNT)
        return res_fail(res, "evidence.format", "this verifier is older than the Keep: update enarx",
                        "evidence kind %u is unknown", kind);
    if (header_len != ENARX_EVIDENCE_HEADER_LEN || !all_zero(reserved, 8))
        return res_fail(res, "evidence.format", hint, "header length %u (expected %d) or reserved bytes not zero",
                        header_len, ENARX_EVIDENCE_HEADER_LEN);
    /* 64-bit sums of 32-bit lengths cannot overflow */
    if ((uint64_t)header_len + body_len + extra_len != n)
        return res_fail(res, "evidence.format", hint,
                        "the header says %u + %u + %u bytes, but the evidence is %zu bytes", header_len, body_len,
                        extra_len, n);
    out->kind = kind;
    out->body = d + header_len;
    out->body_len = body_len;
    out->extra = d + header_len + body_len;
    out->extra_len = extra_len;
    return ATTEST_VALID;
}

/* ---- the SNP certificate table (GHCB spec, extended guest request) ------- */

/* GUIDs in the byte order of their text form, as hosts write them. */
static const uint8_t guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t guid_vlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                      0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
static const uint8_t guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                     0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
static const uint8_t guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

enum { CT_VCEK, CT_VLEK, CT_ASK, CT_ARK, CT_COUNT };

typedef struct cert_table {
    const uint8_t *der[CT_COUNT];
    size_t len[CT_COUNT];
    unsigned other;
} cert_table;

#define CT_ENTRY_LEN 24

static attest_status cert_table_parse(const uint8_t *t, size_t n, cert_table *out, attest_result *res)
{
    memset(out, 0, sizeof *out);
    static const uint8_t *const guids[CT_COUNT] = {guid_vcek, guid_vlek, guid_ask, guid_ark};
    static const char *const names[CT_COUNT] = {"VCEK", "VLEK", "ASK", "ARK"};
    const char *hint = "the certificate table of the SNP evidence is malformed";
    breader r;
    br_init(&r, t, n);
    for (;;) {
        size_t at = r.off;
        const uint8_t *guid = br_take(&r, 16);
        uint32_t off = br_u32le(&r), len = br_u32le(&r);
        if (r.bad)
            return res_fail(res, "snp.cert_table", hint, "entry at byte %zu is cut short (no all-zero last entry)", at);
        if (all_zero(guid, 16) && off == 0 && len == 0)
            return ATTEST_VALID;
        if ((uint64_t)off + len > n || len == 0)
            return res_fail(res, "snp.cert_table", hint, "entry at byte %zu: %u bytes at offset %u, outside the %zu-byte table",
                            at, len, off, n);
        int which = -1;
        for (int i = 0; i < CT_COUNT; i++)
            if (memcmp(guid, guids[i], 16) == 0)
                which = i;
        if (which < 0) {
            out->other++;
            continue;
        }
        if (out->der[which])
            return res_fail(res, "snp.cert_table", hint, "the table holds two %s certificates", names[which]);
        out->der[which] = t + off;
        out->len[which] = len;
    }
}

/* ---- report data ---------------------------------------------------------- */

/* The verified evidence's REPORT_DATA (from the claims) against what it must
 * be (b NULL or bound 0: only reported). */
static attest_status check_report_data(attest_result *res, const report_binding *b)
{
    const uint8_t *want = b ? b->want : NULL;
    size_t bound = b ? b->bound : 0;
    const char *check = b ? b->check : "report_data", *what = b ? b->what : "", *hint = b ? b->hint : NULL;
    uint8_t got[64];
    const char *hex = json_string_value(json_object_get(res->claims, "report_data"));
    if (!hex || !hex_decode_fixed(hex, got, 64))
        return res_fail(res, check, NULL, "internal: the evidence's report data is missing");
    if (bound == 0 || !want) {
        res_note(res, "report data not compared with anything (nothing to bind it to was given)");
        return ATTEST_VALID;
    }
    if (memcmp(got, want, bound) != 0) {
        char w[129], g[129];
        hex_encode(want, bound, w);
        hex_encode(got, bound, g);
        return res_fail(res, check, hint, "the evidence's report data%s is %s, but %s is %s",
                        bound == 64 ? "" : "[0:32]", g, what, w);
    }
    if (bound < 64 && !all_zero(got + bound, 64 - bound))
        res_note(res, "report data bytes %zu-63 are not zero (not covered by the binding)", bound);
    res_pass(res, "the evidence's report data%s equals %s", bound == 64 ? "" : "[0:32]", what);
    return ATTEST_VALID;
}

/* ---- typed evidence ------------------------------------------------------- */

static attest_status verify_unattested(const typed_doc *doc, const attest_inputs *in, attest_result *res)
{
    res->kind = ATTEST_KIND_UNATTESTED;
    snprintf(res->format, sizeof res->format, "Enarx UNATTESTED document (no hardware root)");
    const char *hint = "the UNATTESTED document is malformed";
    if (doc->body_len != ENARX_UNATTESTED_BODY_LEN || doc->extra_len != 0)
        return res_fail(res, "unattested.format", hint, "its body is %zu bytes (expected %d) and extra %zu (expected 0)",
                        doc->body_len, ENARX_UNATTESTED_BODY_LEN, doc->extra_len);
    breader r;
    br_init(&r, doc->body, doc->body_len);
    const uint8_t *marker = br_take(&r, ENARX_UNATTESTED_MARKER_LEN);
    uint32_t alg = br_u32le(&r), mlen = br_u32le(&r);
    const uint8_t *measurement = br_take(&r, ENARX_MEASUREMENT_MAX), *report_data = br_take(&r, 64);
    if (r.bad)
        return res_fail(res, "unattested.format", hint, "internal: body layout");
    size_t marker_len = strlen(ENARX_UNATTESTED_MARKER);
    if (memcmp(marker, ENARX_UNATTESTED_MARKER, marker_len) != 0 ||
        !all_zero(marker + marker_len, ENARX_UNATTESTED_MARKER_LEN - marker_len))
        return res_fail(res, "unattested.format", hint, "the marker is not \"%s\"", ENARX_UNATTESTED_MARKER);
    size_t want_len = alg == ENARX_HASH_NONE ? 0 : ratls_hash_len(alg);
    if ((alg != ENARX_HASH_NONE && want_len == 0) || mlen != want_len ||
        !all_zero(measurement + mlen, ENARX_MEASUREMENT_MAX - want_len))
        return res_fail(res, "unattested.format", hint,
                        "measurement algorithm %u with %u bytes (0 none, 1 SHA-256, 7 SHA-384, 8 SHA-512, "
                        "with their sizes; the rest zero)",
                        alg, mlen);
    claim_str(res->claims, "tee", "unattested");
    static const char *const alg_names[] = {[ENARX_HASH_NONE] = "none", [ENARX_HASH_SHA256] = "sha-256",
                                            [ENARX_HASH_SHA384] = "sha-384", [ENARX_HASH_SHA512] = "sha-512"};
    claim_str(res->claims, "measurement_alg", alg_names[alg]);
    claim_hex(res->claims, "measurement", measurement, mlen);
    claim_hex(res->claims, "report_data", report_data, 64);
    res_pass(res, "UNATTESTED document well-formed (marker, measurement %s)", alg_names[alg]);
    (void)in;
    return ATTEST_VALID;
}

/* An UNATTESTED document proves nothing: refused unless explicitly allowed. */
static attest_status judge_unattested(const attest_inputs *in, attest_result *res)
{
    const char *m = json_string_value(json_object_get(res->claims, "measurement"));
    if (!in->allow_unattested)
        return res_fail(res, "unattested",
                        "accept it only for tests, with --insecure-allow-unattested (or allow_unattested = true "
                        "in the policy), knowing the host can read and change everything in that Keep",
                        "the evidence is UNATTESTED: no hardware root signed it; its measurement %s is only what "
                        "the host claims",
                        m && *m ? m : "(none)");
    res_note(res, "UNATTESTED evidence accepted as asked: no hardware vouches for this Keep; the host can read and "
                  "change its memory, and the measurement is only what the host claims");
    return ATTEST_VALID;
}

static attest_status verify_snp_doc(verify_ctx *ctx, const typed_doc *doc, const operator_inputs *op,
                                    const attest_inputs *in, attest_result *res)
{
    res->kind = ATTEST_KIND_SNP;
    snprintf(res->format, sizeof res->format, "Enarx SNP evidence (AMD SEV-SNP report%s)",
             doc->extra_len ? " + certificate table" : "");
    if (doc->body_len != ENARX_SNP_REPORT_LEN)
        return res_fail(res, "snp.format", "give the whole 1184-byte report", "the report is %zu bytes (expected %d)",
                        doc->body_len, ENARX_SNP_REPORT_LEN);
    cert_table table;
    if (doc->extra_len && cert_table_parse(doc->extra, doc->extra_len, &table, res) != ATTEST_VALID)
        return res->status;
    if (!doc->extra_len)
        memset(&table, 0, sizeof table);
    X509 *vek = op->vek_certs ? sk_X509_value(op->vek_certs, 0) : NULL;
    if (vek && (table.der[CT_VCEK] || table.der[CT_VLEK]))
        res_note(res, "--vcek is used rather than the certificate the evidence carries");
    static const char *const names[CT_COUNT] = {"VCEK", "VLEK", "ASK", "ARK"};
    ctx->carried = sk_X509_new_null();
    if (!ctx->carried)
        return res_bad_input(res, "input", NULL, "out of memory");
    for (int i = 0; i < CT_COUNT; i++) {
        if (!table.der[i])
            continue;
        X509 *x = ctx_cert_der(ctx, table.der[i], table.len[i]);
        if (!x)
            return res_fail(res, "snp.cert_table", "the evidence's certificate table is malformed",
                            "its %s entry is not one DER certificate", names[i]);
        if (i == CT_VCEK || i == CT_VLEK) {
            if (!vek)
                vek = x;
        } else if (sk_X509_push(ctx->carried, x) <= 0) {
            return res_bad_input(res, "input", NULL, "out of memory");
        }
    }
    if (table.other)
        res_note(res, "%u certificate table entries of unknown type ignored", table.other);
    return run_snp(ctx, doc->body, doc->body_len, vek, op->crls, in->time, res);
}

/* The evidence of a typed document, with the operator's inputs gathered. */
static attest_status verify_typed_doc(verify_ctx *ctx, const typed_doc *doc, const operator_inputs *op,
                                      const attest_inputs *in, attest_result *res)
{
    switch (doc->kind) {
    case ENARX_EVIDENCE_UNATTESTED:
        return verify_unattested(doc, in, res);
    case ENARX_EVIDENCE_SNP:
        return verify_snp_doc(ctx, doc, op, in, res);
    case ENARX_EVIDENCE_SGX: {
        snprintf(res->format, sizeof res->format, "Enarx SGX evidence (Intel DCAP quote)");
        intel_collateral col = operator_collateral(in, op);
        return dcap_verify(ctx, doc->body, doc->body_len, &col, op->crls, in->time, res);
    }
    default:
        return res_fail(res, "evidence.format", NULL, "evidence kind %u", doc->kind);
    }
}

attest_status typed_evidence_verify(verify_ctx *ctx, const uint8_t *ev, size_t len, const report_binding *b,
                                    const attest_inputs *in, attest_result *res)
{
    typed_doc doc;
    if (typed_doc_parse(ev, len, &doc, res) != ATTEST_VALID)
        return res->status;
    operator_inputs op;
    if (gather_inputs(ctx, in, &op, res) && verify_typed_doc(ctx, &doc, &op, in, res) == ATTEST_VALID &&
        check_report_data(res, b) == ATTEST_VALID && doc.kind == ENARX_EVIDENCE_UNATTESTED)
        judge_unattested(in, res);
    sk_X509_CRL_free(op.crls);
    sk_X509_free(ctx->carried);
    ctx->carried = NULL;
    ERR_clear_error();
    return res->status;
}

/* A typed document with its binding, in a context of its own. */
static attest_status typed_evidence_alone(const attest_trust *trust, const uint8_t *evidence, size_t len,
                                          const report_binding *b, const attest_inputs *in, attest_result *res)
{
    verify_ctx ctx;
    verify_ctx_init(&ctx, trust, NULL);
    typed_evidence_verify(&ctx, evidence, len, b, in, res);
    verify_ctx_finish(&ctx, false);
    result_finish(res);
    return res->status;
}

attest_status attest_verify_typed_evidence(const attest_trust *trust, const uint8_t *evidence, size_t len,
                                           const uint8_t report_data[64], size_t bound, const attest_inputs *in,
                                           attest_result *res)
{
    report_binding b = {report_data, bound > 64 ? 64 : bound, "report_data", "the expected report data",
                        "this evidence was made for another request (another key, channel or nonce)"};
    return typed_evidence_alone(trust, evidence, len, &b, in, res);
}

/* ---- the certificate ------------------------------------------------------ */

/* Text that starts (after white space) with a PEM certificate. Not just
 * anywhere: a DCAP quote holds its PCK chain as PEM text. */
static bool starts_with_pem_cert(const uint8_t *d, size_t n)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    size_t i = 0;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    return n - i >= sizeof begin - 1 && memcmp(d + i, begin, sizeof begin - 1) == 0;
}

/* The DER of one certificate: the bytes themselves when they start like
 * DER, else the first CERTIFICATE block of PEM text (malloc'd into *owned).
 * NULL when neither. */
static const uint8_t *cert_der(const uint8_t *d, size_t n, size_t *der_len, uint8_t **owned)
{
    *owned = NULL;
    if (n == 0 || n > INT32_MAX)
        return NULL;
    if (d[0] == 0x30) {
        *der_len = n;
        return d;
    }
    if (!starts_with_pem_cert(d, n))
        return NULL;
    BIO *bio = BIO_new_mem_buf(d, (int)n);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int len = x ? i2d_X509(x, &der) : -1;
    if (len > 0 && (*owned = malloc((size_t)len)) != NULL) {
        memcpy(*owned, der, (size_t)len);
        *der_len = (size_t)len;
    }
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(bio);
    ERR_clear_error();
    return *owned;
}

/* One certificate, DER or PEM (freed by the caller). */
static X509 *cert_from_bytes(const uint8_t *d, size_t n)
{
    size_t len = 0;
    uint8_t *owned;
    const uint8_t *der = cert_der(d, n, &len, &owned);
    const unsigned char *p = der;
    X509 *x = der ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (x && p != der + len) {
        X509_free(x);
        x = NULL;
    }
    free(owned);
    ERR_clear_error();
    return x;
}

bool ratls_looks_like_cert(const uint8_t *d, size_t n)
{
    X509 *x = cert_from_bytes(d, n);
    X509_free(x);
    return x != NULL;
}

/* The single extension with this OID: 1 and *ext, 0 when absent, -1 when it
 * appears more than once. */
static int the_extension(X509 *x, const char *oid, X509_EXTENSION **ext)
{
    *ext = NULL;
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    if (!obj)
        return 0;
    int i = X509_get_ext_by_OBJ(x, obj, -1), again = i >= 0 ? X509_get_ext_by_OBJ(x, obj, i) : -1;
    ASN1_OBJECT_free(obj);
    if (i < 0)
        return 0;
    if (again >= 0)
        return -1;
    *ext = X509_get_ext(x, i);
    return 1;
}

static void key_type(X509 *x, char *out, size_t len)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    snprintf(out, len, "unknown");
    if (!k)
        return;
    char group[64];
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
        EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) == 1)
        snprintf(out, len, "EC %.24s",
                 strcmp(group, "prime256v1") == 0 ? "P-256" : strcmp(group, "secp384r1") == 0 ? "P-384"
                                                  : strcmp(group, "secp521r1") == 0 ? "P-521"
                                                                                      : group);
    else if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
        snprintf(out, len, "RSA %d", EVP_PKEY_get_bits(k));
    else
        snprintf(out, len, "%s", OBJ_nid2sn(EVP_PKEY_get_base_id(k)));
}

void ratls_cert_free(ratls_cert *c)
{
    if (!c)
        return;
    free(c->der);
    free(c->spki);
    free(c->ext);
    memset(c, 0, sizeof *c);
}

static attest_kind quote_kind(const uint8_t *q, size_t n)
{
    if (n < 8)
        return ATTEST_KIND_UNKNOWN;
    unsigned version = ld16le(q);
    if (version == 3)
        return ATTEST_KIND_SGX;
    if (version == 4 || version == 5)
        return ld32le(q + 4) == 0x81 ? ATTEST_KIND_TDX : ATTEST_KIND_SGX;
    return ATTEST_KIND_UNKNOWN;
}

/* The kind the tag promises; for our tags the document must say the same. */
static attest_status kind_of_tag(ratls_cert *c, attest_result *res)
{
    switch (c->tag) {
    case RATLS_TAG_INTEL_QUOTE:
        c->kind = quote_kind(c->evidence, c->evidence_len);
        if (c->kind == ATTEST_KIND_UNKNOWN)
            return res_fail(res, "ratls.extension", "tag 60000 carries a bare SGX/TDX DCAP quote",
                            "the evidence under tag 60000 is not a DCAP quote v3, v4 or v5");
        c->report_data_bound = 32;
        return ATTEST_VALID;
    case ENARX_CBOR_TAG_SNP:
    case ENARX_CBOR_TAG_UNATTESTED: {
        uint32_t want = c->tag == ENARX_CBOR_TAG_SNP ? ENARX_EVIDENCE_SNP : ENARX_EVIDENCE_UNATTESTED;
        uint32_t kind = c->evidence_len >= 12 && typed_evidence_magic(c->evidence, c->evidence_len)
                            ? ld32le(c->evidence + 8)
                            : UINT32_MAX;
        if (kind != want)
            return res_fail(res, "ratls.extension", "the tag and the evidence must agree on the evidence's kind",
                            "tag %llu promises an Enarx %s document, but the evidence is %s",
                            (unsigned long long)c->tag, kind_name(want),
                            kind == UINT32_MAX ? "not an Enarx evidence document" : kind_name(kind));
        c->kind = want == ENARX_EVIDENCE_SNP ? ATTEST_KIND_SNP : ATTEST_KIND_UNATTESTED;
        c->report_data_bound = 64;
        return ATTEST_VALID;
    }
    default:
        return res_fail(res, "ratls.extension",
                        "understood tags: 60000 (Intel SGX/TDX quote), 60100 (Enarx SNP), 60101 (Enarx unattested)",
                        "the evidence's CBOR tag %llu%s is not one this verifier understands",
                        (unsigned long long)c->tag,
                        c->tag == 0x1a7504 ? " (rats-tls' unregistered SEV-SNP tag)" : "");
    }
}

static bool copy_out(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t n)
{
    *dst = malloc(n ? n : 1);
    if (!*dst)
        return false;
    memcpy(*dst, src, n);
    *dlen = n;
    return true;
}

/* The CCC extension: tag([evidence, claims]), the claims, the report data. */
static attest_status parse_ccc(ratls_cert *c, attest_result *res)
{
    char err[200];
    ratls_ext e;
    if (!ratls_ext_decode(c->ext, c->ext_len, &e, err, sizeof err))
        return res_fail(res, "ratls.extension", "the 2.23.133.5.4.9 value must be CBOR tag([bstr, bstr])", "%s",
                        err);
    c->tag = e.tag;
    c->evidence = e.evidence;
    c->evidence_len = e.evidence_len;
    c->claims = e.claims;
    c->claims_len = e.claims_len;
    if (kind_of_tag(c, res) != ATTEST_VALID)
        return ATTEST_REFUSED;
    ratls_claims cl;
    if (!ratls_claims_decode(c->claims, c->claims_len, &cl, err, sizeof err))
        return res_fail(res, "ratls.claims", "the claims must be {\"pubkey-hash\": [alg, H(SPKI)]} (CCC)", "%s", err);
    c->pubkey_hash_alg = cl.hash_alg;
    c->pubkey_hash_len = cl.hash_len;
    memcpy(c->pubkey_hash, cl.hash, cl.hash_len);
    memset(c->report_data, 0, sizeof c->report_data);
    if (!sha256(c->claims, c->claims_len, c->report_data))
        return res_fail(res, "ratls.claims", NULL, "internal: SHA-256 failed");
    json_t *r = json_object_get(res->claims, "ratls");
    if (cl.nonce)
        claim_hex(r, "nonce", cl.nonce, cl.nonce_len);
    if (cl.other_claims)
        claim_int(r, "other_claims", cl.other_claims);
    res_pass(res, "RA-TLS extension: tag %llu, claims with pubkey-hash (%s)", (unsigned long long)c->tag,
             cl.hash_alg == RATLS_HASH_SHA256 ? "SHA-256" : cl.hash_alg == RATLS_HASH_SHA384 ? "SHA-384" : "SHA-512");
    return ATTEST_VALID;
}

/* Gramine's legacy extension: the bare quote, bound to SHA-256(SPKI). */
static attest_status parse_legacy(ratls_cert *c, attest_result *res)
{
    c->evidence = c->ext;
    c->evidence_len = c->ext_len;
    c->kind = quote_kind(c->evidence, c->evidence_len);
    if (c->kind == ATTEST_KIND_UNKNOWN)
        return res_fail(res, "ratls.extension", NULL, "Gramine's legacy extension does not hold a DCAP quote");
    c->pubkey_hash_alg = RATLS_HASH_SHA256;
    c->pubkey_hash_len = 32;
    memcpy(c->pubkey_hash, c->spki_sha256, 32);
    memset(c->report_data, 0, sizeof c->report_data);
    memcpy(c->report_data, c->spki_sha256, 32);
    c->report_data_bound = 32;
    res_pass(res, "Gramine legacy RA-TLS extension (bare quote bound to SHA-256 of the key)");
    return ATTEST_VALID;
}

/* Finds the evidence extension (CCC first; the legacy one only when the CCC
 * one is absent), refusing duplicates and a critical one. */
static attest_status find_evidence_extension(X509 *x, ratls_cert *c, attest_result *res)
{
    X509_EXTENSION *ext = NULL;
    int found = the_extension(x, RATLS_EXT_OID, &ext);
    c->format = RATLS_FORMAT_CCC;
    if (found == 0) {
        found = the_extension(x, RATLS_GRAMINE_LEGACY_OID, &ext);
        c->format = RATLS_FORMAT_GRAMINE_LEGACY;
    }
    if (found == 0) {
        c->format = RATLS_FORMAT_NONE;
        return res_bad_input(res, "ratls.parse", "an RA-TLS certificate carries extension 2.23.133.5.4.9",
                             "the certificate has no RA-TLS evidence extension (2.23.133.5.4.9, or Gramine's "
                             "legacy one)");
    }
    const char *oid = c->format == RATLS_FORMAT_CCC ? RATLS_EXT_OID : "Gramine legacy";
    if (found < 0)
        return res_fail(res, "ratls.parse", NULL, "the certificate carries the %s extension twice", oid);
    if (X509_EXTENSION_get_critical(ext))
        return res_fail(res, "ratls.critical",
                        "the evidence extension must not be critical (CCC; OpenSSL and mbedTLS peers reject an "
                        "unknown critical extension)",
                        "the %s extension is marked critical", oid);
    const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
    size_t n = (size_t)ASN1_STRING_length(v);
    if (n > RATLS_EXT_MAX)
        return res_fail(res, "ratls.parse", NULL, "the evidence extension is %zu bytes (at most %u)", n, RATLS_EXT_MAX);
    if (!copy_out(&c->ext, &c->ext_len, ASN1_STRING_get0_data(v), n))
        return res_bad_input(res, "input", NULL, "out of memory");
    return ATTEST_VALID;
}

static attest_status parse_cert(verify_ctx *ctx, X509 *x, time_t when, ratls_cert *c, attest_result *res)
{
    key_type(x, c->key_type, sizeof c->key_type);
    unsigned char *der = NULL, *spki = NULL;
    int der_len = i2d_X509(x, &der), spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
    bool ok = der_len > 0 && spki_len > 0 && copy_out(&c->der, &c->der_len, der, (size_t)der_len) &&
              copy_out(&c->spki, &c->spki_len, spki, (size_t)spki_len);
    OPENSSL_free(der);
    OPENSSL_free(spki);
    if (!ok || !sha256(c->spki, c->spki_len, c->spki_sha256))
        return res_bad_input(res, "ratls.parse", NULL, "the certificate's key cannot be encoded");
    /* c's buffers belong to c (ratls_cert_free), also on refusal; the
     * analyzer loses that across the caller. */
    if (find_evidence_extension(x, c, res) != ATTEST_VALID) // NOLINT(clang-analyzer-unix.Malloc)
        return res->status;
    json_t *r = json_object();
    claim_str(r, "format", c->format == RATLS_FORMAT_CCC ? "CCC interoperable RA-TLS (2.23.133.5.4.9)"
                                                         : "Gramine legacy (0.6.9.42.840.113741.1337.6)");
    claim_str(r, "key_type", c->key_type);
    claim_hex(r, "spki_sha256", c->spki_sha256, 32);
    json_object_set_new(res->claims, "ratls", r);
    if (!ctx_cert_signed(ctx, x, x)) {
        return res_fail(res, "ratls.signature", "the certificate was altered after its key signed it",
                        "the certificate's self-signature does not verify with its own key (%s)", c->key_type);
    }
    res_pass(res, "certificate self-signed by its %s key", c->key_type);
    if (!cert_valid_at(res, "ratls.validity", x, "the RA-TLS certificate", when))
        return ATTEST_REFUSED;
    if ((c->format == RATLS_FORMAT_CCC ? parse_ccc(c, res) : parse_legacy(c, res)) != ATTEST_VALID)
        return ATTEST_REFUSED;
    if (c->tag)
        claim_int(r, "tag", (long long)c->tag);
    claim_int(r, "pubkey_hash_alg", c->pubkey_hash_alg);
    claim_hex(r, "pubkey_hash", c->pubkey_hash, c->pubkey_hash_len);
    return ATTEST_VALID;
}

/* The certificate is parsed through the ctx (which owns it, and caches the
 * parse and the self-signature in a caching verifier). */
static attest_status cert_parse_ctx(verify_ctx *ctx, const uint8_t *data, size_t len, time_t when, ratls_cert *out,
                                    attest_result *res)
{
    memset(out, 0, sizeof *out);
    size_t der_len = 0;
    uint8_t *owned;
    const uint8_t *der = cert_der(data, len, &der_len, &owned);
    X509 *x = der ? ctx_cert_der(ctx, der, der_len) : NULL;
    free(owned);
    if (!x)
        return res_bad_input(res, "ratls.parse", "give one X.509 certificate, PEM or DER",
                             "the input (%zu bytes) is not a certificate", len);
    snprintf(res->format, sizeof res->format, "RA-TLS certificate");
    parse_cert(ctx, x, when, out, res);
    ERR_clear_error();
    return res->status;
}

attest_status ratls_cert_parse(const uint8_t *data, size_t len, time_t when, ratls_cert *out, attest_result *res)
{
    verify_ctx ctx;
    verify_ctx_init(&ctx, NULL, NULL);
    cert_parse_ctx(&ctx, data, len, when, out, res);
    verify_ctx_finish(&ctx, false);
    return res->status;
}

/* pubkey-hash = H(DER SPKI). */
static attest_status check_key_binding(const ratls_cert *c, attest_result *res)
{
    const EVP_MD *md = c->pubkey_hash_alg == RATLS_HASH_SHA256   ? EVP_sha256()
                       : c->pubkey_hash_alg == RATLS_HASH_SHA384 ? EVP_sha384()
                                                                 : EVP_sha512();
    uint8_t h[64];
    unsigned int hl = 0;
    if (EVP_Digest(c->spki, c->spki_len, h, &hl, md, NULL) != 1 || hl != c->pubkey_hash_len)
        return res_fail(res, "ratls.key_binding", NULL, "internal: hashing the key failed");
    if (memcmp(h, c->pubkey_hash, hl) != 0) {
        char want[129], got[129];
        hex_encode(h, hl, want);
        hex_encode(c->pubkey_hash, hl, got);
        return res_fail(res, "ratls.key_binding",
                        "the evidence was made for another key: this certificate was not made by the Keep",
                        "the claims' pubkey-hash is %s, but the hash of the certificate's key is %s", got, want);
    }
    res_pass(res, "pubkey-hash equals the hash of the certificate's SubjectPublicKeyInfo");
    return ATTEST_VALID;
}

static attest_status verify_cert_evidence(verify_ctx *ctx, const ratls_cert *c, const attest_inputs *in,
                                          attest_result *res)
{
    report_binding b = {c->report_data, c->report_data_bound, "ratls.report_data",
                        c->format == RATLS_FORMAT_CCC ? "SHA-256 of the claims" : "SHA-256 of the key",
                        "the evidence was made for other claims: this certificate was not made by that Keep"};
    if (c->kind == ATTEST_KIND_SGX || c->kind == ATTEST_KIND_TDX) {
        snprintf(res->format, sizeof res->format, "Intel %s DCAP quote v%u", c->kind == ATTEST_KIND_TDX ? "TDX" : "SGX",
                 ld16le(c->evidence));
        operator_inputs op;
        if (gather_inputs(ctx, in, &op, res)) {
            intel_collateral col = operator_collateral(in, &op);
            dcap_verify(ctx, c->evidence, c->evidence_len, &col, op.crls, in->time, res);
        }
        sk_X509_CRL_free(op.crls);
        if (res->status == ATTEST_VALID)
            check_report_data(res, &b);
        return res->status;
    }
    return typed_evidence_verify(ctx, c->evidence, c->evidence_len, &b, in, res);
}

attest_status ratls_verify_cert_ctx(verify_ctx *ctx, const uint8_t *cert, size_t cert_len, const attest_inputs *in,
                                    attest_result *res, ratls_cert *out)
{
    ratls_cert local;
    memset(&local, 0, sizeof local);
    ratls_cert *c = out ? out : &local;
    if (cert_parse_ctx(ctx, cert, cert_len, in->time, c, res) == ATTEST_VALID &&
        check_key_binding(c, res) == ATTEST_VALID)
        verify_cert_evidence(ctx, c, in, res);
    if (strncmp(res->format, "RA-TLS", 6) != 0) {
        char format[sizeof res->format];
        snprintf(format, sizeof format, "%s", res->format);
        snprintf(res->format, sizeof res->format, "RA-TLS certificate: %.70s", format);
    }
    if (!out)
        ratls_cert_free(&local);
    return res->status;
}

attest_status ratls_verify_cert(const attest_trust *trust, const uint8_t *cert, size_t cert_len,
                                const attest_inputs *in, attest_result *res, ratls_cert *out)
{
    verify_ctx ctx;
    verify_ctx_init(&ctx, trust, NULL);
    ratls_verify_cert_ctx(&ctx, cert, cert_len, in, res, out);
    verify_ctx_finish(&ctx, false);
    result_finish(res);
    return res->status;
}

/* ---- the fresh evidence of the deploy exchange ----------------------------- */

bool ratls_deploy_binder(const uint8_t exporter[32], const uint8_t nonce[32], const uint8_t key_sha256[32],
                         uint8_t out[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha512(), NULL) == 1 &&
              EVP_DigestUpdate(md, DEPLOY_BINDER_LABEL, DEPLOY_BINDER_LABEL_LEN) == 1 &&
              EVP_DigestUpdate(md, exporter, DEPLOY_EXPORTER_LEN) == 1 &&
              EVP_DigestUpdate(md, nonce, DEPLOY_NONCE_LEN) == 1 && EVP_DigestUpdate(md, key_sha256, 32) == 1 &&
              EVP_DigestFinal_ex(md, out, &n) == 1 && n == 64;
    EVP_MD_CTX_free(md);
    return ok;
}

attest_status ratls_verify_fresh(const attest_trust *trust, const uint8_t *evidence, size_t len,
                                 const uint8_t exporter[32], const uint8_t nonce[32], const uint8_t key_sha256[32],
                                 const attest_inputs *in, attest_result *res)
{
    uint8_t binder[64];
    if (!ratls_deploy_binder(exporter, nonce, key_sha256, binder))
        return res_fail(res, "fresh.report_data", NULL, "internal: SHA-512 failed");
    report_binding b = {binder, 64, "fresh.report_data",
                        "the binder of this connection (its TLS exporter, the nonce sent, the key's hash)",
                        "this evidence was not made for this connection: a replay, or a relay between you and the "
                        "Keep"};
    return typed_evidence_alone(trust, evidence, len, &b, in, res);
}
