/* libFuzzer target: everything the shim's SNP code reads from the host.
 * The first byte picks what the rest of the input is:
 *
 *   0  a guest-message response, opened under a fixed key and sequence
 *   1  a certificate table
 *   2  instruction bytes for the #VC decoder (every exit code)
 *   3  the hypervisor's MSR-protocol answers (each VMGEXIT takes 8 bytes)
 *   4  the hypervisor's GHCB pages (each VMGEXIT takes a page's worth:
 *      IOIO, MSR, RDTSC, page-state change, guest request)
 *   5  a whole guest request: the shared response page and certificate
 *      buffer after each VMGEXIT are the input's
 *   6  a response payload the secure processor "sealed" (the fuzzer picks
 *      the plaintext; the shim's report checks run on it)
 *
 * The hardware (hw.h) is this file's: VMGEXIT consumes input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/snp_guest.h"
#include "shim/snp/ghcb.h"
#include "shim/snp/guest_msg.h"
#include "shim/snp/guest_req.h"
#include "shim/snp/hw.h"
#include "shim/snp/vc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in;
static size_t left;
static uint64_t ghcb_msr;
static _Alignas(4096) uint8_t pages[20][4096]; /* 0 GHCB, 1 request, 2 response, 3.. certificates */
static const uint8_t key[32] = {0x42};

static size_t take(void *out, size_t n)
{
    size_t k = n < left ? n : left;
    memcpy(out, in, k);
    memset((uint8_t *)out + k, 0, n - k);
    in += k;
    left -= k;
    return k;
}

uint64_t snp_hw_rdmsr(uint32_t msr)
{
    return msr == SNP_MSR_GHCB ? ghcb_msr : SNP_SEV_STATUS_SNP;
}

void snp_hw_wrmsr(uint32_t msr, uint64_t value)
{
    (void)msr;
    ghcb_msr = value;
}

static int mode;

void snp_hw_vmgexit(void)
{
    if (mode == 3) {
        take(&ghcb_msr, sizeof ghcb_msr);
    } else if (mode == 4) {
        take(pages[0], sizeof pages[0]);
    } else if (mode == 7) {
        /* The response is already in place: "done", nothing else. */
        memset(pages[0] + 0x390, 0, 0x18);
    } else {
        /* A guest request: the GHCB's result, the response, the table. */
        take(pages[0] + 0x390, 0x80);
        take(pages[0] + 0x3f0, 16);
        take(pages[2], 4096);
        take(pages[3], 2 * (size_t)4096);
    }
}

int snp_hw_pvalidate(uint64_t va, int huge, int validate, int *unchanged)
{
    (void)va;
    (void)huge;
    (void)validate;
    *unchanged = 0;
    return 0;
}

int snp_hw_rmpadjust(uint64_t va, uint64_t attrs)
{
    (void)va;
    (void)attrs;
    return 0;
}

uint64_t snp_hw_direct_map(void)
{
    return 0;
}

volatile uint8_t *snp_hw_shared_view(uint64_t va, uint64_t gpa)
{
    (void)gpa;
    return (volatile uint8_t *)(uintptr_t)va;
}

uint64_t snp_hw_read_cr2(void) { return 0; }
uint64_t snp_hw_read_cr3(void) { return 0; }
uint64_t snp_hw_read_cr4(void) { return 0; }
uint64_t snp_hw_xgetbv(void) { return 1; }
void snp_hw_xsetbv(uint64_t xcr0) { (void)xcr0; }

static struct ghcb_ctx ghcb_ctx(void)
{
    struct ghcb_ctx g = {(volatile struct snp_ghcb *)(void *)pages[0], 0x1000, 0};
    return g;
}

static uint8_t cert_copy[SNP_CERT_PAGES_MAX * 4096];

static void guest_request(int seal_payload)
{
    static uint8_t vmpck[32];
    static struct snp_guest_req g;
    struct ghcb_ctx gc = ghcb_ctx();
    memcpy(vmpck, key, sizeof vmpck);
    snp_guest_req_init(&g, vmpck, &gc);
    g.req_page = pages[1];
    g.rsp_page = pages[2];
    g.cert_buf = pages[3];
    g.req_gpa = 0x2000;
    g.rsp_gpa = 0x3000;
    g.cert_gpa = 0x4000;
    g.cert_pages = 2;
    g.cert_copy = cert_copy;
    uint8_t rd[64] = {1}, report[SNP_REPORT_SIZE];
    size_t certs_len;
    struct snp_req_detail d;
    if (seal_payload) {
        /* The fuzzer's payload, sealed as the firmware would: past the tag,
         * so the report checks behind it are reached. */
        uint8_t control = 0, payload[sizeof(struct snp_report_rsp)];
        take(&control, 1);
        size_t n = take(payload, sizeof payload);
        if ((control & 1) && n >= 0x20 + 0x50 + 64)
            memcpy(payload + 0x20 + 0x50, rd, 64);
        struct gcm256 k;
        gcm256_init(&k, key);
        snp_msg_seal(&k, 0, 2, SNP_MSG_REPORT_RSP, 1, payload, n, pages[2], 4096);
        left = 0; /* the "hypervisor" now leaves the response as it is */
        mode = 7;
    }
    snp_guest_report(&g, rd, report, &certs_len, &d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    mode = data[0] % 7;
    in = data + 1;
    left = size - 1;
    memset(pages, 0, sizeof pages);
    switch (mode) {
    case 0: {
        struct gcm256 k;
        gcm256_init(&k, key);
        uint8_t out[4096];
        size_t len;
        snp_msg_open(&k, 0, 2, SNP_MSG_REPORT_RSP, 1, in, left, out, sizeof out, &len);
        break;
    }
    case 1: {
        size_t used;
        snp_cert_table_check(in, left, &used);
        break;
    }
    case 2: {
        static const uint64_t exits[] = {SVM_EXIT_CPUID, SVM_EXIT_IOIO, SVM_EXIT_MSR, SVM_EXIT_RDTSC,
                                         SVM_EXIT_RDTSCP};
        struct vc_io io;
        for (size_t i = 0; i < sizeof exits / sizeof exits[0]; i++)
            vc_decode(exits[i], in, left, 0x5e4, &io);
        break;
    }
    case 3: {
        uint64_t features, detail;
        ghcb_msr_negotiate(51, &features);
        ghcb_msr_page_state(5, GHCB_PSC_SHARED, &detail);
        ghcb_msr_register(1);
        break;
    }
    case 4: {
        struct ghcb_ctx g = ghcb_ctx();
        uint64_t v, detail, pages_wanted = 2, info2;
        uint32_t aux;
        ghcb_io_out(&g, 0x5e4, 1, 0);
        ghcb_rdmsr(&g, 0x10, &v);
        ghcb_rdtsc(&g, 1, &v, &aux);
        struct ghcb_psc_range r = {0x100, 300};
        ghcb_page_state(&g, &r, 1, GHCB_PSC_SHARED, &detail);
        ghcb_guest_request(&g, 0x2000, 0x3000, 0x4000, &pages_wanted, &info2);
        break;
    }
    case 5:
        guest_request(0);
        break;
    default:
        guest_request(1);
        break;
    }
    return 0;
}
