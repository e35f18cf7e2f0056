/* The model's kernel: the file descriptors, ioctls, mappings and files the
 * VMM asks Linux for, with Linux's refusals (docs: linux-uapi/docs,
 * amd-memory-encryption.rst and the api.rst excerpts). Test-only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/sev/uapi.h"
#include "model_internal.h"

int m_error(struct snp_model *m, const char *fmt, ...)
{
    if (!m->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m->error, sizeof m->error, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int m_user_range(const struct snp_model *m, uint64_t addr, size_t len)
{
    for (int i = 0; i < M_MAX_MAPS; i++) {
        const struct m_map *p = &m->maps[i];
        if (p->addr && addr >= (uintptr_t)p->addr && len <= p->len && addr - (uintptr_t)p->addr <= p->len - len)
            return 1;
    }
    return 0;
}

void snp_model_config_default(struct snp_model_config *c)
{
    memset(c, 0, sizeof *c);
    c->snp_cpu = 1;
    c->c_bit = 51;
    c->dev_sev = c->dev_kvm = c->sev_snp_param = 1;
    c->vm_types = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 4);
    c->fw_major = 1;
    c->fw_minor = 55;
    c->rmp_initialized = 1;
    c->asids_total = 99;
    c->asids_used = 0;
    c->host_mce = 1;
    c->host_smt = 1;
    c->update_chunk = 100;
}

/* ---- descriptors ---- */

static int new_fd(struct snp_model *m, enum m_fd_kind kind)
{
    for (int i = 3; i < 64; i++)
        if (m->fds[i].kind == FD_NONE) {
            memset(&m->fds[i], 0, sizeof m->fds[i]);
            m->fds[i].kind = kind;
            m->fds[i].real = -1;
            return 1000 + i;
        }
    return -EMFILE;
}

static struct m_fd *fd_of(struct snp_model *m, int fd)
{
    int i = fd - 1000;
    return i >= 0 && i < 64 && m->fds[i].kind != FD_NONE ? &m->fds[i] : NULL;
}

static const char *fake_file(struct snp_model *m, const char *path)
{
    static char misc_cap[64], misc_cur[64];
    if (strcmp(path, "/sys/module/kvm_amd/parameters/sev_snp") == 0)
        return m->cfg.dev_kvm ? (m->cfg.sev_snp_param ? "Y\n" : "N\n") : NULL;
    if (strcmp(path, "/sys/fs/cgroup/misc.capacity") == 0 && m->cfg.asids_total >= 0) {
        snprintf(misc_cap, sizeof misc_cap, "sev 410\nsev_es %ld\n", m->cfg.asids_total);
        return misc_cap;
    }
    if (strcmp(path, "/sys/fs/cgroup/misc.current") == 0 && m->cfg.asids_used >= 0) {
        snprintf(misc_cur, sizeof misc_cur, "sev 0\nsev_es %ld\n", m->cfg.asids_used);
        return misc_cur;
    }
    return NULL;
}

static int k_open(void *ctx, const char *path, int flags)
{
    struct snp_model *m = ctx;
    if (strcmp(path, "/dev/kvm") == 0)
        return m->cfg.dev_kvm ? new_fd(m, FD_KVM) : -ENOENT;
    if (strcmp(path, "/dev/sev") == 0)
        return m->cfg.dev_sev ? new_fd(m, FD_SEV) : -ENOENT;
    if (strncmp(path, "/sys/", 5) == 0) {
        const char *text = fake_file(m, path);
        if (!text)
            return -ENOENT;
        int fd = new_fd(m, FD_FILE);
        if (fd >= 0)
            fd_of(m, fd)->text = text;
        return fd;
    }
    /* Anything else (a certificate table) is a real file. */
    int real = open(path, flags | O_CLOEXEC);
    if (real < 0)
        return -errno;
    int fd = new_fd(m, FD_FILE);
    if (fd < 0) {
        close(real);
        return fd;
    }
    fd_of(m, fd)->real = real;
    return fd;
}

static int k_close(void *ctx, int fd)
{
    struct snp_model *m = ctx;
    struct m_fd *f = fd_of(m, fd);
    if (!f)
        return m_error(m, "close of fd %d, which the model never gave out", fd), -EBADF;
    if (f->real >= 0)
        close(f->real);
    f->kind = FD_NONE;
    return 0;
}

