/* Keep backends: what each needs from the machine, and how it launches a
 * Keep. `enarx platform info` prints the probes; `enarx run` picks one.
 *
 * Every backend runs the same exec (build/bin/enarx-exec) with the same
 * workload stream (src/abi/workload_stream.h); they differ in what surrounds
 * it: nothing (nil), a KVM micro-VM with a shim (kvm), and later SEV-SNP or
 * SGX. A backend without a launcher in this build is listed, probed, and
 * reported unavailable. */
#ifndef BACKEND_BACKEND_H
#define BACKEND_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BACKEND_MAX_CHECKS 24

typedef struct backend_check {
    char name[96];   /* "Driver: /dev/kvm" */
    bool pass;
    char info[192];  /* detail: a value found, or why it failed */
    int depth;       /* 0 = top level; 1 = a sub-check of the one before */
} backend_check;

typedef struct backend_report {
    backend_check checks[BACKEND_MAX_CHECKS];
    size_t count;
    char hint[512];  /* what to do to make the backend available */
} backend_report;

/* Tests only: answers the Keep's evidence requests from the host (the test
 * attester, tests/attester/). Production never sets one. fill returns 0 with
 * *out (malloc'd typed evidence, abi/evidence.h) and *kind, or -1. */
typedef struct keep_attester {
    int (*fill)(void *ctx, const uint8_t report_data[64], uint8_t **out, size_t *len, uint32_t *kind);
    void *ctx;
} keep_attester;

typedef struct backend_launch {
    int stream_fd;          /* the complete workload stream (or a deploy launch
                               record, abi/deploy.h), readable from offset 0 */
    const char *exec_path;  /* the enarx-exec binary */
    int log_level;          /* the enarx command's log level (0 error .. 4 trace) */
    bool deploy;            /* a deploy: conn_fd goes to the Keep as DEPLOY_CONN_FD */
    int conn_fd;
    const keep_attester *attester; /* deploy, tests only: NULL */
    uint64_t mem_size;      /* the Keep's memory in bytes (kvm); 0: the default */
    bool quiet;             /* do not report a Keep killed by a signal on stderr */
    const char *signatures; /* sev: the signatures file of `enarx sign`, or NULL */
} backend_launch;

typedef struct backend {
    const char *name;
    const char *summary;
    /* A device node the backend cannot run without (NULL: none). Auto-selection
     * stats it before probing, so that `enarx run` on a machine without it
     * does not pay for the probe's CPUID instructions and opens. */
    const char *device;
    void (*probe)(backend_report *report);
    /* Runs a Keep to completion. Returns its exit status (0..255), or -1
     * with a message in err when the Keep could not be run. NULL: this
     * build has no launcher for the backend. */
    int (*launch)(const backend_launch *launch, char *err, size_t errlen);
} backend;

/* In auto-selection order: sgx, sev, kvm, nil. NULL-terminated. */
extern const backend *const backend_all[];

const backend *backend_find(const char *name);
/* Probes b; available when every check passes and it has a launcher. */
bool backend_available(const backend *b, backend_report *report);
/* name NULL or "" = the first available backend. NULL with a message on failure. */
const backend *backend_select(const char *name, char *err, size_t errlen);

/* For probes: appends a check; returns it. */
backend_check *backend_add_check(backend_report *r, int depth, bool pass, const char *name,
                                 const char *info_fmt, ...) __attribute__((format(printf, 5, 6)));

/* Where the exec is: $ENARX_EXEC, else enarx-exec beside the running enarx. */
int backend_exec_path(char *out, size_t len, char *err, size_t errlen);

/* Starts a Keep that serves an attested deploy on conn_fd (docs/deploy.md)
 * and waits for it: builds the deploy launch record with what this host
 * claims was measured (nil: SHA-384 of the exec), hands it in on fd 3 and the
 * connection on fd 4. Returns the Keep's exit status, or -1 with a message. */
typedef struct backend_deploy_options {
    const char *exec_path;
    int log_level;
    uint64_t mem_size;               /* 0: the backend's default */
    const keep_attester *attester;   /* tests only */
    const uint8_t *claimed;          /* a precomputed nil measurement (SHA-384), or NULL */
} backend_deploy_options;
int backend_deploy(const backend *b, int conn_fd, const backend_deploy_options *opt, char *err, size_t errlen);

/* The individual backends. */
extern const backend backend_sgx, backend_sev, backend_kvm, backend_nil;

#endif
