/* CPUID from the SEV-SNP CPUID page (see cpuid.h). */
#include "shim/snp/cpuid.h"

#include <stddef.h>

#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE     (1ull << 22)

const char *cpuid_status_text(enum cpuid_status s)
{
    switch (s) {
    case CPUID_OK: return "found";
    case CPUID_BAD_PAGE: return "the CPUID page is malformed";
    case CPUID_NO_XSAVE_SIZE: return "the CPUID page lacks the size of an XSAVE component in use";
    }
    return "unknown";
}

enum cpuid_status snp_cpuid_check_page(const struct snp_cpuid_page *page)
{
    return page->count <= SNP_CPUID_MAX_FUNCTIONS ? CPUID_OK : CPUID_BAD_PAGE;
}

/* Leaves whose ECX selects a sub-leaf. */
static int indexed(uint32_t leaf)
{
    switch (leaf) {
    case 0x4: case 0x7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12: case 0x14:
    case 0x17: case 0x18: case 0x1d: case 0x1e: case 0x1f: case 0x20: case 0x23: case 0x24:
    case 0x8000001d: case 0x80000020: case 0x80000026:
        return 1;
    default:
        return 0;
    }
}

static const struct snp_cpuid_function *find(const struct snp_cpuid_page *page, uint32_t leaf,
                                              uint32_t subleaf)
{
    uint32_t n = page->count;
    if (n > SNP_CPUID_MAX_FUNCTIONS)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        const struct snp_cpuid_function *e = &page->fn[i];
        if (e->eax_in == leaf && (!indexed(leaf) || e->ecx_in == subleaf))
            return e;
    }
    return NULL;
}

/* XSAVE area size for the components in `mask` (bits 2..63; x87 and SSE
 * live in the 512-byte legacy area, then the 64-byte header): standard
 * format = the end of the furthest component, compacted = the sum, each
 * component 64-byte aligned when its sub-leaf says so. */
static enum cpuid_status xsave_size(const struct snp_cpuid_page *page, uint64_t mask,
                                    int compacted, uint32_t *size)
{
    uint32_t total = 512 + 64;
    for (unsigned i = 2; i < 64; i++) {
        if (!((mask >> i) & 1))
            continue;
        const struct snp_cpuid_function *e = find(page, 0xd, i);
        if (!e)
            return CPUID_NO_XSAVE_SIZE;
        uint32_t sz = e->eax, off = e->ebx, flags = e->ecx;
        if (compacted) {
            if (flags & 2)
                total = (total + 63) & ~63u;
            total += sz;
        } else if (off + sz > total) {
            total = off + sz;
        }
    }
    *size = total;
    return CPUID_OK;
}

enum cpuid_status snp_cpuid(const struct snp_cpuid_page *page, uint32_t leaf, uint32_t subleaf,
                            const struct cpuid_state *st, struct cpuid_regs *out)
{
    if (snp_cpuid_check_page(page) != CPUID_OK)
        return CPUID_BAD_PAGE;
    const struct snp_cpuid_function *e = find(page, leaf, subleaf);
    *out = (struct cpuid_regs){0, 0, 0, 0};
    if (!e)
        return CPUID_OK;
    *out = (struct cpuid_regs){e->eax, e->ebx, e->ecx, e->edx};
    if (leaf == 1) {
        out->ecx &= ~(1u << 27);
        if (st->cr4 & CR4_OSXSAVE)
            out->ecx |= 1u << 27;
    } else if (leaf == 7 && subleaf == 0) {
        out->ecx &= ~(1u << 4);
        if (st->cr4 & CR4_PKE)
            out->ecx |= 1u << 4;
    } else if (leaf == 0xd && (subleaf == 0 || subleaf == 1)) {
        uint64_t mask = subleaf == 0 ? st->xcr0 : st->xcr0 | st->xss;
        return xsave_size(page, mask, subleaf == 1, &out->ebx);
    }
    return CPUID_OK;
}

unsigned snp_cpuid_cbit(const struct snp_cpuid_page *page)
{
    const struct snp_cpuid_function *e = find(page, 0x8000001f, 0);
    return e ? e->ebx & 0x3f : 0;
}
