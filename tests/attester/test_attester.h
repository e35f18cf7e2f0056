/* The test attester: TEST-ONLY. Signs SEV-SNP-format attestation reports
 * with a key chain the test suite creates, so that the whole hardware
 * verification path (chain, TCB binding, chip binding, signature, policy,
 * report-data binding) runs end to end without SNP hardware.
 *
 * Never linked into `enarx` or `enarx-exec`: it is the library
 * $(TEST_ATTESTER_LIB) (build/lib/libtest-attester.a, built by `make test`)
 * plus the tool build/tests/attester/enarx-test-attester. Test builds link
 * it explicitly (e.g. a test build of enarx that answers getatt with it).
 *
 * The chain is shaped like AMD's for Milan — ARK (self-signed) -> ASK ->
 * VCEK, ARK and ASK RSA keys signing with RSASSA-PSS (SHA-384, MGF1-SHA-384,
 * salt 48), the VCEK an EC P-384 key with AMD's VCEK extensions (structVersion,
 * productName, blSPL/teeSPL/snpSPL/ucodeSPL equal to the reports'
 * REPORTED_TCB, hwID equal to their CHIP_ID) — but its names say TEST
 * ("ARK-Milan-TEST", O = "Enarx test attester - NOT AMD") and its keys are
 * made fresh by test_attester_create. RSA keys are 2048 bits (AMD's are
 * 4096) to keep the suites fast; the verifier does not depend on the size.
 *
 * The verifier refuses these reports unless explicitly given the test root
 * (`--test-root DIR/chain.pem`, attest_trust_add_test_roots, or a policy's
 * `test_roots` pinning SHA-256(ARK DER)), and then marks the result as
 * test-rooted.
 *
 * Files in the directory (PEM):
 *   ark.pem, ask.pem, vcek.pem  the certificates
 *   chain.pem                   ARK + ASK: what --test-root takes
 *   vcek-key.pem                the VCEK's private key (test only!)
 *   root.sha256                 hex SHA-256 of the ARK's DER (for a policy's test_roots)
 */
#ifndef TESTS_ATTESTER_TEST_ATTESTER_H
#define TESTS_ATTESTER_TEST_ATTESTER_H

#include <stddef.h>
#include <stdint.h>

#define TEST_ATTESTER_REPORT_LEN 1184

typedef struct test_attester test_attester;

/* Makes a new chain in dir (created if missing; files replaced). 0, or -1
 * with a message. Takes a second or so (RSA key generation). */
int test_attester_create(const char *dir, char *err, size_t errlen);

/* Loads a chain made by test_attester_create. NULL with a message. The
 * result may be used by several threads at once. */
test_attester *test_attester_load(const char *dir, char *err, size_t errlen);
void test_attester_free(test_attester *ta);

/* Report fields a test may choose; test_report_fields_init gives a report a
 * strict verifier accepts: version 3 (Milan CPUID 19/01/01), POLICY 0x30000
 * (bit 17 + SMT; no debug, no migration agent), VMPL 0, signed by the VCEK,
 * REPORTED_TCB = CURRENT_TCB = COMMITTED_TCB = LAUNCH_TCB = the VCEK's TCB,
 * CHIP_ID = the VCEK's hwID, everything else zero. */
struct test_report_fields {
    uint8_t measurement[48];
    uint8_t host_data[32];
    uint64_t policy;
    uint32_t vmpl;
    uint32_t guest_svn;
    /* An ID block's signer, as SNP_LAUNCH_FINISH records it: ID_KEY_DIGEST,
     * and with author_key_en AUTHOR_KEY_DIGEST and KEY_INFO.AUTHOR_KEY_EN. */
    uint8_t id_key_digest[48];
    uint8_t author_key_digest[48];
    int author_key_en;
};
void test_report_fields_init(struct test_report_fields *f);

/* Fills report[0..1183] with an ATTESTATION_REPORT carrying report_data and
 * f (NULL: the defaults), signed (ECDSA P-384/SHA-384 over bytes
 * 0x000-0x29F, R and S little-endian) by the test VCEK. 0 or -1. */
int test_attester_sign_report(const test_attester *ta, const uint8_t report_data[64],
                              const struct test_report_fields *f, uint8_t report[TEST_ATTESTER_REPORT_LEN]);

/* The typed evidence a Keep's getatt would return (abi/evidence.h, kind
 * ENARX_EVIDENCE_SNP): header, the signed report, and as extra the
 * certificate table of an extended guest request holding the VCEK, ASK and
 * ARK (AMD's GUIDs, DER). *out is malloc'd (free it). 0 or -1. */
int test_attester_evidence(const test_attester *ta, const uint8_t report_data[64],
                           const struct test_report_fields *f, uint8_t **out, size_t *out_len);

/* SHA-256 of the test ARK's DER (what a policy's test_roots pins). */
void test_attester_root_sha256(const test_attester *ta, uint8_t out[32]);

#endif
