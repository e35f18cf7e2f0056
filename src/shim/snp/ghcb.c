/* The GHCB protocol, guest side (see ghcb.h). */
#include "shim/snp/ghcb.h"

#include <stddef.h>

#include "shim/snp/hw.h"

const char *ghcb_status_text(enum ghcb_status s)
{
    switch (s) {
    case GHCB_OK: return "done";
    case GHCB_ERR_PROTOCOL: return "the hypervisor's reply breaks the GHCB protocol";
    case GHCB_ERR_VERSION: return "the hypervisor does not support GHCB protocol version 2";
    case GHCB_ERR_CBIT: return "the hypervisor names another encryption-bit position than the "
                               "CPUID page the firmware checked";
    case GHCB_ERR_NO_SNP: return "the hypervisor does not offer SEV-SNP";
    case GHCB_ERR_REFUSED: return "the hypervisor refused the request";
    case GHCB_ERR_IN_USE: return "the GHCB was already in use";
    }
    return "unknown";
}

/* ---- MSR protocol ---- */

static uint64_t msr_call(uint64_t request)
{
    snp_hw_wrmsr(SNP_MSR_GHCB, request);
    snp_hw_vmgexit();
    return snp_hw_rdmsr(SNP_MSR_GHCB);
}

enum ghcb_status ghcb_msr_negotiate(unsigned cbit, uint64_t *features)
{
    uint64_t v = msr_call(GHCB_MSR_SEV_INFO_REQ);
    if ((v & GHCB_MSR_CODE_MASK) != GHCB_MSR_SEV_INFO_RESP)
        return GHCB_ERR_PROTOCOL;
    uint64_t max = v >> 48, min = (v >> 32) & 0xffff;
    if (min > GHCB_PROTOCOL_VERSION || max < GHCB_PROTOCOL_VERSION)
        return GHCB_ERR_VERSION;
    if (((v >> 24) & 0xff) != cbit)
        return GHCB_ERR_CBIT;
    v = msr_call(GHCB_MSR_HV_FEATURES_REQ);
    if ((v & GHCB_MSR_CODE_MASK) != GHCB_MSR_HV_FEATURES_RESP)
        return GHCB_ERR_PROTOCOL;
    *features = v >> 12;
    return (*features & GHCB_HV_FEATURE_SNP) ? GHCB_OK : GHCB_ERR_NO_SNP;
}

#define GFN_MASK ((1ull << 40) - 1)

enum ghcb_status ghcb_msr_page_state(uint64_t gfn, unsigned op, uint64_t *detail)
{
    if (gfn & ~GFN_MASK)
        return GHCB_ERR_REFUSED;
    uint64_t v = msr_call(((uint64_t)(op & 0xf) << SNP_PSC_OP_SHIFT) | (gfn << 12) | GHCB_MSR_PSC_REQ);
    if ((v & GHCB_MSR_CODE_MASK) != GHCB_MSR_PSC_RESP)
        return GHCB_ERR_PROTOCOL;
    *detail = v >> 32;
    return *detail ? GHCB_ERR_REFUSED : GHCB_OK;
}

enum ghcb_status ghcb_msr_register(uint64_t gfn)
{
    uint64_t v = msr_call((gfn << 12) | GHCB_MSR_REGISTER_REQ);
    if ((v & GHCB_MSR_CODE_MASK) != GHCB_MSR_REGISTER_RESP)
        return GHCB_ERR_PROTOCOL;
    return (v >> 12) == gfn ? GHCB_OK : GHCB_ERR_REFUSED;
}

void ghcb_msr_terminate(unsigned reason_set, unsigned reason)
{
    uint64_t request = GHCB_MSR_TERM_REQ | ((uint64_t)(reason_set & 0xf) << 12) |
                       ((uint64_t)(reason & 0xff) << 16);
    for (;;)
        msr_call(request);
}

/* ---- the GHCB page ---- */

