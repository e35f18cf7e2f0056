/* Sockets on loopback through the sallyport: TCP (listen, connect, accept,
 * send/recv, poll, names, options, shutdown), UDP datagrams with addresses,
 * sendmsg/recvmsg with iovecs, UNIX socket pairs. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "prog.h"

static void tcp(void)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT(l >= 0);
    int one = 1;
    EXPECT(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    EXPECT(bind(l, (struct sockaddr *)&sa, sizeof sa) == 0);
    EXPECT(listen(l, 8) == 0);
    socklen_t len = sizeof sa;
    EXPECT(getsockname(l, (struct sockaddr *)&sa, &len) == 0 && len == sizeof sa);
    EXPECT(sa.sin_port != 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT(connect(c, (struct sockaddr *)&sa, sizeof sa) == 0);
    struct pollfd pl = {l, POLLIN, 0};
    EXPECT(poll(&pl, 1, 5000) == 1 && (pl.revents & POLLIN));
    if (prog_failed) /* no loopback network: do not wait forever */
        return;
    struct sockaddr_in peer;
    len = sizeof peer;
    int a = accept4(l, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    EXPECT(a >= 0 && len == sizeof peer && peer.sin_family == AF_INET);
    EXPECT(peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    EXPECT(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    int v = 0;
    len = sizeof v;
    EXPECT(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1);
    /* 1 MiB through the connection, in both directions. */
    static char big[1 << 20], got[1 << 20];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i % 251);
    size_t sent = 0, rcvd = 0;
    fcntl(c, F_SETFL, O_NONBLOCK);
    while (rcvd < sizeof big) {
        if (sent < sizeof big) {
            ssize_t n = send(c, big + sent, sizeof big - sent, 0);
            if (n > 0)
                sent += (size_t)n;
        }
        ssize_t n = recv(a, got + rcvd, sizeof got - rcvd, MSG_DONTWAIT);
        if (n > 0)
            rcvd += (size_t)n;
    }
    EXPECT(memcmp(big, got, sizeof big) == 0);
    printf("tcp: 1 MiB round trip %s\n", memcmp(big, got, sizeof big) == 0 ? "intact" : "CORRUPT");
    fcntl(c, F_SETFL, 0);
    EXPECT(send(a, "pong", 4, 0) == 4);
    char buf[16] = {0};
    int avail = -1;
    struct pollfd pc = {c, POLLIN, 0};
    EXPECT(poll(&pc, 1, 5000) == 1);
    EXPECT(ioctl(c, FIONREAD, &avail) == 0 && avail == 4);
    EXPECT(recv(c, buf, sizeof buf, 0) == 4 && strcmp(buf, "pong") == 0);
    len = sizeof peer;
    EXPECT(getpeername(c, (struct sockaddr *)&peer, &len) == 0 && peer.sin_port == sa.sin_port);
    EXPECT(shutdown(c, SHUT_WR) == 0);
    EXPECT(recv(a, buf, sizeof buf, 0) == 0);
    close(a);
    close(c);
    close(l);
    printf("tcp: ok\n");
}

static void udp(void)
{
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT}, me = {0}, from = {0};
    EXPECT(bind(s, (struct sockaddr *)&sa, sizeof sa) == 0);
    if (prog_failed)
        return;
    socklen_t len = sizeof me;
    EXPECT(getsockname(s, (struct sockaddr *)&me, &len) == 0);
    EXPECT(sendto(s, "datagram", 8, 0, (struct sockaddr *)&me, sizeof me) == 8);
    char buf[32] = {0};
    len = sizeof from;
    EXPECT(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 8);
    EXPECT(len == sizeof from && from.sin6_port == me.sin6_port && strcmp(buf, "datagram") == 0);
    /* sendmsg/recvmsg with several iovecs. */
    struct iovec out[3] = {{"one ", 4}, {"two ", 4}, {"three", 5}};
    struct msghdr m = {.msg_name = &me, .msg_namelen = sizeof me, .msg_iov = out, .msg_iovlen = 3};
    EXPECT(sendmsg(s, &m, 0) == 13);
    char p1[6] = {0}, p2[16] = {0};
    struct iovec in[2] = {{p1, 5}, {p2, 15}};
    struct msghdr r = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = in, .msg_iovlen = 2};
    EXPECT(recvmsg(s, &r, 0) == 13);
    printf("udp: [%s] [%s] from port match %d\n", p1, p2, from.sin6_port == me.sin6_port);
    /* A datagram bigger than the buffer is truncated. */
    EXPECT(sendto(s, "0123456789", 10, 0, (struct sockaddr *)&me, sizeof me) == 10);
    EXPECT(recv(s, buf, 4, 0) == 4);
    close(s);
}

static void unix_pair(void)
{
    int sv[2];
    EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    EXPECT(write(sv[0], "over unix", 9) == 9);
    char buf[16] = {0};
    EXPECT(read(sv[1], buf, sizeof buf) == 9);
    struct sockaddr_un un;
    socklen_t len = sizeof un;
    EXPECT(getsockname(sv[0], (struct sockaddr *)&un, &len) == 0);
    printf("unix: [%s] name length %u\n", buf, (unsigned)len);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    tcp();
    udp();
    unix_pair();
    return prog_done();
}
