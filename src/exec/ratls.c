/* The Keep's RA-TLS certificate, in CCC's interoperable format; its CBOR
 * comes from the one encoder both sides share (common/ratls_ext.h). */
#include "exec/ratls.h"

#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/evidence.h"
#include "common/ratls_ext.h"

uint64_t ratls_tag_for_kind(uint32_t kind)
{
    switch (kind) {
    case ENARX_EVIDENCE_SNP: return ENARX_CBOR_TAG_SNP;
    case ENARX_EVIDENCE_SGX: return ENARX_CBOR_TAG_INTEL_QUOTE;
    default: return ENARX_CBOR_TAG_UNATTESTED;
    }
}

/* ---- the certificate ---- */

static int spki_sha256(EVP_PKEY *key, uint8_t out[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    if (n <= 0)
        return -1;
    SHA256(der, (size_t)n, out);
    OPENSSL_free(der);
    return 0;
}

static int add_evidence_extension(X509 *cert, const uint8_t *cbor, size_t len)
{
    ASN1_OBJECT *oid = OBJ_txt2obj(RATLS_EXT_OID, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    int ok = oid && os && ASN1_OCTET_STRING_set(os, cbor, (int)len) &&
             (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0 /* never critical: CCC */, os)) &&
             X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(oid);
    return ok ? 0 : -1;
}

static X509 *self_signed(EVP_PKEY *key, const uint8_t *cbor, size_t cbor_len)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    uint8_t serial[16];
    BIGNUM *bn = NULL;
    ASN1_INTEGER *sn = NULL;
    int ok = cert && name && RAND_bytes(serial, sizeof serial) == 1;
    if (ok) {
        serial[0] &= 0x7f; /* positive */
        ok = (bn = BN_bin2bn(serial, sizeof serial, NULL)) && (sn = BN_to_ASN1_INTEGER(bn, NULL)) &&
             X509_set_version(cert, 2) && X509_set_serialNumber(cert, sn) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"Enarx Keep", -1, -1, 0) &&
             X509_set_subject_name(cert, name) && X509_set_issuer_name(cert, name) &&
             X509_gmtime_adj(X509_getm_notBefore(cert), -300) &&
             X509_gmtime_adj(X509_getm_notAfter(cert), 7L * 24 * 3600) && X509_set_pubkey(cert, key) &&
             add_evidence_extension(cert, cbor, cbor_len) == 0 && X509_sign(cert, key, EVP_sha384()) > 0;
    }
    ASN1_INTEGER_free(sn);
    BN_free(bn);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

int ratls_identity_new(ratls_identity *id, const exec_claim *claim, char *err, size_t errlen)
{
    memset(id, 0, sizeof *id);
    /* OpenSSL's DRBG seeds from getrandom(), which a VM Keep's shim serves
     * from RDRAND/RDSEED, never from the host */
    id->key = EVP_EC_gen("P-384");
    if (!id->key || spki_sha256(id->key, id->spki_hash) != 0) {
        snprintf(err, errlen, "cannot generate the Keep's key pair");
        ratls_identity_free(id);
        return -1;
    }
    uint8_t claims[RATLS_CLAIMS_LEN], report_data[ENARX_REPORT_DATA_LEN] = {0};
    if (ratls_claims_encode(RATLS_HASH_SHA256, id->spki_hash, sizeof id->spki_hash, NULL, 0, claims,
                            sizeof claims) != sizeof claims) {
        snprintf(err, errlen, "cannot encode the certificate's claims");
        ratls_identity_free(id);
        return -1;
    }
    SHA256(claims, sizeof claims, report_data); /* report data = SHA-256(claims) || 0^32 */
    uint8_t *evidence;
    size_t evidence_len;
    if (exec_evidence(report_data, claim, &evidence, &evidence_len, &id->evidence_kind, err, errlen) != 0) {
        ratls_identity_free(id);
        return -1;
    }
    uint64_t tag = ratls_tag_for_kind(id->evidence_kind);
    size_t cap = ratls_ext_encode(tag, evidence, evidence_len, claims, sizeof claims, NULL, 0);
    uint8_t *cbor = malloc(cap);
    size_t cbor_len = cbor ? ratls_ext_encode(tag, evidence, evidence_len, claims, sizeof claims, cbor, cap) : 0;
    if (cbor_len > cap)
        cbor_len = 0;
    free(evidence);
    id->cert = cbor_len ? self_signed(id->key, cbor, cbor_len) : NULL;
    free(cbor);
    if (!id->cert) {
        snprintf(err, errlen, "cannot make the Keep's RA-TLS certificate");
        ratls_identity_free(id);
        return -1;
    }
    return 0;
}

void ratls_identity_free(ratls_identity *id)
{
    EVP_PKEY_free(id->key);
    X509_free(id->cert);
    memset(id, 0, sizeof *id);
}
