/* KVM shim: the workload's memory. brk, mmap, munmap, mprotect, mremap and
 * madvise are served here and never by the host: the host only learns that
 * some 2 MiB chunks are no longer needed (SP_DISCARD), so it can take the
 * memory back.
 *
 * Guest-physical memory above what the VMM used at boot is handed out as
 * 2 MiB chunks (mapped with huge pages where a mapping covers the whole 2 MiB)
 * or 4 KiB frames. User memory is demand-zero: a mapping only reserves
 * address space, and the page-fault handler backs it on first touch.
 *
 * Zero-filling: never-used memory and discarded chunks come from the host
 * zeroed (on plain KVM the host can write guest memory at will anyway, so
 * this adds no trust), reused 4 KiB frames are zeroed by the shim.
 *
 * Under SEV-SNP (src/shim/snp): every entry the shim writes carries the
 * encryption bit (and addresses are read without it); never-used memory is
 * validated, exactly once, and zeroed by the shim when first handed out
 * (snp_accept); freed chunks are zeroed by the shim and kept, not handed
 * back to the host (the host cannot see or reuse private memory anyway).
 */
#include "shim/kvm/shim.h"
#include "shim/snp/pagetable.h"
#include "shim/snp/snp.h"

enum { VMA_ANON = 0, VMA_EXEC = KEEP_REGION_EXEC, VMA_STACK = KEEP_REGION_STACK, VMA_BRK = 8 };

#define MMAP_MIN    0x10000ull
#define MAX_VMAS    8192u
#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)

struct vma {
    uint64_t start, end;
    uint32_t prot, kind;
};

static struct vma vmas[MAX_VMAS];
static uint32_t nvmas;

static uint64_t pml4, mem_size;
static uint64_t pte_enc;              /* the SEV-SNP encryption bit, or 0 */
static uint64_t addr_mask = PTE_ADDR; /* an entry's address bits, without it */
static uint64_t fresh_lo, fresh_hi;   /* never-used memory: frames from lo, chunks from hi */
static uint64_t free4k, nfree4k;      /* reused frames, linked through their first word */
/* Discarded chunks: a bitmap, not a list through the chunks, because the
 * host's discard zeroes them. One bit per 2 MiB of guest memory (1 TiB max). */
#define MAX_CHUNKS (1u << 19)
static uint64_t free2m_bits[MAX_CHUNKS / 64];
static uint64_t nfree2m, free2m_hint;
static uint64_t brk_start, brk_cur, mmap_top;
static uint64_t disc_start, disc_end; /* chunks freed, not yet discarded */

static __attribute__((noreturn)) void out_of_memory(void)
{
    shim_stop(128 + SIGKILL, SP_ABORT_OOM,
              "the Keep ran out of memory (%lu MiB); give it more with the memory option",
              mem_size >> 20);
}

