/* RA-TLS certificates and typed evidence (src/attest/ratls.c), with
 * certificates made here: UNATTESTED documents, SNP evidence from the test
 * attester (tests/attester/), and every way to get them wrong — another hash
 * algorithm, a critical or duplicated extension, an oversize value, a tag we
 * do not know or one that lies about the kind, claims that do not bind the
 * key or the evidence, a broken self-signature, times outside validity,
 * truncations and flipped bytes; the typed document's own form; the deploy
 * binder (another exporter, nonce or key); the policy's unattested
 * measurements and test roots. With $SHARED_DIR: Gramine's legacy extension
 * on a real quote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "abi/evidence.h"
#include "attest/ratls.h"
#include "check.h"
#include "common/file.h"
#include "common/ratls_ext.h"
#include "../attester/test_attester.h" /* relative: lint sees only -Isrc -Itests/lib */

static attest_trust *trust;
static test_attester *ta;
static EVP_PKEY *key, *other_key;
static char chain_dir[64];

/* ---- building certificates ------------------------------------------------ */

static void spki_hash(EVP_PKEY *k, const EVP_MD *md, uint8_t *out, size_t *len)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    unsigned int hl = 0;
    EVP_Digest(der, (size_t)n, out, &hl, md, NULL);
    *len = hl;
    OPENSSL_free(der);
}

/* Certificate options: what to get wrong. */
typedef struct cert_spec {
    uint64_t tag;
    const uint8_t *evidence;
    size_t evidence_len;
    unsigned alg;             /* pubkey-hash algorithm (0: SHA-256) */
    EVP_PKEY *hashed_key;     /* whose key the claims bind (NULL: the certificate's) */
    int critical, twice;
    const char *oid;          /* NULL: 2.23.133.5.4.9 */
    const uint8_t *raw_value; /* the whole extension value instead of the CBOR */
    size_t raw_len;
    EVP_PKEY *signer;         /* NULL: the certificate's key */
    long not_before_days, not_after_days;
} cert_spec;

static uint8_t *make_cert(const cert_spec *s, size_t *out_len)
{
    uint8_t claims[256], hash[64];
    size_t hash_len = 0;
    unsigned alg = s->alg ? s->alg : RATLS_HASH_SHA256;
    const EVP_MD *md = alg == RATLS_HASH_SHA384 ? EVP_sha384() : alg == RATLS_HASH_SHA512 ? EVP_sha512() : EVP_sha256();
    spki_hash(s->hashed_key ? s->hashed_key : key, md, hash, &hash_len);
    size_t claims_len = ratls_claims_encode(alg, hash, hash_len, NULL, 0, claims, sizeof claims);
    size_t n = ratls_ext_encode(s->tag, s->evidence, s->evidence_len, claims, claims_len, NULL, 0);
    uint8_t *value = malloc(n);
    ratls_ext_encode(s->tag, s->evidence, s->evidence_len, claims, claims_len, value, n);
    const uint8_t *v = s->raw_value ? s->raw_value : value;
    size_t vlen = s->raw_value ? s->raw_len : n;

    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"ratls test", -1, -1, 0);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), s->not_before_days * 86400L - 60);
    X509_gmtime_adj(X509_getm_notAfter(x), (s->not_after_days ? s->not_after_days : 30) * 86400L);
    X509_set_pubkey(x, key);
    ASN1_OBJECT *obj = OBJ_txt2obj(s->oid ? s->oid : RATLS_EXT_OID, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(os, v, (int)vlen);
    for (int i = 0; i < (s->twice ? 2 : 1); i++) {
        X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, s->critical, os);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, s->signer ? s->signer : key, EVP_sha256());
    unsigned char *der = NULL;
    int dl = i2d_X509(x, &der);
    uint8_t *out = malloc((size_t)dl);
    memcpy(out, der, (size_t)dl);
    *out_len = (size_t)dl;
    OPENSSL_free(der);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    X509_NAME_free(name);
    X509_free(x);
    free(value);
    return out;
}

