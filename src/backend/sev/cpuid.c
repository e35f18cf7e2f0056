/* The SNP CPUID page (abi/snp_launch.h): the CPUID values the Keep may
 * believe, as the hypervisor proposes them and the firmware checks them. */
#include <stdio.h>
#include <string.h>

#include "backend/sev/internal.h"

static int in_snp_ranges(uint32_t leaf)
{
    /* The firmware checks the standard and extended ranges only. */
    return leaf <= 0xffffu || (leaf >= 0x80000000u && leaf <= 0x8000ffffu);
}

void sev_cpuid_page(const struct kvm_cpuid2 *cpuid, struct snp_cpuid_page *page, unsigned *dropped)
{
    memset(page, 0, sizeof *page);
    *dropped = 0;
    for (uint32_t i = 0; i < cpuid->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        if (!in_snp_ranges(e->function))
            continue;
        if (page->count == SNP_CPUID_MAX_FUNCTIONS) {
            (*dropped)++;
            continue;
        }
        struct snp_cpuid_function *f = &page->fn[page->count++];
        f->eax_in = e->function;
        f->ecx_in = (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ? e->index : 0;
        f->eax = e->eax;
        f->ebx = e->ebx;
        f->ecx = e->ecx;
        f->edx = e->edx;
        if (e->function == 0xd && f->ecx_in <= 1) {
            /* The Keep starts with XCR0 = x87; a guest that enables more
             * sums the sizes of the 0xD subleaves itself. */
            f->xcr0_in = 1;
            f->ebx = 0x240;
        }
    }
}

int sev_cpuid_diff(const struct snp_cpuid_page *a, const struct snp_cpuid_page *b, char *buf, size_t len)
{
    int n = 0;
    size_t used = 0;
    if (len)
        buf[0] = 0;
    if (a->count != b->count) {
        used += (size_t)snprintf(buf, len, "count: %u -> %u\n", a->count, b->count);
        n++;
    }
    for (unsigned i = 0; i < SNP_CPUID_MAX_FUNCTIONS && i < a->count; i++) {
        const struct snp_cpuid_function *x = &a->fn[i], *y = &b->fn[i];
        const uint32_t before[4] = {x->eax, x->ebx, x->ecx, x->edx}, after[4] = {y->eax, y->ebx, y->ecx, y->edx};
        for (int r = 0; r < 4; r++) {
            if (before[r] == after[r])
                continue;
            n++;
            if (used < len)
                used += (size_t)snprintf(buf + used, len - used, "%#x/%#x e%cx: %#x -> %#x\n", x->eax_in, x->ecx_in,
                                         "abcd"[r], before[r], after[r]);
        }
    }
    return n;
}
