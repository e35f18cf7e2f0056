/* Synchronous faults delivered to the program's handlers, as Linux delivers
 * them (the JIT's guard-page bounds checks rely on it): siginfo, the
 * ucontext (the handler edits rip and rax, the kernel takes them back),
 * registers and FP state preserved, the mask while a handler runs.
 *   signals                  the handled cases, one line each
 *   signals nested           a fault inside the SIGSEGV handler (blocked):
 *                            the process dies of SIGSEGV
 *   signals bad-handler      a SIGILL handler at a non-canonical address:
 *                            the process dies of SIGSEGV
 *   signals bad-rip|bad-cs|bad-mxcsr|bad-xheader|bad-fpptr
 *                            a SIGILL handler corrupts the ucontext it returns
 *                            through: the process dies of SIGSEGV */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "prog.h"

/* probe(p): the 8 bytes at p, or whatever the SIGSEGV handler put in rax if
 * the load faulted (the handler resumes at probe_resume). */
extern char probe_load[], probe_resume[];
uint64_t probe(const void *p);
__asm__(".text\n"
        ".globl probe\n"
        "probe:\n"
        "    movq $-1, %rax\n"
        "probe_load:\n"
        "    movq (%rdi), %rax\n"
        "probe_resume:\n"
        "    ret\n");

/* probe_regs(p, in, out): loads every register the handler must not change
 * from in[] (rbx rbp rcx rdx rsi r8..r15, then xmm0, xmm8, xmm15 as two
 * words each, then MXCSR), faults on p, and stores them to out[] in the same
 * order after resuming. */
extern char probe_regs_load[], probe_regs_resume[];
void probe_regs(const void *p, const uint64_t *in, uint64_t *out);
__asm__(".text\n"
        ".globl probe_regs\n"
        "probe_regs:\n"
        "    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "    push %rdx\n"                       /* out */
        "    movq %rdi, %rax\n"
        "    movq %rsi, %rdi\n"                 /* in */
        "    movdqu 112(%rdi), %xmm0\n"
        "    movdqu 128(%rdi), %xmm8\n"
        "    movdqu 144(%rdi), %xmm15\n"
        "    ldmxcsr 160(%rdi)\n"
        "    movq 0(%rdi), %rbx; movq 8(%rdi), %rbp; movq 16(%rdi), %rcx; movq 24(%rdi), %rdx\n"
        "    movq 32(%rdi), %rsi; movq 40(%rdi), %r8; movq 48(%rdi), %r9; movq 56(%rdi), %r10\n"
        "    movq 64(%rdi), %r11; movq 72(%rdi), %r12; movq 80(%rdi), %r13; movq 88(%rdi), %r14\n"
        "    movq 96(%rdi), %r15\n"
        "probe_regs_load:\n"
        "    movq (%rax), %rax\n"
        "probe_regs_resume:\n"
        "    movq (%rsp), %rdi\n"               /* out */
        "    movq %rbx, 0(%rdi); movq %rbp, 8(%rdi); movq %rcx, 16(%rdi); movq %rdx, 24(%rdi)\n"
        "    movq %rsi, 32(%rdi); movq %r8, 40(%rdi); movq %r9, 48(%rdi); movq %r10, 56(%rdi)\n"
        "    movq %r11, 64(%rdi); movq %r12, 72(%rdi); movq %r13, 80(%rdi); movq %r14, 88(%rdi)\n"
        "    movq %r15, 96(%rdi)\n"
        "    movq $0, 104(%rdi)\n"
        "    movdqu %xmm0, 112(%rdi)\n"
        "    movdqu %xmm8, 128(%rdi)\n"
        "    movdqu %xmm15, 144(%rdi)\n"
        "    stmxcsr 160(%rdi)\n"
        "    movl $0x1f80, 168(%rdi)\n"
        "    ldmxcsr 168(%rdi)\n"
        "    movl $0, 168(%rdi)\n"
        "    pop %rdx\n"
        "    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
        "    ret\n");

/* div_probe(d): 1 / d, or the handler's rax when it divides by zero. */
extern char div_insn[], div_resume[];
int64_t div_probe(int64_t d);
__asm__(".text\n"
        ".globl div_probe\n"
        "div_probe:\n"
        "    movq $1, %rax\n"
        "    cqto\n"
        "div_insn:\n"
        "    idivq %rdi\n"
        "div_resume:\n"
        "    ret\n");

static volatile int segv_count, handler_blocked, handler_mxcsr, handler_aligned, handler_on_alt;
static volatile uintptr_t last_addr;
static volatile int last_code, last_signo;
static volatile void *resume_at;
static volatile uint64_t handler_rax = 0x5a5a;
static volatile int nested_fault;
static volatile char *guard;
static char *alt_lo, *alt_hi;

