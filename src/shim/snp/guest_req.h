/* The SNP guest request, MSG_REPORT_REQ: an attestation report from the
 * secure processor, asked for through the hypervisor with a message only
 * the two of them can read (AES-256-GCM under VMPCK0 from the secrets page).
 *
 * Sequence numbers: the firmware keeps one counter per VMPCK; a request
 * carries counter + 1, its response counter + 2. A sequence number is the
 * GCM IV, so it must never protect two different messages. Hence:
 *
 *   - a request is retried (hypervisor busy, certificate buffer too small)
 *     only with the very same bytes;
 *   - after any failure that leaves it unknown whether the firmware used the
 *     number (the hypervisor refused, the firmware reported an error, the
 *     response does not authenticate or is a replay), VMPCK0 is wiped, here
 *     and in the secrets page, and no further request is made: the Keep
 *     keeps running, without attestation (as Linux's sev-guest driver does);
 *   - the counter never wraps.
 *
 * The response is copied out of the shared page once and authenticated
 * before any byte of it is used; the certificate table the hypervisor adds
 * to an extended request is copied once and checked (entries inside the
 * buffer, a terminator) before it is handed on. */
#ifndef SHIM_SNP_GUEST_REQ_H
#define SHIM_SNP_GUEST_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "abi/snp_guest.h"
#include "shim/snp/aes_gcm.h"
#include "shim/snp/ghcb.h"

/* Largest certificate buffer the shim offers: the evidence (32-byte header,
 * report, table) must stay within ENARX_EVIDENCE_MAX (64 KiB). */
#define SNP_CERT_PAGES_MAX 15u
/* Attempts while the hypervisor says it is busy. */
#define SNP_BUSY_RETRIES 16u

struct snp_guest_req {
    struct gcm256 key;              /* VMPCK0, expanded */
    int key_ok;
    uint8_t *secrets_vmpck;         /* VMPCK0 in the secrets page: wiped with key */
    uint64_t seqno;                 /* the last number used; the next request is seqno + 1 */
    struct ghcb_ctx *ghcb;
    /* Shared with the hypervisor (one page each; cert_pages pages). */
    volatile uint8_t *req_page, *rsp_page, *cert_buf;
    uint64_t req_gpa, rsp_gpa, cert_gpa, cert_pages;
    /* Private: where messages are sealed and opened, and the table's copy
     * (cert_pages * 4096 bytes). */
    uint8_t msg[4096];
    uint8_t *cert_copy;
    /* Waits a little before retrying a busy hypervisor (attempt 1, 2...). */
    void (*backoff)(unsigned attempt);
    /* Counters, for the log. */
    uint64_t reports, busy_retries;
};

enum snp_req_status {
    SNP_REQ_OK = 0,
    SNP_REQ_NO_KEY,            /* VMPCK0 absent or wiped after an earlier failure */
    SNP_REQ_SEQNO_EXHAUSTED,   /* the sequence number would wrap */
    SNP_REQ_HOST_FAILED,       /* the hypervisor refused or broke the protocol (key wiped) */
    SNP_REQ_FIRMWARE_ERROR,    /* the firmware reported an error (key wiped) */
    SNP_REQ_BAD_RESPONSE,      /* the response is forged, replayed or malformed (key wiped) */
    SNP_REQ_REPORT_REFUSED,    /* the firmware answered, but without a usable report */
    SNP_REQ_BAD_CERTS,         /* the hypervisor's certificate table is malformed */
};

const char *snp_req_status_text(enum snp_req_status s);

/* What went wrong, for the log: the GHCB status, the hypervisor's and the
 * firmware's error codes, the message check that failed, the report status. */
struct snp_req_detail {
    enum ghcb_status ghcb;
    uint32_t vmm_error, fw_error;
    int msg_status;            /* enum snp_msg_status */
    uint32_t report_status;
};

/* Takes VMPCK0 (32 bytes; all zeros = none) and the pages; cert_pages 0
 * means plain requests only. */
void snp_guest_req_init(struct snp_guest_req *g, uint8_t *secrets_vmpck0, struct ghcb_ctx *ghcb);

/* Asks for a report with this report data, for VMPL 0. On SNP_REQ_OK:
 * report = the ATTESTATION_REPORT, *certs_len = bytes of the certificate
 * table now in g->cert_copy (0 when the hypervisor gave none). */
enum snp_req_status snp_guest_report(struct snp_guest_req *g,
                                     const uint8_t report_data[SNP_REPORT_DATA_SIZE],
                                     uint8_t report[SNP_REPORT_SIZE], size_t *certs_len,
                                     struct snp_req_detail *d);

/* Checks a certificate table (cap bytes): entries until an all-zero one,
 * each certificate inside cap and after the table. *used = bytes the table
 * and its certificates take (0 for an empty table). 0 if well-formed. */
int snp_cert_table_check(const uint8_t *buf, size_t cap, size_t *used);

/* Writes typed evidence (abi/evidence.h, kind SNP): header, report, table.
 * Returns its length, or 0 if cap is too small. */
size_t snp_evidence_build(const uint8_t report[SNP_REPORT_SIZE], const uint8_t *certs,
                          size_t certs_len, uint8_t *out, size_t cap);
/* The length snp_evidence_build would write. */
size_t snp_evidence_len(size_t certs_len);

#endif
