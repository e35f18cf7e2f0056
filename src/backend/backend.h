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

typedef struct backend_launch {
    int stream_fd;          /* the complete workload stream, readable from offset 0 */
    const char *exec_path;  /* the enarx-exec binary */
    int log_level;          /* the enarx command's log level (0 error .. 4 trace) */
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

/* The individual backends. */
extern const backend backend_sgx, backend_sev, backend_kvm, backend_nil;

#endif
