/* Unit tests of the attestation module's parsers and helpers: the bounded
 * reader, DER, hex, RFC 3339 times, the exact-bytes JSON member locator, the
 * built-in roots, evidence recognition, and structural refusals of
 * synthetic SNP reports and quotes. */
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

int main(void)
{
    test_reader();
    test_der();
    test_hex_and_time();
    test_json_member();
    test_trust();
    test_recognition();
    return check_summary();
}
