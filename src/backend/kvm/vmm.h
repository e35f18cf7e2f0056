/* The VMM parts the KVM Keep and the SEV-SNP Keep share: the ELF reader,
 * the guest image builder (the one place that decides what goes where in a
 * Keep's initial memory), the vCPU's entry state, and the kernel interface
 * (kernel.h). src/backend/kvm implements them; the SEV-SNP launcher
 * (src/backend/sev) builds on them rather than copying them. */
#ifndef BACKEND_KVM_VMM_H
#define BACKEND_KVM_VMM_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/kvm_boot.h"
#include "backend/kvm/kernel.h"
#include "backend/kvm/kvm.h"
#include "common/file.h"
#include "measure/measure.h"

#define KVM_PAGE 4096ull
#define KVM_HUGE (2ull << 20)

/* ---- elf.c: bounds-checked ELF64 reading ---- */
#define ELF_MAX_SEGS 16
struct elf_seg {
    uint64_t vaddr, paddr, offset, filesz, memsz;
    uint32_t flags; /* PF_X 1, PF_W 2, PF_R 4 */
};
struct elf_info {
    int type;       /* ET_EXEC or ET_DYN */
    uint64_t entry;
    uint64_t phoff;
    uint16_t phnum;
    uint64_t phdr_vaddr;   /* where the program headers are in memory (0 = not loaded) */
    int nsegs;
    struct elf_seg segs[ELF_MAX_SEGS];
};
/* what: "exec" or "shim", for messages. */
int elf_parse(const uint8_t *buf, size_t len, const char *what, struct elf_info *out, char *err,
              size_t errlen);

/* ---- image.c: the guest's memory at boot ----
 * Guest-physical layout: from 0x1000 the first page tables (below
 * low_limit); the shim at KEEP_SHIM_PHYS; the sallyport block from the next
 * 2 MiB; after it page tables, the exec's pages and its stack up to
 * boot->phys_free. Every page the builder fills is recorded, in order, in
 * *layout (measure/measure.h): the one description of the Keep's initial
 * memory that the kvm measurement, `enarx keep measure` and the SEV-SNP
 * launch all read. The sallyport block is shared with the host and not
 * part of it. */
struct keep_image {
    uint8_t *mem;             /* host view of guest RAM */
    uint64_t mem_size;
    /* Set by the caller before image_build: */
    uint64_t cbit;            /* SEV-SNP: the encryption bit, set in every table entry and CR3 (0: none) */
    uint64_t low_limit;       /* the first tables stay below this (0: KEEP_SHIM_PHYS) */
    struct keep_layout *layout; /* where every filled page is recorded (NULL: nowhere) */
    /* Results: */
    uint64_t next;            /* host bump allocator (GPA) */
    uint64_t limit;           /* it may not pass this */
    uint64_t pml4;            /* GPA */
    struct shim_header hdr;   /* copy of the shim's header */
    uint64_t shim_start, shim_end;   /* GPA range of the shim image */
    uint64_t sallyport_gpa, sallyport_data;
    struct keep_boot_info *boot;     /* inside guest RAM */
};

/* Builds the Keep's initial memory from the shim, the exec and opt — and
 * nothing else: nothing of the host (CPU features, fds' real kinds when
 * opt->fd_domain_set) reaches it, so the same inputs give the same pages on
 * any machine, and `enarx keep measure` can compute them offline. */
int image_build(struct keep_image *img, const uint8_t *shim, size_t shim_len,
                const uint8_t *exec, size_t exec_len, const struct kvm_keep_options *opt,
                char *err, size_t errlen);

/* The exec's bytes: opt->exec_image, or opt->exec_path read into *file (the
 * caller frees it). -1 with a message. */
int kvm_exec_bytes(const struct kvm_keep_options *opt, file_contents *file, const uint8_t **exec, size_t *len,
                   char *err, size_t errlen);

/* What an offline measurement builds the image in (measure.c): the
 * options resolved (fd_domain_set required: no fd is asked), the exec's
 * bytes, a reserved scratch mapping of the Keep's memory size. */
struct kvm_scratch {
    struct kvm_keep_options opt;
    file_contents file;
    const uint8_t *exec;
    size_t exec_len;
    uint8_t *mem;
};
int kvm_scratch_open(const struct kvm_keep_options *opt, struct kvm_scratch *s, char *err, size_t errlen);
void kvm_scratch_close(struct kvm_scratch *s);

/* ---- shim blob (shim_blob.S) ---- */
extern const uint8_t kvm_shim_image[];
extern const uint64_t kvm_shim_image_size;

