/* SEV-SNP backend internals shared by its files. */
#ifndef BACKEND_SEV_INTERNAL_H
#define BACKEND_SEV_INTERNAL_H

#include "abi/snp_launch.h"
#include "backend/kvm/vmm.h"
#include "backend/sev/sev.h"
#include "snp/snp.h"

/* ---- plan.c: the launch, as one description -------------------------------
 * Built once from the image the VMM's loader wrote; the launcher issues
 * exactly these SNP_LAUNCH_UPDATE commands and register writes, and the
 * calculator hashes exactly these pages and this vCPU state, so the two
 * cannot drift. */
struct sev_plan_step {
    uint64_t gpa, npages;
    enum snp_page_type type;
    const char *what;
};

struct sev_plan {
    struct sev_plan_step steps[SNP_LAUNCH_MAX_RANGES];
    unsigned nsteps;
    struct keep_entry entry;   /* the vCPU's registers (KVM_SET_SREGS/MSRS/REGS) */
    uint64_t policy;
    uint32_t c_bit, vcpus;
};

/* The image for an SNP launch: the KVM Keep's loader with the C-bit in
 * every page-table entry and room for the special pages, into img->mem
 * (img->mem_size bytes, zeroed), its pages recorded; then the SNP pages
 * added to that record, the plan made from it, and the launch-information
 * page written into guest memory. */
int sev_build(struct keep_image *img, const uint8_t *exec, size_t exec_len, const struct kvm_keep_options *opt,
              uint32_t c_bit, struct sev_plan *plan, char *err, size_t errlen);
/* The VMSA the firmware measures for the plan's vCPU: the registers as KVM
 * turns them into a save area (segment attributes packed, EFER.SVME, the
 * reset values of DR6, DR7, PAT, XCR0 and the x87/SSE state of
 * KVM_SEV_INIT2). */
void sev_plan_vmsa(const struct sev_plan *plan, struct snp_vmsa *out);
/* The launch digest of the plan over mem. */
int sev_plan_digest(const struct sev_plan *plan, const uint8_t *mem, uint8_t out[48], uint64_t *pages);

/* ---- cpuid.c: the CPUID page ----
 * From the CPUID KVM supports for the vCPU: the standard and extended
 * ranges, at most 64 functions (later ones dropped and counted in
 * *dropped), leaf 0xD subleaves 0 and 1 stated for XCR0 = x87 (the state
 * the Keep starts in: their EBX is the legacy area's 0x240 bytes). */
void sev_cpuid_page(const struct kvm_cpuid2 *cpuid, struct snp_cpuid_page *page, unsigned *dropped);
/* After the firmware refused a page and wrote back its own: what it
 * changed, one "leaf/subleaf register: old -> new" per line into buf.
 * The number of differences. */
int sev_cpuid_diff(const struct snp_cpuid_page *before, const struct snp_cpuid_page *after, char *buf,
                   size_t len);

/* ---- certs.c (src/snp): the certificate table is checked by snp.h ---- */

#endif
