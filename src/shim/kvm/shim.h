/* KVM shim: internal interfaces between its files. Freestanding: Linux names
 * (errno values, system call numbers, flags) come from abi/linux_abi.h. */
#ifndef SHIM_KVM_SHIM_H
#define SHIM_KVM_SHIM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/kvm_boot.h"
#include "abi/linux_abi.h"
#include "abi/log_level.h"
#include "sallyport/keep.h"
#include "shim/kvm/regs.h"

#define PAGE_SIZE 4096ull
#define HUGE_SIZE (2ull << 20)


/* GS-relative data while in the shim (entry.S knows the offsets). */
struct percpu {
    uint64_t user_rsp;
    char *kstack_top;
};

/* ---- main.c ---- */
extern struct sp_keep shim_sallyport;
extern struct keep_boot_info shim_boot_info;
extern uint32_t shim_log_level;
__attribute__((noreturn, format(printf, 3, 4))) void shim_stop(int status, int kind,
                                                               const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void shim_log(uint32_t level, const char *fmt, ...);
void shim_exit(int status) __attribute__((noreturn));
void shim_dump_regs(const struct keep_regs *r, char *buf, size_t len);

/* ---- lib.c ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) size_t fmt_snprintf(char *buf, size_t size,
                                                         const char *fmt, ...);
/* 64 random bits from RDRAND (or RDSEED); stops the Keep if the CPU fails. */
uint64_t random_u64(void);
void shim_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);
void random_fill(void *buf, size_t len);
int random_available(void);

/* ---- mm.c ---- */
int mm_init(const struct keep_boot_info *bi);
int mm_fault(uint64_t addr, uint64_t error, int user);
/* 1 if [p, p+len) is user memory the workload may read (write = 1: write). */
int mm_user_ok(uint64_t p, uint64_t len, int write);
/* 1 if addr lies in one of the exec's mappings (whatever its protection). */
int mm_mapped(uint64_t addr);
int64_t mm_brk(uint64_t addr);
int64_t mm_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
int64_t mm_munmap(uint64_t addr, uint64_t len);
int64_t mm_mprotect(uint64_t addr, uint64_t len, int prot);
int64_t mm_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr);
int64_t mm_madvise(uint64_t addr, uint64_t len, int advice);
/* Free memory, in bytes (for sysinfo and the debug log). */
uint64_t mm_free_bytes(void);
uint64_t mm_total_bytes(void);
/* npages never-used frames, taken at start-up for the shim's own use (not
 * validated, not zeroed: the caller does what it needs); 0 if too few. */
uint64_t mm_carve(uint64_t npages);
static inline void *phys_to_virt(uint64_t gpa)
{
    return (void *)(KEEP_DIRECT_MAP + gpa);
}

/* ---- signal.c ---- */
/* Sizes the FP state a signal frame carries; before the first delivery. */
void signal_init(void);
/* 1 if a handler for sig can run (the synchronous fault signals). */
int signal_deliverable(int sig);
int64_t signal_sigaction(int sig, uint64_t act, uint64_t old, uint64_t size);
int64_t signal_sigprocmask(int how, uint64_t set, uint64_t old, uint64_t size);
int64_t signal_sigaltstack(uint64_t ss, uint64_t old, uint64_t user_rsp);
uint64_t signal_handler(int sig);
/* Delivers sig (si_code code, si_addr addr) for the user fault in r to the
 * exec's handler: the frame on its stack, r set to enter the handler.
 * Returns NULL if delivered; otherwise why not, as a suffix for the stop
 * message ("" when there is no handler), and in *stop_sig the signal the
 * Keep stops with (Linux's: sig, or SIGSEGV when the handler was there but
 * could not be entered). */
const char *signal_deliver(struct keep_regs *r, int sig, int code, uint64_t addr, int *stop_sig);
/* rt_sigreturn: the context of the frame at r->rsp, validated, into r (and
 * the FP registers and the signal mask); stops the Keep on a corrupt frame. */
void signal_return(struct keep_regs *r);

/* ---- syscall.c / trap.c ---- */
void shim_syscall(struct keep_regs *r);
void shim_trap(struct keep_regs *r);

/* ---- entry.S ---- */
extern char syscall_entry[], shim_iret_site[];
__attribute__((noreturn)) void enter_user(uint64_t rip, uint64_t rsp);

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port) : "memory");
}

static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline void write_cr3(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline void invlpg(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u

#endif
