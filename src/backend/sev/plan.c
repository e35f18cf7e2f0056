/* The SNP launch as one description (internal.h): which pages go to
 * SNP_LAUNCH_UPDATE in which order and with which type — the runs the
 * VMM's loader recorded (measure/measure.h), then the SNP Keep's own pages
 * (abi/snp_launch.h) — the launch-information page that tells the shim so,
 * the vCPU's entry state, and the digest the firmware computes over them. */
#include <stdio.h>
#include <string.h>

#include "backend/sev/internal.h"

/* The runs as SNP_LAUNCH_UPDATE commands: adjacent runs of one type are one
 * command (the runs' names are for people, the firmware sees pages). */
static int plan_steps(struct sev_plan *p, const struct keep_layout *l)
{
    p->nsteps = 0;
    for (size_t i = 0; i < l->nruns; i++) {
        const struct keep_layout_run *r = &l->runs[i];
        if (p->nsteps) {
            struct sev_plan_step *last = &p->steps[p->nsteps - 1];
            if (last->type == (enum snp_page_type)r->type && last->gpa + last->npages * SNP_PAGE_SIZE == r->gpa) {
                last->npages += r->npages;
                continue;
            }
        }
        if (p->nsteps == SNP_LAUNCH_MAX_RANGES)
            return -1;
        p->steps[p->nsteps++] = (struct sev_plan_step){r->gpa, r->npages, (enum snp_page_type)r->type, r->what};
    }
    return 0;
}

static void write_launch_info(const struct sev_plan *p, uint8_t *page)
{
    struct snp_launch_info info;
    memset(&info, 0, sizeof info);
    info.magic = SNP_LAUNCH_INFO_MAGIC;
    info.version = SNP_LAUNCH_INFO_VERSION;
    info.c_bit = p->c_bit;
    info.vcpus = p->vcpus;
    info.policy = p->policy;
    info.cpuid_gpa = SNP_KEEP_CPUID_GPA;
    info.secrets_gpa = SNP_KEEP_SECRETS_GPA;
    info.ghcb_gpa = SNP_KEEP_GHCB_GPA;
    info.nranges = p->nsteps;
    for (unsigned i = 0; i < p->nsteps; i++)
        info.ranges[i] = (struct snp_launch_range){p->steps[i].gpa, p->steps[i].npages, (uint32_t)p->steps[i].type, 0};
    memset(page, 0, SNP_PAGE_SIZE);
    memcpy(page, &info, sizeof info);
}

int sev_build(struct keep_image *img, const uint8_t *exec, size_t exec_len, const struct kvm_keep_options *opt,
              uint32_t c_bit, struct sev_plan *p, char *err, size_t errlen)
{
    if (c_bit < 32 || c_bit > 51) {
        snprintf(err, errlen, "encryption bit %u is not a position an SNP processor uses (32..51)", c_bit);
        return -1;
    }
    struct keep_layout layout;
    keep_layout_init(&layout);
    img->cbit = 1ull << c_bit;
    img->low_limit = SNP_KEEP_SPECIAL_BASE;
    img->layout = &layout;
    int rc = image_build(img, kvm_shim_image, (size_t)kvm_shim_image_size, exec, exec_len, opt, err, errlen);
    img->layout = NULL;
    /* The SNP Keep's own pages, after the image: the launch information,
     * then the pages the firmware fills or checks. */
    if (rc == 0 && (keep_layout_add(&layout, SNP_KEEP_LAUNCH_INFO_GPA, 1, KEEP_PAGE_NORMAL, "launch information") < 0 ||
                    keep_layout_add(&layout, SNP_KEEP_SECRETS_GPA, 1, KEEP_PAGE_SECRETS, "secrets") < 0 ||
                    keep_layout_add(&layout, SNP_KEEP_CPUID_GPA, 1, KEEP_PAGE_CPUID, "CPUID") < 0))
        rc = (snprintf(err, errlen, "the SNP pages do not fit the Keep's layout"), -1);
    memset(p, 0, sizeof *p);
    p->c_bit = c_bit;
    p->vcpus = 1;
    p->policy = SNP_KEEP_POLICY;
    if (rc == 0 && plan_steps(p, &layout) < 0)
        rc = (snprintf(err, errlen, "the launch needs more than %u SNP_LAUNCH_UPDATE ranges", SNP_LAUNCH_MAX_RANGES),
              -1);
    keep_layout_free(&layout);
    if (rc < 0)
        return -1;
    write_launch_info(p, img->mem + SNP_KEEP_LAUNCH_INFO_GPA);
    keep_entry_state(&img->hdr, img->pml4 | img->cbit, SNP_KEEP_CR4, &p->entry);
    return 0;
}

