/* KVM backend: the checks behind `enarx platform info` and backend
 * auto-selection. Each check says what it found and, when it fails, what the
 * user can do about it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "backend/kvm/kvm.h"

static struct kvm_check *add(struct kvm_check *out, int max, int *n, const char *name, int pass)
{
    if (*n >= max)
        return NULL;
    struct kvm_check *c = &out[(*n)++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->pass = pass;
    return c;
}

static int cpuid_has(int kvm, unsigned fn, unsigned idx, int reg, int bit)
{
    int n = 256;
    struct kvm_cpuid2 *c = calloc(1, sizeof *c + (size_t)n * sizeof(struct kvm_cpuid_entry2));
    if (!c)
        return 0;
    c->nent = (unsigned)n;
    int found = 0;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
        for (unsigned i = 0; i < c->nent; i++) {
            struct kvm_cpuid_entry2 *e = &c->entries[i];
            if (e->function != fn || e->index != idx)
                continue;
            unsigned v = reg == 0 ? e->eax : reg == 1 ? e->ebx : reg == 2 ? e->ecx : e->edx;
            found = (v >> bit) & 1;
        }
    free(c);
    return found;
}

/* The smallest static x86-64 ELF that proves a Keep works here: it writes one
 * byte to its fd 0 (host /dev/null) through the sallyport, then exits with
 * write's result - 1, so status 0 means the shim booted, SYSCALL entry worked
 * and a proxied call came back right. Booting alone is not enough: on some
 * KVMs (PVM) the exit path and the sallyport path differ. */
static size_t probe_elf(uint8_t *buf)
{
    static const uint8_t code[] = {
        0xb8, 0x01, 0x00, 0x00, 0x00,             /* mov $1, %eax (write) */
        0x31, 0xff,                               /* xor %edi, %edi (fd 0) */
        0x48, 0x8d, 0x35, 0x15, 0x00, 0x00, 0x00, /* lea byte(%rip), %rsi */
        0xba, 0x01, 0x00, 0x00, 0x00,             /* mov $1, %edx */
        0x0f, 0x05,                               /* syscall */
        0x48, 0x89, 0xc7,                         /* mov %rax, %rdi */
        0x48, 0xff, 0xcf,                         /* dec %rdi: 0 when one byte was written */
        0xb8, 0xe7, 0x00, 0x00, 0x00,             /* mov $231, %eax (exit_group) */
        0x0f, 0x05,                               /* syscall */
        0xf4,                                     /* hlt: never reached */
        'k',                                      /* byte: the byte written */
    };
    const uint64_t base = 0x400000, hdrs = 64 + 56;
    memset(buf, 0, hdrs + sizeof code);
    static const uint8_t ident[7] = {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LE */, 1};
    memcpy(buf, ident, sizeof ident);
    uint16_t h16[] = {2 /* ET_EXEC */, 62 /* EM_X86_64 */};
    memcpy(buf + 16, h16, sizeof h16);
    uint32_t version = 1;
    memcpy(buf + 20, &version, 4);
    uint64_t entry = base + hdrs, phoff = 64;
    memcpy(buf + 24, &entry, 8);
    memcpy(buf + 32, &phoff, 8);
    uint16_t sizes[] = {64, 56, 1, 64, 0, 0}; /* ehsize, phentsize, phnum, shentsize, shnum, shstrndx */
    memcpy(buf + 52, sizes, sizeof sizes);
    uint32_t ptype = 1 /* PT_LOAD */, pflags = 5 /* R X */;
    uint64_t ph[] = {0, base, base, hdrs + sizeof code, hdrs + sizeof code, 0x1000};
    memcpy(buf + 64, &ptype, 4);
    memcpy(buf + 68, &pflags, 4);
    memcpy(buf + 72, ph, sizeof ph);
    memcpy(buf + hdrs, code, sizeof code);
    return hdrs + sizeof code;
}

