/* ID blocks, their authentication information, and the P-384 keys that sign
 * them (SNP firmware ABI, "SNP_LAUNCH_FINISH": ID_BLOCK, ID_AUTH, ECDSA
 * public key and signature formats).
 *
 * Signatures are ECDSA P-384 over SHA-384 with the nonce derived as RFC 6979
 * section 3.2 prescribes (HMAC-SHA-384), so signing is reproducible and
 * never depends on a random number generator. OpenSSL 3.0 has no
 * deterministic ECDSA, so the nonce and the two scalar equations are done
 * here with OpenSSL's big-number and curve arithmetic. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "common/file.h"
#include "snp/snp.h"

#define FAIL(...)                                   \
    do {                                            \
        snprintf(err, errlen, __VA_ARGS__);         \
        return -1;                                  \
    } while (0)

#define P384_BYTES 48u      /* the size of a scalar or coordinate */
#define FIELD_BYTES 0x48u   /* the firmware's field for one: 72 bytes, little-endian */

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void snp_id_block_encode(const struct snp_id_block *b, uint8_t out[SNP_ID_BLOCK_SIZE])
{
    memset(out, 0, SNP_ID_BLOCK_SIZE);
    memcpy(out, b->ld, SNP_DIGEST_LEN);
    memcpy(out + 0x30, b->family_id, 16);
    memcpy(out + 0x40, b->image_id, 16);
    put_u32(out + 0x50, b->version);
    put_u32(out + 0x54, b->guest_svn);
    put_u32(out + 0x58, (uint32_t)b->policy);
    put_u32(out + 0x5c, (uint32_t)(b->policy >> 32));
}

void snp_id_block_decode(const uint8_t in[SNP_ID_BLOCK_SIZE], struct snp_id_block *b)
{
    memcpy(b->ld, in, SNP_DIGEST_LEN);
    memcpy(b->family_id, in + 0x30, 16);
    memcpy(b->image_id, in + 0x40, 16);
    b->version = get_u32(in + 0x50);
    b->guest_svn = get_u32(in + 0x54);
    b->policy = (uint64_t)get_u32(in + 0x58) | (uint64_t)get_u32(in + 0x5c) << 32;
}

/* ---- big numbers in the firmware's little-endian fields ------------------ */

static int bn_to_field(const BIGNUM *bn, uint8_t field[FIELD_BYTES])
{
    memset(field, 0, FIELD_BYTES);
    return BN_bn2lebinpad(bn, field, P384_BYTES) == (int)P384_BYTES ? 0 : -1;
}

static BIGNUM *field_to_bn(const uint8_t field[FIELD_BYTES])
{
    for (unsigned i = P384_BYTES; i < FIELD_BYTES; i++)
        if (field[i])
            return NULL; /* a value wider than the curve */
    return BN_lebin2bn(field, P384_BYTES, NULL);
}

/* ---- keys ---------------------------------------------------------------- */

static int is_p384(EVP_PKEY *key)
{
    char group[64];
    size_t len = 0;
    return EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) &&
           strcmp(group, SN_secp384r1) == 0;
}

int snp_key_load(const char *path, int need_private, struct evp_pkey_st **key, char *err, size_t errlen)
{
    *key = NULL;
    file_contents f;
    char why[256];
    if (file_read_all(path, 64u << 10, 0, &f, why, sizeof why) != FILE_OK)
        FAIL("%s: %s", path, why);
    BIO *bio = BIO_new_mem_buf(f.data, (int)f.size);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    if (!k && !need_private && bio) {
        BIO_free(bio);
        bio = BIO_new_mem_buf(f.data, (int)f.size);
        k = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    }
    BIO_free(bio);
    file_contents_free(&f);
    if (!k)
        FAIL("%s: not a PEM %s key (create one with `enarx key sev create`)", path,
             need_private ? "private" : "private or public");
    if (!is_p384(k)) {
        EVP_PKEY_free(k);
        FAIL("%s: not an ECDSA P-384 key (SEV-SNP ID and author keys are P-384)", path);
    }
    *key = k;
    return 0;
}

