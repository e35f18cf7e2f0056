/* Certificates, CRLs, raw ECDSA signatures and digests, through OpenSSL 3's
 * EVP interfaces only. Chains are checked link by link here (rather than with
 * X509_verify_cert) so that a failure can name the exact certificate, the
 * values involved and the fix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attest/internal.h"

static bool looks_pem(const uint8_t *data, size_t len)
{
    static const char marker[] = "-----BEGIN";
    size_t m = sizeof marker - 1;
    for (size_t i = 0; i + m <= len; i++)
        if (memcmp(data + i, marker, m) == 0)
            return true;
    return false;
}

static STACK_OF(X509) *certs_parse_pem(const uint8_t *data, size_t len)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    /* Some quotes join certificates as "-----END ...----------BEGIN": put
     * each BEGIN on its own line, as the PEM reader needs. */
    uint8_t *norm = malloc(len + len / 16 + 2);
    if (!certs || !norm) {
        sk_X509_free(certs);
        free(norm);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && data[i - 1] != '\n' && len - i >= 10 && memcmp(data + i, "-----BEGIN", 10) == 0)
            norm[n++] = '\n';
        norm[n++] = data[i];
    }
    BIO *bio = BIO_new_mem_buf(norm, (int)n);
    X509 *x;
    while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        sk_X509_push(certs, x);
    unsigned long e = ERR_peek_last_error();
    bool eof = ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    BIO_free(bio);
    free(norm);
    if (!eof || sk_X509_num(certs) == 0) {
        sk_X509_pop_free(certs, X509_free);
        return NULL;
    }
    return certs;
}

STACK_OF(X509) *certs_parse(const uint8_t *data, size_t len)
{
    if (!data || len == 0 || len > INT32_MAX)
        return NULL;
    return looks_pem(data, len) ? certs_parse_pem(data, len) : certs_parse_der(data, len);
}

STACK_OF(X509) *certs_parse_der(const uint8_t *data, size_t len)
{
    if (!data || len == 0 || len > INT32_MAX)
        return NULL;
    STACK_OF(X509) *certs = sk_X509_new_null();
    if (!certs)
        return NULL;
    const unsigned char *p = data, *end = data + len;
    while (p < end) {
        const unsigned char *start = p;
        X509 *x = d2i_X509(NULL, &p, (long)(end - p));
        if (!x || p <= start) {
            X509_free(x);
            ERR_clear_error();
            sk_X509_pop_free(certs, X509_free);
            return NULL;
        }
        sk_X509_push(certs, x);
    }
    return certs;
}

X509_CRL *crl_parse(const uint8_t *data, size_t len)
{
    if (!data || len == 0 || len > INT32_MAX)
        return NULL;
    X509_CRL *crl = NULL;
    if (looks_pem(data, len)) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        if (bio)
            crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
        BIO_free(bio);
    } else {
        const unsigned char *p = data;
        crl = d2i_X509_CRL(NULL, &p, (long)len);
        if (crl && p != data + len) { /* trailing bytes: not one CRL */
            X509_CRL_free(crl);
            crl = NULL;
        }
    }
    ERR_clear_error();
    return crl;
}

const char *name_cn(const X509_NAME *name, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!name)
        return buf;
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i >= 0) {
        const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
        int n = ASN1_STRING_length(s);
        const unsigned char *d = ASN1_STRING_get0_data(s);
        size_t k = 0;
        for (int j = 0; j < n && k + 1 < len; j++)
            buf[k++] = (d[j] >= 0x20 && d[j] < 0x7f) ? (char)d[j] : '?';
        buf[k] = '\0';
    } else {
        X509_NAME_oneline(name, buf, (int)len);
    }
    return buf;
}

const char *cert_cn(const X509 *cert, char *buf, size_t len)
{
    return name_cn(X509_get_subject_name(cert), buf, len);
}

bool asn1_time_to_time_t(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return false;
    *out = timegm(&tm);
    return true;
}

void format_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(buf, len, "(time %lld)", (long long)t);
}