/* SHA-256(claims) || 0^32 for a certificate of `key` (the report data its
 * evidence must carry). */
static void bound_report_data(EVP_PKEY *k, unsigned alg, uint8_t out[64])
{
    uint8_t claims[256], hash[64];
    size_t hash_len = 0;
    const EVP_MD *md = alg == RATLS_HASH_SHA384 ? EVP_sha384() : alg == RATLS_HASH_SHA512 ? EVP_sha512() : EVP_sha256();
    spki_hash(k, md, hash, &hash_len);
    size_t n = ratls_claims_encode(alg, hash, hash_len, NULL, 0, claims, sizeof claims);
    memset(out, 0, 64);
    unsigned int hl = 0;
    EVP_Digest(claims, n, out, &hl, EVP_sha256(), NULL);
}

/* ---- typed documents ------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#define UNATTESTED_LEN (ENARX_EVIDENCE_HEADER_LEN + ENARX_UNATTESTED_BODY_LEN)
static const uint8_t claimed[48] = {0xab, 0xcd, 0xef, 1, 2, 3};

/* The bytes of a string, without its NUL. */
static void put_str(uint8_t *dst, const char *s)
{
    for (; *s; s++)
        *dst++ = (uint8_t)*s;
}

static void make_unattested(uint8_t doc[UNATTESTED_LEN], const uint8_t report_data[64])
{
    memset(doc, 0, UNATTESTED_LEN);
    put_str(doc, ENARX_EVIDENCE_MAGIC);
    put32(doc + 8, ENARX_EVIDENCE_UNATTESTED);
    put32(doc + 12, ENARX_EVIDENCE_HEADER_LEN);
    put32(doc + 16, ENARX_UNATTESTED_BODY_LEN);
    uint8_t *b = doc + ENARX_EVIDENCE_HEADER_LEN;
    put_str(b, ENARX_UNATTESTED_MARKER);
    put32(b + 32, ENARX_HASH_SHA384);
    put32(b + 36, 48);
    memcpy(b + 40, claimed, 48);
    memcpy(b + 104, report_data, 64);
}

/* ---- verdicts --------------------------------------------------------------- */

static attest_inputs inputs(bool allow_unattested)
{
    attest_inputs in;
    memset(&in, 0, sizeof in);
    in.time = time(NULL);
    in.allow_unattested = allow_unattested;
    return in;
}

/* Verifies and compares status and check; prints the result on a mismatch. */
static void expect_cert(const char *what, const uint8_t *der, size_t len, const attest_inputs *in,
                        attest_status want, const char *check)
{
    attest_result res;
    attest_result_init(&res);
    ratls_verify_cert(trust, der, len, in, &res, NULL);
    int ok = res.status == want && (want == ATTEST_VALID || strcmp(res.check, check) == 0);
    if (!ok)
        printf("     %s: status %d check %s: %s\n", what, res.status, res.check, res.reason);
    check_record(ok, __FILE__, __LINE__, what);
    attest_result_clear(&res);
}

