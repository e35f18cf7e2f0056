/* The host agent's event loop: one process, poll() over the listening
 * socket, clients still sending their preamble, and a signalfd; each Keep is
 * a child process (its own process group) that owns its client's
 * connection. Everything a client sends is untrusted; the agent reads only
 * the few plain-text bytes of the preamble. */
#include "agent/agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/deploy.h"
#include "abi/version.h"
#include "measure/measure.h"

#define PREAMBLE_TIMEOUT_MS 10000   /* a client that does not say what it wants is dropped */
#define MAX_PENDING 64              /* clients still sending their preamble */
#define PREAMBLE_MAX (DEPLOY_MAGIC_LEN + 1 + DEPLOY_BACKEND_NAME_MAX)

typedef struct pending {
    int fd;
    uint8_t buf[PREAMBLE_MAX];
    size_t got;
    long long deadline;
    char peer[64];
} pending;

typedef struct keep {
    pid_t pid;
    unsigned long id;
    long long started;               /* ms, monotonic */
    char peer[64];
    bool timed_out, stopped;
} keep;

typedef struct agent {
    const agent_options *opt;
    int listen_fd, sig_fd;
    pending pend[MAX_PENDING];
    size_t npend;
    keep *keeps;
    size_t nkeeps;
    unsigned long next_id;
    bool stopping;
    long long stop_deadline;
    const uint8_t *claim;            /* nil: the exec's digest, computed once */
    uint8_t claim_buf[48];
} agent;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- logging: one line per event ---- */

static void log_event(const agent *a, const char *event, const char *fmt, ...)
{
    /* fmt: pairs "key", type char ('s' string, 'i' long long, 'd' double) */
    va_list ap;
    va_start(ap, fmt);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char when[32];
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (a->opt->json_log) {
        json_t *j = json_object();
        json_object_set_new(j, "time", json_string(when));
        json_object_set_new(j, "event", json_string(event));
        for (const char *f = fmt; *f; f++) {
            const char *key = va_arg(ap, const char *);
            if (*f == 's')
                json_object_set_new(j, key, json_string(va_arg(ap, const char *)));
            else if (*f == 'i')
                json_object_set_new(j, key, json_integer(va_arg(ap, long long)));
            else
                json_object_set_new(j, key, json_real(va_arg(ap, double)));
        }
        char *text = json_dumps(j, JSON_COMPACT);
        if (text)
            fprintf(stderr, "%s\n", text);
        free(text);
        json_decref(j);
    } else {
        char line[1024];
        int n = snprintf(line, sizeof line, "%s enarx host: %s", when, event);
        for (const char *f = fmt; *f && n < (int)sizeof line; f++) {
            const char *key = va_arg(ap, const char *);
            if (*f == 's')
                n += snprintf(line + n, sizeof line - (size_t)n, " %s=%s", key, va_arg(ap, const char *));
            else if (*f == 'i')
                n += snprintf(line + n, sizeof line - (size_t)n, " %s=%lld", key, va_arg(ap, long long));
            else
                n += snprintf(line + n, sizeof line - (size_t)n, " %s=%.1f", key, va_arg(ap, double));
        }
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
    va_end(ap);
}

/* ---- the listening socket ---- */

/* A numeric address (no name lookup in the agent: it needs none, and a
 * static binary has no resolver to trust). */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    char *end;
    unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
    if (!colon || !colon[1] || *end || port > 65535 || (size_t)(colon - spec) >= sizeof host) {
        snprintf(err, errlen, "--listen %s: expected ADDR:PORT (e.g. 127.0.0.1:8443, [::]:8443, :8443)", spec);
        return -1;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = 0;
        if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) != 1)
            goto bad;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof *v6;
        return 0;
    }
    if (n && inet_pton(AF_INET, host, &v4->sin_addr) != 1)
        goto bad;
    v4->sin_family = AF_INET; /* "" = every IPv4 address */
    v4->sin_port = htons((uint16_t)port);
    *len = sizeof *v4;
    return 0;
bad:
    snprintf(err, errlen, "--listen %s: '%s' is not a numeric IPv4 address or a bracketed IPv6 one", spec, host);
    return -1;
}

static int open_listener(const char *spec, char *err, size_t errlen, int *port_out)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_listen(spec, &ss, &sl, err, errlen) != 0)
        return -1;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0) {
        snprintf(err, errlen, "--listen %s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static void peer_name(int fd, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    memset(&ss, 0, sizeof ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    } else if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    snprintf(out, cap, "%s%s%s:%u", ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
             port);
}

