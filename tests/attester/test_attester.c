/* The test attester (TEST-ONLY; test_attester.h): a test ARK -> ASK -> VCEK
 * chain shaped like AMD's for Milan, and SEV-SNP-format reports signed by
 * its VCEK. */
#include "test_attester.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "abi/evidence.h"

#define SIGNED_LEN 0x2A0

/* The TCB the VCEK is "derived from" (Milan byte order: bl, tee, -, -, -, -,
 * snp, ucode), as every report claims. */
#define TCB_BL 3
#define TCB_TEE 0
#define TCB_SNP 8
#define TCB_UCODE 115

struct test_attester {
    X509 *ark, *ask, *vcek;
    EVP_PKEY *vcek_key;
    uint8_t chip_id[64];
    uint8_t *ark_der, *ask_der, *vcek_der;
    int ark_len, ask_len, vcek_len;
};

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    ERR_clear_error();
    return -1;
}

/* ---- making the chain ---------------------------------------------------- */

static X509_NAME *test_name(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    if (n && (!X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Enarx test attester - NOT AMD",
                                          -1, -1, 0) ||
              !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

static int add_ext_conf(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = e && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

/* A non-critical extension whose value is exactly these bytes. */
static int add_ext_raw(X509 *x, const char *oid, const uint8_t *value, size_t len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e = NULL;
    int ok = obj && os && ASN1_OCTET_STRING_set(os, value, (int)len) &&
             (e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    return ok ? 0 : -1;
}

/* DER INTEGER of a small non-negative value (a leading 00 above 127, as
 * AMD's certificates encode ucodeSPL). */
static int add_ext_int(X509 *x, const char *oid, unsigned v)
{
    uint8_t der[4] = {0x02, 1, (uint8_t)v};
    size_t n = 3;
    if (v > 127) {
        der[1] = 2;
        der[2] = 0;
        der[3] = (uint8_t)v;
        n = 4;
    }
    return add_ext_raw(x, oid, der, n);
}

static int add_ext_ia5(X509 *x, const char *oid, const char *s)
{
    uint8_t der[64];
    size_t n = strlen(s);
    if (n > sizeof der - 2)
        return -1;
    der[0] = 0x16;
    der[1] = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        der[2 + i] = (uint8_t)s[i];
    return add_ext_raw(x, oid, der, n + 2);
}

/* RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48: AMD's certificate signatures. */
static int sign_pss(X509 *x, EVP_PKEY *key)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = md && EVP_DigestSignInit(md, &pctx, EVP_sha384(), NULL, key) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) == 1 &&
             X509_sign_ctx(x, md) > 0;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

static X509 *new_cert(const char *cn, const X509 *issuer, EVP_PKEY *key, long serial)
{
    X509 *x = X509_new();
    X509_NAME *name = test_name(cn);
    int ok = x && name && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
             X509_set_subject_name(x, name) &&
             X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -86400L) &&
             X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400) && X509_set_pubkey(x, key);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static X509 *make_ca(const char *cn, X509 *issuer, EVP_PKEY *key, EVP_PKEY *issuer_key, long serial)
{
    X509 *x = new_cert(cn, issuer, key, serial);
    if (!x || add_ext_conf(x, issuer ? issuer : x, NID_basic_constraints, "critical,CA:TRUE") ||
        add_ext_conf(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        sign_pss(x, issuer_key)) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* The VCEK, with AMD's extensions (pub. 57230): structVersion, productName,
 * the SPLs of its TCB, and hwID as raw bytes. */
static X509 *make_vcek(X509 *ask, EVP_PKEY *ask_key, EVP_PKEY *key, const uint8_t chip_id[64])
{
    X509 *x = new_cert("SEV-VCEK-TEST", ask, key, 3);
    if (!x || add_ext_int(x, "1.3.6.1.4.1.3704.1.1", 0) || add_ext_ia5(x, "1.3.6.1.4.1.3704.1.2", "Milan-B0") ||
        add_ext_int(x, "1.3.6.1.4.1.3704.1.3.1", TCB_BL) || add_ext_int(x, "1.3.6.1.4.1.3704.1.3.2", TCB_TEE) ||
        add_ext_int(x, "1.3.6.1.4.1.3704.1.3.3", TCB_SNP) || add_ext_int(x, "1.3.6.1.4.1.3704.1.3.4", 0) ||
        add_ext_int(x, "1.3.6.1.4.1.3704.1.3.5", 0) || add_ext_int(x, "1.3.6.1.4.1.3704.1.3.6", 0) ||
        add_ext_int(x, "1.3.6.1.4.1.3704.1.3.7", 0) || add_ext_int(x, "1.3.6.1.4.1.3704.1.3.8", TCB_UCODE) ||
        add_ext_raw(x, "1.3.6.1.4.1.3704.1.4", chip_id, 64) || sign_pss(x, ask_key)) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int write_pem(const char *dir, const char *file, X509 *const *certs, int ncerts, EVP_PKEY *key)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = 1;
    for (int i = 0; i < ncerts; i++)
        ok &= PEM_write_X509(f, certs[i]);
    if (key)
        ok &= PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int write_fingerprint(const char *dir, X509 *ark)
{
    unsigned char md[32];
    unsigned int n = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/root.sha256", dir);
    FILE *f = fopen(path, "w");
    if (!f || X509_digest(ark, EVP_sha256(), md, &n) != 1 || n != 32) {
        if (f)
            fclose(f);
        return -1;
    }
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%02x", md[i]);
    fprintf(f, "\n");
    return fclose(f) == 0 ? 0 : -1;
}

int test_attester_create(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return fail(err, errlen, "%s: %s", dir, strerror(errno));
    uint8_t chip_id[64];
    EVP_PKEY *ark_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ask_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *vcek_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    X509 *ark = NULL, *ask = NULL, *vcek = NULL;
    int rc = -1;
    if (!ark_key || !ask_key || !vcek_key || RAND_bytes(chip_id, sizeof chip_id) != 1) {
        fail(err, errlen, "cannot generate the test keys");
        goto out;
    }
    if (!(ark = make_ca("ARK-Milan-TEST", NULL, ark_key, ark_key, 1)) ||
        !(ask = make_ca("SEV-Milan-TEST", ark, ask_key, ark_key, 2)) ||
        !(vcek = make_vcek(ask, ask_key, vcek_key, chip_id))) {
        fail(err, errlen, "cannot make the test certificates");
        goto out;
    }
    X509 *chain[] = {ark, ask};
    if (write_pem(dir, "ark.pem", &ark, 1, NULL) || write_pem(dir, "ask.pem", &ask, 1, NULL) ||
        write_pem(dir, "vcek.pem", &vcek, 1, NULL) || write_pem(dir, "chain.pem", chain, 2, NULL) ||
        write_pem(dir, "vcek-key.pem", NULL, 0, vcek_key) || write_fingerprint(dir, ark)) {
        fail(err, errlen, "cannot write the test chain into %s", dir);
        goto out;
    }
    rc = 0;
out:
    X509_free(ark);
    X509_free(ask);
    X509_free(vcek);
    EVP_PKEY_free(ark_key);
    EVP_PKEY_free(ask_key);
    EVP_PKEY_free(vcek_key);
    ERR_clear_error();
    return rc;
}

/* ---- loading ------------------------------------------------------------- */

/* The first certificate or private key of DIR/FILE (PEM). */
static void *read_pem(const char *dir, const char *file, int want_key)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    void *v = want_key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL) : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return v;
}

/* The VCEK's hwID (raw bytes) is the chip id every report carries. */
static int read_chip_id(X509 *vcek, uint8_t out[64])
{
    ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.3704.1.4", 1);
    int i = obj ? X509_get_ext_by_OBJ(vcek, obj, -1) : -1;
    ASN1_OBJECT_free(obj);
    if (i < 0)
        return -1;
    const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(vcek, i));
    if (ASN1_STRING_length(v) != 64)
        return -1;
    memcpy(out, ASN1_STRING_get0_data(v), 64);
    return 0;
}

void test_attester_free(test_attester *ta)
{
    if (!ta)
        return;
    X509_free(ta->ark);
    X509_free(ta->ask);
    X509_free(ta->vcek);
    EVP_PKEY_free(ta->vcek_key);
    OPENSSL_free(ta->ark_der);
    OPENSSL_free(ta->ask_der);
    OPENSSL_free(ta->vcek_der);
    free(ta);
}

test_attester *test_attester_load(const char *dir, char *err, size_t errlen)
{
    test_attester *ta = calloc(1, sizeof *ta);
    if (!ta) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    ta->ark = read_pem(dir, "ark.pem", 0);
    ta->ask = read_pem(dir, "ask.pem", 0);
    ta->vcek = read_pem(dir, "vcek.pem", 0);
    ta->vcek_key = read_pem(dir, "vcek-key.pem", 1);
    if (!ta->ark || !ta->ask || !ta->vcek || !ta->vcek_key || read_chip_id(ta->vcek, ta->chip_id) ||
        (ta->ark_len = i2d_X509(ta->ark, &ta->ark_der)) <= 0 || (ta->ask_len = i2d_X509(ta->ask, &ta->ask_der)) <= 0 ||
        (ta->vcek_len = i2d_X509(ta->vcek, &ta->vcek_der)) <= 0) {
        fail(err, errlen, "%s does not hold a test chain (ark.pem, ask.pem, vcek.pem, vcek-key.pem): make one with "
                          "`enarx-test-attester create %s`",
             dir, dir);
        test_attester_free(ta);
        return NULL;
    }
    return ta;
}

void test_attester_root_sha256(const test_attester *ta, uint8_t out[32])
{
    unsigned int n = 0;
    if (X509_digest(ta->ark, EVP_sha256(), out, &n) != 1 || n != 32)
        memset(out, 0, 32);
}

/* ---- reports --------------------------------------------------------------- */

void test_report_fields_init(struct test_report_fields *f)
{
    memset(f, 0, sizeof *f);
    f->policy = 0x30000; /* bit 17 (must be 1) and SMT allowed */
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void put_tcb(uint8_t *p)
{
    memset(p, 0, 8);
    p[0] = TCB_BL;
    p[1] = TCB_TEE;
    p[6] = TCB_SNP;
    p[7] = TCB_UCODE;
}

/* ECDSA P-384/SHA-384 over the signed part; R and S little-endian, 72 bytes
 * each, at 0x2A0 and 0x2E8. */
static int sign_report(EVP_PKEY *key, uint8_t *report)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[160];
    size_t der_len = sizeof der;
    int rc = -1;
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key) != 1 ||
        EVP_DigestSign(md, der, &der_len, report, SIGNED_LEN) != 1)
        goto out;
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (!sig)
        goto out;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_bn2lebinpad(r, report + 0x2A0, 72) == 72 && BN_bn2lebinpad(s, report + 0x2E8, 72) == 72)
        rc = 0;
    ECDSA_SIG_free(sig);
