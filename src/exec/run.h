/* Runs a workload received on the stream; returns the process exit status:
 * the workload's own (proc_exit), 1 for a trap or a runtime failure, 2 for a
 * configuration or input error. */
#ifndef EXEC_RUN_H
#define EXEC_RUN_H

#include "exec/stream.h"

int exec_run(const wl_stream *stream);

#endif
