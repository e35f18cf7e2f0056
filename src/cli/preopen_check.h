/* Host side of the preopen rule (config/preopen_fs.h): before a Keep starts,
 * `enarx run` refuses a --dir or Enarx.toml `dir` on a pseudo file system,
 * or with one mounted below it, with a message that says which and why. */
#ifndef CLI_PREOPEN_CHECK_H
#define CLI_PREOPEN_CHECK_H

#include <stddef.h>

/* 0 when dir may be preopened; else 2 with the reason in err. */
int preopen_check(const char *dir, char *err, size_t errlen);

/* One line of /proc/self/mountinfo: its mount id, mount point (unescaped,
 * in place) and file system type. 0, or -1 when the line is malformed. */
int mountinfo_parse(char *line, unsigned long *id, char **point, char **type);

#endif
