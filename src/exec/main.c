/* enarx-exec: the Keep's runtime. It reads one workload from file
 * descriptor 3 (abi/workload_stream.h), runs it with WASI and exits with the
 * workload's status. It is started by a backend (`enarx run`), not by users. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/version.h"
#include "abi/workload_stream.h"
#include "exec/log.h"
#include "exec/run.h"
#include "exec/stream.h"

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("enarx-exec %s: the Enarx Keep runtime (WebAssembly engine, WASI preview 1, TLS).\n"
               "It reads a workload stream on file descriptor %d; start it with `enarx run`.\n",
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
    int fd = WL_STREAM_FD;
    wl_stream stream;
    char err[512];
    if (wl_stream_read(&stream, wl_read_fd, &fd, err, sizeof err) != 0) {
        exec_log(ENARX_LOG_ERROR, "%s", err);
        return 2;
    }
    close(WL_STREAM_FD);
    if (stream.log_level >= 0)
        exec_log_init(stream.log_level);
    int status = exec_run(&stream);
    wl_stream_free(&stream);
    return status;
}
