/* libFuzzer target for the UTF-8 validator: on any input, utf8_valid and
 * utf8_sequence_length (at every offset) must agree with the reference
 * written from the definition (shortest form, no surrogate, at most
 * U+10FFFF). */
#include <stdint.h>
#include <stdlib.h>

#include "common/utf8.h"
#include "utf8_reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (utf8_valid(data, size) != reference_valid(data, size))
        abort();
    for (size_t i = 0; i < size; i++)
        if (utf8_sequence_length(data + i, size - i) != reference_sequence_length(data + i, size - i))
            abort();
    return 0;
}
