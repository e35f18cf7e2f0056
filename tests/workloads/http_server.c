/* A small keep-alive HTTP/1.1 server, poll-based and single-threaded, the
 * kind of workload a Keep serves behind an Enarx.toml `listen` socket. The
 * same source is built for wasm32-wasi (the listening sockets come from
 * Enarx.toml) and natively (`--port P`, repeatable: the baseline the
 * benchmarks compare against, and the reference the fault tests hold the
 * Keep to).
 *
 * Routes: GET /bytes/N (N bytes of a pattern; header and body leave in one
 * writev), GET /split/N (the same in two writes), POST /echo (the body back),
 * GET /stats (counters, below), GET /quit (reply, then exit 0). HTTP/1.1
 * connections stay open unless the request says "Connection: close";
 * pipelined requests are answered in order. A malformed request gets 400 and
 * the connection is closed; a header block over 8 KiB gets 431.
 *
 * /stats counts what the server saw: connections accepted and open, requests,
 * and how connections ended badly — ECONNRESET, EPIPE, EIO, other errors, a
 * clean end of stream in the middle of a request — and accept()'s EMFILE.
 * The fault tests read it to check that a reset was reported as a reset.
 *
 * With `connect` sockets in Enarx.toml (no accept right) it is a client
 * instead: on each it sends GET /bytes/N (N from REQUEST_BYTES, default
 * 1000) and prints how the response ended: complete, a clean end of stream
 * after some bytes, or the error. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef __wasi__
#include <wasi/api.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#endif

#define MAX_LISTENERS 8
#define REQ_MAX 8192
#define ECHO_MAX (1u << 20)
#define BODY_MAX (256ull << 20)
#define PATTERN_SIZE 65536

typedef struct conn {
    int fd;
    char in[REQ_MAX];
    size_t in_len, scanned; /* input bytes already searched for the header's end */
    char head[256];
    size_t head_len, head_off;
    uint64_t body_len, body_off;
    char *echo;            /* POST /echo: the body to send back */
    uint64_t to_read;      /* request body bytes still to come */
    uint64_t echo_len;
    bool close_after, split, responding;
} conn;

static struct {
    unsigned accepted, open, requests, resets, pipes, eio, other, eof_mid, bad, emfile;
} stats;

static int listeners[MAX_LISTENERS];
static int listener_count;
static conn **conns;
static size_t conn_count, conn_cap;
static bool accept_paused, quitting;
static char pattern[PATTERN_SIZE];

static void count_error(int err)
{
    if (err == ECONNRESET)
        stats.resets++;
    else if (err == EPIPE)
        stats.pipes++;
    else if (err == EIO)
        stats.eio++;
    else
        stats.other++;
}

static void conn_close(size_t i)
{
    conn *c = conns[i];
    close(c->fd);
    free(c->echo);
    free(c);
    conns[i] = conns[--conn_count];
    stats.open--;
    accept_paused = false; /* a descriptor is free again */
}

/* Decimal digits of v, written backwards from end; returns the first. */
static char *digits(char *end, uint64_t v)
{
    do
        *--end = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return end;
}

static size_t append(char *out, size_t at, size_t cap, const char *s, size_t n)
{
    if (at + n > cap)
        n = cap - at;
    memcpy(out + at, s, n);
    return at + n;
}

