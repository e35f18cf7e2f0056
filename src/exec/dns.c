#include "exec/dns.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define HEADER 12

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
    size_t n = strlen(name);
    if (n == 0 || n > 253 || cap < HEADER + n + 2 + 4)
        return -1;
    memset(buf, 0, HEADER);
    buf[0] = (uint8_t)(id >> 8);
    buf[1] = (uint8_t)id;
    buf[2] = 0x01; /* recursion desired */
    buf[5] = 1;    /* one question */
    size_t pos = HEADER;
    const char *label = name;
    while (*label) {
        const char *dot = strchr(label, '.');
        size_t len = dot ? (size_t)(dot - label) : strlen(label);
        if (len == 0 || len > 63)
            return -1;
        for (size_t i = 0; i < len; i++) {
            char ch = label[i];
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
            if (!ok)
                return -1;
        }
        buf[pos++] = (uint8_t)len;
        memcpy(buf + pos, label, len);
        pos += len;
        label += len;
        if (*label == '.')
            label++;
    }
    buf[pos++] = 0;
    buf[pos++] = (uint8_t)(qtype >> 8);
    buf[pos++] = (uint8_t)qtype;
    buf[pos++] = 0;
    buf[pos++] = 1; /* class IN */
    return (int)pos;
}

/* Skips a possibly compressed name; returns the offset after it or 0. */
static size_t skip_name(const uint8_t *msg, size_t len, size_t pos)
{
    for (int labels = 0; labels < 128; labels++) {
        if (pos >= len)
            return 0;
        uint8_t b = msg[pos];
        if (b == 0)
            return pos + 1;
        if ((b & 0xc0) == 0xc0)
            return pos + 2 <= len ? pos + 2 : 0;
        if (b & 0xc0)
            return 0;
        pos += 1u + b;
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "bad DNS reply: %s", msg);
    return -1;
}

int dns_parse_response(const uint8_t *msg, size_t len, const uint8_t *query, size_t query_len,
                       dns_addr *out, int max, char *err, size_t errlen)
{
    if (len < HEADER || query_len < HEADER + 5)
        return fail(err, errlen, "too short");
    if (msg[0] != query[0] || msg[1] != query[1])
        return fail(err, errlen, "wrong id");
    if (!(msg[2] & 0x80))
        return fail(err, errlen, "not a response");
    if (msg[2] & 0x02)
        return fail(err, errlen, "truncated (TCP fallback not supported)");
    int rcode = msg[3] & 0x0f;
    if (rcode == 3)
        return 0; /* NXDOMAIN: no such name */
    if (rcode != 0) {
        snprintf(err, errlen, "DNS server answered with error code %d", rcode);
        return -1;
    }
    if (be16(msg + 4) != 1)
        return fail(err, errlen, "question count is not 1");
    /* the question must be ours, byte for byte except letter case */
    size_t qlen = query_len - HEADER;
    if (len < HEADER + qlen)
        return fail(err, errlen, "question cut short");
    for (size_t i = 0; i < qlen; i++) {
        uint8_t a = msg[HEADER + i], b = query[HEADER + i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (uint8_t)(b + 32);
        if (a != b)
            return fail(err, errlen, "answers another question");
    }
    uint16_t qtype = be16(query + query_len - 4);
    size_t pos = HEADER + qlen;
    unsigned answers = be16(msg + 6);
    int found = 0;
    for (unsigned i = 0; i < answers && found < max; i++) {
        pos = skip_name(msg, len, pos);
        if (pos == 0 || pos + 10 > len)
            return fail(err, errlen, "answer cut short");
        uint16_t type = be16(msg + pos), cls = be16(msg + pos + 2), rdlen = be16(msg + pos + 8);
        pos += 10;
        if (pos + rdlen > len)
            return fail(err, errlen, "record data cut short");
        if (cls == 1 && type == qtype) {
            if (type == DNS_TYPE_A && rdlen == 4) {
                out[found].family = AF_INET;
                memcpy(out[found++].bytes, msg + pos, 4);
            } else if (type == DNS_TYPE_AAAA && rdlen == 16) {
                out[found].family = AF_INET6;
                memcpy(out[found++].bytes, msg + pos, 16);
            }
        }
        pos += rdlen;
    }
    return found;
}
