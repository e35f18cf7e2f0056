/* The #VC handler's logic (vector 29, "VMM communication exception"): under
 * SEV-SNP an intercepted instruction does not exit to the hypervisor; it
 * raises #VC in the guest, whose handler decides what to reveal.
 *
 *   CPUID           from the CPUID page, never from the hypervisor, at any CPL
 *   OUT             (ring 0 only) the sallyport doorbell, through the GHCB
 *   RDMSR / WRMSR   (ring 0 only) through the GHCB
 *   RDTSC / RDTSCP  through the GHCB (time comes from the host anyway)
 *   page not validated (error code 0x404): an attack (or a shim bug): stop
 *   anything else: stop, naming the exit code
 *
 * The instruction at RIP is decoded only as far as needed to check it is the
 * one the error code names and to find its length. */
#ifndef SHIM_SNP_VC_H
#define SHIM_SNP_VC_H

#include <stddef.h>
#include <stdint.h>

#include "shim/snp/cpuid.h"
#include "shim/snp/ghcb.h"

/* The registers the handler reads and writes. */
struct vc_frame {
    uint64_t rax, rbx, rcx, rdx, rip;
    int user;                          /* the #VC came from ring 3 */
};

enum vc_status {
    VC_DONE = 0,                /* emulated; RIP advanced */
    VC_NOT_VALIDATED,           /* a page not validated: stop (see pvalidate.h) */
    VC_UNSUPPORTED,             /* an exit the Keep does not serve */
    VC_FORBIDDEN,               /* an I/O or MSR exit from ring 3 */
    VC_DECODE,                  /* the instruction at RIP is not the one the exit names */
    VC_CPUID,                   /* the CPUID page cannot answer (cpuid_status in detail) */
    VC_GHCB,                    /* the hypervisor failed the event (ghcb_status in detail) */
};

const char *vc_status_text(enum vc_status s);

struct vc_env {
    const struct snp_cpuid_page *cpuid_page;
    struct cpuid_state cpu;
    struct ghcb_ctx *ghcb;
};

/* Length of the instruction in insn[0..n) if it is one the exit code
 * `exit` describes (legacy prefixes and REX allowed), else 0. For IOIO, also
 * the port (from the immediate or DX), the size and whether it is an OUT. */
struct vc_io {
    uint16_t port;
    unsigned size;
    int out;
};
size_t vc_decode(uint64_t exit, const uint8_t *insn, size_t n, uint64_t rdx, struct vc_io *io);

/* Handles one #VC with error code `exit`; insn = the bytes at RIP that could
 * be read (at most 15). *detail receives the sub-status on VC_CPUID or
 * VC_GHCB. */
enum vc_status vc_handle(const struct vc_env *env, uint64_t exit, struct vc_frame *f,
                         const uint8_t *insn, size_t n, int *detail);

#endif
