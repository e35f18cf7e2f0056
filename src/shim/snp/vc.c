/* The #VC handler's logic (see vc.h). */
#include "shim/snp/vc.h"

const char *vc_status_text(enum vc_status s)
{
    switch (s) {
    case VC_DONE: return "handled";
    case VC_NOT_VALIDATED: return "an access to a page that is not validated";
    case VC_UNSUPPORTED: return "an intercept the Keep does not serve";
    case VC_FORBIDDEN: return "an I/O or MSR instruction from the workload";
    case VC_DECODE: return "an instruction that does not match the intercept";
    case VC_CPUID: return "a CPUID the CPUID page cannot answer";
    case VC_GHCB: return "the hypervisor failed the request";
    }
    return "unknown";
}

static int is_prefix(uint8_t b)
{
    switch (b) {
    case 0x66: case 0x67: case 0xf2: case 0xf3:
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
        return 1;
    default:
        return 0;
    }
}

size_t vc_decode(uint64_t exit, const uint8_t *insn, size_t n, uint64_t rdx, struct vc_io *io)
{
    if (n > 15)
        n = 15;
    size_t i = 0;
    int opsize16 = 0;
    while (i < n && is_prefix(insn[i]))
        opsize16 |= insn[i++] == 0x66;
    if (i < n && (insn[i] & 0xf0) == 0x40)
        i++; /* REX */
    if (i >= n)
        return 0;
    uint8_t op = insn[i];
    if (exit == SVM_EXIT_IOIO) {
        unsigned wide = opsize16 ? 2 : 4;
        switch (op) {
        case 0xe4: case 0xe5: case 0xe6: case 0xe7:
            if (i + 1 >= n)
                return 0;
            io->port = insn[i + 1];
            io->size = (op & 1) ? wide : 1;
            io->out = (op & 2) != 0;
            return i + 2;
        case 0xec: case 0xed: case 0xee: case 0xef:
            io->port = (uint16_t)rdx;
            io->size = (op & 1) ? wide : 1;
            io->out = (op & 2) != 0;
            return i + 1;
        default:
            return 0; /* string I/O is never used by the Keep */
        }
    }
    if (op != 0x0f || i + 1 >= n)
        return 0;
    uint8_t op2 = insn[i + 1];
    switch (exit) {
    case SVM_EXIT_CPUID: return op2 == 0xa2 ? i + 2 : 0;
    case SVM_EXIT_MSR: return op2 == 0x32 || op2 == 0x30 ? i + 2 : 0;
    case SVM_EXIT_RDTSC: return op2 == 0x31 ? i + 2 : 0;
    case SVM_EXIT_RDTSCP: return op2 == 0x01 && i + 2 < n && insn[i + 2] == 0xf9 ? i + 3 : 0;
    default: return 0;
    }
}

static uint64_t low32(uint64_t v)
{
    return v & 0xffffffffu;
}

static enum vc_status ghcb_failed(enum ghcb_status s, int *detail)
{
    *detail = (int)s;
    return VC_GHCB;
}

static enum vc_status do_cpuid(const struct vc_env *env, struct vc_frame *f, int *detail)
{
    struct cpuid_regs r;
    enum cpuid_status s = snp_cpuid(env->cpuid_page, (uint32_t)f->rax, (uint32_t)f->rcx, &env->cpu, &r);
    if (s != CPUID_OK) {
        *detail = (int)s;
        return VC_CPUID;
    }
    f->rax = r.eax;
    f->rbx = r.ebx;
    f->rcx = r.ecx;
    f->rdx = r.edx;
    return VC_DONE;
}

static enum vc_status do_msr(const struct vc_env *env, struct vc_frame *f, int write, int *detail)
{
    enum ghcb_status s;
    if (write) {
        s = ghcb_wrmsr(env->ghcb, (uint32_t)f->rcx, low32(f->rax) | (low32(f->rdx) << 32));
    } else {
        uint64_t v = 0;
        s = ghcb_rdmsr(env->ghcb, (uint32_t)f->rcx, &v);
        if (s == GHCB_OK) {
            f->rax = low32(v);
            f->rdx = v >> 32;
        }
    }
    return s == GHCB_OK ? VC_DONE : ghcb_failed(s, detail);
}

static enum vc_status do_tsc(const struct vc_env *env, struct vc_frame *f, int with_aux, int *detail)
{
    uint64_t tsc = 0;
    uint32_t aux = 0;
    enum ghcb_status s = ghcb_rdtsc(env->ghcb, with_aux, &tsc, &aux);
    if (s != GHCB_OK)
        return ghcb_failed(s, detail);
    f->rax = low32(tsc);
    f->rdx = tsc >> 32;
    if (with_aux)
        f->rcx = aux;
    return VC_DONE;
}

enum vc_status vc_handle(const struct vc_env *env, uint64_t exit, struct vc_frame *f,
                         const uint8_t *insn, size_t n, int *detail)
{
    *detail = 0;
    if (exit == SVM_EXIT_PAGE_NOT_VALIDATED)
        return VC_NOT_VALIDATED;
    if (exit != SVM_EXIT_CPUID && exit != SVM_EXIT_IOIO && exit != SVM_EXIT_MSR &&
        exit != SVM_EXIT_RDTSC && exit != SVM_EXIT_RDTSCP)
        return VC_UNSUPPORTED;
    if (f->user && (exit == SVM_EXIT_IOIO || exit == SVM_EXIT_MSR))
        return VC_FORBIDDEN;
    struct vc_io io = {0, 0, 0};
    size_t len = vc_decode(exit, insn, n, f->rdx, &io);
    if (!len)
        return VC_DECODE;
    enum vc_status s;
    switch (exit) {
    case SVM_EXIT_CPUID:
        s = do_cpuid(env, f, detail);
        break;
    case SVM_EXIT_IOIO:
        if (!io.out)
            return VC_UNSUPPORTED;
        enum ghcb_status g = ghcb_io_out(env->ghcb, io.port, io.size, (uint32_t)f->rax);
        s = g == GHCB_OK ? VC_DONE : ghcb_failed(g, detail);
        break;
    case SVM_EXIT_MSR:
        s = do_msr(env, f, insn[len - 1] == 0x30, detail);
        break;
    default:
        s = do_tsc(env, f, exit == SVM_EXIT_RDTSCP, detail);
        break;
    }
    if (s == VC_DONE)
        f->rip += len;
    return s;
}
