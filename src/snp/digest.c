/* The SEV-SNP launch digest: the chain of SHA-384 hashes of PAGE_INFO
 * structures the secure processor computes over SNP_LAUNCH_UPDATE (SNP
 * firmware ABI, "SNP_LAUNCH_UPDATE" and "PAGE_INFO"). */
#include <string.h>

#include <openssl/evp.h>

#include "snp/snp.h"

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void sha384(const uint8_t *data, size_t len, uint8_t out[SNP_DIGEST_LEN])
{
    unsigned int n = SNP_DIGEST_LEN;
    /* EVP_Digest fails only when OpenSSL cannot allocate or lacks SHA-384;
     * an all-zero digest then makes every later comparison fail loudly. */
    if (!EVP_Digest(data, len, out, &n, EVP_sha384(), NULL))
        memset(out, 0, SNP_DIGEST_LEN);
}

void snp_page_info_encode(const uint8_t digest_cur[SNP_DIGEST_LEN], const uint8_t contents[SNP_DIGEST_LEN],
                          enum snp_page_type type, uint64_t gpa, uint8_t out[0x70])
{
    memset(out, 0, 0x70);
    memcpy(out, digest_cur, SNP_DIGEST_LEN);
    if (contents)
        memcpy(out + 0x30, contents, SNP_DIGEST_LEN);
    put_u16(out + 0x60, 0x70);
    out[0x62] = (uint8_t)type;
    /* 0x63 IMI_PAGE and 0x64..0x66 VMPL permissions: 0 in a launch (KVM). */
    put_u64(out + 0x68, gpa);
}

void snp_ld_init(struct snp_launch_digest *d, const uint8_t *seed)
{
    memset(d, 0, sizeof *d);
    if (seed)
        memcpy(d->ld, seed, SNP_DIGEST_LEN);
}

static int valid_type(enum snp_page_type type)
{
    return type >= SNP_PAGE_NORMAL && type <= SNP_PAGE_CPUID;
}

static int has_contents(enum snp_page_type type)
{
    return type == SNP_PAGE_NORMAL || type == SNP_PAGE_VMSA;
}

int snp_ld_page_contents(struct snp_launch_digest *d, uint64_t gpa, enum snp_page_type type,
                         const uint8_t *contents)
{
    if (!valid_type(type) || (gpa & (SNP_PAGE_SIZE - 1)))
        return -1;
    uint8_t info[0x70];
    snp_page_info_encode(d->ld, contents, type, gpa, info);
    sha384(info, sizeof info, d->ld);
    d->pages++;
    return 0;
}

int snp_ld_pages(struct snp_launch_digest *d, uint64_t gpa, uint64_t npages, enum snp_page_type type,
                 const uint8_t *data)
{
    if (!valid_type(type) || (gpa & (SNP_PAGE_SIZE - 1)) || (has_contents(type) && !data && npages))
        return -1;
    if (npages && npages - 1 > (UINT64_MAX - gpa) / SNP_PAGE_SIZE)
        return -1;
    for (uint64_t i = 0; i < npages; i++) {
        uint8_t contents[SNP_DIGEST_LEN];
        const uint8_t *c = NULL;
        if (has_contents(type)) {
            sha384(data + i * SNP_PAGE_SIZE, SNP_PAGE_SIZE, contents);
            c = contents;
        }
        if (snp_ld_page_contents(d, gpa + i * SNP_PAGE_SIZE, type, c) < 0)
            return -1;
    }
    return 0;
}

void snp_hex(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = 0;
}