/* The status line and headers, built by hand: this runs for every request. */
static void start_response(conn *c, int status, const char *reason, uint64_t len, bool close_after)
{
    static const char version[] = "HTTP/1.1 ", length[] = "\r\nContent-Length: ",
                      rest[] = "\r\nContent-Type: text/plain\r\n", closing[] = "Connection: close\r\n";
    char num[24], *n;
    size_t at = append(c->head, 0, sizeof c->head, version, sizeof version - 1);
    n = digits(num + sizeof num, (uint64_t)status);
    at = append(c->head, at, sizeof c->head, n, (size_t)(num + sizeof num - n));
    at = append(c->head, at, sizeof c->head, " ", 1);
    at = append(c->head, at, sizeof c->head, reason, strlen(reason));
    at = append(c->head, at, sizeof c->head, length, sizeof length - 1);
    n = digits(num + sizeof num, len);
    at = append(c->head, at, sizeof c->head, n, (size_t)(num + sizeof num - n));
    at = append(c->head, at, sizeof c->head, rest, sizeof rest - 1);
    if (close_after)
        at = append(c->head, at, sizeof c->head, closing, sizeof closing - 1);
    c->head_len = append(c->head, at, sizeof c->head, "\r\n", 2);
    c->head_off = 0;
    c->body_len = len;
    c->body_off = 0;
    c->close_after = close_after;
    c->responding = true;
}

static void text_response(conn *c, int status, const char *reason, const char *text, bool close_after)
{
    free(c->echo);
    c->echo_len = strlen(text);
    c->echo = malloc(c->echo_len + 1);
    if (c->echo)
        memcpy(c->echo, text, c->echo_len + 1);
    start_response(c, status, reason, c->echo ? c->echo_len : 0, close_after);
}

/* A decimal number at p (at least one digit, at most max); NULL if none. */
static const char *number(const char *p, unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;
    const char *start = p;
    while (*p >= '0' && *p <= '9' && v <= max)
        v = v * 10 + (unsigned)(*p++ - '0');
    if (p == start || v > max)
        return NULL;
    *out = v;
    return p;
}

/* The two headers the server reads, found in one pass over the header
 * lines (a pass per header, with strstr, was the largest share of the
 * wasm build's instructions per request). */
typedef struct headers {
    const char *connection, *content_length; /* values, after the colon and spaces; NULL if absent */
} headers;

static const char *header_named(const char *line, size_t len, const char *name, size_t name_len)
{
    if (len <= name_len || line[name_len] != ':' || strncasecmp(line, name, name_len) != 0)
        return NULL;
    const char *v = line + name_len + 1;
    while (*v == ' ')
        v++;
    return v;
}

/* lines: the first header line; the block ends at a NUL after the last CRLF.
 * The first occurrence of each header counts. */