/* ---- vcpu.c: the state the shim is entered in ----
 * 64-bit long mode at the shim's entry (docs/keep.md, "Boot"): the
 * segments, descriptor tables and control registers of KVM_SET_SREGS, the
 * registers of KVM_SET_REGS, the system-call MSRs of KVM_SET_MSRS. */
#define KEEP_ENTRY_MSRS 5
struct keep_entry {
    struct kvm_segment cs, ds, es, fs, gs, ss, tr, ldt;
    struct kvm_dtable gdt, idt;
    uint64_t cr0, cr3, cr4, efer;
    uint64_t rip, rsp, rdi, rflags;
    struct { uint32_t index; uint64_t data; } msrs[KEEP_ENTRY_MSRS];
};
/* cr3: the PML4's GPA with any bits the backend adds (SEV-SNP: the C-bit);
 * cr4: the backend's choice (it depends on what the vCPU offers). */
void keep_entry_state(const struct shim_header *h, uint64_t cr3, uint64_t cr4, struct keep_entry *out);
/* Sets e on the vCPU: KVM_GET_SREGS (for what e does not decide: APIC
 * base, pending interrupts), then KVM_SET_SREGS, KVM_SET_MSRS, KVM_SET_REGS.
 * -1 with a message naming the ioctl. */
int keep_entry_apply(const struct vmm_kernel *k, int vcpu_fd, const struct keep_entry *e, char *err,
                     size_t errlen);

/* ---- serve.c: a running Keep's sallyport and its own calls ----
 * The host side of the sallyport block (src/sallyport/host.c) with the
 * Keep's calls (exit, abort, log, discard, getatt), on the vCPU thread at each
 * doorbell exit or, exit-less, from a polling thread (docs/keep.md). */
#include <pthread.h>
#include <stdatomic.h>

#include "sallyport/host.h"

struct vmm_keep {
    const struct kvm_keep_options *opt;
    struct kvm_keep_stats *stats;
    struct sp_host host;
    uint8_t *block;           /* the sallyport block, in host memory */
    uint64_t data_size;
    /* SP_DISCARD: 2 MiB-aligned ranges from discard_floor up to mem_size
     * are given back with discard(ctx, gpa, len) (0 or -errno). */
    uint64_t discard_floor, mem_size;
    int (*discard)(void *ctx, uint64_t gpa, uint64_t len);
    void *discard_ctx;
    /* SP_GETATT (abi/evidence.h): the backend's answer to the evidence call,
     * the length written or -errno; NULL: -ENOSYS (the Keep serves it itself,
     * as SEV-SNP's shim does with its guest request). */
    int64_t (*getatt)(void *ctx, struct sp_host *h, const struct sp_call *c);
    void *getatt_ctx;
    /* Outcome: done 1 = the workload exited (status), 2 = the Keep stopped
     * itself (status, message in err). */
    int done, status;
    char *err;
    size_t errlen;
    /* Exit-less serving. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t poller;
    int poller_started;
    atomic_int stop_poller;
    atomic_int parked;
    uint64_t last_seq;
    int batch_error;
};

void vmm_keep_init(struct vmm_keep *v, const struct kvm_keep_options *opt, struct kvm_keep_stats *stats,
                   char *err, size_t errlen);
/* Gives the Keep duplicates of opt->fds and starts the exit-less thread
 * when opt->exitless. -1 with a message. */
int vmm_keep_start(struct vmm_keep *v, uint8_t *block, uint64_t data_size);
/* A doorbell exit: serves the batch the Keep published. 1 when the Keep
 * has ended, -1 on a protocol error (message in err), 0 to go on. */
int vmm_keep_doorbell(struct vmm_keep *v);
/* A KVM_EXIT_IO: the doorbell is served, any other port is refused. 1 to
 * go on, 0 when the workload exited, -1 otherwise (message in err). */
int vmm_keep_io_exit(struct vmm_keep *v, const struct kvm_run *run);
/* Stops the exit-less thread and closes the Keep's fds. */
void vmm_keep_stop(struct vmm_keep *v);
int vmm_keep_fail(struct vmm_keep *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The options with their defaults filled in, checked. -1 with a message. */
int kvm_resolve_options(const struct kvm_keep_options *in, struct kvm_keep_options *out, char *err,
                        size_t errlen);
double vmm_now_us(void);
#define SHIM_SPINS 20000        /* PAUSEs the shim spins before it exits instead (exit-less) */
#define KVM_EXEC_MAX_SIZE (512u << 20)  /* the largest exec read from a file */

#endif
