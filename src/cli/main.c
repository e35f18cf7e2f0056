/* enarx: the command line. Dispatches to the subcommands in cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "abi/version.h"
#include "cli/commands.h"

int cmd_config(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_platform(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_oci(int argc, char **argv);

static const cli_command commands[] = {
    {"config", "create or check an Enarx.toml (init, check)", cmd_config},
    /* Subcommands register here as they land: {"run", "...", cmd_run}, */
    {"run", "run a WebAssembly module in a Keep", cmd_run},
    {"deploy", "run a module in a Keep that proves itself first (attested)", cmd_deploy},
    {"host", "the host agent: start Keeps for `enarx deploy` clients", cmd_host},
    {"platform", "what this machine offers: `enarx platform info`", cmd_platform},
    {"attest", "verify attestation evidence (SEV-SNP, SGX, TDX, RA-TLS certificates)", cmd_attest},
    {"keep", "about this build's Keep: `enarx keep measure`", cmd_keep},
    {"key", "SEV-SNP ID and author keys: `enarx key sev create|digest|sign`", cmd_key},
    {"sign", "sign this build's SEV-SNP Keep (an ID block) for `enarx run --signatures`", cmd_sign},
    {"unstable", "commands that may change: exec (run a static ELF in a Keep)", cmd_unstable},
    {"oci", "the OCI runtime for podman, containerd, Kubernetes (enarx-oci)", cmd_oci},
    {NULL, NULL, NULL},
};

static void print_usage(FILE *out)
{
    fprintf(out,
            "enarx %s: run WebAssembly workloads in Keeps (Trusted Execution Environments)\n\n"
            "Usage: enarx [--version] [--help] <command> [args...]\n\nCommands:\n",
            ENARX_VERSION);
    for (const cli_command *c = commands; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun `enarx <command> --help` for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("enarx %s\n", ENARX_VERSION);
        return 0;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    for (const cli_command *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c->main(argc - 1, argv + 1);
    fprintf(stderr, "enarx: unknown command '%s'; run `enarx --help` for the list\n", name);
    return 2;
}
