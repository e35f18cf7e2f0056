/* The VMSA page: a vCPU's initial state as SNP_LAUNCH_UPDATE measures it
 * (AMD64 APM vol. 2, "VMSA Layout, State Save Area for SEV-ES"; the
 * offsets are in abi/snp_launch.h). */
#include <string.h>

#include "snp/snp.h"

static void put(uint8_t *page, unsigned off, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        page[off + i] = (uint8_t)(v >> (8 * i));
}

static void put_seg(uint8_t *page, unsigned off, const struct snp_seg *s)
{
    put(page, off, s->selector, 2);
    put(page, off + 2, s->attrib, 2);
    put(page, off + 4, s->limit, 4);
    put(page, off + 8, s->base, 8);
}

uint16_t snp_seg_attrib(unsigned type, unsigned s, unsigned dpl, unsigned present, unsigned avl, unsigned l,
                        unsigned db, unsigned g)
{
    return (uint16_t)((type & 15) | (s & 1) << 4 | (dpl & 3) << 5 | (present & 1) << 7 | (avl & 1) << 8 |
                      (l & 1) << 9 | (db & 1) << 10 | (g & 1) << 11);
}

void snp_vmsa_encode(const struct snp_vmsa *v, uint8_t page[SNP_PAGE_SIZE])
{
    memset(page, 0, SNP_PAGE_SIZE);
    const struct snp_seg *segs[] = {&v->es, &v->cs, &v->ss, &v->ds, &v->fs,
                                    &v->gs, &v->gdtr, &v->ldtr, &v->idtr, &v->tr};
    for (unsigned i = 0; i < 10; i++)
        put_seg(page, SNP_VMSA_ES + 16 * i, segs[i]);
    page[SNP_VMSA_CPL] = v->cpl;
    put(page, SNP_VMSA_EFER, v->efer, 8);
    put(page, SNP_VMSA_CR4, v->cr4, 8);
    put(page, SNP_VMSA_CR3, v->cr3, 8);
    put(page, SNP_VMSA_CR0, v->cr0, 8);
    put(page, SNP_VMSA_DR7, v->dr7, 8);
    put(page, SNP_VMSA_DR6, v->dr6, 8);
    put(page, SNP_VMSA_RFLAGS, v->rflags, 8);
    put(page, SNP_VMSA_RIP, v->rip, 8);
    put(page, SNP_VMSA_RSP, v->rsp, 8);
    put(page, SNP_VMSA_RAX, v->rax, 8);
    put(page, SNP_VMSA_STAR, v->star, 8);
    put(page, SNP_VMSA_LSTAR, v->lstar, 8);
    put(page, SNP_VMSA_CSTAR, v->cstar, 8);
    put(page, SNP_VMSA_SFMASK, v->sfmask, 8);
    put(page, SNP_VMSA_KERNEL_GS_BASE, v->kernel_gs_base, 8);
    put(page, SNP_VMSA_G_PAT, v->g_pat, 8);
    put(page, SNP_VMSA_RCX, v->rcx, 8);
    put(page, SNP_VMSA_RDX, v->rdx, 8);
    put(page, SNP_VMSA_RBX, v->rbx, 8);
    put(page, SNP_VMSA_RBP, v->rbp, 8);
    put(page, SNP_VMSA_RSI, v->rsi, 8);
    put(page, SNP_VMSA_RDI, v->rdi, 8);
    const uint64_t r8_15[8] = {v->r8, v->r9, v->r10, v->r11, v->r12, v->r13, v->r14, v->r15};
    for (unsigned i = 0; i < 8; i++)
        put(page, SNP_VMSA_R8 + 8 * i, r8_15[i], 8);
    put(page, SNP_VMSA_SEV_FEATURES, v->sev_features, 8);
    put(page, SNP_VMSA_XCR0, v->xcr0, 8);
    put(page, SNP_VMSA_MXCSR, v->mxcsr, 4);
    put(page, SNP_VMSA_X87_FCW, v->x87_fcw, 2);
}