static ssize_t k_read(void *ctx, int fd, void *buf, size_t len)
{
    struct snp_model *m = ctx;
    struct m_fd *f = fd_of(m, fd);
    if (!f || f->kind != FD_FILE)
        return -EBADF;
    if (f->real >= 0) {
        ssize_t n = read(f->real, buf, len);
        return n < 0 ? -errno : n;
    }
    size_t left = strlen(f->text) - f->pos, n = len < left ? len : left;
    memcpy(buf, f->text + f->pos, n);
    f->pos += n;
    return (ssize_t)n;
}

static int k_lock(void *ctx, int fd, short type)
{
    struct snp_model *m = ctx;
    struct m_fd *f = fd_of(m, fd);
    if (!f || f->real < 0)
        return -EBADF;
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET};
    return fcntl(f->real, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

static void k_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct snp_model *m = ctx;
    (void)sub;
    memset(out, 0, 16);
    switch (leaf) {
    case 0:
        out[0] = 0x10;
        memcpy(&out[1], "Auth", 4);
        memcpy(&out[3], "enti", 4);
        memcpy(&out[2], "cAMD", 4);
        break;
    case 0x80000000u:
        out[0] = 0x80000021u;
        break;
    case 0x8000001fu:
        out[0] = m->cfg.snp_cpu ? 0x1fu : 0x3u; /* SME SEV (SEV-ES, SNP, VMPL) */
        out[1] = m->cfg.c_bit | (1u << 6);
        out[2] = 509;
        out[3] = 100;
        break;
    }
}

/* ---- memory ---- */

static void *k_mmap(void *ctx, void *addr, size_t len, int prot, int flags, int fd, off_t off, int *error)
{
    struct snp_model *m = ctx;
    if (fd >= 0) {
        struct m_fd *f = fd_of(m, fd);
        if (!f || f->kind != FD_VCPU || off != 0 || len < sizeof(struct kvm_run)) {
            *error = EINVAL;
            return MAP_FAILED;
        }
        struct m_vcpu *v = &m->vcpus[f->vcpu];
        if (!v->run) {
            v->run = calloc(1, len);
            v->run_size = len;
        }
        return v->run;
    }
    void *p = mmap(addr, len, prot, flags, -1, off);
    if (p == MAP_FAILED) {
        *error = errno;
        return p;
    }
    for (int i = 0; i < M_MAX_MAPS; i++)
        if (!m->maps[i].addr) {
            m->maps[i] = (struct m_map){p, len};
            break;
        }
    return p;
}

static int k_munmap(void *ctx, void *addr, size_t len)
{
    struct snp_model *m = ctx;
    for (int i = 0; i < m->nvcpus; i++)
        if (m->vcpus[i].run == addr)
            return 0; /* freed with the model */
    for (int i = 0; i < M_MAX_MAPS; i++)
        if (m->maps[i].addr == addr) {
            m->maps[i].addr = NULL;
            if (m->shared && (uint8_t *)addr <= m->shared && m->shared < (uint8_t *)addr + len)
                m->shared = NULL;
        }
    return munmap(addr, len) < 0 ? -errno : 0;
}

static int k_madvise(void *ctx, void *addr, size_t len, int advice)
{
    struct snp_model *m = ctx;
    if (!m_user_range(m, (uintptr_t)addr, len))
        return m_error(m, "madvise of memory the VMM never mapped"), -ENOMEM;
    return madvise(addr, len, advice) < 0 ? -errno : 0;
}

static int k_fallocate(void *ctx, int fd, int mode, off_t off, off_t len)
{
    struct snp_model *m = ctx;
    struct m_fd *f = fd_of(m, fd);
    if (!f || f->kind != FD_GMEM)
        return m_error(m, "fallocate on fd %d, not a guest_memfd", fd), -EBADF;
    /* guest_memfd supports only punching holes, page aligned, inside it. */
    if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) || off < 0 || len <= 0 ||
        ((uint64_t)off | (uint64_t)len) % M_PAGE || (uint64_t)off + (uint64_t)len > m->gmem_size)
        return m_error(m, "guest_memfd fallocate refused (mode %#x, %#llx + %#llx)", mode, (unsigned long long)off,
                       (unsigned long long)len), -EINVAL;
    memset(m->priv + off, 0, (size_t)len);
    for (uint64_t p = (uint64_t)off / M_PAGE; p < ((uint64_t)off + (uint64_t)len) / M_PAGE; p++)
        m->populated[p] = 0;
    return 0;
}

/* ---- /dev/kvm ---- */

