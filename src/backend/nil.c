/* The nil backend: the exec runs as a plain child process. No isolation at
 * all; for development. The same exec binary is a Keep's payload elsewhere. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/workload_stream.h"
#include "backend/backend.h"

static void nil_probe(backend_report *r)
{
    backend_add_check(r, 0, true, "Plain process", "no isolation: for development only");
}

static pid_t child;

static void forward(int sig)
{
    if (child > 0)
        kill(child, sig);
}

/* Only what a sanitizer build needs passes into the exec's environment. */
static char **exec_environment(void)
{
    static char *env[8];
    static const char *const keep[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL};
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
    if (dup2(a->stream, WL_STREAM_FD) < 0) {
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
static pid_t start_exec(const char *path, int stream)
{
    /* 16-byte aligned; the child needs a few hundred bytes (system call
     * wrappers only). Kept small: the deeper this frame, the more stack
     * pages enarx faults in. */
    _Alignas(16) char stack[8 * 1024];
    char *argv[] = {(char *)"enarx-exec", NULL};
    start_args a = {.path = path, .argv = argv, .envp = exec_environment(), .stream = stream};
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
    errno = saved;
    return pid;
}

static int nil_launch(const backend_launch *l, char *err, size_t errlen)
{
    int stream = l->stream_fd;
    if (stream == WL_STREAM_FD) { /* dup2 onto itself would keep close-on-exec */
        stream = fcntl(l->stream_fd, F_DUPFD_CLOEXEC, 10);
        if (stream < 0) {
            snprintf(err, errlen, "fcntl: %s", strerror(errno));
            return -1;
        }
    }
    /* Ctrl-C reaches the Keep through the terminal; enarx waits for it to end. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, pass = {.sa_handler = forward}, old_int, old_quit,
                     old_term, old_hup;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    sigaction(SIGTERM, &pass, &old_term);
    sigaction(SIGHUP, &pass, &old_hup);

    pid_t pid = start_exec(l->exec_path, stream);
    int rc = pid > 0 ? 0 : errno;
    if (stream != l->stream_fd)
        close(stream);
    int status = -1;
    if (rc != 0) {
        snprintf(err, errlen, "cannot start %s: %s", l->exec_path, strerror(rc));
    } else {
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
            if (sig != SIGINT && sig != SIGTERM && sig != SIGHUP && sig != SIGPIPE)
                fprintf(stderr, "enarx: the Keep (%s) was killed by signal %d (%s)\n", l->exec_path, sig,
                        strsignal(sig));
            status = 128 + sig;
        }
    }
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
