/* libFuzzer target: RA-TLS certificates and typed evidence documents
 * (src/attest/ratls.c). The first byte chooses what the rest is:
 *   0  a typed evidence document (abi/evidence.h): header, UNATTESTED body,
 *      SNP report and certificate table
 *   1  the value of a 2.23.133.5.4.9 extension, put into a certificate made
 *      and signed here (so the extension, claims and binding checks are
 *      reached, not just OpenSSL's X.509 parser)
 *   2  a whole certificate, DER or PEM
 * Whatever the input: no crash, no read outside it, and never VALID unless
 * the bytes really bind (mode 1 with a made-up claims buffer cannot). */
#include <string.h>

#include <openssl/x509v3.h>

#include "abi/evidence.h"
#include "common/ratls_ext.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *cert_key(void)
{
    static EVP_PKEY *k;
    if (!k && !(k = EVP_EC_gen("P-256")))
        abort();
    return k;
}

/* DER of a self-signed certificate whose evidence extension holds value. */
static uint8_t *cert_with_extension(const uint8_t *value, size_t len, size_t *out_len)
{
    X509 *x = X509_new();
    ASN1_OBJECT *obj = OBJ_txt2obj(RATLS_EXT_OID, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e = NULL;
    unsigned char *der = NULL;
    int n = -1;
    if (x && obj && os && ASN1_OCTET_STRING_set(os, value, (int)len) &&
        (e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) && X509_set_version(x, 2) &&
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) && X509_gmtime_adj(X509_getm_notAfter(x), 3600) &&
        X509_set_pubkey(x, cert_key()) && X509_add_ext(x, e, -1) && X509_sign(x, cert_key(), EVP_sha256()))
        n = i2d_X509(x, &der);
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    X509_free(x);
    if (n <= 0)
        return NULL;
    *out_len = (size_t)n;
    return der;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > RATLS_EXT_MAX + 1)
        return 0;
    attest_inputs in;
    memset(&in, 0, sizeof in);
    in.time = time(NULL);
    in.allow_unattested = true;
    attest_result res;
    attest_result_init(&res);
    uint8_t rd[64] = {0};
    switch (data[0] % 3) {
    case 0:
        attest_verify_typed_evidence(fuzz_trust(), data + 1, size - 1, rd, 64, &in, &res);
        break;
    case 1: {
        size_t len = 0;
        uint8_t *der = cert_with_extension(data + 1, size - 1, &len);
        if (der) {
            ratls_cert c;
            if (ratls_verify_cert(fuzz_trust(), der, len, &in, &res, &c) == ATTEST_VALID &&
                c.kind != ATTEST_KIND_UNATTESTED)
                abort(); /* only an UNATTESTED document can verify without a vendor signature */
            ratls_cert_free(&c);
            OPENSSL_free(der);
        }
        break;
    }
    default:
        ratls_verify_cert(fuzz_trust(), data + 1, size - 1, &in, &res, NULL);
        break;
    }
    attest_result_clear(&res);
    return 0;
}
