/* The verifier's caches must never change a verdict: whatever a warm
 * attest_verifier decides, a cold attest_verify decides too.
 *
 * Part 1 builds a complete synthetic Intel PKI here (fresh keys: a root, a PCK
 * Platform CA, a PCK certificate with its SGX extension, a TCB Signing
 * certificate), an SGX quote v3 signed through it, a signed TCB Info and
 * CRLs. With the caches warmed by the genuine quote it then presents what a
 * cache hit could wrongly accept: the same certificate bytes under another
 * issuer, a verification time outside a validity period, a CRL given later
 * that revokes a certificate, stale or re-signed collateral, altered bytes.
 * Each is refused by the warm verifier exactly as by a cold run. Then: only
 * valid evidence is admitted, the tables stay within their bounds, and
 * several threads can share one verifier.
 *
 * Part 2 (when $SHARED_DIR holds the attestation vectors): every valid case of
 * CASES.tsv, warm, against variations (times far outside every validity
 * period, a bit flipped in the evidence, another case's VCEK or collateral),
 * comparing the warm verdict, check and reason with a cold run's. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attest/internal.h"
#include "check.h"
#include "common/file.h"

#define T0 1751328000 /* 2025-07-01T00:00:00Z: every synthetic validity period covers it */
#define DAY 86400

/* ---- small DER writer ---------------------------------------------------- */

typedef struct dbuf {
    uint8_t b[2048];
    size_t n;
} dbuf;

static void put(dbuf *d, const void *p, size_t n)
{
    if (d->n + n > sizeof d->b)
        abort();
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

static void tlv(dbuf *d, uint8_t tag, const void *p, size_t n)
{
    uint8_t h[4] = {tag};
    size_t hn = 2;
    if (n < 128) {
        h[1] = (uint8_t)n;
    } else if (n < 256) {
        h[1] = 0x81;
        h[2] = (uint8_t)n;
        hn = 3;
    } else {
        h[1] = 0x82;
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        hn = 4;
    }
    put(d, h, hn);
    put(d, p, n);
}

/* SEQUENCE { OID parent.arc, value } */
static void oid_pair(dbuf *d, const uint8_t *parent, size_t plen, uint8_t arc, const dbuf *value)
{
    dbuf oid = {{0}, 0}, inner = {{0}, 0};
    put(&oid, parent, plen);
    put(&oid, &arc, 1);
    tlv(&inner, 0x06, oid.b, oid.n);
    put(&inner, value->b, value->n);
    tlv(d, 0x30, inner.b, inner.n);
}

/* The PCK certificate's SGX extension: PPID, TCB (16 SVNs, PCESVN, CPUSVN),
 * PCE-ID, FMSPC, SGX type. */
static void sgx_extension(dbuf *out, const uint8_t fmspc[6], uint8_t comp_svn, unsigned pcesvn)
{
    dbuf seq = {{0}, 0}, tcb = {{0}, 0}, v;
    uint8_t zeros[16] = {0};
    v.n = 0;
    tlv(&v, 0x04, zeros, 16);
    oid_pair(&seq, attest_sgx_ext_oid, sizeof attest_sgx_ext_oid, 1, &v);
    for (uint8_t i = 1; i <= 18; i++) {
        v.n = 0;
        if (i <= 16) {
            tlv(&v, 0x02, &comp_svn, 1);
        } else if (i == 17) {
            uint8_t p[2] = {(uint8_t)(pcesvn >> 8), (uint8_t)pcesvn};
            tlv(&v, 0x02, p, 2);
        } else {
            uint8_t cpusvn[16];
            memset(cpusvn, comp_svn, 16);
            tlv(&v, 0x04, cpusvn, 16);
        }
        oid_pair(&tcb, attest_sgx_tcb_oid, sizeof attest_sgx_tcb_oid, i, &v);
    }
    v.n = 0;
    tlv(&v, 0x30, tcb.b, tcb.n);
    oid_pair(&seq, attest_sgx_ext_oid, sizeof attest_sgx_ext_oid, 2, &v);
    v.n = 0;
    tlv(&v, 0x04, zeros, 2);
    oid_pair(&seq, attest_sgx_ext_oid, sizeof attest_sgx_ext_oid, 3, &v);
    v.n = 0;
    tlv(&v, 0x04, fmspc, 6);
    oid_pair(&seq, attest_sgx_ext_oid, sizeof attest_sgx_ext_oid, 4, &v);
    v.n = 0;
    uint8_t type = 1;
    tlv(&v, 0x0a, &type, 1);
    oid_pair(&seq, attest_sgx_ext_oid, sizeof attest_sgx_ext_oid, 5, &v);
    out->n = 0;
    tlv(out, 0x30, seq.b, seq.n);
}

/* ---- certificates, CRLs, signatures ------------------------------------- */

static EVP_PKEY *new_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    if (!k)
        abort();
    return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!e || !X509_add_ext(x, e, -1))
        abort();
    X509_EXTENSION_free(e);
}

