/* The model's guest: what KVM_RUN does after the launch, one script step per
 * run (model.h). The guest reads what a real SNP shim reads — the boot
 * information and the launch-information page, from the model's private
 * (encrypted, validated) copy of guest memory — and checks the launch
 * contract on the way: every range the launch-information page lists was
 * launched with that type, the C-bit is the CPU's. Each step then checks
 * how the VMM answered the previous one. Test-only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvm_boot.h"
#include "abi/sallyport.h"
#include "abi/snp_launch.h"
#include "backend/sev/uapi.h"
#include "model_internal.h"

enum pending { P_NONE, P_PSC, P_PSC_BAD, P_FAULT, P_SALLYPORT, P_CERTS };

#define UNANSWERED 0xdead0000dead0000ull

static const struct keep_boot_info *boot_info(struct snp_model *m, const struct m_vcpu *v)
{
    uint64_t gpa = v->regs.rdi - KEEP_SHIM_BASE;
    if (v->regs.rdi < KEEP_SHIM_BASE || gpa > m->gmem_size - sizeof(struct keep_boot_info) ||
        !m->populated[gpa / M_PAGE])
        return m_error(m, "the guest's RDI %#llx points to no launched boot information",
                       (unsigned long long)v->regs.rdi), NULL;
    const struct keep_boot_info *b = (const void *)(m->priv + gpa);
    if (b->magic != SHIM_MAGIC || b->sallyport_gpa % M_PAGE ||
        b->sallyport_gpa + SP_HEADER_SIZE + b->sallyport_data_size > m->gmem_size)
        return m_error(m, "the launched boot information is not usable"), NULL;
    return b;
}

/* The launch contract, as the shim would check it at start. */
static int check_launch_info(struct snp_model *m)
{
    const struct snp_launch_info *li = (const void *)(m->priv + SNP_KEEP_LAUNCH_INFO_GPA);
    if (!m->populated[SNP_KEEP_LAUNCH_INFO_GPA / M_PAGE] || li->magic != SNP_LAUNCH_INFO_MAGIC ||
        li->version != SNP_LAUNCH_INFO_VERSION || li->nranges > SNP_LAUNCH_MAX_RANGES)
        return m_error(m, "no valid launch-information page at %#llx", (unsigned long long)SNP_KEEP_LAUNCH_INFO_GPA);
    if (li->c_bit != m->cfg.c_bit)
        return m_error(m, "the launch-information page says C-bit %u, the CPU %u", li->c_bit, m->cfg.c_bit);
    if (li->policy != m->launch.policy || li->vcpus != m->launch.vcpus)
        return m_error(m, "the launch-information page disagrees with the launch (policy, vCPUs)");
    uint64_t listed = 0;
    for (uint32_t i = 0; i < li->nranges; i++) {
        const struct snp_launch_range *r = &li->ranges[i];
        for (uint64_t p = 0; p < r->npages; p++) {
            uint64_t gfn = r->gpa / M_PAGE + p;
            if (gfn >= m->gmem_size / M_PAGE || !m->populated[gfn])
                return m_error(m, "range %u of the launch-information page (%#llx) was not launched", i,
                               (unsigned long long)r->gpa);
        }
        listed += r->npages;
    }
    if (listed + m->launch.vcpus != m->launch.pages)
        return m_error(m, "the launch-information page lists %llu pages, the firmware measured %llu (VMSAs aside)",
                       (unsigned long long)listed, (unsigned long long)(m->launch.pages - m->launch.vcpus));
    return 0;
}

static int shared_range(const struct snp_model *m, uint64_t gpa, uint64_t len)
{
    for (uint64_t p = gpa / M_PAGE; p < (gpa + len + M_PAGE - 1) / M_PAGE; p++)
        if (p >= m->gmem_size / M_PAGE || m->attr[p])
            return 0;
    return 1;
}