static headers find_headers(const char *lines)
{
    headers h = {NULL, NULL};
    for (const char *p = lines; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (*p == 'C' || *p == 'c') {
            const char *v;
            if (!h.connection && (v = header_named(p, len, "Connection", 10)) != NULL)
                h.connection = v;
            else if (!h.content_length && (v = header_named(p, len, "Content-Length", 14)) != NULL)
                h.content_length = v;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return h;
}

static uint64_t header_number(const char *v, bool *bad)
{
    if (!v)
        return 0;
    unsigned long long n = 0;
    const char *end = number(v, ECHO_MAX, &n);
    if (!end || (*end && *end != '\r'))
        *bad = true;
    return n;
}

/* Answers the request whose header block is c->in[0, end). Not inlined:
 * parse_input runs twice per request, and in the wasm build every call
 * pays for initialising all of the function's locals. */
__attribute__((noinline)) static void route(conn *c, size_t end)
{
    char *head = c->in;
    head[end - 2] = 0; /* ends the last header line at its CRLF */
    /* "METHOD SP PATH SP HTTP/1.x CRLF" */
    char *sp1 = memchr(head, ' ', end), *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(head + end - sp1 - 1)) : NULL;
    char *eol = sp2 ? strstr(sp2, "\r\n") : NULL;
    if (!sp2 || !eol || eol - sp2 != 9 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || sp1 - head > 15 ||
        sp2 - sp1 - 1 > 511 || memchr(head, '\r', (size_t)(sp2 - head))) {
        stats.bad++;
        text_response(c, 400, "Bad Request", "bad request\n", true);
        return;
    }
    char method[16], path[512], version[16];
    memcpy(method, head, (size_t)(sp1 - head));
    method[sp1 - head] = 0;
    memcpy(path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    path[sp2 - sp1 - 1] = 0;
    memcpy(version, sp2 + 1, 8);
    version[8] = 0;
    stats.requests++;
    headers h = find_headers(eol + 2);
    bool close_after = (h.connection && strncasecmp(h.connection, "close", 5) == 0) ||
                       strcmp(version, "HTTP/1.0") == 0;
    bool bad = false;
    uint64_t body = header_number(h.content_length, &bad);
    if (bad) {
        stats.bad++;
        text_response(c, 400, "Bad Request", "bad Content-Length\n", true);
        return;
    }
    c->to_read = body;
    c->split = false;
    unsigned long long n = 0;
    const char *tail;
    if (strcmp(method, "POST") == 0 && strcmp(path, "/echo") == 0) {
        free(c->echo);
        c->echo = malloc(body ? body : 1);
        c->echo_len = 0;
        if (!c->echo) {
            text_response(c, 500, "Internal Server Error", "out of memory\n", true);
            return;
        }
        start_response(c, 200, "OK", body, close_after);
        c->responding = body == 0; /* else once the body is in */
    } else if (strncmp(path, "/bytes/", 7) == 0 && (tail = number(path + 7, BODY_MAX, &n)) && !*tail) {
        start_response(c, 200, "OK", n, close_after);
    } else if (strncmp(path, "/split/", 7) == 0 && (tail = number(path + 7, BODY_MAX, &n)) && !*tail) {
        start_response(c, 200, "OK", n, close_after);
        c->split = true;
    } else if (strcmp(path, "/stats") == 0) {
        char text[400];
        snprintf(text, sizeof text,
                 "accepted=%u open=%u requests=%u resets=%u pipes=%u eio=%u other=%u eof_mid=%u bad=%u emfile=%u\n",
                 stats.accepted, stats.open, stats.requests, stats.resets, stats.pipes, stats.eio, stats.other,
                 stats.eof_mid, stats.bad, stats.emfile);
        text_response(c, 200, "OK", text, close_after);
    } else if (strcmp(path, "/quit") == 0) {
        text_response(c, 200, "OK", "bye\n", true);
        quitting = true;
    } else {
        text_response(c, 404, "Not Found", "no such path\n", close_after);
    }
}

/* Looks for a complete request in the input. Returns false when the
 * connection must close at once. */
static bool parse_input(conn *c)
{
    while (!c->responding) {
        if (c->to_read > 0) { /* a request body */
            size_t take = c->in_len < c->to_read ? c->in_len : (size_t)c->to_read;
            if (take == 0)
                return true;
            if (c->echo) {
                memcpy(c->echo + c->echo_len, c->in, take);
                c->echo_len += take;
            }
            memmove(c->in, c->in + take, c->in_len - take);
            c->in_len -= take;
            c->to_read -= take;
            c->scanned = 0;
            if (c->to_read == 0 && c->echo)
                c->responding = true; /* the echo's header was prepared by route() */
            continue;
        }
        /* the blank line that ends the headers, looked for in new bytes only */
        char *end = NULL;
        size_t from = c->scanned > 3 ? c->scanned - 3 : 0;
        for (char *nl = memchr(c->in + from, '\n', c->in_len - from); nl;
             nl = memchr(nl + 1, '\n', (size_t)(c->in + c->in_len - nl - 1))) {
            if (nl - c->in >= 3 && memcmp(nl - 3, "\r\n\r\n", 4) == 0) {
                end = nl + 1;
                break;
            }
        }
        c->scanned = c->in_len;
        if (!end) {
            if (c->in_len == REQ_MAX) {
                stats.bad++;
                text_response(c, 431, "Request Header Fields Too Large", "header too large\n", true);
            }
            return true;
        }
        size_t used = (size_t)(end - c->in);
        route(c, used);
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
        c->scanned = 0;
        if (c->to_read > 0 && !c->echo)
            c->responding = true; /* a body nobody wants: answer, then skip it */
    }
    return true;
}

/* After a failed read or write: 1 to try again (EINTR), 0 to wait for the
 * next poll (EAGAIN), -1 to close the connection (the error is counted). */
static int after_io_error(void)
{
    if (errno == EINTR)
        return 1;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
    count_error(errno);
    return -1;
}

/* Sends what the response has left. Returns false when the connection
 * failed or is done and must close. */
static bool send_response(conn *c)
{
    while (c->responding) {
        struct iovec iov[2];
        int n = 0;
        if (c->head_off < c->head_len)
            iov[n++] = (struct iovec){c->head + c->head_off, c->head_len - c->head_off};
        if (c->body_off < c->body_len && !(c->split && n > 0)) {
            uint64_t left = c->body_len - c->body_off;
            if (c->echo) {
                iov[n++] = (struct iovec){c->echo + c->body_off, (size_t)left};
            } else {
                size_t at = (size_t)(c->body_off % PATTERN_SIZE), take = PATTERN_SIZE - at;
                iov[n++] = (struct iovec){pattern + at, left < take ? (size_t)left : take};
            }
        }
        if (n == 0) {
            c->responding = false;
            free(c->echo);
            c->echo = NULL;
            if (c->close_after || quitting)
                return false;
            if (c->in_len > 0 && !parse_input(c)) /* a pipelined request */
                return false;
            continue;
        }
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            int next = after_io_error();
            if (next > 0)
                continue;
            return next == 0;
        }
        size_t sent = (size_t)w, head_left = c->head_len - c->head_off;
        size_t from_head = sent < head_left ? sent : head_left;
        c->head_off += from_head;
        c->body_off += sent - from_head;
    }
    return true;
}

/* Reads what has arrived. Returns false when the connection must close. */
static bool receive(conn *c)
{
    for (;;) {
        if (c->in_len == REQ_MAX)
            return true; /* full: the request is answered first */
        ssize_t r = read(c->fd, c->in + c->in_len, REQ_MAX - c->in_len);
        if (r > 0) {
            c->in_len += (size_t)r;
            if (!c->responding)
                parse_input(c);
            continue;
        }
        if (r == 0) {
            if (c->in_len > 0 || c->to_read > 0)
                stats.eof_mid++;
            /* the peer is done sending: finish a response in progress */
            return c->responding;
        }
        int next = after_io_error();
        if (next > 0)
            continue;
        return next == 0;
    }
}

static void accept_all(int listener)
{
    for (int i = 0; i < 64; i++) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                stats.emfile++;
                accept_paused = true; /* until a connection closes */
            }
            return;
        }
