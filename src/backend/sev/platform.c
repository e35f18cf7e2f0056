/* What an SEV-SNP host needs, checked for `enarx platform info`: the CPU,
 * the secure processor's device and firmware, the kvm_amd module's SNP
 * switch, a KVM that can create SNP VMs with private memory, and free
 * encrypted-guest ASIDs where the kernel shows them. Every probe goes
 * through struct vmm_kernel, so the tests can play any host. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sev/internal.h"
#include "backend/sev/uapi.h"

struct probe {
    const struct vmm_kernel *k;
    struct kvm_check *out;
    int n, max;
};

static struct kvm_check *check(struct probe *p, int pass, const char *name, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static struct kvm_check *check(struct probe *p, int pass, const char *name, const char *hint, const char *fmt, ...)
{
    static struct kvm_check spare;
    struct kvm_check *c = p->n < p->max ? &p->out[p->n++] : &spare;
    memset(c, 0, sizeof *c);
    c->pass = pass;
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->hint, sizeof c->hint, "%s", hint ? hint : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->info, sizeof c->info, fmt, ap);
    va_end(ap);
    return c;
}

static long kioctl(struct probe *p, int fd, unsigned long req, void *arg)
{
    return p->k->ioctl(p->k->ctx, fd, req, arg);
}

/* The CPU: AMD with SEV-SNP in CPUID 0x8000001F. 1 when it has SNP. */
static int cpu_checks(struct probe *p)
{
    uint32_t v[4], f[4] = {0};
    p->k->cpuid(p->k->ctx, 0, 0, v);
    char vendor[13];
    memcpy(vendor, &v[1], 4);
    memcpy(vendor + 4, &v[3], 4);
    memcpy(vendor + 8, &v[2], 4);
    vendor[12] = 0;
    p->k->cpuid(p->k->ctx, 0x80000000u, 0, v);
    int leaf = strcmp(vendor, "AuthenticAMD") == 0 && v[0] >= 0x8000001fu;
    if (leaf)
        p->k->cpuid(p->k->ctx, 0x8000001fu, 0, f);
    int snp = leaf && (f[0] & (1u << 4));
    check(p, snp, "CPU with SEV-SNP", "SEV-SNP needs an AMD EPYC processor of the Milan generation or later",
          "%s%s", vendor, leaf ? (snp ? ", SEV-SNP" : ", no SEV-SNP in CPUID 0x8000001F") : "");
    if (snp)
        check(p, 1, "C-bit location in page table entry", NULL, "%u (the launch digest assumes %u unless told)",
              f[1] & 0x3f, SEV_DEFAULT_C_BIT);
    return snp;
}

/* /dev/sev and the firmware behind it. */
static void firmware_checks(struct probe *p)
{
    int fd = p->k->open(p->k->ctx, "/dev/sev", O_RDWR);
    check(p, fd >= 0, "Driver: /dev/sev",
          fd == -ENOENT ? "/dev/sev is missing: the host kernel needs the ccp driver with SEV support (CONFIG_CRYPTO_DEV_SP_PSP) and SEV enabled in the firmware setup"
                        : "give this user read and write access to /dev/sev (e.g. a group with mode 0660)",
          "%s", fd >= 0 ? "readable and writable" : strerror(-fd));
    if (fd < 0)
        return;
    struct sev_user_data_status st;
    memset(&st, 0, sizeof st);
    struct sev_issue_cmd cmd = {.cmd = SEV_CMD_PLATFORM_STATUS, .data = (uintptr_t)&st};
    long r = kioctl(p, fd, SEV_ISSUE_CMD, &cmd);
    if (r >= 0)
        check(p, 1, "SEV firmware", NULL, "API %u.%u, build %u, %u guests", st.api_major, st.api_minor, st.build,
              st.guest_count);
    else
        check(p, 0, "SEV firmware", "the secure processor does not answer: check dmesg for ccp/psp errors",
              "SEV_PLATFORM_STATUS failed: %s", strerror((int)-r));
    struct sev_user_data_snp_status sn;
    memset(&sn, 0, sizeof sn);
    cmd = (struct sev_issue_cmd){.cmd = SEV_CMD_SNP_PLATFORM_STATUS, .data = (uintptr_t)&sn};
    r = kioctl(p, fd, SEV_ISSUE_CMD, &cmd);
    int new_enough = r >= 0 && (sn.api_major > 1 || (sn.api_major == 1 && sn.api_minor >= 51));
    if (r >= 0)
        check(p, new_enough && (sn.is_rmp_initialized & 1), "SNP firmware",
              !new_enough ? "update the SEV firmware to SNP ABI 1.51 or later (the Keep's policy requires it)"
                          : "SNP is not initialized: load kvm_amd with sev_snp=1 on a kernel with SNP host support",
              "ABI %u.%u, build %u, %s, %u guests, reported TCB %#018llx", sn.api_major, sn.api_minor, sn.build_id,
              (sn.is_rmp_initialized & 1) ? "RMP initialized" : "RMP not initialized", sn.guest_count,
              (unsigned long long)sn.reported_tcb_version);
    else
        check(p, 0, "SNP firmware", "SNP is not initialized: load kvm_amd with sev_snp=1 on a host kernel with SNP",
              "SNP_PLATFORM_STATUS failed: %s (firmware status %#x)", strerror((int)-r), cmd.error);
    p->k->close(p->k->ctx, fd);
}

