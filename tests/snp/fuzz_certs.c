/* libFuzzer target: the certificate-table checker (src/snp/certs.c) — the
 * table an operator's file holds and the host hands to a Keep. On any input
 * it either refuses or returns entries that all lie inside the input, after
 * the table, non-empty and with distinct GUIDs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snp/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct snp_cert_info info[SNP_CERT_TABLE_MAX_ENTRIES];
    char err[256];
    int n = snp_cert_table_parse(data, size, info, SNP_CERT_TABLE_MAX_ENTRIES, err, sizeof err);
    if (n < 0)
        return 0;
    size_t table = ((size_t)n + 1) * SNP_CERT_ENTRY_SIZE;
    for (int i = 0; i < n; i++) {
        if (info[i].length == 0 || info[i].offset < table || info[i].offset > size ||
            info[i].length > size - info[i].offset)
            abort();
        for (int j = 0; j < i; j++)
            if (memcmp(info[i].guid, info[j].guid, 16) == 0)
                abort();
    }
    return 0;
}
