/* libFuzzer target: the SEV-SNP VMM's exit loop (src/backend/sev/run.c)
 * against any sequence of exits a hostile guest or a confused kernel could
 * produce — page-state changes with any range and attributes, memory faults
 * anywhere, certificate requests, termination events, doorbells, unknown
 * exits, KVM_RUN failing with any errno. The VMM must refuse or stop, never
 * crash, hang or touch memory outside the guest's. Each input is one launch
 * through the model (tests/sev/model.h) in raw-exit mode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "backend/sev/sev.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A static ELF that is loaded, never run. */
static uint8_t elf[0x80];

static void tiny_elf(void)
{
    static const uint8_t ehdr[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     2, 0, 62, 0, 1, 0, 0, 0, 0x78, 0, 0x40, 0, 0, 0, 0, 0,
                                     64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0, 0, 0, 0, 64, 0, 56, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t phdr[56] = {1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0,
                                     0x80, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0,
                                     0, 0x10, 0, 0, 0, 0, 0, 0};
    memcpy(elf, ehdr, sizeof ehdr);
    memcpy(elf + 64, phdr, sizeof phdr);
    elf[0x78] = 0xf4; /* hlt */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int null = -1;
    if (!elf[0]) {
        tiny_elf();
        null = open("/dev/null", O_WRONLY);
    }
    if (size > (size_t)64 * SNP_MODEL_RAW_EXIT)
        return 0;
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    cfg.raw_exits = data;
    cfg.raw_len = size;
    struct snp_model *m = snp_model_new(&cfg);
    struct sev_keep_options o;
    sev_keep_options_init(&o);
    kvm_keep_options_measured(&o.keep, 64ull << 20);
    o.keep.exec_image = elf;
    o.keep.exec_size = sizeof elf;
    o.keep.exec_path = "fuzz";
    for (int fd = 0; fd < 5; fd++)
        o.keep.fds[fd] = -1;
    o.keep.fds[1] = null;
    o.keep.nfds = 2;
    o.kernel = snp_model_kernel(m);
    struct sev_keep_result res;
    char err[1024];
    sev_keep_run(&o, &res, err, sizeof err);
    /* Every KVM_RUN consumed one raw exit: the loop ended with the input. */
    if (snp_model_counts(m).runs > size / SNP_MODEL_RAW_EXIT + 1)
        abort();
    snp_model_free(m);
    return 0;
}
