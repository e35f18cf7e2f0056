/* KVM shim: exceptions. Page faults in user memory are demand paging; any
 * other fault in the workload goes to the exec's handler for its signal if it
 * has one (signal.c), and otherwise stops the Keep the way Linux would stop
 * the process (the status is 128 + the signal); a fault in the shim itself is
 * a shim bug and stops the Keep with a report. */
#include "shim/kvm/shim.h"
#include "shim/snp/snp.h"

#include <asm-generic/siginfo.h>

static const struct {
    const char *name;
    int signal;
} vectors[32] = {
    [0] = {"a divide error (#DE)", SIGFPE},
    [1] = {"a debug trap (#DB)", SIGTRAP},
    [2] = {"a non-maskable interrupt", SIGSEGV},
    [3] = {"a breakpoint (#BP, int3)", SIGTRAP},
    [4] = {"an overflow (#OF)", SIGSEGV},
    [5] = {"a bound range exception (#BR)", SIGSEGV},
    [6] = {"an invalid opcode (#UD)", SIGILL},
    [7] = {"a device-not-available fault (#NM)", SIGSEGV},
    [8] = {"a double fault (#DF)", SIGSEGV},
    [10] = {"an invalid TSS fault (#TS)", SIGSEGV},
    [11] = {"a segment-not-present fault (#NP)", SIGBUS},
    [12] = {"a stack fault (#SS)", SIGBUS},
    [13] = {"a general protection fault (#GP)", SIGSEGV},
    [14] = {"a page fault (#PF)", SIGSEGV},
    [16] = {"an x87 floating-point error (#MF)", SIGFPE},
    [17] = {"an alignment check (#AC)", SIGBUS},
    [18] = {"a machine check (#MC)", SIGBUS},
    [19] = {"a SIMD floating-point exception (#XM)", SIGFPE},
    [20] = {"a virtualization exception (#VE)", SIGSEGV},
    [21] = {"a control-protection fault (#CP)", SIGSEGV},
    [29] = {"a VMM communication exception (#VC)", SIGSEGV},
    [30] = {"a security exception (#SX)", SIGSEGV},
};

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    default: return "SIGSEGV";
    }
}

/* What a page-fault error code means, in words. */
static const char *pf_access(uint64_t err)
{
    if (err & 0x10)
        return (err & 1) ? "executing non-executable memory" : "executing unmapped memory";
    if (err & 2)
        return (err & 1) ? "writing read-only memory" : "writing unmapped memory";
    return (err & 1) ? "reading protected memory" : "reading unmapped memory";
}

/* Under PVM, SYSCALL does not leave CPL 3 and the first instruction at LSTAR
 * faults (#GP on swapgs, or #PF fetching a supervisor page). The exception
 * frame holds the user's registers as SYSCALL left them: run the call from
 * there and return with IRETQ, as SYSRET would have. */
static int pvm_syscall(struct keep_regs *r)
{
    if (!(r->cs & 3) || r->rip != (uint64_t)syscall_entry || (r->vector != 13 && r->vector != 14))
        return 0;
    r->rip = r->rcx;
    r->rflags = (r->r11 & 0x3c7fd7) | 0x2;
    r->vector = (uint64_t)-1;
    shim_syscall(r);
    return 1;
}

/* The si_code and si_addr Linux reports for a user fault it turns into a
 * signal; 0 if the shim does not deliver this vector (the Keep stops). */
static int fault_siginfo(const struct keep_regs *r, uint64_t cr2, int *code, uint64_t *addr)
{
    *addr = 0;
    switch (r->vector) {
    case 0: /* #DE */
        *code = FPE_INTDIV, *addr = r->rip;
        return 1;
    case 6: /* #UD */
        *code = ILL_ILLOPN, *addr = r->rip;
        return 1;
    case 14: /* #PF: a mapping the access may not touch, or none at all */
        *code = (r->error & 1) || mm_mapped(cr2) ? SEGV_ACCERR : SEGV_MAPERR, *addr = cr2;
        return 1;
    case 17: /* #AC */
        *code = BUS_ADRALN;
        return 1;
    case 19: { /* #XM: the first unmasked exception flag, in Linux's order */
        uint32_t mxcsr;
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
        uint32_t raised = mxcsr & ~(mxcsr >> 7) & 0x3f;
        *code = raised & 0x01   ? FPE_FLTINV
                : raised & 0x04 ? FPE_FLTDIV
                : raised & 0x08 ? FPE_FLTOVF
                : raised & 0x12 ? FPE_FLTUND
                : raised & 0x20 ? FPE_FLTRES
                                : 0;
        *addr = r->rip;
        return 1;
    }
    case 3: case 4: case 5: case 12: case 13: /* int3, into, bound, #SS, #GP */
        *code = SI_KERNEL;
        return 1;
    default:
        return 0;
    }
}

void shim_trap(struct keep_regs *r)
{
    uint64_t vec = r->vector, cr2 = vec == 14 ? read_cr2() : 0;
    int user = (r->cs & 3) != 0;

    if (pvm_syscall(r))
        return;
    if (vec == 29 && snp_active) { /* #VC: an SEV-SNP intercept */
        snp_vc(r);
        return;
    }
    if (vec == 14 && mm_fault(cr2, r->error, user) == 0)
        return;

    int sig = vec < 32 && vectors[vec].signal ? vectors[vec].signal : SIGSEGV;
    const char *undelivered = "";
    int code;
    uint64_t addr;
    if (user && fault_siginfo(r, cr2, &code, &addr)) {
        undelivered = signal_deliver(r, sig, code, addr, &sig);
        if (!undelivered)
            return; /* on to the exec's handler */
    }

    char regs[700] = "";
    if (shim_log_level >= ENARX_LOG_DEBUG || !user)
        shim_dump_regs(r, regs, sizeof regs);
    const char *what = vec < 32 && vectors[vec].name ? vectors[vec].name : "an unknown exception";
    if (user) {
        if (vec == 14)
            shim_stop(128 + sig, SP_ABORT_FAULT,
                      "the workload was stopped by %s (%s) at rip %#lx, %s at %#lx%s%s", what,
                      signal_name(sig), r->rip, pf_access(r->error), cr2, undelivered, regs);
        shim_stop(128 + sig, SP_ABORT_FAULT, "the workload was stopped by %s (%s) at rip %#lx%s%s",
                  what, signal_name(sig), r->rip, undelivered, regs);
    }
    if (r->rip == (uint64_t)shim_iret_site && vec == 13)
        shim_stop(128 + SIGSEGV, SP_ABORT_FAULT,
                  "the workload was stopped by a system call returning to a non-canonical "
                  "address (SIGSEGV)%s", regs);
    if (vec == 14)
        shim_stop(1, SP_ABORT_PANIC, "shim fault: %s at rip %#lx, %s at %#lx%s", what, r->rip,
                  pf_access(r->error), cr2, regs);
    shim_stop(1, SP_ABORT_PANIC, "shim fault: %s at rip %#lx%s", what, r->rip, regs);
}