out:
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return rc;
}

int test_attester_sign_report(const test_attester *ta, const uint8_t report_data[64],
                              const struct test_report_fields *f, uint8_t report[TEST_ATTESTER_REPORT_LEN])
{
    struct test_report_fields defaults;
    if (!f) {
        test_report_fields_init(&defaults);
        f = &defaults;
    }
    memset(report, 0, TEST_ATTESTER_REPORT_LEN);
    put32(report + 0x000, 3);            /* VERSION */
    put32(report + 0x004, f->guest_svn);
    put64(report + 0x008, f->policy);
    put32(report + 0x030, f->vmpl);
    put32(report + 0x034, 1);            /* ECDSA P-384 with SHA-384 */
    put_tcb(report + 0x038);             /* CURRENT_TCB */
    put32(report + 0x048, f->author_key_en ? 1 : 0); /* KEY_INFO: AUTHOR_KEY_EN; signed by the VCEK */
    memcpy(report + 0x050, report_data, 64);
    memcpy(report + 0x090, f->measurement, 48);
    memcpy(report + 0x0C0, f->host_data, 32);
    memcpy(report + 0x0E0, f->id_key_digest, 48);
    if (f->author_key_en)
        memcpy(report + 0x110, f->author_key_digest, 48);
    put_tcb(report + 0x180);             /* REPORTED_TCB: what the VCEK is for */
    report[0x188] = 0x19;                /* CPUID family, model, stepping: Milan */
    report[0x189] = 0x01;
    report[0x18A] = 0x01;
    memcpy(report + 0x1A0, ta->chip_id, 64);
    put_tcb(report + 0x1E0);             /* COMMITTED_TCB */
    report[0x1E8] = 3;                   /* current firmware 1.55.3 */
    report[0x1E9] = 55;
    report[0x1EA] = 1;
    report[0x1EC] = 3;                   /* committed firmware */
    report[0x1ED] = 55;
    report[0x1EE] = 1;
    put_tcb(report + 0x1F0);             /* LAUNCH_TCB */
    return sign_report(ta->vcek_key, report);
}

