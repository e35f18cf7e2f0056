/* Unit tests of the attestation module's parsers and helpers: the bounded
 * reader, DER, hex, RFC 3339 times, the exact-bytes JSON member locator, the
 * built-in roots, evidence recognition, and structural refusals of
 * synthetic SNP reports and quotes, and the policy: its schema (every key,
 * wrong types, unknown keys, with line and column) and every rule. */
#include <stdlib.h>
#include <string.h>

#include "attest/internal.h"
#include "check.h"

static void test_reader(void)
{
    const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    breader r;
    br_init(&r, b, sizeof b);
    CHECK_EQ_INT(br_u16le(&r), 0x0201);
    CHECK_EQ_INT(br_u32le(&r), 0x06050403);
    CHECK(br_take(&r, 4) == NULL); /* only 3 left */
    CHECK(r.bad);
    CHECK_EQ_INT(br_u8(&r), 0); /* sticky failure */
    br_init(&r, b, sizeof b);
    CHECK(br_skip(&r, 9) && br_left(&r) == 0);
    CHECK(br_take(&r, SIZE_MAX) == NULL);
}

static void test_der(void)
{
    const uint8_t seq[] = {0x30, 0x08, 0x06, 0x03, 0x2a, 0x86, 0x48, 0x02, 0x01, 0x05};
    breader r, in;
    der_item it, oid, num;
    br_init(&r, seq, sizeof seq);
    CHECK(der_next(&r, &it) && it.tag == 0x30 && it.len == 8);
    br_init(&in, it.content, it.len);
    CHECK(der_next(&in, &oid) && der_oid_is(&oid, "1.2.840"));
    CHECK(!der_oid_is(&oid, "1.2.841"));
    uint64_t v = 0;
    CHECK(der_next(&in, &num) && der_uint(&num, &v) && v == 5);
    const uint8_t lead0[] = {0x02, 0x02, 0x00, 0xff}, neg[] = {0x02, 0x01, 0x80};
    br_init(&r, lead0, sizeof lead0);
    CHECK(der_next(&r, &it) && der_uint(&it, &v) && v == 255);
    br_init(&r, neg, sizeof neg);
    CHECK(der_next(&r, &it) && !der_uint(&it, &v));
    const uint8_t too_long[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00};
    br_init(&r, too_long, sizeof too_long);
    CHECK(!der_next(&r, &it));
    const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
    br_init(&r, indefinite, sizeof indefinite);
    CHECK(!der_next(&r, &it));
}

static void test_hex_and_time(void)
{
    size_t n;
    uint8_t *p = hex_decode_text((const uint8_t *)"0xA0 0b\n", 8, &n);
    CHECK(p && n == 2 && p[0] == 0xa0 && p[1] == 0x0b);
    free(p);
    CHECK(hex_decode_text((const uint8_t *)"abc", 3, &n) == NULL);
    CHECK(hex_decode_text((const uint8_t *)"zz", 2, &n) == NULL);
    uint8_t two[2];
    CHECK(hex_decode_fixed("ff00", two, 2) && !hex_decode_fixed("ff0", two, 2));
    time_t t;
    CHECK(attest_parse_time("2025-07-01T00:00:00Z", &t) == 0 && t == 1751328000);
    CHECK(attest_parse_time("2025-07-01T02:00:00+02:00", &t) == 0 && t == 1751328000);
    CHECK(attest_parse_time("2025-07-01T00:00:00.123Z", &t) == 0 && t == 1751328000);
    CHECK(attest_parse_time("2025-02-30T00:00:00Z", &t) != 0);
    CHECK(attest_parse_time("2025-07-01", &t) != 0);
    CHECK(attest_parse_time("2025-07-01T00:00:00", &t) != 0);
}

