/* KVM shim: signals. The exec's signal dispositions, mask and alternate
 * stack, and the delivery of its synchronous faults (a page fault on memory
 * it may not touch, #GP, #UD, #DE, int3, ...) to a handler it installed, in
 * Linux's x86-64 signal frame; rt_sigreturn, which takes a frame back and
 * trusts nothing in it (docs/keep.md, "Signals").
 *
 * The shim is built without SSE and never touches the FP/SSE/AVX registers,
 * so while it runs they still hold the exec's state: delivery saves them with
 * XSAVE (FXSAVE where the CPU has no XSAVE) into the frame and gives the
 * handler a clean state; rt_sigreturn checks the image it is handed, byte by
 * byte where XRSTOR would fault, before loading it. */
#include "shim/kvm/shim.h"
#include "shim/kvm/sigframe.h"

/* After shim.h: these need asm/signal.h's types (abi/linux_abi.h). */
#include <asm-generic/siginfo.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
#include <linux/signal.h>

/* The frame the handler finds above its stack pointer (Linux's rt_sigframe):
 * its return address is sa_restorer, which makes the rt_sigreturn call. */
struct rt_sigframe {
    uint64_t restorer;
    struct ucontext uc;
    siginfo_t info;
};
_Static_assert(sizeof(struct rt_sigframe) == 440, "Linux's x86-64 rt_sigframe");
_Static_assert(sizeof(struct sigcontext) == 256, "Linux's x86-64 sigcontext");

#define RED_ZONE 128
#define SIG_BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

/* Cleared for the handler, as Linux does. */
#define RFLAGS_TF 0x100ull
#define RFLAGS_DF 0x400ull
#define RFLAGS_RF 0x10000ull
#define RFLAGS_AC 0x40000ull

/* ---- the exec's dispositions ---- */

struct ksigaction {
    uint64_t handler, flags, restorer, mask;
};
static struct ksigaction actions[65];
static uint64_t blocked;
static struct {
    uint64_t sp;
    int32_t flags, pad;
    uint64_t size;
} altstack = {0, SS_DISABLE, 0, 0};

/* ---- the FP/SSE/AVX state ---- */

#define FP_LEGACY_SIZE SIGFRAME_FP_LEGACY_SIZE
#define XSAVE_HEADER_SIZE SIGFRAME_XSAVE_HEADER_SIZE
#define FP_BUF_SIZE 8192u
#define CR4_OSXSAVE (1ull << 18)
#define XFEATURES_X87_SSE 3ull

static int fp_ready;        /* 0: signals cannot be delivered (no room for the state) */
static int fp_xsave;        /* XSAVE/XRSTOR rather than FXSAVE/FXRSTOR */
static uint64_t fp_xcr0;    /* the components XSAVE saves: all XCR0 enables */
static uint32_t fp_size;    /* bytes of the image (XSAVE standard format, or 512) */
static uint32_t fp_mxcsr_mask;
static uint8_t fp_buf[FP_BUF_SIZE] __attribute__((aligned(64)));
/* The state a handler starts with: x87 control word 0x37f, MXCSR 0x1f80,
 * everything else in its initial configuration (XSTATE_BV = 0). */
