/* The Keep's identity for a deploy: a key pair made inside the Keep and a
 * self-signed interoperable RA-TLS certificate carrying evidence that binds
 * it (extension 2.23.133.5.4.9, docs/deploy.md). */
#ifndef EXEC_RATLS_H
#define EXEC_RATLS_H

#include <stddef.h>
#include <stdint.h>

#include "exec/evidence.h"

struct evp_pkey_st;
struct x509_st;

typedef struct ratls_identity {
    struct evp_pkey_st *key;        /* EC P-384, from the Keep's own randomness */
    struct x509_st *cert;
    uint8_t spki_hash[32];          /* SHA-256(DER SubjectPublicKeyInfo) */
    uint32_t evidence_kind;
} ratls_identity;

/* The claims buffer {"pubkey-hash": [1, bstr hash]}: 51 bytes. */
#define RATLS_CLAIMS_LEN 51

/* The CBOR tag for an evidence kind (abi/evidence.h). */
uint64_t ratls_tag_for_kind(uint32_t kind);

/* Generates the key, gets evidence for SHA-256(claims) || 0^32 and makes the
 * certificate. Returns 0, or -1 with a message in err. */
int ratls_identity_new(ratls_identity *id, const exec_claim *claim, char *err, size_t errlen);
void ratls_identity_free(ratls_identity *id);

#endif
