/* KVM backend: creates the micro-VM, loads the shim and the exec, and runs
 * the exit loop; the sallyport is served by serve.c (vmm.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "abi/evidence.h"
#include "backend/kvm/internal.h"
#include "common/file.h"
#include "common/unattested.h"
#include "sallyport/host.h"


struct keep {
    const struct kvm_keep_options *opt;
    struct kvm_keep_stats *stats;
    int kvm, vm, vcpu;
    struct kvm_run *run;
    size_t run_size;
    void *map;
    size_t map_len;
    struct keep_image img;
    int measured;                 /* measurement holds the launch's digest */
    uint8_t measurement[48];
    struct kvm_cpuid2 *cpuid;
    uint64_t xcr0;
    int xsave, smep;
    struct vmm_keep v;        /* the sallyport and the outcome */
    char *err;
    size_t errlen;
};

static __attribute__((format(printf, 2, 3))) int fail(struct keep *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->err, k->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

void kvm_keep_options_init(struct kvm_keep_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->mem_size = KVM_KEEP_DEFAULT_MEM;
    opt->sallyport_size = KVM_KEEP_DEFAULT_SALLYPORT;
    opt->log_level = ENARX_LOG_WARN;
    for (int i = 0; i < KVM_KEEP_MAX_FDS; i++)
        opt->fds[i] = -1;
}

uint64_t kvm_parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return 0;
    unsigned shift = 0;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return 0;
    }
    if ((*end == 'i' && end[1] == 'B' && end[2] == 0) || (*end == 'B' && end[1] == 0))
        end += *end == 'i' ? 2 : 1;
    if (*end || v > (UINT64_MAX >> shift))
        return 0;
    return (uint64_t)v << shift;
}

/* SP_DISCARD: the host's copy of memory the Keep gave back. */
static int discard(void *ctx, uint64_t gpa, uint64_t len)
{
    struct keep *k = ctx;
    return madvise(k->img.mem + gpa, len, MADV_DONTNEED) < 0 ? -errno : 0;
}

/* The evidence call: plain KVM has no hardware root, so the VMM can only
 * say what it claims (abi/evidence.h, UNATTESTED). */
static int64_t keep_getatt(void *ctx, struct sp_host *h, const struct sp_call *c)
{
    struct keep *k = ctx;
    const uint8_t *rd = sp_host_data(h, c->arg[0], ENARX_REPORT_DATA_LEN);
    uint64_t cap = c->arg[2];
    uint8_t *out = sp_host_data(h, c->arg[1], cap);
    if (!rd || !out)
        return -EFAULT;
    uint8_t report_data[ENARX_REPORT_DATA_LEN];
    memcpy(report_data, rd, sizeof report_data); /* the Keep's block: read once */
    if (k->opt->attest) {
        uint8_t *ev = NULL;
        size_t len = 0;
        uint32_t kind = 0;
        if (k->opt->attest(k->opt->attest_ctx, report_data, &ev, &len, &kind) != 0) {
            free(ev);
            return -EIO;
        }
        int64_t r = len <= cap ? (int64_t)len : -EMSGSIZE;
        if (r > 0)
            memcpy(out, ev, len);
        free(ev);
        return r;
    }
    if (cap < UNATTESTED_DOCUMENT_LEN)
        return -EMSGSIZE;
    /* what the VMM measured while it built this Keep (measure.h) */
    if (!k->measured)
        return (int64_t)unattested_document(report_data, ENARX_HASH_NONE, NULL, 0, out);
    return (int64_t)unattested_document(report_data, ENARX_HASH_SHA384, k->measurement, sizeof k->measurement, out);
}

/* ---- KVM set-up ---- */