static void test_json_member(void)
{
    const char *doc = "{ \"a\" : [1,{\"}\":\"]\"}], \"tcbInfo\" :{\"x\": \"y\\\"}\" , \"n\":{}} ,\"signature\":\""
                      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
                      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}";
    const uint8_t *m;
    size_t len;
    uint8_t sig[64];
    char err[200];
    CHECK(json_signed_member((const uint8_t *)doc, strlen(doc), "tcbInfo", &m, &len, sig, err, sizeof err));
    CHECK(len == strlen("{\"x\": \"y\\\"}\" , \"n\":{}}") && memcmp(m, "{\"x\"", 4) == 0);
    CHECK(sig[1] == 0x11);
    const char *dup = "{\"tcbInfo\":{},\"tcbInfo\":{},\"signature\":\"00\"}";
    CHECK(!json_signed_member((const uint8_t *)dup, strlen(dup), "tcbInfo", &m, &len, sig, err, sizeof err));
    const char *escaped = "{\"tcb\\u0049nfo\":{},\"signature\":\""
                          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
                          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}";
    CHECK(!json_signed_member((const uint8_t *)escaped, strlen(escaped), "tcbInfo", &m, &len, sig, err, sizeof err));
    CHECK(!json_signed_member((const uint8_t *)"{", 1, "tcbInfo", &m, &len, sig, err, sizeof err));
}

static void test_trust(void)
{
    char err[256];
    attest_trust *t = attest_trust_new(err, sizeof err);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_EQ_INT(sk_X509_num(t->amd_certs), 9);
    char cn[64];
    CHECK_EQ_STR(cert_cn(t->intel_root, cn, sizeof cn), "Intel SGX Root CA");
    /* Replacing roots with something that is not a root is refused. */
    const char *junk = "not a certificate";
    CHECK(attest_trust_set_intel_root(t, (const uint8_t *)junk, strlen(junk), err, sizeof err) != 0);
    CHECK(attest_trust_set_amd_chain(t, (const uint8_t *)junk, strlen(junk), err, sizeof err) != 0);
    attest_trust_free(t);
}

static attest_status verify_bytes(const uint8_t *p, size_t n, attest_result *res)
{
    char err[256];
    attest_trust *t = attest_trust_new(err, sizeof err);
    attest_inputs in;
    memset(&in, 0, sizeof in);
    in.evidence.data = p;
    in.evidence.len = n;
    in.time = 1751328000;
    attest_result_init(res);
    attest_status st = attest_verify(t, &in, res);
    attest_trust_free(t);
    return st;
}

static void test_recognition(void)
{
    attest_result res;
    uint8_t junk[64] = {0xff, 0xfe};
    CHECK_EQ_INT(verify_bytes(junk, sizeof junk, &res), ATTEST_BAD_INPUT);
    attest_result_clear(&res);
    CHECK_EQ_INT(verify_bytes(junk, 0, &res), ATTEST_BAD_INPUT);
    attest_result_clear(&res);

    /* An SNP-shaped report without its VCEK: unreadable input, with a hint. */
    uint8_t snp[0x4A0] = {0};
    snp[0] = 2;
    snp[0x34] = 1;
    CHECK_EQ_INT(verify_bytes(snp, sizeof snp, &res), ATTEST_BAD_INPUT);
    CHECK(strstr(res.hint, "kdsintf.amd.com") != NULL);
    attest_result_clear(&res);

    /* Quotes: truncated header, truncated body, lying lengths. */
    uint8_t q[2000] = {0};
    q[0] = 3;
    q[2] = 2;
    CHECK_EQ_INT(verify_bytes(q, 40, &res), ATTEST_REFUSED);
    CHECK_EQ_STR(res.check, "quote.format");
    attest_result_clear(&res);
    CHECK_EQ_INT(verify_bytes(q, 300, &res), ATTEST_REFUSED);
    CHECK(strstr(res.reason, "truncated") != NULL);
    attest_result_clear(&res);
    q[432] = 0xff; q[433] = 0xff; q[434] = 0xff; q[435] = 0x7f; /* signature_data_len huge */
    CHECK_EQ_INT(verify_bytes(q, sizeof q, &res), ATTEST_REFUSED);
    CHECK(strstr(res.reason, "runs past") != NULL);
    attest_result_clear(&res);
    q[432] = 0x40; q[433] = 0x02; q[434] = 0; q[435] = 0; /* 576 bytes, no room for the QE part */
    CHECK_EQ_INT(verify_bytes(q, 432 + 4 + 576, &res), ATTEST_REFUSED);
    CHECK_EQ_STR(res.check, "quote.format");
    attest_result_clear(&res);
    /* v5 with a body type that does not match its size. */
    uint8_t v5[1000] = {0};
    v5[0] = 5; v5[2] = 2; v5[4] = 0x81; v5[48] = 3; v5[50] = 0x48; v5[51] = 0x02; /* 584 != 648 */
    CHECK_EQ_INT(verify_bytes(v5, sizeof v5, &res), ATTEST_REFUSED);
    CHECK(strstr(res.reason, "body type") != NULL);
    attest_result_clear(&res);
}