/* issuer NULL: self-signed. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca, time_t from,
                       time_t to, long serial, const dbuf *sgx_ext)
{
    X509 *x = X509_new();
    if (!x)
        abort();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
    ASN1_TIME_set(X509_getm_notBefore(x), from);
    ASN1_TIME_set(X509_getm_notAfter(x), to);
    X509_set_pubkey(x, key);
    add_ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, issuer ? issuer : x, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (sgx_ext) {
        ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(os, sgx_ext->b, (int)sgx_ext->n);
        X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
        if (!e || !X509_add_ext(x, e, -1))
            abort();
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(obj);
    }
    if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
        abort();
    return x;
}

/* ECDSA P-256/SHA-256 as raw big-endian r || s. */
static void sign_raw(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t out[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[80];
    size_t dlen = sizeof der;
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, der, &dlen, msg, len) != 1)
        abort();
    EVP_MD_CTX_free(md);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) != 32)
        abort();
    ECDSA_SIG_free(sig);
}

static void public_xy(EVP_PKEY *key, uint8_t xy[64])
{
    uint8_t pt[65];
    size_t n = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt, &n) != 1 ||
        n != 65 || pt[0] != 4)
        abort();
    memcpy(xy, pt + 1, 64);
}

static uint8_t *crl_der(X509 *issuer, EVP_PKEY *key, time_t last, time_t next, long revoked_serial, size_t *len)
{
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
    ASN1_TIME *t = ASN1_TIME_set(NULL, last), *u = ASN1_TIME_set(NULL, next);
    X509_CRL_set1_lastUpdate(crl, t);
    X509_CRL_set1_nextUpdate(crl, u);
    if (revoked_serial > 0) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *s = ASN1_INTEGER_new();
        ASN1_INTEGER_set(s, revoked_serial);
        X509_REVOKED_set_serialNumber(r, s);
        X509_REVOKED_set_revocationDate(r, t);
        X509_CRL_add0_revoked(crl, r);
        ASN1_INTEGER_free(s);
    }
    X509_CRL_sort(crl);
    if (!X509_CRL_sign(crl, key, EVP_sha256()))
        abort();
    ASN1_TIME_free(t);
    ASN1_TIME_free(u);
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    X509_CRL_free(crl);
    if (n <= 0)
        abort();
    *len = (size_t)n;
    return der;
}

static char *pem_of(X509 *const *certs, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    for (size_t i = 0; i < n; i++)
        PEM_write_bio_X509(b, certs[i]);
    char *data;
    long len = BIO_get_mem_data(b, &data);
    char *out = malloc((size_t)len + 1);
    memcpy(out, data, (size_t)len);
    out[len] = '\0';
    BIO_free(b);
    return out;
}

/* ---- the synthetic platform ---------------------------------------------- */

typedef struct pki {
    EVP_PKEY *root_key, *ca_key, *pck_key, *tcb_key, *ak, *other_ca_key;
    X509 *root, *ca, *pck, *tcb_signer, *other_ca, *short_pck;
    char *root_pem, *tcb_chain_pem;
    uint8_t fmspc[6];
} pki;

static pki P;

static void make_pki(void)
{
    static const uint8_t fmspc[6] = {0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00};
    memcpy(P.fmspc, fmspc, 6);
    P.root_key = new_key();
    P.ca_key = new_key();
    P.pck_key = new_key();
    P.tcb_key = new_key();
    P.ak = new_key();
    P.other_ca_key = new_key();
    dbuf ext;
    sgx_extension(&ext, fmspc, 3, 11);
    P.root = make_cert("Intel SGX Root CA", P.root_key, NULL, NULL, true, T0 - 3650 * DAY, T0 + 3650 * DAY, 1, NULL);
    P.ca = make_cert("Intel SGX PCK Platform CA", P.ca_key, P.root, P.root_key, true, T0 - 1000 * DAY,
                     T0 + 1000 * DAY, 2, NULL);
    P.pck = make_cert("Intel SGX PCK Certificate", P.pck_key, P.ca, P.ca_key, false, T0 - 100 * DAY, T0 + 100 * DAY,
                      3, &ext);
    P.tcb_signer = make_cert("Intel SGX TCB Signing", P.tcb_key, P.root, P.root_key, false, T0 - 1000 * DAY,
                             T0 + 1000 * DAY, 4, NULL);
    /* Another CA with the same name, under the same root: a different key. */
    P.other_ca = make_cert("Intel SGX PCK Platform CA", P.other_ca_key, P.root, P.root_key, true, T0 - 1000 * DAY,
                           T0 + 1000 * DAY, 5, NULL);
    P.root_pem = pem_of(&P.root, 1);
    X509 *tc[] = {P.tcb_signer, P.root};
    P.tcb_chain_pem = pem_of(tc, 2);
}

