/* libFuzzer target: TCB Info / QE Identity JSON: locating the exact signed
 * bytes, then parsing them and their dates. */
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"tcbInfo", "enclaveIdentity"};
    for (int k = 0; k < 2; k++) {
        const uint8_t *m;
        size_t len;
        uint8_t sig[64];
        char err[256];
        if (!json_signed_member(data, size, keys[k], &m, &len, sig, err, sizeof err))
            continue;
        if (m < data || m + len > data + size)
            abort(); /* the member must lie inside the input */
        json_t *obj = json_loadb((const char *)m, len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(obj))
            abort(); /* what was located must be the object jansson saw */
        time_t t;
        attest_parse_time(json_string_value(json_object_get(obj, "issueDate")), &t);
        json_decref(obj);
    }
    return 0;
}
