/* TEST-ONLY: the secure processor's side of SNP guest requests (see
 * psp_guest.h), on OpenSSL. Offsets are spelled out from the firmware ABI
 * rather than taken from the shim's structures, so a layout mistake in
 * src/abi/snp_guest.h shows up here. */
#include "psp_guest.h"

#include <string.h>

#include "model.h"

#include <openssl/evp.h>

#define PAGE 4096u
#define HDR 0x60u
#define MSG_REPORT_REQ 5u
#define MSG_REPORT_RSP 6u
#define REPORT_LEN 1184u
#define RSP_LEN (0x20u + REPORT_LEN)

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* AES-256-GCM with a 12-byte IV = seqno, little-endian. */
static int gcm(int enc, const uint8_t key[32], uint64_t seqno, const uint8_t *aad, int aad_len,
               const uint8_t *in, int len, uint8_t *out, uint8_t tag[16])
{
    uint8_t iv[12] = {0};
    put64(iv, seqno);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc) == 1 &&
                    EVP_CipherUpdate(c, NULL, &n, aad, aad_len) == 1 &&
                    EVP_CipherUpdate(c, out, &n, in, len) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
    ok = ok && EVP_CipherFinal_ex(c, out + n, &n) == 1;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

static uint32_t refuse(struct psp_model *m)
{
    m->refused++;
    return PSP_ERR_INVALID_PARAM;
}

uint32_t psp_guest_request(void *ctx, const uint8_t *req, uint8_t *rsp)
{
    struct psp_model *m = ctx;
    m->requests++;
    /* The header: algo 1, header version 1, size 0x60, MSG_REPORT_REQ v1,
     * 96-byte payload, VMPCK 0, sequence = counter + 1. */
    uint64_t seqno = get64(req + 0x20);
    uint16_t hdr_size = (uint16_t)(req[0x32] | req[0x33] << 8), msg_size = (uint16_t)(req[0x36] | req[0x37] << 8);
    if (req[0x30] != 1 || req[0x31] != 1 || hdr_size != HDR || req[0x34] != MSG_REPORT_REQ ||
        req[0x35] != 1 || msg_size != 96 || req[0x3c] != 0)
        return refuse(m);
    if (seqno != m->counter + 1)
        return refuse(m);
    uint8_t plain[96], tag[16];
    memcpy(tag, req, 16);
    if (gcm(0, m->vmpck0, seqno, req + 0x30, 0x30, req + HDR, 96, plain, tag) != 0)
        return refuse(m);
    /* MSG_REPORT_REQ: REPORT_DATA, VMPL, KEY_SEL, reserved (zero). */
    uint32_t vmpl = get32(plain + 0x40), key_sel = get32(plain + 0x44);
    for (int i = 0x48; i < 96; i++)
        if (plain[i])
            return refuse(m);
    if (vmpl != 0 || key_sel > 2)
        return refuse(m);
    if (m->accepted < 64) {
        m->seen_seqno[m->accepted] = seqno;
        memcpy(m->seen_msg[m->accepted], plain, 96);
    }
    m->accepted++;
    memcpy(m->last_report_data, plain, 64);

    uint8_t body[RSP_LEN] = {0};
    put32(body, m->report_status);
    if (m->report_status == 0) {
        put32(body + 4, REPORT_LEN);
        if (m->make_report(m->report_ctx, plain, body + 0x20) != 0)
            return refuse(m);
    }
    memset(rsp, 0, PAGE);
    rsp[0x30] = 1;
    rsp[0x31] = 1;
    rsp[0x32] = HDR;
    rsp[0x34] = MSG_REPORT_RSP;
    rsp[0x35] = 1;
    rsp[0x36] = (uint8_t)(RSP_LEN & 0xff);
    rsp[0x37] = (uint8_t)(RSP_LEN >> 8);
    put64(rsp + 0x20, seqno + 1);
    if (gcm(1, m->vmpck0, seqno + 1, rsp + 0x30, 0x30, body, RSP_LEN, rsp + HDR, tag) != 0)
        return refuse(m);
    memcpy(rsp, tag, 16);
    m->counter = seqno + 1;
    return 0;
}

int psp_unsigned_report(void *ctx, const uint8_t report_data[64], uint8_t report[1184])
{
    (void)ctx;
    memset(report, 0, 1184);
    put32(report, 2);
    memcpy(report + 0x50, report_data, 64);
    memset(report + 0x90, 0x5a, 48);
    return 0;
}

int psp_launch_report(void *ctx, const uint8_t report_data[64], uint8_t report[1184])
{
    const struct psp_model *m = ctx;
    const struct snp_model_launch *l = m->launch;
    psp_unsigned_report(ctx, report_data, report);
    if (!l)
        return -1;
    put32(report + 0x04, l->guest_svn);
    put64(report + 0x08, l->policy);
    memcpy(report + 0x10, l->family_id, 16);
    memcpy(report + 0x20, l->image_id, 16);
    put32(report + 0x48, (uint32_t)(l->author_key_en ? 1 : 0));
    memcpy(report + 0x90, l->measurement, 48);
    memcpy(report + 0xc0, l->host_data, 32);
    if (l->id_block_en)
        memcpy(report + 0xe0, l->id_key_digest, 48);
    if (l->author_key_en)
        memcpy(report + 0x110, l->author_key_digest, 48);
    return 0;
}

uint32_t psp_guest_model_request(void *ctx, const struct snp_model_launch *launch, const uint8_t req[4096],
                                 uint8_t rsp[4096])
{
    struct psp_model *m = ctx;
    m->launch = launch;
    memcpy(m->vmpck0, launch->vmpck[0], sizeof m->vmpck0);
    m->make_report = psp_launch_report;
    m->report_ctx = m;
    return psp_guest_request(m, req, rsp);
}
