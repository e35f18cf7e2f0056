/* Logging inside the exec. Messages go to a private copy of the standard
 * error descriptor taken at start, so that the workload closing its stderr
 * does not silence the runtime. */
#ifndef EXEC_LOG_H
#define EXEC_LOG_H

#include <stddef.h>

#include "abi/log_level.h"

void exec_log_init(int level);
int exec_log_level(void);
int exec_log_fd(void);
void exec_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A continuation line of the message before (no prefix), at the same level. */
void exec_log_more(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Where messages go instead of the host's stderr (NULL: back to it). In
 * deploy mode they travel to the client inside the attested channel: the
 * host does not learn what the workload did. */
typedef void (*exec_log_sink)(const char *line, size_t len);
void exec_log_set_sink(exec_log_sink sink);

#endif
