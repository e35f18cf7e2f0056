/* enarx unstable exec: runs any static x86-64 ELF as the exec of a Keep, in
 * place of the WebAssembly runtime (as upstream Enarx's hidden command). Used
 * by the Keep's conformance tests and benchmarks. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/kvm/kvm.h"
#include "backend/sev/sev.h"
#include "common/file.h"
#include "common/hex.h"
#include "snp/snp.h"
#include "cli/commands.h"
#include "cli/log.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx unstable exec [OPTIONS] BINARY [ARGS...]\n\n"
            "Runs the static x86-64 ELF BINARY as the exec of a KVM or SEV-SNP Keep (argv = BINARY\n"
            "ARGS...). The exit status is the program's.\n\n"
            "Options:\n"
            "  --backend kvm|sev      the Keep backend (default kvm; nil and sgx cannot run one)\n"
            "  --memory SIZE          the Keep's memory, e.g. 512M, 4G (default 2G)\n"
            "  --env NAME=VALUE       an environment variable for the program (repeatable;\n"
            "                         the default environment is LANG=C)\n"
            "  --fd N                 also give the Keep the host's fd N as its fd N (repeatable)\n"
            "  --sallyport MODE       exit (a VM exit per request) or exitless (a host thread\n"
            "                         polls the block while the Keep spins; default exit)\n"
            "  --sallyport-size SIZE  the block's data area (default 1M)\n"
            "  --coalesce-writes      let small writes travel with the next request\n"
            "  --host-files           let the program open and change host files (default: none)\n"
            "  --log-level LEVEL      error, warn, info, debug or trace (default warn)\n"
            "  --stats                print start-up time and VM exits to stderr at the end\n"
            "  --measured-launch      launch BINARY as a measured (deploy) Keep would be: the\n"
            "                         launch options of `enarx keep measure --backend kvm`\n"
            "                         (no ARGS, no --env; fd 3 /dev/null, fd 4 a UNIX socket), and\n"
            "                         print the VMM's launch measurement to stderr\n"
            "SEV-SNP (--backend sev):\n"
            "  --id-block FILE        the 96-byte ID block for SNP_LAUNCH_FINISH (`enarx sign`)\n"
            "  --id-auth FILE         its 4096-byte ID_AUTH (with --id-block; says whether an\n"
            "                         author key signed the ID key)\n"
            "  --signatures FILE      the ID block and ID_AUTH from `enarx sign` (instead of the two\n"
            "                         options above)\n"
            "  --host-data HEX        32 bytes (64 hex digits) the report carries as HOST_DATA\n"
            "  --snp-certs FILE       a certificate table (GHCB format) for the extended guest\n"
            "                         request, where the kernel offers it\n");
}

/* The enarx command's one parser of level names (cli/log.c). */
static int parse_level(const char *s, enum enarx_log_level *out)
{
    int level = cli_log_parse(s);
    if (level < 0)
        return -1;
    *out = (enum enarx_log_level)level;
    return 0;
}

#define MAX_ENV 64

/* What the command line asks for. */
typedef struct unstable_options {
    struct kvm_keep_options keep;
    char *env[MAX_ENV + 1];
    int env_count;
    int stats;
    int measured_launch;
    int sev;
    const char *id_block, *id_auth, *certs, *signatures;
    const char *host_data;
} unstable_options;