int snp_key_create(const char *path, char *err, size_t errlen)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    if (!key)
        FAIL("cannot generate a P-384 key");
    int rc = -1;
    FILE *out = stdout;
    if (path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
                     errno == EEXIST ? " (a key is never overwritten: remove it first)" : "");
            EVP_PKEY_free(key);
            return -1;
        }
        out = fdopen(fd, "w");
        if (!out) {
            close(fd);
            EVP_PKEY_free(key);
            FAIL("%s: %s", path, strerror(errno));
        }
    }
    if (PEM_write_PrivateKey(out, key, NULL, NULL, 0, NULL, NULL))
        rc = 0;
    if (fflush(out) != 0)
        rc = -1;
    if (path && fclose(out) != 0)
        rc = -1;
    if (rc < 0)
        snprintf(err, errlen, "%s: cannot write the key", path ? path : "standard output");
    EVP_PKEY_free(key);
    return rc;
}

int snp_key_public(struct evp_pkey_st *key, uint8_t out[SNP_PUBKEY_SIZE], char *err, size_t errlen)
{
    memset(out, 0, SNP_PUBKEY_SIZE);
    BIGNUM *x = NULL, *y = NULL;
    int ok = is_p384(key) && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
             EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) && bn_to_field(x, out + 4) == 0 &&
             bn_to_field(y, out + 4 + FIELD_BYTES) == 0;
    BN_free(x);
    BN_free(y);
    if (!ok)
        FAIL("the key has no P-384 public point");
    put_u32(out, SNP_CURVE_P384);
    return 0;
}

int snp_key_digest(struct evp_pkey_st *key, uint8_t out[SNP_DIGEST_LEN], char *err, size_t errlen)
{
    uint8_t pub[SNP_PUBKEY_SIZE];
    if (snp_key_public(key, pub, err, errlen) < 0)
        return -1;
    unsigned int n = SNP_DIGEST_LEN;
    if (!EVP_Digest(pub, sizeof pub, out, &n, EVP_sha384(), NULL))
        FAIL("SHA-384 failed");
    return 0;
}

/* ---- RFC 6979 deterministic ECDSA (P-384, SHA-384) ----------------------- */

/* K = HMAC_K(V || sep || x || h), V = HMAC_K(V) (RFC 6979 3.2 d-g). */
static int rfc6979_update(uint8_t K[P384_BYTES], uint8_t V[P384_BYTES], int sep, const uint8_t *x,
                          const uint8_t *h)
{
    uint8_t msg[P384_BYTES + 1 + 2 * P384_BYTES];
    size_t n = 0;
    memcpy(msg, V, P384_BYTES);
    n += P384_BYTES;
    msg[n++] = (uint8_t)sep;
    if (x) {
        memcpy(msg + n, x, P384_BYTES);
        memcpy(msg + n + P384_BYTES, h, P384_BYTES);
        n += (size_t)2 * P384_BYTES;
    }
    unsigned int len = P384_BYTES;
    if (!HMAC(EVP_sha384(), K, P384_BYTES, msg, n, K, &len))
        return -1;
    return HMAC(EVP_sha384(), K, P384_BYTES, V, P384_BYTES, V, &len) ? 0 : -1;
}

/* The signing equation with nonce k: r = x(kG) mod n, s = k^-1 (e + r d) mod n.
 * 1 when r and s are usable, 0 when this k must be replaced, -1 on error. */
static int ecdsa_with_nonce(const EC_GROUP *group, const BIGNUM *n, const BIGNUM *d, const BIGNUM *e,
                            const BIGNUM *k, BIGNUM *r, BIGNUM *s, BN_CTX *ctx)
{
    EC_POINT *R = EC_POINT_new(group);
    BIGNUM *kinv = BN_new(), *t = BN_new();
    int rc = -1;
    if (R && kinv && t && EC_POINT_mul(group, R, k, NULL, NULL, ctx) &&
        EC_POINT_get_affine_coordinates(group, R, t, NULL, ctx) && BN_nnmod(r, t, n, ctx) &&
        BN_mod_inverse(kinv, k, n, ctx) && BN_mod_mul(t, r, d, n, ctx) && BN_mod_add(t, t, e, n, ctx) &&
        BN_mod_mul(s, kinv, t, n, ctx))
        rc = BN_is_zero(r) || BN_is_zero(s) ? 0 : 1;
    EC_POINT_free(R);
    BN_clear_free(kinv);
    BN_clear_free(t);
    return rc;
}

