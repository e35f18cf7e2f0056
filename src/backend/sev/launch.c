/* The SEV-SNP launcher on Linux's upstream interface
 * (Documentation/virt/kvm/x86/amd-memory-encryption.rst, Linux 6.11+):
 *
 *   KVM_CREATE_VM(KVM_X86_SNP_VM) -> KVM_SEV_INIT2 -> KVM_SEV_SNP_LAUNCH_START
 *   guest_memfd + KVM_SET_USER_MEMORY_REGION2 + KVM_SET_MEMORY_ATTRIBUTES(private)
 *   the KVM Keep's image (C-bit in its tables) + the launch plan (plan.c)
 *   vCPU: KVM_SET_CPUID2, the entry registers
 *   KVM_SEV_SNP_LAUNCH_UPDATE for every planned range (the CPUID page retried
 *   once with the firmware's corrections)
 *   KVM_SEV_SNP_LAUNCH_FINISH (ID block, ID_AUTH, host data) — KVM measures
 *   the vCPU's VMSA last
 *
 * then the exit loop (run.c). Every kernel call goes through struct
 * vmm_kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/sev/launch.h"
#include "common/file.h"

int sev_fail(struct sev_vm *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, s->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

const char *sev_fw_status_name(uint32_t code)
{
    static const char *const names[] = {
        "SUCCESS", "INVALID_PLATFORM_STATE", "INVALID_GUEST_STATE", "INVALID_CONFIG", "INVALID_LEN",
        "ALREADY_OWNED", "INVALID_CERTIFICATE", "POLICY_FAILURE", "INACTIVE", "INVALID_ADDRESS",
        "BAD_SIGNATURE", "BAD_MEASUREMENT", "ASID_OWNED", "INVALID_ASID", "WBINVD_REQUIRED",
        "DFFLUSH_REQUIRED", "INVALID_GUEST", "INVALID_COMMAND", "ACTIVE", "HWERROR_PLATFORM",
        "HWERROR_UNSAFE", "UNSUPPORTED", "INVALID_PARAM", "RESOURCE_LIMIT", "SECURE_DATA_INVALID",
        "INVALID_PAGE_SIZE", "INVALID_PAGE_STATE", "INVALID_MDATA_ENTRY", "INVALID_PAGE_OWNER",
        "AEAD_OFLOW", "(0x1e)", "EXIT_RING_BUFFER", "RMP_INIT_REQUIRED", "BAD_SVN", "BAD_VERSION",
        "SHUTDOWN_REQUIRED", "UPDATE_FAILED", "RESTORE_REQUIRED", "RMP_INITIALIZATION_FAILED", "INVALID_KEY",
    };
    return code < sizeof names / sizeof names[0] ? names[code] : "unknown";
}

long sev_ioctl(struct sev_vm *s, int fd, unsigned long request, void *arg)
{
    long r;
    do
        r = s->k->ioctl(s->k->ctx, fd, request, arg);
    while (r == -EINTR);
    return r;
}

/* One KVM_MEMORY_ENCRYPT_OP sub-command; *fw the firmware's status. */
long sev_cmd(struct sev_vm *s, uint32_t id, void *data, uint32_t *fw)
{
    struct sev_kvm_cmd cmd = {.id = id, .data = (uint64_t)(uintptr_t)data, .sev_fd = (uint32_t)s->sev};
    long r = sev_ioctl(s, s->vm, SEV_KVM_MEMORY_ENCRYPT_OP, &cmd);
    *fw = cmd.error;
    return r;
}

static int cmd_failed(struct sev_vm *s, const char *what, long r, uint32_t fw, const char *hint)
{
    if (fw)
        return sev_fail(s, "%s failed: %s (firmware: %s)%s%s", what, strerror((int)-r), sev_fw_status_name(fw),
                        hint ? "; " : "", hint ? hint : "");
    return sev_fail(s, "%s failed: %s%s%s", what, strerror((int)-r), hint ? "; " : "", hint ? hint : "");
}

/* ---- the VM ---- */

