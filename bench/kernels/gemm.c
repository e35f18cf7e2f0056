/* gemm: dense double-precision matrix multiply C = A x B (N x N), repeated
 * SIZE times with C fed back into A. Triple loop nest in i-k-j order (unit
 * stride in the inner loop): multiply-add over arrays. */
#include "kernel.h"

enum { N = 160 };

static void multiply(double *restrict c, const double *restrict a, const double *restrict b)
{
    for (int i = 0; i < N * N; i++)
        c[i] = 0.0;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            double aik = a[i * N + k];
            const double *brow = b + (size_t)k * N;
            double *crow = c + (size_t)i * N;
            for (int j = 0; j < N; j++)
                crow[j] += aik * brow[j];
        }
}

int main(int argc, char **argv)
{
    uint64_t reps = kernel_size(argc, argv, "gemm", 4, 5000);
    double *a = kernel_alloc("gemm", sizeof(double) * N * N);
    double *b = kernel_alloc("gemm", sizeof(double) * N * N);
    double *c = kernel_alloc("gemm", sizeof(double) * N * N);
    uint64_t seed = 160;
    for (int i = 0; i < N * N; i++) {
        a[i] = rng_unit(&seed) - 0.5;
        /* B is a near-identity, so repeated products stay bounded */
        b[i] = (i / N == i % N ? 1.0 : 0.0) + (rng_unit(&seed) - 0.5) * 0.002;
    }
    for (uint64_t r = 0; r < reps; r++) {
        multiply(c, a, b);
        double *t = a;
        a = c;
        c = t;
    }
    uint64_t sum = 0;
    double norm = 0;
    for (int i = 0; i < N * N; i++) {
        norm += a[i] * a[i];
        if (i % 7 == 0)
            sum = mix(sum, double_bits(a[i]));
    }
    if (!(norm > 0 && norm < 1e300))
        kernel_fail("gemm", "the product overflowed or vanished");
    free(a);
    free(b);
    free(c);
    kernel_report("gemm", reps, mix(sum, double_bits(norm)));
    return 0;
}
