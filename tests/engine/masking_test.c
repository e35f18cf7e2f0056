/* The engine's guards against speculative execution past a bounds check
 * (docs/engine.md, "Speculative execution"). Their effect under speculation
 * cannot be observed by a test; what can fail here is their construction:
 *  - table indices: the masking (oob_masked, internal.h), its answer and
 *    the masked value at and around every boundary — a mask taken on the
 *    wrong side would zero a valid index (a wrong answer) or leave a bad one;
 *  - linear memory: the address-space reservation behind every memory
 *    (MEMORY_RESERVE), present at size 0, inaccessible past the size, and
 *    kept in place by memory.grow. */
#include "check.h"
#include "engine/internal.h"

#include <stdio.h>
#include <string.h>

static void one(uint64_t v, uint64_t end, uint64_t limit)
{
    uint64_t masked = v;
    bool past = oob_masked(&masked, end, limit);
    CHECK_EQ_INT(past, end > limit);
    CHECK(masked == (end > limit ? 0 : v));
}

/* The protection of the mapping of /proc/self/maps that contains addr
 * ("rw-p", "---p"), or "" when none does. */
static const char *prot_at(uintptr_t addr, char out[8])
{
    out[0] = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return out;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && addr >= lo && addr < hi) {
            snprintf(out, 8, "%s", perms);
            break;
        }
    }
    fclose(f);
    return out;
}

static void check_reservation(uint32_t pages)
{
    wasm_store *s = wasm_store_new(NULL);
    wasm_error err;
    wasm_limits_desc lim = {pages, 100, true};
    wasm_memory *m = s ? wasm_memory_new(s, lim, &err) : NULL;
    CHECK(m != NULL);
    if (!m) {
        wasm_store_free(s);
        return;
    }
    char p[8];
    uintptr_t base = (uintptr_t)wasm_memory_data(m);
    uint64_t size = (uint64_t)pages * WASM_PAGE_SIZE;
    CHECK(base != 0);
    if (pages)
        CHECK_EQ_STR(prot_at(base, p), "rw-p");
    /* past the size, to the farthest byte an access can name: reserved, no access */
    CHECK_EQ_STR(prot_at(base + size, p), "---p");
    CHECK_EQ_STR(prot_at(base + (8ull << 30) + 15, p), "---p");
    CHECK_EQ_STR(prot_at(base + MEMORY_RESERVE - 1, p), "---p");
    /* growing opens the next pages in place */
    CHECK_EQ_INT(wasm_memory_grow(m, 3), (int64_t)pages);
    CHECK((uintptr_t)wasm_memory_data(m) == base);
    CHECK_EQ_STR(prot_at(base + size + 3ull * WASM_PAGE_SIZE - 1, p), "rw-p");
    CHECK_EQ_STR(prot_at(base + size + 3ull * WASM_PAGE_SIZE, p), "---p");
    wasm_store_free(s);
    /* freed with its whole reservation */
    CHECK_EQ_STR(prot_at(base + MEMORY_RESERVE - 1, p), "");
}

int main(void)
{
    check_reservation(0);
    check_reservation(1);
    check_reservation(17);
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
