/* A minimal DNS stub resolver's message codec (RFC 1035): one question,
 * A or AAAA answers. The resolver itself is in net.c; replies come from the
 * host's network, so the parser trusts nothing in them. */
#ifndef EXEC_DNS_H
#define EXEC_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_MAX_MESSAGE 1232

typedef struct dns_addr {
    int family;          /* AF_INET or AF_INET6 */
    uint8_t bytes[16];
} dns_addr;

/* Returns the query length, or -1 if name is not a valid host name. */
int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype);

/* Returns the number of addresses stored (0: the name has none of this
 * type), or -1 with a message in err. */
int dns_parse_response(const uint8_t *msg, size_t len, const uint8_t *query, size_t query_len,
                       dns_addr *out, int max, char *err, size_t errlen);

#endif
