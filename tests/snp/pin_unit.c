/* A policy pins the signer of an SEV-SNP Keep instead of its launch digest:
 * keys made and digested by src/snp (`enarx key sev`), a report carrying
 * their digests (signed by the test attester's chain, as the firmware would
 * after an ID block signed with them), and the verifier's policy
 * (snp.id_key_digests, snp.author_key_digests) accepting it only for those
 * keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "attest/attest.h"
#include "check.h"
#include "common/file.h"
#include "snp/snp.h"
#include "../attester/test_attester.h" /* relative: lint sees only -Isrc -Itests/lib */

static attest_trust *trust;
static test_attester *ta;
static file_contents vcek;

static attest_status verify(const struct test_report_fields *f, const char *policy_text, attest_result *res)
{
    uint8_t report[TEST_ATTESTER_REPORT_LEN], rd[64] = {1};
    attest_result_init(res);
    if (test_attester_sign_report(ta, rd, f, report) != 0)
        return ATTEST_BAD_INPUT;
    attest_inputs in;
    memset(&in, 0, sizeof in);
    in.evidence = (attest_blob){report, sizeof report, "report"};
    in.vcek = (attest_blob){vcek.data, vcek.size, "vcek.pem"};
    in.time = time(NULL);
    if (attest_verify(trust, &in, res) != ATTEST_VALID || !policy_text)
        return res->status;
    char err[256];
    attest_policy *p = attest_policy_parse(policy_text, strlen(policy_text), err, sizeof err);
    if (!p) {
        printf("     policy: %s\n", err);
        return ATTEST_BAD_INPUT;
    }
    attest_policy_apply(p, res);
    attest_policy_free(p);
    return res->status;
}

int main(void)
{
    char dir[] = "/tmp/snp-pin-XXXXXX", err[512];
    if (!mkdtemp(dir))
        return 1;
    char chain[64];
    snprintf(chain, sizeof chain, "%s/chain.pem", dir);
    file_contents cf;
    char why[128];
    if (test_attester_create(dir, err, sizeof err) != 0 || !(ta = test_attester_load(dir, err, sizeof err)) ||
        !(trust = attest_trust_new(err, sizeof err)) ||
        file_read_all(chain, 1 << 20, 0, &cf, why, sizeof why) != FILE_OK ||
        attest_trust_add_test_roots(trust, cf.data, cf.size, err, sizeof err) != 0) {
        printf("setup: %s\n", err);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    file_contents_free(&cf);
    snprintf(chain, sizeof chain, "%s/vcek.pem", dir);
    if (file_read_all(chain, 1 << 20, 0, &vcek, why, sizeof why) != FILE_OK) {
        printf("setup: %s: %s\n0 passed, 1 failed\n", chain, why);
        return 1;
    }

    EVP_PKEY *id = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"), *author = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"),
             *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    uint8_t id_d[48], author_d[48], other_d[48];
    CHECK(snp_key_digest(id, id_d, err, sizeof err) == 0);
    CHECK(snp_key_digest(author, author_d, err, sizeof err) == 0);
    CHECK(snp_key_digest(other, other_d, err, sizeof err) == 0);
    char id_hex[97], author_hex[97], other_hex[97];
    snp_hex(id_d, 48, id_hex);
    snp_hex(author_d, 48, author_hex);
    snp_hex(other_d, 48, other_hex);

    struct test_report_fields f;
    test_report_fields_init(&f);
    memcpy(f.id_key_digest, id_d, 48);
    memcpy(f.author_key_digest, author_d, 48);
    f.author_key_en = 1;
    char pol[512];
    attest_result res;

    snprintf(pol, sizeof pol, "[snp]\nauthor_key_digests = [\"%s\"]\n", author_hex);
    CHECK_EQ_INT(verify(&f, pol, &res), ATTEST_VALID);
    attest_result_clear(&res);
    snprintf(pol, sizeof pol, "[snp]\nid_key_digests = [\"%s\"]\n", id_hex);
    CHECK_EQ_INT(verify(&f, pol, &res), ATTEST_VALID);
    attest_result_clear(&res);

    snprintf(pol, sizeof pol, "[snp]\nauthor_key_digests = [\"%s\"]\n", other_hex);
    CHECK_EQ_INT(verify(&f, pol, &res), ATTEST_REFUSED);
    CHECK_EQ_STR(res.check, "policy.author_key_digest");
    attest_result_clear(&res);
    snprintf(pol, sizeof pol, "[snp]\nid_key_digests = [\"%s\"]\n", other_hex);
    CHECK_EQ_INT(verify(&f, pol, &res), ATTEST_REFUSED);
    CHECK_EQ_STR(res.check, "policy.id_key_digest");
    attest_result_clear(&res);

    /* A Keep launched without an author key cannot claim one. */
    f.author_key_en = 0;
    snprintf(pol, sizeof pol, "[snp]\nauthor_key_digests = [\"%s\"]\n", author_hex);
    CHECK_EQ_INT(verify(&f, pol, &res), ATTEST_REFUSED);
    attest_result_clear(&res);

    EVP_PKEY_free(id);
    EVP_PKEY_free(author);
    EVP_PKEY_free(other);
    test_attester_free(ta);
    file_contents_free(&vcek);
    attest_trust_free(trust);
    for (const char *n = "ark.pem\0ask.pem\0vcek.pem\0chain.pem\0vcek-key.pem\0root.sha256\0"; *n; n += strlen(n) + 1) {
        char p[96];
        snprintf(p, sizeof p, "%s/%s", dir, n);
        unlink(p);
    }
    rmdir(dir);
    return check_summary();
}