static int mxcsr_now(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return (int)m;
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    __attribute__((aligned(16))) volatile char probe_align[16];
    probe_align[0] = 0;
    segv_count++;
    last_signo = sig;
    last_code = si->si_code;
    last_addr = (uintptr_t)si->si_addr;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    handler_blocked = sigismember(&now, SIGSEGV);
    handler_mxcsr = mxcsr_now();
    handler_aligned = ((uintptr_t)probe_align & 15) == 0;
    handler_on_alt = (char *)probe_align >= alt_lo && (char *)probe_align < alt_hi;
    /* Clobber what the interrupted code must get back. */
    __asm__ volatile("pcmpeqd %%xmm0, %%xmm0; pxor %%xmm8, %%xmm8; pcmpeqd %%xmm15, %%xmm15; "
                     "movl $0x3f80, -4(%%rsp); ldmxcsr -4(%%rsp)" ::: "xmm0", "xmm8", "xmm15", "memory");
    if (nested_fault)
        (void)*guard; /* SIGSEGV is blocked here: the process dies */
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)resume_at;
    uc->uc_mcontext.gregs[REG_RAX] = (greg_t)handler_rax;
}

static volatile int other_count, other_code;
static volatile uintptr_t other_addr;
static volatile const char *corrupt;

/* An XSAVE image, as Linux marks it: magic1 in the legacy area's
 * software-reserved bytes (offset 464). */
static int xsave_frame(const struct _libc_fpstate *fp)
{
    uint32_t magic1;
    memcpy(&magic1, (const char *)fp + 464, sizeof magic1);
    return magic1 == FP_XSTATE_MAGIC1;
}

static void on_other(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    other_count++;
    last_signo = sig;
    other_code = si->si_code;
    other_addr = (uintptr_t)si->si_addr;
    if (sig == SIGILL)
        uc->uc_mcontext.gregs[REG_RIP] += 2; /* past ud2 */
    if (sig == SIGFPE) {
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)div_resume;
        uc->uc_mcontext.gregs[REG_RAX] = -7;
    }
    if (!corrupt)
        return;
    struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    if (strcmp((const char *)corrupt, "bad-rip") == 0)
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000001000ull;
    else if (strcmp((const char *)corrupt, "bad-cs") == 0)
        uc->uc_mcontext.gregs[REG_CSGSFS] = (uc->uc_mcontext.gregs[REG_CSGSFS] & ~0xffffll) | 0x1b;
    else if (strcmp((const char *)corrupt, "bad-mxcsr") == 0)
        fp->mxcsr = 0xffffffffu;
    else if (strcmp((const char *)corrupt, "bad-xheader") == 0 && xsave_frame(fp))
        ((uint64_t *)(void *)fp)[512 / 8] |= 1ull << 62; /* XSTATE_BV: a component XCR0 lacks */
    else if (strcmp((const char *)corrupt, "bad-fpptr") == 0)
        uc->uc_mcontext.fpregs = (struct _libc_fpstate *)(uintptr_t)0x10;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    EXPECT(sigaction(sig, &sa, NULL) == 0);
}

