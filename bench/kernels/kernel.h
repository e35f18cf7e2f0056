/* What every benchmark kernel shares: reading the problem size, a
 * deterministic pseudo-random generator, a checksum mixer, and the one result
 * line the harness compares across builds.
 *
 * A kernel is a plain C11 program, built natively (gcc -O2) and for
 * wasm32-wasi (clang -O2 -mbulk-memory). It takes one argument, the problem
 * size, and prints exactly one line on success:
 *
 *     checksum <kernel> n=<size> <16 hex digits>
 *
 * The checksum depends only on the computation, never on the build, the
 * libc or the machine: the harness refuses to report a time for a build
 * whose line differs from the native build's. A kernel that detects a wrong
 * result itself (an unsorted array, a failed test vector) prints
 * "FAIL <kernel>: <why>" to stderr and exits with status 1. */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The size argument: a positive decimal integer no larger than max. A bad
 * argument is a usage error (status 2), never a silently different run. */
static inline uint64_t kernel_size(int argc, char **argv, const char *name, uint64_t dflt, uint64_t max)
{
    if (argc < 2)
        return dflt;
    if (argc > 2) {
        fprintf(stderr, "usage: %s [SIZE]  (one argument, default %" PRIu64 ")\n", name, dflt);
        exit(2);
    }
    /* Parsed by hand: strtoull reports overflow through errno, which
     * wasi-libc makes thread-local, and clang 14 cannot compile a TLS
     * access together with -mbulk-memory. */
    const char *arg = argv[1];
    uint64_t v = 0;
    bool ok = *arg != 0;
    for (const char *p = arg; *p && ok; p++) {
        uint64_t digit = (uint64_t)(*p - '0');
        ok = *p >= '0' && *p <= '9' && v <= (max - digit) / 10;
        v = v * 10 + digit;
    }
    if (!ok || v == 0) {
        fprintf(stderr, "%s: size \"%s\" is not an integer in 1..%" PRIu64 "\n", name, arg, max);
        exit(2);
    }
    return v;
}

/* splitmix64: a tiny, well-mixed generator; identical sequence everywhere. */
static inline uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A double uniformly in [0, 1), from the top 53 bits: exact in every build. */
static inline double rng_unit(uint64_t *state)
{
    return (double)(rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Folds a 64-bit value into a running checksum (order-sensitive). */
static inline uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

static inline uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline void kernel_fail(const char *name, const char *why)
{
    fprintf(stderr, "FAIL %s: %s\n", name, why);
    exit(1);
}

static inline void *kernel_alloc(const char *name, size_t bytes)
{
    void *p = malloc(bytes);
    if (!p)
        kernel_fail(name, "out of memory");
    return p;
}

static inline void kernel_report(const char *name, uint64_t size, uint64_t checksum)
{
    printf("checksum %s n=%" PRIu64 " %016" PRIx64 "\n", name, size, checksum);
}

#endif