int snp_sign(struct evp_pkey_st *key, const uint8_t *msg, size_t len, uint8_t sig[SNP_SIG_SIZE], char *err,
             size_t errlen)
{
    memset(sig, 0, SNP_SIG_SIZE);
    uint8_t h[P384_BYTES], xoct[P384_BYTES], hoct[P384_BYTES], K[P384_BYTES], V[P384_BYTES];
    unsigned int hn = sizeof h;
    BIGNUM *d = NULL, *e = BN_new(), *k = BN_new(), *r = BN_new(), *s = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp384r1);
    int rc = -1;
    if (!e || !k || !r || !s || !ctx || !group || !is_p384(key) ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d)) {
        snprintf(err, errlen, "the key is not a P-384 private key");
        goto out;
    }
    const BIGNUM *n = EC_GROUP_get0_order(group);
    /* qlen = hlen = 384 bits: bits2int(h) is h itself; bits2octets reduces it mod n. */
    if (!EVP_Digest(msg, len, h, &hn, EVP_sha384(), NULL) || !BN_bin2bn(h, P384_BYTES, e) ||
        BN_bn2binpad(d, xoct, P384_BYTES) != (int)P384_BYTES || !BN_nnmod(k, e, n, ctx) ||
        BN_bn2binpad(k, hoct, P384_BYTES) != (int)P384_BYTES) {
        snprintf(err, errlen, "cannot prepare the signature");
        goto out;
    }
    memset(V, 0x01, sizeof V);
    memset(K, 0x00, sizeof K);
    if (rfc6979_update(K, V, 0x00, xoct, hoct) < 0 || rfc6979_update(K, V, 0x01, xoct, hoct) < 0)
        goto hmac_failed;
    for (int tries = 0; tries < 64; tries++) {
        unsigned int vn = P384_BYTES;
        if (!HMAC(EVP_sha384(), K, P384_BYTES, V, P384_BYTES, V, &vn))
            goto hmac_failed;
        if (!BN_bin2bn(V, P384_BYTES, k))
            goto hmac_failed;
        if (!BN_is_zero(k) && BN_cmp(k, n) < 0) {
            int ok = ecdsa_with_nonce(group, n, d, e, k, r, s, ctx);
            if (ok < 0)
                break;
            if (ok > 0) {
                if (bn_to_field(r, sig) == 0 && bn_to_field(s, sig + FIELD_BYTES) == 0)
                    rc = 0;
                break;
            }
        }
        if (rfc6979_update(K, V, 0x00, NULL, NULL) < 0)
            goto hmac_failed;
    }
    if (rc < 0)
        snprintf(err, errlen, "ECDSA signing failed");
    goto out;
hmac_failed:
    snprintf(err, errlen, "HMAC-SHA-384 failed while deriving the signature nonce");
out:
    OPENSSL_cleanse(xoct, sizeof xoct);
    OPENSSL_cleanse(K, sizeof K);
    OPENSSL_cleanse(V, sizeof V);
    BN_clear_free(d);
    BN_free(e);
    BN_clear_free(k);
    BN_free(r);
    BN_free(s);
    BN_CTX_free(ctx);
    EC_GROUP_free(group);
    return rc;
}

/* ---- verification -------------------------------------------------------- */

