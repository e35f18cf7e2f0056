/* Shared by the Keep conformance programs: each prints what it observed, one
 * fact per line, and exits non-zero if a check failed. The suite runs each
 * program natively and in a Keep and compares the two transcripts. */
#ifndef KEEP_PROG_H
#define KEEP_PROG_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int prog_failed;

#define EXPECT(cond)                                                               \
    do {                                                                           \
        if (!(cond)) {                                                             \
            printf("FAIL %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__, #cond, errno, \
                   strerror(errno));                                               \
            prog_failed = 1;                                                       \
        }                                                                          \
    } while (0)

static inline int prog_done(void)
{
    printf("%s\n", prog_failed ? "FAILED" : "done");
    fflush(stdout);
    return prog_failed;
}

#endif
