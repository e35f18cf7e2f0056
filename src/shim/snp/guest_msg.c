/* SEV-SNP guest messages: sealing requests, opening responses. */
#include "shim/snp/guest_msg.h"

#include <string.h>

const char *snp_msg_status_text(enum snp_msg_status s)
{
    switch (s) {
    case SNP_MSG_OK: return "valid";
    case SNP_MSG_TRUNCATED: return "shorter than its header says";
    case SNP_MSG_BAD_HEADER: return "a malformed header (algorithm, version, size or reserved bytes)";
    case SNP_MSG_BAD_TYPE: return "not the message type expected";
    case SNP_MSG_BAD_VMPCK: return "protected by another VMPCK";
    case SNP_MSG_BAD_SEQNO: return "not the sequence number expected (a replay or a reordering)";
    case SNP_MSG_BAD_SIZE: return "a payload larger than allowed";
    case SNP_MSG_BAD_TAG: return "not authentic (the tag does not verify)";
    }
    return "unknown";
}

static void make_iv(uint64_t seqno, uint8_t iv[GCM_IV_SIZE])
{
    for (unsigned i = 0; i < GCM_IV_SIZE; i++)
        iv[i] = i < 8 ? (uint8_t)(seqno >> (8 * i)) : 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++)
        any |= p[i];
    return any == 0;
}

size_t snp_msg_seal(const struct gcm256 *key, uint8_t vmpck, uint64_t seqno, uint8_t type,
                    uint8_t version, const void *payload, size_t len, uint8_t *msg, size_t cap)
{
    if (len > SNP_MSG_MAX_PAYLOAD || cap < SNP_MSG_HEADER_SIZE || len > cap - SNP_MSG_HEADER_SIZE)
        return 0;
    struct snp_msg_header h;
    memset(&h, 0, sizeof h);
    h.msg_seqno = seqno;
    h.algo = SNP_AEAD_AES_256_GCM;
    h.hdr_version = SNP_MSG_HDR_VERSION;
    h.hdr_size = SNP_MSG_HEADER_SIZE;
    h.msg_type = type;
    h.msg_version = version;
    h.msg_size = (uint16_t)len;
    h.msg_vmpck = vmpck;
    memset(msg, 0, cap);
    uint8_t iv[GCM_IV_SIZE];
    make_iv(seqno, iv);
    const uint8_t *aad = (const uint8_t *)&h + SNP_MSG_AAD_OFFSET;
    gcm256_seal(key, iv, aad, SNP_MSG_AAD_SIZE, payload, len, msg + SNP_MSG_HEADER_SIZE, h.authtag);
    memcpy(msg, &h, sizeof h);
    return SNP_MSG_HEADER_SIZE + len;
}

enum snp_msg_status snp_msg_open(const struct gcm256 *key, uint8_t vmpck, uint64_t seqno,
                                 uint8_t type, uint8_t version, const uint8_t *msg,
                                 size_t msg_len, void *out, size_t cap, size_t *out_len)
{
    struct snp_msg_header h;
    if (msg_len < sizeof h)
        return SNP_MSG_TRUNCATED;
    memcpy(&h, msg, sizeof h);
    /* Fields outside the AAD (the tag's unused half, the reserved bytes
     * before it) are not authenticated: the firmware writes zeros there,
     * anything else is the host's doing. */
    if (h.algo != SNP_AEAD_AES_256_GCM || h.hdr_version != SNP_MSG_HDR_VERSION ||
        h.hdr_size != SNP_MSG_HEADER_SIZE || !all_zero(h.authtag + GCM_TAG_SIZE, 32 - GCM_TAG_SIZE) ||
        !all_zero(h.reserved_0x28, sizeof h.reserved_0x28) || h.reserved_0x38 != 0 ||
        !all_zero(h.reserved_0x3d, sizeof h.reserved_0x3d))
        return SNP_MSG_BAD_HEADER;
    if (h.msg_type != type || h.msg_version != version)
        return SNP_MSG_BAD_TYPE;
    if (h.msg_vmpck != vmpck)
        return SNP_MSG_BAD_VMPCK;
    if (h.msg_seqno != seqno)
        return SNP_MSG_BAD_SEQNO;
    if (h.msg_size > SNP_MSG_MAX_PAYLOAD || h.msg_size > cap)
        return SNP_MSG_BAD_SIZE;
    if (msg_len - sizeof h < h.msg_size)
        return SNP_MSG_TRUNCATED;
    uint8_t iv[GCM_IV_SIZE];
    make_iv(seqno, iv);
    if (gcm256_open(key, iv, msg + SNP_MSG_AAD_OFFSET, SNP_MSG_AAD_SIZE, msg + sizeof h, h.msg_size,
                    h.authtag, out) != 0)
        return SNP_MSG_BAD_TAG;
    *out_len = h.msg_size;
    return SNP_MSG_OK;
}
