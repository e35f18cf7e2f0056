/* libFuzzer target: Steward CSR parsing and evidence-extension extraction. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attest_result res;
    csr_evidence ev;
    verify_ctx ctx;
    verify_ctx_init(&ctx, fuzz_trust(), NULL);
    attest_result_init(&res);
    if (csr_extract(&ctx, data, size, &ev, &res) == ATTEST_VALID)
        csr_evidence_free(&ev);
    verify_ctx_finish(&ctx, false);
    attest_result_clear(&res);
    return 0;
}
