/* The guard-page mode's fault handler and its registry of code regions
 * (fault.h). The handler runs in signal context, possibly while another
 * thread adds or removes regions: it takes no lock, calls no allocator and
 * reads the registry only through atomics. Each registry slot is a seqlock
 * (gen odd while written); a slot's page table and site records are freed
 * only when its region is removed, which happens when the module's code is
 * unmapped, and a fault inside that code means it is still running (it is
 * not unmapped under a running activation), so the records the handler
 * dereferences — only those of the region containing the faulting
 * instruction — are alive. */
/* REG_RIP and friends need _GNU_SOURCE (the Makefile defines it) */
#include "engine/x86/fault.h"

#include "engine/internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/* Regions (code arenas) alive at once; a module needs one per 256 KiB of
 * machine code. Full: the function runs in the interpreter (arena_for). */
#define FAULT_REGIONS 4096

typedef struct region {
    uint32_t gen; /* odd while the slot is being written */
    uintptr_t base;
    size_t size;
    size_t page;
    fault_sites **owner; /* per page: the record of the code on it, or NULL */
} region;

static region regions[FAULT_REGIONS];
static uint32_t regions_used; /* slots [0, regions_used) may be live */
static pthread_mutex_t regions_lock = PTHREAD_MUTEX_INITIALIZER;

static struct sigaction previous[2]; /* SIGSEGV, SIGBUS: before ours */
static bool installed;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static int signal_slot(int sig) { return sig == SIGSEGV ? 0 : 1; }

/* The record of the code containing pc, or NULL (not engine code). */
static const fault_sites *sites_at(uintptr_t pc)
{
    uint32_t used = __atomic_load_n(&regions_used, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < used && i < FAULT_REGIONS; i++) {
        region *r = &regions[i];
        uint32_t g1 = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
        if (g1 & 1)
            continue; /* being written: not a region that is running */
        uintptr_t base = __atomic_load_n(&r->base, __ATOMIC_RELAXED);
        size_t size = __atomic_load_n(&r->size, __ATOMIC_RELAXED);
        size_t page = __atomic_load_n(&r->page, __ATOMIC_RELAXED);
        fault_sites **owner = __atomic_load_n(&r->owner, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&r->gen, __ATOMIC_RELAXED) != g1)
            continue;
        if (!owner || !page || pc - base >= size)
            continue;
        return __atomic_load_n(&owner[(pc - base) / page], __ATOMIC_ACQUIRE);
    }
    return NULL;
}

/* The site at offset off of t, or NULL (binary search: t->at is sorted). */
static const fault_site *site_at(const fault_sites *t, uintptr_t off)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->at[mid].off == off)
            return &t->at[mid];
        if (t->at[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Not ours: whatever was installed before runs, as if we were not there.
 * The default action (or an ignored synchronous fault, which would loop)
 * is restored and the instruction faults again on return; a signal sent
 * by kill is raised again (it is blocked until we return). */
static void chain(int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *old = &previous[signal_slot(sig)];
    if (old->sa_flags & SA_SIGINFO) {
        if (old->sa_sigaction) {
            old->sa_sigaction(sig, si, uc);
            return;
        }
    } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
    if (si->si_code <= 0)
        raise(sig);
}

/* (a) the instruction is engine code, (b) a recorded access site of it,
 * (c) the address inside memory 0's reservation, from r14. Then the
 * function continues at its trap path exactly as the explicit check's
 * branch would have taken it: same registers, esi = kind, ecx = position.
 * x86 faults are precise: the faulting access wrote nothing, even a store
 * straddling the end of the memory (one instruction per access). */
static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *gr = uc->uc_mcontext.gregs;
    uintptr_t pc = (uintptr_t)gr[REG_RIP];
    const fault_sites *t = sites_at(pc);
    const fault_site *s = t && pc - (uintptr_t)t->code < t->len ? site_at(t, pc - (uintptr_t)t->code)
                                                                  : NULL;
    uintptr_t base = (uintptr_t)gr[REG_R14], addr = (uintptr_t)si->si_addr;
    if (!s || addr < base || addr - base >= MEMORY_RESERVE) {
        chain(sig, si, ucv);
        return;
    }
    gr[REG_RSI] = WASM_TRAP_OOB_MEMORY;
    gr[REG_RCX] = s->pos;
    gr[REG_RIP] = (greg_t)(uintptr_t)(t->code + s->trap);
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    /* the previous handlers are read before ours is in place: a fault on
     * another thread meanwhile finds them complete */
    if (sigaction(SIGSEGV, NULL, &previous[0]) != 0 || sigaction(SIGBUS, NULL, &previous[1]) != 0)
        return;
    if (sigaction(SIGSEGV, &sa, NULL) != 0)
        return;
    if (sigaction(SIGBUS, &sa, NULL) != 0) {
        (void)sigaction(SIGSEGV, &previous[0], NULL);
        return;
    }
    installed = true;
}

bool fault_handler_ready(void)
{
    pthread_once(&install_once, install);
    return installed;
}

fault_sites *fault_sites_new(size_t count)
{
    if (count > (SIZE_MAX - sizeof(fault_sites)) / sizeof(fault_site))
        return NULL;
    fault_sites *t = calloc(1, sizeof *t + count * sizeof(fault_site));
    if (t)
        t->count = count;
    return t;
}

/* Slot writes happen under regions_lock, between an odd and an even gen. */
static void slot_write(region *r, uintptr_t base, size_t size, size_t page, fault_sites **owner)
{
    __atomic_store_n(&r->gen, r->gen + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&r->base, base, __ATOMIC_RELAXED);
    __atomic_store_n(&r->size, size, __ATOMIC_RELAXED);
    __atomic_store_n(&r->page, page, __ATOMIC_RELAXED);
    __atomic_store_n(&r->owner, owner, __ATOMIC_RELAXED);
    __atomic_store_n(&r->gen, r->gen + 1, __ATOMIC_RELEASE);
}

int fault_region_add(const uint8_t *base, size_t size)
{
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    size_t npages = size / page + (size % page != 0);
    fault_sites **owner = calloc(npages ? npages : 1, sizeof(fault_sites *));
    if (!owner)
        return -1;
    pthread_mutex_lock(&regions_lock);
    int h = -1;
    for (uint32_t i = 0; i < FAULT_REGIONS && h < 0; i++)
        if (!regions[i].owner)
            h = (int)i;
    if (h >= 0) {
        slot_write(&regions[h], (uintptr_t)base, size, page, owner);
        if ((uint32_t)h >= regions_used)
            __atomic_store_n(&regions_used, (uint32_t)h + 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&regions_lock);
    if (h < 0)
        free(owner);
    return h;
}

void fault_region_publish(int h, fault_sites *sites)
{
    region *r = &regions[h];
    uintptr_t from = (uintptr_t)sites->code - r->base;
    for (size_t p = from / r->page; p * r->page < from + sites->len; p++)
        __atomic_store_n(&r->owner[p], sites, __ATOMIC_RELEASE);
}

void fault_region_remove(int h)
{
    if (h < 0)
        return;
    pthread_mutex_lock(&regions_lock);
    region *r = &regions[h];
    fault_sites **owner = r->owner;
    size_t npages = r->size / r->page + (r->size % r->page != 0);
    slot_write(r, 0, 0, 0, NULL);
    pthread_mutex_unlock(&regions_lock);
    fault_sites *last = NULL;
    for (size_t p = 0; p < npages; p++)
        if (owner[p] && owner[p] != last) { /* a record covers consecutive pages */
            last = owner[p];
            free(last);
        }
    free(owner);
}
