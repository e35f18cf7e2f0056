/* Test build of enarx (build/tests/deploy/enarx-test-attested): every Keep
 * it starts for a deploy answers the evidence call with the test attester
 * (tests/attester/), SEV-SNP-format reports signed by a test chain the suite
 * made in $ENARX_TEST_ATTESTER_DIR. Linked with -Wl,--wrap=backend_deploy;
 * never part of enarx. A verifier accepts such evidence only when given the
 * test root. */
#include <stdio.h>
#include <stdlib.h>

#include "abi/evidence.h"
#include "backend/backend.h"
#include "../attester/test_attester.h" /* relative: lint sees only -Isrc -Itests/lib */

int __real_backend_deploy(const backend *b, int conn_fd, const backend_deploy_options *opt, char *err, size_t errlen);
int __wrap_backend_deploy(const backend *b, int conn_fd, const backend_deploy_options *opt, char *err, size_t errlen);

static int fill(void *ctx, const uint8_t report_data[64], uint8_t **out, size_t *len, uint32_t *kind)
{
    *kind = ENARX_EVIDENCE_SNP;
    return test_attester_evidence(ctx, report_data, NULL, out, len);
}

int __wrap_backend_deploy(const backend *b, int conn_fd, const backend_deploy_options *opt, char *err, size_t errlen)
{
    const char *dir = getenv("ENARX_TEST_ATTESTER_DIR");
    if (!dir) {
        snprintf(err, errlen, "enarx-test-attested: set ENARX_TEST_ATTESTER_DIR to a test chain");
        return -1;
    }
    test_attester *ta = test_attester_load(dir, err, errlen);
    if (!ta)
        return -1;
    keep_attester att = {fill, ta};
    backend_deploy_options o = *opt;
    o.attester = &att;
    int rc = __real_backend_deploy(b, conn_fd, &o, err, errlen);
    test_attester_free(ta);
    return rc;
}
