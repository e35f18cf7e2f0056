/* SEV-SNP guest messages (AMD SEV-SNP Firmware ABI, "Guest messages"): a
 * 96-byte header and a payload encrypted with AES-256-GCM under a VMPCK.
 * IV = the message sequence number, little-endian, zero-padded to 12 bytes;
 * AAD = header bytes 0x30..0x5f; tag = authtag[0..15].
 *
 * Both functions work on the shim's private copies: the sealed request is
 * copied to the shared page afterwards, and a response is copied out of the
 * shared page once, before snp_msg_open looks at any byte of it. */
#ifndef SHIM_SNP_GUEST_MSG_H
#define SHIM_SNP_GUEST_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "abi/snp_guest.h"
#include "shim/snp/aes_gcm.h"

enum snp_msg_status {
    SNP_MSG_OK = 0,
    SNP_MSG_TRUNCATED,          /* shorter than its header says */
    SNP_MSG_BAD_HEADER,         /* algorithm, header version or size, reserved bytes */
    SNP_MSG_BAD_TYPE,           /* not the message type (or version) expected */
    SNP_MSG_BAD_VMPCK,          /* protected by another VMPCK */
    SNP_MSG_BAD_SEQNO,          /* not the sequence number expected: a replay */
    SNP_MSG_BAD_SIZE,           /* payload larger than the page or the caller's buffer */
    SNP_MSG_BAD_TAG,            /* authentication failed: forged or damaged */
};

/* Names the failure, for messages. */
const char *snp_msg_status_text(enum snp_msg_status s);

/* Writes header + encrypted payload to msg (SNP_MSG_HEADER_SIZE + len
 * bytes, the rest of cap zeroed). Returns the message length, or 0 if len
 * exceeds SNP_MSG_MAX_PAYLOAD or cap. */
size_t snp_msg_seal(const struct gcm256 *key, uint8_t vmpck, uint64_t seqno, uint8_t type,
                    uint8_t version, const void *payload, size_t len, uint8_t *msg, size_t cap);

/* Checks msg (msg_len bytes) is a message of `type`/`version` under VMPCK
 * `vmpck` with sequence number `seqno`, authenticates it and only then
 * decrypts its payload into out (cap bytes); *out_len = payload size. On any
 * failure out is untouched. */
enum snp_msg_status snp_msg_open(const struct gcm256 *key, uint8_t vmpck, uint64_t seqno,
                                 uint8_t type, uint8_t version, const uint8_t *msg,
                                 size_t msg_len, void *out, size_t cap, size_t *out_len);

#endif
