/* Guest-side checks for the WASI workloads: each prints "ok NAME" or
 * "FAIL NAME: ..."; finish() prints the tally and gives the exit status. */
#ifndef WORKLOAD_CHECK_H
#define WORKLOAD_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int passed, failed;
static int verbose = 1;

static void result(int ok, const char *name, const char *fmt, ...)
{
    if (ok) {
        passed++;
        if (verbose)
            printf("ok %s\n", name);
        return;
    }
    failed++;
    printf("FAIL %s", name);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        printf(": ");
        vprintf(fmt, ap);
        va_end(ap);
    }
    printf("\n");
}

/* errno e is one of the allowed values (a 0-terminated list after the first). */
static int errno_in(__wasi_errno_t e, int first, ...)
{
    if (e == first)
        return 1;
    va_list ap;
    va_start(ap, first);
    int v;
    int ok = 0;
    while ((v = va_arg(ap, int)) >= 0)
        if (e == v)
            ok = 1;
    va_end(ap);
    return ok;
}

#define EXPECT_OK(name, call)                                                        \
    do {                                                                             \
        __wasi_errno_t e_ = (call);                                                  \
        result(e_ == 0, name, "errno %d", (int)e_);                                  \
    } while (0)

/* EXPECT_ERR(name, call, E1, E2, ...) */
#define EXPECT_ERR(name, call, ...)                                                  \
    do {                                                                             \
        __wasi_errno_t e_ = (call);                                                  \
        result(errno_in(e_, __VA_ARGS__, -1), name, "errno %d", (int)e_);            \
    } while (0)

#define EXPECT(name, cond, ...) result(!!(cond), name, __VA_ARGS__)

static int finish(const char *what)
{
    printf("%s: %d passed, %d failed\n", what, passed, failed);
    fflush(stdout);
    return failed ? 1 : 0;
}

#endif