static void test_unattested_certs(void)
{
    uint8_t rd[64], doc[UNATTESTED_LEN];
    bound_report_data(key, RATLS_HASH_SHA256, rd);
    make_unattested(doc, rd);
    size_t len;
    uint8_t *der = make_cert(&(cert_spec){.tag = ENARX_CBOR_TAG_UNATTESTED, .evidence = doc, .evidence_len = sizeof doc},
                             &len);
    attest_inputs strict = inputs(false), lax = inputs(true);
    expect_cert("unattested refused by default", der, len, &strict, ATTEST_REFUSED, "unattested");
    attest_result res;
    attest_result_init(&res);
    ratls_cert c;
    CHECK(ratls_verify_cert(trust, der, len, &lax, &res, &c) == ATTEST_VALID);
    CHECK(!res.hardware_rooted && !res.test_root && res.kind == ATTEST_KIND_UNATTESTED);
    CHECK(res.measurement_len == 48 && memcmp(res.measurement, claimed, 48) == 0);
    CHECK(res.has_report_data && memcmp(res.report_data, rd, 64) == 0);
    CHECK(c.format == RATLS_FORMAT_CCC && c.kind == ATTEST_KIND_UNATTESTED && c.report_data_bound == 64);
    /* the expected measurement, right and wrong */
    CHECK(attest_expect_measurement(&res, claimed, 48) == ATTEST_VALID);
    uint8_t wrong[48] = {0};
    CHECK(attest_expect_measurement(&res, wrong, 48) == ATTEST_REFUSED && strcmp(res.check, "measurement") == 0 &&
          strstr(res.reason, "abcdef010203") && strstr(res.reason, "000000000000"));
    attest_result_clear(&res);
    ratls_cert_free(&c);
    free(der);

    /* claims mismatch: the document binds other claims (another key's) */
    uint8_t other_rd[64];
    bound_report_data(other_key, RATLS_HASH_SHA256, other_rd);
    make_unattested(doc, other_rd);
    der = make_cert(&(cert_spec){.tag = ENARX_CBOR_TAG_UNATTESTED, .evidence = doc, .evidence_len = sizeof doc}, &len);
    expect_cert("claims mismatch (unattested)", der, len, &lax, ATTEST_REFUSED, "ratls.report_data");
    free(der);
    /* the tail must be zero too: all 64 bytes bind for our kinds */
    memcpy(other_rd, rd, 64);
    other_rd[63] = 1;
    make_unattested(doc, other_rd);
    der = make_cert(&(cert_spec){.tag = ENARX_CBOR_TAG_UNATTESTED, .evidence = doc, .evidence_len = sizeof doc}, &len);
    expect_cert("report data tail not zero", der, len, &lax, ATTEST_REFUSED, "ratls.report_data");
    free(der);

    /* the tag and the document disagree */
    make_unattested(doc, rd);
    der = make_cert(&(cert_spec){.tag = ENARX_CBOR_TAG_SNP, .evidence = doc, .evidence_len = sizeof doc}, &len);
    expect_cert("SNP tag on an UNATTESTED document", der, len, &lax, ATTEST_REFUSED, "ratls.extension");
    free(der);
}

