/* quicksort: sorts SIZE pseudo-random 32-bit integers with a hand-written
 * quicksort (median-of-three pivot, Hoare partition, insertion sort for short
 * runs, recursion on the smaller side only). Branchy integer code with loads
 * and stores all over a large array; no libc qsort, so every build sorts with
 * the same code. */
#include "kernel.h"

enum { SHORT_RUN = 16 };

static void insertion_sort(int32_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int32_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static inline void swap(int32_t *a, int32_t *b)
{
    int32_t t = *a;
    *a = *b;
    *b = t;
}

static void quicksort(int32_t *a, size_t n)
{
    while (n > SHORT_RUN) {
        /* order a[0], a[mid], a[n-1]; the median becomes the pivot */
        size_t mid = n / 2;
        if (a[mid] < a[0])
            swap(&a[mid], &a[0]);
        if (a[n - 1] < a[0])
            swap(&a[n - 1], &a[0]);
        if (a[n - 1] < a[mid])
            swap(&a[n - 1], &a[mid]);
        int32_t pivot = a[mid];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[++i] < pivot) {}
            while (pivot < a[--j]) {}
            if (i >= j)
                break;
            swap(&a[i], &a[j]);
        }
        /* a[0..j] <= pivot <= a[j+1..n-1] */
        size_t left = j + 1, right = n - left;
        if (left < right) {
            quicksort(a, left);
            a += left;
            n = right;
        } else {
            quicksort(a + left, right);
            n = left;
        }
    }
    insertion_sort(a, n);
}

int main(int argc, char **argv)
{
    uint64_t n = kernel_size(argc, argv, "quicksort", 1000000, 256u << 20);
    int32_t *a = kernel_alloc("quicksort", (size_t)n * sizeof *a);
    uint64_t seed = 31337, before = 0;
    for (uint64_t i = 0; i < n; i++) {
        /* a few duplicates on purpose: values from a range smaller than n */
        a[i] = (int32_t)(rng_next(&seed) % (n * 3 / 4 + 1)) - (int32_t)(n / 3);
        before += (uint32_t)a[i];
    }
    quicksort(a, (size_t)n);
    uint64_t after = 0, sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i])
            kernel_fail("quicksort", "the array is not sorted");
        after += (uint32_t)a[i];
        if (i % 4093 == 0)
            sum = mix(sum, (uint32_t)a[i]);
    }
    if (after != before)
        kernel_fail("quicksort", "the sorted array is not a permutation of the input");
    free(a);
    kernel_report("quicksort", n, mix(sum, after));
    return 0;
}