static void set_valid(struct ghcb_ctx *g, unsigned bit)
{
    g->page->valid_bitmap[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static int is_valid(const uint8_t bitmap[16], unsigned bit)
{
    return (bitmap[bit / 8] >> (bit % 8)) & 1;
}

/* Takes the GHCB for one event: a clean save area, version 2, usage 0. */
static enum ghcb_status begin(struct ghcb_ctx *g)
{
    if (g->in_use)
        return GHCB_ERR_IN_USE;
    g->in_use = 1;
    volatile uint64_t *w = (volatile uint64_t *)(volatile void *)g->page;
    for (size_t i = 0; i < GHCB_SHARED_BUFFER_OFFSET / 8; i++)
        w[i] = 0;
    g->page->protocol_version = GHCB_PROTOCOL_VERSION;
    g->page->ghcb_usage = 0;
    g->page->cpl = 0;
    set_valid(g, GHCB_BIT_CPL);
    return GHCB_OK;
}

static void end(struct ghcb_ctx *g)
{
    g->in_use = 0;
}

/* Sets the exit code and information, exits, and reads the result once:
 * SW_EXITINFO1[31:0] must be 0 (anything else: the hypervisor would inject an
 * exception or found the GHCB unusable). *valid = the valid bitmap it left. */
static enum ghcb_status exit_to_hypervisor(struct ghcb_ctx *g, uint64_t code, uint64_t info1,
                                           uint64_t info2, uint8_t valid[16])
{
    g->page->sw_exit_code = code;
    g->page->sw_exit_info_1 = info1;
    g->page->sw_exit_info_2 = info2;
    set_valid(g, GHCB_BIT_EXIT_CODE);
    set_valid(g, GHCB_BIT_EXIT_INFO_1);
    set_valid(g, GHCB_BIT_EXIT_INFO_2);
    snp_hw_wrmsr(SNP_MSR_GHCB, g->gpa);
    snp_hw_vmgexit();
    for (int i = 0; i < 16; i++)
        valid[i] = g->page->valid_bitmap[i];
    uint64_t result = g->page->sw_exit_info_1;
    return (result & 0xffffffffu) == GHCB_RESULT_OK ? GHCB_OK : GHCB_ERR_REFUSED;
}

enum ghcb_status ghcb_io_out(struct ghcb_ctx *g, uint16_t port, unsigned size, uint32_t value)
{
    uint32_t sz = size == 1 ? SVM_IOIO_SZ8 : size == 2 ? SVM_IOIO_SZ16 : SVM_IOIO_SZ32;
    enum ghcb_status s = begin(g);
    if (s != GHCB_OK)
        return s;
    g->page->rax = value;
    set_valid(g, GHCB_BIT_RAX);
    uint8_t valid[16];
    s = exit_to_hypervisor(g, SVM_EXIT_IOIO, ((uint64_t)port << SVM_IOIO_PORT_SHIFT) | sz | SVM_IOIO_A64,
                           0, valid);
    end(g);
    return s;
}

enum ghcb_status ghcb_rdmsr(struct ghcb_ctx *g, uint32_t msr, uint64_t *value)
{
    enum ghcb_status s = begin(g);
    if (s != GHCB_OK)
        return s;
    g->page->rcx = msr;
    set_valid(g, GHCB_BIT_RCX);
    uint8_t valid[16];
    s = exit_to_hypervisor(g, SVM_EXIT_MSR, 0, 0, valid);
    if (s == GHCB_OK) {
        if (!is_valid(valid, GHCB_BIT_RAX) || !is_valid(valid, GHCB_BIT_RDX))
            s = GHCB_ERR_PROTOCOL;
        else
            *value = (g->page->rax & 0xffffffffu) | (g->page->rdx << 32);
    }
    end(g);
    return s;
}

enum ghcb_status ghcb_wrmsr(struct ghcb_ctx *g, uint32_t msr, uint64_t value)
{
    enum ghcb_status s = begin(g);
    if (s != GHCB_OK)
        return s;
    g->page->rcx = msr;
    g->page->rax = value & 0xffffffffu;
    g->page->rdx = value >> 32;
    set_valid(g, GHCB_BIT_RCX);
    set_valid(g, GHCB_BIT_RAX);
    set_valid(g, GHCB_BIT_RDX);
    uint8_t valid[16];
    s = exit_to_hypervisor(g, SVM_EXIT_MSR, 1, 0, valid);
    end(g);
    return s;
}

enum ghcb_status ghcb_rdtsc(struct ghcb_ctx *g, int with_aux, uint64_t *tsc, uint32_t *aux)
{
    enum ghcb_status s = begin(g);
    if (s != GHCB_OK)
        return s;
    uint8_t valid[16];
    s = exit_to_hypervisor(g, with_aux ? SVM_EXIT_RDTSCP : SVM_EXIT_RDTSC, 0, 0, valid);
    if (s == GHCB_OK) {
        if (!is_valid(valid, GHCB_BIT_RAX) || !is_valid(valid, GHCB_BIT_RDX) ||
            (with_aux && !is_valid(valid, GHCB_BIT_RCX))) {
            s = GHCB_ERR_PROTOCOL;
        } else {
            *tsc = (g->page->rax & 0xffffffffu) | (g->page->rdx << 32);
            if (with_aux)
                *aux = (uint32_t)g->page->rcx;
        }
    }
    end(g);
    return s;
}

/* ---- page-state change ---- */

/* Writes the entries of one batch (the pages from *cursor on, at most
 * SNP_PSC_MAX_ENTRIES) into the shared buffer; returns how many. The cursor
 * is (range index, page within it). */
struct psc_cursor {
    unsigned range;
    uint64_t page;
};

static unsigned psc_fill(struct ghcb_ctx *g, const struct ghcb_psc_range *r, unsigned n,
                         struct psc_cursor c, unsigned op)
{
    volatile uint64_t *entries =
        (volatile uint64_t *)(volatile void *)(g->page->shared_buffer + sizeof(struct snp_psc_header));
    unsigned count = 0;
    while (c.range < n && count < SNP_PSC_MAX_ENTRIES) {
        if (c.page >= r[c.range].npages) {
            c.range++;
            c.page = 0;
            continue;
        }
        entries[count++] = ((r[c.range].gfn + c.page) << SNP_PSC_GFN_SHIFT) |
                           ((uint64_t)op << SNP_PSC_OP_SHIFT);
        c.page++;
    }
    return count;
}

/* How many entries the batch from c holds. */
static unsigned psc_count(const struct ghcb_psc_range *r, unsigned n, struct psc_cursor c)
{
    uint64_t count = 0;
    for (unsigned i = c.range; i < n && count < SNP_PSC_MAX_ENTRIES; i++)
        count += r[i].npages - (i == c.range ? c.page : 0);
    return count < SNP_PSC_MAX_ENTRIES ? (unsigned)count : SNP_PSC_MAX_ENTRIES;
}

static struct psc_cursor psc_advance(const struct ghcb_psc_range *r, unsigned n, struct psc_cursor c,
                                     unsigned count)
{
    while (count && c.range < n) {
        uint64_t left = r[c.range].npages - c.page;
        if (left == 0) {
            c.range++;
            c.page = 0;
            continue;
        }
        uint64_t step = left < count ? left : count;
        c.page += step;
        count -= (unsigned)step;
    }
    return c;
}

/* Sends one batch of `count` entries until the hypervisor has done them
 * all. It reports its progress in the header; progress must never go back
 * or past the end, and it must make some, or the reply breaks the protocol.
 * The entries are rewritten before every round, so what it is asked to do
 * is always what the guest means. */
static enum ghcb_status psc_batch(struct ghcb_ctx *g, const struct ghcb_psc_range *r, unsigned n,
                                  struct psc_cursor start, unsigned op, unsigned count,
                                  uint64_t *detail)
{
    volatile struct snp_psc_header *h = (volatile struct snp_psc_header *)(volatile void *)g->page->shared_buffer;
    uint16_t done = 0;
    for (int stalls = 0; stalls < 8;) {
        enum ghcb_status s = begin(g);
        if (s != GHCB_OK)
            return s;
        psc_fill(g, r, n, start, op);
        h->cur_entry = done;
        h->end_entry = (uint16_t)(count - 1);
        h->reserved = 0;
        g->page->sw_scratch = g->gpa + GHCB_SHARED_BUFFER_OFFSET;
        set_valid(g, GHCB_BIT_SCRATCH);
        uint8_t valid[16];
        s = exit_to_hypervisor(g, SVM_VMGEXIT_PSC, 0, 0, valid);
        uint64_t info2 = g->page->sw_exit_info_2;
        uint16_t cur = h->cur_entry, last = h->end_entry;
        uint32_t reserved = h->reserved;
        end(g);
        if (s != GHCB_OK || info2 != 0) {
            *detail = info2;
            return GHCB_ERR_REFUSED;
        }
        if (reserved != 0 || last != count - 1 || cur < done || cur > count)
            return GHCB_ERR_PROTOCOL;
        if (cur == count)
            return GHCB_OK;
        stalls = cur == done ? stalls + 1 : 0;
        done = cur;
    }
    return GHCB_ERR_PROTOCOL; /* no progress: the hypervisor stalls us */
}

enum ghcb_status ghcb_page_state(struct ghcb_ctx *g, const struct ghcb_psc_range *r, unsigned n,
                                 unsigned op, uint64_t *detail)
{
    *detail = 0;
    for (unsigned i = 0; i < n; i++)
        if (r[i].gfn > GFN_MASK || r[i].npages > GFN_MASK + 1 - r[i].gfn)
            return GHCB_ERR_REFUSED;
    struct psc_cursor c = {0, 0};
    for (;;) {
        unsigned count = psc_count(r, n, c);
        if (count == 0)
            return GHCB_OK;
        enum ghcb_status s = psc_batch(g, r, n, c, op, count, detail);
        if (s != GHCB_OK)
            return s;
        c = psc_advance(r, n, c, count);
    }
}

/* ---- guest request ---- */

enum ghcb_status ghcb_guest_request(struct ghcb_ctx *g, uint64_t req_gpa, uint64_t rsp_gpa,
                                    uint64_t data_gpa, uint64_t *data_pages,
                                    uint64_t *exit_info_2)
{
    enum ghcb_status s = begin(g);
    if (s != GHCB_OK)
        return s;
    uint64_t code = SVM_VMGEXIT_GUEST_REQUEST;
    if (data_gpa) {
        code = SVM_VMGEXIT_EXT_GUEST_REQUEST;
        g->page->rax = data_gpa;
        g->page->rbx = *data_pages;
        set_valid(g, GHCB_BIT_RAX);
        set_valid(g, GHCB_BIT_RBX);
    }
    uint8_t valid[16];
    s = exit_to_hypervisor(g, code, req_gpa, rsp_gpa, valid);
    if (s == GHCB_OK) {
        *exit_info_2 = g->page->sw_exit_info_2;
        if (data_gpa && (*exit_info_2 >> 32) == SNP_GUEST_VMM_ERR_INVALID_LEN) {
            if (!is_valid(valid, GHCB_BIT_RBX))
                s = GHCB_ERR_PROTOCOL;
            else
                *data_pages = g->page->rbx;
        }
    }
    end(g);
    return s;
}
