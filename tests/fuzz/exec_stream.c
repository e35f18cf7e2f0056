/* libFuzzer: the exec's workload-stream parser on arbitrary bytes, read in
 * chunks whose sizes the input also chooses (short reads must not matter). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "exec/stream.h"

typedef struct source {
    const uint8_t *data;
    size_t size, pos;
    uint8_t chunk;
} source;

static ssize_t read_chunks(void *p, void *buf, size_t len)
{
    source *s = p;
    size_t left = s->size - s->pos;
    size_t n = len < left ? len : left;
    size_t cap = (size_t)s->chunk * 61 + 1;
    if (n > cap)
        n = cap;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    source s = {data + 1, size - 1, 0, data[0]};
    wl_stream out;
    char err[256];
    if (wl_stream_read(&out, read_chunks, &s, err, sizeof err) == 0)
        wl_stream_free(&out);
    return 0;
}
