/* SHARED BY HOST AND KEEP: the SEV-SNP Keep's launch contract.
 *
 * Writer: the host — the SNP launcher (src/backend/sev) builds these pages
 * and gives them to the AMD secure processor with SNP_LAUNCH_UPDATE; the
 * offline calculator (src/snp, `enarx keep measure --backend sev`) hashes
 * the same pages. Reader: the SNP shim, which trusts a page here only
 * because the launch digest in its attestation report covers it (the CPUID
 * and secrets pages are checked or filled by the firmware instead).
 *
 * Self-contained (only <stdint.h>), no code; every layout is from AMD's
 * "SEV Secure Nested Paging Firmware ABI Specification" (pub. 56860) and
 * the AMD64 APM vol. 2 (the VMSA), cited per item. Versioned by
 * SNP_LAUNCH_INFO_VERSION in the launch-information page: a change to any
 * layout or GPA here needs a new version (shim and host come from one
 * build; the check guards against mixed build trees).
 *
 * How an SNP Keep starts (docs/keep.md, "The SEV-SNP Keep"):
 *   - The VMM builds the same image as for the KVM Keep (src/abi/kvm_boot.h:
 *     shim, page tables, the exec, its stack, boot information), except that
 *     every page-table entry that maps private memory, at every level, and
 *     CR3 carry the encryption bit (C-bit) at position
 *     snp_launch_info.c_bit.
 *   - It adds the pages below at fixed GPAs, and gives every page it filled
 *     to SNP_LAUNCH_UPDATE, in the order the launch-information page lists
 *     them. Those pages, and only those, are validated in the RMP when the
 *     shim starts; everything else in guest memory is private and NOT
 *     validated (the shim PVALIDATEs what it uses, once) — including the
 *     sallyport block (kvm boot information) and the GHCB page below, which
 *     the shim converts to shared itself.
 *   - The vCPU starts in 64-bit long mode at the shim's entry point with the
 *     register state listed under "VMSA" below (KVM turns the registers the
 *     VMM sets into the VMSA at SNP_LAUNCH_FINISH; the VMSA page is the
 *     last page measured).
 */
#ifndef ABI_SNP_LAUNCH_H
#define ABI_SNP_LAUNCH_H

#include <stdint.h>

/* ---- guest-physical addresses of the special pages ----------------------
 * Below the shim (KEEP_SHIM_PHYS, 1 MiB); the VMM's low page-table
 * allocator stops at SNP_KEEP_SPECIAL_BASE. */
#define SNP_KEEP_SPECIAL_BASE   0x000fc000ull
#define SNP_KEEP_LAUNCH_INFO_GPA 0x000fc000ull  /* struct snp_launch_info, NORMAL (measured) */
#define SNP_KEEP_CPUID_GPA      0x000fd000ull  /* struct snp_cpuid_page, CPUID (firmware-checked) */
#define SNP_KEEP_SECRETS_GPA    0x000fe000ull  /* struct snp_secrets_page, SECRETS (firmware-filled) */
#define SNP_KEEP_GHCB_GPA       0x000ff000ull  /* not launched: the shim makes it shared */

/* The VMSA's guest-physical address in PAGE_INFO: Linux KVM gives every VMSA
 * this RMP GPA (INITIAL_VMSA_GPA in arch/x86/kvm/svm/sev.c). */
#define SNP_VMSA_GPA            0x0000fffffffff000ull

/* ---- page types (SNP_LAUNCH_UPDATE.PAGE_TYPE, ABI "PAGE_INFO") ---------- */
enum snp_page_type {
    SNP_PAGE_NORMAL = 1,      /* contents measured */
    SNP_PAGE_VMSA = 2,        /* a vCPU's save area, contents measured */
    SNP_PAGE_ZERO = 3,        /* zero-filled by the firmware, measured as zero */
    SNP_PAGE_UNMEASURED = 4,  /* encrypted, contents not measured */
    SNP_PAGE_SECRETS = 5,     /* filled by the firmware (VMPCKs) */
    SNP_PAGE_CPUID = 6,       /* the hypervisor's CPUID table, checked by the firmware */
};

