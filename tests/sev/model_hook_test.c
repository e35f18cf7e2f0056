/* The secure processor's guest-message part (psp_guest.c) plugged into the
 * model of KVM and the secure processor (tests/sev/model.h) through its
 * guest-request hook. A Keep is launched through the SEV launcher against
 * the model (sev_keep_run, the code behind `enarx run --backend sev`); the
 * shim's guest request (src/shim/snp, host-compiled) is then sealed with the
 * VMPCK0 that model's firmware wrote into the secrets page and answered by
 * the hook, and the report carries that launch: the measurement the model's
 * firmware computed (= the VMM's = enarx keep measure's), the policy. The
 * model's scripted guest-request step, whose request page nobody sealed, is
 * refused by the hook.
 *
 *   model_hook_test EXEC */
#include <stdio.h>
#include <string.h>

#include "abi/snp_guest.h"
#include "abi/snp_launch.h"
#include "backend/sev/sev.h"
#include "check.h"
#include "fake_hw.h"
#include "model.h"
#include "psp_guest.h"
#include "shim/snp/ghcb.h"
#include "shim/snp/guest_req.h"

#define GHCB_GPA 0x1000u
#define REQ_GPA  0x3000u
#define RSP_GPA  0x4000u

static struct psp_model psp;
static const struct snp_model_launch *launched;

/* The hypervisor hands the request to the model's secure processor. */
static uint32_t to_model(void *ctx, const uint8_t *req, uint8_t *rsp)
{
    (void)ctx;
    return psp_guest_model_request(&psp, launched, req, rsp);
}

static int launch(struct snp_model *m, const char *exec, struct sev_keep_result *res)
{
    struct sev_keep_options o;
    sev_keep_options_init(&o);
    kvm_keep_options_measured(&o.keep, 256ull << 20);
    o.keep.exec_path = exec;
    for (int fd = 0; fd < 3; fd++)
        o.keep.fds[fd] = -1;
    o.keep.nfds = 3;
    o.kernel = snp_model_kernel(m);
    char err[1024];
    int rc = sev_keep_run(&o, res, err, sizeof err);
    if (rc != 0)
        printf("     sev_keep_run: %s\n", err);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: model_hook_test EXEC\n");
        return 2;
    }
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    cfg.script = "psc-shared,exit:0";
    struct snp_model *m = snp_model_new(&cfg);
    struct sev_keep_result res;
    memset(&res, 0, sizeof res);
    CHECK_EQ_INT(launch(m, argv[1], &res), 0);
    launched = snp_model_launch(m);
    CHECK(launched->finished && res.measured);
    CHECK_EQ_STR(snp_model_error(m), "");

    /* The shim, with the secrets page the model's firmware filled. */
    uint64_t detail;
    fake_reset();
    ghcb_msr_page_state(GHCB_GPA / 4096, GHCB_PSC_SHARED, &detail);
    ghcb_msr_page_state(REQ_GPA / 4096, GHCB_PSC_SHARED, &detail);
    ghcb_msr_page_state(RSP_GPA / 4096, GHCB_PSC_SHARED, &detail);
    ghcb_msr_register(GHCB_GPA / 4096);
    struct ghcb_ctx ghcb = {(volatile struct snp_ghcb *)(void *)(fake_mem + GHCB_GPA), GHCB_GPA, 0};
    struct snp_secrets_page *secrets = (void *)(fake_mem + SNP_KEEP_SECRETS_GPA);
    memcpy(secrets->vmpck0, launched->vmpck[0], 32);
    fake_hv.psp = to_model;
    static struct snp_guest_req g;
    snp_guest_req_init(&g, secrets->vmpck0, &ghcb);
    g.req_page = fake_mem + REQ_GPA;
    g.rsp_page = fake_mem + RSP_GPA;
    g.req_gpa = REQ_GPA;
    g.rsp_gpa = RSP_GPA;
    uint8_t rd[64], report[SNP_REPORT_SIZE];
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)(i * 7);
    size_t certs_len = 0;
    struct snp_req_detail d;
    CHECK_EQ_INT(snp_guest_report(&g, rd, report, &certs_len, &d), SNP_REQ_OK);
    CHECK(memcmp(report + 0x50, rd, 64) == 0);
    CHECK(memcmp(report + 0x90, launched->measurement, 48) == 0);
    CHECK(memcmp(report + 0x90, res.measurement, 48) == 0);
    uint64_t policy;
    memcpy(&policy, report + 0x08, 8);
    CHECK_EQ_INT(policy, SNP_KEEP_POLICY);
    CHECK_EQ_INT(psp.accepted, 1);
    snp_model_free(m);

    /* The model's own guest-request step hands the hook a page nobody
     * sealed with VMPCK0: refused. */
    cfg.script = "psc-shared,guest-request,exit:0";
    cfg.guest_request = psp_guest_model_request;
    static struct psp_model hook;
    cfg.guest_request_ctx = &hook;
    m = snp_model_new(&cfg);
    launch(m, argv[1], &res);
    CHECK(strstr(snp_model_error(m), "guest-request: the firmware answered 0x16") != NULL);
    CHECK(hook.requests == 1 && hook.refused == 1);
    snp_model_free(m);
    return check_summary();
}