/* ---- policy ------------------------------------------------------------- */

/* A verified result with typical claims, as the vendor verifiers make them. */
static void fake_result(attest_result *res, const char *tee)
{
    attest_result_init(res);
    json_t *c = res->claims;
    claim_str(c, "tee", tee);
    claim_bool(c, "debug", false);
    char rd[129];
    memset(rd, 'a', 128);
    rd[128] = '\0';
    claim_str(c, "report_data", rd);
    if (!strcmp(tee, "sev-snp")) {
        char m[97];
        memset(m, '1', 96);
        m[96] = '\0';
        claim_str(c, "product", "Milan");
        claim_str(c, "signing_key", "vcek");
        claim_str(c, "measurement", m);
        claim_str(c, "id_key_digest", m);
        claim_str(c, "author_key_digest", m);
        claim_str(c, "host_data", "2222222222222222222222222222222222222222222222222222222222222222");
        claim_str(c, "family_id", "33333333333333333333333333333333");
        claim_str(c, "image_id", "44444444444444444444444444444444");
        claim_int(c, "vmpl", 0);
        claim_int(c, "guest_svn", 5);
        json_object_set_new(c, "policy", json_pack("{s:b, s:b}", "smt", 1, "migrate_ma", 0));
        json_object_set_new(c, "reported_tcb",
                            json_pack("{s:i, s:i, s:i, s:i}", "bootloader", 3, "tee", 0, "snp", 8, "microcode", 115));
    } else if (!strcmp(tee, "sgx")) {
        claim_str(c, "mrenclave", "5555555555555555555555555555555555555555555555555555555555555555");
        claim_str(c, "mrsigner", "6666666666666666666666666666666666666666666666666666666666666666");
        claim_int(c, "isv_prod_id", 1);
        claim_int(c, "isv_svn", 3);
    } else {
        static const char *const keys[] = {"mrtd", "mrconfigid", "mrowner", "rtmr0", "rtmr1", "rtmr2", "rtmr3"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            char v[97];
            memset(v, (int)('0' + i), 96);
            v[96] = '\0';
            claim_str(c, keys[i], v);
        }
    }
    if (strcmp(tee, "sev-snp") != 0) {
        claim_str(c, "tcb_status", "UpToDate");
        json_object_set_new(c, "advisory_ids", json_array());
    }
}

/* Applies a policy to a fresh result; returns the failed check ("" when
 * accepted, "parse error" when the policy does not parse). */
static const char *policy_verdict(const char *policy_text, const char *tee, void (*edit)(attest_result *),
                                  char *check, size_t len)
{
    char err[512];
    attest_policy *p = attest_policy_parse(policy_text, strlen(policy_text), err, sizeof err);
    if (!p) {
        snprintf(check, len, "parse error");
        return check;
    }
    attest_result res;
    fake_result(&res, tee);
    if (edit)
        edit(&res);
    attest_status st = attest_policy_apply(p, &res);
    snprintf(check, len, "%s", st == ATTEST_VALID ? "" : res.check);
    if ((st == ATTEST_VALID) != (res.check[0] == '\0'))
        snprintf(check, len, "inconsistent status");
    attest_result_clear(&res);
    attest_policy_free(p);
    return check;
}

