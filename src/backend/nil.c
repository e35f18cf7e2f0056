/* The nil backend: the exec runs as a plain child process. No isolation at
 * all; for development. The same exec binary is a Keep's payload elsewhere. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/deploy.h"
#include "abi/workload_stream.h"
#include "backend/backend.h"

static void nil_probe(backend_report *r)
{
    backend_add_check(r, 0, true, "Plain process", "no isolation: for development only");
}

static volatile pid_t child;
static volatile sig_atomic_t early_signal; /* arrived before the child existed */

/* SIGINT, SIGQUIT, SIGTERM and SIGHUP sent to enarx go to the Keep, as a
 * shell's child would get them; enarx then reports how it ended. */
static void forward(int sig)
{
    if (child > 0)
        kill(child, sig);
    else
        early_signal = sig;
}

/* Only what a sanitizer build needs, and the profiling switch
 * ENARX_PERF_MAP (docs/performance.md), pass into the exec's environment. */
static char **exec_environment(void)
{
    static char *env[8];
    static const char *const keep[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "ENARX_PERF_MAP",
                                       NULL};
    size_t n = 0;
    for (size_t i = 0; keep[i]; i++) {
        for (char **e = environ; *e; e++) {
            size_t len = strlen(keep[i]);
            if (strncmp(*e, keep[i], len) == 0 && (*e)[len] == '=')
                env[n++] = *e;
        }
    }
    env[n] = NULL;
    return env;
}

/* What the child needs between clone and execve; it shares our memory then. */
typedef struct start_args {
    const char *path;
    char **argv;
    char **envp;
    int stream;
    int conn;      /* deploy: the client's connection (-1: none) */
    int attester;  /* deploy, tests: the test attester's socket (-1: none) */
    pid_t parent;  /* enarx: the Keep must not outlive it */
    sigset_t mask; /* the signal mask the Keep starts with */
    int error;     /* set by the child when it cannot start the exec */
} start_args;

/* The child, until execve: on its own stack, in our memory (CLONE_VM), while
 * we are suspended (CLONE_VFORK). System calls only: no allocation, no stdio.
 * Handlers do not survive execve, but ours must not run here either, so
 * every signal stays blocked until they are reset. */
static int start_child(void *p)
{
    start_args *a = p;
    static const int reset[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE};
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++)
        sigaction(reset[i], &dfl, NULL);
    /* The Keep dies with enarx, even a SIGKILLed enarx; and if enarx died
     * before this line, the Keep does not start. (The death signal is tied
     * to the thread that started us: nil_launch's.) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        a->error = errno;
        _exit(127);
    }
    if (getppid() != a->parent) {
        a->error = ESRCH;
        _exit(127);
    }
    if (dup2(a->stream, WL_STREAM_FD) < 0 || (a->conn >= 0 && dup2(a->conn, DEPLOY_CONN_FD) < 0) ||
        (a->attester >= 0 && dup2(a->attester, DEPLOY_ATTESTER_FD) < 0)) {
        a->error = errno;
        _exit(127);
    }
    sigprocmask(SIG_SETMASK, &a->mask, NULL);
    execve(a->path, a->argv, a->envp);
    a->error = errno;
    _exit(127);
}

/* Starts the exec as a child, like posix_spawn but without its start-up
 * work: glibc's child walks all 64 signals (~120 sigaction calls, ~4 us each
 * in a VM) and maps a fresh stack; ours resets the five signals enarx
 * touches, on a buffer of this frame. Returns the pid, or -1 with errno. */
static pid_t start_exec(const char *path, int stream, int conn, int attester)
{
    /* 16-byte aligned; the child needs a few hundred bytes (system call
     * wrappers only). Kept small: the deeper this frame, the more stack
     * pages enarx faults in. */
    _Alignas(16) char stack[8 * 1024];
    char *argv[] = {(char *)"enarx-exec", NULL};
    start_args a = {.path = path, .argv = argv, .envp = exec_environment(), .stream = stream, .conn = conn,
                    .attester = attester, .parent = getpid()};
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &a.mask);
    pid_t pid = clone(start_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
    int saved = errno;
    if (pid > 0 && a.error) {
        /* it could not execve: it has exited with 127 */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        saved = a.error;
        pid = -1;
    }
    if (pid > 0)
        child = pid; /* before any signal can reach forward() */
    sigprocmask(SIG_SETMASK, &a.mask, NULL);
    if (pid > 0 && early_signal)
        kill(pid, early_signal);
    errno = saved;
    return pid;
}

