/* libFuzzer target: the signatures file reader (src/snp/signatures.c),
 * whose input is a file the operator names (`enarx run --signatures`). On
 * any input it refuses with a message or gives an ID block and ID_AUTH that
 * a second read of the file it writes back reproduces. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snp/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t blk[SNP_ID_BLOCK_SIZE], auth[SNP_ID_AUTH_SIZE], blk2[SNP_ID_BLOCK_SIZE], auth2[SNP_ID_AUTH_SIZE];
    int author = 0, author2 = 0;
    char err[512];
    if (snp_signatures_parse(data, size, blk, auth, &author, err, sizeof err) < 0) {
        if (!err[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    char *json = snp_signatures_json(blk, auth);
    if (!json)
        return 0;
    if (snp_signatures_parse((const uint8_t *)json, strlen(json), blk2, auth2, &author2, err, sizeof err) < 0 ||
        memcmp(blk, blk2, sizeof blk) != 0 || memcmp(auth, auth2, sizeof auth) != 0 || author != author2)
        abort();
    free(json);
    return 0;
}
