/* KVM backend: builds the guest's memory before the first KVM_RUN — the
 * shim, the sallyport block, the page tables, the exec's segments, its
 * initial stack (argv, envp, auxv), the GDT/IDT/TSS and the boot
 * information. Under SEV-SNP exactly these pages are the measured launch
 * state (src/backend/sev), with the encryption bit img->cbit in every
 * page-table entry.
 *
 * Every page filled here is recorded, in order, in img->layout (measure.h):
 * that record is the one description of the Keep's initial memory that the
 * measurement at launch, `enarx keep measure` (the same code run into a
 * scratch mapping) and an SEV-SNP launch all read. The image depends only on
 * the shim, the exec and the options: no host CPU feature reaches it (the
 * direct map uses 2 MiB pages on every CPU; AT_HWCAP is 0 — programs ask
 * CPUID, as x86-64 glibc does), so the digest is the same on every machine.
 * The sallyport block is shared with the host and not part of it.
 *
 * Guest-physical layout:
 *   0x1000..            the first page tables (below img->low_limit)
 *   KEEP_SHIM_PHYS      the shim image (its PT_LOAD segments at p_paddr)
 *   next 2 MiB          the sallyport block (header page + data area)
 *   after it            page tables, the exec's pages, the stack's pages
 *   boot->phys_free..   free memory, managed by the shim
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "abi/sallyport.h"
#include "backend/kvm/internal.h"

#define FAIL(...)                                   \
    do {                                            \
        snprintf(err, errlen, __VA_ARGS__);         \
        return -1;                                  \
    } while (0)

/* Linux places static-PIE executables here; so do we. */
#define EXEC_DYN_BASE 0x555555554000ull
#define EXEC_MIN_ADDR 0x10000ull
/* Leave the shim at least this much memory of its own. */
#define SHIM_MIN_FREE (16ull << 20)

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static void *gpa_ptr(struct keep_image *img, uint64_t gpa)
{
    return img->mem + gpa;
}

/* Records n pages at gpa as filled by the loader (for the measurement). */
static int record(struct keep_image *img, uint64_t gpa, uint64_t n, const char *what)
{
    return !img->layout || keep_layout_add(img->layout, gpa, n, KEEP_PAGE_NORMAL, what) == 0 ? 0 : -1;
}

static uint64_t alloc_pages(struct keep_image *img, uint64_t n, const char *what)
{
    if (n > (img->limit - img->next) / KVM_PAGE)
        return 0;
    uint64_t p = img->next;
    if (record(img, p, n, what) < 0)
        return 0;
    img->next += n * KVM_PAGE;
    return p;
}

/* Returns the entry for `va` at `level` (0 = PT .. 3 = PML4), creating the
 * tables on the way. */
static uint64_t *walk(struct keep_image *img, uint64_t va, int level)
{
    uint64_t *t = gpa_ptr(img, img->pml4);
    for (int l = 3; l > level; l--) {
        uint64_t *e = &t[(va >> (12 + 9 * l)) & 511];
        if (!(*e & PTE_P)) {
            uint64_t page = alloc_pages(img, 1, "page tables");
            if (!page)
                return NULL;
            *e = page | PTE_P | PTE_W | (va < KEEP_USER_END ? PTE_U : 0) | img->cbit;
        }
        t = gpa_ptr(img, *e & PTE_ADDR & ~img->cbit);
    }
    return &t[(va >> (12 + 9 * level)) & 511];
}

static int map(struct keep_image *img, uint64_t va, uint64_t pa, uint64_t flags, int level)
{
    uint64_t *e = walk(img, va, level);
    if (!e)
        return -1;
    *e = pa | flags | (level > 0 ? PTE_PS : 0) | img->cbit;
    return 0;
}

/* 2 MiB pages on every CPU (1 GiB pages would make the image, and so the
 * measurement, depend on the host's CPU). */
static int map_direct(struct keep_image *img)
{
    uint64_t flags = PTE_P | PTE_W | PTE_G | PTE_NX;
    for (uint64_t pa = 0; pa < img->mem_size; pa += KVM_HUGE)
        if (map(img, KEEP_DIRECT_MAP + pa, pa, flags, 1) < 0)
            return -1;
    return 0;
}

static uint64_t elf_pte_flags(uint32_t pf)
{
    uint64_t f = PTE_P;
    if (pf & PF_W)
        f |= PTE_W;
    if (!(pf & PF_X))
        f |= PTE_NX;
    return f;
}

