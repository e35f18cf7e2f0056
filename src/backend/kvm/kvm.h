/* The KVM backend: runs a static x86-64 ELF (the exec) inside a micro-VM
 * Keep, under the KVM shim, serving its I/O through the sallyport.
 *
 *   struct kvm_keep_options opt;
 *   kvm_keep_options_init(&opt);
 *   opt.exec_path = ".../enarx-exec"; opt.argv = argv; ...
 *   struct kvm_keep_result res;
 *   kvm_keep_run(&opt, &res, err, sizeof err);
 *   switch (res.outcome) ... res.status is what enarx exits with
 */
#ifndef BACKEND_KVM_KVM_H
#define BACKEND_KVM_KVM_H

#include <stddef.h>
#include <stdint.h>

#include "abi/log_level.h"

#define KVM_KEEP_MAX_FDS 16

/* What to run, and how. */
struct kvm_keep_options {
    const char *exec_path;        /* static ELF to run as the exec */
    const uint8_t *exec_image;    /* ... or its bytes (exec_path then only names it) */
    size_t exec_size;
    char *const *argv;            /* argv[0] included; NULL-terminated */
    char *const *envp;            /* NULL-terminated */
    uint64_t mem_size;            /* guest RAM in bytes (0 = default) */
    /* Keep fd i is backed by host fd fds[i] (-1 = closed); the Keep owns
     * duplicates of them, the caller keeps its own. */
    int fds[KVM_KEEP_MAX_FDS];
    int nfds;
    /* The socket domain the Keep is told for each fd (0 = not a socket),
     * when fd_domain_set; otherwise each fd is asked (SO_DOMAIN). It is part
     * of the measured boot information, so a measured launch gives it
     * explicitly (kvm_keep_options_measured). */
    int fd_domain_set;
    int fd_domain[KVM_KEEP_MAX_FDS];
    /* Compute the measurement at launch (kvm_keep_result.measurement): a
     * SHA-384 pass over the loaded pages, ~10 ms for enarx-exec. */
    int measure;
    enum enarx_log_level log_level;
    int exitless;                 /* serve the sallyport from a polling thread */
    int coalesce;                 /* let the shim coalesce small writes */
    uint64_t sallyport_size;      /* data area bytes (0 = default) */
    int host_files;               /* the Keep may open, stat, create... host files */
    /* The evidence call (SP_GETATT): the VMM answers with an UNATTESTED
     * document carrying the measurement it computed at launch (measure; none
     * without it) — or, in test builds only, what attest returns (the test
     * attester; NULL in production). */
    int (*attest)(void *ctx, const uint8_t report_data[64], uint8_t **out, size_t *len, uint32_t *kind);
    void *attest_ctx;
};

/* How a Keep ended. */
enum kvm_keep_outcome {
    KVM_KEEP_EXITED,    /* the workload exited: status is its exit status (0..255) */
    KVM_KEEP_STOPPED,   /* the Keep stopped itself and said why (err): a workload fault
                         * (status 128 + signal, as a shell shows it), a host that broke
                         * the sallyport protocol, a shim panic, no memory left */
    KVM_KEEP_FAILED,    /* the Keep could not be started, or broke down (err); status 1 */
};

/* Where the time went, for benchmarks (`enarx unstable exec --stats`). */
struct kvm_keep_stats {
    double setup_us;              /* to the first guest instruction, made of: */
    double read_us, vm_us, image_us, vcpu_us; /* the exec file, VM and vCPU, memory image, registers */
    double run_us;                /* the run itself */
    uint64_t exits, batches;      /* VM exits taken, sallyport batches served */
};

struct kvm_keep_result {
    enum kvm_keep_outcome outcome;
    int status;                   /* what enarx should exit with */
    struct kvm_keep_stats stats;
    /* The Keep's measurement (src/measure/measure.h), hashed from guest
     * memory as built, before the first instruction: what the host claims
     * for this Keep. measured = 0 when the Keep never got that far. */
    int measured;
    uint8_t measurement[48];
};

#define KVM_KEEP_DEFAULT_MEM      (2ull << 30)
#define KVM_KEEP_DEFAULT_SALLYPORT (1ull << 20)

void kvm_keep_options_init(struct kvm_keep_options *opt);

/* Runs the Keep to its end and fills *res; a Keep that stopped or failed
 * leaves a message in err. Returns 0 when the workload exited, -1 otherwise. */
int kvm_keep_run(const struct kvm_keep_options *opt, struct kvm_keep_result *res, char *err, size_t errlen);

/* The launch options of a measured Keep (`enarx deploy`; what `enarx keep
 * measure --backend kvm` computes): everything that reaches the Keep's
 * initial memory is fixed here — argv {"enarx-exec"}, no environment,
 * mem_size (0: the default), the default sallyport size, the exiting
 * sallyport, no write coalescing, log level error, fds 0-4 present with
 * fds 0-3 not sockets and fd 4 (the deploy connection, a socketpair from
 * the agent) AF_UNIX. The caller sets exec_path/exec_image and replaces the
 * fds[] by its real descriptors (keeping fd_domain as set here); any other
 * change changes the measurement. */
void kvm_keep_options_measured(struct kvm_keep_options *opt, uint64_t mem_size);

/* The measurement a launch with opt gets, computed without KVM: the VMM's
 * own loader builds the image into a scratch mapping and it is hashed as at
 * launch (measure.h). fds are not touched (only which are present, and
 * fd_domain, which must be given: not -1). -1 with a message. */
int kvm_keep_measure(const struct kvm_keep_options *opt, uint8_t out[48], uint64_t *pages, char *err,
                     size_t errlen);

/* What a backend's launcher returns for a Keep that ran: the workload's
 * status; for a Keep that stopped itself its status, after printing its
 * report (err) to stderr; -1 when it failed (err for the caller). */
int kvm_keep_exit_status(const struct kvm_keep_result *res, const char *err);

/* Parses a memory size such as "512M", "2G", "1073741824". 0 on error. */
uint64_t kvm_parse_size(const char *s);

/* Platform checks for `enarx platform info`. */
struct kvm_check {
    char name[48];
    int pass;
    char info[192];               /* what was found */
    char hint[256];               /* what to do when it failed */
};
int kvm_platform_checks(struct kvm_check *out, int max);

#endif
