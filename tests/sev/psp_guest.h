/* TEST-ONLY: the secure processor's side of SNP guest requests, written
 * from the SEV-SNP Firmware ABI with OpenSSL's AES-256-GCM (an
 * implementation independent of the shim's): it checks the request's
 * header, its sequence number against the firmware's counter and its tag,
 * decrypts MSG_REPORT_REQ, has a report made (make_report: unsigned, or
 * signed by the test attester's chain), and encrypts MSG_REPORT_RSP with the
 * next sequence number. A request it refuses leaves the counter alone.
 *
 * It plugs into fake_hw's hypervisor (fake_hv.psp), and into the model of
 * KVM and the secure processor (tests/sev/model.h) through that model's
 * guest-request hook: psp_guest_model_request takes VMPCK0 and the report's
 * launch fields from what the model's firmware did at launch. */
#ifndef TESTS_SEV_PSP_GUEST_H
#define TESTS_SEV_PSP_GUEST_H

#include <stdint.h>

#define PSP_ERR_INVALID_PARAM 0x16u   /* SEV_RET_INVALID_PARAM */

struct psp_model {
    uint8_t vmpck0[32];
    uint64_t counter;               /* the last sequence number used */
    /* Makes the 1184-byte report for report_data (VMPL 0); 0 or -1. */
    int (*make_report)(void *ctx, const uint8_t report_data[64], uint8_t report[1184]);
    void *report_ctx;
    uint32_t report_status;         /* put this status in the response (0 = success) */
    /* What it saw. */
    unsigned requests, refused, accepted;
    uint64_t seen_seqno[64];        /* every sequence number of an accepted request */
    uint8_t seen_msg[64][96];       /* ... and its plaintext */
    uint8_t last_report_data[64];
    const struct snp_model_launch *launch;  /* set by psp_guest_model_request */
};

/* fake_psp_fn: ctx is a struct psp_model. */
uint32_t psp_guest_request(void *ctx, const uint8_t *req_page, uint8_t *rsp_page);

/* snp_model_guest_request_fn (tests/sev/model.h): ctx is a struct psp_model
 * whose VMPCK0 becomes the one the model's firmware wrote into the secrets
 * page and whose reports (psp_launch_report) carry the launch's MEASUREMENT,
 * POLICY, HOST_DATA, ID/author key digests, family and image IDs and guest
 * SVN. */
struct snp_model_launch;
uint32_t psp_guest_model_request(void *ctx, const struct snp_model_launch *launch, const uint8_t req[4096],
                                 uint8_t rsp[4096]);

/* A report with no signature: version 2, VMPL 0, report_data, measurement
 * 0x5a.. (for tests that check the message path only). */
int psp_unsigned_report(void *ctx, const uint8_t report_data[64], uint8_t report[1184]);
/* An unsigned report with the fields of ctx's launch (a struct psp_model). */
int psp_launch_report(void *ctx, const uint8_t report_data[64], uint8_t report[1184]);

#endif