#define ACCEPTS(text, tee, edit) CHECK_EQ_STR(policy_verdict(text, tee, edit, chk, sizeof chk), "")
#define REFUSES(text, tee, edit, want) CHECK_EQ_STR(policy_verdict(text, tee, edit, chk, sizeof chk), want)

static void set_debug(attest_result *r) { claim_bool(r->claims, "debug", true); }
static void no_tcb_status(attest_result *r) { json_object_del(r->claims, "tcb_status"); }
static void out_of_date(attest_result *r)
{
    claim_str(r->claims, "tcb_status", "OutOfDate");
    json_object_set_new(r->claims, "advisory_ids", json_pack("[s, s]", "INTEL-SA-00289", "INTEL-SA-00615"));
}
static void migration_agent(attest_result *r)
{
    json_object_set_new(r->claims, "policy", json_pack("{s:b, s:b}", "smt", 0, "migrate_ma", 1));
}
static void smt_off(attest_result *r)
{
    json_object_set_new(r->claims, "policy", json_pack("{s:b, s:b}", "smt", 0, "migrate_ma", 0));
}
static void vlek_signed(attest_result *r) { claim_str(r->claims, "signing_key", "vlek"); }
static void turin_tcb(attest_result *r)
{
    json_object_set_new(r->claims, "reported_tcb",
                        json_pack("{s:i, s:i, s:i, s:i, s:i}", "fmc", 2, "bootloader", 3, "tee", 0, "snp", 8,
                                  "microcode", 115));
}

