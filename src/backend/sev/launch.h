/* The SEV-SNP VM while it is being launched and run (launch.c, run.c). */
#ifndef BACKEND_SEV_LAUNCH_H
#define BACKEND_SEV_LAUNCH_H

#include "backend/sev/internal.h"
#include "backend/sev/uapi.h"

struct sev_vm {
    const struct sev_keep_options *opt;
    struct kvm_keep_options keep;     /* opt->keep with its defaults filled in */
    const struct vmm_kernel *k;
    struct kvm_keep_stats *stats;
    char *err;
    size_t errlen;
    int kvm, sev, vm, gmem, vcpu;
    struct kvm_run *run;
    size_t run_size;
    void *map;                        /* the shared view, as mapped */
    size_t map_len;
    uint8_t *mem;                     /* ... 2 MiB aligned: GPA 0 */
    struct keep_image img;
    struct sev_plan plan;
    struct kvm_cpuid2 *cpuid;
    int cpuid_retried;
    int launched, measured;
    uint8_t measurement[48];
    uint64_t pages;
    /* The certificate table (certs.c). */
    uint8_t *certs;
    size_t certs_len;
    int certs_enabled;
    int certs_fd;                     /* held, locked shared, until the request reaches the firmware */
    uint64_t conversions;             /* page-state changes served */
    struct vmm_keep v;
};

void sev_vm_init(struct sev_vm *s, const struct sev_keep_options *opt, struct kvm_keep_stats *stats, char *err,
                 size_t errlen);
/* Everything up to the first KVM_RUN. -1 with a message. */
int sev_vm_boot(struct sev_vm *s, const uint8_t *exec, size_t exec_len);
/* The exit loop: 0 when the workload exited, -1 otherwise. */
int sev_vm_run(struct sev_vm *s);
void sev_vm_teardown(struct sev_vm *s);

int sev_fail(struct sev_vm *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long sev_ioctl(struct sev_vm *s, int fd, unsigned long request, void *arg);
long sev_cmd(struct sev_vm *s, uint32_t id, void *data, uint32_t *fw);
int sev_set_private(struct sev_vm *s, uint64_t gpa, uint64_t len, int private_);
uint32_t sev_host_c_bit(const struct vmm_kernel *k);

/* certs.c: reads and checks opt->certs_path (at launch: refuses a bad
 * table); serves a KVM_EXIT_SNP_REQ_CERTS exit. */
int sev_certs_load(struct sev_vm *s);
void sev_certs_request(struct sev_vm *s);
void sev_certs_release(struct sev_vm *s);

#endif
