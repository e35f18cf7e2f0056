/* The SEV-SNP instructions, for the shim (the tests link a model instead). */
#include "shim/snp/hw.h"

#include "abi/kvm_boot.h"

uint64_t snp_hw_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

void snp_hw_wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : "memory");
}

void snp_hw_vmgexit(void)
{
    /* rep; vmmcall: the hypervisor reads and writes the GHCB, hence memory. */
    __asm__ volatile(".byte 0xf3, 0x0f, 0x01, 0xd9" ::: "memory");
}

int snp_hw_pvalidate(uint64_t va, int huge, int validate, int *unchanged)
{
    uint32_t rc;
    uint8_t cf;
    /* pvalidate: rax = va, ecx = page size, edx = validate; eax = status,
     * CF = nothing changed. */
    __asm__ volatile(".byte 0xf2, 0x0f, 0x01, 0xff\n\tsetc %1"
                     : "=a"(rc), "=qm"(cf)
                     : "a"(va), "c"((uint64_t)(huge != 0)), "d"((uint64_t)(validate != 0))
                     : "memory", "cc");
    *unchanged = cf;
    return (int)rc;
}

int snp_hw_rmpadjust(uint64_t va, uint64_t attrs)
{
    uint32_t rc;
    /* rmpadjust: rax = va, rcx = page size (4 KiB), rdx = attributes. */
    __asm__ volatile(".byte 0xf3, 0x0f, 0x01, 0xfe"
                     : "=a"(rc)
                     : "a"(va), "c"(0ull), "d"(attrs)
                     : "memory", "cc");
    return (int)rc;
}

uint64_t snp_hw_direct_map(void)
{
    return KEEP_DIRECT_MAP;
}

volatile uint8_t *snp_hw_shared_view(uint64_t va, uint64_t gpa)
{
    (void)gpa;
    return (volatile uint8_t *)va;
}

uint64_t snp_hw_read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

uint64_t snp_hw_read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

uint64_t snp_hw_read_cr4(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

uint64_t snp_hw_xgetbv(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

void snp_hw_xsetbv(uint64_t xcr0)
{
    __asm__ volatile("xsetbv" ::"a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)), "c"(0) : "memory");
}