static int get_cpuid(struct keep *k)
{
    for (int n = 128; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + (size_t)n * sizeof(struct kvm_cpuid_entry2));
        if (!c)
            return fail(k, "out of memory");
        c->nent = (uint32_t)n;
        if (ioctl(k->kvm, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            k->cpuid = c;
            return 0;
        }
        int e = errno;
        free(c);
        if (e != E2BIG)
            return fail(k, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(e));
    }
    return fail(k, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

static struct kvm_cpuid_entry2 *cpuid_leaf(struct keep *k, uint32_t fn, uint32_t idx)
{
    for (uint32_t i = 0; i < k->cpuid->nent; i++)
        if (k->cpuid->entries[i].function == fn && k->cpuid->entries[i].index == idx)
            return &k->cpuid->entries[i];
    return NULL;
}

static int setup_vm(struct keep *k)
{
    const char *dev = getenv("ENARX_KVM_DEVICE");
    if (!dev)
        dev = "/dev/kvm";
    k->kvm = open(dev, O_RDWR | O_CLOEXEC);
    if (k->kvm < 0)
        return fail(k, "cannot open %s: %s (the kvm backend needs KVM; see `enarx platform info`)",
                    dev, strerror(errno));
    int api = ioctl(k->kvm, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION)
        return fail(k, "%s speaks KVM API version %d, enarx needs %d", dev, api, KVM_API_VERSION);
    do
        k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0);
    while (k->vm < 0 && errno == EINTR);
    if (k->vm < 0)
        return fail(k, "KVM_CREATE_VM failed: %s", strerror(errno));

    /* Guest RAM: reserved, not committed; 2 MiB aligned and THP-backed so
     * the guest's first touch is cheap (docs/keep.md). */
    uint64_t size = k->opt->mem_size;
    k->map_len = size + KVM_HUGE;
    k->map = mmap(NULL, k->map_len, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (k->map == MAP_FAILED) {
        k->map = NULL;
        return fail(k, "cannot reserve %llu MiB for the Keep's memory: %s",
                    (unsigned long long)(size >> 20), strerror(errno));
    }
    uint8_t *mem = (uint8_t *)(((uintptr_t)k->map + KVM_HUGE - 1) & ~(uintptr_t)(KVM_HUGE - 1));
    madvise(mem, size, MADV_HUGEPAGE);
    k->img.mem = mem;
    k->img.mem_size = size;
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = size, .userspace_addr = (uintptr_t)mem};
    if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return fail(k, "KVM_SET_USER_MEMORY_REGION (%llu MiB) failed: %s",
                    (unsigned long long)(size >> 20), strerror(errno));

    k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0);
    if (k->vcpu < 0)
        return fail(k, "KVM_CREATE_VCPU failed: %s", strerror(errno));
    int rs = ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (rs < (int)sizeof(struct kvm_run))
        return fail(k, "KVM_GET_VCPU_MMAP_SIZE failed");
    k->run_size = (size_t)rs;
    k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu, 0);
    if (k->run == MAP_FAILED) {
        k->run = NULL;
        return fail(k, "cannot map the vCPU's run area: %s", strerror(errno));
    }
    if (get_cpuid(k) < 0)
        return -1;
    if (ioctl(k->vcpu, KVM_SET_CPUID2, k->cpuid) < 0)
        return fail(k, "KVM_SET_CPUID2 failed: %s", strerror(errno));
    struct kvm_cpuid_entry2 *e;
    if ((e = cpuid_leaf(k, 1, 0)))
        k->xsave = (e->ecx >> 26) & 1;
    if ((e = cpuid_leaf(k, 7, 0)))
        k->smep = (e->ebx >> 7) & 1;
    if (k->xsave && (e = cpuid_leaf(k, 0xd, 0)))
        k->xcr0 = e->eax & 0xe7; /* x87, SSE, AVX, AVX-512 state */
    if (!(k->xcr0 & 1))
        k->xsave = 0;
    return 0;
}