static int load_shim(struct keep_image *img, const uint8_t *shim, size_t len, char *err,
                     size_t errlen)
{
    struct elf_info si;
    if (elf_parse(shim, len, "shim", &si, err, errlen) < 0)
        return -1;
    if (si.type != ET_EXEC)
        FAIL("the shim is not a fixed-address executable");
    const struct elf_seg *first = &si.segs[0];
    img->shim_start = UINT64_MAX;
    img->shim_end = 0;
    for (int i = 0; i < si.nsegs; i++) {
        const struct elf_seg *s = &si.segs[i];
        if (s->paddr < KEEP_SHIM_PHYS || s->paddr + s->memsz > KEEP_SHIM_PHYS + (16ull << 20) ||
            s->vaddr != KEEP_SHIM_BASE + s->paddr || (s->vaddr & (KVM_PAGE - 1)))
            FAIL("the shim's segment %d is not where the KVM backend expects it", i);
        if (s->paddr < first->paddr)
            first = s;
        if (s->paddr < img->shim_start)
            img->shim_start = s->paddr;
        if (s->paddr + s->memsz > img->shim_end)
            img->shim_end = s->paddr + s->memsz;
    }
    if (first->filesz < sizeof img->hdr)
        FAIL("the shim has no header");
    memcpy(&img->hdr, shim + first->offset, sizeof img->hdr);
    const struct shim_header *h = &img->hdr;
    if (h->magic != SHIM_MAGIC || h->abi_version != SHIM_ABI_VERSION ||
        h->sallyport_version != SP_VERSION || h->header_size != sizeof *h)
        FAIL("the shim's header does not match this enarx (ABI %u, sallyport %u)", h->abi_version,
             h->sallyport_version);
    img->shim_end = align_up(img->shim_end, KVM_PAGE);
    if (img->shim_end > img->mem_size)
        FAIL("the Keep's memory is too small for the shim");
    for (int i = 0; i < si.nsegs; i++) {
        const struct elf_seg *s = &si.segs[i];
        uint64_t first_page = s->paddr & ~(KVM_PAGE - 1);
        if (record(img, first_page, (align_up(s->paddr + s->memsz, KVM_PAGE) - first_page) / KVM_PAGE, "shim") < 0)
            FAIL("the shim's segments overlap");
        memcpy(gpa_ptr(img, s->paddr), shim + s->offset, s->filesz);
        uint64_t flags = elf_pte_flags(s->flags) | PTE_G;
        for (uint64_t off = 0; off < s->memsz; off += KVM_PAGE)
            if (map(img, s->vaddr + off, s->paddr + off, flags, 0) < 0)
                FAIL("the Keep's memory is too small for its page tables");
    }
    return 0;
}

/* A shim address that must lie inside the loaded shim image. */
static void *shim_ptr(struct keep_image *img, uint64_t va, uint64_t len)
{
    uint64_t pa = va - KEEP_SHIM_BASE;
    if (va < KEEP_SHIM_BASE || pa < img->shim_start || pa > img->shim_end ||
        len > img->shim_end - pa)
        return NULL;
    return gpa_ptr(img, pa);
}

static uint32_t prot_of(uint32_t pf)
{
    return ((pf & PF_R) ? 1u : 0) | ((pf & PF_W) ? 2u : 0) | ((pf & PF_X) ? 4u : 0);
}

/* Adds a user region, merging with one that shares a page. */
static int add_region(struct keep_boot_info *b, uint64_t start, uint64_t end, uint32_t prot,
                      uint32_t kind)
{
    for (uint32_t i = 0; i < b->nregions; i++) {
        struct keep_region *r = &b->regions[i];
        if (start < r->end && r->start < end) {
            r->start = start < r->start ? start : r->start;
            r->end = end > r->end ? end : r->end;
            r->prot |= prot;
            return 0;
        }
    }
    if (b->nregions == KEEP_MAX_REGIONS)
        return -1;
    b->regions[b->nregions++] = (struct keep_region){start, end, prot, kind};
    return 0;
}