static int option_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int option_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("enarx unstable exec: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

/* A flag without a value. Returns 1 if `o` is one. */
static int parse_flag(const char *o, unstable_options *u)
{
    if (strcmp(o, "--coalesce-writes") == 0)
        u->keep.coalesce = 1;
    else if (strcmp(o, "--stats") == 0)
        u->stats = 1;
    else if (strcmp(o, "--host-files") == 0)
        u->keep.host_files = 1;
    else if (strcmp(o, "--measured-launch") == 0)
        u->measured_launch = 1;
    else
        return 0;
    return 1;
}

static int parse_fd(const char *v, struct kvm_keep_options *keep)
{
    char *end;
    long fd = strtol(v, &end, 10);
    if (*end || fd < 3 || fd >= KVM_KEEP_MAX_FDS) {
        fprintf(stderr, "enarx unstable exec: --fd '%s' must be a number from 3 to %d\n", v, KVM_KEEP_MAX_FDS - 1);
        return 2;
    }
    keep->fds[fd] = (int)fd;
    if (fd >= keep->nfds)
        keep->nfds = (int)fd + 1;
    return 0;
}

/* An option with a value. Returns 0, 2 for a bad value, or -1 if `o` is no
 * such option. */
static int parse_valued(const char *o, const char *v, unstable_options *u)
{
    struct kvm_keep_options *keep = &u->keep;
    if (strcmp(o, "--backend") == 0) {
        if (strcmp(v, "kvm") != 0 && strcmp(v, "sev") != 0)
            return option_error("backend '%s' cannot run an arbitrary executable; use --backend kvm or sev", v);
        u->sev = strcmp(v, "sev") == 0;
        return 0;
    }
    if (strcmp(o, "--id-block") == 0 || strcmp(o, "--id-auth") == 0 || strcmp(o, "--snp-certs") == 0 ||
        strcmp(o, "--host-data") == 0 || strcmp(o, "--signatures") == 0) {
        *(strcmp(o, "--id-block") == 0    ? &u->id_block
          : strcmp(o, "--id-auth") == 0   ? &u->id_auth
          : strcmp(o, "--snp-certs") == 0 ? &u->certs
          : strcmp(o, "--signatures") == 0 ? &u->signatures
                                           : &u->host_data) = v;
        return 0;
    }
    if (strcmp(o, "--memory") == 0)
        return (keep->mem_size = kvm_parse_size(v)) ? 0
                                                    : option_error("--memory '%s' is not a size like 512M or 4G", v);
    if (strcmp(o, "--sallyport-size") == 0)
        return (keep->sallyport_size = kvm_parse_size(v)) ? 0 : option_error("--sallyport-size '%s' is not a size", v);
    if (strcmp(o, "--sallyport") == 0) {
        if (strcmp(v, "exit") != 0 && strcmp(v, "exitless") != 0)
            return option_error("--sallyport must be exit or exitless, not '%s'", v);
        keep->exitless = strcmp(v, "exitless") == 0;
        return 0;
    }
    if (strcmp(o, "--log-level") == 0)
        return parse_level(v, &keep->log_level) == 0
                   ? 0 : option_error("--log-level '%s' is not error, warn, info, debug or trace", v);
    if (strcmp(o, "--env") == 0) {
        if (!strchr(v, '=') || u->env_count == MAX_ENV)
            return option_error("--env '%s' is not NAME=VALUE (at most 64)", v);
        u->env[u->env_count++] = (char *)v;
        return 0;
    }
    if (strcmp(o, "--fd") == 0)
        return parse_fd(v, keep);
    return -1;
}

/* Parses the options; *first = the index of BINARY. Returns 0, -1 after
 * --help, or 2. */
static int parse_options(int argc, char **argv, unstable_options *u, int *first)
{
    memset(u, 0, sizeof *u);
    kvm_keep_options_init(&u->keep);
    for (int fd = 0; fd < 3; fd++)
        u->keep.fds[fd] = fd;
    u->keep.nfds = 3;
    const char *env_level = getenv("ENARX_LOG");
    if (env_level && parse_level(env_level, &u->keep.log_level) < 0) {
        fprintf(stderr, "enarx: ENARX_LOG '%s' is not error, warn, info, debug or trace\n", env_level);
        return 2;
    }
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (parse_flag(o, u))
            continue;
        if (i + 1 >= argc)
            return option_error("%s needs a value", o);
        int rc = parse_valued(o, argv[++i], u);
        if (rc < 0) {
            option_error("unknown option '%s'", o);
            usage(stderr);
            return 2;
        }
        if (rc)
            return rc;
    }
    if (i >= argc) {
        fprintf(stderr, "enarx unstable exec: no BINARY given\n");
        usage(stderr);
        return 2;
    }
    *first = i;
    return 0;
}

static void print_stats(const struct kvm_keep_stats *s)
{
    fprintf(stderr,
            "enarx: keep stats: setup %.0f us (exec file %.0f, VM and vCPU %.0f, memory image %.0f, registers "
            "and threads %.0f), run %.0f us, %llu VM exits, %llu sallyport batches\n",
            s->setup_us, s->read_us, s->vm_us, s->image_us, s->vcpu_us, s->run_us,
            (unsigned long long)s->exits, (unsigned long long)s->batches);
}

/* The launch options of a measured Keep, with stand-ins for the deploy
 * launch's fd 3 (the launch record) and fd 4 (the connection). */
static int measured_options(unstable_options *u, const char *binary, int *extra)
{
    uint64_t mem = u->keep.mem_size;
    kvm_keep_options_measured(&u->keep, mem);
    u->keep.exec_path = binary;
    int pair[2];
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        perror("enarx unstable exec: --measured-launch");
        return -1;
    }
    u->keep.fds[3] = null;
    u->keep.fds[4] = pair[0];
    extra[0] = null;
    extra[1] = pair[0];
    extra[2] = pair[1];
    return 0;
}

