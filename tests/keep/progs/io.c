/* stdin/stdout through the sallyport: single writes and reads far larger
 * than one block, readv/writev (small, and far larger than one block), and
 * byte-exact data (a checksum of stdin).
 *   io cat | bigwrite | bigvec | (none: the pipe tests) */
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

#include "prog.h"

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "cat") == 0) {
        /* Read all of stdin in big reads; report size and checksum. */
        static unsigned char buf[3 << 20];
        uint64_t total = 0, h = 0xcbf29ce484222325ull, reads = 0;
        for (;;) {
            ssize_t n = read(0, buf, sizeof buf);
            EXPECT(n >= 0);
            if (n <= 0)
                break;
            h = fnv(h, buf, (size_t)n);
            total += (uint64_t)n;
            reads++;
        }
        printf("stdin: %llu bytes, fnv %016llx\n", (unsigned long long)total, (unsigned long long)h);
        return prog_done();
    }
    if (strcmp(mode, "bigwrite") == 0) {
        /* One write(2) of 5 MiB: it must all arrive, in order. */
        size_t n = 5u << 20;
        unsigned char *buf = malloc(n);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)(i * 131 + (i >> 12));
        ssize_t w = write(1, buf, n);
        if (w != (ssize_t)n)
            return 3;
        return 0;
    }
    if (strcmp(mode, "bigvec") == 0) {
        /* readv of stdin into iovecs far larger than a block, to EOF; then one
         * writev to stdout of 3 MiB + a few bytes in uneven pieces. */
        static unsigned char in[3][1200000];
        uint64_t total = 0, h = 0xcbf29ce484222325ull;
        for (;;) {
            struct iovec iv[3] = {{in[0], 7}, {in[1], sizeof in[1]}, {in[2], sizeof in[2]}};
            ssize_t n = readv(0, iv, 3);
            EXPECT(n >= 0);
            if (n <= 0)
                break;
            size_t left = (size_t)n;
            for (int i = 0; i < 3 && left; i++) {
                size_t c = iv[i].iov_len < left ? iv[i].iov_len : left;
                h = fnv(h, iv[i].iov_base, c);
                left -= c;
            }
            total += (uint64_t)n;
        }
        static unsigned char out[(3u << 20) + 5];
        for (size_t i = 0; i < sizeof out; i++)
            out[i] = (unsigned char)(i * 7 + (i >> 16));
        struct iovec ov[4] = {{out, 1}, {out + 1, 2u << 20}, {out + 1 + (2u << 20), 0},
                              {out + 1 + (2u << 20), sizeof out - 1 - (2u << 20)}};
        ssize_t w = writev(1, ov, 4);
        fprintf(stderr, "readv: %llu bytes, fnv %016llx; writev: %zd\n", (unsigned long long)total,
                (unsigned long long)h, w);
        return w == (ssize_t)sizeof out ? 0 : 3;
    }
    /* writev/readv through a pipe. */
    int p[2];
    EXPECT(pipe(p) == 0);
    struct iovec out[4] = {{"scatter ", 8}, {"", 0}, {"and ", 4}, {"gather\n", 7}};
    EXPECT(writev(p[1], out, 4) == 19);
    char a[5] = {0}, b[20] = {0};
    struct iovec in[2] = {{a, 4}, {b, sizeof b - 1}};
    EXPECT(readv(p[0], in, 2) == 19);
    printf("readv: [%s] [%s]", a, b);
    /* A write of 0 bytes and a read of 0 bytes. */
    EXPECT(write(p[1], "", 0) == 0);
    EXPECT(read(p[0], a, 0) == 0);
    /* Bad buffers are EFAULT, not a crash. */
    errno = 0;
    volatile uintptr_t bad = 16;
    EXPECT(write(1, (void *)bad, 10) == -1 && errno == EFAULT);
    EXPECT(write(p[1], "z", 1) == 1);
    errno = 0;
    bad = 0x7fffffffe000ull - 4096 * 1000000ull;
    EXPECT(read(p[0], (void *)bad, 1) == -1);
    EXPECT(errno == EFAULT);
    return prog_done();
}