static uint64_t page_up(uint64_t v)
{
    return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* ---- physical memory ---- */

static void discard_flush(void)
{
    if (disc_end == disc_start)
        return;
    uint64_t s = disc_start, e = disc_end;
    disc_start = disc_end = 0;
    if (snp_active || sp_discard(&shim_sallyport, s, e - s) < 0)
        for (uint64_t c = s; c < e; c += HUGE_SIZE) /* the host would not: zero them here */
            memset(phys_to_virt(c), 0, HUGE_SIZE);
}

/* The first write to a 2 MiB chunk makes the host back it with one huge page
 * (its memory is THP-advised). Were the workload's first access a read, the
 * host would map its shared zero page and later copy on write 4 KiB at a
 * time, and every 4 KiB would then cost a nested-paging fault. */
static uint64_t prefault(uint64_t c)
{
    *(volatile uint8_t *)phys_to_virt(c) = 0;
    return c;
}

/* Never-used memory: under SEV-SNP validated and zeroed (which writes it
 * too), else just prefaulted. */
static uint64_t fresh(uint64_t gpa, uint64_t npages)
{
    if (snp_active) {
        snp_accept(gpa, npages);
        return gpa;
    }
    return (gpa & (HUGE_SIZE - 1)) == 0 ? prefault(gpa) : gpa;
}

/* Takes a discarded (hence zero) chunk; nfree2m must be nonzero. */
static uint64_t free2m_take(void)
{
    discard_flush();
    uint64_t words = (mem_size / HUGE_SIZE + 63) / 64;
    for (uint64_t n = 0; n < words; n++) {
        uint64_t w = (free2m_hint + n) % words;
        if (free2m_bits[w]) {
            unsigned bit = (unsigned)__builtin_ctzll(free2m_bits[w]);
            free2m_bits[w] &= ~(1ull << bit);
            free2m_hint = w;
            nfree2m--;
            return prefault((w * 64 + bit) * HUGE_SIZE);
        }
    }
    shim_stop(1, SP_ABORT_PANIC, "shim: the free chunk count is wrong");
}

static uint64_t frame_alloc(void)
{
    if (free4k) {
        uint64_t f = free4k;
        free4k = *(uint64_t *)phys_to_virt(f);
        nfree4k--;
        memset(phys_to_virt(f), 0, PAGE_SIZE);
        return f;
    }
    if (fresh_lo >= fresh_hi && nfree2m) {
        /* Break a (zeroed) chunk into fresh frames. */
        uint64_t c = free2m_take();
        fresh_lo = c;
        fresh_hi = c + HUGE_SIZE;
    }
    if (fresh_lo < fresh_hi) {
        uint64_t f = fresh_lo;
        fresh_lo += PAGE_SIZE;
        return fresh(f, 1);
    }
    return 0;
}

static uint64_t chunk_alloc(void)
{
    if (nfree2m)
        return free2m_take();
    if (fresh_hi >= fresh_lo + HUGE_SIZE && (fresh_hi & (HUGE_SIZE - 1)) == 0) {
        fresh_hi -= HUGE_SIZE;
        return fresh(fresh_hi, HUGE_SIZE / PAGE_SIZE);
    }
    return 0;
}

static void frame_free(uint64_t f)
{
    *(uint64_t *)phys_to_virt(f) = free4k;
    free4k = f;
    nfree4k++;
}

static void chunk_free(uint64_t c)
{
    if (disc_end != c || disc_end == disc_start) {
        discard_flush();
        disc_start = c;
    }
    disc_end = c + HUGE_SIZE;
    uint64_t i = c / HUGE_SIZE;
    free2m_bits[i / 64] |= 1ull << (i % 64);
    nfree2m++;
}

uint64_t mm_free_bytes(void)
{
    return (fresh_hi - fresh_lo) + nfree4k * PAGE_SIZE + nfree2m * HUGE_SIZE;
}

uint64_t mm_total_bytes(void)
{
    return mem_size;
}

uint64_t mm_carve(uint64_t npages)
{
    if (npages > (fresh_hi - fresh_lo) / PAGE_SIZE)
        return 0;
    uint64_t gpa = fresh_lo;
    fresh_lo += npages * PAGE_SIZE;
    return gpa;
}

/* ---- page tables (user half only: 4-level, no 1 GiB pages) ---- */

#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 511)

static uint64_t *table_of(uint64_t entry)
{
    return phys_to_virt(entry & addr_mask);
}

static int is_huge(uint64_t pde)
{
    return (pde & PTE_PS) && (pde & (PTE_P | PTE_BACKED));
}

static uint64_t *next_table(uint64_t *entry, int alloc)
{
    if (!(*entry & PTE_P)) {
        if (!alloc)
            return 0;
        uint64_t f = frame_alloc();
        if (!f)
            out_of_memory();
        *entry = pt_private(f, TABLE_FLAGS, pte_enc);
    }
    return table_of(*entry);
}

static uint64_t *pde_of(uint64_t va, int alloc)
{
    uint64_t *t = phys_to_virt(pml4);
    if (!(t = next_table(&t[IDX(va, 3)], alloc)) || !(t = next_table(&t[IDX(va, 2)], alloc)))
        return 0;
    return &t[IDX(va, 1)];
}

/* A user leaf's flags; the encryption bit too (for PROT_NONE it travels
 * with the kept frame). */
static uint64_t leaf_flags(uint32_t prot)
{
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return PTE_BACKED | pte_enc; /* PROT_NONE: keep the frame, not present */
    uint64_t f = PTE_P | PTE_U | PTE_BACKED | pte_enc;
    if (prot & PROT_WRITE)
        f |= PTE_W;
    if (!(prot & PROT_EXEC))
        f |= PTE_NX;
    return f;
}

/* TLB invalidation, batched: a few invlpg, or a CR3 reload for many. */
static uint64_t tlb_va[16];
static unsigned tlb_n;
static int tlb_all;

static void tlb_note(uint64_t va)
{
    if (tlb_n < 16)
        tlb_va[tlb_n++] = va;
    else
        tlb_all = 1;
}

static void tlb_commit(void)
{
    if (tlb_all)
        write_cr3(read_cr3());
    else
        for (unsigned i = 0; i < tlb_n; i++)
            invlpg(tlb_va[i]);
    tlb_n = 0;
    tlb_all = 0;
}

/* Replaces a huge-page entry by a table of 512 small entries over the same
 * chunk, so that part of it can change. */
static void split(uint64_t *pde, uint64_t va)
{
    uint64_t e = *pde, base = e & addr_mask & ~(HUGE_SIZE - 1);
    uint64_t flags = e & (PTE_P | PTE_W | PTE_U | PTE_NX | PTE_BACKED);
    uint64_t t = frame_alloc();
    if (!t)
        out_of_memory();
    uint64_t *pt = phys_to_virt(t);
    for (unsigned i = 0; i < 512; i++)
        pt[i] = pt_private(base + i * PAGE_SIZE, flags, pte_enc);
    *pde = pt_private(t, TABLE_FLAGS, pte_enc);
    tlb_note(va & ~(HUGE_SIZE - 1));
}

static uint64_t *pte_of(uint64_t va, int alloc)
{
    uint64_t *pde = pde_of(va, alloc);
    if (!pde)
        return 0;
    if (!*pde) {
        if (!alloc)
            return 0;
        uint64_t f = frame_alloc();
        if (!f)
            out_of_memory();
        *pde = pt_private(f, TABLE_FLAGS, pte_enc);
    } else if (is_huge(*pde)) {
        split(pde, va);
    }
    return &table_of(*pde)[IDX(va, 0)];
}

static uint64_t next_2m(uint64_t va)
{
    return (va + HUGE_SIZE) & ~(HUGE_SIZE - 1);
}

/* Frees every page backing [s, e). */
static void unmap_range(uint64_t s, uint64_t e)
{
    for (uint64_t va = s; va < e;) {
        uint64_t *pde = pde_of(va, 0), end = next_2m(va) < e ? next_2m(va) : e;
        if (!pde || !*pde) {
            va = end;
            continue;
        }
        if (is_huge(*pde)) {
            uint64_t base = va & ~(HUGE_SIZE - 1);
            if (base == va && end == base + HUGE_SIZE) {
                chunk_free(*pde & addr_mask & ~(HUGE_SIZE - 1));
                *pde = 0;
                tlb_note(base);
                va = end;
                continue;
            }
            split(pde, va);
        }
        uint64_t *pt = table_of(*pde);
        for (; va < end; va += PAGE_SIZE) {
            uint64_t *pte = &pt[IDX(va, 0)];
            if (*pte & PTE_BACKED)
                frame_free(*pte & addr_mask);
            if (*pte) {
                *pte = 0;
                tlb_note(va);
            }
        }
    }
    tlb_commit();
    discard_flush();
}

/* Applies `prot` to every page already backing [s, e). */
static void protect_range(uint64_t s, uint64_t e, uint32_t prot)
{
    for (uint64_t va = s; va < e;) {
        uint64_t *pde = pde_of(va, 0), end = next_2m(va) < e ? next_2m(va) : e;
        if (!pde || !*pde) {
            va = end;
            continue;
        }
        if (is_huge(*pde)) {
            uint64_t base = va & ~(HUGE_SIZE - 1);
            if (base == va && end == base + HUGE_SIZE) {
                *pde = (*pde & addr_mask) | PTE_PS | leaf_flags(prot);
                tlb_note(base);
                va = end;
                continue;
            }
            split(pde, va);
        }
        uint64_t *pt = table_of(*pde);
        for (; va < end; va += PAGE_SIZE) {
            uint64_t *pte = &pt[IDX(va, 0)];
            if (*pte & PTE_BACKED) {
                *pte = (*pte & addr_mask) | leaf_flags(prot);
                tlb_note(va);
            }
        }
    }
    tlb_commit();
}

/* Moves the pages backing [src, src+len) to [dst, dst+len) (unmapped). */
static void move_range(uint64_t src, uint64_t dst, uint64_t len)
{
    for (uint64_t off = 0; off < len;) {
        uint64_t va = src + off, *pde = pde_of(va, 0);
        if (!pde || !*pde) {
            off = next_2m(va) - src;
            continue;
        }
        if (is_huge(*pde)) {
            if ((va & (HUGE_SIZE - 1)) == 0 && len - off >= HUGE_SIZE &&
                ((dst + off) & (HUGE_SIZE - 1)) == 0) {
                uint64_t *dpde = pde_of(dst + off, 1);
                *dpde = *pde;
                *pde = 0;
                tlb_note(va);
                off += HUGE_SIZE;
                continue;
            }
            split(pde, va);
        }
        uint64_t *pte = &table_of(*pde)[IDX(va, 0)];
        if (*pte) {
            uint64_t moved = *pte;
            *pte = 0;
            *pte_of(dst + off, 1) = moved;
            tlb_note(va);
        }
        off += PAGE_SIZE;
    }
    tlb_commit();
}

static int populate(uint64_t va, const struct vma *v)
{
    uint64_t *pde = pde_of(va, 1), base = va & ~(HUGE_SIZE - 1);
    if (*pde == 0 && v->start <= base && base + HUGE_SIZE <= v->end) {
        uint64_t c = chunk_alloc();
        if (c) {
            *pde = c | PTE_PS | leaf_flags(v->prot);
            return 0;
        }
    }
    if (is_huge(*pde))
        return -1;
    uint64_t *pte = pte_of(va, 1);
    if (*pte & PTE_BACKED)
        return -1;
    uint64_t f = frame_alloc();
    if (!f)
        out_of_memory();
    *pte = f | leaf_flags(v->prot);
    return 0;
}

/* ---- the list of mappings (sorted, non-overlapping) ---- */

/* Index of the first mapping that ends above addr. */
static uint32_t vma_index(uint64_t addr)
{
    uint32_t lo = 0, hi = nvmas;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (vmas[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct vma *vma_find(uint64_t addr)
{
    uint32_t i = vma_index(addr);
    return i < nvmas && vmas[i].start <= addr ? &vmas[i] : 0;
}

static int range_free(uint64_t s, uint64_t e)
{
    uint32_t i = vma_index(s);
    return i >= nvmas || vmas[i].start >= e;
}

static void vma_insert_at(uint32_t i, struct vma v)
{
    memmove(&vmas[i + 1], &vmas[i], (nvmas - i) * sizeof v);
    vmas[i] = v;
    nvmas++;
}

static void vma_remove_at(uint32_t i)
{
    memmove(&vmas[i], &vmas[i + 1], (nvmas - i - 1) * sizeof vmas[0]);
    nvmas--;
}

static int mergeable(const struct vma *a, const struct vma *b)
{
    return a->end == b->start && a->prot == b->prot && a->kind == b->kind;
}

static void vma_merge_at(uint32_t i)
{
    if (i + 1 < nvmas && mergeable(&vmas[i], &vmas[i + 1])) {
        vmas[i].end = vmas[i + 1].end;
        vma_remove_at(i + 1);
    }
    if (i > 0 && i < nvmas && mergeable(&vmas[i - 1], &vmas[i])) {
        vmas[i - 1].end = vmas[i].end;
        vma_remove_at(i);
    }
}

/* Ensures no mapping straddles `at`. */
static void vma_split(uint64_t at)
{
    uint32_t i = vma_index(at);
    if (i < nvmas && vmas[i].start < at) {
        struct vma hi = vmas[i];
        hi.start = at;
        vmas[i].end = at;
        vma_insert_at(i + 1, hi);
    }
}

static int vma_room(uint32_t n)
{
    return nvmas + n <= MAX_VMAS;
}

static void vma_clear(uint64_t s, uint64_t e)
{
    vma_split(s);
    vma_split(e);
    uint32_t i = vma_index(s);
    while (i < nvmas && vmas[i].start < e)
        vma_remove_at(i);
}

static void vma_add(uint64_t s, uint64_t e, uint32_t prot, uint32_t kind)
{
    uint32_t i = vma_index(s);
    vma_insert_at(i, (struct vma){s, e, prot, kind});
    vma_merge_at(i);
}

/* Highest free range of `len` bytes (aligned) below `top`. */
static uint64_t find_gap(uint64_t len, uint64_t top, uint64_t align)
{
    for (int64_t i = (int64_t)nvmas - 1; i >= -1; i--) {
        uint64_t floor = i >= 0 ? vmas[i].end : MMAP_MIN;
        if (i >= 0 && vmas[i].start >= top)
            continue;
        if (top > floor && top - floor >= len) {
            uint64_t start = (top - len) & ~(align - 1);
            if (start >= floor)
                return start;
        }
        if (i >= 0)
            top = vmas[i].start;
    }
    return 0;
}

int mm_user_ok(uint64_t p, uint64_t len, int write)
{
    if (len == 0)
        return 1;
    if (p >= KEEP_USER_END || len > KEEP_USER_END - p)
        return 0;
    uint64_t e = p + len;
    for (uint32_t i = vma_index(p); p < e; i++) {
        if (i >= nvmas || vmas[i].start > p || !(vmas[i].prot & PROT_READ) ||
            (write && !(vmas[i].prot & PROT_WRITE)))
            return 0;
        p = vmas[i].end;
    }
    return 1;
}

int mm_mapped(uint64_t addr)
{
    return addr < KEEP_USER_END && vma_find(addr) != 0;
}

int mm_fault(uint64_t addr, uint64_t error, int user)
{
    (void)user;
    if (addr >= KEEP_USER_END || (error & 1) || (error & 8))
        return -1; /* kernel address, protection violation, or reserved bit */
    const struct vma *v = vma_find(addr);
    if (!v || !v->prot)
        return -1;
    if (((error & 2) && !(v->prot & PROT_WRITE)) || ((error & 0x10) && !(v->prot & PROT_EXEC)))
        return -1;
    return populate(addr & ~(PAGE_SIZE - 1), v);
}

int mm_init(const struct keep_boot_info *bi)
{
    pte_enc = snp_pte_enc();
    addr_mask = PTE_ADDR & ~pte_enc;
    pml4 = read_cr3() & addr_mask;
    mem_size = bi->mem_size & ~(HUGE_SIZE - 1);
    if (mem_size / HUGE_SIZE > MAX_CHUNKS)
        return -1;
    fresh_lo = page_up(bi->phys_free);
    fresh_hi = mem_size;
    if (fresh_lo >= fresh_hi || bi->nregions > KEEP_MAX_REGIONS)
        return -1;
    for (uint32_t i = 0; i < bi->nregions; i++) {
        const struct keep_region *r = &bi->regions[i];
        if (r->start >= r->end || r->end > KEEP_USER_END || (r->start | r->end) & (PAGE_SIZE - 1) ||
            !range_free(r->start, r->end))
            return -1;
        vma_add(r->start, r->end, r->prot & 7, r->kind);
    }
    /* Randomise where the heap and the mappings start, from the CPU's
     * generator: the host does not learn the layout from its own setup. */
    uint64_t rnd = random_u64();
    brk_start = page_up(bi->brk_start) + (rnd & 0x1fff) * PAGE_SIZE;
    brk_cur = brk_start;
    mmap_top = KEEP_MMAP_TOP - ((rnd >> 16) & 0xfff) * HUGE_SIZE;
    return 0;
}

/* ---- the system calls ---- */

int64_t mm_brk(uint64_t addr)
{
    if (addr < brk_start || addr >= mmap_top)
        return (int64_t)brk_cur;
    uint64_t cur_end = page_up(brk_cur), new_end = page_up(addr);
    if (new_end > cur_end) {
        if (!range_free(cur_end, new_end) || !vma_room(1))
            return (int64_t)brk_cur;
        vma_add(cur_end, new_end, PROT_READ | PROT_WRITE, VMA_BRK);
    } else if (new_end < cur_end) {
        if (!vma_room(2))
            return (int64_t)brk_cur;
        unmap_range(new_end, cur_end);
        vma_clear(new_end, cur_end);
    }
    brk_cur = addr;
    return (int64_t)addr;
}

int64_t mm_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
    int type = flags & MAP_TYPE;
    if (len == 0 || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) ||
        (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE))
        return -EINVAL;
    if (!(flags & MAP_ANONYMOUS))
        return -ENODEV; /* no file mappings in a Keep */
    (void)fd;
    if (off & (PAGE_SIZE - 1))
        return -EINVAL;
    if (len > KEEP_USER_END)
        return -ENOMEM;
    len = page_up(len);
    if ((prot & PROT_WRITE) && len > mem_size)
        return -ENOMEM; /* could never be backed: refuse, as Linux's heuristic does */
    if (!vma_room(3))
        return -ENOMEM;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & (PAGE_SIZE - 1))
            return -EINVAL;
        if (addr < MMAP_MIN)
            return -EPERM;
        if (addr >= KEEP_USER_END || len > KEEP_USER_END - addr)
            return -ENOMEM;
        if (!(flags & MAP_FIXED) && !range_free(addr, addr + len))
            return -EEXIST;
        unmap_range(addr, addr + len);
        vma_clear(addr, addr + len);
    } else if (!addr || (addr & (PAGE_SIZE - 1)) || addr < MMAP_MIN || addr >= KEEP_USER_END ||
               len > KEEP_USER_END - addr || !range_free(addr, addr + len)) {
        uint64_t top = (flags & MAP_32BIT) ? 0x80000000ull : mmap_top;
        addr = find_gap(len, top, len >= HUGE_SIZE ? HUGE_SIZE : PAGE_SIZE);
        if (!addr)
            addr = find_gap(len, top, PAGE_SIZE);
        if (!addr)
            return -ENOMEM;
    }
    vma_add(addr, addr + len, (uint32_t)prot, VMA_ANON);
    return (int64_t)addr;
}