static void test_snp_certs(void)
{
    uint8_t rd[64];
    bound_report_data(key, RATLS_HASH_SHA384, rd);
    struct test_report_fields f;
    test_report_fields_init(&f);
    memset(f.measurement, 0x5a, 48);
    uint8_t *ev;
    size_t evlen, len;
    CHECK(test_attester_evidence(ta, rd, &f, &ev, &evlen) == 0);
    uint8_t *der = make_cert(
        &(cert_spec){.tag = ENARX_CBOR_TAG_SNP, .evidence = ev, .evidence_len = evlen, .alg = RATLS_HASH_SHA384}, &len);
    attest_inputs in = inputs(false);
    expect_cert("SNP test evidence without its root", der, len, &in, ATTEST_REFUSED, "snp.root");

    char path[128], err[256];
    snprintf(path, sizeof path, "%s/chain.pem", chain_dir);
    file_contents chain;
    char why[128];
    CHECK(file_read_all(path, 1 << 20, 0, &chain, why, sizeof why) == FILE_OK);
    attest_trust *with_root = attest_trust_new(err, sizeof err);
    CHECK(attest_trust_add_test_roots(with_root, chain.data, chain.size, err, sizeof err) == 0);
    attest_result res;
    attest_result_init(&res);
    CHECK(ratls_verify_cert(with_root, der, len, &in, &res, NULL) == ATTEST_VALID);
    CHECK(res.hardware_rooted && res.test_root && res.kind == ATTEST_KIND_SNP && res.measurement_len == 48 &&
          res.measurement[47] == 0x5a);
    attest_result_clear(&res);

    /* pinned by fingerprint (a policy's test_roots): the ARK comes from the table */
    attest_trust *pinned = attest_trust_new(err, sizeof err);
    uint8_t fpr[32];
    test_attester_root_sha256(ta, fpr);
    char hexfpr[65], policy_text[200];
    for (int i = 0; i < 32; i++)
        sprintf(hexfpr + (size_t)2 * i, "%02x", fpr[i]);
    snprintf(policy_text, sizeof policy_text, "test_roots = [\"%s\"]\n", hexfpr);
    attest_policy *p = attest_policy_parse(policy_text, strlen(policy_text), err, sizeof err);
    CHECK(p && attest_policy_pin_test_roots(p, pinned) == 0);
    attest_result_init(&res);
    CHECK(ratls_verify_cert(pinned, der, len, &in, &res, NULL) == ATTEST_VALID && res.test_root);
    CHECK(attest_policy_apply(p, &res) == ATTEST_VALID);
    attest_result_clear(&res);
    attest_policy_free(p);
    attest_trust_free(pinned);

    /* claims mismatch: evidence bound to another key's claims */
    uint8_t other_rd[64];
    bound_report_data(other_key, RATLS_HASH_SHA384, other_rd);
    free(ev);
    CHECK(test_attester_evidence(ta, other_rd, &f, &ev, &evlen) == 0);
    free(der);
    der = make_cert(
        &(cert_spec){.tag = ENARX_CBOR_TAG_SNP, .evidence = ev, .evidence_len = evlen, .alg = RATLS_HASH_SHA384}, &len);
    attest_result_init(&res);
    CHECK(ratls_verify_cert(with_root, der, len, &in, &res, NULL) == ATTEST_REFUSED &&
          strcmp(res.check, "ratls.report_data") == 0);
    attest_result_clear(&res);

    /* a flipped byte in the report's signed part: the signature check */
    free(ev);
    CHECK(test_attester_evidence(ta, rd, &f, &ev, &evlen) == 0);
    ev[ENARX_EVIDENCE_HEADER_LEN + 0x90] ^= 1; /* MEASUREMENT */
    free(der);
    der = make_cert(
        &(cert_spec){.tag = ENARX_CBOR_TAG_SNP, .evidence = ev, .evidence_len = evlen, .alg = RATLS_HASH_SHA384}, &len);
    attest_result_init(&res);
    CHECK(ratls_verify_cert(with_root, der, len, &in, &res, NULL) == ATTEST_REFUSED &&
          strcmp(res.check, "snp.signature") == 0);
    attest_result_clear(&res);

    free(ev);
    free(der);
    file_contents_free(&chain);
    attest_trust_free(with_root);
}

