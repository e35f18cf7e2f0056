/* The enarx command's log: messages on stderr, filtered by a level from
 * --log-level or $ENARX_LOG (error, warn, info, debug, trace). */
#ifndef CLI_LOG_H
#define CLI_LOG_H

#include "abi/log_level.h"

/* Parses a level name (or upstream-style filter such as "enarx=debug");
 * returns the level or -1. */
int cli_log_parse(const char *text);
void cli_log_set(int level);
int cli_log_get(void);
void cli_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