/* An SGX quote v3 from this platform; its PCK chain (type 5) is `chain`. */
static uint8_t *make_quote(X509 *const *chain, size_t nchain, uint8_t isv_svn, size_t *len)
{
    char *pem = pem_of(chain, nchain);
    size_t pem_len = strlen(pem) + 1; /* a NUL at the end, as real quotes have */
    uint8_t qe_auth[32];
    memset(qe_auth, 0x5a, sizeof qe_auth);
    size_t qe_part = 384 + 64 + 2 + sizeof qe_auth + 2 + 4 + pem_len;
    size_t sig_len = 64 + 64 + qe_part;
    size_t n = 48 + 384 + 4 + sig_len;
    uint8_t *q = calloc(1, n);
    static const uint8_t vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                       0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
    q[0] = 3;
    q[2] = 2;             /* ECDSA-256-with-P-256 */
    q[8] = 7;             /* QE SVN */
    q[10] = 11;           /* PCE SVN */
    memcpy(q + 12, vendor, 16);
    uint8_t *body = q + 48;
    body[48] = 0x05;      /* ATTRIBUTES: INIT | MODE64BIT, not DEBUG */
    memset(body + 64, 0xab, 32);  /* MRENCLAVE */
    memset(body + 128, 0xcd, 32); /* MRSIGNER */
    body[258] = isv_svn;
    memset(body + 320, 0x11, 64); /* REPORT_DATA */
    uint8_t *p = q + 432;
    p[0] = (uint8_t)sig_len;
    p[1] = (uint8_t)(sig_len >> 8);
    uint8_t *sig = p + 4, *ak = sig + 64, *qe = ak + 64, *qe_sig = qe + 384, *rest = qe_sig + 64;
    public_xy(P.ak, ak);
    qe[48] = 0x05;
    memset(qe + 128, 0x77, 32); /* the QE's MRSIGNER */
    sha256_2(ak, 64, qe_auth, sizeof qe_auth, qe + 320);
    sign_raw(P.pck_key, qe, 384, qe_sig);
    rest[0] = sizeof qe_auth;
    memcpy(rest + 2, qe_auth, sizeof qe_auth);
    rest += 2 + sizeof qe_auth;
    rest[0] = 5;
    rest[2] = (uint8_t)pem_len;
    rest[3] = (uint8_t)(pem_len >> 8);
    memcpy(rest + 6, pem, pem_len);
    sign_raw(P.ak, q, 432, sig);
    free(pem);
    *len = n;
    return q;
}

/* A PCS-style TCB Info response signed by `key`. */
static char *make_tcb_info(EVP_PKEY *key, const char *issue, const char *next, const char *status)
{
    char member[2048];
    char comps[600];
    size_t used = 0;
    for (int i = 0; i < 16; i++)
        used += (size_t)snprintf(comps + used, sizeof comps - used, "%s{\"svn\":3}", i ? "," : "");
    char fm[13];
    hex_encode(P.fmspc, 6, fm);
    snprintf(member, sizeof member,
             "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",\"fmspc\":\"%s\","
             "\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,\"tcbLevels\":[{\"tcb\":"
             "{\"sgxtcbcomponents\":[%s],\"pcesvn\":11},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"%s\"}]}",
             issue, next, fm, comps, status);
    uint8_t sig[64];
    sign_raw(key, (const uint8_t *)member, strlen(member), sig);
    char sighex[129];
    hex_encode(sig, 64, sighex);
    size_t n = strlen(member) + 200;
    char *doc = malloc(n);
    snprintf(doc, n, "{\"tcbInfo\":%s,\"signature\":\"%s\"}", member, sighex);
    return doc;
}

/* ---- comparing warm and cold ------------------------------------------- */