static void supported_cpuid(struct kvm_cpuid2 *c)
{
    static const struct kvm_cpuid_entry2 table[] = {
        {.function = 0, .eax = 0x10, .ebx = 0x68747541, .ecx = 0x444d4163, .edx = 0x69746e65},
        {.function = 1, .eax = 0xa10f11, .ebx = 0x800, .ecx = 0xfef8320b, .edx = 0x178bfbff},
        {.function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 1, .ebx = 0xf1bf07ab,
         .ecx = 0x405fce, .edx = 0x10},
        {.function = 7, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x20},
        {.function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xe7, .ebx = 0x988,
         .ecx = 0x988},
        {.function = 0xd, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xf, .ebx = 0x988},
        {.function = 0xd, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x100, .ebx = 0x240},
        {.function = 0x40000000u, .eax = 0x40000001u, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d},
        {.function = 0x40000001u, .eax = 0x1000000},
        {.function = 0x80000000u, .eax = 0x80000021u, .ebx = 0x68747541, .ecx = 0x444d4163, .edx = 0x69746e65},
        {.function = 0x80000001u, .eax = 0xa10f11, .ecx = 0x75c237ff, .edx = 0x2fd3fbff},
        {.function = 0x80000008u, .eax = 0x3030, .ebx = 0x791ef257},
        {.function = 0x8000001fu, .eax = 0x1ffff, .ebx = 0x4033, .ecx = 509, .edx = 100},
    };
    uint32_t n = sizeof table / sizeof table[0];
    memcpy(c->entries, table, sizeof table);
    c->nent = n;
}

static long kvm_ioctl(struct snp_model *m, unsigned long req, void *arg)
{
    switch (req) {
    case KVM_GET_API_VERSION:
        return 12;
    case KVM_CHECK_EXTENSION:
        switch ((long)(uintptr_t)arg) {
        case SEV_KVM_CAP_VM_TYPES:
            return (long)m->cfg.vm_types;
        case SEV_KVM_CAP_GUEST_MEMFD:
        case SEV_KVM_CAP_USER_MEMORY2:
            return 1;
        case SEV_KVM_CAP_EXIT_HYPERCALL:
            return 1l << SEV_KVM_HC_MAP_GPA_RANGE;
        case SEV_KVM_CAP_MEMORY_ATTRIBUTES:
            return (long)SEV_KVM_MEMORY_ATTRIBUTE_PRIVATE;
        default:
            return 0;
        }
    case KVM_CREATE_VM: {
        if ((long)(uintptr_t)arg != SEV_KVM_X86_SNP_VM)
            return m_error(m, "KVM_CREATE_VM type %ld (the model plays SNP VMs only)", (long)(uintptr_t)arg), -EINVAL;
        if (!m->cfg.sev_snp_param || !(m->cfg.vm_types & (1u << SEV_KVM_X86_SNP_VM)))
            return -EINVAL;
        if (m->vm_exists)
            return m_error(m, "a second VM"), -EBUSY;
        m->vm_exists = 1;
        return new_fd(m, FD_VM);
    }
    case KVM_GET_VCPU_MMAP_SIZE:
        return 3l * M_PAGE;
    case KVM_GET_SUPPORTED_CPUID: {
        struct kvm_cpuid2 *c = arg;
        if (c->nent < 13)
            return -E2BIG;
        supported_cpuid(c);
        return 0;
    }
    case KVM_HAS_DEVICE_ATTR:
    case KVM_GET_DEVICE_ATTR: {
        struct kvm_device_attr *a = arg;
        if (a->flags || a->group != SEV_KVM_X86_GRP_SEV || a->attr != SEV_KVM_X86_SEV_SNP_REQ_CERTS || !m->cfg.req_certs)
            return -ENXIO;
        if (req == KVM_GET_DEVICE_ATTR)
            *(uint64_t *)(uintptr_t)a->addr = 1;
        return 0;
    }
    default:
        return m_error(m, "ioctl %#lx on /dev/kvm, which the VMM has no reason to make", req), -ENOTTY;
    }
}

/* ---- /dev/sev ---- */