static void test_cert_refusals(void)
{
    uint8_t rd[64], doc[UNATTESTED_LEN];
    bound_report_data(key, RATLS_HASH_SHA256, rd);
    make_unattested(doc, rd);
    attest_inputs in = inputs(true);
    size_t len;
    uint8_t *der;
#define UNATTESTED_SPEC .tag = ENARX_CBOR_TAG_UNATTESTED, .evidence = doc, .evidence_len = sizeof doc

    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .alg = 2}, &len);
    expect_cert("hash algorithm 2", der, len, &in, ATTEST_REFUSED, "ratls.claims");
    free(der);
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .hashed_key = other_key}, &len);
    expect_cert("pubkey-hash of another key", der, len, &in, ATTEST_REFUSED, "ratls.key_binding");
    free(der);
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .critical = 1}, &len);
    expect_cert("critical extension", der, len, &in, ATTEST_REFUSED, "ratls.critical");
    free(der);
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .twice = 1}, &len);
    expect_cert("extension twice", der, len, &in, ATTEST_REFUSED, "ratls.parse");
    free(der);
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .signer = other_key}, &len);
    expect_cert("self-signature by another key", der, len, &in, ATTEST_REFUSED, "ratls.signature");
    free(der);
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .not_before_days = 2, .not_after_days = 3}, &len);
    expect_cert("not yet valid", der, len, &in, ATTEST_REFUSED, "ratls.validity");
    free(der);
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .not_before_days = -10, .not_after_days = -1}, &len);
    expect_cert("expired", der, len, &in, ATTEST_REFUSED, "ratls.validity");
    free(der);
    der = make_cert(&(cert_spec){.tag = 60002, .evidence = doc, .evidence_len = sizeof doc}, &len);
    expect_cert("legacy SGX report tag 60002", der, len, &in, ATTEST_REFUSED, "ratls.extension");
    free(der);
    der = make_cert(&(cert_spec){.tag = 0x1a7504, .evidence = doc, .evidence_len = sizeof doc}, &len);
    expect_cert("rats-tls' SNP tag", der, len, &in, ATTEST_REFUSED, "ratls.extension");
    free(der);
    der = make_cert(&(cert_spec){.tag = RATLS_TAG_INTEL_QUOTE, .evidence = doc, .evidence_len = sizeof doc}, &len);
    expect_cert("tag 60000 on a non-quote", der, len, &in, ATTEST_REFUSED, "ratls.extension");
    free(der);
    static const uint8_t not_cbor[] = {0x9f, 0x01, 0xff};
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .raw_value = not_cbor, .raw_len = sizeof not_cbor}, &len);
    expect_cert("indefinite-length CBOR", der, len, &in, ATTEST_REFUSED, "ratls.extension");
    free(der);
    uint8_t *big = calloc(1, RATLS_EXT_MAX + 1);
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .raw_value = big, .raw_len = RATLS_EXT_MAX + 1}, &len);
    expect_cert("oversize extension", der, len, &in, ATTEST_REFUSED, "ratls.parse");
    free(der);
    free(big);
    /* SHA-384 and SHA-512 pubkey-hashes bind as well as SHA-256 */
    for (unsigned alg = RATLS_HASH_SHA384; alg <= RATLS_HASH_SHA512; alg++) {
        uint8_t rd2[64], doc2[UNATTESTED_LEN];
        bound_report_data(key, alg, rd2);
        make_unattested(doc2, rd2);
        der = make_cert(
            &(cert_spec){.tag = ENARX_CBOR_TAG_UNATTESTED, .evidence = doc2, .evidence_len = sizeof doc2, .alg = alg},
            &len);
        expect_cert(alg == RATLS_HASH_SHA384 ? "pubkey-hash SHA-384" : "pubkey-hash SHA-512", der, len, &in,
                    ATTEST_VALID, NULL);
        free(der);
    }
    /* no evidence extension; not a certificate; truncated */
    der = make_cert(&(cert_spec){UNATTESTED_SPEC, .oid = "1.2.3.4"}, &len);
    expect_cert("no evidence extension", der, len, &in, ATTEST_BAD_INPUT, "ratls.parse");
    free(der);
    der = make_cert(&(cert_spec){UNATTESTED_SPEC}, &len);
    expect_cert("a valid one (control)", der, len, &in, ATTEST_VALID, NULL);
    for (size_t cut = 1; cut < len; cut += 97)
        expect_cert("truncated", der, cut, &in, ATTEST_BAD_INPUT, "ratls.parse");
    /* every byte flipped in turn (a sample): never accepted, never a crash */
    unsigned accepted = 0;
    for (size_t i = 0; i < len; i += 3) {
        der[i] ^= 0x01;
        attest_result res;
        attest_result_init(&res);
        if (ratls_verify_cert(trust, der, len, &in, &res, NULL) == ATTEST_VALID)
            accepted++;
        attest_result_clear(&res);
        der[i] ^= 0x01;
    }
    /* A flip inside the outer signature's DER INTEGER padding can leave an
     * equivalent certificate; everything else must be refused. */
    if (accepted)
        printf("     %u flipped certificates accepted\n", accepted);
    CHECK(accepted == 0);
    free(der);
