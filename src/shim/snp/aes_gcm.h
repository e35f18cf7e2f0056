/* AES-256-GCM for the shim's guest messages (NIST FIPS 197, SP 800-38D),
 * freestanding and constant-time: no table lookups and no branches on key
 * or data. The S-box is computed (inversion in GF(2^8) as x^254 by a fixed
 * chain of carry-less multiplications, eight bytes at a time in a 64-bit
 * word), GHASH multiplies bit by bit with masks.
 *
 * Why not AES-NI: the shim is built without vector registers and does not
 * save the workload's XMM state on entry, so using them would corrupt the
 * workload (or need a save/restore on the attestation path). The messages
 * are short (96 bytes out, ~1.2 KiB back, a few per Keep), so speed does
 * not matter here; see docs/keep.md for the measured cost.
 *
 * Only 96-bit IVs and 128-bit tags (all SEV-SNP uses). */
#ifndef SHIM_SNP_AES_GCM_H
#define SHIM_SNP_AES_GCM_H

#include <stddef.h>
#include <stdint.h>

#define AES256_KEY_SIZE 32u
#define AES_BLOCK_SIZE  16u
#define GCM_IV_SIZE     12u
#define GCM_TAG_SIZE    16u

struct aes256 {
    uint8_t round_key[15][16];
};

struct gcm256 {
    struct aes256 aes;
    uint64_t h_hi, h_lo;        /* the hash key E(K, 0^128), big-endian halves */
};

void aes256_init(struct aes256 *a, const uint8_t key[AES256_KEY_SIZE]);
void aes256_encrypt_block(const struct aes256 *a, const uint8_t in[16], uint8_t out[16]);

void gcm256_init(struct gcm256 *g, const uint8_t key[AES256_KEY_SIZE]);
/* ct may equal pt. */
void gcm256_seal(const struct gcm256 *g, const uint8_t iv[GCM_IV_SIZE], const uint8_t *aad,
                 size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct,
                 uint8_t tag[GCM_TAG_SIZE]);
/* Checks the tag before decrypting anything: 0 and the plaintext, or -1 and
 * pt untouched. pt may equal ct. */
int gcm256_open(const struct gcm256 *g, const uint8_t iv[GCM_IV_SIZE], const uint8_t *aad,
                size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[GCM_TAG_SIZE],
                uint8_t *pt);
/* Overwrites the key schedule (not optimised away). */
void gcm256_wipe(struct gcm256 *g);

/* Constant-time comparison and wiping, for whoever handles secrets. */
int ct_equal(const void *a, const void *b, size_t len);
void secure_wipe(void *p, size_t len);

#endif