typedef struct inputs {
    const uint8_t *quote;
    size_t quote_len;
    const char *tcb_info, *tcb_chain;
    const uint8_t *crl[2];
    size_t crl_len[2];
    time_t when;
} inputs;

static attest_inputs to_attest(const inputs *i)
{
    attest_inputs in;
    memset(&in, 0, sizeof in);
    in.evidence = (attest_blob){i->quote, i->quote_len, "quote"};
    if (i->tcb_info) {
        in.tcb_info = (attest_blob){(const uint8_t *)i->tcb_info, strlen(i->tcb_info), "tcb"};
        in.tcb_info_chain = (attest_blob){(const uint8_t *)i->tcb_chain, strlen(i->tcb_chain), "tcb chain"};
    }
    for (size_t k = 0; k < 2; k++)
        if (i->crl[k])
            in.crls[in.ncrls++] = (attest_blob){i->crl[k], i->crl_len[k], "crl"};
    in.time = i->when;
    return in;
}

static attest_trust *synthetic_trust(void)
{
    char err[256];
    attest_trust *t = attest_trust_new(err, sizeof err);
    if (!t || attest_trust_set_intel_root(t, (const uint8_t *)P.root_pem, strlen(P.root_pem), err, sizeof err))
        abort();
    return t;
}

/* Verifies with the warm verifier and with a cold attest_verify; both must
 * agree on status, check and reason. Returns the warm result's check
 * ("" when valid). */
static const char *both(attest_verifier *v, const attest_trust *cold_trust, const inputs *i, char *check, size_t len)
{
    attest_inputs in = to_attest(i);
    attest_result warm, cold;
    attest_result_init(&warm);
    attest_result_init(&cold);
    attest_verifier_verify(v, &in, &warm);
    attest_verify(cold_trust, &in, &cold);
    bool same = warm.status == cold.status && !strcmp(warm.check, cold.check) && !strcmp(warm.reason, cold.reason);
    if (!same)
        printf("     warm: %d %s %s\n     cold: %d %s %s\n", warm.status, warm.check, warm.reason, cold.status,
               cold.check, cold.reason);
    CHECK(same);
    snprintf(check, len, "%s", warm.status == ATTEST_VALID ? "" : warm.check);
    attest_result_clear(&warm);
    attest_result_clear(&cold);
    return check;
}

