#include "exec/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "exec/dns.h"
#include "exec/log.h"

#define DNS_TIMEOUT_MS 3000
#define DNS_TRIES 2

static void set_port(net_addr *a, uint16_t port)
{
    if (a->ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

static bool numeric(const char *host, net_addr *a)
{
    memset(a, 0, sizeof *a);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
    char buf[64];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof buf) {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = 0;
        host = buf;
    }
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        a->len = sizeof *v4;
        return true;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        a->len = sizeof *v6;
        return true;
    }
    return false;
}

/* The first usable "nameserver" line of the host's /etc/resolv.conf. */
static bool nameserver(net_addr *out)
{
    int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char text[8192];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return false;
    text[n] = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char addr[64];
        if (sscanf(line, " nameserver %63s", addr) == 1 && numeric(addr, out)) {
            set_port(out, 53);
            return true;
        }
    }
    return false;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dns_query(const net_addr *server, const char *host, uint16_t qtype, net_addr *out,
                     int max, char *err, size_t errlen)
{
    uint8_t query[300], reply[DNS_MAX_MESSAGE];
    uint16_t id;
    if (getrandom(&id, sizeof id, 0) != sizeof id)
        id = (uint16_t)now_ms();
    int qlen = dns_build_query(query, sizeof query, id, host, qtype);
    if (qlen < 0) {
        snprintf(err, errlen, "'%s' is not a valid host name", host);
        return -1;
    }
    int fd = socket(server->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&server->ss, server->len) != 0) {
        snprintf(err, errlen, "cannot reach the DNS server: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int result = -1;
    snprintf(err, errlen, "no answer from the DNS server");
    for (int attempt = 0; attempt < DNS_TRIES && result < 0; attempt++) {
        if (send(fd, query, (size_t)qlen, 0) != qlen)
            continue;
        long long deadline = now_ms() + DNS_TIMEOUT_MS;
        while (result < 0) {
            long long left = deadline - now_ms();
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (left <= 0 || poll(&p, 1, (int)left) <= 0)
                break;
            ssize_t n = recv(fd, reply, sizeof reply, 0);
            if (n <= 0)
                continue;
            dns_addr addrs[NET_MAX_ADDRS];
            int got = dns_parse_response(reply, (size_t)n, query, (size_t)qlen, addrs,
                                         max < NET_MAX_ADDRS ? max : NET_MAX_ADDRS, err, errlen);
            if (got < 0)
                continue; /* not our answer (or garbage): keep waiting */
            for (int i = 0; i < got; i++) {
                memset(&out[i], 0, sizeof out[i]);
                if (addrs[i].family == AF_INET) {
                    struct sockaddr_in *v4 = (struct sockaddr_in *)&out[i].ss;
                    v4->sin_family = AF_INET;
                    memcpy(&v4->sin_addr, addrs[i].bytes, 4);
                    out[i].len = sizeof *v4;
                } else {
                    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out[i].ss;
                    v6->sin6_family = AF_INET6;
                    memcpy(&v6->sin6_addr, addrs[i].bytes, 16);
                    out[i].len = sizeof *v6;
                }
            }
            result = got;
        }
    }
    close(fd);
    return result;
}

int net_resolve(const char *host, uint16_t port, net_addr *out, int max, char *err, size_t errlen)
{
    if (max <= 0)
        return -1;
    if (numeric(host, &out[0])) {
        set_port(&out[0], port);
        return 1;
    }
    if (strcasecmp(host, "localhost") == 0) {
        numeric("127.0.0.1", &out[0]);
        set_port(&out[0], port);
        if (max > 1 && numeric("::1", &out[1])) {
            set_port(&out[1], port);
            return 2;
        }
        return 1;
    }
    net_addr server;
    if (!nameserver(&server)) {
        snprintf(err, errlen, "cannot resolve '%s': no nameserver in /etc/resolv.conf", host);
        return -1;
    }
    exec_log(ENARX_LOG_DEBUG, "resolving %s through the host's DNS server", host);
    char why[200] = "";
    int n = dns_query(&server, host, DNS_TYPE_A, out, max, why, sizeof why);
    if (n <= 0)
        n = dns_query(&server, host, DNS_TYPE_AAAA, out, max, why, sizeof why);
    if (n <= 0) {
        snprintf(err, errlen, "cannot resolve '%s': %s", host, n == 0 ? "no such host" : why);
        return -1;
    }
    for (int i = 0; i < n; i++)
        set_port(&out[i], port);
    return n;
}

void net_addr_text(const net_addr *a, char *out, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->ss;
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        snprintf(out, len, "%s:%u", host, ntohs(v4->sin_port));
    } else {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->ss;
        inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        snprintf(out, len, "[%s]:%u", host, ntohs(v6->sin6_port));
    }
}

int net_listen(const char *addr, uint16_t port, char *err, size_t errlen)
{
    net_addr a[NET_MAX_ADDRS];
    int n = net_resolve(addr, port, a, NET_MAX_ADDRS, err, errlen);
    if (n < 0)
        return -1;
    char text[80];
    for (int i = 0; i < n; i++) {
        net_addr_text(&a[i], text, sizeof text);
        int fd = socket(a[i].ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 && errno == EAFNOSUPPORT && a[i].ss.ss_family == AF_INET6 &&
            strcmp(addr, "::") == 0) {
            /* no IPv6 on this host: "every address" means every IPv4 address */
            numeric("0.0.0.0", &a[i]);
            set_port(&a[i], port);
            fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        }
        if (fd < 0) {
            snprintf(err, errlen, "socket for %s: %s", text, strerror(errno));
            continue;
        }
        int one = 1, zero = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (a[i].ss.ss_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        if (bind(fd, (struct sockaddr *)&a[i].ss, a[i].len) == 0 && listen(fd, 128) == 0)
            return fd;
        snprintf(err, errlen, "listening on %s: %s", text, strerror(errno));
        close(fd);
    }
    return -1;
}

static int connect_one(const net_addr *a, int timeout_ms, char *err, size_t errlen)
{
    char text[80];
    net_addr_text(a, text, sizeof text);
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket for %s: %s", text, strerror(errno));
        return -1;
    }
    /* No Nagle, as for accepted connections (wasi/sock.c): what the workload
     * writes goes out when written. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
        return fd;
    if (errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r;
        do
            r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        int so_error = ETIMEDOUT;
        socklen_t len = sizeof so_error;
        if (r > 0)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
        if (r > 0 && so_error == 0)
            return fd;
        errno = so_error;
    }
    snprintf(err, errlen, "connecting to %s: %s", text, strerror(errno));
    close(fd);
    return -1;
}

int net_connect(const char *host, uint16_t port, int timeout_ms, char *err, size_t errlen)
{
    net_addr a[NET_MAX_ADDRS];
    int n = net_resolve(host, port, a, NET_MAX_ADDRS, err, errlen);
    for (int i = 0; i < n; i++) {
        int fd = connect_one(&a[i], timeout_ms, err, errlen);
        if (fd >= 0)
            return fd;
    }
    return -1;
}
