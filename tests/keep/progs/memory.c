/* Memory inside the Keep (served by the shim, never the host): growth to a
 * given size and back, twice (so freed memory is reused, and reads back as
 * zero), brk, mmap/munmap/mprotect/mremap/madvise semantics.
 *   memory [MiB]   default 1024 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prog.h"

#define MIB (1ul << 20)

static void grow_and_back(size_t mib)
{
    size_t chunk = 16 * MIB, n = mib * MIB / chunk;
    unsigned char **p = calloc(n, sizeof *p);
    EXPECT(p != NULL);
    if (!p)
        return;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < n; i++) {
            p[i] = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            EXPECT(p[i] != MAP_FAILED);
            if (p[i] == MAP_FAILED) {
                free(p);
                return;
            }
            for (size_t off = 0; off < chunk; off += 4096) {
                EXPECT(p[i][off] == 0); /* fresh memory is zero, reused memory too */
                p[i][off] = (unsigned char)(i + off / 4096 + 1);
            }
        }
        int bad = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t off = 0; off < chunk; off += 4096)
                bad += p[i][off] != (unsigned char)(i + off / 4096 + 1);
        EXPECT(bad == 0);
        for (size_t i = 0; i < n; i++)
            EXPECT(munmap(p[i], chunk) == 0);
    }
    free(p);
    printf("memory: grew to %zu MiB and back, twice\n", mib);
}

static void brk_test(void)
{
    char *start = sbrk(0);
    EXPECT(sbrk(64 * MIB) == start);
    memset(start, 0x11, 64 * MIB);
    EXPECT(brk(start + MIB) == 0);
    EXPECT(sbrk(0) == start + MIB);
    EXPECT(sbrk(8 * MIB) == start + MIB);
    EXPECT(start[MIB + 4096] == 0); /* given back and zero again */
    EXPECT(start[100] == 0x11);
    EXPECT(brk(start) == 0);
    printf("brk: grow, shrink, grow again: zeroed\n");
}

static void mmap_test(void)
{
    /* A PROT_NONE reservation, made usable piece by piece. */
    size_t res = 1024 * MIB;
    char *r = mmap(NULL, res, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    EXPECT(r != MAP_FAILED);
    EXPECT(mprotect(r + 8 * MIB, 4 * MIB, PROT_READ | PROT_WRITE) == 0);
    memset(r + 8 * MIB, 0x22, 4 * MIB);
    EXPECT(mprotect(r + 8 * MIB, 4 * MIB, PROT_READ) == 0);
    EXPECT(r[8 * MIB + 123] == 0x22);
    EXPECT(mprotect(r + 8 * MIB, 4 * MIB, PROT_READ | PROT_WRITE) == 0);
    r[8 * MIB] = 1;
    EXPECT(munmap(r, res) == 0);
    errno = 0;
    EXPECT(mprotect(r, 4096, PROT_READ) == -1 && errno == ENOMEM);

    /* Punch a hole in a mapping; the rest stays. */
    char *m = mmap(NULL, 6 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 0x33, 6 * MIB);
    EXPECT(munmap(m + 1 * MIB + 4096, 2 * MIB) == 0);
    EXPECT(m[0] == 0x33 && m[MIB] == 0x33 && m[3 * MIB + 8192] == 0x33 && m[6 * MIB - 1] == 0x33);

    /* MAP_FIXED replaces; MAP_FIXED_NOREPLACE refuses. */
    char *f = mmap(m + 4 * MIB, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    EXPECT(f == m + 4 * MIB && f[0] == 0 && f[8191] == 0 && f[8192] == 0x33);
    errno = 0;
    EXPECT(mmap(m, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED);
    EXPECT(errno == EEXIST);

    /* madvise(MADV_DONTNEED) gives zero pages back. */
    EXPECT(madvise(m, 2ul * 4096, MADV_DONTNEED) == 0);
    EXPECT(m[0] == 0 && m[4096] == 0 && m[8192] == 0x33);
    munmap(m, 6 * MIB);

    /* mremap: grow in place or move, contents kept; shrink. */
    char *g = mmap(NULL, 3 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < 3 * MIB; i += 4096)
        g[i] = (char)(i / 4096);
    char *block = mmap(g + 3 * MIB, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    char *h = mremap(g, 3 * MIB, 40 * MIB, MREMAP_MAYMOVE);
    EXPECT(h != MAP_FAILED);
    int bad = 0;
    for (size_t i = 0; i < 3 * MIB; i += 4096)
        bad += h[i] != (char)(i / 4096);
    EXPECT(bad == 0);
    EXPECT(h[39 * MIB] == 0);
    h[39 * MIB] = 5;
    char *s = mremap(h, 40 * MIB, MIB, 0);
    EXPECT(s == h && s[4096] == 1);
    munmap(s, MIB);
    if (block != MAP_FAILED)
        munmap(block, 4096);
    errno = 0;
    EXPECT(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
    errno = 0;
    EXPECT(munmap((void *)4097, 4096) == -1 && errno == EINVAL);
    printf("mmap: reserve, protect, punch, fixed, dontneed, mremap: ok\n");
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 1024;
    brk_test();
    mmap_test();
    grow_and_back(mib);
    return prog_done();
}