#undef UNATTESTED_SPEC
}

static void test_typed_documents(void)
{
    uint8_t rd[64] = {7}, doc[UNATTESTED_LEN];
    attest_inputs in = inputs(true);
    struct {
        size_t off;
        uint8_t value;
        const char *check;
        const char *what;
    } cases[] = {
        {0, 'X', "evidence.format", "magic"},
        {8, 9, "evidence.format", "unknown kind"},
        {12, 33, "evidence.format", "header length"},
        {24, 1, "evidence.format", "reserved byte"},
        {16, 169, "evidence.format", "lengths do not add up"},
        {32, 'u', "unattested.format", "marker"},
        {32 + 31, 'x', "unattested.format", "marker padding"},
        {32 + 32, 2, "unattested.format", "hash algorithm"},
        {32 + 36, 32, "unattested.format", "measurement length"},
        {32 + 40 + 60, 1, "unattested.format", "measurement tail"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_unattested(doc, rd);
        doc[cases[i].off] = cases[i].value;
        attest_result res;
        attest_result_init(&res);
        attest_verify_typed_evidence(trust, doc, sizeof doc, rd, 64, &in, &res);
        int ok = res.status == ATTEST_REFUSED && strcmp(res.check, cases[i].check) == 0;
        if (!ok)
            printf("     %s: status %d check %s: %s\n", cases[i].what, res.status, res.check, res.reason);
        check_record(ok, __FILE__, __LINE__, cases[i].what);
        attest_result_clear(&res);
    }
    make_unattested(doc, rd);
    attest_result res;
    attest_result_init(&res);
    CHECK(attest_verify_typed_evidence(trust, doc, sizeof doc - 1, rd, 64, &in, &res) == ATTEST_REFUSED);
    attest_result_clear(&res);

    /* the SNP certificate table */
    uint8_t *ev;
    size_t evlen;
    CHECK(test_attester_evidence(ta, rd, NULL, &ev, &evlen) == 0);
    size_t table = ENARX_EVIDENCE_HEADER_LEN + ENARX_SNP_REPORT_LEN;
    struct {
        size_t off;
        uint8_t value;
        const char *check;
    } tcases[] = {
        {table + 16 + 3, 0x7f, "snp.cert_table"},  /* VCEK offset far outside */
        {table + 24, 0x63, "snp.cert_table"},      /* ASK entry made a second VCEK: first byte of GUID... */
    };
    /* a second VCEK: copy the VCEK entry's GUID over the ASK's */
    for (size_t i = 0; i < sizeof tcases / sizeof tcases[0]; i++) {
        uint8_t *copy = malloc(evlen);
        memcpy(copy, ev, evlen);
        if (i == 1)
            memcpy(copy + table + 24, copy + table, 16);
        else
            copy[tcases[i].off] = tcases[i].value;
        attest_result_init(&res);
        attest_verify_typed_evidence(trust, copy, evlen, rd, 64, &in, &res);
        int ok = res.status == ATTEST_REFUSED && strcmp(res.check, tcases[i].check) == 0;
        if (!ok)
            printf("     table case %zu: status %d check %s: %s\n", i, res.status, res.check, res.reason);
        check_record(ok, __FILE__, __LINE__, "certificate table");
        attest_result_clear(&res);
        free(copy);
    }
    /* no all-zero last entry: the table cut right after its entries */
    uint8_t *cut = malloc(table + 48);
    memcpy(cut, ev, table + 48);
    put32(cut + 20, 48);
    attest_result_init(&res);
    attest_verify_typed_evidence(trust, cut, table + 48, rd, 64, &in, &res);
    CHECK(res.status == ATTEST_REFUSED && strcmp(res.check, "snp.cert_table") == 0);
    attest_result_clear(&res);
    free(cut);
    free(ev);
}

static void test_fresh(void)
{
    uint8_t exporter[32] = {1}, nonce[32] = {2}, key_hash[32] = {3}, binder[64], doc[UNATTESTED_LEN];
    CHECK(ratls_deploy_binder(exporter, nonce, key_hash, binder));
    /* SHA-512("enarx-deploy-v1 keep" || 01 00.. || 02 00.. || 03 00..) */
    uint8_t input[20 + 96] = "enarx-deploy-v1 keep";
    memset(input + 20, 0, 96);
    input[20] = 1;
    input[52] = 2;
    input[84] = 3;
    uint8_t want[64];
    unsigned int wl = 0;
    EVP_Digest(input, sizeof input, want, &wl, EVP_sha512(), NULL);
    CHECK(memcmp(binder, want, 64) == 0);
    make_unattested(doc, binder);
    attest_inputs in = inputs(true);
    attest_result res;
    attest_result_init(&res);
    CHECK(ratls_verify_fresh(trust, doc, sizeof doc, exporter, nonce, key_hash, &in, &res) == ATTEST_VALID);
    attest_result_clear(&res);
    uint8_t other[32] = {9};
    const uint8_t *variants[][3] = {{other, nonce, key_hash}, {exporter, other, key_hash}, {exporter, nonce, other}};
    const char *names[] = {"another connection's exporter", "another nonce", "another key"};
    for (int i = 0; i < 3; i++) {
        attest_result_init(&res);
        ratls_verify_fresh(trust, doc, sizeof doc, variants[i][0], variants[i][1], variants[i][2], &in, &res);
        int ok = res.status == ATTEST_REFUSED && strcmp(res.check, "fresh.report_data") == 0;
        if (!ok)
            printf("     %s: status %d check %s\n", names[i], res.status, res.check);
        check_record(ok, __FILE__, __LINE__, names[i]);
        attest_result_clear(&res);
    }
    /* unattested and not allowed: refused even when bound */
    attest_inputs strict = inputs(false);
    attest_result_init(&res);
    CHECK(ratls_verify_fresh(trust, doc, sizeof doc, exporter, nonce, key_hash, &strict, &res) == ATTEST_REFUSED &&
          strcmp(res.check, "unattested") == 0);
    attest_result_clear(&res);
    /* test attester evidence for the binder, with and without the root */
    uint8_t *ev;
    size_t evlen;
    CHECK(test_attester_evidence(ta, binder, NULL, &ev, &evlen) == 0);
    attest_result_init(&res);
    CHECK(ratls_verify_fresh(trust, ev, evlen, exporter, nonce, key_hash, &strict, &res) == ATTEST_REFUSED &&
          strcmp(res.check, "snp.root") == 0);
    attest_result_clear(&res);
    free(ev);
}

static void test_policy(void)
{
    char err[256];
    uint8_t rd[64] = {0}, doc[UNATTESTED_LEN];
    make_unattested(doc, rd);
    attest_inputs in = inputs(true);
    const char *ok_policy = "allow_unattested = true\n[unattested]\nmeasurements = "
                            "[\"abcdef010203000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"]\n";
    const char *bad_policy = "[unattested]\nmeasurements = [\"00\"]\n";
    attest_policy *p = attest_policy_parse(ok_policy, strlen(ok_policy), err, sizeof err);
    attest_policy *q = attest_policy_parse(bad_policy, strlen(bad_policy), err, sizeof err);
    CHECK(p && q && attest_policy_allows_unattested(p) && !attest_policy_allows_unattested(q));
    attest_result res;
    attest_result_init(&res);
    attest_verify_typed_evidence(trust, doc, sizeof doc, rd, 64, &in, &res);
    CHECK(attest_policy_apply(p, &res) == ATTEST_VALID);
    attest_result_clear(&res);
    attest_result_init(&res);
    attest_verify_typed_evidence(trust, doc, sizeof doc, rd, 64, &in, &res);
    CHECK(attest_policy_apply(q, &res) == ATTEST_REFUSED && strcmp(res.check, "policy.measurement") == 0);
    attest_result_clear(&res);
    attest_policy_free(p);
    attest_policy_free(q);
    const char *tee_only_snp = "tee = [\"sev-snp\"]\n";
    p = attest_policy_parse(tee_only_snp, strlen(tee_only_snp), err, sizeof err);
    attest_result_init(&res);
    attest_verify_typed_evidence(trust, doc, sizeof doc, rd, 64, &in, &res);
    CHECK(attest_policy_apply(p, &res) == ATTEST_REFUSED && strcmp(res.check, "policy.tee") == 0);
    attest_result_clear(&res);
    attest_policy_free(p);
    const char *bad_root = "test_roots = [\"abcd\"]\n";
    CHECK(!attest_policy_parse(bad_root, strlen(bad_root), err, sizeof err) && strstr(err, "64 hex digits"));
}