#ifndef __wasi__
        int one = 1; /* as servers do: nginx's tcp_nodelay, Go's default */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#endif
        if (conn_count == conn_cap) {
            size_t cap = conn_cap ? conn_cap * 2 : 64;
            conn **grown = realloc(conns, cap * sizeof(conn *));
            if (!grown) {
                close(fd);
                return;
            }
            conns = grown;
            conn_cap = cap;
        }
        conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            return;
        }
        c->fd = fd;
        conns[conn_count++] = c;
        stats.accepted++;
        stats.open++;
    }
}

static int serve(void)
{
    size_t pfd_cap = (size_t)listener_count + 64;
    struct pollfd *pfds = malloc(pfd_cap * sizeof *pfds);
    if (!pfds)
        return 1;
    while (!(quitting && conn_count == 0)) {
        size_t need = (size_t)listener_count + conn_count;
        if (need > pfd_cap) {
            struct pollfd *grown = realloc(pfds, need * 2 * sizeof *pfds);
            if (!grown) {
                free(pfds);
                return 1;
            }
            pfds = grown;
            pfd_cap = need * 2;
        }
        size_t n = 0;
        for (int i = 0; i < listener_count; i++)
            pfds[n++] = (struct pollfd){.fd = accept_paused || quitting ? -1 : listeners[i], .events = POLLIN};
        for (size_t i = 0; i < conn_count; i++)
            pfds[n++] = (struct pollfd){.fd = conns[i]->fd, .events = conns[i]->responding ? POLLOUT : POLLIN};
        if (poll(pfds, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            free(pfds);
            return 1;
        }
        /* connections first (their indices move when one closes), backwards */
        for (size_t k = conn_count; k-- > 0;) {
            struct pollfd *p = &pfds[(size_t)listener_count + k];
            if (!p->revents)
                continue;
            conn *c = conns[k];
            bool keep = true;
            if (p->revents & (POLLIN | POLLHUP | POLLERR))
                keep = receive(c);
            if (keep && c->responding)
                keep = send_response(c);
            if (!keep)
                conn_close(k);
        }
        for (int i = 0; i < listener_count; i++)
            if (pfds[i].revents & POLLIN)
                accept_all(listeners[i]);
    }
    free(pfds);
    return 0;
}

/* ---- the client role (connect sockets) ---- */

static void fetch(int fd, unsigned long long want)
{
    char req[128];
    int len = snprintf(req, sizeof req, "GET /bytes/%llu HTTP/1.1\r\nHost: peer\r\nConnection: close\r\n\r\n", want);
    if (write(fd, req, (size_t)len) != len) {
        printf("fd %d: sending the request: %s\n", fd, strerror(errno));
        return;
    }
    static char buf[65536];
    char head[4096];
    size_t head_len = 0;
    unsigned long long body = 0, length = 0;
    bool in_body = false;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0) {
            printf("fd %d: %llu of %llu body bytes, then error: %s\n", fd, body, length, strerror(errno));
            return;
        }
        if (r == 0)
            break;
        if (in_body) {
            body += (unsigned long long)r;
            continue;
        }
        size_t take = (size_t)r < sizeof head - 1 - head_len ? (size_t)r : sizeof head - 1 - head_len;
        memcpy(head + head_len, buf, take);
        head_len += take;
        head[head_len] = 0;
        char *end = strstr(head, "\r\n\r\n");
        if (end) {
            in_body = true;
            body = (unsigned long long)(head + head_len - (end + 4)) + ((size_t)r - take);
            char *cl = strstr(head, "Content-Length: ");
            length = cl ? strtoull(cl + 16, NULL, 10) : 0;
        }
    }
    printf("fd %d: %llu of %llu body bytes, then the end of the stream%s\n", fd, body, length,
           in_body && body == length ? " (complete)" : " (cut short)");
}

