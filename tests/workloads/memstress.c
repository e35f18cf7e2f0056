/* Upstream's memory_stress_test: allocations doubling from 1 byte to
 * 32 MiB, a hundred 32 MiB blocks in turn, then back down; each block is
 * written and checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int churn(size_t size, unsigned char tag)
{
    unsigned char *p = malloc(size);
    if (!p) {
        fprintf(stderr, "memstress: cannot allocate %zu bytes\n", size);
        return 1;
    }
    memset(p, tag, size);
    int bad = p[size - 1] != tag;
    for (size_t i = 0; i < size && !bad; i += 4093)
        bad = p[i] != tag;
    free(p);
    return bad;
}

int main(void)
{
    const size_t max = (size_t)32 << 20;
    size_t steps = 0;
    for (size_t s = 1; s <= max; s *= 2, steps++)
        if (churn(s, (unsigned char)steps))
            return 1;
    for (int i = 0; i < 100; i++, steps++)
        if (churn(max, (unsigned char)i))
            return 1;
    for (size_t s = max; s >= 1; s /= 2, steps++)
        if (churn(s, (unsigned char)steps))
            return 1;
    printf("memstress: %zu allocations up to %zu bytes\n", steps, max);
    return 0;
}
