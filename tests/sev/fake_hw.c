/* TEST-ONLY: the CPU/hypervisor model under the shim's SNP code (see
 * fake_hw.h). Written from the GHCB specification and KVM's documented
 * behaviour, independently of the guest code it checks. */
#include "fake_hw.h"

#include <stdlib.h>
#include <string.h>

#include "abi/snp_guest.h"
#include "shim/snp/hw.h"

#define PAGE 4096u
#define NPAGES (FAKE_MEM_MAX / PAGE)

uint8_t *fake_mem;
uint64_t fake_mem_size;
struct fake_hv fake_hv;
jmp_buf fake_term_jmp;
int fake_term_armed;

static struct {
    uint8_t shared[NPAGES];
    uint8_t validated[NPAGES];
    uint8_t small[NPAGES / 512];       /* per 2 MiB: the RMP holds 4 KiB entries */
    uint8_t huge_valid[NPAGES / 512];  /* per 2 MiB: validated as one 2 MiB page */
} rmp;
static unsigned history_len;
static unsigned vmpl;
static uint8_t last_response[PAGE];
static int have_last_response;

void fake_reset(void)
{
    fake_reset_size(FAKE_MEM_SIZE);
}

void fake_reset_size(uint64_t size)
{
    if (size > FAKE_MEM_MAX)
        abort();
    if (fake_mem && size != fake_mem_size) {
        free(fake_mem);
        fake_mem = NULL;
    }
    if (!fake_mem)
        fake_mem = aligned_alloc(1u << 21, size);
    fake_mem_size = size;
    memset(fake_mem, 0, size);
    memset(&rmp, 0, sizeof rmp);
    memset(&fake_hv, 0, sizeof fake_hv);
    fake_hv.proto_min = 1;
    fake_hv.proto_max = 2;
    fake_hv.cbit = 51;
    fake_hv.features = GHCB_HV_FEATURE_SNP;
    fake_hv.xcr0 = 1;
    vmpl = 0;
    have_last_response = 0;
    history_len = 0;
    fake_term_armed = 0;
}

int fake_rmp_validated(uint64_t gpa)
{
    return rmp.validated[gpa / PAGE];
}

int fake_rmp_shared(uint64_t gpa)
{
    return rmp.shared[gpa / PAGE];
}

void fake_rmp_set_validated(uint64_t gpa, int on)
{
    rmp.validated[gpa / PAGE] = (uint8_t)on;
}

void fake_rmp_set_small(uint64_t gpa, int small)
{
    rmp.small[gpa / PAGE / 512] = (uint8_t)small;
}

void fake_set_vmpl(unsigned v)
{
    vmpl = v;
}

/* ---- the CPU ---- */

uint64_t snp_hw_rdmsr(uint32_t msr)
{
    if (msr == SNP_MSR_GHCB)
        return fake_hv.ghcb_msr;
    if (msr == SNP_MSR_SEV_STATUS)
        return fake_hv.not_snp ? 0 : SNP_SEV_STATUS_SEV | SNP_SEV_STATUS_ES | SNP_SEV_STATUS_SNP;
    abort();
}

void snp_hw_wrmsr(uint32_t msr, uint64_t value)
{
    if (msr != SNP_MSR_GHCB)
        abort();
    fake_hv.ghcb_msr = value;
}

int snp_hw_pvalidate(uint64_t va, int huge, int validate, int *unchanged)
{
    *unchanged = 0;
    uint64_t gpa = va - (uint64_t)(uintptr_t)fake_mem;
    if (gpa >= fake_mem_size || (gpa & (PAGE - 1)) || (huge && (gpa & ((1u << 21) - 1))))
        return SNP_PV_FAIL_INPUT;
    uint64_t pfn = gpa / PAGE, region = pfn / 512;
    uint64_t n = huge ? 512 : 1;
    for (uint64_t i = 0; i < n; i++)
        if (rmp.shared[pfn + i])
            return SNP_PV_FAIL_INPUT; /* not assigned to the guest */
    if (huge && rmp.small[region])
        return SNP_PV_FAIL_SIZEMISMATCH;
    if (!huge && rmp.huge_valid[region])
        return SNP_PV_FAIL_SIZEMISMATCH;
    if (huge) {
        int same = 1;
        for (uint64_t i = 0; i < 512; i++)
            same &= rmp.validated[pfn + i] == (validate != 0);
        if (same) {
            *unchanged = 1;
            return SNP_PV_SUCCESS;
        }
        for (uint64_t i = 0; i < 512; i++)
            rmp.validated[pfn + i] = (uint8_t)(validate != 0);
        rmp.huge_valid[region] = (uint8_t)(validate != 0);
        return SNP_PV_SUCCESS;
    }
    if (rmp.validated[pfn] == (validate != 0)) {
        *unchanged = 1;
        return SNP_PV_SUCCESS;
    }
    rmp.validated[pfn] = (uint8_t)(validate != 0);
    return SNP_PV_SUCCESS;
}

