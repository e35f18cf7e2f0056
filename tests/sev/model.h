/* A model of Linux's SEV-SNP host interface and of the AMD secure processor,
 * behind the VMM's kernel interface (src/backend/kvm/kernel.h). Test-only.
 *
 * It plays the kernel: /dev/kvm, /dev/sev, the SNP VM, guest_memfd, memory
 * attributes, the vCPU and KVM_RUN, sysfs parameters, CPUID — and refuses
 * what Linux 6.11+ would refuse (commands out of order, bad arguments,
 * pages launched twice or not private, registers set after the launch,
 * KVM_RUN before it). Behind KVM_MEMORY_ENCRYPT_OP it plays the firmware:
 * it keeps the guest context and computes the launch digest the way the
 * SNP firmware ABI describes (its own PAGE_INFO chain and its own VMSA
 * from the registers the VMM set, written independently of src/snp), checks
 * the CPUID page (and, if told to, corrects it and refuses it once, as the
 * firmware does), fills the secrets page, and checks an ID block and its
 * signatures at SNP_LAUNCH_FINISH.
 *
 * After the launch KVM_RUN plays a guest from a script (below): page-state
 * changes, implicit conversions, sallyport calls in the shared block, a
 * certificate request, a termination — each step checks how the VMM
 * answered the previous one.
 *
 * The guest-request hook: the secure processor's guest-message part
 * (MSG_REPORT_REQ decrypted with a VMPCK, a report signed by a test key
 * chain) belongs to the shim's tests; it plugs in here through
 * struct snp_model_launch (what the firmware knows about the guest: its
 * measurement, policy, host data, ID/author key digests, family/image ID,
 * guest SVN, the VMPCKs it wrote into the secrets page) and the
 * guest_request callback, which the script step "guest-request" calls with
 * the request page the guest prepared, as KVM would hand it to the firmware. */
#ifndef TESTS_SEV_MODEL_H
#define TESTS_SEV_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "backend/kvm/kernel.h"

struct snp_model_launch {
    int started, finished;
    uint64_t policy;
    uint64_t sev_features;
    uint8_t measurement[48];      /* the launch digest, as the model's firmware computed it */
    uint64_t pages;               /* pages measured, VMSAs included */
    uint8_t host_data[32];
    int id_block_en, author_key_en;
    uint8_t id_key_digest[48], author_key_digest[48];
    uint8_t family_id[16], image_id[16];
    uint32_t guest_svn;
    uint8_t vmpck[4][32];         /* what the firmware wrote into the secrets page */
    unsigned cpuid_attempts;      /* LAUNCH_UPDATE commands of the CPUID page */
    unsigned vcpus;
};

/* The hook for the guest-message part (see above): answers the request
 * page with a response page; returns the firmware status (0 = success). */
typedef uint32_t (*snp_model_guest_request_fn)(void *ctx, const struct snp_model_launch *launch,
                                               const uint8_t req[4096], uint8_t rsp[4096]);

struct snp_model_config {
    /* The host. */
    int snp_cpu;                  /* CPUID 0x8000001F says SEV-SNP */
    uint32_t c_bit;               /* its C-bit position */
    int dev_sev, dev_kvm;         /* the devices exist */
    int sev_snp_param;            /* kvm_amd's sev_snp=Y */
    uint64_t vm_types;            /* KVM_CAP_VM_TYPES */
    int req_certs;                /* KVM offers certificate exits */
    uint8_t fw_major, fw_minor;
    int rmp_initialized;
    long asids_total, asids_used; /* the misc cgroup's sev_es counts; -1: not shown */
    int host_mce;                 /* the host has CR4.MCE (KVM ORs it into the VMSA) */
    int host_smt;                 /* SMT is on: a policy without SMT fails */
    /* The firmware's CPUID check: it corrects this many entries of the first
     * page it sees (and refuses it); with cpuid_refuse_always, every page. */
    unsigned cpuid_fixups;
    int cpuid_refuse_always;
    /* At most this many pages per SNP_LAUNCH_UPDATE (the kernel may stop
     * early; the VMM must go on). 0: all. */
    unsigned update_chunk;
    /* The guest, after the launch: comma-separated steps, run one per
     * KVM_RUN:
     *   psc-shared     make the sallyport block shared (KVM_HC_MAP_GPA_RANGE)
     *   psc-private    and back
     *   psc-bad        ask for a range outside guest memory (expects a refusal)
     *   fault-shared   touch the GHCB page shared: KVM_EXIT_MEMORY_FAULT
     *   hello          SP_WRITE "hello from the SNP model\n" to fd 1 (block shared)
     *   exit:N         SP_EXIT N
     *   certs:N        an extended guest request with N pages for certificates
     *   guest-request  call the guest_request hook
     *   term:S:C       GHCB termination request, reason set S, code C
     *   hlt / shutdown
     * Default "psc-shared,fault-shared,hello,exit:0". */
    const char *script;
    /* Instead of a script: raw exits for the fuzzer (tests/sev/fuzz_exits.c),
     * SNP_MODEL_RAW_EXIT bytes per KVM_RUN — any exit, any values, as a
     * hostile guest or a confused kernel could produce. */
    const uint8_t *raw_exits;
    size_t raw_len;
    snp_model_guest_request_fn guest_request;
    void *guest_request_ctx;
};

#define SNP_MODEL_RAW_EXIT 40

/* A host that can run SNP guests: everything present and enabled. */
void snp_model_config_default(struct snp_model_config *c);

struct snp_model;
struct snp_model *snp_model_new(const struct snp_model_config *c);
void snp_model_free(struct snp_model *m);
const struct vmm_kernel *snp_model_kernel(struct snp_model *m);
const struct snp_model_launch *snp_model_launch(const struct snp_model *m);
/* The first thing the model refused or found wrong ("" when none): a kernel
 * refusal the VMM should not have provoked, a script step whose check
 * failed. */
const char *snp_model_error(const struct snp_model *m);
/* Counters: page-state changes made (to private, to shared), memory-fault
 * conversions, refused requests, certificate requests answered (ret 0). */
struct snp_model_counts {
    unsigned to_private, to_shared, refused, certs_ok, certs_enospc, runs;
    uint64_t certs_bytes;
};
struct snp_model_counts snp_model_counts(const struct snp_model *m);

#endif