static void test_synthetic(void)
{
    char err[256], chk[64];
    attest_trust *cold = synthetic_trust();
    attest_verifier *v = attest_verifier_new(synthetic_trust(), 64, 256, err, sizeof err);
    CHECK(v != NULL);
    if (!v)
        return;
    X509 *chain[] = {P.pck, P.ca, P.root};
    size_t qlen;
    uint8_t *quote = make_quote(chain, 3, 1, &qlen);
    char *tcb = make_tcb_info(P.tcb_key, "2025-06-20T00:00:00Z", "2025-07-20T00:00:00Z", "UpToDate");
    inputs good = {quote, qlen, tcb, P.tcb_chain_pem, {NULL, NULL}, {0, 0}, T0};

    /* Cold, then warm: the same verdict, and the second one is served by the caches. */
    CHECK_EQ_STR(both(v, cold, &good, chk, sizeof chk), "");
    attest_cache_stats s1, s2;
    attest_verifier_stats(v, &s1);
    CHECK(s1.objects > 0 && s1.signatures > 0);
    CHECK_EQ_STR(both(v, cold, &good, chk, sizeof chk), "");
    attest_verifier_stats(v, &s2);
    CHECK(s2.hits > s1.hits);
    CHECK_EQ_INT(s2.objects, s1.objects);
    CHECK_EQ_INT(s2.signatures, s1.signatures);

    /* Validity periods are checked at each call's time. */
    inputs late = good, early = good;
    late.tcb_info = early.tcb_info = NULL;
    late.when = T0 + 101 * DAY;   /* the PCK certificate expired */
    early.when = T0 - 101 * DAY;  /* not yet valid */
    CHECK_EQ_STR(both(v, cold, &late, chk, sizeof chk), "pck.validity");
    CHECK_EQ_STR(both(v, cold, &early, chk, sizeof chk), "pck.validity");
    inputs stale = good;
    stale.when = T0 + 25 * DAY; /* PCK still valid, the TCB Info's nextUpdate passed */
    CHECK_EQ_STR(both(v, cold, &stale, chk, sizeof chk), "tcb.info");

    /* A CRL given later revokes the PCK certificate (or the CA): the cached
     * signatures of the chain do not matter, revocation is checked. */
    inputs revoked = good;
    revoked.crl[0] = crl_der(P.ca, P.ca_key, T0 - DAY, T0 + 30 * DAY, 3, &revoked.crl_len[0]);
    CHECK_EQ_STR(both(v, cold, &revoked, chk, sizeof chk), "pck.crl");
    inputs ca_revoked = good;
    ca_revoked.crl[0] = crl_der(P.root, P.root_key, T0 - DAY, T0 + 30 * DAY, 2, &ca_revoked.crl_len[0]);
    CHECK_EQ_STR(both(v, cold, &ca_revoked, chk, sizeof chk), "pck.crl");
    /* The same (cached) CRL, current at one time and stale at another. */
    inputs clean = good;
    clean.crl[0] = crl_der(P.ca, P.ca_key, T0 - DAY, T0 + 2 * DAY, 999, &clean.crl_len[0]);
    CHECK_EQ_STR(both(v, cold, &clean, chk, sizeof chk), "");
    clean.when = T0 + 3 * DAY;
    CHECK_EQ_STR(both(v, cold, &clean, chk, sizeof chk), "pck.crl");
    /* A CRL with the CA's name signed by another key. */
    inputs forged_crl = good;
    forged_crl.crl[0] = crl_der(P.ca, P.other_ca_key, T0 - DAY, T0 + 30 * DAY, 999, &forged_crl.crl_len[0]);
    CHECK_EQ_STR(both(v, cold, &forged_crl, chk, sizeof chk), "pck.crl");

    /* The same PCK certificate bytes (cached as verified under the genuine
     * CA) presented under another CA with the same name. */
    X509 *swapped[] = {P.pck, P.other_ca, P.root};
    size_t slen;
    uint8_t *sq = make_quote(swapped, 3, 1, &slen);
    inputs other_issuer = {sq, slen, NULL, NULL, {NULL, NULL}, {0, 0}, T0};
    CHECK_EQ_STR(both(v, cold, &other_issuer, chk, sizeof chk), "pck.chain");
    /* The same TCB Info bytes (cached, signature verified) with a chain whose
     * TCB Signing certificate has another key. */
    EVP_PKEY *fake_key = new_key();
    X509 *fake_signer = make_cert("Intel SGX TCB Signing", fake_key, P.root, P.root_key, false, T0 - DAY,
                                  T0 + DAY, 6, NULL);
    X509 *fc[] = {fake_signer, P.root};
    char *fake_chain = pem_of(fc, 2);
    inputs other_signer = good;
    other_signer.tcb_chain = fake_chain;
    CHECK_EQ_STR(both(v, cold, &other_signer, chk, sizeof chk), "tcb.info");
    /* A TCB Signing certificate that expired, with the same key. */
    X509 *old_signer = make_cert("Intel SGX TCB Signing", P.tcb_key, P.root, P.root_key, false, T0 - 10 * DAY,
                                 T0 - DAY, 7, NULL);
    X509 *oc[] = {old_signer, P.root};
    char *old_chain = pem_of(oc, 2);
    inputs expired_signer = good;
    expired_signer.tcb_chain = old_chain;
    CHECK_EQ_STR(both(v, cold, &expired_signer, chk, sizeof chk), "tcb.info");
    /* Collateral re-signed with another status: not the cached document. */
    char *revoked_tcb = make_tcb_info(P.tcb_key, "2025-06-20T00:00:00Z", "2025-07-20T00:00:00Z", "Revoked");
    inputs tcb_revoked = good;
    tcb_revoked.tcb_info = revoked_tcb;
    CHECK_EQ_STR(both(v, cold, &tcb_revoked, chk, sizeof chk), "tcb.level");

    /* One bit changed anywhere signed. */
    uint8_t *flipped = malloc(qlen);
    static const size_t offsets[] = {10, 48 + 64, 48 + 320, 436 + 10, 436 + 128 + 100, 436 + 128 + 384 + 5};
    static const char *const want[] = {"quote.signature", "quote.signature", "quote.signature",
                                       "quote.signature", "qe.report_signature", "qe.report_signature"};
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        memcpy(flipped, quote, qlen);
        flipped[offsets[k]] ^= 1;
        inputs f = good;
        f.quote = flipped;
        CHECK_EQ_STR(both(v, cold, &f, chk, sizeof chk), want[k]);
    }
    /* The attestation key altered: the binding in the QE report fails. */
    memcpy(flipped, quote, qlen);
    flipped[436 + 64 + 7] ^= 1;
    inputs ak = good;
    ak.quote = flipped;
    CHECK_EQ_STR(both(v, cold, &ak, chk, sizeof chk), "qe.attestation_key");

    /* Refusals add nothing to the caches. */
    attest_verifier_stats(v, &s1);
    CHECK_EQ_STR(both(v, cold, &other_issuer, chk, sizeof chk), "pck.chain");
    CHECK_EQ_STR(both(v, cold, &revoked, chk, sizeof chk), "pck.crl");
    attest_verifier_stats(v, &s2);
    CHECK_EQ_INT(s2.objects, s1.objects);
    CHECK_EQ_INT(s2.signatures, s1.signatures);

    /* After a flush the verdicts are the same. */
    attest_verifier_flush(v);
    attest_verifier_stats(v, &s1);
    CHECK_EQ_INT(s1.objects + s1.signatures, 0);
    CHECK_EQ_STR(both(v, cold, &revoked, chk, sizeof chk), "pck.crl");
    CHECK_EQ_STR(both(v, cold, &good, chk, sizeof chk), "");

    free(flipped);
    free(sq);
    free(revoked_tcb);
    free(old_chain);
    X509_free(old_signer);
    free(fake_chain);
    X509_free(fake_signer);
    EVP_PKEY_free(fake_key);
    OPENSSL_free((void *)forged_crl.crl[0]);
    OPENSSL_free((void *)clean.crl[0]);
    OPENSSL_free((void *)ca_revoked.crl[0]);
    OPENSSL_free((void *)revoked.crl[0]);
    free(tcb);
    free(quote);
    attest_verifier_free(v);
    attest_trust_free(cold);
}