bool cert_valid_at(attest_result *res, const char *check, const X509 *cert, const char *what,
                   time_t when)
{
    time_t nb, na;
    char cn[128], a[32], b[32], w[32];
    bool readable = asn1_time_to_time_t(X509_get0_notBefore(cert), &nb) &&
                    asn1_time_to_time_t(X509_get0_notAfter(cert), &na);
    if (readable && when >= nb && when <= na)
        return true;
    cert_cn(cert, cn, sizeof cn);
    if (!readable) {
        res_fail(res, check, NULL, "%s (%s) has an unreadable validity period", what, cn);
        return false;
    }
    format_time(nb, a, sizeof a);
    format_time(na, b, sizeof b);
    format_time(when, w, sizeof w);
    if (when < nb) {
        res_fail(res, check, "check the verification time (--time) or the host clock",
                 "%s (%s) is not yet valid at %s: valid from %s to %s", what, cn, w, a, b);
        return false;
    }
    if (when > na) {
        res_fail(res, check,
                 "obtain a current certificate from the vendor, or verify at a time "
                 "within its validity with --time",
                 "%s (%s) expired: valid from %s to %s, verification time %s", what, cn, a, b, w);
        return false;
    }
    return true;
}

bool cert_signed_by(verify_ctx *ctx, attest_result *res, const char *check, X509 *child,
                    const char *child_what, X509 *issuer, const char *issuer_what, const char *hint)
{
    char ccn[128], icn[128], want[128];
    cert_cn(child, ccn, sizeof ccn);
    cert_cn(issuer, icn, sizeof icn);
    name_cn(X509_get_issuer_name(child), want, sizeof want);
    if (X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(issuer)) != 0) {
        res_fail(res, check, hint, "%s (%s) was issued by \"%s\", not by %s (%s)", child_what,
                 ccn, want, issuer_what, icn);
        return false;
    }
    if (!ctx_cert_signed(ctx, child, issuer)) {
        res_fail(res, check, hint,
                 "the signature of %s (%s) does not verify with the key of %s (%s)", child_what,
                 ccn, issuer_what, icn);
        return false;
    }
    /* The issuer must be allowed to sign certificates. */
    if (X509_check_ca(issuer) < 1) {
        res_fail(res, check, hint, "%s (%s) is not a CA certificate but signed %s (%s)",
                 issuer_what, icn, child_what, ccn);
        return false;
    }
    uint32_t ku = X509_get_key_usage(issuer);
    if (ku != UINT32_MAX && !(ku & KU_KEY_CERT_SIGN)) {
        res_fail(res, check, hint, "%s (%s) lacks the keyCertSign key usage", issuer_what, icn);
        return false;
    }
    return true;
}

bool same_key(const X509 *a, const X509 *b)
{
    EVP_PKEY *ka = X509_get0_pubkey(a), *kb = X509_get0_pubkey(b);
    bool eq = ka && kb && EVP_PKEY_eq(ka, kb) == 1;
    ERR_clear_error();
    return eq;
}

int ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t msg_len,
                     const uint8_t *r, const uint8_t *s, size_t n, bool big_endian)
{
    int result = -1;
    BIGNUM *br = big_endian ? BN_bin2bn(r, (int)n, NULL) : BN_lebin2bn(r, (int)n, NULL);
    BIGNUM *bs = big_endian ? BN_bin2bn(s, (int)n, NULL) : BN_lebin2bn(s, (int)n, NULL);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    unsigned char *der = NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!br || !bs || !sig || !ctx)
        goto out;
    if (BN_is_zero(br) || BN_is_zero(bs)) {
        result = 0;
        goto out;
    }
    if (ECDSA_SIG_set0(sig, br, bs) != 1)
        goto out;
    br = bs = NULL; /* owned by sig now */
    int der_len = i2d_ECDSA_SIG(sig, &der);
    if (der_len <= 0)
        goto out;
    if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1)
        goto out;
    int v = EVP_DigestVerify(ctx, der, (size_t)der_len, msg, msg_len);
    result = v == 1 ? 1 : 0;
out:
    ERR_clear_error();
    BN_free(br);
    BN_free(bs);
    ECDSA_SIG_free(sig);
    OPENSSL_free(der);
    EVP_MD_CTX_free(ctx);
    return result;
}

