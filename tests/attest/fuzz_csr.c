/* libFuzzer target: Steward CSR parsing and evidence-extension extraction. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attest_result res;
    csr_evidence ev;
    attest_result_init(&res);
    if (csr_extract(data, size, &ev, &res) == ATTEST_VALID)
        csr_evidence_free(&ev);
    attest_result_clear(&res);
    return 0;
}
