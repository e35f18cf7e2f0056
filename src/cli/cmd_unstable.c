/* enarx unstable exec: runs any static x86-64 ELF as the exec of a Keep, in
 * place of the WebAssembly runtime (as upstream Enarx's hidden command). Used
 * by the Keep's conformance tests and benchmarks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/kvm/kvm.h"
#include "cli/commands.h"
#include "cli/log.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx unstable exec [OPTIONS] BINARY [ARGS...]\n\n"
            "Runs the static x86-64 ELF BINARY as the exec of a KVM Keep (argv = BINARY ARGS...).\n"
            "The exit status is the program's.\n\n"
            "Options:\n"
            "  --backend kvm          the Keep backend (only kvm runs arbitrary executables)\n"
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
            "  --stats                print start-up time and VM exits to stderr at the end\n");
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

static int unstable_exec(int argc, char **argv)
{
    struct kvm_keep_config cfg;
    kvm_keep_config_init(&cfg);
    char *envs[65] = {0};
    int nenv = 0, stats = 0;
    for (int fd = 0; fd < 3; fd++)
        cfg.fds[fd] = fd;
    cfg.nfds = 3;
    const char *env_level = getenv("ENARX_LOG");
    if (env_level && parse_level(env_level, &cfg.log_level) < 0) {
        fprintf(stderr, "enarx: ENARX_LOG '%s' is not error, warn, info, debug or trace\n", env_level);
        return 2;
    }
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--") == 0) {
            i++;
            break;
        } else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(o, "--coalesce-writes") == 0) {
            cfg.coalesce = 1;
            continue;
        } else if (strcmp(o, "--stats") == 0) {
            stats = 1;
            continue;
        } else if (strcmp(o, "--host-files") == 0) {
            cfg.host_files = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "enarx unstable exec: %s needs a value\n", o);
            return 2;
        }
        i++;
        if (strcmp(o, "--backend") == 0) {
            if (strcmp(v, "kvm") != 0) {
                fprintf(stderr, "enarx unstable exec: backend '%s' cannot run an arbitrary "
                                "executable; use --backend kvm\n", v);
                return 2;
            }
        } else if (strcmp(o, "--memory") == 0) {
            if (!(cfg.mem_size = kvm_parse_size(v))) {
                fprintf(stderr, "enarx unstable exec: --memory '%s' is not a size like 512M or 4G\n", v);
                return 2;
            }
        } else if (strcmp(o, "--sallyport-size") == 0) {
            if (!(cfg.sallyport_size = kvm_parse_size(v))) {
                fprintf(stderr, "enarx unstable exec: --sallyport-size '%s' is not a size\n", v);
                return 2;
            }
        } else if (strcmp(o, "--sallyport") == 0) {
            if (strcmp(v, "exit") != 0 && strcmp(v, "exitless") != 0) {
                fprintf(stderr, "enarx unstable exec: --sallyport must be exit or exitless, not '%s'\n", v);
                return 2;
            }
            cfg.exitless = strcmp(v, "exitless") == 0;
        } else if (strcmp(o, "--log-level") == 0) {
            if (parse_level(v, &cfg.log_level) < 0) {
                fprintf(stderr, "enarx unstable exec: --log-level '%s' is not error, warn, info, "
                                "debug or trace\n", v);
                return 2;
            }
        } else if (strcmp(o, "--env") == 0) {
            if (!strchr(v, '=') || nenv == 64) {
                fprintf(stderr, "enarx unstable exec: --env '%s' is not NAME=VALUE (at most 64)\n", v);
                return 2;
            }
            envs[nenv++] = (char *)v;
        } else if (strcmp(o, "--fd") == 0) {
            char *end;
            long fd = strtol(v, &end, 10);
            if (*end || fd < 3 || fd >= KVM_KEEP_MAX_FDS) {
                fprintf(stderr, "enarx unstable exec: --fd '%s' must be a number from 3 to %d\n", v,
                        KVM_KEEP_MAX_FDS - 1);
                return 2;
            }
            cfg.fds[fd] = (int)fd;
            if (fd >= cfg.nfds)
                cfg.nfds = (int)fd + 1;
        } else {
            fprintf(stderr, "enarx unstable exec: unknown option '%s'\n", o);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "enarx unstable exec: no BINARY given\n");
        usage(stderr);
        return 2;
    }
    if (nenv == 0)
        envs[nenv++] = "LANG=C";
    cfg.exec_path = argv[i];
    cfg.argv = argv + i;
    cfg.envp = envs;
    cfg.hostile = getenv("ENARX_SALLYPORT_HOSTILE");
    int status;
    char err[4200];
    int rc = kvm_keep_run(&cfg, &status, err, sizeof err);
    if (stats)
        fprintf(stderr,
                "enarx: keep stats: setup %.0f us (exec file %.0f, VM and vCPU %.0f, memory image "
                "%.0f, registers and threads %.0f), run %.0f us, %llu VM exits, %llu sallyport "
                "batches\n",
                cfg.setup_us, cfg.read_us, cfg.vm_us, cfg.image_us, cfg.vcpu_us, cfg.run_us,
                (unsigned long long)cfg.exits, (unsigned long long)cfg.batches);
    if (rc != 0)
        fprintf(stderr, "enarx: %s\n", err);
    return status;
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
