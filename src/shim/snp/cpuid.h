/* CPUID for an SEV-SNP guest, answered from the CPUID page: the table the
 * hypervisor proposed at launch and the secure processor checked against
 * the real CPU (SNP_LAUNCH_UPDATE, page type CPUID). The shim never asks the
 * hypervisor for CPUID values.
 *
 * A leaf the table lacks reads as zeros (hypervisors leave all-zero leaves
 * out). What depends on the guest's own state is computed here, as a CPU
 * would: OSXSAVE (leaf 1) and OSPKE (leaf 7) from CR4, and the XSAVE area
 * sizes of leaf 0xD from XCR0/XSS and the table's per-component sizes. */
#ifndef SHIM_SNP_CPUID_H
#define SHIM_SNP_CPUID_H

#include <stdint.h>

#include "abi/snp_launch.h"

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

/* The guest state CPUID reflects. */
struct cpuid_state {
    uint64_t cr4, xcr0, xss;
};

enum cpuid_status {
    CPUID_OK = 0,
    CPUID_BAD_PAGE,          /* count beyond the page's capacity, or reserved fields set */
    CPUID_NO_XSAVE_SIZE,     /* leaf 0xD lacks a component XCR0/XSS enables */
};

const char *cpuid_status_text(enum cpuid_status s);

/* Checks the page's header (the page itself is private and was checked by
 * the firmware; this guards against a shim/host layout mismatch). */
enum cpuid_status snp_cpuid_check_page(const struct snp_cpuid_page *page);

enum cpuid_status snp_cpuid(const struct snp_cpuid_page *page, uint32_t leaf, uint32_t subleaf,
                            const struct cpuid_state *st, struct cpuid_regs *out);

/* The memory-encryption bit position (leaf 0x8000001F EBX[5:0]); 0 if the
 * table has no such leaf. */
unsigned snp_cpuid_cbit(const struct snp_cpuid_page *page);

#endif
