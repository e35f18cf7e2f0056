/* The sev backend (AMD SEV-SNP): its probes for `enarx platform info` and
 * auto-selection, and the launcher, which runs the exec in an SNP guest
 * behind the KVM Keep's shim (src/backend/sev; docs/keep.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/sev/sev.h"

static void sev_probe(backend_report *r)
{
    struct kvm_check checks[24];
    int n = sev_platform_checks(NULL, checks, 24);
    for (int i = 0; i < n; i++) {
        const struct kvm_check *c = &checks[i];
        backend_add_check(r, i == 0 ? 0 : 1, c->pass, c->name, "%s", c->info);
        if (!c->pass && !r->hint[0])
            snprintf(r->hint, sizeof r->hint, "%s", c->hint);
    }
}

static int sev_launch(const backend_launch *l, char *err, size_t errlen)
{
    struct sev_keep_options opt;
    sev_keep_options_init(&opt);
    const char *mem = getenv("ENARX_KEEP_MEMORY");
    if (mem && *mem && !(opt.keep.mem_size = kvm_parse_size(mem))) {
        snprintf(err, errlen, "ENARX_KEEP_MEMORY=%s is not a size such as 512M or 4G", mem);
        return -1;
    }
    static char *argv[] = {(char *)"enarx-exec", NULL}, *envp[] = {NULL};
    opt.keep.exec_path = l->exec_path;
    opt.keep.argv = argv;
    opt.keep.envp = envp;
    int level = l->log_level < ENARX_LOG_ERROR ? ENARX_LOG_ERROR : l->log_level;
    opt.keep.log_level = (enum enarx_log_level)(level > ENARX_LOG_TRACE ? ENARX_LOG_TRACE : level);
    for (int fd = 0; fd < 3; fd++)
        opt.keep.fds[fd] = fd;
    opt.keep.fds[3] = l->stream_fd;
    opt.keep.nfds = 4;
    opt.keep.host_files = 1;
    const char *certs = getenv("ENARX_SNP_CERTS");
    opt.certs_path = certs && *certs ? certs : NULL;
    struct sev_keep_result res;
    sev_keep_run(&opt, &res, err, errlen);
    switch (res.keep.outcome) {
    case KVM_KEEP_EXITED:
        return res.keep.status;
    case KVM_KEEP_STOPPED:
        fprintf(stderr, "enarx: %s\n", err);
        return res.keep.status;
    case KVM_KEEP_FAILED:
        break;
    }
    return -1;
}

const backend backend_sev = {
    .name = "sev",
    .summary = "AMD SEV-SNP virtual machine",
    .device = "/dev/sev",
    .probe = sev_probe,
    .launch = sev_launch,
};