int64_t mm_munmap(uint64_t addr, uint64_t len)
{
    if ((addr & (PAGE_SIZE - 1)) || len == 0 || addr >= KEEP_USER_END || len > KEEP_USER_END - addr)
        return -EINVAL;
    uint64_t e = page_up(addr + len);
    if (!vma_room(2))
        return -ENOMEM;
    unmap_range(addr, e);
    vma_clear(addr, e);
    return 0;
}

int64_t mm_mprotect(uint64_t addr, uint64_t len, int prot)
{
    prot &= ~0x03000000; /* PROT_GROWSDOWN/UP: accepted, meaningless here */
    if ((addr & (PAGE_SIZE - 1)) || (prot & ~7))
        return -EINVAL;
    if (len == 0)
        return 0;
    if (addr >= KEEP_USER_END || len > KEEP_USER_END - addr)
        return -ENOMEM;
    uint64_t e = page_up(addr + len);
    /* The whole range must be mapped. */
    for (uint64_t p = addr; p < e;) {
        const struct vma *v = vma_find(p);
        if (!v)
            return -ENOMEM;
        p = v->end;
    }
    if (!vma_room(2))
        return -ENOMEM;
    vma_split(addr);
    vma_split(e);
    for (uint32_t i = vma_index(addr); i < nvmas && vmas[i].start < e; i++)
        vmas[i].prot = (uint32_t)prot;
    protect_range(addr, e, (uint32_t)prot);
    for (uint32_t i = vma_index(addr); i < nvmas && vmas[i].start <= e;) {
        uint32_t before = nvmas;
        vma_merge_at(i);
        if (nvmas == before)
            i++;
    }
    return 0;
}