static void test_policy_schema(void)
{
    char err[512];
    struct {
        const char *text;
        const char *message; /* a substring of the error, with its line and column */
    } bad[] = {
        {"allow_debug = 1\n", "line 1, column 15: allow_debug must be true or false (found integer)"},
        {"allow_debug = \"yes\"\n", "line 1, column 15: allow_debug must be true or false (found string)"},
        {"\n\n[sgx]\nmrsigner = [\"00\"]\n", "line 4, column 1: unknown key sgx.mrsigner (known keys of sgx: mrenclaves"},
        {"alow_debug = true\n", "line 1, column 1: unknown key alow_debug"},
        {"[snp]\nmin_tcb = { ucode = 1 }\n", "line 2, column 13: unknown key snp.min_tcb.ucode"},
        {"[snp.min_tcb]\nmicrocode = \"115\"\n", "line 2, column 13: snp.min_tcb.microcode must be a non-negative integer (found string)"},
        {"[snp]\nvmpl = -1\n", "line 2, column 8: snp.vmpl must be an integer from 0 to 4294967295 (found -1)"},
        {"[snp]\nmin_guest_svn = 4294967296\n", "snp.min_guest_svn must be an integer from 0 to 4294967295"},
        {"[snp]\nmin_guest_svn = 1.5\n", "snp.min_guest_svn must be a non-negative integer (found float)"},
        {"tee = \"sgx\"\n", "line 1, column 7: tee must be an array of strings (found string)"},
        {"tee = [\"snp\"]\n", "line 1, column 8: tee[0] must be one of sev-snp, sgx, tdx, unattested (found \"snp\")"},
        {"tee = [\"sgx\", 1]\n", "line 1, column 15: tee[1] must be one of sev-snp, sgx, tdx, unattested (found integer)"},
        {"tee = []\n", "line 1, column 7: tee is an empty list, which would refuse all evidence"},
        {"[sgx]\nmrenclaves = []\n", "sgx.mrenclaves is an empty list"},
        {"[snp]\nsigning_keys = [\"VCEK\"]\n", "snp.signing_keys[0] must be one of vcek, vlek"},
        {"allowed_tcb_statuses = [\"Revoked\"]\n", "allowed_tcb_statuses[0] must be one of UpToDate"},
        {"allowed_tcb_statuses = [\"uptodate\"]\n", "(found \"uptodate\")"},
        {"allowed_advisories = [\"\"]\n", "allowed_advisories[0] must be a non-empty string"},
        {"report_data = \"abc\"\n", "report_data must be an even number of hex digits (1 to 64 bytes) (found 3 characters)"},
        {"report_data = \"zz\"\n", "report_data must be an even number of hex digits"},
        {"[snp]\nhost_data = \"00\"\n", "line 2, column 13: snp.host_data must be 64 hex digits (32 bytes) (found 2 characters)"},
        {"[snp]\nfamily_id = 7\n", "snp.family_id must be 32 hex digits (16 bytes) (found integer)"},
        {"[snp]\nmeasurements = [\"abcd\"]\n", "snp.measurements[0] must be 96 hex digits (48 bytes) (found \"abcd\")"},
        {"[sgx]\nmrsigners = [\"" "0000000000000000000000000000000000000000000000000000000000000000" "00\"]\n",
         "sgx.mrsigners[0] must be 64 hex digits (32 bytes)"},
        {"[tdx]\nrtmr2 = [\"00\"]\n", "line 2, column 10: tdx.rtmr2[0] must be 96 hex digits (48 bytes)"},
        {"[tdx]\nmrtd = []\n", "unknown key tdx.mrtd (known keys of tdx: mrtds"},
        {"snp = 3\n", "line 1, column 7: snp must be a table (found integer)"},
        {"[snp]\nmin_tcb = 3\n", "snp.min_tcb must be a table (found integer)"},
        {"\"allow_debug\\u0000x\" = true\n", "unknown key allow_debug\\u0000x"},
        {"allow_debug = true\nallow_debug = false\n", "line 2"},  /* duplicate key: the TOML parser */
        {"x = \n", "line 1, column 5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        attest_policy *p = attest_policy_parse(bad[i].text, strlen(bad[i].text), err, sizeof err);
        CHECK(p == NULL);
        if (!strstr(err, bad[i].message))
            printf("     policy %zu: error \"%s\", wanted \"%s\"\n", i, err, bad[i].message);
        CHECK(strstr(err, bad[i].message) != NULL);
        attest_policy_free(p);
    }
    /* Every key of the schema parses with a well-formed value. */
    const char *full =
        "allow_debug = false\n"
        "tee = [\"sev-snp\", \"sgx\", \"tdx\"]\n"
        "report_data = \"aaaa\"\n"
        "require_tcb_status = true\n"
        "allowed_tcb_statuses = [\"UpToDate\", \"SWHardeningNeeded\", \"ConfigurationNeeded\",\n"
        "  \"ConfigurationAndSWHardeningNeeded\", \"OutOfDate\", \"OutOfDateConfigurationNeeded\"]\n"
        "allowed_advisories = []\n"
        "[snp]\n"
        "measurements = [\"" "111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111" "\"]\n"
        "id_key_digests = [\"" "111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111" "\"]\n"
        "author_key_digests = [\"" "111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111" "\"]\n"
        "host_data = \"2222222222222222222222222222222222222222222222222222222222222222\"\n"
        "family_id = \"33333333333333333333333333333333\"\n"
        "image_id = \"44444444444444444444444444444444\"\n"
        "min_tcb = { bootloader = 3, tee = 0, snp = 8, microcode = 115, fmc = 0 }\n"
        "vmpl = 0\nmin_guest_svn = 5\nallow_migration_agent = false\nallow_smt = true\n"
        "signing_keys = [\"vcek\", \"vlek\"]\n"
        "[sgx]\n"
        "mrenclaves = [\"5555555555555555555555555555555555555555555555555555555555555555\"]\n"
        "mrsigners = [\"6666666666666666666666666666666666666666666666666666666666666666\"]\n"
        "isv_prod_id = 1\nmin_isv_svn = 3\n"
        "[tdx]\n"
        "mrtds = [\"" "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" "\"]\n"
        "mrconfigids = [\"" "111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111" "\"]\n"
        "mrowners = [\"" "222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222" "\"]\n"
        "rtmr0 = [\"" "333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333" "\"]\n"
        "rtmr1 = [\"" "444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444" "\"]\n"
        "rtmr2 = [\"" "555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555" "\"]\n"
        "rtmr3 = [\"" "666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666" "\"]\n";
    attest_policy *p = attest_policy_parse(full, strlen(full), err, sizeof err);
    CHECK(p != NULL);
    if (!p)
        printf("     full policy: %s\n", err);
    /* ...and it accepts evidence matching all of it. */
    char chk[64];
    ACCEPTS(full, "sev-snp", NULL);
    ACCEPTS(full, "sgx", NULL);
    ACCEPTS(full, "tdx", NULL);
    attest_policy_free(p);
    /* An empty document is the strict defaults. */
    p = attest_policy_parse("", 0, err, sizeof err);
    CHECK(p != NULL);
    attest_policy_free(p);
}

static void test_policy_rules(void)
{
    char chk[64];
    /* Strict defaults (empty policy). */
    ACCEPTS("", "sev-snp", NULL);
    ACCEPTS("", "sgx", NULL);
    REFUSES("", "sev-snp", set_debug, "policy.debug");
    REFUSES("", "sgx", set_debug, "policy.debug");
    REFUSES("", "tdx", set_debug, "policy.debug");
    REFUSES("allow_debug = false\n", "tdx", set_debug, "policy.debug");
    ACCEPTS("allow_debug = true\n", "tdx", set_debug);
    REFUSES("", "sgx", no_tcb_status, "policy.tcb_status");
    ACCEPTS("require_tcb_status = false\n", "sgx", no_tcb_status);
    ACCEPTS("", "sev-snp", no_tcb_status); /* AMD has no TCB status to require */
    REFUSES("", "tdx", out_of_date, "policy.tcb_status");
    REFUSES("allowed_tcb_statuses = [\"OutOfDate\"]\n", "tdx", out_of_date, "policy.advisories");
    REFUSES("allowed_tcb_statuses = [\"OutOfDate\"]\nallowed_advisories = [\"INTEL-SA-00289\"]\n", "tdx",
            out_of_date, "policy.advisories");
    ACCEPTS("allowed_tcb_statuses = [\"OutOfDate\"]\nallowed_advisories = [\"INTEL-SA-00289\", \"INTEL-SA-00615\"]\n",
            "tdx", out_of_date);
    REFUSES("allowed_tcb_statuses = [\"SWHardeningNeeded\"]\n", "sgx", NULL, "policy.tcb_status");
    REFUSES("", "sev-snp", migration_agent, "policy.migration_agent");
    ACCEPTS("[snp]\nallow_migration_agent = true\n", "sev-snp", migration_agent);
    /* tee, report_data */
    REFUSES("tee = [\"sgx\", \"tdx\"]\n", "sev-snp", NULL, "policy.tee");
    ACCEPTS("tee = [\"sev-snp\"]\n", "sev-snp", NULL);
    ACCEPTS("report_data = \"AAAA\"\n", "sgx", NULL);  /* hex compares without case */
    REFUSES("report_data = \"aaab\"\n", "sgx", NULL, "policy.report_data");
    /* SNP values */
    const char *m0 = "[snp]\nmeasurements = [\"" "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" "\"]\n";
    REFUSES(m0, "sev-snp", NULL, "policy.measurement");
    ACCEPTS(m0, "sgx", NULL); /* another TEE's section does not apply */
    REFUSES("[snp]\nid_key_digests = [\"" "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" "\"]\n",
            "sev-snp", NULL, "policy.id_key_digest");
    REFUSES("[snp]\nauthor_key_digests = [\"" "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" "\"]\n",
            "sev-snp", NULL, "policy.author_key_digest");
    REFUSES("[snp]\nhost_data = \"2222222222222222222222222222222222222222222222222222222222222223\"\n", "sev-snp", NULL,
            "policy.host_data");
    REFUSES("[snp]\nfamily_id = \"33333333333333333333333333333334\"\n", "sev-snp", NULL, "policy.family_id");
    REFUSES("[snp]\nimage_id = \"44444444444444444444444444444445\"\n", "sev-snp", NULL, "policy.image_id");
    REFUSES("[snp]\nvmpl = 1\n", "sev-snp", NULL, "policy.vmpl");
    ACCEPTS("[snp]\nmin_guest_svn = 5\n", "sev-snp", NULL);
    REFUSES("[snp]\nmin_guest_svn = 6\n", "sev-snp", NULL, "policy.guest_svn");
    REFUSES("[snp]\nallow_smt = false\n", "sev-snp", NULL, "policy.smt");
    ACCEPTS("[snp]\nallow_smt = false\n", "sev-snp", smt_off);
    REFUSES("[snp]\nsigning_keys = [\"vcek\"]\n", "sev-snp", vlek_signed, "policy.signing_key");
    ACCEPTS("[snp]\nsigning_keys = [\"vlek\"]\n", "sev-snp", vlek_signed);
    ACCEPTS("[snp.min_tcb]\nbootloader = 3\ntee = 0\nsnp = 8\nmicrocode = 115\n", "sev-snp", NULL);
    REFUSES("[snp.min_tcb]\nbootloader = 4\n", "sev-snp", NULL, "policy.min_tcb");
    REFUSES("[snp.min_tcb]\ntee = 1\n", "sev-snp", NULL, "policy.min_tcb");
    REFUSES("[snp.min_tcb]\nsnp = 9\n", "sev-snp", NULL, "policy.min_tcb");
    REFUSES("[snp.min_tcb]\nmicrocode = 116\n", "sev-snp", NULL, "policy.min_tcb");
    ACCEPTS("[snp.min_tcb]\nfmc = 0\n", "sev-snp", NULL);          /* Milan has no FMC: 0 is met */
    REFUSES("[snp.min_tcb]\nfmc = 1\n", "sev-snp", NULL, "policy.min_tcb");
    ACCEPTS("[snp.min_tcb]\nfmc = 2\n", "sev-snp", turin_tcb);
    REFUSES("[snp.min_tcb]\nfmc = 3\n", "sev-snp", turin_tcb, "policy.min_tcb");
    /* SGX values and minimum SVN */
    ACCEPTS("[sgx]\nmrenclaves = [\"00000000000000000000000000000000000000000000000000000000000000ff\", "
            "\"5555555555555555555555555555555555555555555555555555555555555555\"]\n",
            "sgx", NULL);
    REFUSES("[sgx]\nmrenclaves = [\"00000000000000000000000000000000000000000000000000000000000000ff\"]\n", "sgx", NULL,
            "policy.mrenclave");
    REFUSES("[sgx]\nmrsigners = [\"00000000000000000000000000000000000000000000000000000000000000ff\"]\n", "sgx", NULL,
            "policy.mrsigner");
    REFUSES("[sgx]\nisv_prod_id = 2\n", "sgx", NULL, "policy.isv_prod_id");
    ACCEPTS("[sgx]\nmin_isv_svn = 3\n", "sgx", NULL);
    REFUSES("[sgx]\nmin_isv_svn = 4\n", "sgx", NULL, "policy.isv_svn");
    /* TDX: each measurement register on its own */
    static const char *const tdx_keys[][2] = {
        {"mrtds", "policy.mrtd"},   {"mrconfigids", "policy.mrconfigid"}, {"mrowners", "policy.mrowner"},
        {"rtmr0", "policy.rtmr0"},  {"rtmr1", "policy.rtmr1"},            {"rtmr2", "policy.rtmr2"},
        {"rtmr3", "policy.rtmr3"},
    };
    for (size_t i = 0; i < sizeof tdx_keys / sizeof tdx_keys[0]; i++) {
        char text[400], right[97], wrong[97];
        memset(right, (int)('0' + i), 96);
        right[96] = '\0';
        memcpy(wrong, right, sizeof wrong);
        wrong[95] = 'f';
        snprintf(text, sizeof text, "[tdx]\n%s = [\"%s\"]\n", tdx_keys[i][0], right);
        ACCEPTS(text, "tdx", NULL);
        snprintf(text, sizeof text, "[tdx]\n%s = [\"%s\"]\n", tdx_keys[i][0], wrong);
        REFUSES(text, "tdx", NULL, tdx_keys[i][1]);
    }
}

int main(void)
{
    test_reader();
    test_der();
    test_hex_and_time();
    test_json_member();
    test_trust();
    test_recognition();
    test_policy_schema();
    test_policy_rules();
    return check_summary();
}
