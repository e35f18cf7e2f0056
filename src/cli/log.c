#include "cli/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int level = ENARX_LOG_WARN;

int cli_log_parse(const char *text)
{
    static const char *const names[ENARX_LOG_LEVEL_COUNT] = ENARX_LOG_LEVEL_NAMES;
    /* accept upstream's filter syntax "target=level,..." by taking the last level */
    const char *eq = strrchr(text, '=');
    const char *name = eq ? eq + 1 : text;
    for (int i = 0; i < ENARX_LOG_LEVEL_COUNT; i++)
        if (strcasecmp(name, names[i]) == 0)
            return i;
    if (strcasecmp(name, "warning") == 0)
        return ENARX_LOG_WARN;
    return -1;
}

void cli_log_set(int l) { level = l; }
int cli_log_get(void) { return level; }

void cli_log(int l, const char *fmt, ...)
{
    if (l > level)
        return;
    static const char *const prefix[] = {"enarx: ", "enarx: warning: ", "enarx [info]: ",
                                         "enarx [debug]: ", "enarx [trace]: "};
    va_list ap;
    va_start(ap, fmt);
    fputs(prefix[l], stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
