/* memops: memset/memcpy/memmove bandwidth. Each round fills an 8 MiB buffer,
 * copies it whole, then does a burst of short copies and overlapping moves
 * of mixed sizes (the kind of traffic a real program's memcpy sees). In wasm
 * these are memory.fill / memory.copy (built with -mbulk-memory), so this
 * measures how the engine implements bulk memory, not its interpreter. */
#include "kernel.h"

enum { BYTES = 8 << 20, SHORT_COPIES = 4096 };

int main(int argc, char **argv)
{
    uint64_t rounds = kernel_size(argc, argv, "memops", 20, 1000000);
    uint8_t *src = kernel_alloc("memops", BYTES);
    uint8_t *dst = kernel_alloc("memops", BYTES);
    uint64_t seed = 4242, sum = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        memset(src, (int)(r * 37 + 1), BYTES);
        uint64_t pattern = rng_next(&seed);
        memcpy(src + (r * 4099) % (BYTES - 8), &pattern, 8);
        memcpy(dst, src, BYTES);
        for (int k = 0; k < SHORT_COPIES; k++) {
            uint64_t x = rng_next(&seed);
            size_t len = (size_t)(x & 4095) + 1;
            size_t from = (size_t)(x >> 16) % (BYTES - len);
            size_t to = (size_t)(x >> 40) % (BYTES - len);
            if (k & 1)
                memmove(dst + to, dst + from, len);  /* may overlap */
            else
                memcpy(dst + to, src + from, len);
        }
        memset(dst + (size_t)(pattern % (BYTES / 2)), (int)(pattern >> 56), (size_t)(pattern >> 44) % 65536);
        /* observe a spread of bytes so no copy is dead */
        for (size_t i = (size_t)(r % 64); i < BYTES; i += 65521)
            sum = mix(sum, dst[i]);
    }
    free(src);
    free(dst);
    kernel_report("memops", rounds, sum);
    return 0;
}