static int yes(const char *s)
{
    return s[0] == 'Y' || s[0] == 'y' || s[0] == '1';
}

/* Free SEV-ES/SNP ASIDs: CPUID 0x8000001F ECX counts them all, EDX is the
 * first plain-SEV ASID (ES and SNP guests use 1 .. EDX-1); the misc cgroup
 * says how many are in use, where the kernel shows it. */
static void asid_check(struct probe *p)
{
    uint32_t f[4];
    p->k->cpuid(p->k->ctx, 0x8000001fu, 0, f);
    char cap[512], cur[512];
    long total = -1, used = -1;
    if (vmm_read_text(p->k, "/sys/fs/cgroup/misc.capacity", cap, sizeof cap) == 0) {
        const char *e = strstr(cap, "sev_es ");
        if (e)
            total = strtol(e + 7, NULL, 10);
    }
    if (vmm_read_text(p->k, "/sys/fs/cgroup/misc.current", cur, sizeof cur) == 0) {
        const char *e = strstr(cur, "sev_es ");
        if (e)
            used = strtol(e + 7, NULL, 10);
    }
    if (total >= 0 && used >= 0)
        check(p, total - used > 0, "Free SEV-ES/SNP ASIDs", "every encrypted-guest ASID is in use: stop a guest",
              "%ld of %ld", total - used, total);
    else
        check(p, 1, "Free SEV-ES/SNP ASIDs", NULL, "not visible here (misc cgroup); the processor has %u",
              f[3] > 1 ? f[3] - 1 : 0);
}

/* KVM: SNP VMs, private memory, page-state changes, certificates. */
static void kvm_checks(struct probe *p)
{
    char param[16];
    int r = vmm_read_text(p->k, "/sys/module/kvm_amd/parameters/sev_snp", param, sizeof param);
    check(p, r == 0 && yes(param), "kvm_amd sev_snp parameter",
          r < 0 ? "the kvm_amd module is not loaded, or has no SNP support (Linux 6.11 or later)"
                : "load kvm_amd with sev_snp=1 (and sev=1 sev_es=1)",
          "%s", r == 0 ? param : strerror(-r));
    int kvm = p->k->open(p->k->ctx, "/dev/kvm", O_RDWR);
    check(p, kvm >= 0, "Driver: /dev/kvm", "give this user read and write access to /dev/kvm", "%s",
          kvm >= 0 ? "readable and writable" : strerror(-kvm));
    if (kvm < 0)
        return;
    long types = kioctl(p, kvm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)SEV_KVM_CAP_VM_TYPES);
    check(p, types > 0 && (types & (1l << SEV_KVM_X86_SNP_VM)), "KVM creates SEV-SNP VMs",
          "needs Linux 6.11 or later with kvm_amd sev_snp=1", "VM types %#lx", types > 0 ? types : 0);
    long gm = kioctl(p, kvm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)SEV_KVM_CAP_GUEST_MEMFD);
    long attrs = kioctl(p, kvm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)SEV_KVM_CAP_MEMORY_ATTRIBUTES);
    check(p, gm > 0 && attrs > 0 && (attrs & (long)SEV_KVM_MEMORY_ATTRIBUTE_PRIVATE), "Private memory (guest_memfd)",
          "needs a kernel with KVM_CAP_GUEST_MEMFD and KVM_CAP_MEMORY_ATTRIBUTES (Linux 6.8 or later)",
          "guest_memfd %s, memory attributes %#lx", gm > 0 ? "yes" : "no", attrs > 0 ? attrs : 0);
    long hc = kioctl(p, kvm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)SEV_KVM_CAP_EXIT_HYPERCALL);
    check(p, hc > 0 && (hc & (1l << SEV_KVM_HC_MAP_GPA_RANGE)), "Page-state changes reach the VMM",
          "needs KVM_CAP_EXIT_HYPERCALL with KVM_HC_MAP_GPA_RANGE", "KVM_CAP_EXIT_HYPERCALL %#lx", hc > 0 ? hc : 0);
    uint64_t certs = 0;
    struct kvm_device_attr attr = {.group = SEV_KVM_X86_GRP_SEV, .attr = SEV_KVM_X86_SEV_SNP_REQ_CERTS,
                                   .addr = (uintptr_t)&certs};
    int has = kioctl(p, kvm, KVM_HAS_DEVICE_ATTR, &attr) >= 0 && kioctl(p, kvm, KVM_GET_DEVICE_ATTR, &attr) >= 0;
    /* Optional: without it the Keep's report comes without certificates. */
    check(p, 1, "Certificates for the extended guest request", NULL, "%s",
          has && certs == 1 ? "offered by KVM (enarx run --snp-certs FILE)"
                            : "not offered by this kernel: the Keep fetches its certificates elsewhere");
    p->k->close(p->k->ctx, kvm);
}

int sev_platform_checks(const struct vmm_kernel *k, struct kvm_check *out, int max)
{
    struct probe p = {.k = k ? k : vmm_kernel_host(), .out = out, .max = max};
    int snp = cpu_checks(&p);
    firmware_checks(&p);
    kvm_checks(&p);
    if (snp)
        asid_check(&p);
    return p.n;
}
