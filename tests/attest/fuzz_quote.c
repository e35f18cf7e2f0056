/* libFuzzer target: the SGX/TDX DCAP quote parser and verifier (including the
 * PEM chain and PCK extension parsing when the input carries them). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attest_result res;
    verify_ctx ctx;
    verify_ctx_init(&ctx, fuzz_trust(), NULL);
    attest_result_init(&res);
    dcap_verify(&ctx, data, size, NULL, NULL, 1751328000, &res);
    verify_ctx_finish(&ctx, false);
    attest_result_clear(&res);
    /* The whole front door too: recognition, hex text, PEM. */
    attest_inputs in = {0};
    in.evidence.data = data;
    in.evidence.len = size;
    in.time = 1751328000;
    attest_result_init(&res);
    attest_verify(fuzz_trust(), &in, &res);
    attest_result_clear(&res);
    /* And through a caching verifier: key derivation and lookups on every
     * input (only valid evidence would be admitted). */
    static attest_verifier *verifier;
    char err[256];
    if (!verifier && !(verifier = attest_verifier_new(attest_trust_new(err, sizeof err), 16, 64, err, sizeof err)))
        abort();
    attest_result_init(&res);
    attest_verifier_verify(verifier, &in, &res);
    attest_result_clear(&res);
    return 0;
}
