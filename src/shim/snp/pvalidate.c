/* Validation bookkeeping (see pvalidate.h). */
#include "shim/snp/pvalidate.h"

#include "shim/snp/hw.h"

#define PAGE 4096ull
#define HUGE_PAGES 512ull

const char *pv_status_text(enum pv_status s)
{
    switch (s) {
    case PV_OK: return "done";
    case PV_RANGE: return "the range is outside guest memory";
    case PV_DOUBLE: return "the page is validated already (double validation refused)";
    case PV_NOT_VALIDATED: return "the page is not validated";
    case PV_ALREADY_IN_RMP: return "PVALIDATE found the page validated already: it was validated "
                                   "behind the Keep's back (double validation)";
    case PV_NOT_IN_RMP: return "PVALIDATE found the page not validated although the Keep had "
                               "validated it: the hypervisor replaced it";
    case PV_HW_FAILED: return "PVALIDATE failed";
    }
    return "unknown";
}

uint64_t pv_bitmap_bytes(uint64_t npages)
{
    return (npages + 63) / 64 * 8;
}

void pv_init(struct pv_map *m, uint64_t *bits, uint64_t npages, uint64_t va_base)
{
    m->bits = bits;
    m->npages = npages;
    m->va_base = va_base;
    m->validated = 0;
}

static int get(const struct pv_map *m, uint64_t pfn)
{
    return (int)((m->bits[pfn / 64] >> (pfn % 64)) & 1);
}

static void set(struct pv_map *m, uint64_t pfn, int on)
{
    if (on) {
        m->bits[pfn / 64] |= 1ull << (pfn % 64);
        m->validated++;
    } else {
        m->bits[pfn / 64] &= ~(1ull << (pfn % 64));
        m->validated--;
    }
}

static int in_range(const struct pv_map *m, uint64_t gpa, uint64_t npages)
{
    return (gpa & (PAGE - 1)) == 0 && gpa / PAGE <= m->npages && npages <= m->npages - gpa / PAGE;
}

/* Every page of the range in state `on`? */
static int all(const struct pv_map *m, uint64_t pfn, uint64_t npages, int on)
{
    for (uint64_t i = 0; i < npages; i++)
        if (get(m, pfn + i) != on)
            return 0;
    return 1;
}

int pv_is_validated(const struct pv_map *m, uint64_t gpa)
{
    return in_range(m, gpa & ~(PAGE - 1), 1) && get(m, gpa / PAGE);
}

enum pv_status pv_mark_validated(struct pv_map *m, uint64_t gpa, uint64_t npages)
{
    if (!in_range(m, gpa, npages))
        return PV_RANGE;
    if (!all(m, gpa / PAGE, npages, 0))
        return PV_DOUBLE;
    for (uint64_t i = 0; i < npages; i++)
        set(m, gpa / PAGE + i, 1);
    return PV_OK;
}

/* One PVALIDATE; the bookkeeping follows the hardware. */
static enum pv_status one(struct pv_map *m, uint64_t pfn, int huge, int validate, int *size_mismatch)
{
    int unchanged = 0;
    int rc = snp_hw_pvalidate(m->va_base + pfn * PAGE, huge, validate, &unchanged);
    *size_mismatch = rc == SNP_PV_FAIL_SIZEMISMATCH;
    if (rc != SNP_PV_SUCCESS)
        return PV_HW_FAILED;
    if (unchanged)
        return validate ? PV_ALREADY_IN_RMP : PV_NOT_IN_RMP;
    uint64_t n = huge ? HUGE_PAGES : 1;
    for (uint64_t i = 0; i < n; i++)
        set(m, pfn + i, validate);
    return PV_OK;
}

enum pv_status pv_validate(struct pv_map *m, uint64_t gpa, uint64_t npages)
{
    if (!in_range(m, gpa, npages))
        return PV_RANGE;
    uint64_t pfn = gpa / PAGE, end = pfn + npages;
    if (!all(m, pfn, npages, 0))
        return PV_DOUBLE;
    while (pfn < end) {
        int mismatch = 0;
        if (pfn % HUGE_PAGES == 0 && end - pfn >= HUGE_PAGES) {
            enum pv_status s = one(m, pfn, 1, 1, &mismatch);
            if (s == PV_OK) {
                pfn += HUGE_PAGES;
                continue;
            }
            if (!mismatch)
                return s;
            /* The RMP holds 4 KiB entries here: validate them one by one. */
            for (uint64_t i = 0; i < HUGE_PAGES; i++)
                if ((s = one(m, pfn + i, 0, 1, &mismatch)) != PV_OK)
                    return s;
            pfn += HUGE_PAGES;
            continue;
        }
        enum pv_status s = one(m, pfn, 0, 1, &mismatch);
        if (s != PV_OK)
            return s;
        pfn++;
    }
    return PV_OK;
}

enum pv_status pv_rescind(struct pv_map *m, uint64_t gpa, uint64_t npages)
{
    if (!in_range(m, gpa, npages))
        return PV_RANGE;
    uint64_t pfn = gpa / PAGE;
    if (!all(m, pfn, npages, 1))
        return PV_NOT_VALIDATED;
    for (uint64_t i = 0; i < npages; i++) {
        int mismatch;
        enum pv_status s = one(m, pfn + i, 0, 0, &mismatch);
        if (s != PV_OK)
            return s;
    }
    return PV_OK;
}

const char *pv_explain_unvalidated(const struct pv_map *m, uint64_t gpa)
{
    if (pv_is_validated(m, gpa))
        return "the Keep had validated this page: the hypervisor took it away and put an "
               "unvalidated page in its place";
    return "the Keep never validated this page and should not have touched it";
}
