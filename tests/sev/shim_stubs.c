/* TEST-ONLY: what src/shim/snp/snp.c uses from the rest of the KVM shim,
 * for running it on the host: stopping (recorded, then a longjmp back to the
 * test), logging (recorded), the memory manager's carving (a bump allocator
 * over the model's memory) and user-pointer checks (one user window). */
#include "shim/kvm/shim.h"

#include "shim_stubs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct sp_keep shim_sallyport;
uint32_t shim_log_level = ENARX_LOG_TRACE;
struct stub_state stub;
jmp_buf stub_stop_jmp;

void shim_stop(int status, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(stub.stop_msg, sizeof stub.stop_msg, fmt, ap);
    va_end(ap);
    stub.stop_status = status;
    stub.stop_kind = kind;
    stub.stops++;
    longjmp(stub_stop_jmp, 1);
}

void shim_log(uint32_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(stub.log, sizeof stub.log, fmt, ap);
    va_end(ap);
    stub.log_level = level;
    stub.logs++;
}

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, size, fmt, ap);
    return n < 0 ? 0 : (size_t)n;
}

uint64_t mm_carve(uint64_t npages)
{
    if (npages > (stub.carve_end - stub.carve_next) / 4096)
        return 0;
    uint64_t gpa = stub.carve_next;
    stub.carve_next += npages * 4096;
    return gpa;
}

int mm_user_ok(uint64_t p, uint64_t len, int write)
{
    (void)write;
    return p >= stub.user_lo && p <= stub.user_hi && len <= stub.user_hi - p;
}

int64_t sp_clock_nanosleep(struct sp_keep *k, int clock, int flags, const struct sp_timespec *req,
                           struct sp_timespec *rem)
{
    (void)k;
    (void)clock;
    (void)flags;
    (void)req;
    (void)rem;
    stub.sleeps++;
    return 0;
}