static int check_caps(struct sev_vm *s)
{
    long types = sev_ioctl(s, s->kvm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)SEV_KVM_CAP_VM_TYPES);
    if (types < 0 || !(types & (1l << SEV_KVM_X86_SNP_VM)))
        return sev_fail(s, "this kernel's KVM cannot create SEV-SNP VMs (KVM_CAP_VM_TYPES lacks KVM_X86_SNP_VM): "
                           "it needs Linux 6.11 or later with kvm_amd sev_snp=1 (see `enarx platform info`)");
    static const struct {
        long cap;
        const char *name;
    } needed[] = {{SEV_KVM_CAP_GUEST_MEMFD, "KVM_CAP_GUEST_MEMFD"}, {SEV_KVM_CAP_USER_MEMORY2, "KVM_CAP_USER_MEMORY2"}};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (sev_ioctl(s, s->kvm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)needed[i].cap) <= 0)
            return sev_fail(s, "this kernel's KVM lacks %s, which an SNP Keep needs", needed[i].name);
    long hc = sev_ioctl(s, s->kvm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)SEV_KVM_CAP_EXIT_HYPERCALL);
    if (hc < 0 || !(hc & (1l << SEV_KVM_HC_MAP_GPA_RANGE)))
        return sev_fail(s, "this kernel's KVM cannot pass page-state changes to the VMM "
                           "(KVM_CAP_EXIT_HYPERCALL lacks KVM_HC_MAP_GPA_RANGE)");
    return 0;
}

static int create_vm(struct sev_vm *s)
{
    if ((s->kvm = s->k->open(s->k->ctx, "/dev/kvm", O_RDWR)) < 0)
        return sev_fail(s, "cannot open /dev/kvm: %s (the sev backend needs KVM; see `enarx platform info`)",
                        strerror(-s->kvm));
    long api = sev_ioctl(s, s->kvm, KVM_GET_API_VERSION, NULL);
    if (api != KVM_API_VERSION)
        return sev_fail(s, "/dev/kvm speaks KVM API version %ld, enarx needs %d", api, KVM_API_VERSION);
    if (check_caps(s) < 0)
        return -1;
    if ((s->sev = s->k->open(s->k->ctx, "/dev/sev", O_RDWR)) < 0)
        return sev_fail(s, "cannot open /dev/sev: %s (the AMD secure processor's device; it must be readable "
                           "and writable by this user)", strerror(-s->sev));
    long vm = sev_ioctl(s, s->kvm, KVM_CREATE_VM, (void *)(uintptr_t)SEV_KVM_X86_SNP_VM);
    if (vm < 0)
        return sev_fail(s, "KVM_CREATE_VM (KVM_X86_SNP_VM) failed: %s", strerror((int)-vm));
    s->vm = (int)vm;
    uint32_t fw = 0;
    struct sev_kvm_init init = {.vmsa_features = 0, .ghcb_version = 2};
    long r = sev_cmd(s, SEV_KVM_SEV_INIT2, &init, &fw);
    if (r < 0)
        return cmd_failed(s, "KVM_SEV_INIT2", r, fw,
                          r == -EBUSY || r == -ENOSPC ? "no free SEV-SNP ASID is left on this host" : NULL);
    struct sev_kvm_snp_launch_start start = {.policy = SNP_KEEP_POLICY};
    r = sev_cmd(s, SEV_KVM_SNP_LAUNCH_START, &start, &fw);
    if (r < 0)
        return cmd_failed(s, "SNP_LAUNCH_START", r, fw,
                          fw == SEV_RET_POLICY_FAILURE ? "the firmware refuses the Keep's policy (firmware older "
                                                         "than ABI 1.51?)" : NULL);
    return 0;
}

/* Guest memory: private in guest_memfd; the mapping at userspace_addr is
 * the shared view (the image is built there and given to the firmware,
 * the sallyport block lives there once the Keep makes it shared). */
