/* The enarx command's subcommands. Each lives in its own cmd_*.c file and is
 * registered in the table in main.c. A command returns the process exit
 * status: 0 success, 1 failure (or the workload's own status for `run`),
 * 2 usage or input error. argv[0] is the subcommand's own name. */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

typedef struct cli_command {
    const char *name;      /* "run", "platform", "attest", ... */
    const char *summary;   /* one line for `enarx --help` */
    int (*main)(int argc, char **argv);
} cli_command;

int cmd_attest(int argc, char **argv);
int cmd_unstable(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_keep(int argc, char **argv);

#endif
