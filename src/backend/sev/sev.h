/* The SEV-SNP backend: runs the exec in a KVM micro-VM whose memory the
 * AMD secure processor encrypts and measures, through Linux's upstream
 * SNP interface (6.11 and later). The Keep is the KVM Keep — the same shim,
 * sallyport and exec — launched as an SNP guest (docs/keep.md, "The SEV-SNP
 * Keep"; the launch contract is src/abi/snp_launch.h).
 *
 *   struct sev_keep_options o;
 *   sev_keep_options_init(&o);
 *   o.keep.exec_path = ...; (as for kvm_keep_run)
 *   sev_keep_run(&o, &res, err, sizeof err);
 *
 * Every kernel call goes through o.kernel (backend/kvm/kernel.h), Linux
 * unless a test double is given. */
#ifndef BACKEND_SEV_SEV_H
#define BACKEND_SEV_SEV_H

#include <stddef.h>
#include <stdint.h>

#include "backend/kvm/kernel.h"
#include "backend/kvm/kvm.h"

struct sev_keep_options {
    struct kvm_keep_options keep;      /* what runs and how: as for the KVM Keep */
    /* SNP_LAUNCH_FINISH: an ID block (96 bytes) and its ID_AUTH (4096
     * bytes), or NULL for none; auth_key_en when ID_AUTH carries an author
     * key; 32 bytes of host data for the report's HOST_DATA. */
    const uint8_t *id_block, *id_auth;
    int auth_key_en;
    uint8_t host_data[32];
    /* The certificate table (GHCB format) handed to the extended guest
     * request, or NULL: none (the Keep then needs the certificates from
     * elsewhere). Locked shared while in use, as Linux documents. */
    const char *certs_path;
    /* The encryption bit's position; 0: the host's (CPUID 0x8000001F). */
    uint32_t c_bit;
    const struct vmm_kernel *kernel;   /* NULL: Linux */
};

void sev_keep_options_init(struct sev_keep_options *opt);

struct sev_keep_result {
    struct kvm_keep_result keep;       /* outcome, status, timings */
    int launched;                      /* SNP_LAUNCH_FINISH succeeded */
    /* The launch digest this VMM expects the report to carry, computed from
     * the launch it performed (what `enarx keep measure --backend sev`
     * computes for the same options). */
    int measured;
    uint8_t measurement[48];
    uint64_t pages;                    /* pages given to SNP_LAUNCH_UPDATE, VMSA included */
};

/* Runs the Keep to its end. Returns 0 when the workload exited, -1 with a
 * message otherwise (res->keep.outcome says which). */
int sev_keep_run(const struct sev_keep_options *opt, struct sev_keep_result *res, char *err, size_t errlen);

/* The launch digest of a launch with opt, computed without KVM or SNP: the
 * same loader builds the same image into a scratch mapping and the same
 * launch plan is hashed as the firmware would (src/snp). c_bit 0 means 51,
 * the position on every SNP processor so far. fds are not touched (see
 * kvm_keep_measure). -1 with a message. */
int sev_keep_measure(const struct sev_keep_options *opt, uint8_t out[48], uint64_t *pages, char *err,
                     size_t errlen);

/* What an SNP host needs, for `enarx platform info`. */
int sev_platform_checks(const struct vmm_kernel *k, struct kvm_check *out, int max);

/* The firmware status code's name (psp-sev.h), e.g. "INVALID_PARAM". */
const char *sev_fw_status_name(uint32_t code);

#define SEV_DEFAULT_C_BIT 51u

#endif
