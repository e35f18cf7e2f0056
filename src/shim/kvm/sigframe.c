/* KVM shim: rt_sigreturn's checks of the frame (sigframe.h). Freestanding
 * and pure: built into the shim and, for the fuzz target, for the host. */
#include "shim/kvm/sigframe.h"

#include "abi/kvm_boot.h"
#include "abi/linux_abi.h"

/* After abi/linux_abi.h: these need asm/signal.h's types. */
#include <asm/sigcontext.h>
#include <asm/ucontext.h>

_Static_assert(sizeof(struct ucontext) == SIGFRAME_UC_SIZE, "Linux's x86-64 ucontext");
_Static_assert(sizeof(struct _fpstate_64) == SIGFRAME_FP_LEGACY_SIZE, "the FXSAVE area");

#define USER_CANONICAL_END 0x0000800000000000ull
#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))
#define XFEATURES_X87_SSE 3ull
/* What the exec may set in rflags: CF, PF, AF, ZF, SF, DF, OF, RF, AC. Never
 * IF, IOPL, NT, VM or the rest (ring 3 keeps IF on); not TF either: a Keep
 * has no debugger, and a trap flag would only turn into a #DB stop. */
#define RFLAGS_CF 0x1ull
#define RFLAGS_FIXED 0x2ull /* bit 1 always reads as 1 */
#define RFLAGS_PF 0x4ull
#define RFLAGS_AF 0x10ull
#define RFLAGS_ZF 0x40ull
#define RFLAGS_SF 0x80ull
#define RFLAGS_IF 0x200ull
#define RFLAGS_DF 0x400ull
#define RFLAGS_OF 0x800ull
#define RFLAGS_RF 0x10000ull
#define RFLAGS_AC 0x40000ull
#define RFLAGS_USER (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_DF | \
                     RFLAGS_OF | RFLAGS_RF | RFLAGS_AC)

static void copy_bytes(void *dst, const void *src, uint64_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
}

enum sigframe_status sigframe_context(const uint8_t *bytes, struct keep_regs *r, uint64_t *mask,
                                      uint64_t *fpstate, uint64_t *bad)
{
    struct ucontext uc;
    copy_bytes(&uc, bytes, sizeof uc);
    const struct sigcontext *sc = &uc.uc_mcontext;
    if (sc->rip >= KEEP_USER_END)
        return *bad = sc->rip, SIGFRAME_BAD_RIP;
    if (sc->cs != KEEP_USER_CS)
        return *bad = sc->cs, SIGFRAME_BAD_CS;
    if (sc->rsp >= USER_CANONICAL_END)
        return *bad = sc->rsp, SIGFRAME_BAD_RSP;
    r->r8 = sc->r8, r->r9 = sc->r9, r->r10 = sc->r10, r->r11 = sc->r11;
    r->r12 = sc->r12, r->r13 = sc->r13, r->r14 = sc->r14, r->r15 = sc->r15;
    r->rdi = sc->rdi, r->rsi = sc->rsi, r->rbp = sc->rbp, r->rbx = sc->rbx;
    r->rdx = sc->rdx, r->rax = sc->rax, r->rcx = sc->rcx, r->rsp = sc->rsp;
    r->rip = sc->rip;
    r->rflags = (sc->eflags & RFLAGS_USER) | RFLAGS_IF | RFLAGS_FIXED;
    r->cs = KEEP_USER_CS;
    r->ss = KEEP_USER_DS;
    *mask = uc.uc_sigmask & ~UNBLOCKABLE;
    *fpstate = (uint64_t)(uintptr_t)sc->fpstate;
    return SIGFRAME_OK;
}

/* Linux's marks of an XSAVE image of exactly the shim's size. */
static int xsave_marked(const uint8_t *buf, uint64_t len, const struct sigframe_fp_env *env)
{
    struct _fpx_sw_bytes sw;
    uint32_t magic2;
    if (len < (uint64_t)env->size + FP_XSTATE_MAGIC2_SIZE)
        return 0;
    copy_bytes(&sw, buf + __builtin_offsetof(struct _fpstate_64, sw_reserved), sizeof sw);
    copy_bytes(&magic2, buf + env->size, sizeof magic2);
    return sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size == env->size &&
           sw.extended_size == env->size + FP_XSTATE_MAGIC2_SIZE && magic2 == FP_XSTATE_MAGIC2;
}

enum sigframe_status sigframe_fp_image(uint8_t *buf, uint64_t len, const struct sigframe_fp_env *env)
{
    if (len < SIGFRAME_FP_LEGACY_SIZE)
        return SIGFRAME_BAD_FP;
    const struct _fpstate_64 *legacy = (const struct _fpstate_64 *)(const void *)buf;
    /* FXRSTOR and XRSTOR: #GP on MXCSR bits the CPU does not have. */
    if (legacy->mxcsr & ~env->mxcsr_mask)
        return SIGFRAME_BAD_FP;
    if (!env->xcr0)
        return SIGFRAME_OK;
    uint64_t header[SIGFRAME_XSAVE_HEADER_SIZE / 8] = {0};
    if (!xsave_marked(buf, len, env)) { /* x87 and SSE from the legacy area; the rest initial */
        header[0] = XFEATURES_X87_SSE;
        copy_bytes(buf + SIGFRAME_FP_LEGACY_SIZE, header, sizeof header);
        return SIGFRAME_OK;
    }
    /* XRSTOR: #GP on XSTATE_BV bits XCR0 lacks and on a non-zero rest of the
     * header (XCOMP_BV, whose bit 63 asks for the compacted format, and the
     * reserved bytes). */
    copy_bytes(header, buf + SIGFRAME_FP_LEGACY_SIZE, sizeof header);
    if (header[0] & ~env->xcr0)
        return SIGFRAME_BAD_FP;
    for (unsigned i = 1; i < sizeof header / sizeof header[0]; i++)
        if (header[i])
            return SIGFRAME_BAD_FP;
    return SIGFRAME_OK;
}
