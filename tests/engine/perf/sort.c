#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
static void quicksort(int32_t *a, long lo, long hi) {
    while (lo < hi) {
        int32_t p = a[(lo + hi) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; } else { quicksort(a, i, hi); hi = j; }
    }
}
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    int32_t *a = malloc(n * sizeof *a);
    uint32_t x = 12345;
    for (long i = 0; i < n; i++) { x = x * 1103515245u + 12345u; a[i] = (int32_t)(x >> 1); }
    quicksort(a, 0, n - 1);
    uint64_t h = 0;
    for (long i = 1; i < n; i++) { if (a[i-1] > a[i]) { printf("unsorted\n"); return 1; } h = h * 31 + (uint32_t)a[i]; }
    printf("sorted %ld, hash %llu\n", n, (unsigned long long)h);
    return 0;
}
