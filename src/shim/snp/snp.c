/* The SEV-SNP side of the shim: start-up, memory acceptance, the shared
 * pages, #VC and the evidence call (see snp.h). The decisions are made by
 * the host-tested modules beside this file; this file connects them to the
 * KVM shim and to the instructions. */
#include "shim/snp/snp.h"

#include "abi/evidence.h"
#include "abi/snp_guest.h"
#include "abi/snp_launch.h"
#include "shim/kvm/shim.h"
#include "shim/snp/cpuid.h"
#include "shim/snp/ghcb.h"
#include "shim/snp/guest_req.h"
#include "shim/snp/hw.h"
#include "shim/snp/pagetable.h"
#include "shim/snp/pvalidate.h"
#include "shim/snp/vc.h"

/* Shared pages are mapped here, without the encryption bit, one after the
 * other with an unmapped page between: never through the direct map, whose
 * mappings of them stay encrypted (and unused). */
#define SHARED_VA      0xffffc90000000000ull
#define SHARED_VA_SIZE (1ull << 30)

int snp_active;

static const struct snp_launch_info *launch;
static const struct snp_cpuid_page *cpuid_page;
static struct snp_secrets_page *secrets;
static uint64_t enc, mem_size;
static struct pv_map pv;
static int pv_ready;
static struct ghcb_ctx ghcb;
static int ghcb_ready, sallyport_ready;
static uint64_t shared_next = SHARED_VA;
static struct snp_guest_req greq;
static uint8_t *evidence;                /* the last evidence, private */
static size_t evidence_len;
static uint8_t evidence_rd[SNP_REPORT_DATA_SIZE];

#define EVIDENCE_PAGES (ENARX_EVIDENCE_MAX / PAGE_SIZE)

/* Guest memory through the direct map. */
static void *virt(uint64_t gpa)
{
    return (void *)(uintptr_t)(snp_hw_direct_map() + gpa);
}

void snp_terminate(unsigned reason)
{
    ghcb_msr_terminate(GHCB_TERM_SET_KEEP, reason);
}

/* A failure the host is to blame for or that leaves the Keep unsafe: with a
 * message once the sallyport works, before that with a reason code only. */
__attribute__((noreturn, format(printf, 2, 3))) static void fatal(unsigned reason, const char *fmt, ...)
{
    if (!sallyport_ready)
        snp_terminate(reason);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    shim_stop(1, SP_ABORT_PANIC, "SEV-SNP: %s", msg);
}

uint64_t snp_pte_enc(void)
{
    return enc;
}

int snp_sallyport_ready(void)
{
    return sallyport_ready;
}

/* ---- start-up, before the memory manager ---- */

static int launch_info_ok(const struct snp_launch_info *li, uint64_t size)
{
    if (li->version != SNP_LAUNCH_INFO_VERSION || li->nranges > SNP_LAUNCH_MAX_RANGES ||
        li->c_bit < 32 || li->c_bit > 51)
        return 0;
    const uint64_t pages[3] = {li->cpuid_gpa, li->secrets_gpa, li->ghcb_gpa};
    for (int i = 0; i < 3; i++)
        if ((pages[i] & (PAGE_SIZE - 1)) || pages[i] >= size)
            return 0;
    for (uint32_t i = 0; i < li->nranges; i++) {
        const struct snp_launch_range *r = &li->ranges[i];
        if ((r->gpa & (PAGE_SIZE - 1)) || r->gpa >= size || r->npages > (size - r->gpa) / PAGE_SIZE)
            return 0;
    }
    return 1;
}

/* Enables the XSAVE state components the CPU offers (the entry state has
 * x87 only), as the KVM VMM does for the plain Keep: x87, SSE, AVX,
 * AVX-512. */
static void enable_xsave(void)
{
    if (!(snp_hw_read_cr4() & (1ull << 18)))
        return;
    struct cpuid_regs r;
    struct cpuid_state st = {snp_hw_read_cr4(), snp_hw_xgetbv(), 0};
    if (snp_cpuid(cpuid_page, 0xd, 0, &st, &r) != CPUID_OK)
        snp_terminate(GHCB_TERM_KEEP_CPUID);
    uint64_t offered = ((uint64_t)r.edx << 32) | r.eax;
    snp_hw_xsetbv((offered & 0xe7) | 1);
}