/* The certificate table of an extended guest request: entries (GUID,
 * offset, length), an all-zero entry, then the DER certificates. */
static size_t put_entry(uint8_t *table, size_t at, const char *guid_hex, uint32_t off, uint32_t len)
{
    for (int i = 0; i < 16; i++) {
        unsigned v = 0;
        sscanf(guid_hex + (size_t)2 * i, "%2x", &v);
        table[at + (size_t)i] = (uint8_t)v;
    }
    put32(table + at + 16, off);
    put32(table + at + 20, len);
    return at + 24;
}

int test_attester_evidence(const test_attester *ta, const uint8_t report_data[64],
                           const struct test_report_fields *f, uint8_t **out, size_t *out_len)
{
    size_t entries = (size_t)4 * 24;
    size_t table_len = entries + (size_t)ta->vcek_len + (size_t)ta->ask_len + (size_t)ta->ark_len;
    size_t total = ENARX_EVIDENCE_HEADER_LEN + ENARX_SNP_REPORT_LEN + table_len;
    uint8_t *e = calloc(1, total);
    if (!e)
        return -1;
    memcpy(e, ENARX_EVIDENCE_MAGIC, ENARX_EVIDENCE_MAGIC_LEN);
    put32(e + 8, ENARX_EVIDENCE_SNP);
    put32(e + 12, ENARX_EVIDENCE_HEADER_LEN);
    put32(e + 16, ENARX_SNP_REPORT_LEN);
    put32(e + 20, (uint32_t)table_len);
    if (test_attester_sign_report(ta, report_data, f, e + ENARX_EVIDENCE_HEADER_LEN) != 0) {
        free(e);
        return -1;
    }
    uint8_t *t = e + ENARX_EVIDENCE_HEADER_LEN + ENARX_SNP_REPORT_LEN;
    uint32_t off = (uint32_t)entries;
    size_t at = put_entry(t, 0, "63da758de6644564adc5f4b93be8accd", off, (uint32_t)ta->vcek_len);
    memcpy(t + off, ta->vcek_der, (size_t)ta->vcek_len);
    off += (uint32_t)ta->vcek_len;
    at = put_entry(t, at, "4ab7b379bbac4fe4a02f05aef327c782", off, (uint32_t)ta->ask_len);
    memcpy(t + off, ta->ask_der, (size_t)ta->ask_len);
    off += (uint32_t)ta->ask_len;
    put_entry(t, at, "c0b406a4a803495297433fb6014cd0ae", off, (uint32_t)ta->ark_len);
    memcpy(t + off, ta->ark_der, (size_t)ta->ark_len);
    *out = e;
    *out_len = total;
    return 0;
}
