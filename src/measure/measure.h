/* Keep measurements: what a Keep is at launch, as a digest a tenant can
 * compute offline (`enarx keep measure`) and compare with what the Keep's
 * evidence says.
 *
 *   nil  SHA-384 of the exec binary (the nil backend runs it as a process).
 *   kvm  SHA-384 chain over exactly the guest pages the VMM fills before the
 *        first instruction (shim, page tables, sallyport header, the exec's
 *        pages, its initial stack, the boot information, GDT/IDT/TSS), in
 *        the order of the layout description below.
 *   sev  the SEV-SNP launch digest (the PAGE_INFO chain the secure processor
 *        computes, VMSA included) of the same image with the SNP Keep's own
 *        pages added to the same description (src/backend/sev).
 *
 * The layout description. The VMM's loader (src/backend/kvm/image.c) is the
 * ONE place that decides what goes where; while it builds the image it
 * records every page run it fills in a keep_layout (GPA, count, page type,
 * what). Everything downstream reads that record and the built memory:
 *   - the VMM, at launch, hashes it (measure_layout_sha384) and claims the
 *     result (kvm_keep_result.measurement);
 *   - `enarx keep measure --backend kvm` runs the same loader into a scratch
 *     mapping (no KVM needed) and hashes it the same way
 *     (kvm_keep_measure, src/backend/kvm/kvm.h);
 *   - an SEV-SNP launcher walks the same runs in the same order, issuing
 *     SNP_LAUNCH_UPDATE with each run's page type (the types below carry
 *     the SNP PAGE_TYPE numbers), and its offline calculator chains
 *     PAGE_INFO over the same runs and contents.
 * So the launch and the offline digest cannot drift: there is no second
 * description to keep in step.
 *
 * The kvm digest, precisely (all integers little-endian):
 *   d = 48 zero bytes
 *   for each run, for each of its pages p at gpa g (in run order):
 *       d = SHA-384( d || "ENARXKVM" || g:u64 || type:u8 || SHA-384(content of p) )
 *   (a ZERO page's content is 4096 zero bytes; UNMEASURED pages are skipped)
 *   measurement = d
 * It mirrors the SNP launch digest's chaining without claiming to be one:
 * plain KVM has no hardware to attest it, so it is only ever "what the host
 * claims" (an UNATTESTED document, abi/evidence.h). */
#ifndef MEASURE_MEASURE_H
#define MEASURE_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#define MEASURE_PAGE 4096u
#define MEASURE_SHA384_LEN 48u

/* Page types: the values are SNP_LAUNCH_UPDATE's PAGE_TYPE (SEV-SNP firmware
 * ABI, and Linux's KVM_SEV_SNP_PAGE_TYPE_*), so that an SNP launcher can
 * pass them through. The kvm Keep uses NORMAL only (today). */
enum keep_page_type {
    KEEP_PAGE_NORMAL = 1,      /* contents measured */
    KEEP_PAGE_VMSA = 2,        /* SNP: a vCPU's save area */
    KEEP_PAGE_ZERO = 3,        /* measured as zero */
    KEEP_PAGE_UNMEASURED = 4,  /* present, not measured */
    KEEP_PAGE_SECRETS = 5,     /* SNP: filled by the firmware */
    KEEP_PAGE_CPUID = 6,       /* SNP: CPUID table, checked by the firmware */
};

struct keep_layout_run {
    uint64_t gpa;              /* page aligned */
    uint64_t npages;
    uint8_t type;              /* enum keep_page_type */
    const char *what;          /* a static string: "shim", "page tables", "exec", ... */
};

/* The runs in launch order. GPA ranges never overlap. */
struct keep_layout {
    struct keep_layout_run *runs;
    size_t nruns, cap;
    uint64_t pages;            /* total pages over all runs */
};

void keep_layout_init(struct keep_layout *l);
void keep_layout_free(struct keep_layout *l);
/* Appends npages pages at gpa. A run that continues the last one (same
 * type and what, adjacent GPA) extends it. -1 when out of memory, when gpa
 * is not page aligned or when the range overlaps a run already recorded
 * (the loader would otherwise have measured a page twice). */
int keep_layout_add(struct keep_layout *l, uint64_t gpa, uint64_t npages, enum keep_page_type type,
                    const char *what);
/* Sorts nothing, copies nothing: the runs as recorded, for printing. */
const char *keep_page_type_name(enum keep_page_type type);

/* The kvm digest above over mem (the guest's memory as built, mem_size
 * bytes from GPA 0). -1 when a run lies outside mem or hashing failed. */
int measure_layout_sha384(const struct keep_layout *l, const uint8_t *mem, uint64_t mem_size,
                          uint8_t out[MEASURE_SHA384_LEN]);

/* SHA-384 of a file's bytes (the nil measurement). -1 with a message. */
int measure_file_sha384(const char *path, uint8_t out[MEASURE_SHA384_LEN], char *err, size_t errlen);

/* ---- this build's Keep --------------------------------------------------- */

struct measure_request {
    const char *backend;       /* "nil", "kvm" or "sev" */
    const char *exec_path;     /* NULL: this build's enarx-exec (backend_exec_path) */
    uint64_t mem_size;         /* kvm, sev: the Keep's memory in bytes (0: the default) */
    uint32_t c_bit;            /* sev: the encryption bit's position (0: 51, every SNP CPU's) */
};

struct keep_measurement {
    char backend[8];
    unsigned alg;              /* enum enarx_hash_alg (abi/evidence.h): SHA-384 = 7 */
    size_t len;                /* 48 */
    uint8_t digest[64];
    char exec_path[4096];      /* the exec that was measured */
    uint64_t mem_size;         /* kvm: the memory size the image was built for */
    uint64_t pages;            /* kvm: pages measured */
};

/* The measurement of the Keep this build launches for req->backend with the
 * launch options of a measured (deploy) Keep — for kvm those of
 * kvm_keep_options_measured (src/backend/kvm/kvm.h). -1 with a message. */
int measure_keep(const struct measure_request *req, struct keep_measurement *out, char *err, size_t errlen);

#endif
