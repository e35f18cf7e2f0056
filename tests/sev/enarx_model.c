/* The test build of enarx whose kernel is the SNP model (model.h): linked
 * with -Wl,--wrap=vmm_kernel_host, so `enarx run --backend sev`, `enarx
 * unstable exec --backend sev` and `enarx platform info` meet the model
 * instead of Linux. enarx itself has no such mode. Configured from the
 * environment (test code, not a library):
 *   SNP_MODEL_SCRIPT   the guest's script (model.h)
 *   SNP_MODEL_CPUID_FIXUPS, SNP_MODEL_REQ_CERTS, SNP_MODEL_NO_SNP (kvm_amd without sev_snp)
 *   SNP_MODEL_REPORT   a file: at exit the model writes what its firmware
 *                      computed ("measurement HEX", "pages N", "error TEXT") */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "snp/snp.h"

const struct vmm_kernel *__wrap_vmm_kernel_host(void);

static struct snp_model *model;

static void report(void)
{
    const char *path = getenv("SNP_MODEL_REPORT");
    if (!path || !model)
        return;
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    const struct snp_model_launch *l = snp_model_launch(model);
    char hex[97], id[97], author[97], host[65];
    snp_hex(l->measurement, 48, hex);
    snp_hex(l->id_key_digest, 48, id);
    snp_hex(l->author_key_digest, 48, author);
    snp_hex(l->host_data, 32, host);
    fprintf(f, "finished %d\nmeasurement %s\npages %llu\npolicy %#llx\nid_key_digest %s\nauthor_key_digest %s\n"
               "host_data %s\ncpuid_attempts %u\nerror %s\n",
            l->finished, hex, (unsigned long long)l->pages, (unsigned long long)l->policy, id, author, host,
            l->cpuid_attempts, snp_model_error(model));
    fclose(f);
}

static int env_int(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : 0;
}

const struct vmm_kernel *__wrap_vmm_kernel_host(void)
{
    if (!model) {
        struct snp_model_config cfg;
        snp_model_config_default(&cfg);
        cfg.script = getenv("SNP_MODEL_SCRIPT");
        cfg.cpuid_fixups = (unsigned)env_int("SNP_MODEL_CPUID_FIXUPS");
        cfg.req_certs = env_int("SNP_MODEL_REQ_CERTS");
        if (env_int("SNP_MODEL_NO_SNP"))
            cfg.sev_snp_param = 0;
        model = snp_model_new(&cfg);
        if (!model) {
            fprintf(stderr, "snp model: out of memory\n");
            exit(1);
        }
        atexit(report);
    }
    return snp_model_kernel(model);
}
