/* The measurement of the Keep this build launches, per backend (measure.h). */
#include <stdio.h>
#include <string.h>

#include "abi/evidence.h"
#include "backend/backend.h"
#include "backend/kvm/kvm.h"
#include "backend/sev/sev.h"
#include "measure/measure.h"

int measure_keep(const struct measure_request *req, struct keep_measurement *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *name = req->backend ? req->backend : "";
    if (strcmp(name, "nil") != 0 && strcmp(name, "kvm") != 0 && strcmp(name, "sev") != 0) {
        snprintf(err, errlen, "cannot measure a Keep of backend '%s' (measurable: nil, kvm, sev)", name);
        return -1;
    }
    if (req->exec_path)
        snprintf(out->exec_path, sizeof out->exec_path, "%s", req->exec_path);
    else if (backend_exec_path(out->exec_path, sizeof out->exec_path, err, errlen) != 0)
        return -1;
    snprintf(out->backend, sizeof out->backend, "%s", name);
    out->alg = ENARX_HASH_SHA384;
    out->len = MEASURE_SHA384_LEN;
    if (strcmp(name, "nil") == 0)
        return measure_file_sha384(out->exec_path, out->digest, err, errlen);
    if (strcmp(name, "sev") == 0) {
        /* The SEV-SNP launch digest of the same image (src/backend/sev). */
        struct sev_keep_options sev;
        sev_keep_options_init(&sev);
        kvm_keep_options_measured(&sev.keep, req->mem_size);
        sev.keep.exec_path = out->exec_path;
        sev.c_bit = req->c_bit;
        out->mem_size = sev.keep.mem_size;
        return sev_keep_measure(&sev, out->digest, &out->pages, err, errlen);
    }
    struct kvm_keep_options opt;
    kvm_keep_options_measured(&opt, req->mem_size);
    opt.exec_path = out->exec_path;
    out->mem_size = opt.mem_size;
    return kvm_keep_measure(&opt, out->digest, &out->pages, err, errlen);
}
