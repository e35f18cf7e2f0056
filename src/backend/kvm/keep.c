/* KVM backend: creates the micro-VM, loads the shim and the exec, and runs
 * the exit loop, serving the sallyport — on the vCPU thread at each doorbell
 * exit, or (exit-less mode) from a thread that polls the block while the
 * Keep spins, falling back to the exit when that thread is idle. */
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

#include "backend/kvm/internal.h"
#include "common/file.h"
#include "sallyport/host.h"

#define MSR_STAR           0xc0000081u
#define MSR_LSTAR          0xc0000082u
#define MSR_CSTAR          0xc0000083u
#define MSR_SFMASK         0xc0000084u
#define MSR_FS_BASE        0xc0000100u
#define MSR_KERNEL_GS_BASE 0xc0000102u

/* How long the exit-less poller keeps spinning after the last request before
 * it parks, and how many PAUSEs the shim spins before it exits instead. */
#define POLL_IDLE_NS    200000

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
    struct sp_host host;
    uint8_t *block;
    /* Outcome. */
    int done, status;
    char *err;
    size_t errlen;
    /* Exit-less serving. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t poller;
    int poller_started;
    atomic_int stop_poller;
    atomic_int parked;
    uint64_t last_seq;
    int batch_error;
};

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

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

/* ---- the Keep's own sallyport calls ---- */

static void print_keep_message(const char *prefix, const char *msg, size_t len)
{
    char clean[4097];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof clean - 1; i++) {
        unsigned char c = (unsigned char)msg[i];
        clean[n++] = (c == '\n' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
    }
    clean[n] = 0;
    fprintf(stderr, "%s%s\n", prefix, clean);
}

/* With host_files, the Keep reaches the host's files as the user running
 * enarx would (as nil does); without, none at all. */
static int allow_files(struct sp_host *h, const char *path, int flags)
{
    (void)h;
    (void)path;
    (void)flags;
    return 0;
}

static int64_t keep_call(struct sp_host *h, const struct sp_call *c, int *stop)
{
    struct keep *k = h->ctx;
    switch (c->nr) {
    case SP_EXIT:
        k->status = (int)(c->arg[0] & 0xff);
        k->done = 1;
        *stop = 1;
        return 0;
    case SP_ABORT: {
        uint64_t len = c->arg[2] > 4096 ? 4096 : c->arg[2];
        const char *msg = sp_host_data(h, c->arg[1], len);
        k->status = c->arg[0] >= 1 && c->arg[0] <= 255 ? (int)c->arg[0] : 1;
        k->done = 2;
        *stop = 1;
        if (!msg)
            return fail(k, "the Keep stopped (status %d) with an unreadable report", k->status), 0;
        char text[4097];
        memcpy(text, msg, len);
        text[len] = 0;
        for (uint64_t i = 0; i < len; i++)
            if (text[i] != '\n' && ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f))
                text[i] = '?';
        snprintf(k->err, k->errlen, "Keep stopped: %s", text);
        return 0;
    }
    case SP_LOG: {
        if ((int64_t)c->arg[0] > (int64_t)k->opt->log_level)
            return 0;
        uint64_t len = c->arg[2] > 4096 ? 4096 : c->arg[2];
        const char *msg = sp_host_data(h, c->arg[1], len);
        if (!msg)
            return -EFAULT;
        print_keep_message("enarx: keep: ", msg, len);
        return 0;
    }
    case SP_DISCARD: {
        uint64_t gpa = c->arg[0], len = c->arg[1];
        if ((gpa | len) & (KVM_HUGE - 1) || gpa < k->img.boot->phys_free || gpa > k->img.mem_size ||
            len > k->img.mem_size - gpa)
            return -EINVAL;
        if (madvise(k->img.mem + gpa, len, MADV_DONTNEED) < 0)
            return -errno;
        return 0;
    }
    default:
        return -ENOSYS;
    }
}

/* Runs the batch in the block if the Keep published a new one. Returns 1
 * when the Keep has ended, -1 on a protocol error, 0 otherwise. */
static int serve(struct keep *k)
{
    pthread_mutex_lock(&k->lock);
    volatile struct sp_header *hdr = (volatile struct sp_header *)(void *)k->block;
    uint64_t seq = hdr->req_seq;
    int r = 0;
    if (k->done)
        r = 1;
    else if (k->batch_error)
        r = -1;
    else if (seq != k->last_seq) {
        k->last_seq = seq;
        k->stats->batches++;
        int b = sp_host_run_batch(&k->host, k->block, k->img.sallyport_data);
        if (b < 0) {
            k->batch_error = 1;
            fail(k, "the Keep sent a malformed sallyport batch: %s", k->host.error);
            r = -1;
        } else if (b > 0 || k->done) {
            r = 1;
        }
    }
    pthread_mutex_unlock(&k->lock);
    return r;
}

