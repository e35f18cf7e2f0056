/* Randomness: getrandom and AT_RANDOM (from the CPU inside a Keep). */
#include <sys/auxv.h>
#include <sys/random.h>

#include "prog.h"

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    unsigned char a[64] = {0}, b[64] = {0};
    EXPECT(getrandom(a, sizeof a, 0) == sizeof a);
    EXPECT(getrandom(b, sizeof b, GRND_NONBLOCK) == sizeof b);
    EXPECT(!all_zero(a, sizeof a) && memcmp(a, b, sizeof a) != 0);
    static unsigned char big[1 << 20];
    EXPECT(getrandom(big, sizeof big, 0) == sizeof big);
    size_t ones = 0;
    for (size_t i = 0; i < sizeof big; i++)
        ones += (size_t)__builtin_popcount(big[i]);
    double ratio = (double)ones / (8.0 * sizeof big);
    EXPECT(ratio > 0.49 && ratio < 0.51);
    const unsigned char *at = (const unsigned char *)getauxval(AT_RANDOM);
    EXPECT(at && !all_zero(at, 16));
    errno = 0;
    EXPECT(getrandom(a, 1, 0x100) == -1 && errno == EINVAL);
    printf("getrandom: 1 MiB, bit balance within 1%%: %s\n", ratio > 0.49 && ratio < 0.51 ? "yes" : "no");
    return prog_done();
}
