/* The kvm backend: its probes for `enarx platform info` and auto-selection,
 * and the launcher, which runs the exec in a KVM micro-VM Keep behind the
 * shim (src/backend/kvm/, src/shim/kvm/; docs/keep.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/cpu.h"
#include "backend/kvm/kvm.h"

static void kvm_probe(backend_report *r)
{
    struct kvm_check checks[16];
    int n = kvm_platform_checks(checks, 16);
    for (int i = 0; i < n; i++) {
        const struct kvm_check *c = &checks[i];
        backend_add_check(r, i == 0 ? 0 : 1, c->pass, c->name, "%s", c->info);
        if (!c->pass && !r->hint[0])
            snprintf(r->hint, sizeof r->hint, "%s", c->hint);
    }
    char vendor[13], brand[49];
    cpu_vendor(vendor);
    cpu_brand(brand);
    backend_add_check(r, 0, true, "CPU", "%s | %s", brand, vendor);
}

/* Keep options from the environment: ENARX_KEEP_MEMORY (e.g. 4G),
 * ENARX_SALLYPORT (exit | exitless). */
static int keep_options(struct kvm_keep_options *opt, char *err, size_t errlen)
{
    const char *mem = getenv("ENARX_KEEP_MEMORY"), *mode = getenv("ENARX_SALLYPORT");
    if (mem && *mem && !(opt->mem_size = kvm_parse_size(mem))) {
        snprintf(err, errlen, "ENARX_KEEP_MEMORY=%s is not a size such as 512M or 4G", mem);
        return -1;
    }
    if (mode && *mode) {
        if (strcmp(mode, "exit") != 0 && strcmp(mode, "exitless") != 0) {
            snprintf(err, errlen, "ENARX_SALLYPORT=%s is neither exit nor exitless", mode);
            return -1;
        }
        opt->exitless = strcmp(mode, "exitless") == 0;
    }
    return 0;
}

static void run_options(const backend_launch *l, struct kvm_keep_options *opt);

/* A deploy's Keep is launched exactly as `enarx keep measure --backend kvm`
 * computes it (kvm_keep_options_measured): the VMM's measurement of it is
 * what it claims in the evidence call, and a client can recompute it. */
static void deploy_options(const backend_launch *l, struct kvm_keep_options *opt)
{
    kvm_keep_options_measured(opt, l->mem_size);
    opt->exec_path = l->exec_path;
    for (int fd = 0; fd < 3; fd++)
        opt->fds[fd] = fd;
    opt->fds[3] = l->stream_fd;   /* the deploy launch record */
    opt->fds[4] = l->conn_fd;     /* the client's connection, DEPLOY_CONN_FD */
    if (l->attester) {            /* test builds only */
        opt->attest = l->attester->fill;
        opt->attest_ctx = l->attester->ctx;
    }
    opt->host_files = 1;          /* Enarx.toml may name host directories, as for run */
}

static int kvm_launch(const backend_launch *l, char *err, size_t errlen)
{
    struct kvm_keep_options opt;
    kvm_keep_options_init(&opt);
    if (keep_options(&opt, err, errlen) < 0)
        return -1;
    if (l->deploy)
        deploy_options(l, &opt);
    else
        run_options(l, &opt);
    struct kvm_keep_result res;
    kvm_keep_run(&opt, &res, err, errlen);
    if (l->quiet && res.outcome == KVM_KEEP_STOPPED) /* quiet: its report stays off stderr */
        return res.status;
    return kvm_keep_exit_status(&res, err);
}

static void run_options(const backend_launch *l, struct kvm_keep_options *opt)
{
    static char *argv[] = {(char *)"enarx-exec", NULL}, *envp[] = {NULL};
    opt->exec_path = l->exec_path;
    opt->argv = argv;
    opt->envp = envp;
    int level = l->log_level < ENARX_LOG_ERROR ? ENARX_LOG_ERROR : l->log_level;
    opt->log_level = (enum enarx_log_level)(level > ENARX_LOG_TRACE ? ENARX_LOG_TRACE : level);
    for (int fd = 0; fd < 3; fd++)
        opt->fds[fd] = fd;
    opt->fds[3] = l->stream_fd; /* the workload stream, fd 3 as for nil */
    opt->nfds = 4;
    if (l->mem_size)
        opt->mem_size = l->mem_size;
    /* The exec opens what Enarx.toml and --dir name (docs/keep.md). */
    opt->host_files = 1;
}

const backend backend_kvm = {
    .name = "kvm",
    .summary = "a KVM micro-VM with the Enarx shim",
    .device = "/dev/kvm",
    .probe = kvm_probe,
    .launch = kvm_launch,
};
