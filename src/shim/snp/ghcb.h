/* The GHCB protocol (AMD pub. 56421, version 2), guest side: the MSR
 * protocol the shim uses at start-up, before it has a shared page, and the
 * events it sends through the shared GHCB page afterwards.
 *
 * The hypervisor is untrusted: every reply is read once from the shared page
 * into private variables and checked (response codes, the fields the event
 * must return valid) before anything uses it. A reply that breaks the
 * protocol is GHCB_ERR_PROTOCOL; the caller stops the Keep. */
#ifndef SHIM_SNP_GHCB_H
#define SHIM_SNP_GHCB_H

#include <stdint.h>

#include "abi/snp_guest.h"

enum ghcb_status {
    GHCB_OK = 0,
    GHCB_ERR_PROTOCOL,      /* a reply with the wrong code, or fields missing */
    GHCB_ERR_VERSION,       /* the hypervisor does not speak GHCB version 2 */
    GHCB_ERR_CBIT,          /* its C-bit position differs from the CPUID page's */
    GHCB_ERR_NO_SNP,        /* it does not offer the SNP features */
    GHCB_ERR_REFUSED,       /* it declined the request (error code in *detail) */
    GHCB_ERR_IN_USE,        /* the GHCB was already in use (re-entered) */
};

const char *ghcb_status_text(enum ghcb_status s);

/* ---- MSR protocol ---- */

/* SEV information and hypervisor features: version 2 must be within the
 * hypervisor's range, its C-bit position must be `cbit` (the CPUID page's,
 * which the firmware checked), and it must offer SNP. *features = its
 * feature bitmap. */
enum ghcb_status ghcb_msr_negotiate(unsigned cbit, uint64_t *features);
/* Page-state change of one 4 KiB page (GHCB_PSC_PRIVATE/SHARED). */
enum ghcb_status ghcb_msr_page_state(uint64_t gfn, unsigned op, uint64_t *detail);
/* Registers the GHCB page's GFN. */
enum ghcb_status ghcb_msr_register(uint64_t gfn);
/* Asks the hypervisor to end the guest; never returns (if the hypervisor
 * resumes it anyway, it asks again). */
__attribute__((noreturn)) void ghcb_msr_terminate(unsigned reason_set, unsigned reason);

/* ---- the GHCB page ---- */

struct ghcb_ctx {
    volatile struct snp_ghcb *page; /* shared (mapped without the C-bit) */
    uint64_t gpa;
    int in_use;
};

/* OUT of `size` bytes (1, 2, 4) to `port`. */
enum ghcb_status ghcb_io_out(struct ghcb_ctx *g, uint16_t port, unsigned size, uint32_t value);
/* RDMSR / WRMSR the hypervisor intercepts. */
enum ghcb_status ghcb_rdmsr(struct ghcb_ctx *g, uint32_t msr, uint64_t *value);
enum ghcb_status ghcb_wrmsr(struct ghcb_ctx *g, uint32_t msr, uint64_t value);
/* RDTSC / RDTSCP, answered by the hypervisor (time is the host's anyway). */
enum ghcb_status ghcb_rdtsc(struct ghcb_ctx *g, int with_aux, uint64_t *tsc, uint32_t *aux);

/* One range for a page-state change: npages 4 KiB pages from gfn. */
struct ghcb_psc_range {
    uint64_t gfn, npages;
};
/* Changes the state of every page in the ranges (4 KiB entries, batched
 * SNP_PSC_MAX_ENTRIES per VMGEXIT), checking the hypervisor's progress
 * indices on every round. */
enum ghcb_status ghcb_page_state(struct ghcb_ctx *g, const struct ghcb_psc_range *r, unsigned n,
                                 unsigned op, uint64_t *detail);

/* SNP guest request: the request and response pages and, for the extended
 * request (data_gpa != 0), *data_pages shared pages for the certificate
 * table (on GHCB_OK with SNP_GUEST_VMM_ERR_INVALID_LEN in *exit_info_2,
 * *data_pages = the pages the hypervisor wants). *exit_info_2 = [63:32] the
 * hypervisor's error, [31:0] the firmware's. */
enum ghcb_status ghcb_guest_request(struct ghcb_ctx *g, uint64_t req_gpa, uint64_t rsp_gpa,
                                    uint64_t data_gpa, uint64_t *data_pages,
                                    uint64_t *exit_info_2);

#endif
