/* The SNP guest request for attestation reports (see guest_req.h). */
#include "shim/snp/guest_req.h"

#include <string.h>

#include "abi/evidence.h"
#include "shim/snp/guest_msg.h"

#define PAGE 4096u
#define VMPCK0 0
#define REPORT_VMPL_OFFSET 0x30u

static uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *snp_req_status_text(enum snp_req_status s)
{
    switch (s) {
    case SNP_REQ_OK: return "report received";
    case SNP_REQ_NO_KEY: return "no VMPCK0 (absent, or wiped after an earlier failure): this Keep "
                                "can no longer be attested";
    case SNP_REQ_SEQNO_EXHAUSTED: return "the message sequence numbers are used up";
    case SNP_REQ_HOST_FAILED: return "the hypervisor did not carry the request to the secure "
                                     "processor (VMPCK0 wiped)";
    case SNP_REQ_FIRMWARE_ERROR: return "the secure processor reported an error (VMPCK0 wiped)";
    case SNP_REQ_BAD_RESPONSE: return "the response is forged, replayed or malformed (VMPCK0 wiped)";
    case SNP_REQ_REPORT_REFUSED: return "the secure processor answered without a usable report";
    case SNP_REQ_BAD_CERTS: return "the hypervisor's certificate table is malformed";
    }
    return "unknown";
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++)
        any |= p[i];
    return any == 0;
}

void snp_guest_req_init(struct snp_guest_req *g, uint8_t *secrets_vmpck0, struct ghcb_ctx *ghcb)
{
    g->secrets_vmpck = secrets_vmpck0;
    g->ghcb = ghcb;
    g->seqno = 0;
    g->key_ok = !all_zero(secrets_vmpck0, AES256_KEY_SIZE);
    if (g->key_ok)
        gcm256_init(&g->key, secrets_vmpck0);
    g->reports = g->busy_retries = 0;
}

/* From now on nothing can be protected with VMPCK0 again. */
static void wipe_key(struct snp_guest_req *g)
{
    gcm256_wipe(&g->key);
    secure_wipe(g->secrets_vmpck, AES256_KEY_SIZE);
    g->key_ok = 0;
}