/* ---- PAGE_INFO: what the firmware hashes for every launched page --------
 * LD(0) = 48 zero bytes; LD(i+1) = SHA-384(PAGE_INFO(LD(i), page)), one
 * 4 KiB page at a time in command order; MEASUREMENT = the last LD. */
struct snp_page_info {
    uint8_t digest_cur[48];   /* 0x00: LD(i) */
    uint8_t contents[48];     /* 0x30: SHA-384 of the page (NORMAL, VMSA), else zero */
    uint16_t length;          /* 0x60: sizeof = 0x70 */
    uint8_t page_type;        /* 0x62: enum snp_page_type */
    uint8_t imi_page;         /* 0x63: bit 0; 0 for a launch */
    uint8_t vmpl3_perms;      /* 0x64: 0 (KVM passes 0) */
    uint8_t vmpl2_perms;      /* 0x65 */
    uint8_t vmpl1_perms;      /* 0x66 */
    uint8_t reserved;         /* 0x67 */
    uint64_t gpa;             /* 0x68: the page's GPA (SNP_VMSA_GPA for a VMSA) */
};
_Static_assert(sizeof(struct snp_page_info) == 0x70, "PAGE_INFO is 0x70 bytes");

/* ---- the guest policy (SNP_LAUNCH_START.POLICY, ABI "Guest Policy") ----- */
#define SNP_POLICY_ABI_MINOR_MASK  0xffull          /* minimum firmware ABI, minor */
#define SNP_POLICY_ABI_MAJOR_SHIFT 8                /* ... major, bits 15:8 */
#define SNP_POLICY_RESERVED_MBO    (1ull << 16)     /* must be one */
#define SNP_POLICY_SMT             (1ull << 17)     /* may run with SMT enabled */
#define SNP_POLICY_MIGRATE_MA      (1ull << 18)     /* a migration agent may be associated */
#define SNP_POLICY_DEBUG           (1ull << 19)     /* the host may decrypt and debug */
#define SNP_POLICY_SINGLE_SOCKET   (1ull << 20)     /* only on one socket */

/* The Keep's policy: firmware ABI 1.51 or later (what Linux's SNP host
 * support needs anyway), SMT allowed (a launch with it clear fails on every
 * host that has SMT on), no debugging, no migration agent. docs/keep.md
 * explains each bit. */
#define SNP_KEEP_POLICY \
    (SNP_POLICY_RESERVED_MBO | SNP_POLICY_SMT | (1ull << SNP_POLICY_ABI_MAJOR_SHIFT) | 51ull)

/* ---- the launch-information page (SNP_KEEP_LAUNCH_INFO_GPA) ------------
 * Written by the VMM, measured as a NORMAL page; tells the shim what the
 * launch validated, so that it never validates a page twice and knows
 * which C-bit its page tables use. The ranges are the SNP_LAUNCH_UPDATE
 * commands in order (this page itself included); nothing outside them is
 * validated at start. */
#define SNP_LAUNCH_INFO_MAGIC   0x4c504e53u     /* "SNPL" */
#define SNP_LAUNCH_INFO_VERSION 1u
#define SNP_LAUNCH_MAX_RANGES   64u

struct snp_launch_range {
    uint64_t gpa;             /* page aligned */
    uint64_t npages;
    uint32_t page_type;       /* enum snp_page_type */
    uint32_t reserved;        /* 0 */
};

struct snp_launch_info {
    uint32_t magic;           /* 0x00: SNP_LAUNCH_INFO_MAGIC */
    uint32_t version;         /* 0x04: SNP_LAUNCH_INFO_VERSION */
    uint32_t c_bit;           /* 0x08: encryption-bit position in PTEs and CR3 */
    uint32_t vcpus;           /* 0x0c: vCPUs launched (VMSAs measured) */
    uint64_t policy;          /* 0x10: the guest policy given to SNP_LAUNCH_START */
    uint64_t cpuid_gpa;       /* 0x18: SNP_KEEP_CPUID_GPA */
    uint64_t secrets_gpa;     /* 0x20: SNP_KEEP_SECRETS_GPA */
    uint64_t ghcb_gpa;        /* 0x28: SNP_KEEP_GHCB_GPA */
    uint32_t nranges;         /* 0x30 */
    uint32_t reserved;        /* 0x34: 0 */
    uint64_t reserved2[9];    /* 0x38: 0 */
    struct snp_launch_range ranges[SNP_LAUNCH_MAX_RANGES]; /* 0x80 */
};
_Static_assert(sizeof(struct snp_launch_info) == 0x80 + 24 * SNP_LAUNCH_MAX_RANGES,
               "launch information layout");
