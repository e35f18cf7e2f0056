/* A static program that asks the Keep beneath it for evidence: reads up to
 * 64 bytes of report data from stdin (zero-padded), makes the evidence call
 * (abi/evidence.h, ENARX_SYS_GETATT) and writes the typed evidence to
 * stdout. Run as the exec of a Keep by scripts/sev-hardware-check.sh:
 *   enarx unstable exec --backend sev --measured-launch getatt < nonce > evidence
 * Exit status: 0, 3 when nothing beneath serves the call (ENOSYS), 1 on any
 * other failure. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi/evidence.h"

int main(void)
{
    uint8_t rd[ENARX_REPORT_DATA_LEN] = {0};
    size_t got = 0;
    while (got < sizeof rd) {
        ssize_t n = read(0, rd + got, sizeof rd - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    long size = syscall(ENARX_SYS_GETATT, rd, sizeof rd, NULL, 0);
    if (size == -1 && errno == ENOSYS) {
        fprintf(stderr, "getatt: nothing beneath this program serves the evidence call\n");
        return 3;
    }
    if (size <= 0 || size > (16l << 20)) {
        fprintf(stderr, "getatt: the evidence call answered %ld (%s)\n", size, size < 0 ? "error" : "no size");
        return 1;
    }
    uint8_t *buf = malloc((size_t)size);
    long n = buf ? syscall(ENARX_SYS_GETATT, rd, sizeof rd, buf, (size_t)size) : -1;
    if (n != size) {
        fprintf(stderr, "getatt: the evidence call answered %ld the second time, %ld the first\n", n, size);
        free(buf);
        return 1;
    }
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(1, buf + off, (size_t)n - off);
        if (w <= 0) {
            free(buf);
            return 1;
        }
        off += (size_t)w;
    }
    free(buf);
    return 0;
}
