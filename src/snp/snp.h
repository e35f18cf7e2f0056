/* SEV-SNP formats and computations that need no hardware: the launch
 * digest (the firmware's PAGE_INFO chain), the VMSA page, ID blocks and
 * their authentication (ECDSA P-384 keys, deterministic signatures), and
 * the certificate table of the extended guest request. Host side only;
 * no kernel calls. docs/snp.md.
 *
 * Used by the SNP launcher (src/backend/sev) and the offline calculator
 * (`enarx keep measure --backend sev`), by `enarx key sev` / `enarx sign`,
 * and by the tests that reproduce the public measurement vectors. */
#ifndef SNP_SNP_H
#define SNP_SNP_H

#include <stddef.h>
#include <stdint.h>

#include "abi/snp_launch.h"

#define SNP_PAGE_SIZE 4096u
#define SNP_DIGEST_LEN 48u

/* ---- the launch digest (digest.c) ----------------------------------------
 * ld = seed (48 zero bytes for a launch); for every page given to
 * SNP_LAUNCH_UPDATE, in command order: ld = SHA-384(PAGE_INFO(ld, page)).
 * NORMAL and VMSA pages contribute SHA-384 of their 4 KiB; the other types
 * contribute 48 zero bytes (their GPA and type are still measured). */
struct snp_launch_digest {
    uint8_t ld[SNP_DIGEST_LEN];
    uint64_t pages;            /* pages measured so far */
};

/* seed NULL: 48 zero bytes. */
void snp_ld_init(struct snp_launch_digest *d, const uint8_t *seed);
/* npages pages at gpa (page aligned, no wrap past 2^64). data: npages * 4 KiB
 * for NORMAL and VMSA, ignored (may be NULL) for the other types. 0, or -1
 * for a bad type, alignment or a missing data pointer. */
int snp_ld_pages(struct snp_launch_digest *d, uint64_t gpa, uint64_t npages, enum snp_page_type type,
                 const uint8_t *data);
/* One page whose CONTENTS field is given as is (a VMSA known only by its
 * hash, or a type measured as zero when contents is NULL). */
int snp_ld_page_contents(struct snp_launch_digest *d, uint64_t gpa, enum snp_page_type type,
                         const uint8_t *contents);
/* The 0x70 bytes hashed for one page (exposed for tests and tracing). */
void snp_page_info_encode(const uint8_t digest_cur[SNP_DIGEST_LEN], const uint8_t contents[SNP_DIGEST_LEN],
                          enum snp_page_type type, uint64_t gpa, uint8_t out[0x70]);

/* ---- the VMSA page (vmsa.c) -----------------------------------------------
 * The initial save area of a vCPU as the firmware measures it: the fields
 * below at their APM offsets (abi/snp_launch.h), every other byte zero. */
struct snp_seg {
    uint16_t selector, attrib;
    uint32_t limit;
    uint64_t base;
};

struct snp_vmsa {
    struct snp_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
    uint8_t cpl;
    uint64_t efer, cr0, cr3, cr4, dr6, dr7, rflags, rip;
    uint64_t rax, rbx, rcx, rdx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base, g_pat;
    uint64_t sev_features, xcr0;
    uint32_t mxcsr;
    uint16_t x87_fcw;
};

void snp_vmsa_encode(const struct snp_vmsa *v, uint8_t page[SNP_PAGE_SIZE]);
/* A segment's VMCB attribute word from the fields of a kvm_segment, as KVM
 * packs them (type | S << 4 | DPL << 5 | P << 7 | AVL << 8 | L << 9 |
 * DB << 10 | G << 11). */
uint16_t snp_seg_attrib(unsigned type, unsigned s, unsigned dpl, unsigned present, unsigned avl, unsigned l,
                        unsigned db, unsigned g);

/* ---- ID blocks and keys (idblock.c) ----------------------------------------
 * ID_BLOCK (96 bytes) and ID_AUTH (4096 bytes) of SNP_LAUNCH_FINISH. Keys
 * are ECDSA P-384; signatures are over SHA-384 and deterministic (RFC 6979),
 * so the same key and block always give the same bytes. */
#define SNP_ID_BLOCK_SIZE 96u
#define SNP_ID_AUTH_SIZE 4096u
#define SNP_SIG_SIZE 0x200u        /* R[0x48] S[0x48], little-endian, zero-padded */
#define SNP_PUBKEY_SIZE 0x404u     /* CURVE u32 (2 = P-384), QX[0x48], QY[0x48], zero-padded */
#define SNP_ID_KEY_SIG_BLOB_SIZE (SNP_SIG_SIZE + SNP_PUBKEY_SIZE) /* `enarx key sev sign` output */
#define SNP_ALGO_ECDSA_P384_SHA384 1u
#define SNP_CURVE_P384 2u

/* ID_AUTH offsets. */
#define SNP_ID_AUTH_ID_KEY_ALGO   0x000u
#define SNP_ID_AUTH_AUTH_KEY_ALGO 0x004u
#define SNP_ID_AUTH_BLOCK_SIG     0x040u
#define SNP_ID_AUTH_ID_KEY        0x240u
#define SNP_ID_AUTH_ID_KEY_SIG    0x680u
#define SNP_ID_AUTH_AUTHOR_KEY    0x880u