static int load_exec(struct keep_image *img, const struct elf_info *ei, const uint8_t *exec,
                     uint64_t bias, char *err, size_t errlen)
{
    struct keep_boot_info *b = img->boot;
    uint64_t brk = 0;
    for (int i = 0; i < ei->nsegs; i++) {
        const struct elf_seg *s = &ei->segs[i];
        uint64_t va = s->vaddr + bias, end = va + s->memsz;
        if (va < EXEC_MIN_ADDR || end > KEEP_MMAP_TOP - (16ull << 30) || end < va)
            FAIL("the exec's segment at %#llx..%#llx is outside the addresses a Keep allows",
                 (unsigned long long)va, (unsigned long long)end);
        uint64_t pstart = va & ~(KVM_PAGE - 1), fend = align_up(va + s->filesz, KVM_PAGE);
        uint64_t flags = elf_pte_flags(s->flags) | PTE_U | PTE_BACKED;
        for (uint64_t p = pstart; p < fend; p += KVM_PAGE) {
            uint64_t *pte = walk(img, p, 0);
            if (!pte)
                FAIL("the Keep's memory is too small for the exec");
            uint64_t frame;
            if (*pte & PTE_BACKED) { /* shared with the previous segment */
                frame = *pte & PTE_ADDR & ~img->cbit;
                uint64_t merged = (*pte | flags) & ~PTE_NX;
                if ((*pte & PTE_NX) && (flags & PTE_NX))
                    merged |= PTE_NX;
                *pte = merged;
            } else {
                if (!(frame = alloc_pages(img, 1, "exec")))
                    FAIL("the Keep's memory is too small for the exec (%zu KiB of segments)",
                         (size_t)(s->memsz >> 10));
                *pte = frame | flags | img->cbit;
            }
            /* The file bytes that fall in this page. */
            uint64_t lo = p > va ? p : va, hi = p + KVM_PAGE < va + s->filesz ? p + KVM_PAGE : va + s->filesz;
            if (hi > lo)
                memcpy(gpa_ptr(img, frame + (lo - p)), exec + s->offset + (lo - va), hi - lo);
        }
        if (add_region(b, pstart, align_up(end, KVM_PAGE), prot_of(s->flags), KEEP_REGION_EXEC) < 0)
            FAIL("the exec has too many segments");
        if (align_up(end, KVM_PAGE) > brk)
            brk = align_up(end, KVM_PAGE);
    }
    b->brk_start = brk;
    b->user_entry = ei->entry + bias;
    return 0;
}