static void check_regs(const char *p)
{
    uint64_t in[22], out[22];
    for (int i = 0; i < 20; i++)
        in[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^ 0x8000000000000000ull;
    in[13] = 0;
    in[20] = 0x3f80 | 0x6000; /* MXCSR: round toward zero, all masked */
    in[21] = 0;
    memset(out, 0, sizeof out);
    resume_at = probe_regs_resume;
    probe_regs(p, in, out);
    int same = 1;
    for (int i = 0; i < 13; i++)
        same &= in[i] == out[i];
    printf("registers kept across the handler (rbx..r15, rcx, r11): %s\n", same ? "yes" : "no");
    printf("xmm0, xmm8, xmm15 kept: %s\n",
           memcmp(in + 14, out + 14, 6 * sizeof(uint64_t)) == 0 ? "yes" : "no");
    printf("mxcsr kept: %s (%#x)\n", (uint32_t)out[20] == (uint32_t)in[20] ? "yes" : "no",
           (unsigned)(uint32_t)out[20]);
    printf("handler started with mxcsr %#x\n", handler_mxcsr);
}

static void handled(void)
{
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(m != MAP_FAILED);
    memcpy(m, "readable", 9);
    EXPECT(mprotect(m + page, (size_t)page, PROT_NONE) == 0);
    install(SIGSEGV, on_segv, 0);

    printf("readable page: %s\n", probe(m) == *(uint64_t *)(void *)m ? "loaded" : "wrong");
    resume_at = probe_resume;
    uint64_t v = probe(m + page + 24);
    printf("PROT_NONE load: value %#lx from the handler, signal %d, si_code %s, si_addr %s\n",
           (unsigned long)v, last_signo, last_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other",
           last_addr == (uintptr_t)(m + page + 24) ? "the address" : "wrong");
    printf("SIGSEGV blocked inside the handler: %s; stack aligned: %s\n", handler_blocked ? "yes" : "no",
           handler_aligned ? "yes" : "no");
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("SIGSEGV blocked after return: %s\n", sigismember(&now, SIGSEGV) ? "yes" : "no");

    /* A second fault, at another address, after the first returned. */
    handler_rax = 0x77;
    v = probe(m + page + 4000);
    printf("second fault: value %#lx, handled %d times\n", (unsigned long)v, segv_count);

    /* Unmapped memory is SEGV_MAPERR. */
    EXPECT(munmap(m + page, (size_t)page) == 0);
    v = probe(m + page);
    printf("unmapped load: value %#lx, si_code %s\n", (unsigned long)v,
           last_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other");

    EXPECT(mprotect(m, (size_t)page, PROT_NONE) == 0);
    check_regs(m);

    /* A non-canonical address is a #GP: SIGSEGV with SI_KERNEL, no address. */
    resume_at = probe_resume;
    v = probe((void *)(uintptr_t)0x8000000000000000ull);
    printf("non-canonical load: value %#lx, si_code %s, si_addr %#lx\n", (unsigned long)v,
           last_code == SI_KERNEL ? "SI_KERNEL" : "other", (unsigned long)last_addr);

    /* The same handler on an alternate stack. */
    size_t alt_size = (size_t)64 << 10;
    alt_lo = mmap(NULL, alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    alt_hi = alt_lo + alt_size;
    stack_t ss = {.ss_sp = alt_lo, .ss_size = alt_size, .ss_flags = 0}, old;
    EXPECT(sigaltstack(&ss, NULL) == 0);
    install(SIGSEGV, on_segv, SA_ONSTACK);
    v = probe(m);
    EXPECT(sigaltstack(NULL, &old) == 0);
    printf("SA_ONSTACK: handler on the alternate stack: %s, value %#lx, altstack flags %d\n",
           handler_on_alt ? "yes" : "no", (unsigned long)v, old.ss_flags);

    /* SIGILL, SIGFPE and SIGTRAP, the last with SA_RESETHAND. */
    install(SIGILL, on_other, 0);
    install(SIGFPE, on_other, 0);
    install(SIGTRAP, on_other, SA_RESETHAND);
    uintptr_t ud2_at;
    __asm__ volatile("lea 0f(%%rip), %0\n0: ud2" : "=r"(ud2_at));
    printf("ud2: SIGILL %s, si_addr %s\n", other_code == ILL_ILLOPN ? "ILL_ILLOPN" : "other",
           other_addr == ud2_at ? "the instruction" : "wrong");
    int64_t q = div_probe(0);
    printf("divide by zero: SIGFPE %s, si_addr %s, result %ld\n", other_code == FPE_INTDIV ? "FPE_INTDIV" : "other",
           other_addr == (uintptr_t)div_insn ? "the instruction" : "wrong", (long)q);
    __asm__ volatile("int3");
    struct sigaction now_trap;
    sigaction(SIGTRAP, NULL, &now_trap);
    printf("int3: SIGTRAP %s, handler reset by SA_RESETHAND: %s\n", other_code == SI_KERNEL ? "SI_KERNEL" : "other",
           now_trap.sa_handler == SIG_DFL ? "yes" : "no");
    printf("handlers ran: SIGSEGV %d, others %d\n", segv_count, other_count);
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "";
    if (!*how) {
        handled();
        return prog_done();
    }
    printf("about to: %s\n", how);
    fflush(stdout);
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (strcmp(how, "nested") == 0) {
        install(SIGSEGV, on_segv, 0);
        guard = m;
        nested_fault = 1;
        resume_at = probe_resume;
        probe(m);
    } else if (strcmp(how, "bad-handler") == 0) {
        /* A handler at a non-canonical address cannot be entered. */
        install(SIGILL, (void (*)(int, siginfo_t *, void *))(uintptr_t)0x8000000000000000ull, 0);
        __asm__ volatile("ud2");
    } else {
        corrupt = how;
        install(SIGILL, on_other, 0);
        __asm__ volatile("ud2");
    }
    printf("survived\n");
    return 1;
}
