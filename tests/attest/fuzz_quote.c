/* libFuzzer target: the SGX/TDX DCAP quote parser and verifier (including the
 * PEM chain and PCK extension parsing when the input carries them). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attest_result res;
    attest_result_init(&res);
    dcap_verify(fuzz_trust(), data, size, NULL, NULL, 1751328000, &res);
    attest_result_clear(&res);
    /* The whole front door too: recognition, hex text, PEM. */
    attest_inputs in = {0};
    in.evidence.data = data;
    in.evidence.len = size;
    in.time = 1751328000;
    attest_result_init(&res);
    attest_verify(fuzz_trust(), &in, &res);
    attest_result_clear(&res);
    return 0;
}