/* How the VMM answered the last step. */
static void check_answer(struct snp_model *m, struct m_vcpu *v)
{
    struct kvm_run *run = v->run;
    const struct sev_kvm_snp_req_certs *rc = (const void *)&run->hypercall;
    switch (m->pending) {
    case P_PSC:
        if (run->hypercall.ret != 0)
            m_error(m, "the VMM refused a valid page-state change (ret %llu)", (unsigned long long)run->hypercall.ret);
        else if (shared_range(m, m->pending_arg[0], m->pending_arg[1]) != !m->pending_arg[2])
            m_error(m, "the VMM said yes to a page-state change but did not make it");
        break;
    case P_PSC_BAD:
        if (run->hypercall.ret == 0 || run->hypercall.ret == UNANSWERED)
            m_error(m, "the VMM did not refuse a page-state change outside guest memory (ret %#llx)",
                    (unsigned long long)run->hypercall.ret);
        else
            m->counts.refused++;
        break;
    case P_FAULT:
        if (!shared_range(m, m->pending_arg[0], M_PAGE))
            m_error(m, "the VMM did not convert the page of a shared-access fault");
        break;
    case P_SALLYPORT: {
        const struct sp_header *h = (const void *)(m->shared + m->pending_arg[0]);
        if (h->rsp_seq != h->req_seq || h->call[0].ret != (int64_t)m->pending_arg[1])
            m_error(m, "the sallyport call got %lld (sequence %llu/%llu), not %lld", (long long)h->call[0].ret,
                    (unsigned long long)h->rsp_seq, (unsigned long long)h->req_seq, (long long)m->pending_arg[1]);
        break;
    }
    case P_CERTS:
        if (rc->ret == 0) {
            const uint8_t *t = m->shared + m->pending_arg[0];
            uint32_t off, len;
            memcpy(&off, t + 16, 4);
            memcpy(&len, t + 20, 4);
            if (off < 48 || (uint64_t)off + len > m->pending_arg[1] * M_PAGE)
                m_error(m, "the certificate table the VMM wrote is not usable");
            m->counts.certs_ok++;
            m->counts.certs_bytes += (uint64_t)off + len;
        } else if (rc->ret == ENOSPC) {
            m->counts.certs_enospc++;
            m->pending_arg[2] = rc->npages;
        } else {
            m_error(m, "the VMM answered the certificate request with %llu", (unsigned long long)rc->ret);
        }
        break;
    }
    m->pending = P_NONE;
}

static void io_exit(struct kvm_run *run)
{
    run->exit_reason = KVM_EXIT_IO;
    run->io.direction = KVM_EXIT_IO_OUT;
    run->io.size = 1;
    run->io.port = SP_DOORBELL_PORT;
    run->io.count = 1;
    run->io.data_offset = 0x800;
    ((uint8_t *)run)[0x800] = 0;
}

/* A one-call sallyport batch in the (shared) block. */
static long sallyport_call(struct snp_model *m, struct m_vcpu *v, const struct keep_boot_info *b, uint64_t nr,
                           uint64_t a0, const char *data, int64_t expect)
{
    uint64_t gpa = b->sallyport_gpa;
    if (!shared_range(m, gpa, SP_HEADER_SIZE + b->sallyport_data_size))
        return m_error(m, "the script wrote to the sallyport block while it was private"), -EFAULT;
    struct sp_header *h = (void *)(m->shared + gpa);
    memset(h->call, 0, sizeof h->call[0]);
    h->ncalls = 1;
    h->call[0].nr = nr;
    h->call[0].arg[0] = a0;
    if (data) {
        size_t len = strlen(data);
        memcpy(m->shared + gpa + SP_HEADER_SIZE, data, len);
        h->call[0].arg[1] = 0;
        h->call[0].arg[2] = len;
    }
    h->req_seq = ++m->sp_seq;
    m->pending = P_SALLYPORT;
    m->pending_arg[0] = gpa;
    m->pending_arg[1] = (uint64_t)expect;
    io_exit(v->run);
    return 0;
}

