/* enarx config: create (init) or check an Enarx.toml. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/run_config.h"
#include "config/enarx_config.h"

int cmd_config(int argc, char **argv);

#define CONFIG_FILE "Enarx.toml"

static void config_usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx config <command>\n\n"
            "Commands:\n"
            "  init           write a commented Enarx.toml template in the current directory\n"
            "  check [FILE]   check an Enarx.toml (default ./Enarx.toml) and show what the\n"
            "                 workload will get\n\n"
            "Run `enarx config <command> --help` for details.\n");
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* Writes all of text to fd; false on any error (errno set). */
static bool write_all(int fd, const char *text, size_t len)
{
    while (len) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        text += n;
        len -= (size_t)n;
    }
    return true;
}

static int config_init(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("Usage: enarx config init\n\n"
               "Writes " CONFIG_FILE " in the current directory: a commented template that gives\n"
               "the workload stdin, stdout and stderr, with examples (arguments, environment,\n"
               "listening and connecting sockets, host directories, TLS trust anchors) to\n"
               "uncomment. Never overwrites an existing " CONFIG_FILE " (exit status 1).\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "enarx config init: unexpected argument '%s'; run `enarx config init --help`\n",
                argv[1]);
        return 2;
    }
    /* O_EXCL: refuse an existing file (or symlink) atomically. */
    int fd = open(CONFIG_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            fprintf(stderr, "enarx config init: " CONFIG_FILE " already exists in this directory; "
                    "not overwriting it (remove or rename it first)\n");
        else
            fprintf(stderr, "enarx config init: cannot create " CONFIG_FILE ": %s\n", strerror(errno));
        return 1;
    }
    const char *text = enarx_config_template();
    if (!write_all(fd, text, strlen(text)) || fsync(fd) != 0) {
        int saved = errno;
        close(fd);
        unlink(CONFIG_FILE);
        fprintf(stderr, "enarx config init: cannot write " CONFIG_FILE ": %s\n", strerror(saved));
        return 1;
    }
    if (close(fd) != 0) {
        int saved = errno;
        unlink(CONFIG_FILE);
        fprintf(stderr, "enarx config init: cannot write " CONFIG_FILE ": %s\n", strerror(saved));
        return 1;
    }
    printf("Wrote " CONFIG_FILE "; edit it, then check it with `enarx config check`.\n");
    return 0;
}

static void print_anchors(const enarx_trust_anchor *ca, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (ca[i].is_pem)
            printf("%sinline PEM (line %u)", i ? ", " : "", ca[i].line);
        else
            printf("%s%s", i ? ", " : "", ca[i].value);
    }
}

static void print_file(const enarx_config *c, size_t fd)
{
    const enarx_file *f = &c->files[fd];
    printf("  fd %-3zu %-8s %s", fd, enarx_file_kind_name(f->kind), f->name);
    switch (f->kind) {
    case ENARX_FILE_LISTEN:
        printf(": %s, listening on %s%s%s:%u", enarx_prot_name(f->prot), strchr(f->addr, ':') ? "[" : "",
               f->addr, strchr(f->addr, ':') ? "]" : "", f->port);
        break;
    case ENARX_FILE_CONNECT: {
        printf(": %s, connecting to %s%s%s:%u", enarx_prot_name(f->prot), strchr(f->host, ':') ? "[" : "",
               f->host, strchr(f->host, ':') ? "]" : "", f->port);
        size_t n;
        const enarx_trust_anchor *ca = enarx_config_trust_anchors(c, f, &n);
        if (f->prot == ENARX_PROT_TLS) {
            printf("; trusting ");
            if (n)
                print_anchors(ca, n);
            else
                printf("the runtime's built-in roots");
        }
        break;
    }
    case ENARX_FILE_DIR:
        printf(": host directory %s", f->host);
        break;
    default:
        break;
    }
    printf("\n");
}

static int config_check(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("Usage: enarx config check [FILE]\n\n"
               "Checks FILE (default ./" CONFIG_FILE ") against the Enarx.toml schema, and that\n"
               "the trust-anchor files it names (ca = ...) are regular files `enarx run` can\n"
               "read. If it is valid, shows the workload's arguments, environment and files\n"
               "(fd by fd) and exits 0; otherwise prints FILE:LINE:COLUMN and the problem, and\n"
               "exits 2.\n");
        return 0;
    }
    if (argc > 2) {
        fprintf(stderr, "enarx config check: expected at most one file; run `enarx config check --help`\n");
        return 2;
    }
    const char *path = argc == 2 ? argv[1] : CONFIG_FILE;
    enarx_config_error err;
    enarx_config *c = enarx_config_read_file(path, &err);
    if (!c) {
        fprintf(stderr, "enarx config check: %s\n", err.message);
        return 2;
    }
    /* The trust-anchor files it names must be readable as `enarx run` reads them. */
    run_config anchors = {0};
    char why[1024];
    int rc = run_config_read_anchors(path, c, &anchors, why, sizeof why);
    run_config_free(&anchors);
    if (rc) {
        fprintf(stderr, "enarx config check: %s\n", why);
        enarx_config_free(c);
        return 2;
    }
    printf("%s: valid\n", path);
    printf("argv: main.wasm");
    for (size_t i = 0; i < c->arg_count; i++)
        printf(" %s", c->args[i]);
    printf("\n");
    if (c->has_steward)
        printf("steward: %s\n", c->steward.text);
    char count[24], names[4096];
    enarx_config_fd_count_value(c, count, sizeof count);
    size_t names_len = enarx_config_fd_names_value(c, names, sizeof names);
    printf("env: FD_COUNT=%s\n     FD_NAMES=%s%s\n", count, names, names_len >= sizeof names ? "..." : "");
    for (size_t i = 0; i < c->env_count; i++)
        printf("     %s=%s\n", c->env[i].name, c->env[i].value);
    printf("files:%s\n", c->file_count ? "" : " none (add [[files]] entries for stdin, stdout, ...)");
    for (size_t fd = 0; fd < c->file_count; fd++)
        print_file(c, fd);
    enarx_config_free(c);
    return 0;
}

int cmd_config(int argc, char **argv)
{
    if (argc < 2) {
        config_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        config_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "init") == 0)
        return config_init(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return config_check(argc - 1, argv + 1);
    fprintf(stderr, "enarx config: unknown command '%s'; expected init or check\n", argv[1]);
    return 2;
}
