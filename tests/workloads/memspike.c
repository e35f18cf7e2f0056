/* Upstream's memspike: one 16,000,000-byte allocation, used, then freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    size_t size = 16000000;
    unsigned char *p = malloc(size);
    if (!p) {
        fprintf(stderr, "memspike: cannot allocate %zu bytes\n", size);
        return 1;
    }
    memset(p, 0xa5, size);
    unsigned long sum = 0;
    for (size_t i = 0; i < size; i += 4096)
        sum += p[i];
    free(p);
    printf("memspike: %zu bytes, checksum %lu\n", size, sum);
    return sum == (size + 4095) / 4096 * 0xa5ul ? 0 : 1;
}