/* ---- answers ---- */

static void send_best_effort(int fd, const void *buf, size_t len)
{
    /* small answers to a fresh socket fit its buffer; a client that does
     * not read them loses them */
    ssize_t ignored = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
}

static void refuse(agent *a, pending *p, const char *why)
{
    size_t n = strlen(why);
    if (n > DEPLOY_REFUSAL_MAX)
        n = DEPLOY_REFUSAL_MAX;
    uint8_t msg[DEPLOY_MAGIC_LEN + 2 + DEPLOY_REFUSAL_MAX];
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): a magic, not a string */
    memcpy(msg, DEPLOY_ANSWER_NO, DEPLOY_MAGIC_LEN);
    msg[DEPLOY_MAGIC_LEN] = (uint8_t)n;
    msg[DEPLOY_MAGIC_LEN + 1] = (uint8_t)(n >> 8);
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): length-prefixed text */
    memcpy(msg + DEPLOY_MAGIC_LEN + 2, why, n);
    send_best_effort(p->fd, msg, DEPLOY_MAGIC_LEN + 2 + n);
    log_event(a, "refused", "ss", "peer", p->peer, "reason", why);
}

static void answer_info(agent *a, pending *p)
{
    json_t *j = json_object(), *backends = json_array(), *limits = json_object();
    json_object_set_new(j, "version", json_string(ENARX_VERSION));
    for (const backend *const *b = backend_all; *b; b++)
        if (backend_available(*b, &(backend_report){0}))
            json_array_append_new(backends, json_string((*b)->name));
    json_object_set_new(j, "backends", backends);
    json_object_set_new(j, "backend", json_string(a->opt->backend->name));
    json_object_set_new(j, "keeps_running", json_integer((json_int_t)a->nkeeps));
    json_object_set_new(limits, "max_keeps", json_integer(a->opt->max_keeps));
    json_object_set_new(limits, "keep_memory_mib", json_integer((json_int_t)a->opt->keep_memory_mib));
    json_object_set_new(limits, "keep_timeout_s", json_integer(a->opt->keep_timeout_s));
    json_object_set_new(j, "limits", limits);
    json_object_set_new(j, "stopping", json_boolean(a->stopping));
    char *text = json_dumps(j, JSON_COMPACT);
    if (text) {
        size_t n = strlen(text);
        text[n] = '\n';
        send_best_effort(p->fd, text, n + 1);
    }
    free(text);
    json_decref(j);
    log_event(a, "info", "s", "peer", p->peer);
}

/* ---- Keeps ---- */

/* The child: owns the connection and nothing else of the agent's. */
static void __attribute__((noreturn)) keep_child(agent *a, int conn)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    setpgid(0, 0); /* the agent stops a Keep and whatever it started at once */
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* and a killed agent leaves no Keep behind */
    if (getppid() == 1)
        _exit(125);
    if (conn > 3)
        close_range(3, (unsigned)conn - 1, 0);
    close_range((unsigned)conn + 1, ~0u, 0);
    if (a->opt->keep_memory_mib && strcmp(a->opt->backend->name, "nil") == 0) {
        /* nil: the process's address space is the Keep's memory */
        struct rlimit rl = {a->opt->keep_memory_mib << 20, a->opt->keep_memory_mib << 20};
        setrlimit(RLIMIT_AS, &rl);
    }
    backend_deploy_options bo = {.exec_path = a->opt->exec_path, .log_level = a->opt->log_level,
                                 .mem_size = a->opt->keep_memory_mib << 20, .attester = a->opt->attester,
                                 .claimed = a->claim};
    char err[512];
    int st = backend_deploy(a->opt->backend, conn, &bo, err, sizeof err);
    if (st < 0)
        fprintf(stderr, "enarx host: cannot start a Keep: %s\n", err);
    _exit(st < 0 ? 125 : st);
}

