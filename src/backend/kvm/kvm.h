/* The KVM backend: runs a static x86-64 ELF (the exec) inside a micro-VM
 * Keep, under the KVM shim, serving its I/O through the sallyport.
 *
 *   struct kvm_keep_config cfg;
 *   kvm_keep_config_init(&cfg);
 *   cfg.exec_path = ".../enarx-exec"; cfg.argv = argv; ...
 *   int status;
 *   if (kvm_keep_run(&cfg, &status, err, sizeof err) != 0) -> err says why
 *   else status is the workload's exit status (0..255)
 */
#ifndef BACKEND_KVM_KVM_H
#define BACKEND_KVM_KVM_H

#include <stddef.h>
#include <stdint.h>

#include "abi/log_level.h"

#define KVM_KEEP_MAX_FDS 16

struct kvm_keep_config {
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
    enum enarx_log_level log_level;
    int exitless;                 /* serve the sallyport from a polling thread */
    int coalesce;                 /* let the shim coalesce small writes */
    uint64_t sallyport_size;      /* data area bytes (0 = default) */
    const char *hostile;          /* test mode: sallyport reply corruption spec */
    int host_files;               /* the Keep may open, stat, create... host files */
    /* Filled by kvm_keep_run for benchmarks: time to the first guest
     * instruction and VM exits taken. */
    double setup_us;
    double read_us, vm_us, image_us, vcpu_us, run_us; /* its parts, and the run itself */
    uint64_t exits, batches;
};

#define KVM_KEEP_DEFAULT_MEM      (2ull << 30)
#define KVM_KEEP_DEFAULT_SALLYPORT (1ull << 20)

void kvm_keep_config_init(struct kvm_keep_config *cfg);

/* Runs the Keep to its end. Returns 0 with *status = the workload's exit
 * status (or 128 + signal when it faulted, as a shell would show), or -1 with
 * a message when the Keep could not be started or broke down (then *status
 * is the status enarx should exit with). */
int kvm_keep_run(struct kvm_keep_config *cfg, int *status, char *err, size_t errlen);

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
