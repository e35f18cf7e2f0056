/* KVM shim: what rt_sigreturn checks in the signal frame the exec hands back
 * (signal.c), as pure functions over bytes already copied out of user memory,
 * so that the host can fuzz them (tests/keep/fuzz_sigframe.c). Nothing here
 * touches the CPU. */
#ifndef SHIM_KVM_SIGFRAME_H
#define SHIM_KVM_SIGFRAME_H

#include <stdint.h>

#include "shim/kvm/regs.h"

#define SIGFRAME_UC_SIZE 304u          /* Linux's x86-64 struct ucontext */
#define SIGFRAME_FP_LEGACY_SIZE 512u   /* the FXSAVE area */
#define SIGFRAME_XSAVE_HEADER_SIZE 64u /* the XSAVE header after it */

/* The FP state the shim saves: XSAVE of every XCR0 component (xcr0 = 0:
 * FXSAVE only), size bytes, and the MXCSR bits the CPU accepts. */
struct sigframe_fp_env {
    uint64_t xcr0;
    uint32_t size;
    uint32_t mxcsr_mask;
};

enum sigframe_status {
    SIGFRAME_OK,
    SIGFRAME_BAD_RIP, /* rip outside user memory */
    SIGFRAME_BAD_CS,  /* cs other than the user code selector */
    SIGFRAME_BAD_RSP, /* rsp non-canonical */
    SIGFRAME_BAD_FP,  /* an FP image XRSTOR/FXRSTOR would fault on */
};

/* The context of a ucontext (SIGFRAME_UC_SIZE bytes) into r: every general
 * register, rip, rsp, rflags (only the flags user code may set; IF set),
 * the user selectors; the mask to restore and the fpstate pointer. r is
 * left alone unless the result is SIGFRAME_OK; otherwise *bad is the value
 * refused. */
enum sigframe_status sigframe_context(const uint8_t *uc, struct keep_regs *r, uint64_t *mask,
                                      uint64_t *fpstate, uint64_t *bad);

/* The FP image copied from the frame: len bytes at buf (len = env->size + 4
 * for a whole XSAVE image with Linux's trailing magic, or
 * SIGFRAME_FP_LEGACY_SIZE), buf holding at least env->size + 4 bytes. An
 * image without Linux's XSAVE marks, or marked for another size, keeps x87
 * and SSE and has the rest reset (its header rewritten). SIGFRAME_OK if
 * XRSTOR (FXRSTOR when env->xcr0 is 0) of buf with every XCR0 component
 * requested cannot fault. */
enum sigframe_status sigframe_fp_image(uint8_t *buf, uint64_t len, const struct sigframe_fp_env *env);

#endif
