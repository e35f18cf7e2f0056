/* Test build of the exec (build/tests/deploy/enarx-exec-replay): a Keep
 * that answers the client's fresh-evidence request with evidence recorded
 * from ANOTHER connection, as an attacker replaying evidence would. Its
 * first deploy records (./replay-evidence.bin, in the Keep's working
 * directory, does not exist yet), every later one replays. Linked with -Wl,--wrap=exec_evidence; never in enarx-exec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/evidence.h"

int __real_exec_evidence(const uint8_t report_data[64], const exec_claim *claim, uint8_t **out, size_t *len,
                         uint32_t *kind, char *err, size_t errlen);
int __wrap_exec_evidence(const uint8_t report_data[64], const exec_claim *claim, uint8_t **out, size_t *len,
                         uint32_t *kind, char *err, size_t errlen);

static int calls;

int __wrap_exec_evidence(const uint8_t report_data[64], const exec_claim *claim, uint8_t **out, size_t *len,
                         uint32_t *kind, char *err, size_t errlen)
{
    int rc = __real_exec_evidence(report_data, claim, out, len, kind, err, errlen);
    const char *path = "replay-evidence.bin";
    if (rc != 0 || ++calls != 2)
        return rc; /* the certificate's evidence is genuine; the fresh one is replayed */
    FILE *f = fopen(path, "rb");
    if (!f) { /* first connection: record */
        f = fopen(path, "wb");
        if (f) {
            fwrite(*out, 1, *len, f);
            fclose(f);
        }
        return rc;
    }
    static uint8_t old[65536];
    size_t n = fread(old, 1, sizeof old, f);
    fclose(f);
    uint8_t *copy = malloc(n);
    if (!copy)
        return rc;
    memcpy(copy, old, n);
    free(*out);
    *out = copy;
    *len = n;
    return rc;
}
