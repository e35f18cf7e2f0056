/* A hostile middle for the deploy tests: accepts a client on loopback,
 * connects to the agent, and relays bytes both ways while recording them
 * (RECORD.c2s, RECORD.s2c). Optionally flips one byte at an offset of one
 * direction, or cuts the connection after some bytes of one direction.
 *
 *   relay PORTFILE TARGET_PORT RECORD [--flip c2s|s2c OFFSET] [--cut c2s|s2c AFTER] [--count N]
 *
 * Writes its port to PORTFILE once listening; serves N connections (1). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct dir {
    int from, to;
    FILE *rec;
    long long done;
    long long flip_at, cut_after; /* -1: none */
    int open;
} dir;

static int pump(dir *d)
{
    unsigned char buf[16384];
    ssize_t n = read(d->from, buf, sizeof buf);
    if (n <= 0)
        return -1;
    if (d->cut_after >= 0 && d->done + n > d->cut_after) {
        n = (ssize_t)(d->cut_after - d->done);
        if (n > 0 && write(d->to, buf, (size_t)n) != n)
            return -1;
        return -2; /* cut */
    }
    if (d->flip_at >= d->done && d->flip_at < d->done + n)
        buf[d->flip_at - d->done] ^= 0x01;
    fwrite(buf, 1, (size_t)n, d->rec);
    d->done += n;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(d->to, buf + off, (size_t)(n - off));
        if (w <= 0)
            return -1;
        off += w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: relay PORTFILE TARGET_PORT RECORD [--flip c2s|s2c OFF] [--cut c2s|s2c N] [--count N]\n");
        return 2;
    }
    long long flip[2] = {-1, -1}, cut[2] = {-1, -1};
    int count = 1;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--count") == 0) {
            count = atoi(argv[i + 1]);
            i--;
            continue;
        }
        if (i + 2 >= argc)
            return 2;
        int which = strcmp(argv[i + 1], "s2c") == 0;
        if (strcmp(argv[i], "--flip") == 0)
            flip[which] = atoll(argv[i + 2]);
        else if (strcmp(argv[i], "--cut") == 0)
            cut[which] = atoll(argv[i + 2]);
        i++;
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 16) || getsockname(ls, (struct sockaddr *)&a, &al))
        return 1;
    char tmpname[4096];
    snprintf(tmpname, sizeof tmpname, "%s.tmp", argv[1]);
    FILE *pf = fopen(tmpname, "w");
    if (!pf)
        return 1;
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    rename(tmpname, argv[1]);
    char name[4096];
    snprintf(name, sizeof name, "%s.c2s", argv[3]);
    FILE *c2s = fopen(name, "w");
    snprintf(name, sizeof name, "%s.s2c", argv[3]);
    FILE *s2c = fopen(name, "w");
    if (!c2s || !s2c)
        return 1;
    for (int k = 0; k < count; k++) {
        int c = accept(ls, NULL, NULL);
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in t = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (c < 0 || s < 0 || connect(s, (struct sockaddr *)&t, sizeof t) != 0)
            return 1;
        dir d[2] = {{c, s, c2s, 0, flip[0], cut[0], 1}, {s, c, s2c, 0, flip[1], cut[1], 1}};
        while (d[0].open || d[1].open) {
            struct pollfd p[2] = {{d[0].open ? c : -1, POLLIN, 0}, {d[1].open ? s : -1, POLLIN, 0}};
            if (poll(p, 2, -1) < 0 && errno != EINTR)
                break;
            int stop = 0;
            for (int i = 0; i < 2; i++) {
                if (!p[i].revents)
                    continue;
                int r = pump(&d[i]);
                if (r == -2)
                    stop = 1; /* cut: drop both directions at once */
                else if (r < 0) {
                    d[i].open = 0;
                    shutdown(d[i].to, SHUT_WR);
                }
            }
            if (stop)
                break;
        }
        fflush(c2s);
        fflush(s2c);
        close(c);
        close(s);
    }
    return 0;
}
