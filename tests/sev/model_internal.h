/* The model's parts (model_kernel.c, model_psp.c, model_guest.c). */
#ifndef TESTS_SEV_MODEL_INTERNAL_H
#define TESTS_SEV_MODEL_INTERNAL_H

#include <linux/kvm.h>
#include <stdarg.h>

#include "model.h"

#define M_PAGE 4096u
#define M_MAX_VCPUS 4
#define M_MAX_MAPS 64

enum m_fd_kind { FD_NONE, FD_KVM, FD_SEV, FD_VM, FD_GMEM, FD_VCPU, FD_FILE };

struct m_fd {
    enum m_fd_kind kind;
    int real;                 /* FD_FILE: the real descriptor */
    const char *text;         /* FD_FILE of a fake sysfs file: its contents */
    size_t pos;
    int vcpu;                 /* FD_VCPU: index */
};

struct m_vcpu {
    int id;
    struct kvm_sregs sregs;
    struct kvm_regs regs;
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base, pat;
    uint64_t xcr0;
    int cpuid_set;
    uint32_t cpuid_8000001f_ebx;
    struct kvm_run *run;
    size_t run_size;
};

enum m_launch_state { L_NONE, L_INIT, L_STARTED, L_FINISHED };

struct m_map {
    uint8_t *addr;
    size_t len;
};

struct snp_model {
    struct snp_model_config cfg;
    struct vmm_kernel kernel;
    struct m_fd fds[64];
    char error[512];
    struct snp_model_counts counts;
    /* KVM */
    int vm_exists, hypercall_exit, certs_enabled, ran;
    struct m_vcpu vcpus[M_MAX_VCPUS];
    int nvcpus;
    struct m_map maps[M_MAX_MAPS];
    /* guest memory */
    uint64_t gmem_size;
    int gmem_exists, slot_set;
    uint8_t *shared;          /* the VMM's userspace_addr */
    uint8_t *priv;            /* the model's private copy (what the guest sees encrypted) */
    uint8_t *attr;            /* per page: 1 private */
    uint8_t *populated;       /* per page: launched (validated at start) */
    /* the firmware */
    enum m_launch_state state;
    struct snp_model_launch launch;
    uint64_t vmsa_features;
    /* the guest's script */
    char script[1024];
    size_t script_pos;
    size_t raw_pos;
    int pending;              /* what the last step expects back (enum in model_guest.c) */
    uint64_t pending_arg[3];
    uint64_t sp_seq;
};

/* model_kernel.c */
int m_error(struct snp_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int m_user_range(const struct snp_model *m, uint64_t addr, size_t len); /* inside a mapping the VMM made */
int m_all_zero(const void *p, size_t n);
/* model_psp.c: KVM_MEMORY_ENCRYPT_OP */
long m_psp_command(struct snp_model *m, void *arg);
void m_vmsa(const struct snp_model *m, const struct m_vcpu *v, uint8_t page[M_PAGE]);
/* model_guest.c: one KVM_RUN */
long m_guest_run(struct snp_model *m, struct m_vcpu *v);

#endif