static long sev_ioctl(struct snp_model *m, unsigned long req, void *arg)
{
    if (req != SEV_ISSUE_CMD)
        return -ENOTTY;
    struct sev_issue_cmd *c = arg;
    if (c->cmd == SEV_CMD_PLATFORM_STATUS) {
        struct sev_user_data_status *st = (void *)(uintptr_t)c->data;
        memset(st, 0, sizeof *st);
        st->api_major = 1;
        st->api_minor = 55;
        st->state = 1;
        st->build = 40;
        return 0;
    }
    if (c->cmd == SEV_CMD_SNP_PLATFORM_STATUS) {
        if (!m->cfg.rmp_initialized) {
            c->error = 0x20; /* RMP_INIT_REQUIRED */
            return -EIO;
        }
        struct sev_user_data_snp_status *st = (void *)(uintptr_t)c->data;
        memset(st, 0, sizeof *st);
        st->api_major = m->cfg.fw_major;
        st->api_minor = m->cfg.fw_minor;
        st->state = 1;
        st->is_rmp_initialized = 1;
        st->build_id = 7;
        st->reported_tcb_version = 0x1b000000000004ull;
        return 0;
    }
    c->error = 0x11; /* INVALID_COMMAND */
    return -EINVAL;
}

/* ---- the VM ---- */

int m_all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static long set_attributes(struct snp_model *m, const struct sev_kvm_memory_attributes *a)
{
    if (a->flags || (a->address | a->size) % M_PAGE || !a->size ||
        (a->attributes & ~SEV_KVM_MEMORY_ATTRIBUTE_PRIVATE))
        return m_error(m, "KVM_SET_MEMORY_ATTRIBUTES refused (flags %#llx, %#llx + %#llx, attributes %#llx)",
                       (unsigned long long)a->flags, (unsigned long long)a->address, (unsigned long long)a->size,
                       (unsigned long long)a->attributes), -EINVAL;
    if (!m->gmem_size || a->address > m->gmem_size || a->size > m->gmem_size - a->address)
        return m_error(m, "KVM_SET_MEMORY_ATTRIBUTES outside guest memory"), -EINVAL;
    int priv = a->attributes != 0;
    for (uint64_t p = a->address / M_PAGE; p < (a->address + a->size) / M_PAGE; p++) {
        if (m->attr[p] && !priv)
            m->counts.to_shared++;
        else if (!m->attr[p] && priv)
            m->counts.to_private++;
        m->attr[p] = (uint8_t)priv;
    }
    return 0;
}

