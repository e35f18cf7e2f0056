/* Trust anchors: the built-in vendor certificates, parsed once, or
 * operator-given replacements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "attest/internal.h"

const char *amd_product_name(amd_product p)
{
    switch (p) {
    case AMD_MILAN: return "Milan";
    case AMD_GENOA: return "Genoa";
    case AMD_TURIN: return "Turin";
    default: return "unknown";
    }
}

static X509 *load_builtin(const builtin_cert *b, char *err, size_t errlen)
{
    STACK_OF(X509) *certs = certs_parse((const uint8_t *)b->pem, strlen(b->pem));
    if (!certs || sk_X509_num(certs) != 1) {
        snprintf(err, errlen, "built-in certificate %s does not parse", b->what);
        sk_X509_pop_free(certs, X509_free);
        return NULL;
    }
    X509 *x = sk_X509_shift(certs);
    sk_X509_free(certs);
    /* Guard against an accidental edit of the embedded text. */
    unsigned char md[32];
    unsigned int mdlen = 0;
    char hex[65];
    if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32) {
        X509_free(x);
        snprintf(err, errlen, "cannot fingerprint built-in certificate %s", b->what);
        return NULL;
    }
    hex_encode(md, 32, hex);
    if (strcmp(hex, b->sha256) != 0) {
        X509_free(x);
        snprintf(err, errlen, "built-in certificate %s has fingerprint %s, expected %s", b->what,
                 hex, b->sha256);
        return NULL;
    }
    return x;
}

attest_trust *attest_trust_new(char *err, size_t errlen)
{
    attest_trust *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->intel_root = load_builtin(&attest_builtin_intel_root, err, errlen);
    t->intel_root_builtin = true;
    t->amd_certs = sk_X509_new_null();
    t->amd_builtin = true;
    if (!t->intel_root || !t->amd_certs) {
        attest_trust_free(t);
        return NULL;
    }
    for (size_t i = 0; i < attest_builtin_amd_count; i++) {
        X509 *x = load_builtin(&attest_builtin_amd[i], err, errlen);
        if (!x) {
            attest_trust_free(t);
            return NULL;
        }
        sk_X509_push(t->amd_certs, x);
    }
    ERR_clear_error();
    return t;
}

void attest_trust_free(attest_trust *t)
{
    if (!t)
        return;
    X509_free(t->intel_root);
    sk_X509_pop_free(t->amd_certs, X509_free);
    sk_X509_pop_free(t->amd_test_certs, X509_free);
    free(t);
}

static bool self_signed(X509 *x)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    bool ok = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 && k &&
              X509_verify(x, k) == 1;
    ERR_clear_error();
    return ok;
}

int attest_trust_set_intel_root(attest_trust *t, const uint8_t *data, size_t len, char *err,
                                size_t errlen)
{
    STACK_OF(X509) *certs = certs_parse(data, len);
    if (!certs || sk_X509_num(certs) != 1) {
        snprintf(err, errlen, "expected exactly one certificate (PEM or DER), found %s",
                 certs ? "several" : "none that parses");
        sk_X509_pop_free(certs, X509_free);
        return -1;
    }
    X509 *root = sk_X509_shift(certs);
    sk_X509_free(certs);
    if (!self_signed(root)) {
        char cn[128];
        snprintf(err, errlen, "%s is not a self-signed root certificate", cert_cn(root, cn, sizeof cn));
        X509_free(root);
        return -1;
    }
    X509_free(t->intel_root);
    t->intel_root = root;
    t->intel_root_builtin = false;
    return 0;
}

/* The certificates of data (PEM or DER), at least one of them a
 * self-signed root; NULL with a message naming `what` otherwise. */
static STACK_OF(X509) *chain_with_root(const uint8_t *data, size_t len, const char *what, char *err, size_t errlen)
{
    STACK_OF(X509) *certs = certs_parse(data, len);
    if (!certs || sk_X509_num(certs) == 0) {
        snprintf(err, errlen, "no certificate (PEM or DER) could be read");
        sk_X509_pop_free(certs, X509_free);
        return NULL;
    }
    int roots = 0;
    for (int i = 0; i < sk_X509_num(certs); i++)
        roots += self_signed(sk_X509_value(certs, i));
    if (roots == 0) {
        snprintf(err, errlen, "the %s holds no self-signed %sroot key (ARK) certificate", what,
                 strcmp(what, "chain") == 0 ? "AMD " : "");
        sk_X509_pop_free(certs, X509_free);
        return NULL;
    }
    return certs;
}

int attest_trust_set_amd_chain(attest_trust *t, const uint8_t *data, size_t len, char *err,
                               size_t errlen)
{
    STACK_OF(X509) *certs = chain_with_root(data, len, "chain", err, errlen);
    if (!certs)
        return -1;
    sk_X509_pop_free(t->amd_certs, X509_free);
    t->amd_certs = certs;
    t->amd_builtin = false;
    return 0;
}

int attest_trust_add_test_roots(attest_trust *t, const uint8_t *data, size_t len, char *err, size_t errlen)
{
    STACK_OF(X509) *certs = chain_with_root(data, len, "test chain", err, errlen);
    if (!certs)
        return -1;
    if (!t->amd_test_certs && !(t->amd_test_certs = sk_X509_new_null())) {
        snprintf(err, errlen, "out of memory");
        sk_X509_pop_free(certs, X509_free);
        return -1;
    }
    X509 *x;
    while ((x = sk_X509_shift(certs)) != NULL)
        if (sk_X509_push(t->amd_test_certs, x) <= 0) {
            X509_free(x);
            sk_X509_pop_free(certs, X509_free);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    sk_X509_free(certs);
    return 0;
}

int attest_trust_pin_test_root(attest_trust *t, const uint8_t sha256[32])
{
    for (size_t i = 0; i < t->ntest_root_pins; i++)
        if (memcmp(t->test_root_pins[i], sha256, 32) == 0)
            return 0;
    if (t->ntest_root_pins == ATTEST_MAX_TEST_ROOT_PINS)
        return -1;
    memcpy(t->test_root_pins[t->ntest_root_pins++], sha256, 32);
    return 0;
}

bool trust_is_test_root(const attest_trust *t, X509 *x)
{
    for (int i = 0; t->amd_test_certs && i < sk_X509_num(t->amd_test_certs); i++)
        if (X509_cmp(sk_X509_value(t->amd_test_certs, i), x) == 0)
            return true;
    if (t->ntest_root_pins == 0 || !self_signed(x))
        return false;
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32) {
        ERR_clear_error();
        return false;
    }
    for (size_t i = 0; i < t->ntest_root_pins; i++)
        if (memcmp(t->test_root_pins[i], md, 32) == 0)
            return true;
    return false;
}