static int setup_vcpu(struct keep *k)
{
    /* CR4: PAE PGE OSFXSR OSXMMEXCPT, and what the vCPU offers of OSXSAVE
     * and SMEP (the shim never runs user code). */
    uint64_t cr4 = 0x20 | 0x80 | 0x200 | 0x400;
    if (k->xsave)
        cr4 |= 1u << 18;
    if (k->smep)
        cr4 |= 1u << 20;
    struct keep_entry e;
    keep_entry_state(&k->img.hdr, k->img.pml4, cr4, &e);
    if (keep_entry_apply(vmm_kernel_host(), k->vcpu, &e, k->err, k->errlen) < 0)
        return -1;
    if (k->xsave) {
        struct kvm_xcrs x = {.nr_xcrs = 1, .xcrs = {{.xcr = 0, .value = k->xcr0}}};
        if (ioctl(k->vcpu, KVM_SET_XCRS, &x) < 0)
            return fail(k, "KVM_SET_XCRS failed: %s", strerror(errno));
    }
    return 0;
}

/* ---- the exit loop ---- */

static void dump_regs(struct keep *k)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(k->vcpu, KVM_GET_REGS, &r) < 0 || ioctl(k->vcpu, KVM_GET_SREGS, &s) < 0)
        return;
    fprintf(stderr,
            "enarx: Keep registers: rip %016llx rsp %016llx rflags %08llx cs %04x cpl %d\n"
            "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
            "  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n"
            "  cr0 %08llx cr2 %016llx cr3 %016llx cr4 %08llx efer %llx\n",
            r.rip, r.rsp, r.rflags, s.cs.selector, s.cs.dpl, r.rax, r.rbx, r.rcx, r.rdx, r.rsi,
            r.rdi, r.rbp, r.r8, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}

