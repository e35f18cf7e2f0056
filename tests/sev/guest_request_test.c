/* The shim's SNP guest request (src/shim/snp/guest_req.c, compiled for the
 * host) against the model hypervisor (fake_hw.c) and the model secure
 * processor (psp_guest.c, OpenSSL): round trips, and what a hostile host can
 * try — tampered, replayed or swallowed responses, firmware errors, a busy
 * or lying hypervisor, broken certificate tables. Afterwards the sequence
 * numbers and VMPCK0 must be exactly as the firmware ABI requires.
 *
 * With --evidence FILE --report-data HEX it instead performs one request
 * with reports signed by the test attester in --attester DIR and writes the
 * evidence to FILE (the suite then runs `enarx attest verify` on it). */
#include <stdlib.h>

#include "check.h"
#include "fake_hw.h"
#include "psp_guest.h"
#include "shim/snp/ghcb.h"
#include "shim/snp/guest_req.h"

#define GHCB_GPA    0x1000u
#define SECRETS_GPA 0x2000u
#define REQ_GPA     0x3000u
#define RSP_GPA     0x4000u
#define CERT_GPA    0x10000u
#define CERT_PAGES  4u

static struct ghcb_ctx ghcb;
static struct psp_model psp;
static struct snp_guest_req g;
static uint8_t cert_copy[SNP_CERT_PAGES_MAX * 4096];
static unsigned backoffs;

static void count_backoff(unsigned attempt)
{
    (void)attempt;
    backoffs++;
}

static const uint8_t vmpck0[32] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8,
                                   9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};

static void shared(uint64_t gpa, uint64_t pages)
{
    uint64_t detail;
    for (uint64_t i = 0; i < pages; i++)
        ghcb_msr_page_state(gpa / 4096 + i, GHCB_PSC_SHARED, &detail);
}

/* A Keep and its host as the shim sets them up: the GHCB registered, the
 * request, response and certificate pages shared, VMPCK0 in the secrets
 * page (private). */
static void setup(unsigned cert_pages)
{
    fake_reset();
    shared(GHCB_GPA, 1);
    ghcb_msr_register(GHCB_GPA / 4096);
    shared(REQ_GPA, 1);
    shared(RSP_GPA, 1);
    shared(CERT_GPA, SNP_CERT_PAGES_MAX);
    ghcb = (struct ghcb_ctx){(volatile struct snp_ghcb *)(void *)(fake_mem + GHCB_GPA), GHCB_GPA, 0};
    memcpy(fake_mem + SECRETS_GPA + 0x20, vmpck0, 32);
    memset(&psp, 0, sizeof psp);
    memcpy(psp.vmpck0, vmpck0, 32);
    psp.make_report = psp_unsigned_report;
    fake_hv.psp = psp_guest_request;
    fake_hv.psp_ctx = &psp;
    snp_guest_req_init(&g, fake_mem + SECRETS_GPA + 0x20, &ghcb);
    g.req_page = fake_mem + REQ_GPA;
    g.rsp_page = fake_mem + RSP_GPA;
    g.cert_buf = fake_mem + CERT_GPA;
    g.req_gpa = REQ_GPA;
    g.rsp_gpa = RSP_GPA;
    g.cert_gpa = CERT_GPA;
    g.cert_pages = cert_pages;
    g.cert_copy = cert_copy;
    g.backoff = count_backoff;
    backoffs = 0;
}

static void report_data_for(unsigned i, uint8_t rd[64])
{
    for (int k = 0; k < 64; k++)
        rd[k] = (uint8_t)(i * 31 + k);
}

static int key_wiped(void)
{
    static const uint8_t zero[32];
    return !g.key_ok && memcmp(fake_mem + SECRETS_GPA + 0x20, zero, 32) == 0;
}

static enum snp_req_status ask(unsigned i, uint8_t report[SNP_REPORT_SIZE], size_t *certs_len)
{
    uint8_t rd[64];
    struct snp_req_detail d;
    report_data_for(i, rd);
    return snp_guest_report(&g, rd, report, certs_len, &d);
}