static long vm_ioctl(struct snp_model *m, unsigned long req, void *arg)
{
    switch (req) {
    case SEV_KVM_MEMORY_ENCRYPT_OP:
        return m_psp_command(m, arg);
    case SEV_KVM_CREATE_GUEST_MEMFD: {
        struct sev_kvm_create_guest_memfd *g = arg;
        if (!g->size || g->size % M_PAGE || g->flags || !m_all_zero(g->reserved, sizeof g->reserved) || m->gmem_exists)
            return m_error(m, "KVM_CREATE_GUEST_MEMFD refused"), -EINVAL;
        m->gmem_exists = 1;
        m->gmem_size = g->size;
        m->priv = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        m->attr = calloc(g->size / M_PAGE, 1);
        m->populated = calloc(g->size / M_PAGE, 1);
        if (m->priv == MAP_FAILED || !m->attr || !m->populated)
            return -ENOMEM;
        return new_fd(m, FD_GMEM);
    }
    case SEV_KVM_SET_USER_MEMORY_REGION2: {
        const struct sev_kvm_userspace_memory_region2 *r = arg;
        struct m_fd *g = fd_of(m, (int)r->guest_memfd);
        if (r->slot != 0 || !(r->flags & SEV_KVM_MEM_GUEST_MEMFD) || (r->flags & ~SEV_KVM_MEM_GUEST_MEMFD) || !g ||
            g->kind != FD_GMEM || r->guest_phys_addr || r->memory_size != m->gmem_size || r->guest_memfd_offset ||
            r->userspace_addr % M_PAGE || !m_user_range(m, r->userspace_addr, r->memory_size) ||
            !m_all_zero(r->pad2, sizeof r->pad2) || r->pad1)
            return m_error(m, "KVM_SET_USER_MEMORY_REGION2 refused (the model wants one private slot at GPA 0 "
                              "over all of guest_memfd, backed by a mapping of the VMM)"), -EINVAL;
        m->shared = (uint8_t *)(uintptr_t)r->userspace_addr;
        m->slot_set = 1;
        return 0;
    }
    case KVM_CHECK_EXTENSION:
        return (long)(uintptr_t)arg == SEV_KVM_CAP_MEMORY_ATTRIBUTES ? (long)SEV_KVM_MEMORY_ATTRIBUTE_PRIVATE
                                                                     : kvm_ioctl(m, req, arg);
    case SEV_KVM_SET_MEMORY_ATTRIBUTES:
        return set_attributes(m, arg);
    case KVM_ENABLE_CAP: {
        const struct kvm_enable_cap *c = arg;
        if (c->cap != SEV_KVM_CAP_EXIT_HYPERCALL || c->flags || (c->args[0] & ~(1ull << SEV_KVM_HC_MAP_GPA_RANGE)))
            return m_error(m, "KVM_ENABLE_CAP %u refused", c->cap), -EINVAL;
        m->hypercall_exit = (c->args[0] >> SEV_KVM_HC_MAP_GPA_RANGE) & 1;
        return 0;
    }
    case KVM_CREATE_VCPU: {
        if (m->state == L_NONE)
            return m_error(m, "KVM_CREATE_VCPU before KVM_SEV_INIT2 (an SNP vCPU needs its VMSA)"), -EINVAL;
        if (m->state == L_FINISHED)
            return m_error(m, "KVM_CREATE_VCPU after SNP_LAUNCH_FINISH"), -EINVAL;
        if (m->nvcpus == M_MAX_VCPUS)
            return -EINVAL;
        int id = (int)(uintptr_t)arg;
        for (int i = 0; i < m->nvcpus; i++)
            if (m->vcpus[i].id == id)
                return -EEXIST;
        struct m_vcpu *v = &m->vcpus[m->nvcpus];
        memset(v, 0, sizeof *v);
        v->id = id;
        /* KVM's reset state (what KVM_GET_SREGS shows before anything is set). */
        struct kvm_segment data = {.limit = 0xffff, .type = 3, .present = 1, .s = 1};
        v->sregs.ds = v->sregs.es = v->sregs.fs = v->sregs.gs = v->sregs.ss = data;
        v->sregs.cs = (struct kvm_segment){.selector = 0xf000, .base = 0xffff0000, .limit = 0xffff, .type = 11,
                                           .present = 1, .s = 1};
        v->sregs.ldt = (struct kvm_segment){.limit = 0xffff, .type = 2, .present = 1};
        v->sregs.tr = (struct kvm_segment){.limit = 0xffff, .type = 3, .present = 1};
        v->sregs.gdt.limit = v->sregs.idt.limit = 0xffff;
        v->sregs.cr0 = 0x10;
        v->sregs.apic_base = 0xfee00900;
        v->regs.rip = 0xfff0;
        v->regs.rflags = 2;
        v->regs.rdx = 0x600;
        v->pat = 0x0007040600070406ull;
        v->xcr0 = 1;
        int fd = new_fd(m, FD_VCPU);
        if (fd >= 0)
            fd_of(m, fd)->vcpu = m->nvcpus++;
        return fd;
    }
    default:
        return m_error(m, "ioctl %#lx on the VM, which the model does not play", req), -ENOTTY;
    }
}

/* ---- the vCPU ---- */

static long set_msrs(struct snp_model *m, struct m_vcpu *v, struct kvm_msrs *msrs)
{
    for (uint32_t i = 0; i < msrs->nmsrs; i++) {
        uint64_t d = msrs->entries[i].data;
        switch (msrs->entries[i].index) {
        case 0xc0000081u: v->star = d; break;
        case 0xc0000082u: v->lstar = d; break;
        case 0xc0000083u: v->cstar = d; break;
        case 0xc0000084u: v->sfmask = d; break;
        case 0xc0000102u: v->kernel_gs_base = d; break;
        case 0x277u: v->pat = d; break;
        default:
            return i; /* KVM stops at the first MSR it does not take */
        }
    }
    return msrs->nmsrs;
}

static int valid_sregs(const struct m_vcpu *v, const struct kvm_sregs *s)
{
    /* kvm_is_valid_sregs and kvm_is_valid_cr4, for what the Keep sets. */
    int lma = (s->efer & 0x400) != 0, lme = (s->efer & 0x100) != 0;
    if (lma && (!lme || !(s->cr4 & 0x20) || !(s->cr0 & 0x80000000u)))
        return 0;
    if (s->cr4 & ~0x3707ffull) /* bits KVM knows on an EPYC */
        return 0;
    uint64_t reserved = ~((1ull << 48) - 1);
    if (v->cpuid_set)
        reserved &= ~(1ull << (v->cpuid_8000001f_ebx & 0x3f)); /* SEV: the C-bit is not reserved */
    return (s->cr3 & reserved) == 0;
}

