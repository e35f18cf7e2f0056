/* enarx-test-attester: the test attester from the shell (TEST-ONLY).
 *
 *   enarx-test-attester create DIR
 *       a new test chain in DIR (test_attester.h lists the files)
 *   enarx-test-attester evidence DIR REPORT_DATA_HEX [MEASUREMENT_HEX] > evidence.bin
 *       a typed SNP evidence document (header, report, certificate table)
 *   enarx-test-attester report DIR REPORT_DATA_HEX [MEASUREMENT_HEX] > report.bin
 *       the bare 1184-byte report
 * REPORT_DATA_HEX: 1 to 64 bytes (zero-padded); MEASUREMENT_HEX: 48 bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "test_attester.h"

static int usage(void)
{
    fprintf(stderr, "usage: enarx-test-attester create DIR\n"
                    "       enarx-test-attester evidence|report DIR REPORT_DATA_HEX [MEASUREMENT_HEX]\n");
    return 2;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc == 3 && strcmp(argv[1], "create") == 0) {
        if (test_attester_create(argv[2], err, sizeof err) != 0) {
            fprintf(stderr, "enarx-test-attester: %s\n", err);
            return 1;
        }
        return 0;
    }
    if ((argc != 4 && argc != 5) || (strcmp(argv[1], "evidence") != 0 && strcmp(argv[1], "report") != 0))
        return usage();
    uint8_t report_data[64] = {0};
    size_t n = 0;
    struct test_report_fields f;
    test_report_fields_init(&f);
    if (hex_decode_string(argv[3], report_data, sizeof report_data, &n) != 0 ||
        (argc == 5 && (hex_decode_string(argv[4], f.measurement, sizeof f.measurement, &n) != 0 || n != 48))) {
        fprintf(stderr, "enarx-test-attester: report data must be 1-64 bytes of hex, the measurement 48\n");
        return 2;
    }
    test_attester *ta = test_attester_load(argv[2], err, sizeof err);
    if (!ta) {
        fprintf(stderr, "enarx-test-attester: %s\n", err);
        return 1;
    }
    int rc = 1;
    if (strcmp(argv[1], "report") == 0) {
        uint8_t report[TEST_ATTESTER_REPORT_LEN];
        if (test_attester_sign_report(ta, report_data, &f, report) == 0 &&
            fwrite(report, 1, sizeof report, stdout) == sizeof report)
            rc = 0;
    } else {
        uint8_t *ev = NULL;
        size_t len = 0;
        if (test_attester_evidence(ta, report_data, &f, &ev, &len) == 0 && fwrite(ev, 1, len, stdout) == len)
            rc = 0;
        free(ev);
    }
    if (rc)
        fprintf(stderr, "enarx-test-attester: signing failed\n");
    test_attester_free(ta);
    return rc;
}