static void test_round_trips(void)
{
    uint8_t report[SNP_REPORT_SIZE], rd[64];
    size_t certs_len = 1;
    setup(0);
    for (unsigned i = 1; i <= 5; i++) {
        CHECK_EQ_INT(ask(i, report, &certs_len), SNP_REQ_OK);
        report_data_for(i, rd);
        CHECK(memcmp(report + 0x50, rd, 64) == 0);
        /* Request 2i-1, response 2i: the shim and the firmware agree. */
        CHECK_EQ_INT(g.seqno, 2 * i);
        CHECK_EQ_INT(psp.counter, 2 * i);
        CHECK_EQ_INT(psp.seen_seqno[i - 1], 2 * i - 1);
        CHECK(memcmp(psp.seen_msg[i - 1], rd, 64) == 0);
    }
    CHECK_EQ_INT(certs_len, 0);
    CHECK(g.key_ok && fake_hv.iv_reuse == 0);
}

static void test_certificates(void)
{
    uint8_t report[SNP_REPORT_SIZE];
    static uint8_t table[3 * 4096];
    size_t certs_len = 0;
    memset(table, 0, sizeof table);
    uint32_t off = 96, len = 2000;
    memset(table, 0x63, 16);
    memcpy(table + 16, &off, 4);
    memcpy(table + 20, &len, 4);
    memset(table + off, 0x30, len);

    setup(CERT_PAGES);
    fake_hv.certs = table;
    fake_hv.certs_len = off + len;
    CHECK_EQ_INT(ask(1, report, &certs_len), SNP_REQ_OK);
    CHECK_EQ_INT(certs_len, off + len);
    CHECK(memcmp(cert_copy, table, off + len) == 0);

    /* A table larger than the buffer offered: the same message goes again
     * as a plain request, so its sequence number is used (no reuse later). */
    setup(2);
    fake_hv.certs = table;
    fake_hv.certs_len = sizeof table;
    CHECK_EQ_INT(ask(1, report, &certs_len), SNP_REQ_OK);
    CHECK_EQ_INT(certs_len, 0);
    CHECK_EQ_INT(fake_hv.guest_requests, 2);
    CHECK(g.seqno == 2 && psp.counter == 2 && fake_hv.iv_reuse == 0 && g.key_ok);
    CHECK_EQ_INT(ask(2, report, &certs_len), SNP_REQ_OK);

    /* A malformed table: refused, but the exchange itself was sound. */
    setup(CERT_PAGES);
    fake_hv.certs = table;
    fake_hv.certs_len = off + len;
    fake_hv.corrupt_certs = 1;
    CHECK_EQ_INT(ask(1, report, &certs_len), SNP_REQ_BAD_CERTS);
    CHECK(g.key_ok && g.seqno == 2 && psp.counter == 2);
    fake_hv.corrupt_certs = 0;
    CHECK_EQ_INT(ask(2, report, &certs_len), SNP_REQ_OK);

    /* A host without certificates leaves an empty table: no stale one. */
    fake_hv.certs_len = 0;
    CHECK_EQ_INT(ask(3, report, &certs_len), SNP_REQ_OK);
    CHECK_EQ_INT(certs_len, 0);
}

/* After each of these the key is gone for good: no further request is made,
 * so no sequence number can be used twice. */
static void expect_dead(enum snp_req_status got, enum snp_req_status want, const char *what)
{
    uint8_t report[SNP_REPORT_SIZE];
    size_t certs_len;
    if (got != want)
        printf("     %s: got %d (%s), want %d\n", what, got, snp_req_status_text(got), want);
    CHECK(got == want);
    CHECK(key_wiped());
    unsigned before = fake_hv.guest_requests;
    CHECK_EQ_INT(ask(99, report, &certs_len), SNP_REQ_NO_KEY);
    CHECK_EQ_INT(fake_hv.guest_requests, before);
    CHECK_EQ_INT(fake_hv.iv_reuse, 0);
}

