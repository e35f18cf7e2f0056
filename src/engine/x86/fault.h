/* Memory faults of the JIT's guard-page mode as wasm traps (see
 * docs/engine.md, "Bounds checks"). Machine code compiled in guard mode
 * accesses [r14 + index + offset] with no compare; an access past the
 * memory's size lands in the PROT_NONE rest of its reservation
 * (MEMORY_RESERVE) and faults. A process-wide SIGSEGV/SIGBUS handler turns
 * such a fault into the function's trap path ("out of bounds memory
 * access" at the access's position) when, and only when:
 *  (a) the faulting instruction lies in a registered code region (an arena
 *      of machine code the engine placed),
 *  (b) it is a recorded access site of the code placed there (a sorted map
 *      native offset -> wasm position, published with the code), and
 *  (c) the fault address lies in [r14, r14 + MEMORY_RESERVE) of the
 *      faulting context (r14 = memory 0's base in generated code).
 * Anything else goes to the handler installed before ours (or the default
 * action), so real crashes stay crashes. Internal to the engine. */
#ifndef ENGINE_X86_FAULT_H
#define ENGINE_X86_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One access site: the access instruction's offset from the start of the
 * placed code, the wasm position its trap reports, and the offset of the
 * function's trap path (entered with esi = trap kind, ecx = position). */
typedef struct fault_site {
    uint32_t off;
    uint32_t pos;
    uint32_t trap;
} fault_site;

/* The access sites of one piece of placed code (a function, or a batch of
 * them), sorted by off. Immutable once published. */
typedef struct fault_sites {
    const uint8_t *code;
    size_t len;
    size_t count;
    fault_site at[];
} fault_sites;

/* Installs the handler once per process (thread-safe): whether it is in
 * place. False where sigaction refuses it (the KVM Keep's shim, until it
 * delivers faults): machine code must then check bounds explicitly. */
bool fault_handler_ready(void);

/* A record for count sites (code, len and the sites filled by the caller),
 * or NULL when memory runs out. */
fault_sites *fault_sites_new(size_t count);

/* Registers the code region [base, base + size) (page-aligned: an arena),
 * in which published code may fault: a handle >= 0, or -1 when the
 * registry is full or memory runs out. */
int fault_region_add(const uint8_t *base, size_t size);
/* Publishes sites for code placed in region h (sites->code, sites->len
 * inside it, on pages of its own): the handler knows its accesses from
 * now on. The region owns sites afterwards. */
void fault_region_publish(int h, fault_sites *sites);
/* Forgets region h (its code is about to be unmapped) and frees its sites. */
void fault_region_remove(int h);

#endif
