#include "common/unattested.h"

#include <string.h>

#include "abi/evidence.h"

_Static_assert(UNATTESTED_DOCUMENT_LEN == ENARX_EVIDENCE_HEADER_LEN + ENARX_UNATTESTED_BODY_LEN,
               "the document's size follows abi/evidence.h");

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

size_t unattested_document(const uint8_t report_data[64], uint32_t alg, const uint8_t *measurement, uint32_t len,
                           uint8_t *out)
{
    memset(out, 0, UNATTESTED_DOCUMENT_LEN);
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): a magic, not a string */
    memcpy(out, ENARX_EVIDENCE_MAGIC, ENARX_EVIDENCE_MAGIC_LEN);
    put32(out + 8, ENARX_EVIDENCE_UNATTESTED);
    put32(out + 12, ENARX_EVIDENCE_HEADER_LEN);
    put32(out + 16, ENARX_UNATTESTED_BODY_LEN);
    uint8_t *b = out + ENARX_EVIDENCE_HEADER_LEN;
    memcpy(b, ENARX_UNATTESTED_MARKER, sizeof ENARX_UNATTESTED_MARKER - 1);
    if (alg == ENARX_HASH_NONE || !measurement || len > ENARX_MEASUREMENT_MAX)
        len = 0;
    put32(b + 32, len ? alg : ENARX_HASH_NONE);
    put32(b + 36, len);
    if (len)
        memcpy(b + 40, measurement, len);
    memcpy(b + 104, report_data, ENARX_REPORT_DATA_LEN);
    return UNATTESTED_DOCUMENT_LEN;
}
