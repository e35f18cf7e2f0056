/* KVM shim: start-up, the sallyport doorbell, and stopping the Keep.
 *
 * The VMM has already done the expensive set-up (page tables, GDT/IDT/TSS,
 * the exec's image and initial stack) before the first KVM_RUN; here the shim
 * only copies the boot information, fills AT_RANDOM from the CPU, and drops to
 * ring 3. */
#include "shim/kvm/shim.h"
#include "abi/snp_guest.h"
#include "shim/snp/snp.h"

/* Filled by the VMM (the header in entry.S says where they are). */
struct keep_boot_info shim_boot_info;
__attribute__((aligned(16))) uint64_t shim_gdt[KEEP_GDT_ENTRIES];
__attribute__((aligned(16))) uint8_t shim_idt[256 * 16];
__attribute__((aligned(16))) uint8_t shim_tss[104];
extern char shim_stack_top[];
struct percpu shim_percpu = {0, shim_stack_top};

struct sp_keep shim_sallyport;
uint32_t shim_log_level;
static uint64_t exitless_spins;
static int stopping;

void shim_start(const struct keep_boot_info *bi);

/* ---- the sallyport doorbell ---- */

/* With exit-less mode, a host thread polls req_seq: spin a while for its
 * reply before paying for a VM exit. The OUT always makes the host finish the
 * batch before the vCPU runs again, so after it the reply is complete. */
static int doorbell(struct sp_keep *k)
{
    volatile struct sp_header *h = (volatile struct sp_header *)(void *)k->block;
    if (exitless_spins && h->host_polling) {
        for (uint64_t i = 0; i < exitless_spins; i++) {
            if (h->rsp_seq == k->seq)
                return 0;
            __asm__ volatile("pause" ::: "memory");
        }
    }
    if (snp_active)
        snp_doorbell();
    else
        outb(SP_DOORBELL_PORT, 0);
    return 0;
}

static void violation(struct sp_keep *k, const char *call, const char *what, int64_t value)
{
    (void)k;
    shim_stop(1, SP_ABORT_VIOLATION,
              "sallyport violation in %s: %s (%ld); the host is not behaving, the Keep stops "
              "without using the reply",
              call, what, (long)value);
}

/* ---- logging and stopping ---- */

void shim_log(uint32_t level, const char *fmt, ...)
{
    if (level > shim_log_level || stopping)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    size_t n = fmt_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sp_log(&shim_sallyport, (int)level, msg, n < sizeof msg ? n : sizeof msg - 1);
}

static __attribute__((noreturn)) void halt_forever(void)
{
    if (snp_active) /* HLT would be the hypervisor's to resume: ask it to end us */
        snp_terminate(GHCB_TERM_KEEP_STOP);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void shim_stop(int status, int kind, const char *fmt, ...)
{
    if (stopping++ || (snp_active && !snp_sallyport_ready()))
        halt_forever(); /* a fault while reporting, or no sallyport yet: the VMM sees the halt */
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    size_t n = fmt_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sp_abort(&shim_sallyport, status, kind, msg, n < sizeof msg ? n : sizeof msg - 1);
    halt_forever();
}

void shim_exit(int status)
{
    sp_exit(&shim_sallyport, status);
    /* The host ignored the exit: there is nothing else to run. */
    halt_forever();
}

void shim_dump_regs(const struct keep_regs *r, char *buf, size_t len)
{
    fmt_snprintf(buf, len,
                 "\n  rip %016lx  rsp %016lx  rflags %08lx  cs %lx  cr2 %016lx"
                 "\n  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx"
                 "\n  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx"
                 "\n  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx"
                 "\n  r13 %016lx  r14 %016lx  r15 %016lx  error %lx",
                 r->rip, r->rsp, r->rflags, r->cs, read_cr2(), r->rax, r->rbx, r->rcx, r->rdx,
                 r->rsi, r->rdi, r->rbp, r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14,
                 r->r15, r->error);
}

/* ---- start-up ---- */

void shim_start(const struct keep_boot_info *bi)
{
    /* Under SEV-SNP first of all: until then even CPUID does not work. */
    int snp = snp_early_init(bi);
    /* The boot information is initial state (measured under SEV-SNP): it is
     * trusted like the shim's own code, but still sanity-checked. */
    shim_log_level = bi->log_level;
    exitless_spins = bi->exitless_spins;
    struct sp_keep *k = &shim_sallyport;
    k->block = phys_to_virt(bi->sallyport_gpa);
    k->data_size = bi->sallyport_data_size;
    k->doorbell = doorbell;
    k->violation = violation;
    sp_keep_init(k);
    k->coalesce = (bi->flags & KEEP_FLAG_COALESCE) != 0;
    for (uint32_t i = 0; i < bi->nfds && i < KEEP_MAX_BOOT_FDS; i++)
        sp_keep_adopt_fd(k, bi->fds[i], bi->fd_domain[i]);

    if (bi->magic != SHIM_MAGIC || bi->sallyport_data_size < 4096 ||
        bi->sallyport_data_size > SP_MAX_DATA_SIZE)
        halt_forever(); /* no usable sallyport: cannot even report */
    if (snp < 0)
        shim_stop(1, SP_ABORT_PANIC, "this Keep was launched for SEV-SNP, but the CPU does not run it "
                                     "as an SEV-SNP guest: its memory is not protected");
    if (!random_available())
        shim_stop(1, SP_ABORT_PANIC, "the CPU offers neither RDRAND nor RDSEED; a Keep needs a "
                                     "source of randomness the host does not control");
    if (mm_init(bi) != 0)
        shim_stop(1, SP_ABORT_PANIC, "the boot information describes an unusable memory layout");
    snp_memory_init(bi, k); /* the sallyport works from here under SEV-SNP too */
    if (!mm_user_ok(bi->at_random, 16, 1))
        shim_stop(1, SP_ABORT_PANIC, "AT_RANDOM (%#lx) is not in the exec's stack", bi->at_random);
    random_fill((void *)bi->at_random, 16);
    signal_init();
    shim_log(ENARX_LOG_DEBUG, "shim: memory %lu MiB (%lu MiB free), sallyport block %lu KiB, %s",
             mm_total_bytes() >> 20, mm_free_bytes() >> 20, bi->sallyport_data_size >> 10,
             exitless_spins ? "exit-less" : "exiting");
    enter_user(bi->user_entry, bi->user_rsp);
}
