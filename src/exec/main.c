/* enarx-exec: the Keep's runtime. File descriptor 3 holds either a workload
 * stream (abi/workload_stream.h: `enarx run`), which it runs with WASI, or a
 * deploy launch record (abi/deploy.h: `enarx host`, `enarx deploy`), which
 * makes it serve an attested deployment on fd 4. It exits with the
 * workload's status. It is started by a backend, not by users. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/deploy.h"
#include "abi/version.h"
#include "abi/workload_stream.h"
#include "exec/deploy.h"
#include "exec/log.h"
#include "exec/run.h"
#include "exec/stream.h"

/* fd 3 after its first 8 bytes, which were read to tell the two apart */
typedef struct prefixed {
    const uint8_t *head;
    size_t head_len, head_pos;
    int fd;
} prefixed;

static ssize_t read_prefixed(void *source, void *buf, size_t len)
{
    prefixed *p = source;
    if (p->head_pos < p->head_len) {
        size_t n = p->head_len - p->head_pos < len ? p->head_len - p->head_pos : len;
        memcpy(buf, p->head + p->head_pos, n);
        p->head_pos += n;
        return (ssize_t)n;
    }
    return wl_read_fd(&p->fd, buf, len);
}

static size_t read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = wl_read_fd(&fd, buf + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

static int run_stream(prefixed *source)
{
    wl_stream stream;
    char err[512];
    if (wl_stream_read(&stream, read_prefixed, source, err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "%s", err);
        return 2;
    }
    close(WL_STREAM_FD);
    if (stream.secret_count > 0) {
        exec_log(ENARX_LOG_ERROR, "workload stream: SECRET frames travel only inside an attested deploy "
                                  "(`enarx deploy --secret`), never through the host");
        wl_stream_free(&stream);
        return 2;
    }
    if (stream.log_level >= 0)
        exec_log_init(stream.log_level);
    int status = exec_run(&stream, NULL);
    wl_stream_free(&stream);
    return status;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("enarx-exec %s: the Enarx Keep runtime (WebAssembly engine, WASI preview 1, TLS).\n"
               "It reads a workload stream or a deploy launch record on file descriptor %d; start it\n"
               "with `enarx run`, `enarx deploy` or `enarx host`.\n",
               ENARX_VERSION, WL_STREAM_FD);
        return 0;
    }
    /* inside a Keep there are no signals; here, a closed pipe is an EPIPE error */
    signal(SIGPIPE, SIG_IGN);
    exec_log_init(ENARX_LOG_WARN);
    struct stat st;
    if (fstat(WL_STREAM_FD, &st) != 0) {
        exec_log(ENARX_LOG_ERROR, "enarx-exec expects a workload stream on file descriptor %d; "
                            "it is started by `enarx run`, not directly", WL_STREAM_FD);
        return 2;
    }
    uint8_t head[DEPLOY_LAUNCH_LEN];
    size_t got = read_full(WL_STREAM_FD, head, WL_MAGIC_LEN);
    if (got == WL_MAGIC_LEN && memcmp(head, DEPLOY_LAUNCH_MAGIC, DEPLOY_MAGIC_LEN) == 0) {
        got += read_full(WL_STREAM_FD, head + got, sizeof head - got);
        close(WL_STREAM_FD);
        return exec_deploy(head, got);
    }
    prefixed source = {head, got, 0, WL_STREAM_FD};
    return run_stream(&source);
}
