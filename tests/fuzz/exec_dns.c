/* libFuzzer: the exec's DNS reply parser on arbitrary replies. */
#include <stddef.h>
#include <stdint.h>

#include "exec/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t query[300];
    int qlen = dns_build_query(query, sizeof query, 0x1234, "example.com", DNS_TYPE_A);
    if (qlen < 0)
        return 0;
    /* let most inputs carry our id and question, so the parser gets past them */
    uint8_t msg[DNS_MAX_MESSAGE];
    size_t n = size < sizeof msg ? size : sizeof msg;
    for (size_t i = 0; i < n; i++)
        msg[i] = data[i];
    if (n > 2 && (data[0] & 1)) {
        msg[0] = 0x12;
        msg[1] = 0x34;
        for (int i = 12; i < qlen && (size_t)i < n; i++)
            msg[i] = query[i];
    }
    dns_addr addrs[8];
    char err[128];
    dns_parse_response(msg, n, query, (size_t)qlen, addrs, 8, err, sizeof err);
    return 0;
}