/* Many distinct valid quotes through small tables: bounded, and right. */
static void test_bounds(void)
{
    char err[256], chk[64];
    attest_trust *cold = synthetic_trust();
    attest_verifier *v = attest_verifier_new(synthetic_trust(), 3, 5, err, sizeof err);
    CHECK(v != NULL);
    if (!v)
        return;
    X509 *chain[] = {P.pck, P.ca, P.root};
    uint8_t *quotes[8];
    size_t lens[8];
    for (int round = 0; round < 2; round++)
        for (int k = 0; k < 8; k++) {
            if (round == 0) {
                /* Each quote carries its chain in another order: other bytes, another cache entry. */
                X509 *order[] = {chain[0], chain[1 + (k & 1)], chain[2 - (k & 1)]};
                quotes[k] = make_quote(order, 3, (uint8_t)k, &lens[k]);
            }
            inputs in = {quotes[k], lens[k], NULL, NULL, {NULL, NULL}, {0, 0}, T0};
            CHECK_EQ_STR(both(v, cold, &in, chk, sizeof chk), "");
            attest_cache_stats s;
            attest_verifier_stats(v, &s);
            CHECK(s.objects <= 3 && s.signatures <= 5);
        }
    attest_cache_stats s;
    attest_verifier_stats(v, &s);
    CHECK(s.evictions > 0);
    for (int k = 0; k < 8; k++)
        free(quotes[k]);
    attest_verifier_free(v);
    /* Capacity 0: no caching at all, same verdicts. */
    v = attest_verifier_new(synthetic_trust(), 0, 0, err, sizeof err);
    size_t qlen;
    uint8_t *q = make_quote(chain, 3, 1, &qlen);
    inputs in = {q, qlen, NULL, NULL, {NULL, NULL}, {0, 0}, T0};
    CHECK_EQ_STR(both(v, cold, &in, chk, sizeof chk), "");
    CHECK_EQ_STR(both(v, cold, &in, chk, sizeof chk), "");
    attest_verifier_stats(v, &s);
    CHECK_EQ_INT(s.objects + s.signatures, 0);
    free(q);
    attest_verifier_free(v);
    attest_trust_free(cold);
}

/* Threads sharing a verifier, valid and refused evidence interleaved. */
typedef struct thread_job {
    attest_verifier *v;
    const inputs *good, *bad;
    int wrong;
} thread_job;

static void *thread_run(void *arg)
{
    thread_job *j = arg;
    for (int k = 0; k < 200; k++) {
        const inputs *i = (k % 3 == 2) ? j->bad : j->good;
        attest_inputs in = to_attest(i);
        attest_result r;
        attest_result_init(&r);
        attest_verifier_verify(j->v, &in, &r);
        if ((r.status == ATTEST_VALID) != (i == j->good))
            j->wrong++;
        if (k % 50 == 49)
            attest_verifier_flush(j->v);
        attest_result_clear(&r);
    }
    return NULL;
}

