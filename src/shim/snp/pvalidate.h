/* Validation bookkeeping: which guest pages the shim has validated
 * (PVALIDATE), so that no page is validated twice and a #VC for an
 * unvalidated page can be judged.
 *
 * Why it matters: the RMP lets the hypervisor take a page away from the
 * guest and give back another one, unvalidated, at the same GPA; or present
 * at a GPA a page that is already validated. A guest that validated on
 * demand would then accept substituted memory. The shim validates each page
 * exactly once, before first use, and treats everything else as an attack:
 *
 *   - validating a page the bookkeeping already has (PV_DOUBLE: a shim bug,
 *     never executed);
 *   - PVALIDATE reporting "no change" for a page the bookkeeping does not
 *     have (PV_ALREADY_IN_RMP: the page was validated behind the shim's back);
 *   - a #VC "page not validated" (SVM_EXIT_PAGE_NOT_VALIDATED) on any page:
 *     either the hypervisor replaced a validated page or the shim touched
 *     memory it never validated (pv_explain says which).
 *
 * One bit per 4 KiB page of guest memory, in memory the caller provides.
 * Pages are reached through a direct map: va = va_base + gpa. */
#ifndef SHIM_SNP_PVALIDATE_H
#define SHIM_SNP_PVALIDATE_H

#include <stddef.h>
#include <stdint.h>

struct pv_map {
    uint64_t *bits;
    uint64_t npages;
    uint64_t va_base;
    uint64_t validated;        /* pages validated now (statistics) */
};

enum pv_status {
    PV_OK = 0,
    PV_RANGE,                  /* outside guest memory, or not page-aligned */
    PV_DOUBLE,                 /* the bookkeeping has it validated already */
    PV_NOT_VALIDATED,          /* rescinding a page that is not validated */
    PV_ALREADY_IN_RMP,         /* hardware: already validated, behind the shim's back */
    PV_NOT_IN_RMP,             /* hardware: was not validated although the shim had validated it */
    PV_HW_FAILED,              /* PVALIDATE failed (bad input, size mismatch) */
};

const char *pv_status_text(enum pv_status s);

/* Bytes of bitmap for npages pages (a multiple of 8). */
uint64_t pv_bitmap_bytes(uint64_t npages);
/* bits: pv_bitmap_bytes(npages) zeroed bytes. */
void pv_init(struct pv_map *m, uint64_t *bits, uint64_t npages, uint64_t va_base);

/* Records pages validated without pv_validate: by the firmware at launch
 * (SNP_LAUNCH_UPDATE), or by the shim before the bookkeeping existed. */
enum pv_status pv_mark_validated(struct pv_map *m, uint64_t gpa, uint64_t npages);
/* Validates npages pages from gpa: 2 MiB at a time where aligned (falling
 * back to 4 KiB pages when the RMP holds 4 KiB entries), else 4 KiB. Checks
 * the whole range against the bookkeeping before touching anything. */
enum pv_status pv_validate(struct pv_map *m, uint64_t gpa, uint64_t npages);
/* Rescinds validation of npages 4 KiB pages (before making them shared). */
enum pv_status pv_rescind(struct pv_map *m, uint64_t gpa, uint64_t npages);

int pv_is_validated(const struct pv_map *m, uint64_t gpa);

/* Why a #VC "page not validated" at gpa happened, in words. */
const char *pv_explain_unvalidated(const struct pv_map *m, uint64_t gpa);

#endif