static EVP_PKEY *pkey_from_public(const uint8_t pub[SNP_PUBKEY_SIZE])
{
    if (get_u32(pub) != SNP_CURVE_P384)
        return NULL;
    for (unsigned i = 4 + 2 * FIELD_BYTES; i < SNP_PUBKEY_SIZE; i++)
        if (pub[i])
            return NULL;
    uint8_t point[1 + 2 * P384_BYTES];
    point[0] = 0x04; /* uncompressed: X then Y, big-endian */
    for (unsigned i = 0; i < P384_BYTES; i++) {
        point[1 + i] = pub[4 + P384_BYTES - 1 - i];
        point[1 + P384_BYTES + i] = pub[4 + FIELD_BYTES + P384_BYTES - 1 - i];
    }
    for (unsigned i = P384_BYTES; i < FIELD_BYTES; i++)
        if (pub[4 + i] || pub[4 + FIELD_BYTES + i])
            return NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *key = NULL;
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_secp384r1, 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && (pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) &&
        EVP_PKEY_fromdata_init(pctx) > 0 && EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return key;
}

int snp_sig_verify(const uint8_t pub[SNP_PUBKEY_SIZE], const uint8_t *msg, size_t len, const uint8_t sig[SNP_SIG_SIZE])
{
    for (unsigned i = 2 * FIELD_BYTES; i < SNP_SIG_SIZE; i++)
        if (sig[i])
            return -1;
    EVP_PKEY *key = pkey_from_public(pub);
    BIGNUM *r = field_to_bn(sig), *s = field_to_bn(sig + FIELD_BYTES);
    ECDSA_SIG *es = ECDSA_SIG_new();
    unsigned char *der = NULL;
    int derlen = -1, rc = -1;
    if (key && r && s && es && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
        derlen = i2d_ECDSA_SIG(es, &der);
    }
    EVP_MD_CTX *md = derlen > 0 ? EVP_MD_CTX_new() : NULL;
    if (md && EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, key) == 1)
        rc = EVP_DigestVerify(md, der, (size_t)derlen, msg, len) == 1 ? 1 : 0;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- ID key signature and ID_AUTH ------------------------------------------ */

int snp_id_key_sign(struct evp_pkey_st *author_key, struct evp_pkey_st *id_key,
                    uint8_t blob[SNP_ID_KEY_SIG_BLOB_SIZE], char *err, size_t errlen)
{
    uint8_t id_pub[SNP_PUBKEY_SIZE];
    if (snp_key_public(id_key, id_pub, err, errlen) < 0 ||
        snp_sign(author_key, id_pub, sizeof id_pub, blob, err, errlen) < 0 ||
        snp_key_public(author_key, blob + SNP_SIG_SIZE, err, errlen) < 0)
        return -1;
    return 0;
}

int snp_id_auth_build(const uint8_t id_block[SNP_ID_BLOCK_SIZE], struct evp_pkey_st *id_key,
                      const uint8_t *author_blob, uint8_t out[SNP_ID_AUTH_SIZE], char *err, size_t errlen)
{
    memset(out, 0, SNP_ID_AUTH_SIZE);
    put_u32(out + SNP_ID_AUTH_ID_KEY_ALGO, SNP_ALGO_ECDSA_P384_SHA384);
    uint8_t *id_pub = out + SNP_ID_AUTH_ID_KEY;
    if (snp_key_public(id_key, id_pub, err, errlen) < 0 ||
        snp_sign(id_key, id_block, SNP_ID_BLOCK_SIZE, out + SNP_ID_AUTH_BLOCK_SIG, err, errlen) < 0)
        return -1;
    if (!author_blob)
        return 0;
    const uint8_t *author_sig = author_blob, *author_pub = author_blob + SNP_SIG_SIZE;
    int v = snp_sig_verify(author_pub, id_pub, SNP_PUBKEY_SIZE, author_sig);
    if (v != 1)
        FAIL("the ID key signature %s", v < 0 ? "is malformed (not a `enarx key sev sign` output)"
                                              : "was made for another ID key or another author key");
    put_u32(out + SNP_ID_AUTH_AUTH_KEY_ALGO, SNP_ALGO_ECDSA_P384_SHA384);
    memcpy(out + SNP_ID_AUTH_ID_KEY_SIG, author_sig, SNP_SIG_SIZE);
    memcpy(out + SNP_ID_AUTH_AUTHOR_KEY, author_pub, SNP_PUBKEY_SIZE);
    return 0;
}