static int probe_keep(char *info, size_t len)
{
    uint8_t elf[256];
    struct kvm_keep_options opt;
    kvm_keep_options_init(&opt);
    static char *argv[] = {(char *)"probe", NULL}, *envp[] = {NULL};
    opt.exec_size = probe_elf(elf);
    opt.exec_image = elf;
    opt.exec_path = "(probe)";
    opt.argv = argv;
    opt.envp = envp;
    opt.mem_size = 64ull << 20;
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull < 0) {
        snprintf(info, len, "cannot open /dev/null for the test Keep: %s", strerror(errno));
        return 0;
    }
    opt.fds[0] = devnull;
    opt.nfds = 1;
    opt.log_level = ENARX_LOG_ERROR;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct kvm_keep_result res;
    char err[512];
    int rc = kvm_keep_run(&opt, &res, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(devnull);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (rc == 0 && res.status == 0) {
        snprintf(info, len, "a test Keep ran to its exit in %.1f ms", ms);
        return 1;
    }
    snprintf(info, len, "%.180s", rc ? err : "the test Keep's write through the sallyport failed (wrong exit status)");
    return 0;
}

int kvm_platform_checks(struct kvm_check *out, int max)
{
    int n = 0;
    struct kvm_check *c;
    const char *dev = getenv("ENARX_KVM_DEVICE");
    if (!dev)
        dev = "/dev/kvm";
    int exists = access(dev, F_OK) == 0;
    char name[48];
    snprintf(name, sizeof name, "Driver: %s", dev);
    if ((c = add(out, max, &n, name, exists))) {
        snprintf(c->info, sizeof c->info, "%s", exists ? "present" : strerror(errno));
        if (!exists)
            snprintf(c->hint, sizeof c->hint,
                     "%s does not exist: enable virtualisation (VT-x/AMD-V) in the firmware and "
                     "load kvm_intel or kvm_amd; in a virtual machine, enable nested "
                     "virtualisation", dev);
    }
    if (!exists)
        return n;
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if ((c = add(out, max, &n, "Accessible (read/write)", fd >= 0))) {
        snprintf(c->info, sizeof c->info, "%s", fd >= 0 ? "read/write" : strerror(errno));
        if (fd < 0)
            snprintf(c->hint, sizeof c->hint, "add your user to the kvm group (then log in again), "
                                              "or run as root");
    }
    if (fd < 0)
        return n;
    int api = ioctl(fd, KVM_GET_API_VERSION, 0);
    if ((c = add(out, max, &n, "API version (12 needed)", api == KVM_API_VERSION))) {
        snprintf(c->info, sizeof c->info, "%d", api);
        if (api != KVM_API_VERSION)
            snprintf(c->hint, sizeof c->hint, "enarx needs KVM API %d; update the kernel",
                     KVM_API_VERSION);
    }
    int vm = ioctl(fd, KVM_CREATE_VM, 0);
    if ((c = add(out, max, &n, "KVM can create a VM", vm >= 0))) {
        snprintf(c->info, sizeof c->info, "%s", vm >= 0 ? "yes" : strerror(errno));
        if (vm < 0)
            snprintf(c->hint, sizeof c->hint, "another hypervisor may hold the CPU's "
                                              "virtualization extensions; see dmesg");
    }
    if (vm >= 0)
        close(vm);
    static const struct {
        const char *name;
        unsigned fn, idx;
        int reg, bit;
        const char *hint;
    } features[] = {
        {"CPU: RDRAND (Keep randomness)", 1, 0, 2, 30,
         "the Keep takes its random numbers from the CPU; this CPU (or KVM) does not offer RDRAND"},
        {"CPU: no-execute pages (NX)", 0x80000001, 0, 3, 20, "the shim needs NX page protection"},
        {"CPU: SYSCALL/SYSRET", 0x80000001, 0, 3, 11, "the Keep's system calls need SYSCALL"},
        {"CPU: FXSR/SSE2", 1, 0, 3, 26, "the exec needs SSE2"},
    };
    for (unsigned i = 0; i < sizeof features / sizeof features[0]; i++) {
        int ok = cpuid_has(fd, features[i].fn, features[i].idx, features[i].reg, features[i].bit);
        if ((c = add(out, max, &n, features[i].name, ok))) {
            snprintf(c->info, sizeof c->info, "%s", ok ? "offered by KVM" : "not offered by KVM");
            if (!ok)
                snprintf(c->hint, sizeof c->hint, "%s", features[i].hint);
        }
    }
    close(fd);
    int ok = 1;
    for (int i = 0; i < n; i++)
        ok = ok && out[i].pass;
    if (ok && (c = add(out, max, &n, "Keep boots and runs", 0))) {
        c->pass = probe_keep(c->info, sizeof c->info);
        if (!c->pass)
            snprintf(c->hint, sizeof c->hint, "KVM is there but a Keep does not run on it; "
                                              "`enarx unstable exec --log-level debug` shows more");
    }
    return n;
}