int snp_early_init(const struct keep_boot_info *bi)
{
    mem_size = bi->mem_size;
    if (mem_size < SNP_KEEP_SPECIAL_BASE + 4 * PAGE_SIZE)
        return 0;
    const struct snp_launch_info *li = virt(SNP_KEEP_LAUNCH_INFO_GPA);
    if (li->magic != SNP_LAUNCH_INFO_MAGIC)
        return 0; /* a plain KVM Keep */
    /* SEV_STATUS is never intercepted: only the CPU answers it. (Without
     * SEV it does not exist: #GP, a shim fault the VMM reports.) */
    if (!(snp_hw_rdmsr(SNP_MSR_SEV_STATUS) & SNP_SEV_STATUS_SNP))
        return -1;
    snp_active = 1;
    launch = li;
    if (!launch_info_ok(li, mem_size))
        snp_terminate(GHCB_TERM_KEEP_STOP);
    cpuid_page = virt(li->cpuid_gpa);
    secrets = virt(li->secrets_gpa);
    if (snp_cpuid_check_page(cpuid_page) != CPUID_OK || snp_cpuid_cbit(cpuid_page) != li->c_bit)
        snp_terminate(GHCB_TERM_KEEP_CPUID);
    enc = 1ull << li->c_bit;
    /* RMPADJUST of VMPL 1's permissions succeeds only for a more privileged
     * VMPL: at VMPL 0 it does; elsewhere the report could not say VMPL 0. */
    if (snp_hw_rmpadjust((uint64_t)li, 1) != 0)
        snp_terminate(GHCB_TERM_KEEP_NOT_VMPL0);
    struct pt_env e = {snp_hw_direct_map(), enc, mem_size, 0, 0};
    struct pt_fault f = {0, 0, 0};
    if (!(snp_hw_read_cr3() & enc) || pt_check(&e, snp_hw_read_cr3(), &f) != PT_OK)
        snp_terminate(GHCB_TERM_KEEP_PAGE_TABLES);
    enable_xsave();
    return 0;
}

/* ---- memory: validation, shared pages ---- */

void snp_accept(uint64_t gpa, uint64_t npages)
{
    if (!snp_active)
        return;
    if (pv_is_validated(&pv, gpa))
        return;
    enum pv_status s = pv_validate(&pv, gpa, npages);
    if (s != PV_OK)
        fatal(GHCB_TERM_KEEP_VALIDATION,
              "validating guest memory at GPA %#lx (%lu pages) failed: %s; the host is "
              "tampering with the Keep's memory",
              gpa, npages, pv_status_text(s));
    memset(virt(gpa), 0, npages * PAGE_SIZE);
}

/* Fresh private frames for tables and buffers: validated and zeroed. */
static uint64_t private_frames(uint64_t n)
{
    uint64_t gpa = mm_carve(n);
    if (!gpa)
        fatal(GHCB_TERM_KEEP_STOP, "no memory for the Keep's SEV-SNP pages");
    snp_accept(gpa, n);
    return gpa;
}

static uint64_t table_frame(void *ctx)
{
    (void)ctx;
    return private_frames(1);
}

/* Maps n shared pages from gpa in the shared window; returns the VA. */
static volatile uint8_t *map_shared(uint64_t gpa, uint64_t n)
{
    uint64_t va = shared_next;
    if (n > (SHARED_VA + SHARED_VA_SIZE - va) / PAGE_SIZE - 1)
        fatal(GHCB_TERM_KEEP_STOP, "the shared window is full");
    struct pt_env e = {snp_hw_direct_map(), enc, mem_size, SHARED_VA, SHARED_VA + SHARED_VA_SIZE};
    for (uint64_t i = 0; i < n; i++) {
        enum pt_status s = pt_map_shared(&e, snp_hw_read_cr3(), va + i * PAGE_SIZE, gpa + i * PAGE_SIZE,
                                         PTE_P | PTE_W | PTE_NX, table_frame, 0);
        if (s != PT_OK)
            fatal(GHCB_TERM_KEEP_PAGE_TABLES, "mapping a shared page failed: %s", pt_status_text(s));
    }
    shared_next = va + (n + 1) * PAGE_SIZE;
    return snp_hw_shared_view(va, gpa);
}