/* Lays out argv, envp and auxv at the top of the stack, as Linux does. */
static int build_stack(struct keep_image *img, const struct elf_info *ei, uint64_t bias,
                       char *const *argv, char *const *envp, char *err, size_t errlen)
{
    struct keep_boot_info *b = img->boot;
    size_t argc = 0, envc = 0, strings = 16 + 16 + sizeof "x86_64";
    for (; argv && argv[argc]; argc++)
        strings += strlen(argv[argc]) + 1;
    for (; envp && envp[envc]; envc++)
        strings += strlen(envp[envc]) + 1;
    if (argc == 0)
        FAIL("the exec needs at least argv[0]");
    enum { NAUX = 19 };
    size_t words = 1 + argc + 1 + envc + 1 + (size_t)2 * NAUX;
    if (strings + words * 8 > (256u << 10))
        FAIL("the exec's arguments and environment are too large (%zu bytes; at most 256 KiB)",
             strings + words * 8);
    /* Linux's order, from the top: an 8-byte end marker, the file name,
     * the environment strings, the argument strings, the platform string,
     * the 16 AT_RANDOM bytes, then (16-byte aligned) argc, argv, envp, auxv. */
    uint64_t top = KEEP_STACK_TOP;
    size_t execfn_len = strlen(argv[0]) + 1;
    uint64_t execfn = top - 8 - execfn_len;
    uint64_t str = execfn;
    uint64_t sp = (str - strings - execfn_len - words * 8) & ~15ull;
    uint64_t low = sp & ~(KVM_PAGE - 1), npages = (top - low) / KVM_PAGE;
    uint64_t base = alloc_pages(img, npages, "stack");
    if (!base)
        FAIL("the Keep's memory is too small for the exec's stack");
    for (uint64_t i = 0; i < npages; i++)
        if (map(img, low + i * KVM_PAGE, base + i * KVM_PAGE,
                PTE_P | PTE_W | PTE_U | PTE_NX | PTE_BACKED, 0) < 0)
            FAIL("the Keep's memory is too small for its page tables");
    uint8_t *mem = gpa_ptr(img, base);
#define AT(va) (mem + ((va) - low))
    uint64_t *argvp = calloc(argc + envc + 1, sizeof *argvp);
    if (!argvp)
        FAIL("out of memory");
    uint64_t *envpp = argvp + argc;
    memcpy(AT(execfn), argv[0], execfn_len);
    for (size_t i = envc; i-- > 0;) {
        size_t n = strlen(envp[i]) + 1;
        str -= n;
        memcpy(AT(str), envp[i], n);
        envpp[i] = str;
    }
    for (size_t i = argc; i-- > 0;) {
        size_t n = strlen(argv[i]) + 1;
        str -= n;
        memcpy(AT(str), argv[i], n);
        argvp[i] = str;
    }
    str -= sizeof "x86_64";
    memcpy(AT(str), "x86_64", sizeof "x86_64");
    uint64_t platform = str;
    uint64_t at_random = (str - 16) & ~15ull;
    uint64_t *w = (uint64_t *)AT(sp);
    size_t k = 0;
    w[k++] = argc;
    for (size_t i = 0; i < argc; i++)
        w[k++] = argvp[i];
    w[k++] = 0;
    for (size_t i = 0; i < envc; i++)
        w[k++] = envpp[i];
    w[k++] = 0;
    const uint64_t aux[NAUX][2] = {
        {AT_PHDR, ei->phdr_vaddr ? ei->phdr_vaddr + bias : 0},
        {AT_PHENT, sizeof(Elf64_Phdr)},
        {AT_PHNUM, ei->phnum},
        {AT_PAGESZ, KVM_PAGE},
        {AT_BASE, 0},
        {AT_FLAGS, 0},
        {AT_ENTRY, ei->entry + bias},
        {AT_UID, 1000},
        {AT_EUID, 1000},
        {AT_GID, 1000},
        {AT_EGID, 1000},
        {AT_PLATFORM, platform},
        {AT_HWCAP, 0},
        {AT_CLKTCK, 100},
        {AT_SECURE, 0},
        {AT_RANDOM, at_random},
        {AT_HWCAP2, 0},
        {AT_EXECFN, execfn},
        {AT_NULL, 0},
    };
    for (size_t i = 0; i < NAUX; i++) {
        w[k++] = aux[i][0];
        w[k++] = aux[i][1];
    }
#undef AT
    free(argvp);
    b->user_rsp = sp;
    b->at_random = at_random;
    if (add_region(b, KEEP_STACK_TOP - KEEP_STACK_SIZE, KEEP_STACK_TOP, 3, KEEP_REGION_STACK) < 0)
        FAIL("too many regions");
    return 0;
}

static void idt_gate(uint8_t *e, uint64_t handler, int ist, int dpl)
{
    uint16_t lo = (uint16_t)handler, mid = (uint16_t)(handler >> 16), sel = KEEP_KERNEL_CS;
    uint32_t hi = (uint32_t)(handler >> 32), zero = 0;
    uint8_t type = (uint8_t)(0x8e | (dpl << 5)), istb = (uint8_t)ist;
    memcpy(e, &lo, 2);
    memcpy(e + 2, &sel, 2);
    memcpy(e + 4, &istb, 1);
    memcpy(e + 5, &type, 1);
    memcpy(e + 6, &mid, 2);
    memcpy(e + 8, &hi, 4);
    memcpy(e + 12, &zero, 4);
}