/* Gramine's legacy extension (a bare quote, report data = SHA-256 of
 * Gramine's key) moved into a certificate of our key: the quote verifies,
 * the binding to our key does not. */
static void test_gramine_legacy(void)
{
    const char *shared = getenv("SHARED_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/ratls-vectors/ccc-interoperable-ra-tls/interoperability-tests/gramine-cert.pem",
             shared ? shared : "../shared");
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("SKIP gramine legacy extension: %s absent\n", path);
        return;
    }
    X509 *g = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ASN1_OBJECT *obj = OBJ_txt2obj(RATLS_GRAMINE_LEGACY_OID, 1);
    int i = X509_get_ext_by_OBJ(g, obj, -1);
    CHECK(i >= 0);
    const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(g, i));
    size_t len;
    uint8_t *der = make_cert(&(cert_spec){.oid = RATLS_GRAMINE_LEGACY_OID, .raw_value = ASN1_STRING_get0_data(v),
                                          .raw_len = (size_t)ASN1_STRING_length(v)},
                             &len);
    attest_inputs in = inputs(false);
    attest_result res;
    attest_result_init(&res);
    ratls_cert c;
    ratls_verify_cert(trust, der, len, &in, &res, &c);
    CHECK(c.format == RATLS_FORMAT_GRAMINE_LEGACY && c.kind == ATTEST_KIND_SGX);
    CHECK(res.status == ATTEST_REFUSED && strcmp(res.check, "ratls.report_data") == 0 &&
          strstr(res.reason, "SHA-256 of the key"));
    int quote_verified = 0;
    size_t k;
    json_t *x;
    json_array_foreach(res.checks, k, x) {
        if (strstr(json_string_value(x), "quote signature"))
            quote_verified = 1;
    }
    CHECK(quote_verified);
    attest_result_clear(&res);
    ratls_cert_free(&c);
    free(der);
    ASN1_OBJECT_free(obj);
    X509_free(g);
}

int main(void)
{
    char err[512];
    trust = attest_trust_new(err, sizeof err);
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    other_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    snprintf(chain_dir, sizeof chain_dir, "/tmp/ratls-test-chain.%d", (int)getpid());
    if (!trust || !key || !other_key || test_attester_create(chain_dir, err, sizeof err) != 0 ||
        !(ta = test_attester_load(chain_dir, err, sizeof err))) {
        printf("FAIL set-up: %s\n", err);
        return 1;
    }
    test_unattested_certs();
    test_snp_certs();
    test_cert_refusals();
    test_typed_documents();
    test_fresh();
    test_policy();
    test_gramine_legacy();
    test_attester_free(ta);
    attest_trust_free(trust);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other_key);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", chain_dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", chain_dir);
    return check_summary();
}