static char *next_step(struct snp_model *m, char *buf, size_t len)
{
    const char *s = m->script + m->script_pos;
    if (!*s)
        return NULL;
    size_t n = strcspn(s, ",");
    snprintf(buf, len, "%.*s", (int)n, s);
    m->script_pos += n + (s[n] == ',');
    return buf;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* One raw exit (model.h): a selector byte, then the values. */
static long raw_exit(struct snp_model *m, struct kvm_run *run)
{
    if (m->raw_pos + SNP_MODEL_RAW_EXIT > m->cfg.raw_len) {
        run->exit_reason = KVM_EXIT_SHUTDOWN;
        return 0;
    }
    const uint8_t *b = m->cfg.raw_exits + m->raw_pos;
    m->raw_pos += SNP_MODEL_RAW_EXIT;
    memset(&run->hypercall, 0, sizeof run->hypercall);
    switch (b[0] % 10) {
    case 0:
        io_exit(run);
        if (b[1] & 1)
            run->io.port = (uint16_t)le(b + 2, 2);
        run->io.direction = (uint8_t)(b[4] & 1);
        return 0;
    case 1:
        run->exit_reason = KVM_EXIT_HYPERCALL;
        run->hypercall.nr = (b[1] & 1) ? le(b + 32, 8) : SEV_KVM_HC_MAP_GPA_RANGE;
        run->hypercall.args[0] = le(b + 2, 8);
        run->hypercall.args[1] = le(b + 10, 8);
        run->hypercall.args[2] = le(b + 18, 8);
        return 0;
    case 2: {
        struct sev_kvm_memory_fault *f = (void *)&run->hypercall;
        run->exit_reason = SEV_KVM_EXIT_MEMORY_FAULT;
        f->flags = le(b + 2, 8);
        f->gpa = le(b + 10, 8);
        f->size = le(b + 18, 8);
        return (b[1] & 1) ? -EFAULT : 0;
    }
    case 3: {
        struct sev_kvm_snp_req_certs *rc = (void *)&run->hypercall;
        run->exit_reason = SEV_KVM_EXIT_SNP_REQ_CERTS;
        rc->gpa = le(b + 2, 8);
        rc->npages = le(b + 10, 8);
        return 0;
    }
    case 4:
        run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
        run->system_event.type = (uint32_t)le(b + 1, 4);
        run->system_event.ndata = (uint32_t)(b[5] % 17);
        run->system_event.data[0] = le(b + 6, 8);
        return 0;
    case 5:
        run->exit_reason = KVM_EXIT_HLT;
        return 0;
    case 6:
        run->exit_reason = KVM_EXIT_MMIO;
        run->mmio.phys_addr = le(b + 2, 8);
        return 0;
    case 7:
        run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
        run->internal.suberror = (uint32_t)le(b + 2, 4);
        return 0;
    case 8:
        return -(long)(b[1] % 134); /* KVM_RUN failing with any errno */
    default:
        run->exit_reason = (uint32_t)le(b + 1, 4);
        return 0;
    }
}

long m_guest_run(struct snp_model *m, struct m_vcpu *v)
{
    struct kvm_run *run = v->run;
    check_answer(m, v);
    if (run->immediate_exit)
        return -EINTR; /* the pending operation is done; no guest instruction runs */
    if (!m->ran) {
        m->ran = 1;
        check_launch_info(m);
    }
    if (m->cfg.raw_exits)
        return raw_exit(m, run);
    const struct keep_boot_info *b = boot_info(m, v);
    char step[64];
    if (!b || !next_step(m, step, sizeof step)) {
        run->exit_reason = KVM_EXIT_SHUTDOWN;
        return 0;
    }
    uint64_t block_len = (SP_HEADER_SIZE + b->sallyport_data_size + M_PAGE - 1) / M_PAGE;
    if (strcmp(step, "psc-shared") == 0 || strcmp(step, "psc-private") == 0 || strcmp(step, "psc-bad") == 0) {
        if (!m->hypercall_exit)
            return m_error(m, "page-state change: the VMM never enabled KVM_CAP_EXIT_HYPERCALL"), -EINVAL;
        int bad = strcmp(step, "psc-bad") == 0, priv = strcmp(step, "psc-private") == 0;
        run->exit_reason = KVM_EXIT_HYPERCALL;
        run->hypercall.nr = SEV_KVM_HC_MAP_GPA_RANGE;
        run->hypercall.args[0] = bad ? m->gmem_size - M_PAGE : b->sallyport_gpa;
        run->hypercall.args[1] = bad ? 2 : block_len;
        run->hypercall.args[2] = priv ? SEV_KVM_MAP_GPA_RANGE_ENCRYPTED : 0;
        run->hypercall.ret = UNANSWERED;
        m->pending = bad ? P_PSC_BAD : P_PSC;
        m->pending_arg[0] = b->sallyport_gpa;
        m->pending_arg[1] = block_len * M_PAGE;
        m->pending_arg[2] = (uint64_t)priv;
        return 0;
    }
    if (strcmp(step, "fault-shared") == 0) {
        struct sev_kvm_memory_fault *f = (void *)&run->hypercall;
        run->exit_reason = SEV_KVM_EXIT_MEMORY_FAULT;
        f->flags = 0;
        f->gpa = SNP_KEEP_GHCB_GPA;
        f->size = M_PAGE;
        m->pending = P_FAULT;
        m->pending_arg[0] = SNP_KEEP_GHCB_GPA;
        return -EFAULT;
    }
    if (strcmp(step, "hello") == 0) {
        static const char hello[] = "hello from the SNP model\n";
        return sallyport_call(m, v, b, SP_WRITE, 1, hello, (int64_t)strlen(hello));
    }
    if (strncmp(step, "exit:", 5) == 0)
        return sallyport_call(m, v, b, SP_EXIT, strtoull(step + 5, NULL, 10), NULL, 0);
    if (strncmp(step, "certs:", 6) == 0) {
        if (!m->certs_enabled)
            return m_error(m, "certificate request: the VMM never enabled certificate exits"), -EINVAL;
        uint64_t n = strtoull(step + 6, NULL, 10), gpa = b->sallyport_gpa + SP_HEADER_SIZE;
        if (n * M_PAGE > b->sallyport_data_size || !shared_range(m, gpa, n * M_PAGE))
            return m_error(m, "certificate request: the buffer is not shared"), -EINVAL;
        struct sev_kvm_snp_req_certs *rc = (void *)&run->hypercall;
        run->exit_reason = SEV_KVM_EXIT_SNP_REQ_CERTS;
        rc->gpa = gpa;
        rc->npages = n;
        rc->ret = 0;
        m->pending = P_CERTS;
        m->pending_arg[0] = gpa;
        m->pending_arg[1] = n;
        return 0;
    }
    if (strcmp(step, "guest-request") == 0) {
        if (!m->cfg.guest_request)
            return m_error(m, "guest-request: no hook is plugged in"), -EINVAL;
        uint8_t req[M_PAGE] = {0}, rsp[M_PAGE] = {0};
        uint32_t st = m->cfg.guest_request(m->cfg.guest_request_ctx, &m->launch, req, rsp);
        if (st)
            m_error(m, "guest-request: the firmware answered %#x", st);
        run->exit_reason = KVM_EXIT_INTR;
        return 0;
    }
    if (strncmp(step, "term:", 5) == 0) {
        unsigned set = 0, code = 0;
        sscanf(step + 5, "%u:%u", &set, &code);
        run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
        run->system_event.type = SEV_KVM_SYSTEM_EVENT_SEV_TERM;
        run->system_event.ndata = 1;
        run->system_event.data[0] = 0x100 | (uint64_t)(set & 0xf) << 12 | (uint64_t)(code & 0xff) << 16;
        return 0;
    }
    if (strcmp(step, "hlt") == 0) {
        run->exit_reason = KVM_EXIT_HLT;
        return 0;
    }
    if (strcmp(step, "shutdown") != 0)
        m_error(m, "unknown script step '%s'", step);
    run->exit_reason = KVM_EXIT_SHUTDOWN;
    return 0;
}