static void *poller_main(void *arg)
{
    struct keep *k = arg;
    volatile struct sp_header *hdr = (volatile struct sp_header *)(void *)k->block;
    uint64_t seen = hdr->req_seq;
    for (;;) {
        double idle_since = now_us();
        hdr->host_polling = 1;
        while (!atomic_load(&k->stop_poller)) {
            if (hdr->req_seq != seen) {
                seen = hdr->req_seq;
                if (serve(k) != 0)
                    break;
                idle_since = now_us();
            } else if (now_us() - idle_since > POLL_IDLE_NS / 1000.0) {
                break;
            }
            __builtin_ia32_pause();
        }
        hdr->host_polling = 0;
        pthread_mutex_lock(&k->lock);
        atomic_store(&k->parked, 1);
        while (atomic_load(&k->parked) && !atomic_load(&k->stop_poller) && !k->done)
            pthread_cond_wait(&k->wake, &k->lock);
        pthread_mutex_unlock(&k->lock);
        if (atomic_load(&k->stop_poller) || k->done)
            return NULL;
        seen = hdr->req_seq;
    }
}

static void wake_poller(struct keep *k)
{
    if (!k->poller_started || !atomic_load(&k->parked))
        return;
    pthread_mutex_lock(&k->lock);
    atomic_store(&k->parked, 0);
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->lock);
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

static void segment(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
    memset(s, 0, sizeof *s);
    s->selector = sel;
    s->limit = 0xffffffff;
    s->type = type;
    s->present = 1;
    s->s = 1;
    s->g = 1;
    s->l = (uint8_t)(code ? 1 : 0);
    s->db = (uint8_t)(code ? 0 : 1);
}

static int setup_vcpu(struct keep *k)
{
    const struct shim_header *h = &k->img.hdr;
    struct kvm_sregs sr;
    if (ioctl(k->vcpu, KVM_GET_SREGS, &sr) < 0)
        return fail(k, "KVM_GET_SREGS failed: %s", strerror(errno));
    segment(&sr.cs, KEEP_KERNEL_CS, 11, 1);
    segment(&sr.ds, KEEP_KERNEL_DS, 3, 0);
    sr.es = sr.ss = sr.fs = sr.gs = sr.ds;
    sr.gs.base = h->percpu; /* swapped into KERNEL_GS_BASE on the way to ring 3 */
    memset(&sr.tr, 0, sizeof sr.tr);
    sr.tr.selector = KEEP_TSS_SEL;
    sr.tr.base = h->tss;
    sr.tr.limit = 103;
    sr.tr.type = 11;
    sr.tr.present = 1;
    sr.gdt.base = h->gdt;
    sr.gdt.limit = KEEP_GDT_ENTRIES * 8 - 1;
    sr.idt.base = h->idt;
    sr.idt.limit = 256 * 16 - 1;
    sr.cr0 = 0x80050033; /* PG WP NE ET MP PE */
    sr.cr3 = k->img.pml4;
    sr.cr4 = 0x20 | 0x80 | 0x200 | 0x400; /* PAE PGE OSFXSR OSXMMEXCPT */
    if (k->xsave)
        sr.cr4 |= 1u << 18; /* OSXSAVE */
    if (k->smep)
        sr.cr4 |= 1u << 20; /* SMEP: the shim never runs user code */
    sr.efer = 0x1 | 0x100 | 0x400 | 0x800; /* SCE LME LMA NXE */
    if (ioctl(k->vcpu, KVM_SET_SREGS, &sr) < 0)
        return fail(k, "KVM_SET_SREGS (64-bit long mode) failed: %s", strerror(errno));

    const struct kvm_msr_entry entries[6] = {
        {.index = MSR_STAR, .data = 0x0023001000000000ull},
        {.index = MSR_LSTAR, .data = h->syscall_entry},
        {.index = MSR_CSTAR, .data = 0},
        {.index = MSR_SFMASK, .data = 0x44700}, /* IF TF DF AC NT */
        {.index = MSR_FS_BASE, .data = 0},
        {.index = MSR_KERNEL_GS_BASE, .data = 0}};
    union { /* struct kvm_msrs ends in a flexible array: room for the entries */
        struct kvm_msrs hdr;
        uint8_t raw[sizeof(struct kvm_msrs) + sizeof entries];
    } msrs;
    memset(&msrs, 0, sizeof msrs);
    msrs.hdr.nmsrs = 6;
    memcpy(msrs.hdr.entries, entries, sizeof entries);
    if (ioctl(k->vcpu, KVM_SET_MSRS, &msrs) != 6)
        return fail(k, "KVM_SET_MSRS (system call MSRs) failed");

    if (k->xsave) {
        struct kvm_xcrs x = {.nr_xcrs = 1, .xcrs = {{.xcr = 0, .value = k->xcr0}}};
        if (ioctl(k->vcpu, KVM_SET_XCRS, &x) < 0)
            return fail(k, "KVM_SET_XCRS failed: %s", strerror(errno));
    }
    struct kvm_regs r = {0};
    r.rip = h->entry;
    r.rsp = h->stack_top;
    r.rdi = h->boot_info;
    r.rflags = 2;
    if (ioctl(k->vcpu, KVM_SET_REGS, &r) < 0)
        return fail(k, "KVM_SET_REGS failed: %s", strerror(errno));
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
        case KVM_EXIT_IO:
            if (run->io.port == SP_DOORBELL_PORT && run->io.direction == KVM_EXIT_IO_OUT) {
                int r = serve(k);
                wake_poller(k);
                if (r < 0)
                    return -1;
                if (r > 0)
                    return k->done == 1 ? 0 : -1;
                continue;
            }
            return fail(k, "the Keep used I/O port %#x, which it has no business with", run->io.port);
        case KVM_EXIT_HLT:
            if (k->done)
                return k->done == 1 ? 0 : -1;
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
    if (k->poller_started) {
        atomic_store(&k->stop_poller, 1);
        pthread_mutex_lock(&k->lock);
        atomic_store(&k->parked, 0);
        pthread_cond_broadcast(&k->wake);
        pthread_mutex_unlock(&k->lock);
        pthread_join(k->poller, NULL);
    }
    sp_host_close_all(&k->host);
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
    pthread_mutex_destroy(&k->lock);
    pthread_cond_destroy(&k->wake);
}