/* Hands n pages from gpa to the host: validation rescinded where the Keep
 * held it (a page shared while validated could be swapped back in), then the
 * page-state change, through the GHCB once it exists. */
static void make_shared(uint64_t gpa, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t p = gpa + i * PAGE_SIZE;
        if (pv_is_validated(&pv, p)) {
            enum pv_status s = pv_rescind(&pv, p, 1);
            if (s != PV_OK)
                fatal(GHCB_TERM_KEEP_VALIDATION, "rescinding GPA %#lx failed: %s", p, pv_status_text(s));
        }
    }
    uint64_t detail = 0;
    enum ghcb_status s = GHCB_OK;
    if (ghcb_ready) {
        struct ghcb_psc_range r = {gpa / PAGE_SIZE, n};
        s = ghcb_page_state(&ghcb, &r, 1, GHCB_PSC_SHARED, &detail);
    } else {
        for (uint64_t i = 0; i < n && s == GHCB_OK; i++)
            s = ghcb_msr_page_state(gpa / PAGE_SIZE + i, GHCB_PSC_SHARED, &detail);
    }
    if (s != GHCB_OK)
        fatal(GHCB_TERM_KEEP_PROTOCOL, "making GPA %#lx (%lu pages) shared failed: %s (%#lx)", gpa, n,
              ghcb_status_text(s), detail);
}

static int overlaps_launch(uint64_t gpa, uint64_t n)
{
    for (uint32_t i = 0; i < launch->nranges; i++) {
        const struct snp_launch_range *r = &launch->ranges[i];
        if (gpa < r->gpa + r->npages * PAGE_SIZE && r->gpa < gpa + n * PAGE_SIZE)
            return 1;
    }
    return 0;
}

