/* SHARED BY HOST AND KEEP: the contract between the KVM VMM
 * (src/backend/kvm) and the KVM shim (src/shim/kvm): the memory layout, the
 * shim's header (what the VMM needs to know about the shim image) and the
 * boot information the VMM writes before the first KVM_RUN. Self-contained
 * (only <stdint.h>; assembler-safe outside the __ASSEMBLER__ guards, because
 * the shim's entry.S uses the layout); no code. Documented with the other
 * shared formats in docs/abi.md.
 *
 * Writers and readers: the shim's build writes struct shim_header (entry.S),
 * the VMM reads and checks it (src/backend/kvm/image.c) and then writes
 * struct keep_boot_info, the GDT, IDT and TSS where the header says; the shim
 * reads the boot information once at start (src/shim/kvm/main.c).
 *
 * The VMM puts the vCPU straight into 64-bit long mode (no firmware, no real
 * mode): it loads the shim and the exec, builds the page tables, GDT, IDT and
 * TSS, lays out the exec's initial stack, and starts the shim at its entry
 * point in ring 0 with RDI = the boot information's address. Everything the
 * VMM writes is initial state that SEV-SNP would measure.
 *
 * Versioning: SHIM_ABI_VERSION, in the shim's header; the VMM refuses a shim
 * of another version (or another SP_VERSION, abi/sallyport.h). Any change to
 * the structures or the layout below needs a new SHIM_ABI_VERSION.
 */
#ifndef ABI_KVM_BOOT_H
#define ABI_KVM_BOOT_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define SHIM_MAGIC       0x4d494853     /* "SHIM" */
#define SHIM_ABI_VERSION 1

/* Virtual layout (guest). */
#define KEEP_DIRECT_MAP  0xffff888000000000ull   /* guest-physical 0.. mapped here (NX) */
#define KEEP_SHIM_BASE   0xffffffff80000000ull   /* shim VA = KEEP_SHIM_BASE + GPA */
#define KEEP_USER_END    0x00007ffffffff000ull   /* user space: [0, KEEP_USER_END) */
#define KEEP_STACK_TOP   0x00007ffffffde000ull   /* top of the exec's stack */
#define KEEP_STACK_SIZE  (8ull << 20)            /* the stack's reservation */
#define KEEP_MMAP_TOP    0x00007ff000000000ull   /* anonymous mappings grow down from here */

/* Guest-physical layout: the shim is linked to run at GPA KEEP_SHIM_PHYS. */
#define KEEP_SHIM_PHYS   0x100000ull

/* Segment selectors (the GDT the VMM builds): Linux's layout, which PVM
 * requires, so that SYSCALL/SYSRET work with STAR = 0x0023_0010_0000_0000. */
#define KEEP_KERNEL_CS   0x10
#define KEEP_KERNEL_DS   0x18
#define KEEP_USER32_CS   0x23
#define KEEP_USER_DS     0x2b
#define KEEP_USER_CS     0x33
#define KEEP_TSS_SEL     0x40
#define KEEP_GDT_ENTRIES 10              /* null, -, kcs, kds, ucs32, uds, ucs, -, tss (2) */

#ifndef __ASSEMBLER__
/* The shim image starts with this header (section .shim_header at the first
 * byte of the first PT_LOAD segment). All addresses are shim virtual
 * addresses. */
struct shim_header {
    uint32_t magic;
    uint32_t abi_version;
    uint32_t sallyport_version;
    uint32_t header_size;
    uint64_t entry;              /* ring-0 entry: RDI = &boot_info */
    uint64_t syscall_entry;      /* MSR_LSTAR */
    uint64_t percpu;             /* MSR_KERNEL_GS_BASE */
    uint64_t boot_info;          /* struct keep_boot_info, filled by the VMM */
    uint64_t gdt;                /* KEEP_GDT_ENTRIES * 8 bytes, filled by the VMM */
    uint64_t idt;                /* 256 * 16 bytes, filled by the VMM */
    uint64_t tss;                /* 104 bytes, filled by the VMM */
    uint64_t stack_top;          /* ring-0 stack (TSS.RSP0, initial RSP) */
    uint64_t ist_top;            /* IST1: double fault, NMI, machine check */
    uint64_t vectors[32];        /* exception entry points, vectors 0..31 */
};

/* A user-space region the VMM set up: the exec's segments and the stack.
 * Pages the VMM mapped are present; the rest of the region is demand-zero. */
struct keep_region {
    uint64_t start, end;         /* page aligned */
    uint32_t prot;               /* PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4 */
    uint32_t kind;               /* KEEP_REGION_* */
};
enum { KEEP_REGION_EXEC = 1, KEEP_REGION_STACK = 2 };

#define KEEP_MAX_REGIONS 16
#define KEEP_MAX_BOOT_FDS 16

enum {
    KEEP_FLAG_COALESCE = 1,      /* coalesce small writes (see docs/sallyport.md) */
};

struct keep_boot_info {
    uint32_t magic;              /* SHIM_MAGIC */
    uint32_t flags;
    uint64_t mem_size;           /* guest RAM: GPA [0, mem_size) */
    uint64_t phys_free;          /* GPAs at and above this are free (and zero) */
    uint64_t sallyport_gpa;      /* the block: SP_HEADER_SIZE + data size bytes */
    uint64_t sallyport_data_size;
    uint64_t user_entry;
    uint64_t user_rsp;
    uint64_t at_random;          /* user VA of the 16 AT_RANDOM bytes (the shim fills them) */
    uint64_t brk_start;          /* page-aligned end of the exec's image */
    uint64_t exitless_spins;     /* spin this many times for a reply before exiting; 0 = always exit */
    uint32_t log_level;          /* enum enarx_log_level (abi/log_level.h) */
    uint32_t nregions;
    struct keep_region regions[KEEP_MAX_REGIONS];
    uint32_t nfds;
    int32_t fds[KEEP_MAX_BOOT_FDS];        /* Keep fds open at start */
    uint8_t fd_domain[KEEP_MAX_BOOT_FDS];  /* their socket domain, 0 = not a socket */
};

_Static_assert(sizeof(struct shim_header) == 344, "shim_header is 344 bytes on both sides");
_Static_assert(sizeof(struct keep_boot_info) == 560, "keep_boot_info is 560 bytes on both sides");

#endif /* __ASSEMBLER__ */

/* Page-table entry bits the shim and VMM share. */
#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_BACKED (1ull << 9)   /* software bit: the entry owns a frame (even when not present) */
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#endif