static void to_shared(volatile uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static void from_shared(uint8_t *dst, const volatile uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/* Sends the sealed request in g->msg until the hypervisor has given it to
 * the firmware (or failed): the same bytes every time. *certs = whether the
 * extended request went through (the table is in the shared buffer). */
static enum snp_req_status send(struct snp_guest_req *g, int *certs, struct snp_req_detail *d)
{
    int extended = g->cert_pages != 0;
    /* A table from an earlier request must not pass for this one's. */
    for (size_t i = 0; i < (size_t)g->cert_pages * PAGE; i++)
        g->cert_buf[i] = 0;
    for (unsigned attempt = 0;; attempt++) {
        to_shared(g->req_page, g->msg, PAGE);
        uint64_t pages = g->cert_pages, info2 = 0;
        d->ghcb = ghcb_guest_request(g->ghcb, g->req_gpa, g->rsp_gpa, extended ? g->cert_gpa : 0,
                                     &pages, &info2);
        if (d->ghcb != GHCB_OK)
            return SNP_REQ_HOST_FAILED;
        d->vmm_error = (uint32_t)(info2 >> 32);
        d->fw_error = (uint32_t)info2;
        if (d->vmm_error == SNP_GUEST_VMM_ERR_BUSY && attempt + 1 < SNP_BUSY_RETRIES) {
            g->busy_retries++;
            if (g->backoff)
                g->backoff(attempt + 1);
            continue;
        }
        if (extended && d->vmm_error == SNP_GUEST_VMM_ERR_INVALID_LEN) {
            /* The table does not fit the largest buffer the evidence can
             * carry: the same message as a plain request still uses up its
             * sequence number, so the next one is fresh. */
            extended = 0;
            continue;
        }
        if (d->vmm_error)
            return SNP_REQ_HOST_FAILED;
        if (d->fw_error)
            return SNP_REQ_FIRMWARE_ERROR;
        *certs = extended;
        return SNP_REQ_OK;
    }
}

/* Opens the response (copied out of the shared page once) and checks the
 * report in it. */
static enum snp_req_status receive(struct snp_guest_req *g, uint64_t seqno,
                                   const uint8_t report_data[SNP_REPORT_DATA_SIZE],
                                   uint8_t report[SNP_REPORT_SIZE], struct snp_req_detail *d)
{
    from_shared(g->msg, g->rsp_page, PAGE);
    struct snp_report_rsp rsp;
    size_t len = 0;
    enum snp_msg_status m = snp_msg_open(&g->key, VMPCK0, seqno, SNP_MSG_REPORT_RSP,
                                         SNP_MSG_REPORT_VERSION, g->msg, PAGE, &rsp, sizeof rsp,
                                         &len);
    d->msg_status = (int)m;
    if (m != SNP_MSG_OK)
        return SNP_REQ_BAD_RESPONSE;
    enum snp_req_status s = SNP_REQ_OK;
    if (len < offsetof(struct snp_report_rsp, report)) {
        s = SNP_REQ_BAD_RESPONSE;
    } else if (rsp.status != SNP_REPORT_STATUS_OK) {
        d->report_status = rsp.status;
        s = SNP_REQ_REPORT_REFUSED;
    } else if (rsp.report_size != SNP_REPORT_SIZE || len < sizeof rsp ||
               memcmp(rsp.report + ENARX_SNP_REPORT_DATA_OFFSET, report_data,
                      SNP_REPORT_DATA_SIZE) != 0 ||
               load32(rsp.report + REPORT_VMPL_OFFSET) != 0) {
        /* Authentic, yet not the report asked for (size, report data, VMPL 0). */
        s = SNP_REQ_REPORT_REFUSED;
    } else {
        memcpy(report, rsp.report, SNP_REPORT_SIZE);
    }
    secure_wipe(&rsp, sizeof rsp);
    return s;
}

enum snp_req_status snp_guest_report(struct snp_guest_req *g,
                                     const uint8_t report_data[SNP_REPORT_DATA_SIZE],
                                     uint8_t report[SNP_REPORT_SIZE], size_t *certs_len,
                                     struct snp_req_detail *d)
{
    memset(d, 0, sizeof *d);
    *certs_len = 0;
    if (!g->key_ok)
        return SNP_REQ_NO_KEY;
    if (g->seqno > UINT64_MAX - 2) {
        wipe_key(g);
        return SNP_REQ_SEQNO_EXHAUSTED;
    }
    uint64_t seqno = g->seqno + 1;
    struct snp_report_req req;
    memset(&req, 0, sizeof req);
    memcpy(req.report_data, report_data, SNP_REPORT_DATA_SIZE);
    req.vmpl = 0;
    snp_msg_seal(&g->key, VMPCK0, seqno, SNP_MSG_REPORT_REQ, SNP_MSG_REPORT_VERSION, &req, sizeof req,
                 g->msg, sizeof g->msg);
    int certs = 0;
    enum snp_req_status s = send(g, &certs, d);
    if (s == SNP_REQ_OK)
        s = receive(g, seqno + 1, report_data, report, d);
    if (s == SNP_REQ_HOST_FAILED || s == SNP_REQ_FIRMWARE_ERROR || s == SNP_REQ_BAD_RESPONSE) {
        wipe_key(g);
        return s;
    }
    g->seqno = seqno + 1; /* the firmware has used both numbers */
    if (s != SNP_REQ_OK)
        return s;
    g->reports++;
    if (certs) {
        size_t cap = (size_t)g->cert_pages * PAGE;
        from_shared(g->cert_copy, g->cert_buf, cap);
        if (snp_cert_table_check(g->cert_copy, cap, certs_len) != 0) {
            *certs_len = 0;
            return SNP_REQ_BAD_CERTS;
        }
    }
    return SNP_REQ_OK;
}

int snp_cert_table_check(const uint8_t *buf, size_t cap, size_t *used)
{
    const size_t entry = sizeof(struct snp_cert_entry);
    size_t table_end = 0, certs_end = 0, first_cert = SIZE_MAX;
    for (size_t off = 0;; off += entry) {
        if (cap < entry || off > cap - entry)
            return -1; /* no terminator */
        const uint8_t *e = buf + off;
        if (all_zero(e, entry)) {
            table_end = off + entry;
            break;
        }
        uint64_t o = load32(e + 16), n = load32(e + 20);
        if (o > cap || n > cap - o)
            return -1;
        if (o + n > certs_end)
            certs_end = o + n;
        if (o < first_cert)
            first_cert = o;
    }
    if (table_end == entry) { /* an empty table: no certificates */
        *used = 0;
        return 0;
    }
    if (first_cert < table_end)
        return -1; /* a certificate inside the table */
    *used = certs_end > table_end ? certs_end : table_end;
    return 0;
}

size_t snp_evidence_len(size_t certs_len)
{
    return ENARX_EVIDENCE_HEADER_LEN + SNP_REPORT_SIZE + certs_len;
}

static void store32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

size_t snp_evidence_build(const uint8_t report[SNP_REPORT_SIZE], const uint8_t *certs,
                          size_t certs_len, uint8_t *out, size_t cap)
{
    size_t len = snp_evidence_len(certs_len);
    if (cap < len || certs_len > UINT32_MAX)
        return 0;
    static const char magic[] = ENARX_EVIDENCE_MAGIC;
    memset(out, 0, ENARX_EVIDENCE_HEADER_LEN);
    for (unsigned i = 0; i < ENARX_EVIDENCE_MAGIC_LEN; i++)
        out[i] = (uint8_t)magic[i];
    store32(out + 8, ENARX_EVIDENCE_SNP);
    store32(out + 12, ENARX_EVIDENCE_HEADER_LEN);
    store32(out + 16, SNP_REPORT_SIZE);
    store32(out + 20, (uint32_t)certs_len);
    memcpy(out + ENARX_EVIDENCE_HEADER_LEN, report, SNP_REPORT_SIZE);
    if (certs_len)
        memcpy(out + ENARX_EVIDENCE_HEADER_LEN + SNP_REPORT_SIZE, certs, certs_len);
    return len;
}
