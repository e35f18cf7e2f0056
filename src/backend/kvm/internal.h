/* KVM backend internals shared by its files. */
#ifndef BACKEND_KVM_INTERNAL_H
#define BACKEND_KVM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "abi/kvm_boot.h"
#include "common/file.h"
#include "backend/kvm/kvm.h"
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

/* ---- image.c: the guest's memory at boot ---- */
struct keep_image {
    uint8_t *mem;             /* host view of guest RAM */
    uint64_t mem_size;
    uint64_t next;            /* host bump allocator (GPA) */
    uint64_t limit;           /* it may not pass this */
    uint64_t pml4;            /* GPA */
    struct shim_header hdr;   /* copy of the shim's header */
    uint64_t shim_start, shim_end;   /* GPA range of the shim image */
    uint64_t sallyport_gpa, sallyport_data;
    struct keep_boot_info *boot;     /* inside guest RAM */
    /* Where image_build records every page it fills, in order (measure.h):
     * the one description the measurement (at launch and offline) and an
     * SEV-SNP launch read. NULL: not recorded. */
    struct keep_layout *layout;
};

/* Spins of the shim waiting for an exit-less reply (boot information). */
#define SHIM_SPINS 20000

/* Builds the Keep's initial memory from the shim, the exec and opt — and
 * nothing else: nothing of the host (CPU features, fds' real kinds when
 * opt->fd_domain_set) reaches it, so the same inputs give the same pages on
 * any machine, and `enarx keep measure` can compute them offline. */
int image_build(struct keep_image *img, const uint8_t *shim, size_t shim_len,
                const uint8_t *exec, size_t exec_len, const struct kvm_keep_options *opt,
                char *err, size_t errlen);

/* ---- keep.c, measure.c ---- */
#define KVM_EXEC_MAX_SIZE (512u << 20)

/* The options with their defaults filled in, checked. -1 with a message. */
int kvm_resolve_options(const struct kvm_keep_options *in, struct kvm_keep_options *out, char *err,
                        size_t errlen);
/* The exec's bytes: opt->exec_image, or opt->exec_path read into *file (the
 * caller frees it). -1 with a message. */
int kvm_exec_bytes(const struct kvm_keep_options *opt, file_contents *file, const uint8_t **exec, size_t *len,
                   char *err, size_t errlen);

/* ---- shim blob (shim_blob.S) ---- */
extern const uint8_t kvm_shim_image[];
extern const uint64_t kvm_shim_image_size;

#endif
