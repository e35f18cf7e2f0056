/* Page tables of an SEV-SNP guest: the encryption bit (the C-bit, at the
 * position CPUID 0x8000001F EBX[5:0] of the CPUID page gives) decides
 * whether an access goes to the guest's private, encrypted memory or to
 * memory shared with the host. Every entry that maps or points to private
 * memory carries it; the few mappings of shared pages (the GHCB, the
 * sallyport block, the guest-request pages) do not.
 *
 * Tables are reached through the direct map (table at va_base + GPA). The
 * same entry builders are used by the shim's memory manager (mm.c), so the
 * encoding tested here is the one the Keep uses. */
#ifndef SHIM_SNP_PAGETABLE_H
#define SHIM_SNP_PAGETABLE_H

#include <stdint.h>

#include "abi/kvm_boot.h"

struct pt_env {
    uint64_t va_base;          /* table at GPA g is at va_base + g */
    uint64_t enc;              /* the encryption bit (0 when not SNP) */
    uint64_t mem_size;         /* tables must lie below this GPA */
    uint64_t shared_lo, shared_hi; /* VAs whose leaves must NOT be encrypted */
};

static inline uint64_t pt_addr(uint64_t entry, uint64_t enc)
{
    return entry & PTE_ADDR & ~enc;
}

/* An entry mapping (or pointing to a table in) private memory. */
static inline uint64_t pt_private(uint64_t gpa, uint64_t flags, uint64_t enc)
{
    return gpa | flags | enc;
}

/* A leaf mapping a page shared with the host. */
static inline uint64_t pt_shared(uint64_t gpa, uint64_t flags)
{
    return gpa | flags;
}

enum pt_status {
    PT_OK = 0,
    PT_NO_ENC,                 /* a private mapping without the encryption bit */
    PT_SHARED_ENC,             /* a mapping in the shared window with it */
    PT_OUTSIDE,                /* a table outside guest memory */
    PT_TOO_MANY,               /* more tables than any real layout has */
    PT_IN_USE,                 /* the VA is mapped already */
    PT_NO_FRAME,               /* no memory for a table */
    PT_NOT_MAPPED,             /* nothing maps the address */
};

const char *pt_status_text(enum pt_status s);

/* Where a check failed. */
struct pt_fault {
    int level;                 /* 4 = PML4 ... 1 = PT */
    uint64_t va;               /* first VA the entry covers */
    uint64_t entry;
};

/* Walks every table reachable from root (a GPA) and checks each present
 * entry: encrypted unless it maps a VA in the shared window, and tables
 * inside guest memory. */
enum pt_status pt_check(const struct pt_env *e, uint64_t root, struct pt_fault *f);

/* Maps the 4 KiB page at gpa at va, shared (no encryption bit), with
 * `flags` (PTE_P | PTE_W | PTE_NX...). Missing tables come from alloc (a
 * zeroed private frame's GPA, 0 when there is none). */
typedef uint64_t (*pt_alloc_fn)(void *ctx);
enum pt_status pt_map_shared(const struct pt_env *e, uint64_t root, uint64_t va, uint64_t gpa,
                             uint64_t flags, pt_alloc_fn alloc, void *ctx);

/* The GPA the VA maps to (any page size). */
enum pt_status pt_translate(const struct pt_env *e, uint64_t root, uint64_t va, uint64_t *gpa);

#endif
