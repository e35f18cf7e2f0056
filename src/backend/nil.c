/* The nil backend: the exec runs as a plain child process. No isolation at
 * all; for development. The same exec binary is a Keep's payload elsewhere. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/backend.h"
#include "exec/stream_format.h"

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
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, stream, WL_STREAM_FD);
    char *argv[] = {(char *)"enarx-exec", NULL};

    /* Ctrl-C reaches the Keep through the terminal; enarx waits for it to end. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, pass = {.sa_handler = forward}, old_int, old_quit,
                     old_term, old_hup;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    sigaction(SIGTERM, &pass, &old_term);
    sigaction(SIGHUP, &pass, &old_hup);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGQUIT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);

    int rc = posix_spawn(&child, l->exec_path, &actions, &attr, argv, exec_environment());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
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
    .summary = "a plain process (no isolation; for development)",
    .probe = nil_probe,
    .launch = nil_launch,
};
