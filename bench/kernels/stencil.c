/* stencil: Jacobi relaxation of a 2-D grid (5-point stencil) for SIZE sweeps.
 * A doubly nested loop of double-precision loads, adds and a multiply with
 * row-major neighbours: the array loop nest interpreters find hardest. */
#include "kernel.h"

enum { N = 384 };

static void sweep(double *restrict to, const double *restrict from)
{
    for (int i = 1; i < N - 1; i++) {
        const double *up = from + (size_t)(i - 1) * N, *row = from + (size_t)i * N, *down = from + (size_t)(i + 1) * N;
        double *out = to + (size_t)i * N;
        for (int j = 1; j < N - 1; j++)
            out[j] = 0.2 * (row[j] + row[j - 1] + row[j + 1] + up[j] + down[j]);
    }
}

int main(int argc, char **argv)
{
    uint64_t sweeps = kernel_size(argc, argv, "stencil", 100, 10000000);
    double *a = kernel_alloc("stencil", sizeof(double) * N * N);
    double *b = kernel_alloc("stencil", sizeof(double) * N * N);
    uint64_t seed = 5;
    /* hot left edge, cold right edge, noise inside; the edges stay fixed */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            a[i * N + j] = j == 0 ? 100.0 : j == N - 1 ? 0.0 : rng_unit(&seed);
    memcpy(b, a, sizeof(double) * N * N);
    for (uint64_t s = 0; s < sweeps; s++) {
        sweep(b, a);
        double *t = a;
        a = b;
        b = t;
    }
    /* a maximum principle holds: every value stays within the boundary's range */
    uint64_t sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double v = a[i * N + j];
            if (!(v >= 0.0 && v <= 100.0))
                kernel_fail("stencil", "a grid value left the range of its boundary");
            if ((i * N + j) % 61 == 0)
                sum = mix(sum, double_bits(v));
        }
    free(a);
    free(b);
    kernel_report("stencil", sweeps, sum);
    return 0;
}