int64_t mm_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr)
{
    if ((old & (PAGE_SIZE - 1)) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || new_len == 0 || old_len == 0)
        return -EINVAL;
    if (old_len > KEEP_USER_END || new_len > KEEP_USER_END)
        return -EINVAL;
    old_len = page_up(old_len);
    new_len = page_up(new_len);
    const struct vma *v = vma_find(old);
    if (!v || old_len > v->end - old)
        return -EFAULT;
    uint32_t prot = v->prot, kind = v->kind == VMA_BRK ? VMA_ANON : v->kind;
    if (!vma_room(4))
        return -ENOMEM;
    if (!(flags & MREMAP_FIXED)) {
        if (new_len <= old_len) {
            if (new_len < old_len) {
                unmap_range(old + new_len, old + old_len);
                vma_clear(old + new_len, old + old_len);
            }
            return (int64_t)old;
        }
        if (old + new_len <= KEEP_USER_END && range_free(old + old_len, old + new_len)) {
            vma_add(old + old_len, old + new_len, prot, v->kind);
            return (int64_t)old;
        }
        if (!(flags & MREMAP_MAYMOVE))
            return -ENOMEM;
    }
    if ((prot & PROT_WRITE) && new_len > mem_size)
        return -ENOMEM;
    uint64_t dst;
    if (flags & MREMAP_FIXED) {
        dst = new_addr;
        if ((dst & (PAGE_SIZE - 1)) || dst < MMAP_MIN || dst >= KEEP_USER_END ||
            new_len > KEEP_USER_END - dst || (dst < old + old_len && old < dst + new_len))
            return -EINVAL;
        unmap_range(dst, dst + new_len);
        vma_clear(dst, dst + new_len);
    } else {
        /* Keep the offset within 2 MiB, so huge pages move as they are. */
        dst = find_gap(new_len + HUGE_SIZE, mmap_top, HUGE_SIZE);
        if (dst)
            dst += old & (HUGE_SIZE - 1);
        else if (!(dst = find_gap(new_len, mmap_top, PAGE_SIZE)))
            return -ENOMEM;
    }
    uint64_t keep = old_len < new_len ? old_len : new_len;
    move_range(old, dst, keep);
    if (keep < old_len)
        unmap_range(old + keep, old + old_len);
    vma_clear(old, old + old_len);
    vma_add(dst, dst + new_len, prot, kind);
    return (int64_t)dst;
}

int64_t mm_madvise(uint64_t addr, uint64_t len, int advice)
{
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    /* Linux's advice values up to MADV_PAGEOUT, less the unused 5-7 and MADV_REMOVE
     * (which needs a shared file mapping). */
    if (advice < MADV_NORMAL || advice > MADV_PAGEOUT || (advice > MADV_DONTNEED && advice < MADV_FREE) ||
        advice == MADV_REMOVE)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (addr >= KEEP_USER_END || len > KEEP_USER_END - addr)
        return -ENOMEM;
    uint64_t e = page_up(addr + len);
    if (advice != MADV_DONTNEED && advice != MADV_FREE) /* the only ones that do anything here */
        return 0;
    for (uint64_t p = addr; p < e;) {
        const struct vma *v = vma_find(p);
        if (!v)
            return -ENOMEM;
        p = v->end;
    }
    unmap_range(addr, e); /* the mapping stays; its pages read as zero again */
    return 0;
}