static void bookkeeping_init(void)
{
    uint64_t npages = mem_size / PAGE_SIZE;
    uint64_t pages = (pv_bitmap_bytes(npages) + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t gpa = mm_carve(pages);
    if (!gpa)
        snp_terminate(GHCB_TERM_KEEP_STOP);
    /* The bitmap's own pages, before there is a bitmap: validated here,
     * recorded below. */
    for (uint64_t i = 0; i < pages; i++) {
        int unchanged = 0;
        if (snp_hw_pvalidate(snp_hw_direct_map() + gpa + i * PAGE_SIZE, 0, 1, &unchanged) != SNP_PV_SUCCESS ||
            unchanged)
            snp_terminate(GHCB_TERM_KEEP_VALIDATION);
    }
    memset(virt(gpa), 0, pages * PAGE_SIZE);
    pv_init(&pv, virt(gpa), npages, snp_hw_direct_map());
    if (pv_mark_validated(&pv, gpa, pages) != PV_OK)
        snp_terminate(GHCB_TERM_KEEP_VALIDATION);
    for (uint32_t i = 0; i < launch->nranges; i++)
        if (pv_mark_validated(&pv, launch->ranges[i].gpa, launch->ranges[i].npages) != PV_OK)
            snp_terminate(GHCB_TERM_KEEP_VALIDATION);
    pv_ready = 1;
}

static void ghcb_init(void)
{
    uint64_t features = 0;
    if (ghcb_msr_negotiate(launch->c_bit, &features) != GHCB_OK)
        snp_terminate(GHCB_TERM_KEEP_PROTOCOL);
    if (overlaps_launch(launch->ghcb_gpa, 1))
        snp_terminate(GHCB_TERM_KEEP_STOP);
    make_shared(launch->ghcb_gpa, 1);
    ghcb.page = (volatile struct snp_ghcb *)(volatile void *)map_shared(launch->ghcb_gpa, 1);
    ghcb.gpa = launch->ghcb_gpa;
    if (ghcb_msr_register(launch->ghcb_gpa / PAGE_SIZE) != GHCB_OK)
        snp_terminate(GHCB_TERM_KEEP_PROTOCOL);
    ghcb_ready = 1;
}

/* The block lies below the free memory and outside everything launched:
 * making it shared must never touch a page the Keep runs from. */
static void sallyport_init(const struct keep_boot_info *bi, struct sp_keep *k)
{
    uint64_t gpa = bi->sallyport_gpa, bytes = SP_HEADER_SIZE + bi->sallyport_data_size;
    if ((gpa | bytes) & (PAGE_SIZE - 1) || gpa >= bi->phys_free || bytes > bi->phys_free - gpa ||
        overlaps_launch(gpa, bytes / PAGE_SIZE))
        snp_terminate(GHCB_TERM_KEEP_STOP);
    make_shared(gpa, bytes / PAGE_SIZE);
    k->block = map_shared(gpa, bytes / PAGE_SIZE);
    sallyport_ready = 1;
}

static void backoff(unsigned attempt)
{
    struct sp_timespec t = {0, 10000000ll * attempt};
    sp_clock_nanosleep(&shim_sallyport, CLOCK_MONOTONIC, 0, &t, 0);
}

static void guest_request_init(void)
{
    uint64_t shared = mm_carve(2 + SNP_CERT_PAGES_MAX);
    if (!shared)
        fatal(GHCB_TERM_KEEP_STOP, "no memory for the guest-request pages");
    make_shared(shared, 2 + SNP_CERT_PAGES_MAX);
    volatile uint8_t *va = map_shared(shared, 2 + SNP_CERT_PAGES_MAX);
    snp_guest_req_init(&greq, secrets->vmpck0, &ghcb);
    greq.req_page = va;
    greq.rsp_page = va + PAGE_SIZE;
    greq.cert_buf = va + 2 * PAGE_SIZE;
    greq.req_gpa = shared;
    greq.rsp_gpa = shared + PAGE_SIZE;
    greq.cert_gpa = shared + 2 * PAGE_SIZE;
    greq.cert_pages = SNP_CERT_PAGES_MAX;
    greq.cert_copy = virt(private_frames(SNP_CERT_PAGES_MAX));
    greq.backoff = backoff;
    evidence = virt(private_frames(EVIDENCE_PAGES));
}

void snp_memory_init(const struct keep_boot_info *bi, struct sp_keep *k)
{
    if (!snp_active)
        return;
    bookkeeping_init();
    ghcb_init();
    sallyport_init(bi, k);
    guest_request_init();
    shim_log(ENARX_LOG_DEBUG,
             "shim: SEV-SNP guest at VMPL 0, encryption bit %u, %lu pages validated at launch, "
             "sallyport and GHCB shared, VMPCK0 %s",
             launch->c_bit, pv.validated, greq.key_ok ? "present" : "absent (no attestation)");
}

/* ---- the doorbell, #VC ---- */

void snp_doorbell(void)
{
    enum ghcb_status s = ghcb_io_out(&ghcb, SP_DOORBELL_PORT, 1, 0);
    if (s != GHCB_OK)
        snp_terminate(GHCB_TERM_KEEP_PROTOCOL); /* the sallyport itself is what failed */
}

/* Up to 15 bytes of the instruction at rip, as far as they can be read. */
static size_t fetch(uint64_t rip, int user, uint8_t insn[15])
{
    size_t n = 15;
    if (user)
        while (n && !mm_user_ok(rip, n, 0))
            n--;
    for (size_t i = 0; i < n; i++)
        insn[i] = ((const volatile uint8_t *)rip)[i];
    return n;
}

static uint64_t gpa_of(uint64_t va)
{
    uint64_t gpa = 0;
    struct pt_env e = {snp_hw_direct_map(), enc, mem_size, 0, 0};
    return pt_translate(&e, snp_hw_read_cr3(), va, &gpa) == PT_OK ? gpa : UINT64_MAX;
}

void snp_vc(struct keep_regs *r)
{
    uint64_t exit = r->error;
    int user = (r->cs & 3) != 0;
    if (exit == SVM_EXIT_PAGE_NOT_VALIDATED) {
        uint64_t va = snp_hw_read_cr2(), gpa = gpa_of(va);
        fatal(GHCB_TERM_KEEP_VALIDATION,
              "an access at %#lx (GPA %#lx, rip %#lx) found the page not validated: %s; the host is "
              "attacking the Keep's memory",
              va, gpa, r->rip, pv_ready ? pv_explain_unvalidated(&pv, gpa) : "during start-up");
    }
    if (!ghcb_ready && exit != SVM_EXIT_CPUID)
        snp_terminate(GHCB_TERM_KEEP_PROTOCOL);
    uint8_t insn[15];
    size_t n = fetch(r->rip, user, insn);
    struct vc_env env = {cpuid_page, {snp_hw_read_cr4(), snp_hw_xgetbv(), 0}, &ghcb};
    struct vc_frame f = {r->rax, r->rbx, r->rcx, r->rdx, r->rip, user};
    int detail = 0;
    enum vc_status s = vc_handle(&env, exit, &f, insn, n, &detail);
    if (s == VC_DONE) {
        r->rax = f.rax;
        r->rbx = f.rbx;
        r->rcx = f.rcx;
        r->rdx = f.rdx;
        r->rip = f.rip;
        return;
    }
    const char *why = s == VC_CPUID ? cpuid_status_text((enum cpuid_status)detail)
                      : s == VC_GHCB ? ghcb_status_text((enum ghcb_status)detail)
                                     : vc_status_text(s);
    if (user)
        shim_stop(128 + SIGILL, SP_ABORT_FAULT,
                  "the workload was stopped by an intercepted instruction at rip %#lx (exit code "
                  "%#lx) that an SEV-SNP Keep cannot serve: %s (SIGILL)",
                  r->rip, exit, why);
    fatal(GHCB_TERM_KEEP_PROTOCOL, "#VC for exit code %#lx at rip %#lx: %s", exit, r->rip, why);
}

/* ---- the evidence call ---- */

int64_t snp_getatt(uint64_t rd, uint64_t rd_len, uint64_t buf, uint64_t len, uint64_t *kind)
{
    *kind = ENARX_EVIDENCE_SNP;
    if (!evidence)
        return -EIO; /* the guest-request pages were never set up */
    if (rd_len != SNP_REPORT_DATA_SIZE)
        return -EINVAL;
    if (!mm_user_ok(rd, SNP_REPORT_DATA_SIZE, 0) || (len && !mm_user_ok(buf, len, 1)))
        return -EFAULT;
    uint8_t report_data[SNP_REPORT_DATA_SIZE];
    memcpy(report_data, (const void *)rd, sizeof report_data);
    /* One report per report data: the size query (buf NULL) and the call
     * that follows it get the same evidence. */
    if (!evidence_len || memcmp(report_data, evidence_rd, sizeof report_data) != 0) {
        static uint8_t report[SNP_REPORT_SIZE];
        size_t certs_len = 0;
        struct snp_req_detail d;
        enum snp_req_status s = snp_guest_report(&greq, report_data, report, &certs_len, &d);
        if (s != SNP_REQ_OK) {
            shim_log(ENARX_LOG_WARN,
                     "shim: no SEV-SNP report: %s (GHCB: %s; hypervisor error %u, firmware error "
                     "%#x, response %d, report status %#x)",
                     snp_req_status_text(s), ghcb_status_text(d.ghcb), d.vmm_error, d.fw_error,
                     d.msg_status, d.report_status);
            evidence_len = 0;
            return -EIO;
        }
        evidence_len = snp_evidence_build(report, greq.cert_copy, certs_len, evidence,
                                          EVIDENCE_PAGES * PAGE_SIZE);
        if (!evidence_len)
            return -EIO;
        memcpy(evidence_rd, report_data, sizeof report_data);
    }
    if (!buf && !len)
        return (int64_t)evidence_len;
    if (len < evidence_len)
        return -EMSGSIZE;
    if (!buf)
        return -EFAULT;
    memcpy((void *)buf, evidence, evidence_len);
    return (int64_t)evidence_len;
}