static int build_tables(struct keep_image *img, char *err, size_t errlen)
{
    const struct shim_header *h = &img->hdr;
    uint64_t *gdt = shim_ptr(img, h->gdt, (size_t)KEEP_GDT_ENTRIES * 8);
    uint8_t *idt = shim_ptr(img, h->idt, (size_t)256 * 16), *tss = shim_ptr(img, h->tss, 104);
    if (!gdt || !idt || !tss || !shim_ptr(img, h->boot_info, sizeof *img->boot))
        FAIL("the shim's header points outside the shim");
    memset(gdt, 0, (size_t)KEEP_GDT_ENTRIES * 8);
    gdt[KEEP_KERNEL_CS / 8] = 0x00af9b000000ffffull;  /* 64-bit code, DPL 0 */
    gdt[KEEP_KERNEL_DS / 8] = 0x00cf93000000ffffull;  /* data, DPL 0 */
    gdt[KEEP_USER32_CS / 8] = 0x00cffb000000ffffull;  /* 32-bit code, DPL 3 (SYSRET's base) */
    gdt[KEEP_USER_DS / 8] = 0x00cff3000000ffffull;    /* data, DPL 3 */
    gdt[KEEP_USER_CS / 8] = 0x00affb000000ffffull;    /* 64-bit code, DPL 3 */
    uint64_t t = h->tss;
    gdt[KEEP_TSS_SEL / 8] = 103 | ((t & 0xffffff) << 16) | (0x8bull << 40) | ((t >> 24 & 0xff) << 56);
    gdt[KEEP_TSS_SEL / 8 + 1] = t >> 32;
    memset(tss, 0, 104);
    memcpy(tss + 4, &h->stack_top, 8);   /* RSP0 */
    memcpy(tss + 36, &h->ist_top, 8);    /* IST1 */
    uint16_t iopb = 104;
    memcpy(tss + 102, &iopb, 2);
    memset(idt, 0, (size_t)256 * 16);
    for (int v = 0; v < 32; v++) {
        int ist = (v == 2 || v == 8 || v == 18) ? 1 : 0;
        idt_gate(idt + (size_t)v * 16, h->vectors[v], ist, v == 3 ? 3 : 0);
    }
    return 0;
}

int image_build(struct keep_image *img, const uint8_t *shim, size_t shim_len,
                const uint8_t *exec, size_t exec_len, const struct kvm_keep_options *opt,
                char *err, size_t errlen)
{
    struct elf_info ei;
    if (elf_parse(exec, exec_len, "exec", &ei, err, errlen) < 0)
        return -1;
    img->next = 0x1000;
    img->limit = img->low_limit ? img->low_limit : KEEP_SHIM_PHYS;
    img->pml4 = alloc_pages(img, 1, "page tables");
    if (!img->pml4)
        FAIL("cannot record the Keep's layout (out of memory)");
    if (load_shim(img, shim, shim_len, err, errlen) < 0)
        return -1;
    img->boot = shim_ptr(img, img->hdr.boot_info, sizeof *img->boot);
    if (!img->boot)
        FAIL("the shim's header points outside the shim");
    img->sallyport_gpa = align_up(img->shim_end, KVM_HUGE);
    img->sallyport_data = opt->sallyport_size;
    uint64_t after = align_up(img->sallyport_gpa + SP_HEADER_SIZE + img->sallyport_data, KVM_HUGE);
    if (after + SHIM_MIN_FREE > img->mem_size)
        FAIL("%llu MiB of memory is too little for a Keep (at least %llu MiB)",
             (unsigned long long)(img->mem_size >> 20),
             (unsigned long long)((after + SHIM_MIN_FREE + (32ull << 20)) >> 20));
    /* Low memory holds the first page tables; the rest (the direct map's:
     * one page per GiB of memory) go after the block. */
    img->next = after;
    img->limit = img->mem_size - SHIM_MIN_FREE;
    if (map_direct(img) < 0)
        FAIL("the page tables do not fit");

    struct keep_boot_info *b = img->boot;
    memset(b, 0, sizeof *b);
    uint64_t bias = ei.type == ET_DYN ? EXEC_DYN_BASE : 0;
    if (load_exec(img, &ei, exec, bias, err, errlen) < 0 ||
        build_stack(img, &ei, bias, opt->argv, opt->envp, err, errlen) < 0 ||
        build_tables(img, err, errlen) < 0)
        return -1;

    b->magic = SHIM_MAGIC;
    b->flags = opt->coalesce ? KEEP_FLAG_COALESCE : 0;
    b->mem_size = img->mem_size;
    b->phys_free = img->next;
    b->sallyport_gpa = img->sallyport_gpa;
    b->sallyport_data_size = img->sallyport_data;
    b->log_level = (uint32_t)opt->log_level;
    b->exitless_spins = opt->exitless ? SHIM_SPINS : 0;
    for (int fd = 0; fd < opt->nfds && fd < KEEP_MAX_BOOT_FDS; fd++) {
        if (opt->fds[fd] < 0)
            continue;
        int domain = opt->fd_domain_set ? opt->fd_domain[fd] : 0;
        socklen_t dl = sizeof domain;
        if (!opt->fd_domain_set && getsockopt(opt->fds[fd], SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0)
            domain = 0;
        b->fds[b->nfds] = fd;
        b->fd_domain[b->nfds] = (uint8_t)domain;
        b->nfds++;
    }
    return 0;
}
