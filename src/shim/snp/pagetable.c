/* SEV-SNP page tables: checking the encryption bit, mapping shared pages. */
#include "shim/snp/pagetable.h"

#include <stddef.h>

#define MAX_TABLES 8192u

const char *pt_status_text(enum pt_status s)
{
    switch (s) {
    case PT_OK: return "every entry is as it should be";
    case PT_NO_ENC: return "a mapping of private memory lacks the encryption bit";
    case PT_SHARED_ENC: return "a mapping of a shared page has the encryption bit";
    case PT_OUTSIDE: return "a page table lies outside guest memory";
    case PT_TOO_MANY: return "the page tables are larger than any layout the Keep builds";
    case PT_IN_USE: return "the address is mapped already";
    case PT_NO_FRAME: return "no memory for a page table";
    case PT_NOT_MAPPED: return "the address is not mapped";
    }
    return "unknown";
}

static uint64_t *table_at(const struct pt_env *e, uint64_t gpa)
{
    return (uint64_t *)(uintptr_t)(e->va_base + gpa);
}

/* VA of entry i at `level` under a table covering from `base`. */
static uint64_t entry_va(uint64_t base, int level, unsigned i)
{
    uint64_t va = base + ((uint64_t)i << (12 + 9 * (level - 1)));
    return level == 4 && i >= 256 ? va | 0xffff000000000000ull : va;
}

static uint64_t span(int level)
{
    return 1ull << (12 + 9 * (level - 1));
}

static int overlaps_shared(const struct pt_env *e, uint64_t va, int level)
{
    return va < e->shared_hi && e->shared_lo < va + span(level);
}

struct walk {
    const struct pt_env *e;
    unsigned tables;
    struct pt_fault *f;
};

static enum pt_status fail(struct walk *w, enum pt_status s, int level, uint64_t va, uint64_t entry)
{
    w->f->level = level;
    w->f->va = va;
    w->f->entry = entry;
    return s;
}

static enum pt_status check_table(struct walk *w, uint64_t gpa, int level, uint64_t base)
{
    const struct pt_env *e = w->e;
    if (++w->tables > MAX_TABLES)
        return fail(w, PT_TOO_MANY, level, base, gpa);
    if (gpa >= e->mem_size || e->mem_size - gpa < 4096)
        return fail(w, PT_OUTSIDE, level, base, gpa);
    const uint64_t *t = table_at(e, gpa);
    for (unsigned i = 0; i < 512; i++) {
        uint64_t entry = t[i];
        if (!(entry & PTE_P))
            continue;
        uint64_t va = entry_va(base, level, i);
        int leaf = level == 1 || (level < 4 && (entry & PTE_PS));
        /* A table's own entry is private memory; a leaf is private unless
         * it maps the shared window. */
        int shared = leaf && overlaps_shared(e, va, level);
        if (shared && (entry & e->enc))
            return fail(w, PT_SHARED_ENC, level, va, entry);
        if (!shared && !(entry & e->enc) && e->enc)
            return fail(w, PT_NO_ENC, level, va, entry);
        if (!leaf) {
            enum pt_status s = check_table(w, pt_addr(entry, e->enc), level - 1, va);
            if (s != PT_OK)
                return s;
        }
    }
    return PT_OK;
}

enum pt_status pt_check(const struct pt_env *e, uint64_t root, struct pt_fault *f)
{
    struct walk w = {e, 0, f};
    return check_table(&w, pt_addr(root, e->enc), 4, 0);
}

enum pt_status pt_map_shared(const struct pt_env *e, uint64_t root, uint64_t va, uint64_t gpa,
                             uint64_t flags, pt_alloc_fn alloc, void *ctx)
{
    uint64_t table = pt_addr(root, e->enc);
    for (int level = 4; level > 1; level--) {
        uint64_t *entry = &table_at(e, table)[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(*entry & PTE_P)) {
            uint64_t frame = alloc(ctx);
            if (!frame)
                return PT_NO_FRAME;
            *entry = pt_private(frame, PTE_P | PTE_W, e->enc);
        } else if (level < 4 && (*entry & PTE_PS)) {
            return PT_IN_USE;
        }
        table = pt_addr(*entry, e->enc);
        if (table >= e->mem_size)
            return PT_OUTSIDE;
    }
    uint64_t *leaf = &table_at(e, table)[(va >> 12) & 511];
    if (*leaf & PTE_P)
        return PT_IN_USE;
    *leaf = pt_shared(gpa, flags);
    return PT_OK;
}

enum pt_status pt_translate(const struct pt_env *e, uint64_t root, uint64_t va, uint64_t *gpa)
{
    uint64_t table = pt_addr(root, e->enc);
    for (int level = 4; level >= 1; level--) {
        if (table >= e->mem_size)
            return PT_OUTSIDE;
        uint64_t entry = table_at(e, table)[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(entry & PTE_P))
            return PT_NOT_MAPPED;
        if (level == 1 || (level < 4 && (entry & PTE_PS))) {
            uint64_t size = span(level);
            *gpa = (pt_addr(entry, e->enc) & ~(size - 1)) + (va & (size - 1));
            return PT_OK;
        }
        table = pt_addr(entry, e->enc);
    }
    return PT_NOT_MAPPED;
}