_Static_assert(sizeof(struct snp_launch_info) <= 4096, "launch information fits a page");

/* ---- the CPUID page (ABI "CPUID Reporting", SNP_KEEP_CPUID_GPA) ---------
 * The VMM fills it from KVM_GET_SUPPORTED_CPUID (standard and extended
 * ranges only, at most 64 functions); the firmware checks every entry and,
 * when one is not allowed, writes the corrected page back and refuses the
 * command — the VMM then retries once with the firmware's page. Not
 * measured: its contents are the firmware's to vouch for. */
#define SNP_CPUID_MAX_FUNCTIONS 64u

struct snp_cpuid_function {
    uint32_t eax_in;          /* leaf */
    uint32_t ecx_in;          /* subleaf (0 where the leaf has none) */
    uint64_t xcr0_in;         /* XCR0 the entry is for (leaf 0xD subleaves 0 and 1), else 0 */
    uint64_t xss_in;          /* IA32_XSS likewise */
    uint32_t eax, ebx, ecx, edx;
    uint64_t reserved;        /* 0 */
};
_Static_assert(sizeof(struct snp_cpuid_function) == 48, "CPUID function entry is 48 bytes");

struct snp_cpuid_page {
    uint32_t count;           /* entries in use, at most SNP_CPUID_MAX_FUNCTIONS */
    uint32_t reserved1;
    uint64_t reserved2;
    struct snp_cpuid_function fn[SNP_CPUID_MAX_FUNCTIONS];
};
_Static_assert(sizeof(struct snp_cpuid_page) == 16 + 48 * SNP_CPUID_MAX_FUNCTIONS, "CPUID page layout");

/* ---- the secrets page (ABI "Secrets Page Format", SNP_KEEP_SECRETS_GPA) --
 * Filled by the firmware at launch; the VMM gives a zero page. */
struct snp_secrets_page {
    uint32_t version;         /* 0x000 */
    uint32_t imi_en;          /* 0x004: bit 0 */
    uint32_t fms;             /* 0x008: family, model, stepping */
    uint32_t reserved1;       /* 0x00c */
    uint8_t gosvw[16];        /* 0x010 */
    uint8_t vmpck0[32];       /* 0x020: the key the VMPL-0 shim protects guest messages with */
    uint8_t vmpck1[32];       /* 0x040 */
    uint8_t vmpck2[32];       /* 0x060 */
    uint8_t vmpck3[32];       /* 0x080 */
    uint8_t os_area[96];      /* 0x0a0: for the guest's own use */
    uint8_t vmsa_tweak_bitmap[64]; /* 0x100 */
    uint8_t reserved2[32];    /* 0x140 */
    uint32_t tsc_factor;      /* 0x160 */
    uint8_t reserved3[3740];  /* 0x164 */
};
_Static_assert(sizeof(struct snp_secrets_page) == 4096, "the secrets page is one page");

/* ---- the VMSA (APM vol. 2, "VMSA Layout, State Save Area for SEV-ES") ---
 * Byte offsets of the fields the Keep's launch sets; everything else is 0.
 * Segment registers are {u16 selector, u16 attrib, u32 limit, u64 base};
 * attrib = type | S << 4 | DPL << 5 | P << 7 | AVL << 8 | L << 9 | DB << 10
 * | G << 11 (KVM's translation of the kvm_segment the VMM sets). */
