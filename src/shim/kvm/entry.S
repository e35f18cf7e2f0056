/* KVM shim: the header the VMM reads, the ring-0 entry, the SYSCALL entry
 * and the exception entries. Kept short: under PVM every ring-0 instruction
 * is emulated (docs/keep.md). */
#include "abi/kvm_boot.h"
#include "abi/sallyport.h"

/* struct percpu (shim.h) */
#define PERCPU_USER_RSP 0
#define PERCPU_KSTACK   8

        .section .shim_header, "a"
        .globl shim_header
shim_header:
        .long SHIM_MAGIC, SHIM_ABI_VERSION, SP_VERSION, shim_header_end - shim_header
        .quad shim_entry, syscall_entry, shim_percpu, shim_boot_info
        .quad shim_gdt, shim_idt, shim_tss, shim_stack_top, shim_ist_top
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad vector_\n
        .endr
shim_header_end:

        .section .stack, "aw", @nobits
        .balign 4096
        .skip 65536
        .globl shim_stack_top
shim_stack_top:
        .skip 16384
        .globl shim_ist_top
shim_ist_top:

        .text
/* The VMM starts here in ring 0: RSP = shim_stack_top, RDI = &boot info. */
        .globl shim_entry
shim_entry:
        cld
        xorl %ebp, %ebp
        call shim_start
1:      cli
        hlt
        jmp 1b

/* struct keep_regs, lowest address first: r15 .. rax, vector, error, then
 * the hardware frame rip, cs, rflags, rsp, ss. */
.macro PUSH_GPRS
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
.endm
.macro POP_GPRS
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rbp
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
.endm

/* SYSCALL lands here. On hardware KVM we are at CPL 0. Under PVM SYSCALL
 * stays at CPL 3: then the first instruction (swapgs, privileged) raises #GP,
 * or fetching it from a supervisor page raises #PF, and shim_trap runs the
 * call from the exception frame instead (trap.c). */
        .globl syscall_entry
syscall_entry:
        swapgs
        movq %rsp, %gs:PERCPU_USER_RSP
        movq %gs:PERCPU_KSTACK, %rsp
        pushq $KEEP_USER_DS
        pushq %gs:PERCPU_USER_RSP
        pushq %r11
        pushq $KEEP_USER_CS
        pushq %rcx
        pushq $0
        pushq $-1                       /* vector -1: a system call */
        PUSH_GPRS
        movq %rsp, %rdi
        call shim_syscall
        POP_GPRS
        /* rt_sigreturn restored every register (KEEP_VECTOR_FULL_RETURN in
         * regs.h): IRETQ, since SYSRET would load rcx and r11. */
        cmpq $-2, (%rsp)
        je 2f
        addq $16, %rsp
        /* SYSRET to a non-canonical RIP would fault in ring 0 with the user's
         * stack: take IRETQ then, which faults in a sane state. */
        movq (%rsp), %rcx
        movq %rcx, %r11
        sarq $47, %r11
        jnz 1f
        movq 16(%rsp), %r11
        movq 24(%rsp), %rsp
        swapgs
        sysretq
1:      movq 16(%rsp), %r11             /* the user's r11 = rflags, as after SYSRET */
        jmp 3f
2:      addq $16, %rsp
3:      swapgs
        .globl shim_iret_site
shim_iret_site:
        iretq

.macro VECTOR n, has_error
vector_\n:
        .if \has_error == 0
        pushq $0
        .endif
        pushq $\n
        jmp trap_common
.endm
        VECTOR 0, 0
        VECTOR 1, 0
        VECTOR 2, 0
        VECTOR 3, 0
        VECTOR 4, 0
        VECTOR 5, 0
        VECTOR 6, 0
        VECTOR 7, 0
        VECTOR 8, 1
        VECTOR 9, 0
        VECTOR 10, 1
        VECTOR 11, 1
        VECTOR 12, 1
        VECTOR 13, 1
        VECTOR 14, 1
        VECTOR 15, 0
        VECTOR 16, 0
        VECTOR 17, 1
        VECTOR 18, 0
        VECTOR 19, 0
        VECTOR 20, 0
        VECTOR 21, 1
        VECTOR 22, 0
        VECTOR 23, 0
        VECTOR 24, 0
        VECTOR 25, 0
        VECTOR 26, 0
        VECTOR 27, 0
        VECTOR 28, 0
        VECTOR 29, 1
        VECTOR 30, 1
        VECTOR 31, 0

trap_common:
        testb $3, 24(%rsp)              /* from user mode? (cs) */
        jz 1f
        swapgs
1:      PUSH_GPRS
        cld
        movq %rsp, %rdi
        call shim_trap
        POP_GPRS
        testb $3, 24(%rsp)
        jz 2f
        swapgs
2:      addq $16, %rsp
        iretq

/* enter_user(rip, rsp): the first entry into the exec, all registers zero
 * (the x86-64 ABI's process entry state; rdx = 0: no atexit function). */
        .globl enter_user
enter_user:
        pushq $KEEP_USER_DS
        pushq %rsi
        pushq $0x202                    /* IF set, as Linux starts a process */
        pushq $KEEP_USER_CS
        pushq %rdi
        xorl %eax, %eax
        xorl %ebx, %ebx
        xorl %ecx, %ecx
        xorl %edx, %edx
        xorl %esi, %esi
        xorl %edi, %edi
        xorl %ebp, %ebp
        xorl %r8d, %r8d
        xorl %r9d, %r9d
        xorl %r10d, %r10d
        xorl %r11d, %r11d
        xorl %r12d, %r12d
        xorl %r13d, %r13d
        xorl %r14d, %r14d
        xorl %r15d, %r15d
        swapgs
        iretq