static void start_keep(agent *a, pending *p)
{
    keep *grown = realloc(a->keeps, (a->nkeeps + 1) * sizeof *grown);
    if (!grown) {
        refuse(a, p, "the agent is out of memory");
        return;
    }
    a->keeps = grown;
    send_best_effort(p->fd, DEPLOY_ANSWER_OK, DEPLOY_MAGIC_LEN);
    pid_t pid = fork();
    if (pid == 0)
        keep_child(a, p->fd);
    if (pid < 0) {
        log_event(a, "keep_failed", "ss", "peer", p->peer, "reason", strerror(errno));
        return;
    }
    keep *k = &a->keeps[a->nkeeps++];
    *k = (keep){.pid = pid, .id = ++a->next_id, .started = now_ms()};
    snprintf(k->peer, sizeof k->peer, "%s", p->peer);
    log_event(a, "keep_started", "iiss", "keep", (long long)k->id, "pid", (long long)pid, "peer", p->peer, "backend",
              a->opt->backend->name);
}

static void reap(agent *a)
{
    int ws;
    pid_t pid;
    while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
        for (size_t i = 0; i < a->nkeeps; i++) {
            keep *k = &a->keeps[i];
            if (k->pid != pid)
                continue;
            double ms = (double)(now_ms() - k->started);
            const char *why = k->timed_out ? "timeout" : k->stopped ? "stopped" : "ended";
            if (WIFSIGNALED(ws))
                log_event(a, "keep_ended", "iisisd", "keep", (long long)k->id, "pid", (long long)pid, "peer",
                          k->peer, "signal", (long long)WTERMSIG(ws), "how", why, "duration_ms", ms);
            else
                log_event(a, "keep_ended", "iisi" "sd", "keep", (long long)k->id, "pid", (long long)pid, "peer",
                          k->peer, "status", (long long)WEXITSTATUS(ws), "how",
                          WEXITSTATUS(ws) == 125 ? "launch failed" : why, "duration_ms", ms);
            a->keeps[i] = a->keeps[--a->nkeeps];
            break;
        }
    }
}

static void enforce_timeouts(agent *a, long long now)
{
    for (size_t i = 0; i < a->nkeeps; i++) {
        keep *k = &a->keeps[i];
        bool over = a->opt->keep_timeout_s && now - k->started >= (long long)a->opt->keep_timeout_s * 1000;
        bool grace_over = a->stopping && now >= a->stop_deadline;
        if ((over && !k->timed_out) || (grace_over && !k->stopped)) {
            kill(-k->pid, SIGKILL);
            kill(k->pid, SIGKILL);
            if (over)
                k->timed_out = true;
            else
                k->stopped = true;
            log_event(a, over ? "keep_timeout" : "keep_stopping", "ii", "keep", (long long)k->id, "pid",
                      (long long)k->pid);
        }
    }
}

/* ---- clients ---- */

static void drop_pending(agent *a, size_t i)
{
    close(a->pend[i].fd);
    a->pend[i] = a->pend[--a->npend];
}

static void accept_clients(agent *a)
{
    for (;;) {
        int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return; /* EAGAIN, or a client that gave up: nothing to do */
        pending p = {.fd = fd, .deadline = now_ms() + PREAMBLE_TIMEOUT_MS};
        peer_name(fd, p.peer, sizeof p.peer);
        if (a->npend == MAX_PENDING) {
            refuse(a, &p, "too many clients are connecting at once; try again");
            close(fd);
            continue;
        }
        a->pend[a->npend++] = p;
    }
}