static void test_threads(void)
{
    char err[256];
    attest_verifier *v = attest_verifier_new(synthetic_trust(), 8, 16, err, sizeof err);
    X509 *chain[] = {P.pck, P.ca, P.root};
    size_t qlen;
    uint8_t *quote = make_quote(chain, 3, 1, &qlen);
    char *tcb = make_tcb_info(P.tcb_key, "2025-06-20T00:00:00Z", "2025-07-20T00:00:00Z", "UpToDate");
    inputs good = {quote, qlen, tcb, P.tcb_chain_pem, {NULL, NULL}, {0, 0}, T0};
    inputs bad = good;
    bad.when = T0 + 101 * DAY;
    thread_job jobs[4];
    pthread_t ids[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (thread_job){v, &good, &bad, 0};
        CHECK(pthread_create(&ids[t], NULL, thread_run, &jobs[t]) == 0);
    }
    int wrong = 0;
    for (int t = 0; t < 4; t++) {
        pthread_join(ids[t], NULL);
        wrong += jobs[t].wrong;
    }
    CHECK_EQ_INT(wrong, 0);
    free(tcb);
    free(quote);
    attest_verifier_free(v);
}

/* ---- part 2: the shared vectors ----------------------------------------- */

typedef struct vec_case {
    char field[11][200];
    uint8_t *data[11];
    size_t len[11];
} vec_case;

enum { F_KIND, F_EVIDENCE, F_VCEK, F_ROOT, F_CHAIN, F_TIME, F_TCB, F_TCB_CHAIN, F_QE, F_QE_CHAIN, F_EXPECTED };

static attest_inputs case_inputs(const vec_case *c, time_t when)
{
    attest_inputs in;
    memset(&in, 0, sizeof in);
    in.evidence = (attest_blob){c->data[F_EVIDENCE], c->len[F_EVIDENCE], "evidence"};
    in.vcek = (attest_blob){c->data[F_VCEK], c->len[F_VCEK], "vcek"};
    in.tcb_info = (attest_blob){c->data[F_TCB], c->len[F_TCB], "tcb"};
    in.tcb_info_chain = (attest_blob){c->data[F_TCB_CHAIN], c->len[F_TCB_CHAIN], "tcb chain"};
    in.qe_identity = (attest_blob){c->data[F_QE], c->len[F_QE], "qe"};
    in.qe_identity_chain = (attest_blob){c->data[F_QE_CHAIN], c->len[F_QE_CHAIN], "qe chain"};
    if (strcmp(c->field[F_KIND], "snp") != 0)
        in.pck_chain = (attest_blob){c->data[F_CHAIN], c->len[F_CHAIN], "chain"};
    in.time = when;
    return in;
}

static attest_trust *case_trust(const vec_case *c)
{
    char err[256];
    attest_trust *t = attest_trust_new(err, sizeof err);
    if (t && c->data[F_ROOT] && attest_trust_set_intel_root(t, c->data[F_ROOT], c->len[F_ROOT], err, sizeof err))
        abort();
    if (t && c->data[F_CHAIN] && !strcmp(c->field[F_KIND], "snp"))
        attest_trust_set_amd_chain(t, c->data[F_CHAIN], c->len[F_CHAIN], err, sizeof err);
    return t;
}

static int compare(attest_verifier *v, const attest_trust *cold, const attest_inputs *in, const char *what)
{
    attest_result w, c;
    attest_result_init(&w);
    attest_result_init(&c);
    attest_verifier_verify(v, in, &w);
    attest_verify(cold, in, &c);
    bool same = w.status == c.status && !strcmp(w.check, c.check) && !strcmp(w.reason, c.reason);
    if (!same)
        printf("     %s: warm %d %s (%s), cold %d %s (%s)\n", what, w.status, w.check, w.reason, c.status, c.check,
               c.reason);
    CHECK(same);
    int st = w.status;
    attest_result_clear(&w);
    attest_result_clear(&c);
    return st;
}

