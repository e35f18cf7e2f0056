/* enarx host: the host agent (src/agent/, docs/deploy.md). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "backend/backend.h"
#include "cli/log.h"

int cmd_host(int argc, char **argv);

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx host --listen <ADDR:PORT> [OPTIONS]\n"
            "\n"
            "The host agent: for every `enarx deploy --host` client it starts one Keep and\n"
            "hands it the connection. It holds no key and sees no workload: only a short\n"
            "plain-text preamble, then TLS between the client and the Keep. It answers info\n"
            "requests (JSON) and logs one line per event on stderr. SIGTERM: stop accepting,\n"
            "let running Keeps finish for the grace period, then stop them.\n"
            "\n"
            "Options:\n"
            "  --listen <ADDR:PORT>       where to accept clients (e.g. 0.0.0.0:8443, [::]:8443)\n"
            "  --backend <B>              nil, kvm, ... (default: the first available)\n"
            "  --max-keeps <N>            Keeps at once; more clients are refused (default 16)\n"
            "  --keep-memory <MiB>        each Keep's memory (default: the backend's)\n"
            "  --keep-timeout <S>         stop a Keep after S seconds (default 0: never)\n"
            "  --grace <S>                on SIGTERM, how long Keeps may finish (default 10)\n"
            "  --log-format <text|json>   the agent's log (default text)\n"
            "  --log-level <LEVEL>        the Keeps' log level [env: ENARX_LOG]\n"
            "  -h, --help                 this help\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("enarx host: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nRun `enarx host --help` for the options.\n", stderr);
    return 2;
}

static int parse_uint(const char *opt, const char *v, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || errno || x > max || v[0] == '-')
        return usage_error("%s %s: expected a whole number from 0 to %llu", opt, v, max);
    *out = x;
    return 0;
}

int cmd_host(int argc, char **argv)
{
    agent_options o = {.max_keeps = 16, .grace_s = 10, .ready_fd = -1, .log_level = ENARX_LOG_WARN};
    const char *backend_name = getenv("ENARX_BACKEND");
    const char *log_env = getenv("ENARX_LOG");
    if (log_env && *log_env && cli_log_parse(log_env) >= 0)
        o.log_level = cli_log_parse(log_env);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        static const char *const opts[] = {"--listen", "--backend", "--max-keeps", "--keep-memory",
                                           "--keep-timeout", "--grace", "--log-format", "--log-level"};
        size_t k = 0;
        const char *v = NULL;
        for (; k < sizeof opts / sizeof opts[0]; k++) {
            size_t n = strlen(opts[k]);
            if (strncmp(a, opts[k], n) == 0 && (a[n] == 0 || a[n] == '=')) {
                v = a[n] == '=' ? a + n + 1 : i + 1 < argc ? argv[++i] : NULL;
                break;
            }
        }
        if (k == sizeof opts / sizeof opts[0])
            return usage_error("unknown option '%s'", a);
        if (!v)
            return usage_error("%s needs a value", opts[k]);
        unsigned long long x = 0;
        switch (k) {
        case 0: o.listen = v; break;
        case 1: backend_name = v; break;
        case 2:
            if (parse_uint(opts[k], v, 4096, &x))
                return 2;
            o.max_keeps = (unsigned)x;
            break;
        case 3:
            if (parse_uint(opts[k], v, 1u << 20, &x))
                return 2;
            o.keep_memory_mib = x;
            break;
        case 4:
            if (parse_uint(opts[k], v, 7ull * 24 * 3600, &x))
                return 2;
            o.keep_timeout_s = (unsigned)x;
            break;
        case 5:
            if (parse_uint(opts[k], v, 3600, &x))
                return 2;
            o.grace_s = (unsigned)x;
            break;
        case 6:
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
                return usage_error("--log-format %s: expected text or json", v);
            o.json_log = strcmp(v, "json") == 0;
            break;
        default:
            if ((o.log_level = cli_log_parse(v)) < 0)
                return usage_error("--log-level %s: expected error, warn, info, debug or trace", v);
        }
    }
    if (!o.listen)
        return usage_error("--listen is required");
    char err[1024], exec_path[PATH_MAX];
    o.backend = backend_select(backend_name, err, sizeof err);
    if (!o.backend) {
        fprintf(stderr, "enarx host: %s\n", err);
        return 2;
    }
    if (backend_exec_path(exec_path, sizeof exec_path, err, sizeof err) != 0) {
        fprintf(stderr, "enarx host: %s\n", err);
        return 1;
    }
    o.exec_path = exec_path;
    return agent_run(&o);
}
