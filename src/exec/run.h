/* Runs a workload received on the stream; returns the process exit status:
 * the workload's own (proc_exit), 1 for a trap or a runtime failure, 2 for a
 * configuration or input error. */
#ifndef EXEC_RUN_H
#define EXEC_RUN_H

#include "exec/stream.h"
#include "wasi/wasi.h"

/* Where the workload's stdio goes instead of the host's descriptors 0-2
 * (deploy mode: the attested channel). NULL entries keep the host's. */
typedef struct exec_io {
    const wasi_channel *stdio[3];
} exec_io;

/* io may be NULL. The stream's secrets (deploy only) appear read-only in
 * /run/secrets, the last preopen. */
int exec_run(const wl_stream *stream, const exec_io *io);

#endif
