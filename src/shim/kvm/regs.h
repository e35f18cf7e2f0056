/* KVM shim: the registers of an interrupted context, as entry.S saves them.
 * Its own header (no dependencies) so that host-compiled tests of code that
 * takes them (src/shim/snp) can build one. */
#ifndef SHIM_KVM_REGS_H
#define SHIM_KVM_REGS_H

#include <stdint.h>

/* Saved registers, lowest address first (entry.S builds this). vector is -1
 * for a system call. */
struct keep_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/* vector for a system call (entry.S pushes it) */
#define KEEP_VECTOR_SYSCALL ((uint64_t)-1)
/* set by a system call that replaced the whole user context (rt_sigreturn):
 * entry.S returns through IRETQ, which restores rcx and r11 too, where SYSRET
 * would load them with rip and rflags */
#define KEEP_VECTOR_FULL_RETURN ((uint64_t)-2)

#endif
