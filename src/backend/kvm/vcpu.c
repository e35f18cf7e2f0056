/* The vCPU state the shim is entered in, for the KVM and SEV-SNP Keeps
 * alike: the VMM puts the vCPU straight into 64-bit long mode (docs/keep.md,
 * "Boot"). Under SEV-SNP this state becomes the measured VMSA, so it is
 * built here from the shim's header alone — never from what KVM reports. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/kvm/vmm.h"

#define MSR_STAR           0xc0000081u
#define MSR_LSTAR          0xc0000082u
#define MSR_CSTAR          0xc0000083u
#define MSR_SFMASK         0xc0000084u
#define MSR_KERNEL_GS_BASE 0xc0000102u

static struct kvm_segment flat(uint16_t sel, uint8_t type, int code)
{
    struct kvm_segment s;
    memset(&s, 0, sizeof s);
    s.selector = sel;
    s.limit = 0xffffffff;
    s.type = type;
    s.present = 1;
    s.s = 1;
    s.g = 1;
    s.l = (uint8_t)(code ? 1 : 0);
    s.db = (uint8_t)(code ? 0 : 1);
    return s;
}

void keep_entry_state(const struct shim_header *h, uint64_t cr3, uint64_t cr4, struct keep_entry *e)
{
    memset(e, 0, sizeof *e);
    e->cs = flat(KEEP_KERNEL_CS, 11, 1);
    e->ds = e->es = e->fs = e->ss = e->gs = flat(KEEP_KERNEL_DS, 3, 0);
    e->gs.base = h->percpu; /* swapped into KERNEL_GS_BASE on the way to ring 3 */
    e->tr.selector = KEEP_TSS_SEL;
    e->tr.base = h->tss;
    e->tr.limit = 103;
    e->tr.type = 11; /* busy 64-bit TSS */
    e->tr.present = 1;
    /* No LDT: KVM's reset value, written out so the state is this file's. */
    e->ldt.limit = 0xffff;
    e->ldt.type = 2;
    e->ldt.present = 1;
    e->gdt.base = h->gdt;
    e->gdt.limit = KEEP_GDT_ENTRIES * 8 - 1;
    e->idt.base = h->idt;
    e->idt.limit = 256 * 16 - 1;
    e->cr0 = 0x80050033; /* PG WP NE ET MP PE */
    e->cr3 = cr3;
    e->cr4 = cr4;
    e->efer = 0x1 | 0x100 | 0x400 | 0x800; /* SCE LME LMA NXE */
    e->rip = h->entry;
    e->rsp = h->stack_top;
    e->rdi = h->boot_info;
    e->rflags = 2;
    e->msrs[0].index = MSR_STAR;
    e->msrs[0].data = 0x0023001000000000ull;
    e->msrs[1].index = MSR_LSTAR;
    e->msrs[1].data = h->syscall_entry;
    e->msrs[2].index = MSR_CSTAR;
    e->msrs[3].index = MSR_SFMASK;
    e->msrs[3].data = 0x44700; /* IF TF DF AC NT */
    e->msrs[4].index = MSR_KERNEL_GS_BASE;
}

int keep_entry_apply(const struct vmm_kernel *k, int vcpu, const struct keep_entry *e, char *err, size_t errlen)
{
    struct kvm_sregs sr;
    long r = k->ioctl(k->ctx, vcpu, KVM_GET_SREGS, &sr);
    if (r < 0) {
        snprintf(err, errlen, "KVM_GET_SREGS failed: %s", strerror((int)-r));
        return -1;
    }
    sr.cs = e->cs;
    sr.ds = e->ds;
    sr.es = e->es;
    sr.fs = e->fs;
    sr.gs = e->gs;
    sr.ss = e->ss;
    sr.tr = e->tr;
    sr.ldt = e->ldt;
    sr.gdt = e->gdt;
    sr.idt = e->idt;
    sr.cr0 = e->cr0;
    sr.cr2 = 0;
    sr.cr3 = e->cr3;
    sr.cr4 = e->cr4;
    sr.cr8 = 0;
    sr.efer = e->efer;
    if ((r = k->ioctl(k->ctx, vcpu, KVM_SET_SREGS, &sr)) < 0) {
        snprintf(err, errlen, "KVM_SET_SREGS (64-bit long mode) failed: %s", strerror((int)-r));
        return -1;
    }
    union { /* struct kvm_msrs ends in a flexible array: room for the entries */
        struct kvm_msrs hdr;
        uint8_t raw[sizeof(struct kvm_msrs) + KEEP_ENTRY_MSRS * sizeof(struct kvm_msr_entry)];
    } msrs;
    memset(&msrs, 0, sizeof msrs);
    msrs.hdr.nmsrs = KEEP_ENTRY_MSRS;
    for (int i = 0; i < KEEP_ENTRY_MSRS; i++) {
        msrs.hdr.entries[i].index = e->msrs[i].index;
        msrs.hdr.entries[i].data = e->msrs[i].data;
    }
    if ((r = k->ioctl(k->ctx, vcpu, KVM_SET_MSRS, &msrs)) != KEEP_ENTRY_MSRS) {
        snprintf(err, errlen, "KVM_SET_MSRS (system call MSRs) failed%s%s", r < 0 ? ": " : "",
                 r < 0 ? strerror((int)-r) : "");
        return -1;
    }
    struct kvm_regs regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = e->rip;
    regs.rsp = e->rsp;
    regs.rdi = e->rdi;
    regs.rflags = e->rflags;
    if ((r = k->ioctl(k->ctx, vcpu, KVM_SET_REGS, &regs)) < 0) {
        snprintf(err, errlen, "KVM_SET_REGS failed: %s", strerror((int)-r));
        return -1;
    }
    return 0;
}
