/* libFuzzer target: the SEV-SNP report parser and verifier. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attest_result res;
    verify_ctx ctx;
    verify_ctx_init(&ctx, fuzz_trust(), NULL);
    attest_result_init(&res);
    snp_verify(&ctx, data, size, fuzz_vcek(), NULL, 1751328000, &res);
    verify_ctx_finish(&ctx, false);
    attest_result_clear(&res);
    return 0;
}
