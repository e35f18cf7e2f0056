/* libFuzzer target: the SEV-SNP report parser and verifier. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attest_result res;
    attest_result_init(&res);
    snp_verify(fuzz_trust(), data, size, fuzz_vcek(), NULL, 1751328000, &res);
    attest_result_clear(&res);
    return 0;
}