#define SNP_VMSA_ES        0x000u
#define SNP_VMSA_CS        0x010u
#define SNP_VMSA_SS        0x020u
#define SNP_VMSA_DS        0x030u
#define SNP_VMSA_FS        0x040u
#define SNP_VMSA_GS        0x050u
#define SNP_VMSA_GDTR      0x060u
#define SNP_VMSA_LDTR      0x070u
#define SNP_VMSA_IDTR      0x080u
#define SNP_VMSA_TR        0x090u
#define SNP_VMSA_CPL       0x0cbu   /* u8: SS.DPL */
#define SNP_VMSA_EFER      0x0d0u
#define SNP_VMSA_CR4       0x148u
#define SNP_VMSA_CR3       0x150u
#define SNP_VMSA_CR0       0x158u
#define SNP_VMSA_DR7       0x160u
#define SNP_VMSA_DR6       0x168u
#define SNP_VMSA_RFLAGS    0x170u
#define SNP_VMSA_RIP       0x178u
#define SNP_VMSA_RSP       0x1d8u
#define SNP_VMSA_RAX       0x1f8u
#define SNP_VMSA_STAR      0x200u
#define SNP_VMSA_LSTAR     0x208u
#define SNP_VMSA_CSTAR     0x210u
#define SNP_VMSA_SFMASK    0x218u
#define SNP_VMSA_KERNEL_GS_BASE 0x220u
#define SNP_VMSA_G_PAT     0x268u
#define SNP_VMSA_RCX       0x308u
#define SNP_VMSA_RDX       0x310u
#define SNP_VMSA_RBX       0x318u
#define SNP_VMSA_RBP       0x328u
#define SNP_VMSA_RSI       0x330u
#define SNP_VMSA_RDI       0x338u
#define SNP_VMSA_R8        0x340u   /* R8..R15 every 8 bytes up to 0x378 */
#define SNP_VMSA_SEV_FEATURES 0x3b0u
#define SNP_VMSA_XCR0      0x3e8u
#define SNP_VMSA_MXCSR     0x408u   /* u32 */
#define SNP_VMSA_X87_FCW   0x410u   /* u16 */

/* The Keep's entry state, as the VMSA holds it (the BSP; the Keep has one
 * vCPU). Values not listed are 0.
 *   CS   KEEP_KERNEL_CS, 64-bit code, attrib 0xa9b, limit 0xffffffff
 *   DS ES FS SS  KEEP_KERNEL_DS, attrib 0xc93, limit 0xffffffff
 *   GS   like DS, base = shim_header.percpu
 *   TR   KEEP_TSS_SEL, attrib 0x8b (busy 64-bit TSS), limit 103, base = shim_header.tss
 *   LDTR attrib 0x82 (present, LDT), limit 0xffff   (KVM's reset value; the VMM keeps it)
 *   GDTR base = shim_header.gdt, limit KEEP_GDT_ENTRIES * 8 - 1;
 *   IDTR base = shim_header.idt, limit 256 * 16 - 1
 *   CR0  PG WP NE ET MP PE (0x80050033); CR3 = PML4 GPA | C-bit
 *   CR4  SNP_KEEP_CR4 (fixed: the same on every SNP host, so the digest is too)
 *   EFER SCE LME LMA NXE | SVME (KVM adds SVME) = 0x1d01
 *   RIP  shim_header.entry, RSP shim_header.stack_top, RDI shim_header.boot_info,
 *   RFLAGS 0x2
 *   STAR 0x0023001000000000, LSTAR shim_header.syscall_entry, SFMASK 0x44700
 *   DR6 0xffff0ff0, DR7 0x400, G_PAT 0x0007040600070406 (KVM's reset values)
 *   XCR0 1 (x87 only: the shim may enable more with XSETBV, from the CPUID page)
 *   MXCSR 0x1f80, X87_FCW 0x37f (KVM_SEV_INIT2 copies the vCPU's reset FPU state)
 *   SEV_FEATURES SNP_KEEP_SEV_FEATURES */
#define SNP_KEEP_CR0 0x80050033ull
/* PAE PGE OSFXSR OSXMMEXCPT OSXSAVE SMEP, and MCE: KVM ORs the host's MCE
 * bit into the VMSA's CR4, so the VMM sets it itself. */
#define SNP_KEEP_CR4 (0x20ull | 0x80ull | 0x200ull | 0x400ull | (1ull << 18) | (1ull << 20) | 0x40ull)
#define SNP_KEEP_EFER 0x1d01ull
#define SNP_KEEP_SEV_FEATURES 0x1ull   /* SNPActive only: no debug swap, no restricted injection */

#endif
