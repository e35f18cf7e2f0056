/* The certificate table a host hands back with the extended guest request
 * (GHCB specification, "SNP Extended Guest Request"): entries of {GUID,
 * u32 offset, u32 length} up to one of all zeros, then the certificates
 * (DER), each entry's offset counted from the start of the table. */
#include <stdio.h>
#include <string.h>

#include "snp/snp.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const struct {
    const char *name;
    uint8_t guid[16];
} known[] = {
    /* RFC 4122 byte order, as the table carries them. */
    {"ARK", {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae}},
    {"ASK", {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82}},
    {"VCEK", {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd}},
    {"VLEK", {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1}},
    {"CRL", {0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d, 0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea}},
};

const char *snp_cert_guid_name(const uint8_t guid[16])
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (memcmp(guid, known[i].guid, 16) == 0)
            return known[i].name;
    return NULL;
}

int snp_cert_guid(const char *name, uint8_t guid[16])
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i].name) == 0) {
            memcpy(guid, known[i].guid, 16);
            return 0;
        }
    return -1;
}

int snp_cert_table_parse(const uint8_t *blob, size_t len, struct snp_cert_info *out, size_t max, char *err,
                         size_t errlen)
{
    static const uint8_t zero[SNP_CERT_ENTRY_SIZE];
    if (len > SNP_CERTS_MAX_SIZE) {
        snprintf(err, errlen, "the certificate table is %zu bytes; at most %u", len, SNP_CERTS_MAX_SIZE);
        return -1;
    }
    size_t n = 0;
    for (;; n++) {
        if ((n + 1) * SNP_CERT_ENTRY_SIZE > len) {
            snprintf(err, errlen, "the certificate table has no terminating entry (all zeros) within its %zu bytes",
                     len);
            return -1;
        }
        const uint8_t *e = blob + n * SNP_CERT_ENTRY_SIZE;
        if (memcmp(e, zero, SNP_CERT_ENTRY_SIZE) == 0)
            break;
        if (n == max || n == SNP_CERT_TABLE_MAX_ENTRIES) {
            snprintf(err, errlen, "the certificate table has more than %zu entries",
                     max < SNP_CERT_TABLE_MAX_ENTRIES ? max : (size_t)SNP_CERT_TABLE_MAX_ENTRIES);
            return -1;
        }
        memcpy(out[n].guid, e, 16);
        out[n].offset = le32(e + 16);
        out[n].length = le32(e + 20);
    }
    size_t table_end = (n + 1) * SNP_CERT_ENTRY_SIZE;
    for (size_t i = 0; i < n; i++) {
        const char *name = snp_cert_guid_name(out[i].guid);
        if (out[i].length == 0 || out[i].offset < table_end || out[i].offset > len ||
            out[i].length > len - out[i].offset) {
            snprintf(err, errlen, "certificate table entry %zu (%s) points outside the certificates "
                                  "(offset %u, length %u, table %zu bytes)",
                     i, name ? name : "unknown GUID", out[i].offset, out[i].length, len);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (memcmp(out[i].guid, out[j].guid, 16) == 0) {
                snprintf(err, errlen, "certificate table entries %zu and %zu have the same GUID (%s)", j, i,
                         name ? name : "unknown");
                return -1;
            }
    }
    return (int)n;
}
