/* Sockets the exec opens for Enarx.toml's listen/connect entries, and host
 * name resolution without glibc's NSS (there are no NSS libraries in a
 * Keep): numeric addresses, "localhost", else a small DNS stub resolver that
 * asks the nameserver listed in the host's /etc/resolv.conf. DNS answers
 * come from the host's network and are trusted only as far as TLS lets them
 * be: a tls connection still verifies the server's certificate. */
#ifndef EXEC_NET_H
#define EXEC_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
} net_addr;

#define NET_MAX_ADDRS 8

/* Resolves host to up to max addresses with port. Returns the count (> 0) or
 * -1 with a message in err. */
int net_resolve(const char *host, uint16_t port, net_addr *out, int max, char *err, size_t errlen);

/* A listening, non-blocking socket on addr:port ("::" = every address). */
int net_listen(const char *addr, uint16_t port, char *err, size_t errlen);

/* A connected, non-blocking socket to host:port, trying each address. */
int net_connect(const char *host, uint16_t port, int timeout_ms, char *err, size_t errlen);

/* "1.2.3.4:80" / "[::1]:80" */
void net_addr_text(const net_addr *a, char *out, size_t len);

#endif
