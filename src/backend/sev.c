/* The sev backend (AMD SEV-SNP): its probes for `enarx platform info` and
 * auto-selection, and the launcher, which runs the exec in an SNP guest
 * behind the KVM Keep's shim (src/backend/sev; docs/keep.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/sev/sev.h"
#include "snp/snp.h"

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

/* An SNP Keep is launched in the one measured state (kvm_keep_options_measured:
 * what `enarx keep measure --backend sev` computes and `enarx deploy`
 * launches), so that its report's MEASUREMENT is that digest: the workload
 * comes in through the stream on fd 3, outside the measurement; fd 4 is the
 * client's connection in a deploy (fd 3 then holds the launch record, and
 * the shim answers the evidence call itself), else a socket nobody is at. */
static int sev_launch(const backend_launch *l, char *err, size_t errlen)
{
    uint64_t mem = 0;
    const char *m = getenv("ENARX_KEEP_MEMORY");
    if (m && *m && !(mem = kvm_parse_size(m))) {
        snprintf(err, errlen, "ENARX_KEEP_MEMORY=%s is not a size such as 512M or 4G", m);
        return -1;
    }
    if (l->deploy && l->mem_size) /* the agent's --keep-memory */
        mem = l->mem_size;
    struct sev_keep_options opt;
    sev_keep_options_init(&opt);
    kvm_keep_options_measured(&opt.keep, mem);
    opt.keep.exec_path = l->exec_path;
    opt.keep.fds[3] = l->stream_fd;
    int pair[2] = {-1, -1};
    if (l->deploy) {
        opt.keep.fds[4] = l->conn_fd; /* the client's connection, DEPLOY_CONN_FD */
    } else {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
            snprintf(err, errlen, "cannot make the Keep's fd 4: %m");
            return -1;
        }
        close(pair[1]);
        opt.keep.fds[4] = pair[0];
    }
    /* The exec opens what Enarx.toml and --dir name (docs/keep.md). */
    opt.keep.host_files = 1;
    static uint8_t id_block[SNP_ID_BLOCK_SIZE], id_auth[SNP_ID_AUTH_SIZE];
    if (l->signatures) {
        if (snp_signatures_read(l->signatures, id_block, id_auth, &opt.auth_key_en, err, errlen) < 0) {
            if (pair[0] >= 0)
                close(pair[0]);
            return -1;
        }
        opt.id_block = id_block;
        opt.id_auth = id_auth;
    }
    const char *certs = getenv("ENARX_SNP_CERTS");
    opt.certs_path = certs && *certs ? certs : NULL;
    struct sev_keep_result res;
    sev_keep_run(&opt, &res, err, errlen);
    if (pair[0] >= 0)
        close(pair[0]);
    if (l->quiet && res.keep.outcome == KVM_KEEP_STOPPED) /* quiet: its report stays off stderr */
        return res.keep.status;
    return kvm_keep_exit_status(&res.keep, err);
}

const backend backend_sev = {
    .name = "sev",
    .summary = "AMD SEV-SNP virtual machine",
    .device = "/dev/sev",
    .probe = sev_probe,
    .launch = sev_launch,
};