/* A descriptor the child dup2()s to a fixed number: out of the way of the
 * numbers it is dup2()ed to (dup2 onto itself would keep close-on-exec). */
static int movable(int fd, int *made)
{
    *made = -1;
    if (fd < 0 || fd > DEPLOY_ATTESTER_FD)
        return fd;
    *made = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    return *made;
}

/* Tests only: answers the exec's evidence requests (abi/deploy.h) until it
 * closes its end; the child is reaped by the caller. */
static void serve_attester(const keep_attester *att, int fd)
{
    uint8_t rd[64];
    for (;;) {
        size_t got = 0;
        while (got < sizeof rd) {
            ssize_t n = read(fd, rd + got, sizeof rd - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return;
            got += (size_t)n;
        }
        uint8_t *ev = NULL;
        size_t len = 0;
        uint32_t kind = 0;
        if (att->fill(att->ctx, rd, &ev, &len, &kind) != 0)
            len = 0;
        uint8_t head[8] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24),
                           (uint8_t)kind, (uint8_t)(kind >> 8), (uint8_t)(kind >> 16), (uint8_t)(kind >> 24)};
        int ok = write(fd, head, sizeof head) == (ssize_t)sizeof head && (len == 0 || write(fd, ev, len) == (ssize_t)len);
        free(ev);
        if (!ok)
            return;
    }
}

static void close_all(const int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static int nil_launch(const backend_launch *l, char *err, size_t errlen)
{
    /* [0] stream copy, [1] connection copy, [2] attester copy, [3] [4] the attester pair */
    int mine[5] = {-1, -1, -1, -1, -1};
    int stream = movable(l->stream_fd, &mine[0]);
    int conn = l->deploy ? movable(l->conn_fd, &mine[1]) : -1;
    int att = -1;
    if (l->deploy && l->attester && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, &mine[3]) == 0)
        att = movable(mine[4], &mine[2]);
    if (stream < 0 || (l->deploy && conn < 0) || (l->deploy && l->attester && att < 0)) {
        snprintf(err, errlen, "cannot hand descriptors to the Keep: %s", strerror(errno));
        close_all(mine, 5);
        return -1;
    }
    /* Signals to enarx reach the Keep (Ctrl-C reaches it through the
     * terminal too: twice is harmless); enarx waits for it to end. */
    early_signal = 0;
    struct sigaction pass = {.sa_handler = forward}, old_int, old_quit, old_term, old_hup;
    sigaction(SIGINT, &pass, &old_int);
    sigaction(SIGQUIT, &pass, &old_quit);
    sigaction(SIGTERM, &pass, &old_term);
    sigaction(SIGHUP, &pass, &old_hup);

    pid_t pid = start_exec(l->exec_path, stream, conn, att);
    int rc = pid > 0 ? 0 : errno;
    int keep_end = mine[3];
    mine[3] = -1;
    close_all(mine, 5); /* the Keep has its copies; ours would keep the client's connection open */
    int status = -1;
    if (rc != 0) {
        snprintf(err, errlen, "cannot start %s: %s", l->exec_path, strerror(rc));
    } else {
        if (keep_end >= 0)
            serve_attester(l->attester, keep_end); /* until the Keep closes its end or exits */
        int ws;
        pid_t got;
        do
            got = waitpid(child, &ws, 0);
        while (got < 0 && errno == EINTR);
        if (got < 0) {
            snprintf(err, errlen, "waitpid: %s", strerror(errno));
        } else if (WIFEXITED(ws)) {
            status = WEXITSTATUS(ws);
        } else if (WIFSIGNALED(ws)) {
            int sig = WTERMSIG(ws);
            if (!l->quiet && sig != SIGINT && sig != SIGTERM && sig != SIGHUP && sig != SIGPIPE)
                fprintf(stderr, "enarx: the Keep (%s) was killed by signal %d (%s)\n", l->exec_path, sig,
                        strsignal(sig));
            status = 128 + sig;
        }
    }
    if (keep_end >= 0)
        close(keep_end);
    child = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return status;
}

const backend backend_nil = {
    .name = "nil",
    .summary = "a plain process: no isolation, for development",
    .probe = nil_probe,
    .launch = nil_launch,
};
