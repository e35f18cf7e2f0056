/* The machine as the shim's SNP code sees it: the SEV-SNP instructions, the
 * few control registers it reads, and where its mappings lead, one function
 * each. In the shim they are the instructions (hw.c); the host-compiled
 * tests link a model of the CPU, the hypervisor and the secure processor in
 * their place (tests/sev/fake_hw.c). Nothing else in src/shim/snp executes a
 * privileged instruction or dereferences a guest address on its own, which
 * is what lets all of that code, snp.c included, run in the tests. */
#ifndef SHIM_SNP_HW_H
#define SHIM_SNP_HW_H

#include <stdint.h>

/* RDMSR / WRMSR of the two MSRs SNP code touches (SEV_STATUS, GHCB). */
uint64_t snp_hw_rdmsr(uint32_t msr);
void snp_hw_wrmsr(uint32_t msr, uint64_t value);

/* VMGEXIT (rep; vmmcall): hands the GHCB (or the MSR protocol request) to
 * the hypervisor; returns when it resumes the guest. */
void snp_hw_vmgexit(void);

/* PVALIDATE of the page at virtual address va (4 KiB, or 2 MiB when huge):
 * validate = 1 sets the RMP's Validated bit, 0 clears it. Returns the
 * instruction's status (SNP_PV_*); *unchanged = 1 when it succeeded without
 * changing anything (the page was already in that state: CF set). */
#define SNP_PV_SUCCESS       0
#define SNP_PV_FAIL_INPUT    1
#define SNP_PV_FAIL_SIZEMISMATCH 6
int snp_hw_pvalidate(uint64_t va, int huge, int validate, int *unchanged);

/* RMPADJUST of the 4 KiB page at va: attrs = [7:0] target VMPL, [15:8]
 * permission mask, [16] VMSA. Returns the status (0 success, 2
 * FAIL_PERMISSION when the caller is not more privileged than the target). */
#define SNP_RMPADJUST_FAIL_PERMISSION 2
int snp_hw_rmpadjust(uint64_t va, uint64_t attrs);

/* Guest-physical address g is at snp_hw_direct_map() + g (the shim's
 * direct map, abi/kvm_boot.h). */
uint64_t snp_hw_direct_map(void);
/* What the shim dereferences to reach the page it has just mapped shared at
 * va (which maps gpa): va itself in the shim; the model's memory in tests,
 * which check the page-table entry separately. */
volatile uint8_t *snp_hw_shared_view(uint64_t va, uint64_t gpa);

uint64_t snp_hw_read_cr2(void);
uint64_t snp_hw_read_cr3(void);
uint64_t snp_hw_read_cr4(void);
uint64_t snp_hw_xgetbv(void);          /* XCR0 */
void snp_hw_xsetbv(uint64_t xcr0);

#endif