static int setup_memory(struct sev_vm *s)
{
    uint64_t size = s->keep.mem_size;
    struct sev_kvm_create_guest_memfd g = {.size = size};
    long fd = sev_ioctl(s, s->vm, SEV_KVM_CREATE_GUEST_MEMFD, &g);
    if (fd < 0)
        return sev_fail(s, "KVM_CREATE_GUEST_MEMFD (%llu MiB) failed: %s", (unsigned long long)(size >> 20),
                        strerror((int)-fd));
    s->gmem = (int)fd;
    int e = 0;
    s->map_len = size + KVM_HUGE;
    s->map = s->k->mmap(s->k->ctx, NULL, s->map_len, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0, &e);
    if (s->map == MAP_FAILED) {
        s->map = NULL;
        return sev_fail(s, "cannot reserve %llu MiB for the Keep's shared memory: %s",
                        (unsigned long long)(size >> 20), strerror(e));
    }
    s->mem = (uint8_t *)(((uintptr_t)s->map + KVM_HUGE - 1) & ~(uintptr_t)(KVM_HUGE - 1));
    struct sev_kvm_userspace_memory_region2 region = {
        .slot = 0,
        .flags = SEV_KVM_MEM_GUEST_MEMFD,
        .guest_phys_addr = 0,
        .memory_size = size,
        .userspace_addr = (uintptr_t)s->mem,
        .guest_memfd_offset = 0,
        .guest_memfd = (uint32_t)s->gmem,
    };
    long r = sev_ioctl(s, s->vm, SEV_KVM_SET_USER_MEMORY_REGION2, &region);
    if (r < 0)
        return sev_fail(s, "KVM_SET_USER_MEMORY_REGION2 (guest_memfd, %llu MiB) failed: %s",
                        (unsigned long long)(size >> 20), strerror((int)-r));
    long attrs = sev_ioctl(s, s->vm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)SEV_KVM_CAP_MEMORY_ATTRIBUTES);
    if (attrs < 0 || !(attrs & (long)SEV_KVM_MEMORY_ATTRIBUTE_PRIVATE))
        return sev_fail(s, "this VM cannot have private memory (KVM_CAP_MEMORY_ATTRIBUTES lacks PRIVATE)");
    if (sev_set_private(s, 0, size, 1) < 0)
        return -1;
    struct kvm_enable_cap cap = {.cap = SEV_KVM_CAP_EXIT_HYPERCALL, .args = {1ull << SEV_KVM_HC_MAP_GPA_RANGE}};
    if ((r = sev_ioctl(s, s->vm, KVM_ENABLE_CAP, &cap)) < 0)
        return sev_fail(s, "KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL) failed: %s", strerror((int)-r));
    return 0;
}

int sev_set_private(struct sev_vm *s, uint64_t gpa, uint64_t len, int private_)
{
    struct sev_kvm_memory_attributes a = {
        .address = gpa, .size = len, .attributes = private_ ? SEV_KVM_MEMORY_ATTRIBUTE_PRIVATE : 0};
    long r = sev_ioctl(s, s->vm, SEV_KVM_SET_MEMORY_ATTRIBUTES, &a);
    if (r < 0)
        return sev_fail(s, "KVM_SET_MEMORY_ATTRIBUTES (%s, %#llx + %#llx) failed: %s", private_ ? "private" : "shared",
                        (unsigned long long)gpa, (unsigned long long)len, strerror((int)-r));
    return 0;
}

/* ---- the certificate table of the extended guest request ---- */

static int setup_certs(struct sev_vm *s)
{
    if (!s->opt->certs_path)
        return 0;
    struct kvm_device_attr attr = {.group = SEV_KVM_X86_GRP_SEV, .attr = SEV_KVM_X86_SEV_SNP_REQ_CERTS};
    uint64_t supported = 0;
    attr.addr = (uintptr_t)&supported;
    if (sev_ioctl(s, s->kvm, KVM_HAS_DEVICE_ATTR, &attr) < 0 || sev_ioctl(s, s->kvm, KVM_GET_DEVICE_ATTR, &attr) < 0 ||
        supported != 1) {
        fprintf(stderr, "enarx: warning: this kernel cannot hand the Keep certificates (no "
                        "KVM_X86_SEV_SNP_REQ_CERTS); %s is not used\n", s->opt->certs_path);
        return 0;
    }
    uint32_t fw = 0;
    long r = sev_cmd(s, SEV_KVM_SNP_ENABLE_REQ_CERTS, NULL, &fw);
    if (r < 0)
        return cmd_failed(s, "KVM_SEV_SNP_ENABLE_REQ_CERTS", r, fw, NULL);
    s->certs_enabled = 1;
    return 0;
}

/* ---- the vCPU ---- */

