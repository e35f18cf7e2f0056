/* libFuzzer: rt_sigreturn's checks of a signal frame (src/shim/kvm/sigframe.c)
 * on arbitrary bytes, the ucontext and the FP image. What they accept must be
 * safe to load: the context's rip, rsp, selectors and rflags are checked
 * here, and every FP image accepted is loaded with XRSTOR (FXRSTOR) on this
 * CPU, as the shim would load it — an image the checks wrongly accept
 * faults (#GP, a SIGSEGV here) and is a finding. The host's XCR0 and
 * MXCSR_MASK stand in for the Keep's. */
#include <cpuid.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvm_boot.h"
#include "shim/kvm/sigframe.h"

static struct sigframe_fp_env env;
static uint8_t *image, *saved; /* 64-byte aligned, env.size + 4 bytes */

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static void save(uint8_t *p)
{
    if (env.xcr0)
        __asm__ volatile("xsave64 (%0)" ::"r"(p), "a"((uint32_t)env.xcr0), "d"((uint32_t)(env.xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" ::"r"(p) : "memory");
}

static void load(const uint8_t *p)
{
    if (env.xcr0)
        __asm__ volatile("xrstor64 (%0)" ::"r"(p), "a"((uint32_t)env.xcr0), "d"((uint32_t)(env.xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" ::"r"(p) : "memory");
}

static void setup(void)
{
    unsigned a, b, c, d;
    env.size = 512;
    __cpuid(1, a, b, c, d);
    if (c & (1u << 27)) { /* OSXSAVE */
        env.xcr0 = xgetbv0();
        __cpuid_count(0xd, 0, a, b, c, d);
        env.size = b;
    }
    size_t room = ((size_t)env.size + 4 + 63) & ~(size_t)63;
    image = aligned_alloc(64, room);
    saved = aligned_alloc(64, room);
    if (!image || !saved)
        abort();
    memset(saved, 0, room);
    save(saved);
    uint32_t mask;
    memcpy(&mask, saved + 28, sizeof mask);
    env.mxcsr_mask = mask ? mask : 0xffbf;
}

/* Linux's marks of an XSAVE image of this CPU's size (what the shim writes),
 * so that the fuzzer's images reach the XSAVE header checks. */
static void mark_extended(uint8_t *p)
{
    uint32_t sw[4] = {0x46505853u, env.size + 4, (uint32_t)env.xcr0, (uint32_t)(env.xcr0 >> 32)};
    memcpy(p + 464, sw, sizeof sw);
    memcpy(p + 480, &env.size, sizeof env.size);
    uint32_t magic2 = 0x46505845u;
    memcpy(p + env.size, &magic2, sizeof magic2);
}

/* Input: a flags byte (bit 0: give the image Linux's XSAVE marks), the
 * ucontext, then the FP image (whole with its magic, or the legacy area
 * alone, as the shim copies it). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!image)
        setup();
    if (size < 1 + SIGFRAME_UC_SIZE)
        return 0;
    uint8_t flags = data[0];
    data++, size--;
    struct keep_regs r;
    memset(&r, 0, sizeof r);
    uint64_t mask, fp, bad;
    if (sigframe_context(data, &r, &mask, &fp, &bad) == SIGFRAME_OK) {
        if (r.rip >= KEEP_USER_END || r.rsp >= 0x0000800000000000ull || r.cs != KEEP_USER_CS ||
            r.ss != KEEP_USER_DS || !(r.rflags & 0x200) || (r.rflags & 0x3100) || (mask & 0x40100))
            abort(); /* accepted a context the shim must not return to */
    }
    size_t n = size - SIGFRAME_UC_SIZE;
    if (n < SIGFRAME_FP_LEGACY_SIZE)
        return 0;
    uint64_t len = n >= (size_t)env.size + 4 ? (uint64_t)env.size + 4 : SIGFRAME_FP_LEGACY_SIZE;
    memset(image, 0, (size_t)env.size + 4);
    memcpy(image, data + SIGFRAME_UC_SIZE, len);
    if ((flags & 1) && env.xcr0) {
        mark_extended(image);
        len = (uint64_t)env.size + 4;
    }
    if (sigframe_fp_image(image, len, &env) == SIGFRAME_OK) {
        load(image); /* faults if the checks were wrong */
        load(saved); /* the fuzzer's own state back */
    }
    return 0;
}