static int run_loop(struct keep *k)
{
    for (;;) {
        if (ioctl(k->vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return fail(k, "KVM_RUN failed: %s", strerror(errno));
        }
        k->stats->exits++;
        struct kvm_run *run = k->run;
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            int r = vmm_keep_io_exit(&k->v, run);
            if (r <= 0)
                return r;
            continue;
        }
        case KVM_EXIT_HLT:
            if (k->v.done)
                return k->v.done == 1 ? 0 : -1;
            if (k->opt->log_level >= ENARX_LOG_DEBUG)
                dump_regs(k);
            return fail(k, "the Keep halted without a report (the shim could not reach the host)");
        case KVM_EXIT_SHUTDOWN:
            if (k->opt->log_level >= ENARX_LOG_DEBUG)
                dump_regs(k);
            return fail(k, "the Keep's CPU shut down (triple fault in the shim)%s",
                        k->opt->log_level >= ENARX_LOG_DEBUG ? "" : "; --log-level debug shows its registers");
        case KVM_EXIT_MMIO:
            if (k->opt->log_level >= ENARX_LOG_DEBUG)
                dump_regs(k);
            return fail(k, "the Keep touched guest-physical address %#llx, outside its memory",
                        (unsigned long long)run->mmio.phys_addr);
        case KVM_EXIT_FAIL_ENTRY:
            return fail(k, "KVM could not enter the Keep (hardware reason %#llx)",
                        (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR:
            if (k->opt->log_level >= ENARX_LOG_DEBUG)
                dump_regs(k);
            return fail(k, "KVM internal error %u while running the Keep", run->internal.suberror);
        case KVM_EXIT_INTR:
            continue;
        default:
            if (k->opt->log_level >= ENARX_LOG_DEBUG)
                dump_regs(k);
            return fail(k, "unexpected VM exit %u", run->exit_reason);
        }
    }
}

static void teardown(struct keep *k)
{
    vmm_keep_stop(&k->v);
    if (k->run)
        munmap(k->run, k->run_size);
    if (k->vcpu >= 0)
        close(k->vcpu);
    if (k->vm >= 0)
        close(k->vm);
    if (k->kvm >= 0)
        close(k->kvm);
    if (k->map)
        munmap(k->map, k->map_len);
    free(k->cpuid);
}

static struct keep *keep_new(const struct kvm_keep_options *opt, struct kvm_keep_stats *stats, char *err,
                             size_t errlen)
{
    struct keep *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->opt = opt;
    k->stats = stats;
    k->err = err;
    k->errlen = errlen;
    k->kvm = k->vm = k->vcpu = -1;
    vmm_keep_init(&k->v, opt, stats, err, errlen);
    k->v.discard = discard;
    k->v.discard_ctx = k;
    k->v.getatt = keep_getatt;
    k->v.getatt_ctx = k;
    return k;
}

/* Everything up to the first KVM_RUN: the exec checked, the VM, its memory
 * image, the fds, the vCPU, the exit-less thread. *exec_file: the exec's
 * bytes when they were read here (the caller frees them). */
static int boot(struct keep *k, file_contents *exec_file, double t0)
{
    const struct kvm_keep_options *opt = k->opt;
    struct kvm_keep_stats *st = k->stats;
    const uint8_t *exec;
    size_t exec_len;
    if (kvm_exec_bytes(opt, exec_file, &exec, &exec_len, k->err, k->errlen) < 0)
        return -1;
    struct elf_info ei; /* a bad executable is reported before KVM is touched */
    if (elf_parse(exec, exec_len, "exec", &ei, k->err, k->errlen) < 0)
        return -1;
    double t1 = vmm_now_us();
    st->read_us = t1 - t0;
    if (setup_vm(k) < 0)
        return -1;
    double t2 = vmm_now_us();
    st->vm_us = t2 - t1;
    struct keep_layout layout;
    keep_layout_init(&layout);
    k->img.layout = opt->measure ? &layout : NULL;
    int built = image_build(&k->img, kvm_shim_image, (size_t)kvm_shim_image_size, exec, exec_len, opt, k->err,
                            k->errlen);
    /* What was loaded, hashed before the guest runs a single instruction. */
    if (built == 0 && opt->measure) {
        if (measure_layout_sha384(&layout, k->img.mem, k->img.mem_size, k->measurement) == 0)
            k->measured = 1;
        else
            built = fail(k, "cannot measure the Keep's memory");
    }
    keep_layout_free(&layout);
    k->img.layout = NULL;
    if (built < 0)
        return -1;
    st->image_us = vmm_now_us() - t2;
    k->v.discard_floor = k->img.boot->phys_free;
    k->v.mem_size = k->img.mem_size;
    if (setup_vcpu(k) < 0 ||
        vmm_keep_start(&k->v, k->img.mem + k->img.sallyport_gpa, k->img.sallyport_data) < 0)
        return -1;
    st->setup_us = vmm_now_us() - t0;
    st->vcpu_us = st->setup_us - st->read_us - st->vm_us - st->image_us;
    return 0;
}

int kvm_keep_exit_status(const struct kvm_keep_result *res, const char *err)
{
    switch (res->outcome) {
    case KVM_KEEP_EXITED:
        return res->status;
    case KVM_KEEP_STOPPED: /* the Keep itself said why it stopped: say so, keep its status */
        fprintf(stderr, "enarx: %s\n", err);
        return res->status;
    case KVM_KEEP_FAILED:
        break;
    }
    return -1;
}

int kvm_keep_run(const struct kvm_keep_options *options, struct kvm_keep_result *res, char *err, size_t errlen)
{
    double t0 = vmm_now_us();
    memset(res, 0, sizeof *res);
    res->outcome = KVM_KEEP_FAILED;
    res->status = 1;
    err[0] = 0;
    struct kvm_keep_options opt;
    if (kvm_resolve_options(options, &opt, err, errlen) < 0)
        return -1;
    struct keep *k = keep_new(&opt, &res->stats, err, errlen);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* A write to a closed pipe must come back to the Keep as EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    file_contents exec_file = {0};
    int rc = boot(k, &exec_file, t0);
    if (rc == 0) {
        rc = run_loop(k);
        res->stats.run_us = vmm_now_us() - t0 - res->stats.setup_us;
    }
    res->measured = k->measured;
    memcpy(res->measurement, k->measurement, sizeof res->measurement);
    if (rc == 0) {
        res->outcome = KVM_KEEP_EXITED;
        res->status = k->v.status;
    } else if (k->v.done == 2) { /* the Keep's own report (SP_ABORT) is in err */
        res->outcome = KVM_KEEP_STOPPED;
        res->status = k->v.status;
    }
    teardown(k);
    file_contents_free(&exec_file);
    free(k);
    return rc;
}
