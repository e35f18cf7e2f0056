/* The Spectre v1 masking of bounds checks (oob_masked, internal.h): the
 * check's answer and the masked value at and around every boundary. The
 * speculative effect itself cannot be observed by a test; what can fail here
 * is the condition: a mask taken on the wrong side of the boundary would zero
 * a valid index (a wrong answer) or leave a bad one (no protection), and the
 * check would no longer agree with the plain compare it replaces. */
#include "check.h"
#include "engine/internal.h"

static void one(uint64_t v, uint64_t end, uint64_t limit)
{
    uint64_t masked = v;
    bool past = oob_masked(&masked, end, limit);
    CHECK_EQ_INT(past, end > limit);
    CHECK(masked == (end > limit ? 0 : v));
}

int main(void)
{
    static const uint64_t bounds[] = {0, 1, 7, 65536, 1u << 31, UINT32_MAX, (uint64_t)UINT32_MAX + 1,
                                      UINT64_MAX - 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        uint64_t lim = bounds[i];
        /* a memory access of 1, 4 and 8 bytes ending just below, at and past the end */
        for (uint64_t size = 1; size <= 8; size *= 2)
            for (int delta = -2; delta <= 2; delta++) {
                uint64_t end = lim + (uint64_t)(int64_t)delta;
                one(end - size, end, lim);
            }
        /* a table index: i < size <=> i + 1 <= size */
        one(lim, lim + 1, lim);
        if (lim)
            one(lim - 1, lim, lim);
        /* a bulk operation's length */
        one(5, lim + 5, lim);
        one(0, lim, lim);
    }
    /* the value is never read by the compare: a value unrelated to end */
    one(0xdeadbeef, 10, 9);
    one(0xdeadbeef, 9, 9);
    return check_summary();
}
