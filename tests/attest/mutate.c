/* Test helper: writes a mutated copy of a file, for the generated negative
 * tests of the attestation verifier.
 *   mutate IN OUT flip OFFSET [MASK]   xor the byte at OFFSET (negative: from the end) with MASK (default 1)
 *   mutate IN OUT truncate LENGTH      keep the first LENGTH bytes
 *   mutate IN OUT find TEXT            print the offset of the first TEXT in IN (OUT unused) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)*len + 1);
    if (p && fread(p, 1, (size_t)*len, f) != (size_t)*len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: mutate IN OUT flip OFFSET [MASK] | truncate LENGTH | find TEXT\n");
        return 2;
    }
    long len;
    unsigned char *p = slurp(argv[1], &len);
    if (!p) {
        perror(argv[1]);
        return 2;
    }
    if (strcmp(argv[3], "find") == 0) {
        size_t n = strlen(argv[4]);
        for (long i = 0; i + (long)n <= len; i++)
            if (memcmp(p + i, argv[4], n) == 0) {
                printf("%ld\n", i);
                free(p);
                return 0;
            }
        free(p);
        return 1;
    }
    if (strcmp(argv[3], "flip") == 0) {
        long off = strtol(argv[4], NULL, 0);
        if (off < 0)
            off += len;
        if (off < 0 || off >= len) {
            fprintf(stderr, "offset out of range\n");
            return 2;
        }
        p[off] ^= (unsigned char)(argc > 5 ? strtol(argv[5], NULL, 0) : 1);
    } else if (strcmp(argv[3], "truncate") == 0) {
        long n = strtol(argv[4], NULL, 0);
        if (n < 0 || n > len)
            return 2;
        len = n;
    } else {
        return 2;
    }
    FILE *f = fopen(argv[2], "wb");
    if (!f || fwrite(p, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0) {
        perror(argv[2]);
        return 2;
    }
    free(p);
    return 0;
}