int snp_hw_rmpadjust(uint64_t va, uint64_t attrs)
{
    (void)va;
    return (attrs & 0xff) <= vmpl ? SNP_RMPADJUST_FAIL_PERMISSION : 0;
}

/* ---- the hypervisor: MSR protocol ---- */

static void set_page_state(uint64_t gfn, unsigned op)
{
    if (gfn >= fake_mem_size / PAGE)
        return;
    /* RMPUPDATE clears Validated either way. */
    rmp.shared[gfn] = op == GHCB_PSC_SHARED;
    rmp.validated[gfn] = 0;
    rmp.huge_valid[gfn / 512] = 0;
}

static uint64_t msr_protocol(uint64_t req)
{
    uint64_t code = req & GHCB_MSR_CODE_MASK, resp;
    switch (code) {
    case GHCB_MSR_SEV_INFO_REQ:
        resp = ((uint64_t)fake_hv.proto_max << 48) | ((uint64_t)fake_hv.proto_min << 32) |
               ((uint64_t)fake_hv.cbit << 24) | GHCB_MSR_SEV_INFO_RESP;
        break;
    case GHCB_MSR_HV_FEATURES_REQ:
        resp = (fake_hv.features << 12) | GHCB_MSR_HV_FEATURES_RESP;
        break;
    case GHCB_MSR_REGISTER_REQ:
        fake_hv.registered_gpa = req & ~GHCB_MSR_CODE_MASK;
        resp = fake_hv.registered_gpa | GHCB_MSR_REGISTER_RESP;
        break;
    case GHCB_MSR_PSC_REQ:
        if (!fake_hv.psc_error)
            set_page_state((req >> 12) & ((1ull << 40) - 1), (unsigned)((req >> 52) & 0xf));
        resp = ((uint64_t)fake_hv.psc_error << 32) | GHCB_MSR_PSC_RESP;
        break;
    case GHCB_MSR_TERM_REQ:
        fake_hv.last_term_set = (unsigned)((req >> 12) & 0xf);
        fake_hv.last_term_reason = (unsigned)((req >> 16) & 0xff);
        if (fake_term_armed) {
            fake_term_armed = 0;
            longjmp(fake_term_jmp, 1);
        }
        abort(); /* a termination nobody expected */
    default:
        resp = 0; /* unknown request: KVM would stop the guest */
        break;
    }
    if (fake_hv.wrong_response_code)
        resp = (resp & ~GHCB_MSR_CODE_MASK) | ((resp + 0x10) & GHCB_MSR_CODE_MASK);
    return resp;
}

/* ---- the hypervisor: GHCB events ---- */

static int valid(const struct snp_ghcb *g, unsigned bit)
{
    return (g->valid_bitmap[bit / 8] >> (bit % 8)) & 1;
}

