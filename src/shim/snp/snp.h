/* The SEV-SNP side of the shim, as the rest of the shim sees it (main.c,
 * mm.c, trap.c, syscall.c). One shim serves both Keeps: it is an SNP guest
 * when the launch-information page (abi/snp_launch.h) is there and the CPU
 * confirms it (SEV_STATUS); otherwise every function here is a no-op and the
 * KVM Keep runs as before.
 *
 * Start-up under SNP (docs/keep.md, "SEV-SNP: the Keep side"):
 *   snp_early_init    before anything else: CPUID page, encryption bit,
 *                     VMPL 0, the page tables' encryption bits, XCR0; from
 *                     here CPUID works (#VC, answered from the CPUID page)
 *   mm_init           the memory manager, with the encryption bit
 *   snp_memory_init   validation bookkeeping, the GHCB (MSR protocol, then
 *                     a shared page), the sallyport block made shared, the
 *                     guest-request pages; from here the sallyport works
 * Until the sallyport works, a stop is a GHCB termination request (its
 * reason code is all the host learns). */
#ifndef SHIM_SNP_SNP_H
#define SHIM_SNP_SNP_H

#include <stdint.h>

#include "abi/kvm_boot.h"

struct keep_regs;
struct sp_keep;

extern int snp_active;

/* 0: a plain KVM Keep, or SNP and ready for mm_init; -1: the image is an
 * SNP image but the CPU is not running it as an SNP guest (the caller says
 * so through the sallyport, which then still works). */
int snp_early_init(const struct keep_boot_info *bi);
/* The encryption bit for page-table entries (0 on plain KVM). */
uint64_t snp_pte_enc(void);
void snp_memory_init(const struct keep_boot_info *bi, struct sp_keep *k);
int snp_sallyport_ready(void);

/* Makes fresh memory usable: validates each page exactly once (a page
 * validated already is an attack or a bug: the Keep stops) and zeroes it
 * (a fresh private page holds no meaningful bytes). Pages the bookkeeping
 * has validated already are left alone. No-op on plain KVM. */
void snp_accept(uint64_t gpa, uint64_t npages);

/* The sallyport doorbell, through the GHCB. */
void snp_doorbell(void);
/* #VC (vector 29). */
void snp_vc(struct keep_regs *r);
/* Ends the guest with a GHCB termination request. */
__attribute__((noreturn)) void snp_terminate(unsigned reason);

/* ENARX_SYS_GETATT under SNP (abi/evidence.h): evidence of kind SNP for the
 * 64 bytes of report data at rd; *kind = ENARX_EVIDENCE_SNP. */
int64_t snp_getatt(uint64_t rd, uint64_t rd_len, uint64_t buf, uint64_t len, uint64_t *kind);

#endif