static struct snp_seg seg(const struct kvm_segment *s)
{
    /* KVM (svm_set_segment) packs the attributes; an unusable segment is
     * not present. */
    unsigned present = s->present && !s->unusable;
    return (struct snp_seg){s->selector, snp_seg_attrib(s->type, s->s, s->dpl, present, s->avl, s->l, s->db, s->g),
                            s->limit, s->base};
}

static uint64_t msr(const struct keep_entry *e, uint32_t index)
{
    for (int i = 0; i < KEEP_ENTRY_MSRS; i++)
        if (e->msrs[i].index == index)
            return e->msrs[i].data;
    return 0;
}

void sev_plan_vmsa(const struct sev_plan *p, struct snp_vmsa *v)
{
    const struct keep_entry *e = &p->entry;
    memset(v, 0, sizeof *v);
    v->es = seg(&e->es);
    v->cs = seg(&e->cs);
    v->ss = seg(&e->ss);
    v->ds = seg(&e->ds);
    v->fs = seg(&e->fs);
    v->gs = seg(&e->gs);
    v->ldtr = seg(&e->ldt);
    v->tr = seg(&e->tr);
    v->gdtr = (struct snp_seg){0, 0, e->gdt.limit, e->gdt.base};
    v->idtr = (struct snp_seg){0, 0, e->idt.limit, e->idt.base};
    v->cpl = (uint8_t)(e->ss.dpl & 3);
    v->efer = e->efer | 0x1000;          /* SVME: KVM sets it in every guest's EFER */
    v->cr0 = e->cr0;
    v->cr3 = e->cr3;
    v->cr4 = e->cr4;                     /* MCE included: KVM would OR in the host's */
    v->dr6 = 0xffff0ff0;                 /* KVM's reset DR6 */
    v->dr7 = 0x400;                      /* and DR7 */
    v->rflags = e->rflags;
    v->rip = e->rip;
    v->rsp = e->rsp;
    v->rdi = e->rdi;
    v->star = msr(e, 0xc0000081u);
    v->lstar = msr(e, 0xc0000082u);
    v->cstar = msr(e, 0xc0000083u);
    v->sfmask = msr(e, 0xc0000084u);
    v->kernel_gs_base = msr(e, 0xc0000102u);
    v->g_pat = 0x0007040600070406ull;    /* the PAT MSR's reset value */
    v->sev_features = SNP_KEEP_SEV_FEATURES;
    v->xcr0 = 1;                         /* the reset XCR0: x87 */
    v->mxcsr = 0x1f80;                   /* the reset FPU state KVM_SEV_INIT2 copies */
    v->x87_fcw = 0x37f;
}

int sev_plan_digest(const struct sev_plan *p, const uint8_t *mem, uint8_t out[48], uint64_t *pages)
{
    struct snp_launch_digest d;
    snp_ld_init(&d, NULL);
    for (unsigned i = 0; i < p->nsteps; i++) {
        const struct sev_plan_step *s = &p->steps[i];
        if (snp_ld_pages(&d, s->gpa, s->npages, s->type, mem + s->gpa) < 0)
            return -1;
    }
    struct snp_vmsa v;
    uint8_t page[SNP_PAGE_SIZE];
    sev_plan_vmsa(p, &v);
    snp_vmsa_encode(&v, page);
    for (uint32_t i = 0; i < p->vcpus; i++)
        if (snp_ld_pages(&d, SNP_VMSA_GPA, 1, SNP_PAGE_VMSA, page) < 0)
            return -1;
    memcpy(out, d.ld, 48);
    if (pages)
        *pages = d.pages;
    return 0;
}