/* Reads a client's preamble; true when it was dealt with (and closed). */
static bool serve_pending(agent *a, pending *p)
{
    ssize_t n = recv(p->fd, p->buf + p->got, sizeof p->buf - p->got, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    if (n <= 0)
        return true; /* gone before it said anything */
    p->got += (size_t)n;
    char wanted[DEPLOY_BACKEND_NAME_MAX + 1], err[256];
    size_t used = 0;
    enum agent_request r = agent_parse_preamble(p->buf, p->got, wanted, sizeof wanted, &used, err, sizeof err);
    if (r == AGENT_NEED_MORE)
        return false;
    if (r == AGENT_BAD) {
        log_event(a, "bad_client", "ss", "peer", p->peer, "reason", err);
        return true;
    }
    if (r == AGENT_INFO) {
        answer_info(a, p);
        return true;
    }
    if (used != p->got) {
        refuse(a, p, "the client sent bytes after its preamble before the answer");
    } else if (a->stopping) {
        refuse(a, p, "the agent is stopping; try another host");
    } else if (wanted[0] && strcmp(wanted, a->opt->backend->name) != 0) {
        char why[256];
        snprintf(why, sizeof why, "this agent runs %s Keeps, not %s; use --backend %s or another host",
                 a->opt->backend->name, wanted, a->opt->backend->name);
        refuse(a, p, why);
    } else if (a->nkeeps >= a->opt->max_keeps) {
        char why[256];
        snprintf(why, sizeof why, "the agent already runs %zu Keeps, its limit (--max-keeps %u); try again later "
                 "or another host", a->nkeeps, a->opt->max_keeps);
        refuse(a, p, why);
    } else {
        start_keep(a, p);
    }
    return true;
}

static int poll_timeout(const agent *a, long long now)
{
    long long next = -1;
    for (size_t i = 0; i < a->npend; i++)
        if (next < 0 || a->pend[i].deadline < next)
            next = a->pend[i].deadline;
    for (size_t i = 0; i < a->nkeeps; i++) {
        long long d = a->opt->keep_timeout_s ? a->keeps[i].started + (long long)a->opt->keep_timeout_s * 1000 : -1;
        if (a->stopping && (d < 0 || a->stop_deadline < d))
            d = a->stop_deadline;
        if (d >= 0 && (next < 0 || d < next))
            next = d;
    }
    if (next < 0)
        return -1;
    return next <= now ? 0 : next - now > 60000 ? 60000 : (int)(next - now);
}

static void handle_signals(agent *a)
{
    struct signalfd_siginfo si;
    while (read(a->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD) {
            reap(a);
        } else if (!a->stopping) {
            a->stopping = true;
            a->stop_deadline = now_ms() + (long long)a->opt->grace_s * 1000;
            close(a->listen_fd);
            a->listen_fd = -1;
            while (a->npend)
                drop_pending(a, 0);
            log_event(a, "stopping", "sii", "signal", strsignal((int)si.ssi_signo), "keeps_running",
                      (long long)a->nkeeps, "grace_s", (long long)a->opt->grace_s);
        }
    }
}

int agent_run(const agent_options *opt)
{
    agent a = {.opt = opt, .listen_fd = -1, .sig_fd = -1};
    char err[512];
    if (strcmp(opt->backend->name, "nil") == 0) {
        if (measure_file_sha384(opt->exec_path, a.claim_buf, err, sizeof err) != 0) {
            fprintf(stderr, "enarx host: %s\n", err);
            return 1;
        }
        a.claim = a.claim_buf;
    }
    int port = 0;
    a.listen_fd = open_listener(opt->listen, err, sizeof err, &port);
    if (a.listen_fd < 0) {
        fprintf(stderr, "enarx host: %s\n", err);
        return 1;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    a.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (a.sig_fd < 0) {
        fprintf(stderr, "enarx host: signalfd: %s\n", strerror(errno));
        close(a.listen_fd);
        return 1;
    }
    log_event(&a, "listening", "sisiii", "listen", opt->listen, "port", (long long)port, "backend",
              opt->backend->name, "max_keeps", (long long)opt->max_keeps, "keep_memory_mib",
              (long long)opt->keep_memory_mib, "keep_timeout_s", (long long)opt->keep_timeout_s);
    if (opt->ready_fd >= 0) {
        dprintf(opt->ready_fd, "ready %d\n", port);
        close(opt->ready_fd);
    }
    while (!a.stopping || a.nkeeps > 0) {
        struct pollfd fds[2 + MAX_PENDING];
        nfds_t n = 0;
        fds[n++] = (struct pollfd){.fd = a.sig_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = a.listen_fd, .events = POLLIN};
        for (size_t i = 0; i < a.npend; i++)
            fds[n++] = (struct pollfd){.fd = a.pend[i].fd, .events = POLLIN};
        long long now = now_ms();
        if (poll(fds, n, poll_timeout(&a, now)) < 0 && errno != EINTR)
            break;
        now = now_ms();
        if (fds[0].revents)
            handle_signals(&a);
        if (a.stopping)
            goto timers;
        for (size_t i = a.npend; i-- > 0;) {
            if (fds[2 + i].revents && serve_pending(&a, &a.pend[i]))
                drop_pending(&a, i);
            else if (now >= a.pend[i].deadline) {
                log_event(&a, "bad_client", "ss", "peer", a.pend[i].peer, "reason", "no preamble in time");
                drop_pending(&a, i);
            }
        }
        if (fds[1].revents)
            accept_clients(&a);
    timers:
        enforce_timeouts(&a, now);
    }
    log_event(&a, "stopped", "");
    if (a.listen_fd >= 0)
        close(a.listen_fd);
    close(a.sig_fd);
    free(a.keeps);
    return 0;
}