static void test_vectors(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/CASES.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("SKIP shared vectors: %s not found\n", path);
        return;
    }
    char line[4096];
    vec_case *cases = calloc(64, sizeof *cases);
    size_t n = 0;
    bool header = true;
    while (fgets(line, sizeof line, f) && n < 64) {
        if (header) {
            header = false;
            continue;
        }
        line[strcspn(line, "\r\n")] = '\0';
        vec_case *c = &cases[n];
        char *p = line;
        for (int k = 0; k < 11; k++) {
            char *tab = strchr(p, '\t');
            size_t len = tab ? (size_t)(tab - p) : strlen(p);
            snprintf(c->field[k], sizeof c->field[k], "%.*s", (int)len, p);
            p = tab ? tab + 1 : p + len;
        }
        if (strcmp(c->field[F_EXPECTED], "valid") != 0)
            continue;
        for (int k = F_EVIDENCE; k <= F_QE_CHAIN; k++) {
            if (k == F_TIME || !c->field[k][0])
                continue;
            char fp[800];
            snprintf(fp, sizeof fp, "%s/%s", dir, c->field[k]);
            file_contents file;
            char why[256];
            if (file_read_all(fp, 64u << 20, 0, &file, why, sizeof why) != FILE_OK)
                printf("     %s: %s\n", fp, why);
            c->data[k] = file.data;
            c->len[k] = file.size;
        }
        n++;
    }
    fclose(f);
    char err[256];
    size_t compared = 0;
    for (size_t i = 0; i < n; i++) {
        vec_case *c = &cases[i];
        time_t when = time(NULL);
        if (c->field[F_TIME][0])
            attest_parse_time(c->field[F_TIME], &when);
        attest_trust *cold = case_trust(c);
        attest_verifier *v = attest_verifier_new(case_trust(c), 32, 128, err, sizeof err);
        attest_inputs in = case_inputs(c, when);
        /* Warm it, then variations. */
        CHECK_EQ_INT(compare(v, cold, &in, c->field[F_EVIDENCE]), ATTEST_VALID);
        CHECK_EQ_INT(compare(v, cold, &in, c->field[F_EVIDENCE]), ATTEST_VALID);
        static const long shifts[] = {-20L * 365 * DAY, -3L * 365 * DAY, 3L * 365 * DAY, 20L * 365 * DAY};
        for (size_t s = 0; s < sizeof shifts / sizeof shifts[0]; s++) {
            attest_inputs t = case_inputs(c, when + shifts[s]);
            CHECK(compare(v, cold, &t, c->field[F_EVIDENCE]) != ATTEST_VALID || labs(shifts[s]) < 10L * 365 * DAY);
        }
        /* A bit flipped at a few places of the evidence. */
        uint8_t *copy = malloc(c->len[F_EVIDENCE]);
        for (size_t k = 1; k < 8; k++) {
            memcpy(copy, c->data[F_EVIDENCE], c->len[F_EVIDENCE]);
            size_t off = c->len[F_EVIDENCE] * k / 8;
            copy[off] ^= 0x04;
            attest_inputs m = in;
            m.evidence.data = copy;
            compare(v, cold, &m, c->field[F_EVIDENCE]);
        }
        free(copy);
        /* Another case's certificate and collateral with this evidence: the
         * caches now hold both cases' entries. */
        for (size_t j = 0; j < n; j++) {
            if (j == i || strcmp(cases[j].field[F_KIND], c->field[F_KIND]) != 0)
                continue;
            attest_inputs x = in;
            x.vcek = (attest_blob){cases[j].data[F_VCEK], cases[j].len[F_VCEK], "other vcek"};
            x.tcb_info = (attest_blob){cases[j].data[F_TCB], cases[j].len[F_TCB], "other tcb"};
            x.tcb_info_chain = (attest_blob){cases[j].data[F_TCB_CHAIN], cases[j].len[F_TCB_CHAIN], "other chain"};
            compare(v, cold, &x, c->field[F_EVIDENCE]);
            attest_inputs own = case_inputs(&cases[j], when);
            compare(v, cold, &own, cases[j].field[F_EVIDENCE]);
        }
        compared++;
        attest_verifier_free(v);
        attest_trust_free(cold);
    }
    printf("     %zu valid shared cases compared warm against cold\n", compared);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 11; k++)
            free(cases[i].data[k]);
    free(cases);
}

int main(int argc, char **argv)
{
    /* The OIDs the PCK parser compares byte for byte. */
    der_item oid = {0x06, attest_sgx_ext_oid, sizeof attest_sgx_ext_oid, NULL, 0};
    CHECK(der_oid_is(&oid, "1.2.840.113741.1.13.1"));
    oid.content = attest_sgx_tcb_oid;
    oid.len = sizeof attest_sgx_tcb_oid;
    CHECK(der_oid_is(&oid, "1.2.840.113741.1.13.1.2"));

    make_pki();
    test_synthetic();
    test_bounds();
    test_threads();
    if (argc > 1)
        test_vectors(argv[1]);
    return check_summary();
}
