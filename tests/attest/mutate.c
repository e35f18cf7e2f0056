/* Test helper: writes a mutated copy of a file, for the generated negative
 * tests of the attestation verifier.
 *   mutate IN OUT flip OFFSET [MASK]   xor the byte at OFFSET (negative: from the end) with MASK (default 1)
 *   mutate IN OUT truncate LENGTH      keep the first LENGTH bytes
 *   mutate IN OUT find TEXT            print the offset of the first TEXT in IN (OUT unused) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: mutate IN OUT flip OFFSET [MASK] | truncate LENGTH | find TEXT\n");
        return 2;
    }
    file_contents file;
    char why[256];
    if (file_read_all(argv[1], 64u << 20, 0, &file, why, sizeof why) != FILE_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], why);
        return 2;
    }
    unsigned char *p = file.data;
    long len = (long)file.size;
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
