/* TEST-ONLY: the rest of the KVM shim, as far as src/shim/snp/snp.c needs
 * it, for the host (shim_stubs.c). This header stays clear of shim.h, whose
 * Linux UAPI names clash with the C library's. */
#ifndef TESTS_SEV_SHIM_STUBS_H
#define TESTS_SEV_SHIM_STUBS_H

#include <setjmp.h>
#include <stdint.h>

#include "sallyport/keep.h"

extern struct sp_keep shim_sallyport;

struct stub_state {
    char stop_msg[2048];
    int stop_status, stop_kind;
    unsigned stops;
    char log[1024];
    uint32_t log_level;
    unsigned logs, sleeps;
    uint64_t carve_next, carve_end;   /* mm_carve hands out [next, end) */
    uint64_t user_lo, user_hi;        /* mm_user_ok accepts this window */
};

extern struct stub_state stub;
/* shim_stop longjmps here. */
extern jmp_buf stub_stop_jmp;

#endif