static void test_hostile_host(void)
{
    uint8_t report[SNP_REPORT_SIZE];
    size_t certs_len;

    setup(0);
    ask(1, report, &certs_len);
    fake_hv.tamper_response = 1;
    expect_dead(ask(2, report, &certs_len), SNP_REQ_BAD_RESPONSE, "tampered response");

    /* The host answers request 2 with response 1 (a replay). */
    setup(0);
    ask(1, report, &certs_len);
    fake_hv.replay_response = 1;
    expect_dead(ask(2, report, &certs_len), SNP_REQ_BAD_RESPONSE, "replayed response");

    /* The host claims success without asking the firmware. */
    setup(0);
    ask(1, report, &certs_len);
    fake_hv.swallow_request = 1;
    expect_dead(ask(2, report, &certs_len), SNP_REQ_BAD_RESPONSE, "swallowed request");

    setup(0);
    fake_hv.vmm_error = 7;
    expect_dead(ask(1, report, &certs_len), SNP_REQ_HOST_FAILED, "hypervisor error");

    /* Busy: retried with the very same bytes, then given up. */
    setup(0);
    fake_hv.busy = 3;
    CHECK_EQ_INT(ask(1, report, &certs_len), SNP_REQ_OK);
    CHECK(backoffs == 3 && fake_hv.guest_requests == 4 && fake_hv.iv_reuse == 0);
    fake_hv.busy = 1000;
    expect_dead(ask(2, report, &certs_len), SNP_REQ_HOST_FAILED, "busy for ever");

    /* INVALID_LEN for a plain request is not something a hypervisor may say. */
    setup(0);
    fake_hv.vmm_error = SNP_GUEST_VMM_ERR_INVALID_LEN;
    expect_dead(ask(1, report, &certs_len), SNP_REQ_HOST_FAILED, "invalid length for a plain request");

    /* The firmware refused the message (here: the shim's counter is behind
     * the firmware's, as after a lost response). */
    setup(0);
    psp.counter = 4;
    expect_dead(ask(1, report, &certs_len), SNP_REQ_FIRMWARE_ERROR, "firmware error");
    CHECK_EQ_INT(psp.refused, 1);

    /* An authentic response saying "no": the numbers were used, the key stays. */
    setup(0);
    psp.report_status = SNP_REPORT_STATUS_INVALID_PARAMS;
    CHECK_EQ_INT(ask(1, report, &certs_len), SNP_REQ_REPORT_REFUSED);
    CHECK(g.key_ok && g.seqno == 2);
    psp.report_status = 0;
    CHECK_EQ_INT(ask(2, report, &certs_len), SNP_REQ_OK);

    /* The last sequence numbers are never wrapped. */
    setup(0);
    g.seqno = UINT64_MAX - 1;
    expect_dead(ask(1, report, &certs_len), SNP_REQ_SEQNO_EXHAUSTED, "sequence numbers used up");

    /* No VMPCK0 at all (the firmware gave none). */
    setup(0);
    memset(fake_mem + SECRETS_GPA + 0x20, 0, 32);
    snp_guest_req_init(&g, fake_mem + SECRETS_GPA + 0x20, &ghcb);
    CHECK_EQ_INT(ask(1, report, &certs_len), SNP_REQ_NO_KEY);
    CHECK_EQ_INT(fake_hv.guest_requests, 0);
}

/* The model refuses a request that reuses a sequence number, and one that
 * is not sealed with its VMPCK0: what the shim must never send. */
static void test_psp_refuses_reuse(void)
{
    uint8_t report[SNP_REPORT_SIZE];
    size_t certs_len;
    setup(0);
    CHECK_EQ_INT(ask(1, report, &certs_len), SNP_REQ_OK);
    uint8_t old[4096], out[4096];
    memcpy(old, fake_mem + REQ_GPA, sizeof old);
    CHECK_EQ_INT(ask(2, report, &certs_len), SNP_REQ_OK);
    CHECK_EQ_INT(psp_guest_request(&psp, old, out), PSP_ERR_INVALID_PARAM);
    memcpy(old, fake_mem + REQ_GPA, sizeof old);
    old[0x70] ^= 1;
    CHECK_EQ_INT(psp_guest_request(&psp, old, out), PSP_ERR_INVALID_PARAM);
    CHECK_EQ_INT(psp.counter, 4);
}

int main(void)
{
    test_round_trips();
    test_certificates();
    test_hostile_host();
    test_psp_refuses_reuse();
    return check_summary();
}
