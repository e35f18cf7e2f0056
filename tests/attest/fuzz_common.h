/* Shared set-up of the attestation fuzz targets: one trust store, a fixed
 * verification time, and a synthetic VCEK-shaped certificate (made here with
 * a fresh key) so the SNP parser can be reached without vendor data. */
#ifndef TESTS_ATTEST_FUZZ_COMMON_H
#define TESTS_ATTEST_FUZZ_COMMON_H

#include <stdlib.h>

#include <openssl/ec.h>
#include <openssl/x509.h>

#include "attest/internal.h"

static inline attest_trust *fuzz_trust(void)
{
    static attest_trust *t;
    char err[256];
    if (!t && !(t = attest_trust_new(err, sizeof err)))
        abort();
    return t;
}

static inline X509 *fuzz_vcek(void)
{
    static X509 *x;
    if (x)
        return x;
    EVP_PKEY *key = EVP_EC_gen("secp384r1");
    x = X509_new();
    if (!key || !x)
        abort();
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"SEV-VCEK", -1, -1, 0);
    X509_NAME_add_entry_by_txt(X509_get_issuer_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"SEV-Milan", -1, -1, 0);
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha384());
    EVP_PKEY_free(key);
    return x;
}

#endif
