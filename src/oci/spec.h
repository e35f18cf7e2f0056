/* A bundle's config.json (OCI runtime-spec 1.x, Linux), parsed and checked.
 *
 * The text is untrusted input from the container engine's caller: every
 * field is type-checked, sizes are bounded, unknown fields are refused with
 * a message naming the field ("config.json: process.rlimits[2].type: ..."),
 * and so are options this runtime cannot honour for a Keep. Fields that are
 * about the host process of an ordinary container and have no meaning for
 * a Keep are accepted and listed in docs/oci.md (seccomp, capabilities,
 * devices, ...). The parser only reads; nothing here touches the system. */
#ifndef OCI_SPEC_H
#define OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OCI_SPEC_MAX_SIZE (4u << 20) /* config.json larger than this is refused */
#define OCI_MAX_RLIMITS 16

typedef struct oci_kv {
    char *key;
    char *value;
} oci_kv;

typedef struct oci_mount {
    char *destination;
    char *type;   /* "" when absent */
    char *source; /* "" when absent */
    unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ... */
    unsigned long clear_flags; /* flags an option turned off ("rw", "suid", ...) */
    bool bind, recursive;
    char *data; /* options with no flag meaning, comma-separated (tmpfs size=, mode=) */
} oci_mount;

typedef struct oci_namespace {
    int flag;   /* CLONE_NEWNET, ... */
    char *path; /* NULL: a new namespace */
} oci_namespace;

typedef struct oci_rlimit {
    int resource;
    uint64_t soft, hard;
} oci_rlimit;

typedef struct oci_resources {
    int64_t memory_limit;       /* -1: not set */
    int64_t memory_reservation; /* -1: not set */
    int64_t memory_swap;        /* -1: not set */
    int64_t cpu_shares;         /* -1 */
    int64_t cpu_quota;          /* -1 (0 means: no limit, as runc) */
    int64_t cpu_period;         /* -1 */
    char *cpus, *mems;          /* NULL: not set */
    int64_t pids_limit;         /* -1 */
} oci_resources;

typedef struct oci_spec {
    char *root_path;
    bool root_readonly;

    char **args;
    size_t arg_count;
    char **env;
    size_t env_count;
    char *cwd;
    bool terminal;
    unsigned console_height, console_width;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    size_t group_count;
    int umask; /* -1: not set */
    bool no_new_privileges;
    bool has_oom_score_adj;
    int oom_score_adj;
    oci_rlimit rlimits[OCI_MAX_RLIMITS];
    size_t rlimit_count;

    char *hostname;   /* NULL: not set */
    char *domainname; /* NULL: not set */

    oci_mount *mounts;
    size_t mount_count;

    oci_namespace *namespaces;
    size_t namespace_count;
    char *cgroups_path; /* NULL: not set */
    oci_resources resources;
    oci_kv *sysctl;
    size_t sysctl_count;
    char **masked_paths;
    size_t masked_count;
    char **readonly_paths;
    size_t readonly_count;

    oci_kv *annotations;
    size_t annotation_count;
} oci_spec;

/* Parses config.json text (need not be NUL-terminated). 0 on success; -1
 * with a message naming the field in err. On failure *spec holds nothing
 * to free. */
int oci_spec_parse(const char *text, size_t size, oci_spec *spec, char *err, size_t errlen);
void oci_spec_free(oci_spec *spec);

/* Only what decides whether a bundle is a wasm workload (root.path,
 * process.args, env and cwd, annotations), ignoring everything else: a
 * bundle for runc must reach runc even when it uses what a Keep cannot
 * (hooks, user namespaces, ...). Same return convention. */
int oci_spec_peek(const char *text, size_t size, oci_spec *spec, char *err, size_t errlen);

/* The annotation's value, or NULL. */
const char *oci_spec_annotation(const oci_spec *spec, const char *key);
/* The namespace entry of that kind (CLONE_NEW*), or NULL when the bundle asks for none. */
const oci_namespace *oci_spec_namespace(const oci_spec *spec, int flag);
/* The value of NAME in process.env, or NULL. */
const char *oci_spec_getenv(const oci_spec *spec, const char *name);

/* "pid" -> CLONE_NEWPID, ...; 0 for an unknown name. */
int oci_namespace_flag(const char *name);
/* "SIGKILL", "KILL", "9" -> 9; -1 when it is not a signal. */
int oci_signal_number(const char *text);

#endif