static uint8_t fp_init_image[FP_LEGACY_SIZE + XSAVE_HEADER_SIZE] __attribute__((aligned(64)));

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static uint64_t read_cr4(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static void fp_save(void *dst)
{
    if (fp_xsave)
        __asm__ volatile("xsave64 (%0)" ::"r"(dst), "a"((uint32_t)fp_xcr0),
                         "d"((uint32_t)(fp_xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" ::"r"(dst) : "memory");
}

/* Loads an image already checked by sigframe_fp_image (or the shim's own). */
static void fp_load(const void *src)
{
    if (fp_xsave)
        __asm__ volatile("xrstor64 (%0)" ::"r"(src), "a"((uint32_t)fp_xcr0),
                         "d"((uint32_t)(fp_xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" ::"r"(src) : "memory");
}

static void fp_init(void)
{
    uint64_t xcr0 = 0;
    uint32_t size = FP_LEGACY_SIZE;
    if (read_cr4() & CR4_OSXSAVE) {
        uint32_t r[4];
        xcr0 = xgetbv0();
        shim_cpuid(0xd, 0, r);
        size = r[1]; /* EBX: the standard-format size for what XCR0 enables */
        if (size < FP_LEGACY_SIZE + XSAVE_HEADER_SIZE || (xcr0 & XFEATURES_X87_SSE) != XFEATURES_X87_SSE)
            return;
    }
    if (size + FP_XSTATE_MAGIC2_SIZE > FP_BUF_SIZE)
        return; /* a state larger than the shim's buffer: handlers are refused */
    fp_xsave = xcr0 != 0;
    fp_xcr0 = xcr0;
    fp_size = size;
    /* The CPU's MXCSR_MASK says which MXCSR bits may be set (0: the
     * architectural default 0xffbf). */
    memset(fp_buf, 0, FP_LEGACY_SIZE);
    __asm__ volatile("fxsave64 (%0)" ::"r"(fp_buf) : "memory");
    const struct _fpstate_64 *legacy = (const struct _fpstate_64 *)(void *)fp_buf;
    fp_mxcsr_mask = legacy->mxcsr_mask ? legacy->mxcsr_mask : 0xffbf;
    struct _fpstate_64 *init = (struct _fpstate_64 *)(void *)fp_init_image;
    init->cwd = 0x37f;
    init->mxcsr = 0x1f80;
    fp_ready = 1;
}

/* Fills the software-reserved bytes Linux writes into an XSAVE frame, so
 * that the exec's libc (and rt_sigreturn) knows the image is extended. */
static void fp_mark_extended(uint8_t *image)
{
    struct _fpstate_64 *legacy = (struct _fpstate_64 *)(void *)image;
    struct _fpx_sw_bytes sw = {0};
    sw.magic1 = FP_XSTATE_MAGIC1;
    sw.extended_size = fp_size + FP_XSTATE_MAGIC2_SIZE;
    sw.xfeatures = fp_xcr0;
    sw.xstate_size = fp_size;
    memcpy(&legacy->sw_reserved, &sw, sizeof sw);
    uint32_t magic2 = FP_XSTATE_MAGIC2;
    memcpy(image + fp_size, &magic2, sizeof magic2);
}

/* The frame's footprint of the FP state: the image, plus Linux's trailing
 * magic word with XSAVE. */
static uint64_t fp_frame_size(void)
{
    return fp_size + (fp_xsave ? FP_XSTATE_MAGIC2_SIZE : 0);
}

/* ---- system calls ---- */

int signal_deliverable(int sig)
{
    return fp_ready && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP);
}

int64_t signal_sigaction(int sig, uint64_t act, uint64_t old, uint64_t size)
{
    if (sig < 1 || sig > 64 || size != 8 || ((sig == SIGKILL || sig == SIGSTOP) && act))
        return -EINVAL;
    struct ksigaction a;
    if (act) {
        if (!mm_user_ok(act, sizeof a, 0))
            return -EFAULT;
        memcpy(&a, (void *)act, sizeof a);
    }
    if (old) {
        if (!mm_user_ok(old, sizeof(struct ksigaction), 1))
            return -EFAULT;
        memcpy((void *)old, &actions[sig], sizeof(struct ksigaction));
    }
    if (act) {
        /* The synchronous fault signals reach a handler (signal_deliver);
         * should the shim have no room for the FP state, they cannot, and
         * refusing the handler tells the exec so (its JIT then checks
         * bounds explicitly) rather than letting it believe faults come
         * back to it. SIG_DFL (0) and SIG_IGN (1) change nothing. */
        int synchronous = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
                          sig == SIGTRAP;
        if (synchronous && a.handler > 1 && !signal_deliverable(sig))
            return -EINVAL;
        actions[sig] = a;
    }
    return 0;
}

int64_t signal_sigprocmask(int how, uint64_t set, uint64_t old, uint64_t size)
{
    if (size != 8 || how < SIG_BLOCK || how > SIG_SETMASK)
        return -EINVAL;
    uint64_t s = 0;
    if (set) {
        if (!mm_user_ok(set, 8, 0))
            return -EFAULT;
        memcpy(&s, (void *)set, 8);
    }
    if (old) {
        if (!mm_user_ok(old, 8, 1))
            return -EFAULT;
        memcpy((void *)old, &blocked, 8);
    }
    if (set)
        blocked = (how == SIG_BLOCK ? blocked | s : how == SIG_UNBLOCK ? blocked & ~s : s) & ~UNBLOCKABLE;
    return 0;
}

static int on_altstack(uint64_t sp)
{
    return !(altstack.flags & SS_DISABLE) && sp > altstack.sp && sp - altstack.sp <= altstack.size;
}

int64_t signal_sigaltstack(uint64_t ss, uint64_t old, uint64_t user_rsp)
{
    if (old) {
        if (!mm_user_ok(old, sizeof altstack, 1))
            return -EFAULT;
        __typeof__(altstack) o = altstack;
        if (on_altstack(user_rsp))
            o.flags = SS_ONSTACK;
        memcpy((void *)old, &o, sizeof o);
    }
    if (ss) {
        __typeof__(altstack) n;
        if (!mm_user_ok(ss, sizeof n, 0))
            return -EFAULT;
        memcpy(&n, (void *)ss, sizeof n);
        if (on_altstack(user_rsp))
            return -EPERM;
        if (n.flags != 0 && n.flags != SS_DISABLE)
            return -EINVAL; /* SS_AUTODISARM is not offered */
        if (n.flags == SS_DISABLE) {
            n.sp = 0;
            n.size = 0;
        } else if (n.size < MINSIGSTKSZ) {
            return -ENOMEM;
        } else if (n.sp >= KEEP_USER_END || n.size > KEEP_USER_END - n.sp) {
            return -EINVAL;
        }
        n.pad = 0;
        altstack = n;
    }
    return 0;
}

uint64_t signal_handler(int sig)
{
    return sig >= 1 && sig <= 64 ? actions[sig].handler : (uint64_t)SIG_DFL;
}

/* ---- delivery ---- */

/* Where the frame goes: below the red zone of the interrupted stack, or at
 * the top of the alternate stack (SA_ONSTACK) when not already on it.
 * Returns 0 and the addresses, or -1 (no room). */
static int frame_place(const struct ksigaction *a, uint64_t rsp, uint64_t *frame, uint64_t *fp)
{
    uint64_t top = rsp;
    if ((a->flags & SA_ONSTACK) && !(altstack.flags & SS_DISABLE) && !on_altstack(rsp))
        top = altstack.sp + altstack.size;
    else if (top >= RED_ZONE)
        top -= RED_ZONE;
    else
        return -1;
    uint64_t need = fp_frame_size() + 64 + sizeof(struct rt_sigframe) + 16;
    if (top < need || top > KEEP_USER_END)
        return -1;
    *fp = (top - fp_frame_size()) & ~63ull;
    /* The handler starts as if called: (rsp + 8) % 16 == 0. */
    *frame = ((*fp - sizeof(struct rt_sigframe)) & ~15ull) - 8;
    return mm_user_ok(*frame, top - *frame, 1) ? 0 : -1;
}

static void fill_context(struct ucontext *uc, const struct keep_regs *r, uint64_t fp, uint64_t cr2)
{
    struct sigcontext *sc = &uc->uc_mcontext;
    uc->uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | (fp_xsave ? UC_FP_XSTATE : 0);
    uc->uc_stack.ss_sp = (void *)altstack.sp;
    uc->uc_stack.ss_flags = on_altstack(r->rsp) ? SS_ONSTACK : altstack.flags;
    uc->uc_stack.ss_size = altstack.size;
    sc->r8 = r->r8, sc->r9 = r->r9, sc->r10 = r->r10, sc->r11 = r->r11;
    sc->r12 = r->r12, sc->r13 = r->r13, sc->r14 = r->r14, sc->r15 = r->r15;
    sc->rdi = r->rdi, sc->rsi = r->rsi, sc->rbp = r->rbp, sc->rbx = r->rbx;
    sc->rdx = r->rdx, sc->rax = r->rax, sc->rcx = r->rcx, sc->rsp = r->rsp;
    sc->rip = r->rip;
    sc->eflags = r->rflags;
    sc->cs = KEEP_USER_CS;
    sc->ss = KEEP_USER_DS;
    sc->err = r->error;
    sc->trapno = r->vector;
    sc->oldmask = blocked;
    sc->cr2 = cr2;
    sc->fpstate = (struct _fpstate *)fp;
    uc->uc_sigmask = blocked;
}

const char *signal_deliver(struct keep_regs *r, int sig, int code, uint64_t addr, int *stop_sig)
{
    struct ksigaction *a = &actions[sig];
    /* A blocked or default fault kills with its own signal; a handler that
     * cannot be entered, with SIGSEGV (Linux's force_sigsegv). */
    *stop_sig = sig;
    if (a->handler == (uint64_t)SIG_DFL || a->handler == (uint64_t)SIG_IGN)
        return "";
    if (blocked & SIG_BIT(sig))
        return "; its handler could not run: the signal is blocked (a fault inside the handler?)";
    *stop_sig = SIGSEGV;
    if (a->handler >= KEEP_USER_END) /* IRETQ to it would fault in the shim */
        return "; its handler could not run: its address is outside the workload's memory";
    if (!(a->flags & SA_RESTORER))
        return "; its handler could not run: it was installed without SA_RESTORER, so it could "
               "not return";
    uint64_t frame, fp;
    if (!fp_ready || frame_place(a, r->rsp, &frame, &fp) != 0)
        return "; its handler could not run: no writable room for the signal frame below the "
               "stack pointer";
    *stop_sig = sig;

    memset(fp_buf, 0, fp_frame_size()); /* XSAVE leaves the header's reserved bytes alone */
    fp_save(fp_buf);
    if (fp_xsave)
        fp_mark_extended(fp_buf);
    memcpy((void *)fp, fp_buf, fp_frame_size());

    struct rt_sigframe f;
    memset(&f, 0, sizeof f);
    f.restorer = a->restorer;
    fill_context(&f.uc, r, fp, r->vector == 14 ? addr : 0);
    f.info.si_signo = sig;
    f.info.si_code = code;
    f.info.si_addr = (void *)addr;
    memcpy((void *)frame, &f, sizeof f);

    fp_load(fp_init_image);
    blocked = (blocked | a->mask | ((a->flags & SA_NODEFER) ? 0 : SIG_BIT(sig))) & ~UNBLOCKABLE;
    r->rip = a->handler;
    if (a->flags & SA_RESETHAND) /* this once, then the default action */
        a->handler = (uint64_t)SIG_DFL;
    r->rsp = frame;
    r->rdi = (uint64_t)sig;
    r->rsi = frame + __builtin_offsetof(struct rt_sigframe, info);
    r->rdx = frame + __builtin_offsetof(struct rt_sigframe, uc);
    r->rax = 0;
    r->rflags &= ~(RFLAGS_DF | RFLAGS_TF | RFLAGS_RF | RFLAGS_AC);
    r->cs = KEEP_USER_CS;
    r->ss = KEEP_USER_DS;
    return 0;
}

/* ---- rt_sigreturn ---- */

static __attribute__((noreturn)) void bad_frame(const char *what, uint64_t value)
{
    shim_stop(128 + SIGSEGV, SP_ABORT_FAULT,
              "the workload was stopped by a corrupt signal frame (SIGSEGV): rt_sigreturn "
              "found %s %#lx",
              what, value);
}

/* Takes the FP state back from the frame and loads it: one copy, checked
 * (sigframe.c) and loaded from the shim's buffer, so the exec cannot change
 * what was checked. No image at all resets everything, as Linux does. */
static void fp_restore(uint64_t fp)
{
    if (!fp) {
        fp_load(fp_init_image);
        return;
    }
    uint64_t len = fp_frame_size();
    if (!mm_user_ok(fp, len, 0))
        len = FP_LEGACY_SIZE; /* a legacy image, or none at all */
    if (!mm_user_ok(fp, len, 0))
        bad_frame("an FP state pointer outside the workload's memory:", fp);
    memcpy(fp_buf, (const void *)fp, len);
    struct sigframe_fp_env env = {fp_xcr0, fp_size, fp_mxcsr_mask};
    if (sigframe_fp_image(fp_buf, len, &env) != SIGFRAME_OK)
        bad_frame("an FP state XRSTOR would refuse (reserved MXCSR or header bits) at", fp);
    fp_load(fp_buf);
}

void signal_return(struct keep_regs *r)
{
    uint8_t uc[SIGFRAME_UC_SIZE];
    uint64_t at = r->rsp; /* the handler's return popped the restorer */
    if (!mm_user_ok(at, sizeof uc, 0))
        bad_frame("no readable frame at the stack pointer", at);
    memcpy(uc, (const void *)at, sizeof uc);
    struct keep_regs back = *r;
    uint64_t mask, fp, bad = 0;
    switch (sigframe_context(uc, &back, &mask, &fp, &bad)) {
    case SIGFRAME_OK: break;
    case SIGFRAME_BAD_RIP: bad_frame("a return address outside the workload's memory:", bad);
    case SIGFRAME_BAD_CS: bad_frame("a code segment that is not the workload's:", bad);
    default: bad_frame("a non-canonical stack pointer:", bad);
    }
    fp_restore(fp);
    *r = back;
    blocked = mask;
    /* Back through IRETQ: SYSRET would clobber the restored rcx and r11. */
    r->vector = KEEP_VECTOR_FULL_RETURN;
}

void signal_init(void)
{
    fp_init();
}