static long vcpu_ioctl(struct snp_model *m, struct m_vcpu *v, unsigned long req, void *arg)
{
    int protected_ = m->state == L_FINISHED;
    switch (req) {
    case KVM_SET_CPUID2: {
        const struct kvm_cpuid2 *c = arg;
        v->cpuid_set = 1;
        for (uint32_t i = 0; i < c->nent; i++)
            if (c->entries[i].function == 0x8000001fu)
                v->cpuid_8000001f_ebx = c->entries[i].ebx;
        return 0;
    }
    case KVM_GET_SREGS:
        if (protected_)
            return -EINVAL;
        memcpy(arg, &v->sregs, sizeof v->sregs);
        return 0;
    case KVM_SET_SREGS:
        if (protected_)
            return m_error(m, "KVM_SET_SREGS after SNP_LAUNCH_FINISH (the state is encrypted)"), -EINVAL;
        if (!valid_sregs(v, arg))
            return m_error(m, "KVM_SET_SREGS: KVM refuses these control registers"), -EINVAL;
        memcpy(&v->sregs, arg, sizeof v->sregs);
        return 0;
    case KVM_SET_REGS:
        if (protected_)
            return m_error(m, "KVM_SET_REGS after SNP_LAUNCH_FINISH"), -EINVAL;
        memcpy(&v->regs, arg, sizeof v->regs);
        return 0;
    case KVM_SET_MSRS:
        if (protected_)
            return m_error(m, "KVM_SET_MSRS after SNP_LAUNCH_FINISH"), -EINVAL;
        return set_msrs(m, v, arg);
    case KVM_SET_XCRS: {
        if (protected_)
            return -EINVAL;
        const struct kvm_xcrs *x = arg;
        if (x->nr_xcrs != 1 || x->xcrs[0].xcr != 0)
            return -EINVAL;
        v->xcr0 = x->xcrs[0].value;
        return 0;
    }
    case KVM_GET_REGS:
        return protected_ ? -EINVAL : (memcpy(arg, &v->regs, sizeof v->regs), 0);
    case KVM_RUN:
        if (!protected_)
            return m_error(m, "KVM_RUN before SNP_LAUNCH_FINISH"), -EINVAL;
        if (!v->run)
            return -EINVAL;
        m->counts.runs++;
        return m_guest_run(m, v);
    default:
        return m_error(m, "ioctl %#lx on the vCPU, which the model does not play", req), -ENOTTY;
    }
}

static long k_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
    struct snp_model *m = ctx;
    struct m_fd *f = fd_of(m, fd);
    if (!f)
        return m_error(m, "ioctl %#lx on fd %d, which the model never gave out", req, fd), -EBADF;
    switch (f->kind) {
    case FD_KVM:
        return kvm_ioctl(m, req, arg);
    case FD_SEV:
        return sev_ioctl(m, req, arg);
    case FD_VM:
        return vm_ioctl(m, req, arg);
    case FD_VCPU:
        return vcpu_ioctl(m, &m->vcpus[f->vcpu], req, arg);
    default:
        return -ENOTTY;
    }
}

/* ---- the model ---- */

struct snp_model *snp_model_new(const struct snp_model_config *c)
{
    struct snp_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cfg = *c;
    snprintf(m->script, sizeof m->script, "%s", c->script ? c->script : "psc-shared,fault-shared,hello,exit:0");
    m->kernel = (struct vmm_kernel){
        .ctx = m,
        .open = k_open,
        .close = k_close,
        .ioctl = k_ioctl,
        .mmap = k_mmap,
        .munmap = k_munmap,
        .madvise = k_madvise,
        .fallocate = k_fallocate,
        .read = k_read,
        .lock = k_lock,
        .cpuid = k_cpuid,
    };
    return m;
}

void snp_model_free(struct snp_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nvcpus; i++)
        free(m->vcpus[i].run);
    for (int i = 0; i < 64; i++)
        if (m->fds[i].kind == FD_FILE && m->fds[i].real >= 0)
            close(m->fds[i].real);
    if (m->priv && m->priv != MAP_FAILED)
        munmap(m->priv, m->gmem_size);
    free(m->attr);
    free(m->populated);
    free(m);
}

const struct vmm_kernel *snp_model_kernel(struct snp_model *m)
{
    return &m->kernel;
}

const struct snp_model_launch *snp_model_launch(const struct snp_model *m)
{
    return &m->launch;
}

const char *snp_model_error(const struct snp_model *m)
{
    return m->error;
}

struct snp_model_counts snp_model_counts(const struct snp_model *m)
{
    return m->counts;
}
