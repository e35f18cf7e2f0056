/* Host side of Enarx.toml for `enarx run`: reads the file, checks it early
 * (so mistakes are reported before a Keep starts), and gathers the files it
 * names that travel with the workload (e.g. TLS trust anchors). The exec
 * parses and checks the text again: it trusts nothing from the host. */
#ifndef CLI_RUN_CONFIG_H
#define CLI_RUN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "config/enarx_config.h"

typedef struct run_config_file {
    char *name;      /* as written in Enarx.toml */
    uint8_t *data;
    size_t size;
} run_config_file;

typedef struct run_config {
    char *text;      /* NULL when no config was given */
    size_t size;
    run_config_file *files;
    size_t file_count;
    /* Its args and env entries, and their bytes (a NUL counted for each):
     * they share the workload's limit with the command line's. */
    size_t strings;
    uint64_t strings_bytes;
} run_config;

/* path NULL: no config. Returns 0, or 2 after printing what is wrong. */
int run_config_load(const char *path, run_config *out);
void run_config_free(run_config *cfg);

/* Reads the trust-anchor files that c (read from path) names with `ca`,
 * into out->files: each must be a regular file of at most WL_MAX_FILE bytes
 * (a FIFO or device is refused, never waited on). Also what `enarx config
 * check` uses. Returns 0, or 2 (1: out of memory) with why set to
 * "PATH:LINE:COLUMN: ca = \"...\": the problem". */
int run_config_read_anchors(const char *path, const enarx_config *c, run_config *out, char *why,
                            size_t why_size);

#endif