static int get_cpuid(struct sev_vm *s)
{
    for (uint32_t n = 128; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + (size_t)n * sizeof(struct kvm_cpuid_entry2));
        if (!c)
            return sev_fail(s, "out of memory");
        c->nent = n;
        long r = sev_ioctl(s, s->kvm, KVM_GET_SUPPORTED_CPUID, c);
        if (r == 0) {
            s->cpuid = c;
            return 0;
        }
        free(c);
        if (r != -E2BIG)
            return sev_fail(s, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror((int)-r));
    }
    return sev_fail(s, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

static int create_vcpu(struct sev_vm *s)
{
    long r = sev_ioctl(s, s->vm, KVM_CREATE_VCPU, (void *)0);
    if (r < 0)
        return sev_fail(s, "KVM_CREATE_VCPU failed: %s", strerror((int)-r));
    s->vcpu = (int)r;
    long size = sev_ioctl(s, s->kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
    if (size < (long)sizeof(struct kvm_run))
        return sev_fail(s, "KVM_GET_VCPU_MMAP_SIZE failed");
    int e = 0;
    s->run_size = (size_t)size;
    s->run = s->k->mmap(s->k->ctx, NULL, s->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->vcpu, 0, &e);
    if (s->run == MAP_FAILED) {
        s->run = NULL;
        return sev_fail(s, "cannot map the vCPU's run area: %s", strerror(e));
    }
    if ((r = sev_ioctl(s, s->vcpu, KVM_SET_CPUID2, s->cpuid)) < 0)
        return sev_fail(s, "KVM_SET_CPUID2 failed: %s", strerror((int)-r));
    return keep_entry_apply(s->k, s->vcpu, &s->plan.entry, s->err, s->errlen);
}

/* ---- SNP_LAUNCH_UPDATE ---- */

static long launch_update(struct sev_vm *s, uint64_t gpa, uint64_t npages, enum snp_page_type type, uint32_t *fw)
{
    struct sev_kvm_snp_launch_update u = {
        .gfn_start = gpa >> 12,
        .uaddr = (uintptr_t)(s->mem + gpa),
        .len = npages * SNP_PAGE_SIZE,
        .type = (uint8_t)type,
    };
    /* The kernel may do part of the range: it moves gfn_start, uaddr and
     * len past what it did; go on until len is 0. */
    for (int stalls = 0; u.len;) {
        uint64_t before = u.len;
        struct sev_kvm_cmd cmd = {.id = SEV_KVM_SNP_LAUNCH_UPDATE, .data = (uintptr_t)&u, .sev_fd = (uint32_t)s->sev};
        long r = s->k->ioctl(s->k->ctx, s->vm, SEV_KVM_MEMORY_ENCRYPT_OP, &cmd);
        *fw = cmd.error;
        if (r == -EINTR || r == -EAGAIN) {
            if (++stalls > 1000)
                return -EAGAIN;
            continue;
        }
        if (r < 0)
            return r;
        if (u.len >= before && ++stalls > 1000)
            return -EAGAIN; /* a kernel that never progresses */
        if (u.len > before)
            return -EIO;
    }
    return 0;
}

static int update_cpuid_page(struct sev_vm *s, const struct sev_plan_step *st)
{
    struct snp_cpuid_page *page = (struct snp_cpuid_page *)(void *)(s->mem + st->gpa);
    struct snp_cpuid_page proposed;
    memcpy(&proposed, page, sizeof proposed);
    uint32_t fw = 0;
    long r = launch_update(s, st->gpa, 1, SNP_PAGE_CPUID, &fw);
    if (r == -EIO && fw == SEV_RET_INVALID_PARAM) {
        /* The firmware refused some values and the kernel copied its
         * corrected page back into ours (SNP firmware ABI, CPUID
         * reporting): say what changed, then give it the corrected page. */
        char diff[2048];
        int n = sev_cpuid_diff(&proposed, page, diff, sizeof diff);
        if (s->keep.log_level >= ENARX_LOG_INFO)
            fprintf(stderr, "enarx: the SNP firmware corrected %d CPUID value%s:\n%s", n, n == 1 ? "" : "s", diff);
        s->cpuid_retried = 1;
        r = launch_update(s, st->gpa, 1, SNP_PAGE_CPUID, &fw);
    }
    if (r < 0)
        return cmd_failed(s, "SNP_LAUNCH_UPDATE (CPUID page)", r, fw,
                          s->cpuid_retried ? "the firmware refused its own corrections" : NULL);
    return 0;
}

static int launch(struct sev_vm *s)
{
    for (unsigned i = 0; i < s->plan.nsteps; i++) {
        const struct sev_plan_step *st = &s->plan.steps[i];
        if (st->type == SNP_PAGE_CPUID) {
            if (update_cpuid_page(s, st) < 0)
                return -1;
            continue;
        }
        uint32_t fw = 0;
        long r = launch_update(s, st->gpa, st->npages, st->type, &fw);
        if (r < 0)
            return cmd_failed(s, "SNP_LAUNCH_UPDATE", r, fw, st->what);
    }
    struct sev_kvm_snp_launch_finish f;
    memset(&f, 0, sizeof f);
    memcpy(f.host_data, s->opt->host_data, sizeof f.host_data);
    if (s->opt->id_block) {
        f.id_block_uaddr = (uintptr_t)s->opt->id_block;
        f.id_auth_uaddr = (uintptr_t)s->opt->id_auth;
        f.id_block_en = 1;
        f.auth_key_en = s->opt->auth_key_en ? 1 : 0;
    }
    uint32_t fw = 0;
    long r = sev_cmd(s, SEV_KVM_SNP_LAUNCH_FINISH, &f, &fw);
    if (r < 0) {
        const char *hint = fw == SEV_RET_BAD_MEASUREMENT ? "the ID block was signed for another launch digest "
                                                           "(compare `enarx keep measure --backend sev`)"
                           : fw == SEV_RET_BAD_SIGNATURE ? "the ID block's signatures do not verify"
                           : fw == SEV_RET_POLICY_FAILURE ? "the ID block names another guest policy"
                                                          : NULL;
        return cmd_failed(s, "SNP_LAUNCH_FINISH", r, fw, hint);
    }
    s->launched = 1;
    return 0;
}

/* ---- building and launching ---- */

uint32_t sev_host_c_bit(const struct vmm_kernel *k)
{
    uint32_t r[4];
    k->cpuid(k->ctx, 0x8000001fu, 0, r);
    return r[1] & 0x3f;
}

int sev_vm_boot(struct sev_vm *s, const uint8_t *exec, size_t exec_len)
{
    struct kvm_keep_stats *st = s->stats;
    double t0 = vmm_now_us();
    /* A bad certificate table is the operator's mistake: say so before any
     * SNP resource is taken. */
    if (s->opt->certs_path && sev_certs_load(s) < 0)
        return -1;
    if (create_vm(s) < 0 || setup_memory(s) < 0 || setup_certs(s) < 0 || get_cpuid(s) < 0)
        return -1;
    double t1 = vmm_now_us();
    st->vm_us = t1 - t0;
    uint32_t c_bit = s->opt->c_bit ? s->opt->c_bit : sev_host_c_bit(s->k);
    s->img.mem = s->mem;
    s->img.mem_size = s->keep.mem_size;
    if (sev_build(&s->img, exec, exec_len, &s->keep, c_bit, &s->plan, s->err, s->errlen) < 0)
        return -1;
    unsigned dropped = 0;
    sev_cpuid_page(s->cpuid, (struct snp_cpuid_page *)(void *)(s->mem + SNP_KEEP_CPUID_GPA), &dropped);
    if (dropped && s->keep.log_level >= ENARX_LOG_INFO)
        fprintf(stderr, "enarx: the SNP CPUID page holds 64 functions: %u more were left out\n", dropped);
    /* The digest the firmware will compute, from the same plan. */
    if (sev_plan_digest(&s->plan, s->mem, s->measurement, &s->pages) < 0)
        return sev_fail(s, "cannot compute the launch digest");
    s->measured = 1;
    double t2 = vmm_now_us();
    st->image_us = t2 - t1;
    if (create_vcpu(s) < 0 || launch(s) < 0)
        return -1;
    /* The shared view still holds the image's plaintext; the guest's
     * private copy is all that counts now. */
    s->k->madvise(s->k->ctx, s->mem, s->keep.mem_size, MADV_DONTNEED);
    st->vcpu_us = vmm_now_us() - t2;
    return 0;
}

void sev_vm_init(struct sev_vm *s, const struct sev_keep_options *opt, struct kvm_keep_stats *stats, char *err,
                 size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->opt = opt;
    s->k = opt->kernel ? opt->kernel : vmm_kernel_host();
    s->stats = stats;
    s->err = err;
    s->errlen = errlen;
    s->kvm = s->sev = s->vm = s->gmem = s->vcpu = -1;
}

void sev_vm_teardown(struct sev_vm *s)
{
    if (s->run)
        s->k->munmap(s->k->ctx, s->run, s->run_size);
    const int fds[] = {s->vcpu, s->gmem, s->vm, s->sev, s->kvm};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            s->k->close(s->k->ctx, fds[i]);
    if (s->map)
        s->k->munmap(s->k->ctx, s->map, s->map_len);
    free(s->cpuid);
    free(s->certs);
}

/* ---- offline ---- */

int sev_keep_measure(const struct sev_keep_options *opt, uint8_t out[48], uint64_t *pages, char *err, size_t errlen)
{
    struct kvm_scratch sc;
    if (kvm_scratch_open(&opt->keep, &sc, err, errlen) < 0)
        return -1;
    struct keep_image img = {.mem = sc.mem, .mem_size = sc.opt.mem_size};
    struct sev_plan plan;
    int rc = sev_build(&img, sc.exec, sc.exec_len, &sc.opt, opt->c_bit ? opt->c_bit : SEV_DEFAULT_C_BIT, &plan, err,
                       errlen);
    if (rc == 0 && (rc = sev_plan_digest(&plan, sc.mem, out, pages)) < 0)
        snprintf(err, errlen, "cannot compute the launch digest");
    kvm_scratch_close(&sc);
    return rc;
}