static void set_valid(struct snp_ghcb *g, unsigned bit)
{
    g->valid_bitmap[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void result(struct snp_ghcb *g, uint64_t info1, uint64_t info2)
{
    g->sw_exit_info_1 = info1;
    g->sw_exit_info_2 = info2;
    set_valid(g, GHCB_BIT_EXIT_INFO_1);
    set_valid(g, GHCB_BIT_EXIT_INFO_2);
}

static int shared_page(uint64_t gpa)
{
    return gpa < fake_mem_size && (gpa & (PAGE - 1)) == 0 && rmp.shared[gpa / PAGE];
}

static void page_state_event(struct snp_ghcb *g, int scratch_valid)
{
    uint64_t buf_gpa = fake_hv.registered_gpa + GHCB_SHARED_BUFFER_OFFSET;
    if (!scratch_valid || g->sw_scratch != buf_gpa) {
        result(g, GHCB_RESULT_BAD_GHCB, 0);
        return;
    }
    struct snp_psc_header *h = (struct snp_psc_header *)(void *)g->shared_buffer;
    uint64_t *entries = (uint64_t *)(void *)(g->shared_buffer + sizeof *h);
    unsigned done = 0;
    while (h->cur_entry <= h->end_entry && h->end_entry < SNP_PSC_MAX_ENTRIES) {
        if (fake_hv.psc_per_round && done == fake_hv.psc_per_round)
            break;
        uint64_t e = entries[h->cur_entry];
        set_page_state((e >> 12) & ((1ull << 40) - 1), (unsigned)((e >> 52) & 0xf));
        h->cur_entry++;
        done++;
        fake_hv.psc_entries++;
    }
    if (fake_hv.psc_go_back && h->cur_entry > 0)
        h->cur_entry = 0;
    result(g, 0, 0);
}

/* Every message the guest sent, by sequence number: the same number on
 * different bytes would be an AES-GCM IV reused. */
#define HISTORY 256
static struct {
    uint64_t seqno;
    uint8_t bytes[SNP_MSG_HEADER_SIZE + 96];
} history[HISTORY];

static void note_request(const uint8_t *msg)
{
    uint64_t seqno;
    memcpy(&seqno, msg + 0x20, 8);
    for (unsigned i = 0; i < history_len; i++)
        if (history[i].seqno == seqno) {
            if (memcmp(history[i].bytes, msg, sizeof history[i].bytes) != 0)
                fake_hv.iv_reuse++;
            return;
        }
    if (history_len < HISTORY) {
        history[history_len].seqno = seqno;
        memcpy(history[history_len++].bytes, msg, sizeof history[0].bytes);
    }
}

static void guest_request_event(struct snp_ghcb *g, int extended)
{
    uint64_t req = g->sw_exit_info_1, rsp = g->sw_exit_info_2;
    fake_hv.guest_requests++;
    if (!shared_page(req) || !shared_page(rsp)) {
        result(g, GHCB_RESULT_BAD_GHCB, 0);
        return;
    }
    note_request(fake_mem + req);
    if (fake_hv.busy) {
        fake_hv.busy--;
        result(g, 0, (uint64_t)SNP_GUEST_VMM_ERR_BUSY << 32);
        return;
    }
    if (fake_hv.vmm_error) {
        result(g, 0, (uint64_t)fake_hv.vmm_error << 32);
        return;
    }
    uint64_t cert_gpa = 0, pages = 0;
    if (extended) {
        if (!valid(g, GHCB_BIT_RAX) || !valid(g, GHCB_BIT_RBX)) {
            result(g, GHCB_RESULT_BAD_GHCB, 0);
            return;
        }
        cert_gpa = g->rax;
        pages = g->rbx;
        uint64_t need = (fake_hv.certs_len + PAGE - 1) / PAGE;
        if (need > pages) {
            g->rbx = need;
            set_valid(g, GHCB_BIT_RBX);
            result(g, 0, (uint64_t)SNP_GUEST_VMM_ERR_INVALID_LEN << 32);
            return;
        }
        for (uint64_t i = 0; i < pages; i++)
            if (!shared_page(cert_gpa + i * PAGE)) {
                result(g, GHCB_RESULT_BAD_GHCB, 0);
                return;
            }
    }
    uint32_t fw = 0;
    if (!fake_hv.swallow_request) {
        uint8_t out[PAGE] = {0};
        fw = fake_hv.psp(fake_hv.psp_ctx, fake_mem + req, out);
        fake_hv.psp_calls++;
        if (fake_hv.replay_response && have_last_response) {
            memcpy(fake_mem + rsp, last_response, PAGE);
        } else {
            memcpy(fake_mem + rsp, out, PAGE);
            memcpy(last_response, out, PAGE);
            have_last_response = 1;
        }
        if (fake_hv.tamper_response)
            fake_mem[rsp + SNP_MSG_HEADER_SIZE + 0x40] ^= 0x01;
    }
    if (extended && fake_hv.certs_len) {
        memcpy(fake_mem + cert_gpa, fake_hv.certs, fake_hv.certs_len);
        if (fake_hv.corrupt_certs)
            memset(fake_mem + cert_gpa, 0xff, pages * PAGE);
    }
    result(g, 0, fw);
}

static void ghcb_event(void)
{
    uint64_t gpa = fake_hv.ghcb_msr;
    if (gpa != fake_hv.registered_gpa || !shared_page(gpa))
        abort(); /* KVM would stop a guest using an unregistered or private GHCB */
    struct snp_ghcb *g = (struct snp_ghcb *)(void *)(fake_mem + gpa);
    if (g->protocol_version != GHCB_PROTOCOL_VERSION || g->ghcb_usage != 0 ||
        !valid(g, GHCB_BIT_EXIT_CODE) || !valid(g, GHCB_BIT_EXIT_INFO_1) ||
        !valid(g, GHCB_BIT_EXIT_INFO_2)) {
        result(g, GHCB_RESULT_BAD_GHCB, 0);
        return;
    }
    /* The hypervisor clears the valid bitmap and sets what it returns. */
    uint8_t in_valid[16];
    memcpy(in_valid, g->valid_bitmap, 16);
    switch (g->sw_exit_code) {
    case SVM_EXIT_IOIO:
        if (!(in_valid[GHCB_BIT_RAX / 8] & (1u << (GHCB_BIT_RAX % 8))) ||
            (g->sw_exit_info_1 & SVM_IOIO_TYPE_IN)) {
            result(g, GHCB_RESULT_BAD_GHCB, 0);
            return;
        }
        memset(g->valid_bitmap, 0, 16);
        fake_hv.last_out_port = (uint16_t)(g->sw_exit_info_1 >> SVM_IOIO_PORT_SHIFT);
        fake_hv.last_out_value = (uint32_t)g->rax;
        result(g, 0, 0);
        return;
    case SVM_EXIT_MSR:
        memset(g->valid_bitmap, 0, 16);
        if (g->sw_exit_info_1 == 1) {
            fake_hv.msrs[g->rcx & 3] = (g->rax & 0xffffffffu) | (g->rdx << 32);
        } else {
            g->rax = fake_hv.msrs[g->rcx & 3] & 0xffffffffu;
            g->rdx = fake_hv.msrs[g->rcx & 3] >> 32;
            set_valid(g, GHCB_BIT_RAX);
            set_valid(g, GHCB_BIT_RDX);
        }
        result(g, 0, 0);
        return;
    case SVM_EXIT_RDTSC:
    case SVM_EXIT_RDTSCP:
        memset(g->valid_bitmap, 0, 16);
        fake_hv.tsc += 1000;
        g->rax = fake_hv.tsc & 0xffffffffu;
        g->rdx = fake_hv.tsc >> 32;
        set_valid(g, GHCB_BIT_RAX);
        set_valid(g, GHCB_BIT_RDX);
        if (g->sw_exit_code == SVM_EXIT_RDTSCP) {
            g->rcx = 7;
            set_valid(g, GHCB_BIT_RCX);
        }
        result(g, 0, 0);
        return;
    case SVM_VMGEXIT_PSC:
        memset(g->valid_bitmap, 0, 16);
        page_state_event(g, (in_valid[GHCB_BIT_SCRATCH / 8] >> (GHCB_BIT_SCRATCH % 8)) & 1);
        return;
    case SVM_VMGEXIT_GUEST_REQUEST:
    case SVM_VMGEXIT_EXT_GUEST_REQUEST:
        memset(g->valid_bitmap, 0, 16);
        if (in_valid[GHCB_BIT_RAX / 8] & (1u << (GHCB_BIT_RAX % 8)))
            set_valid(g, GHCB_BIT_RAX);
        if (in_valid[GHCB_BIT_RBX / 8] & (1u << (GHCB_BIT_RBX % 8)))
            set_valid(g, GHCB_BIT_RBX);
        guest_request_event(g, g->sw_exit_code == SVM_VMGEXIT_EXT_GUEST_REQUEST);
        if (g->sw_exit_code == SVM_VMGEXIT_EXT_GUEST_REQUEST &&
            (g->sw_exit_info_2 >> 32) != SNP_GUEST_VMM_ERR_INVALID_LEN)
            g->valid_bitmap[GHCB_BIT_RBX / 8] &= (uint8_t)~(1u << (GHCB_BIT_RBX % 8));
        g->valid_bitmap[GHCB_BIT_RAX / 8] &= (uint8_t)~(1u << (GHCB_BIT_RAX % 8));
        return;
    default:
        result(g, GHCB_RESULT_BAD_GHCB, 0);
        return;
    }
}

void snp_hw_vmgexit(void)
{
    fake_hv.vmgexits++;
    if (fake_hv.ghcb_msr & GHCB_MSR_CODE_MASK)
        fake_hv.ghcb_msr = msr_protocol(fake_hv.ghcb_msr);
    else
        ghcb_event();
}

/* ---- the registers and the direct map ---- */

uint64_t snp_hw_direct_map(void)
{
    return (uint64_t)(uintptr_t)fake_mem;
}

volatile uint8_t *snp_hw_shared_view(uint64_t va, uint64_t gpa)
{
    (void)va;
    return fake_mem + gpa;
}

uint64_t snp_hw_read_cr2(void)
{
    return fake_hv.cr2;
}

uint64_t snp_hw_read_cr3(void)
{
    return fake_hv.cr3;
}

uint64_t snp_hw_read_cr4(void)
{
    return fake_hv.cr4;
}

uint64_t snp_hw_xgetbv(void)
{
    return fake_hv.xcr0;
}

void snp_hw_xsetbv(uint64_t xcr0)
{
    fake_hv.xcr0 = xcr0;
}