static void run_client(const int *fds, int count)
{
    const char *n = getenv("REQUEST_BYTES");
    unsigned long long want = n ? strtoull(n, NULL, 10) : 1000;
    for (int i = 0; i < count; i++)
        fetch(fds[i], want);
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (char)('a' + i % 26);
    int clients[MAX_LISTENERS], client_count = 0;
#ifdef __wasi__
    (void)argc;
    (void)argv;
    for (int fd = 3; fd < 64; fd++) {
        __wasi_fdstat_t st;
        if (__wasi_fd_fdstat_get((__wasi_fd_t)fd, &st) != 0)
            break;
        if (st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM)
            continue;
        if ((st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT) && listener_count < MAX_LISTENERS) {
            fcntl(fd, F_SETFL, O_NONBLOCK); /* accept until "again" */
            listeners[listener_count++] = fd;
        }
        else if (client_count < MAX_LISTENERS)
            clients[client_count++] = fd;
    }
#else
    signal(SIGPIPE, SIG_IGN);
    for (int i = 1; i + 1 < argc && listener_count < MAX_LISTENERS; i += 2) {
        if (strcmp(argv[i], "--port") != 0)
            break;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[i + 1])),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0) {
            perror("listening");
            return 1;
        }
        listeners[listener_count++] = fd;
    }
#endif
    if (client_count > 0) {
        run_client(clients, client_count);
        return 0;
    }
    if (listener_count == 0) {
        fprintf(stderr, "http_server: no listening socket (Enarx.toml `listen`, or --port P natively)\n");
        return 2;
    }
    printf("http_server: serving on %d socket%s\n", listener_count, listener_count == 1 ? "" : "s");
    fflush(stdout);
    return serve();
}