struct snp_id_block {
    uint8_t ld[SNP_DIGEST_LEN];   /* must equal the launch digest */
    uint8_t family_id[16];
    uint8_t image_id[16];
    uint32_t version;             /* 1 */
    uint32_t guest_svn;
    uint64_t policy;              /* must equal the launch policy */
};

void snp_id_block_encode(const struct snp_id_block *b, uint8_t out[SNP_ID_BLOCK_SIZE]);
void snp_id_block_decode(const uint8_t in[SNP_ID_BLOCK_SIZE], struct snp_id_block *b);

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

/* A P-384 key from a PEM file (PKCS#8 or SEC1 private key; with
 * need_private = 0 also a public key). Anything else is refused with a
 * message naming the file. */
int snp_key_load(const char *path, int need_private, struct evp_pkey_st **key, char *err, size_t errlen);
/* A new P-384 key as PKCS#8 PEM, written to path with mode 0600 (refusing
 * to replace a file), or to stdout when path is NULL. */
int snp_key_create(const char *path, char *err, size_t errlen);
/* The key's public part in the firmware's 0x404-byte layout. */
int snp_key_public(struct evp_pkey_st *key, uint8_t out[SNP_PUBKEY_SIZE], char *err, size_t errlen);
/* SHA-384 of that layout: what a report carries as ID_KEY_DIGEST or
 * AUTHOR_KEY_DIGEST. */
int snp_key_digest(struct evp_pkey_st *key, uint8_t out[SNP_DIGEST_LEN], char *err, size_t errlen);
/* ECDSA P-384 over SHA-384(msg) with the RFC 6979 nonce, in the firmware's
 * signature layout. */
int snp_sign(struct evp_pkey_st *key, const uint8_t *msg, size_t len, uint8_t sig[SNP_SIG_SIZE], char *err,
             size_t errlen);
/* 1 when sig is a valid signature of msg by the public key pub (firmware
 * layouts), 0 when not, -1 when pub or sig are malformed. */
int snp_sig_verify(const uint8_t pub[SNP_PUBKEY_SIZE], const uint8_t *msg, size_t len, const uint8_t sig[SNP_SIG_SIZE]);

/* The author's signature of an ID key: ID_KEY_SIG (the author signs the ID
 * key's 0x404-byte layout) followed by AUTHOR_KEY, the blob upstream's
 * `enarx key sev sign` writes. */
int snp_id_key_sign(struct evp_pkey_st *author_key, struct evp_pkey_st *id_key,
                    uint8_t blob[SNP_ID_KEY_SIG_BLOB_SIZE], char *err, size_t errlen);
/* ID_AUTH for id_block, signed with id_key; author_blob (an
 * snp_id_key_sign result for this ID key) adds the author key, NULL leaves
 * it out. Checks that author_blob's signature is over this ID key. */
int snp_id_auth_build(const uint8_t id_block[SNP_ID_BLOCK_SIZE], struct evp_pkey_st *id_key,
                      const uint8_t *author_blob, uint8_t out[SNP_ID_AUTH_SIZE], char *err, size_t errlen);

/* ---- the certificate table (certs.c) ---------------------------------------
 * What the host returns with the extended guest request (GHCB spec): entries
 * {GUID[16], u32 offset, u32 length} up to an all-zero one, then the
 * certificates; offsets from the start of the table. */
#define SNP_CERT_ENTRY_SIZE 24u
#define SNP_CERT_TABLE_MAX_ENTRIES 32u
#define SNP_CERTS_MAX_SIZE (256u << 10)

struct snp_cert_info {
    uint8_t guid[16];
    uint32_t offset, length;
};

/* Checks a table: a terminator within len, at most max entries, every
 * certificate non-empty, after the table and inside len, no GUID twice.
 * The number of entries, or -1 with a message. */
int snp_cert_table_parse(const uint8_t *blob, size_t len, struct snp_cert_info *out, size_t max, char *err,
                         size_t errlen);
/* "ARK", "ASK", "VCEK", "VLEK", "CRL", or NULL for another GUID. */
const char *snp_cert_guid_name(const uint8_t guid[16]);
/* The GUID of one of those names; -1 for another name. */
int snp_cert_guid(const char *name, uint8_t guid[16]);

/* ---- the signatures file (signatures.c) ------------------------------------
 * `enarx sign` writes, `enarx run --signatures` reads: JSON {"version",
 * "sev": {"id_block": [96 numbers], "id_auth": [4096 numbers]}}, upstream
 * Enarx's shape. The version must be this build's. */
int snp_signatures_parse(const uint8_t *text, size_t len, uint8_t id_block[SNP_ID_BLOCK_SIZE],
                         uint8_t id_auth[SNP_ID_AUTH_SIZE], int *author_key_en, char *err, size_t errlen);
int snp_signatures_read(const char *path, uint8_t id_block[SNP_ID_BLOCK_SIZE], uint8_t id_auth[SNP_ID_AUTH_SIZE],
                        int *author_key_en, char *err, size_t errlen);
/* The file's text (malloc'ed, NUL-terminated), or NULL when out of memory. */
char *snp_signatures_json(const uint8_t id_block[SNP_ID_BLOCK_SIZE], const uint8_t id_auth[SNP_ID_AUTH_SIZE]);

/* ---- hex ---------------------------------------------------------------- */
/* out: 2 * len + 1 bytes. */
void snp_hex(const uint8_t *in, size_t len, char *out);

#endif