EVP_PKEY *p256_key_from_xy(const uint8_t xy[64])
{
    unsigned char point[65];
    point[0] = 0x04;
    memcpy(point + 1, xy, 64);
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    if (key) {
        /* Reject points that are not on the curve (or at infinity). P-256
         * has cofactor 1, so every other point has the full order: the quick
         * check is the complete validation, without a scalar multiplication. */
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        if (!check || EVP_PKEY_public_check_quick(check) != 1) {
            EVP_PKEY_free(key);
            key = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    ERR_clear_error();
    return key;
}

static bool digest(const EVP_MD *md, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                   uint8_t *out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, a, an) == 1 &&
              (bn == 0 || EVP_DigestUpdate(ctx, b, bn) == 1) &&
              EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    return digest(EVP_sha256(), p, n, NULL, 0, out);
}

bool sha384(const uint8_t *p, size_t n, uint8_t out[48])
{
    return digest(EVP_sha384(), p, n, NULL, 0, out);
}

bool sha256_2(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint8_t out[32])
{
    return digest(EVP_sha256(), a, an, b, bn, out);
}

bool crls_check(verify_ctx *ctx, attest_result *res, const char *check, STACK_OF(X509_CRL) *crls,
                X509 *const chain[CRL_CHAIN_LENGTH], time_t when)
{
    for (int c = 0; crls && c < sk_X509_CRL_num(crls); c++) {
        X509_CRL *crl = sk_X509_CRL_value(crls, c);
        char icn[128];
        name_cn(X509_CRL_get_issuer(crl), icn, sizeof icn);
        int issuer = -1;
        for (int i = 0; i < CRL_CHAIN_LENGTH; i++)
            if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(chain[i])) == 0)
                issuer = i;
        if (issuer < 0) {
            res_note(res, "CRL issued by \"%s\" does not cover this chain: ignored", icn);
            continue;
        }
        X509 *ca = chain[issuer];
        if (!ctx_crl_signed(ctx, crl, ca)) {
            res_fail(res, check, "obtain the CRL again from the vendor",
                     "the CRL issued by \"%s\" is not signed by that CA's key", icn);
            return false;
        }
        time_t tu, nu;
        char a[32], b[32], w[32];
        if (!asn1_time_to_time_t(X509_CRL_get0_lastUpdate(crl), &tu)) {
            res_fail(res, check, NULL, "the CRL issued by \"%s\" has no readable thisUpdate", icn);
            return false;
        }
        const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
        format_time(tu, a, sizeof a);
        format_time(when, w, sizeof w);
        if (when < tu) {
            res_fail(res, check, "check the verification time (--time)",
                     "the CRL issued by \"%s\" was issued at %s, after the verification time %s",
                     icn, a, w);
            return false;
        }
        if (next && asn1_time_to_time_t(next, &nu) && when > nu) {
            format_time(nu, b, sizeof b);
            res_fail(res, check, "fetch a current CRL from the vendor, or verify with --time within its period",
                     "the CRL issued by \"%s\" is stale: valid from %s to %s, verification time %s",
                     icn, a, b, w);
            return false;
        }
        if (issuer == 0) {
            res_note(res, "CRL issued by \"%s\" covers certificates below this chain's leaf: nothing to check", icn);
            continue;
        }
        X509 *subject = chain[issuer - 1];
        X509_REVOKED *entry = NULL;
        char scn[128];
        cert_cn(subject, scn, sizeof scn);
        if (X509_CRL_get0_by_cert(crl, &entry, subject) == 1) {
            const ASN1_INTEGER *serial = X509_get0_serialNumber(subject);
            BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
            char *hex = bn ? BN_bn2hex(bn) : NULL;
            res_fail(res, check, "the platform's certificate was revoked by the vendor: this evidence cannot be trusted",
                     "%s (serial %s) is revoked by the CRL of \"%s\"", scn, hex ? hex : "?", icn);
            OPENSSL_free(hex);
            BN_free(bn);
            return false;
        }
        res_pass(res, "%s not revoked (CRL of \"%s\", %s)", scn, icn, a);
    }
    return true;
}