static int give_fds(struct keep *k)
{
    for (int i = 0; i < k->opt->nfds && i < KVM_KEEP_MAX_FDS; i++) {
        if (k->opt->fds[i] < 0)
            continue;
        int d = fcntl(k->opt->fds[i], F_DUPFD_CLOEXEC, 10);
        if (d < 0)
            return fail(k, "cannot pass fd %d to the Keep: %s", k->opt->fds[i], strerror(errno));
        sp_host_give_fd(&k->host, i, d);
    }
    return 0;
}

int kvm_resolve_options(const struct kvm_keep_options *in, struct kvm_keep_options *out, char *err,
                        size_t errlen)
{
    *out = *in;
    if (!out->mem_size)
        out->mem_size = KVM_KEEP_DEFAULT_MEM;
    if (!out->sallyport_size)
        out->sallyport_size = KVM_KEEP_DEFAULT_SALLYPORT;
    if (out->mem_size % KVM_HUGE || out->mem_size < (64ull << 20) || out->mem_size > (1ull << 40)) {
        snprintf(err, errlen, "the Keep's memory must be a multiple of 2 MiB between 64 MiB and 1 TiB (got %llu "
                 "bytes)", (unsigned long long)out->mem_size);
        return -1;
    }
    if (out->sallyport_size % 4096 || out->sallyport_size < 4096 || out->sallyport_size > SP_MAX_DATA_SIZE) {
        snprintf(err, errlen, "the sallyport block must be a multiple of 4 KiB up to %u MiB",
                 SP_MAX_DATA_SIZE >> 20);
        return -1;
    }
    return 0;
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
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->wake, NULL);
    sp_host_init(&k->host);
    k->host.keep_call = keep_call;
    k->host.ctx = k;
    if (opt->host_files)
        k->host.open_policy = allow_files;
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
    double t1 = now_us();
    st->read_us = t1 - t0;
    if (setup_vm(k) < 0)
        return -1;
    double t2 = now_us();
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
    st->image_us = now_us() - t2;
    k->block = k->img.mem + k->img.sallyport_gpa;
    if (give_fds(k) < 0 || setup_vcpu(k) < 0)
        return -1;
    if (opt->exitless) {
        if (pthread_create(&k->poller, NULL, poller_main, k) != 0)
            return fail(k, "cannot start the sallyport thread");
        k->poller_started = 1;
    }
    st->setup_us = now_us() - t0;
    st->vcpu_us = st->setup_us - st->read_us - st->vm_us - st->image_us;
    return 0;
}

int kvm_keep_run(const struct kvm_keep_options *options, struct kvm_keep_result *res, char *err, size_t errlen)
{
    double t0 = now_us();
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
        res->stats.run_us = now_us() - t0 - res->stats.setup_us;
    }
    res->measured = k->measured;
    memcpy(res->measurement, k->measurement, sizeof res->measurement);
    if (rc == 0) {
        res->outcome = KVM_KEEP_EXITED;
        res->status = k->status;
    } else if (k->done == 2) { /* the Keep's own report (SP_ABORT) is in err */
        res->outcome = KVM_KEEP_STOPPED;
        res->status = k->status;
    }
    teardown(k);
    file_contents_free(&exec_file);
    free(k);
    return rc;
}