/* A file of exactly len bytes (an ID block, an ID_AUTH) into buf. */
static int read_exact(const char *option, const char *path, uint8_t *buf, size_t len)
{
    file_contents f;
    char why[256];
    if (file_read_all(path, len + 1, 0, &f, why, sizeof why) != FILE_OK)
        return option_error("%s %s: %s", option, path, why);
    int ok = f.size == len;
    if (ok)
        memcpy(buf, f.data, len);
    file_contents_free(&f);
    return ok ? 0 : option_error("%s %s: %zu bytes, not %zu", option, path, f.size, len);
}

/* The Keep as an SEV-SNP guest. 2 for a bad option. */
static int sev_exec(const unstable_options *u, struct kvm_keep_result *res, char *err, size_t errlen)
{
    static uint8_t id_block[96], id_auth[4096];
    memset(res, 0, sizeof *res);
    res->outcome = KVM_KEEP_FAILED;
    res->status = 1;
    struct sev_keep_options o;
    sev_keep_options_init(&o);
    o.keep = u->keep;
    if (!u->id_block != !u->id_auth)
        return option_error("--id-block and --id-auth go together");
    if (u->signatures && u->id_block)
        return option_error("--signatures or --id-block/--id-auth, not both");
    if (u->signatures) {
        if (snp_signatures_read(u->signatures, id_block, id_auth, &o.auth_key_en, err, errlen) < 0)
            return option_error("--signatures %s", err);
        o.id_block = id_block;
        o.id_auth = id_auth;
    }
    if (u->id_block) {
        if (read_exact("--id-block", u->id_block, id_block, sizeof id_block) ||
            read_exact("--id-auth", u->id_auth, id_auth, sizeof id_auth))
            return 2;
        o.id_block = id_block;
        o.id_auth = id_auth;
        /* ID_AUTH says itself whether an author key is in it. */
        o.auth_key_en = id_auth[4] != 0 || id_auth[5] != 0 || id_auth[6] != 0 || id_auth[7] != 0;
    }
    if (u->host_data) {
        if (strlen(u->host_data) != 64)
            return option_error("--host-data '%s' is not 64 hex digits", u->host_data);
        for (int i = 0; i < 32; i++) {
            int hi = hex_digit_value(u->host_data[2 * (size_t)i]),
                lo = hex_digit_value(u->host_data[2 * (size_t)i + 1]);
            if (hi < 0 || lo < 0)
                return option_error("--host-data '%s' is not 64 hex digits", u->host_data);
            o.host_data[i] = (uint8_t)(hi << 4 | lo);
        }
    }
    o.certs_path = u->certs;
    struct sev_keep_result r;
    int rc = sev_keep_run(&o, &r, err, errlen);
    *res = r.keep;
    res->measured = r.measured;
    memcpy(res->measurement, r.measurement, sizeof res->measurement);
    return rc;
}

static int unstable_exec(int argc, char **argv)
{
    unstable_options u;
    int first = 0;
    int rc = parse_options(argc, argv, &u, &first);
    if (rc)
        return rc < 0 ? 0 : rc;
    int extra[3] = {-1, -1, -1};
    if (u.measured_launch) {
        if (first + 1 < argc || u.env_count)
            return option_error("--measured-launch takes no ARGS and no --env: they are part of the measurement");
        if (measured_options(&u, argv[first], extra) < 0)
            return 1;
    } else {
        if (u.env_count == 0)
            u.env[u.env_count++] = "LANG=C";
        u.keep.exec_path = argv[first];
        u.keep.argv = argv + first;
        u.keep.envp = u.env;
    }
    struct kvm_keep_result res;
    char err[4200];
    if (u.sev) {
        rc = sev_exec(&u, &res, err, sizeof err);
        if (rc == 2)
            return 2;
    } else {
        kvm_keep_run(&u.keep, &res, err, sizeof err);
    }
    if (u.stats)
        print_stats(&res.stats);
    if (res.measured) {
        char hex[97];
        for (int i = 0; i < 48; i++)
            sprintf(hex + (size_t)2 * i, "%02x", res.measurement[i]);
        fprintf(stderr, "enarx: launch measurement %s\n", hex);
    }
    if (res.outcome != KVM_KEEP_EXITED)
        fprintf(stderr, "enarx: %s\n", err);
    for (int i = 0; i < 3; i++)
        if (extra[i] >= 0)
            close(extra[i]);
    return res.status;
}

int cmd_unstable(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "Usage: enarx unstable exec [OPTIONS] BINARY [ARGS...]\n"
                     "Commands that may change without notice. `enarx unstable exec --help` for "
                     "details.\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "exec") == 0)
        return unstable_exec(argc - 1, argv + 1);
    fprintf(stderr, "enarx unstable: unknown command '%s'; the only one is exec\n", argv[1]);
    return 2;
}
