/* Unit tests of src/common/cbor.c and src/common/ratls_ext.c: the reader on
 * RFC 8949 Appendix A examples and on every kind of bad input, the writer's
 * exact (shortest) encodings, round trips, and the RA-TLS extension and
 * claims buffer against the bytes Gramine emits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/cbor.h"
#include "common/ratls_ext.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; h[0] && h[1] && n < cap; h += 2) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* One item from hex: type and value as expected, all bytes used. */
static void expect_item(const char *hex, cbor_type type, uint64_t value)
{
    uint8_t b[32];
    size_t n = unhex(hex, b, sizeof b);
    cbor_reader r;
    cbor_reader_init(&r, b, n);
    cbor_item it;
    int ok = cbor_read(&r, &it) && it.type == type && it.value == value &&
             (type == CBOR_BYTES || type == CBOR_TEXT || cbor_left(&r) == 0);
    if (!ok)
        printf("     %s: type %d value %llu (%s)\n", hex, it.type, (unsigned long long)it.value, r.err);
    check_record(ok, __FILE__, __LINE__, hex);
}

static void expect_bad(const char *hex, const char *why_fragment)
{
    uint8_t b[64];
    size_t n = unhex(hex, b, sizeof b);
    cbor_reader r;
    cbor_reader_init(&r, b, n);
    bool ok = cbor_skip(&r) && cbor_left(&r) == 0;
    int pass = !ok && r.bad && strstr(r.err, why_fragment) != NULL;
    if (!pass)
        printf("     %s: skip %s, err \"%s\" (wanted \"%s\")\n", hex, ok ? "succeeded" : "failed", r.err,
               why_fragment);
    check_record(pass, __FILE__, __LINE__, hex);
}

static void test_reader_examples(void)
{
    /* RFC 8949 Appendix A */
    expect_item("00", CBOR_UINT, 0);
    expect_item("17", CBOR_UINT, 23);
    expect_item("1818", CBOR_UINT, 24);
    expect_item("1903e8", CBOR_UINT, 1000);
    expect_item("1a000f4240", CBOR_UINT, 1000000);
    expect_item("1b000000e8d4a51000", CBOR_UINT, 1000000000000ull);
    expect_item("1bffffffffffffffff", CBOR_UINT, UINT64_MAX);
    expect_item("20", CBOR_NEGINT, 0);
    expect_item("3863", CBOR_NEGINT, 99);
    expect_item("f4", CBOR_SIMPLE, 20);
    expect_item("f6", CBOR_SIMPLE, 22);
    expect_item("4401020304", CBOR_BYTES, 4);
    expect_item("6449455446", CBOR_TEXT, 4);
    expect_item("d818", CBOR_TAG, 24);
    expect_item("d9ea60", CBOR_TAG, 60000);
    /* non-shortest heads are read (the writer never makes them) */
    expect_item("1800", CBOR_UINT, 0);

    uint8_t b[64];
    size_t n = unhex("a26161016162820203", b, sizeof b); /* {"a": 1, "b": [2, 3]} */
    cbor_reader r;
    cbor_reader_init(&r, b, n);
    CHECK(cbor_skip(&r) && cbor_left(&r) == 0);
    cbor_reader_init(&r, b, n);
    uint64_t pairs, v, cnt;
    const uint8_t *p;
    size_t pn;
    CHECK(cbor_read_map(&r, &pairs) && pairs == 2);
    CHECK(cbor_read_text(&r, &p, &pn) && pn == 1 && p[0] == 'a');
    CHECK(cbor_read_uint(&r, &v) && v == 1);
    CHECK(cbor_read_text(&r, &p, &pn) && pn == 1 && p[0] == 'b');
    CHECK(cbor_read_array(&r, &cnt) && cnt == 2);
    /* the wrong type is an error naming both */
    CHECK(!cbor_read_text(&r, &p, &pn) && strstr(r.err, "unsigned integer where a text string") != NULL);
    CHECK(!cbor_read_uint(&r, &v)); /* sticky */
}

static void test_reader_refusals(void)
{
    expect_bad("", "ends where an item");
    expect_bad("19ff", "cut short");
    expect_bad("5f", "indefinite");
    expect_bad("9f01ff", "indefinite");
    expect_bad("bf", "indefinite");
    expect_bad("1c", "reserved");
    expect_bad("f97c00", "not supported"); /* half float */
    expect_bad("fb3ff199999999999a", "not supported");
    expect_bad("f0", "not supported");
    expect_bad("45010203", "only 3 remain");
    expect_bad("5bffffffffffffffff00", "remain");
    expect_bad("9bffffffffffffffff", "entries");
    expect_bad("a30102", "entries");  /* 3 pairs in 2 bytes */
    /* 17 nested arrays: deeper than CBOR_MAX_DEPTH */
    expect_bad("81818181818181818181818181818181818100", "nested deeper");
    expect_bad("d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea60d9ea6000",
               "nested deeper");
}

static void test_writer(void)
{
    struct {
        uint64_t v;
        const char *hex;
    } cases[] = {
        {0, "00"}, {23, "17"}, {24, "1818"}, {255, "18ff"}, {256, "190100"}, {65535, "19ffff"},
        {65536, "1a00010000"}, {0xffffffffu, "1affffffff"}, {0x100000000ull, "1b0000000100000000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[16], want[16];
        cbor_writer w;
        cbor_writer_init(&w, buf, sizeof buf);
        cbor_put_uint(&w, cases[i].v);
        size_t n = unhex(cases[i].hex, want, sizeof want);
        CHECK(!w.overflow && w.len == n && memcmp(buf, want, n) == 0);
        CHECK_EQ_INT(cbor_head_size(cases[i].v), n);
    }
    /* counting, then overflow */
    cbor_writer w;
    cbor_writer_init(&w, NULL, 0);
    cbor_put_tag(&w, 60000);
    cbor_put_array(&w, 2);
    cbor_put_bytes(&w, (const uint8_t *)"abc", 3);
    cbor_put_text(&w, "xy", 2);
    CHECK(!w.overflow && w.len == 3 + 1 + 4 + 3);
    uint8_t small[5];
    cbor_writer_init(&w, small, sizeof small);
    cbor_put_tag(&w, 60000);
    cbor_put_array(&w, 2);
    cbor_put_bytes(&w, (const uint8_t *)"abc", 3);
    CHECK(w.overflow && w.len == 8);
}

/* Gramine's worked vector (../shared/docs/ratls.md §1.4). */
static const char gramine_claims_hex[] =
    "a16b7075626b65792d686173685824820158205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e4851";

static void test_claims(void)
{
    uint8_t want[64], hash[32], buf[128];
    size_t n = unhex(gramine_claims_hex, want, sizeof want);
    CHECK_EQ_INT(n, 51);
    memcpy(hash, want + n - 32, 32);
    size_t len = ratls_claims_encode(RATLS_HASH_SHA256, hash, 32, NULL, 0, buf, sizeof buf);
    CHECK(len == 51 && memcmp(buf, want, 51) == 0);
    CHECK_EQ_INT(ratls_claims_encode(RATLS_HASH_SHA256, hash, 32, NULL, 0, NULL, 0), 51);

    ratls_claims c;
    char err[160];
    CHECK(ratls_claims_decode(want, n, &c, err, sizeof err));
    CHECK(c.hash_alg == 1 && c.hash_len == 32 && memcmp(c.hash, hash, 32) == 0 && !c.nonce);

    /* with a nonce and SHA-384 and SHA-512 */
    uint8_t h64[64] = {1, 2, 3}, nonce[8] = {9};
    for (unsigned alg = 7; alg <= 8; alg++) {
        len = ratls_claims_encode(alg, h64, ratls_hash_len(alg), nonce, sizeof nonce, buf, sizeof buf);
        CHECK(len <= sizeof buf && ratls_claims_decode(buf, len, &c, err, sizeof err));
        CHECK(c.hash_alg == alg && c.hash_len == ratls_hash_len(alg) && c.nonce_len == 8 && c.nonce[0] == 9);
    }

    /* rats-tls style: extra claims are ignored and counted */
    uint8_t extra[128];
    size_t en = unhex("a3656b65795f304876616c75655f3000"
                      "6b7075626b65792d686173685824820158205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e4851"
                      "656b65795f31a1616101",
                      extra, sizeof extra);
    CHECK(ratls_claims_decode(extra, en, &c, err, sizeof err) && c.other_claims == 2);

    struct {
        const char *hex, *why;
    } bad[] = {
        {"a0", "no \"pubkey-hash\""},
        {"80", "must be a map"},
        {"a1016100", "keys must be text"},
        /* alg 2 is not understood */
        {"a16b7075626b65792d686173685824820258205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e4851",
         "hash algorithm 2"},
        /* SHA-384 with a 32-byte hash */
        {"a16b7075626b65792d686173685824820758205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e4851",
         "32-byte hash for algorithm 7"},
        /* the hash entry not wrapped in a bstr */
        {"a16b7075626b65792d68617368820158205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e4851",
         "must be a byte string"},
        /* duplicate key */
        {"a26b7075626b65792d686173685824820158205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e4851"
         "6b7075626b65792d686173685824820158205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e4851",
         "appears twice"},
        /* a byte after the map */
        {"a16b7075626b65792d686173685824820158205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e485100",
         "after the claims map"},
        /* three items in the hash entry */
        {"a16b7075626b65792d686173685825830158205a5a5b2d177433048e9d62409d1acc4ec526c06e294d09e69a36cff9369e485100",
         "3 items"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[256];
        size_t bn = unhex(bad[i].hex, b, sizeof b);
        bool ok = ratls_claims_decode(b, bn, &c, err, sizeof err);
        if (ok || !strstr(err, bad[i].why))
            printf("     case %zu: %s (wanted \"%s\")\n", i, ok ? "accepted" : err, bad[i].why);
        check_record(!ok && strstr(err, bad[i].why) != NULL, __FILE__, __LINE__, bad[i].why);
    }
}

static void test_extension(void)
{
    uint8_t quote[300], claims[51], buf[512];
    for (size_t i = 0; i < sizeof quote; i++)
        quote[i] = (uint8_t)i;
    unhex(gramine_claims_hex, claims, sizeof claims);
    size_t len = ratls_ext_encode(RATLS_TAG_INTEL_QUOTE, quote, sizeof quote, claims, sizeof claims, buf, sizeof buf);
    /* d9 ea60 | 82 | 59 012c <300> | 58 33 <51> */
    CHECK_EQ_INT(len, 3 + 1 + 3 + 300 + 2 + 51);
    CHECK(buf[0] == 0xd9 && buf[1] == 0xea && buf[2] == 0x60 && buf[3] == 0x82 && buf[4] == 0x59 &&
          buf[5] == 0x01 && buf[6] == 0x2c && buf[307] == 0x58 && buf[308] == 0x33);
    ratls_ext e;
    char err[160];
    CHECK(ratls_ext_decode(buf, len, &e, err, sizeof err));
    CHECK(e.tag == 60000 && e.evidence_len == 300 && e.evidence[299] == (uint8_t)299 && e.claims_len == 51);
    CHECK(!ratls_ext_decode(buf, len - 1, &e, err, sizeof err));
    buf[len] = 0;
    CHECK(!ratls_ext_decode(buf, len + 1, &e, err, sizeof err) && strstr(err, "after the tagged array"));
    buf[3] = 0x83;
    CHECK(!ratls_ext_decode(buf, len, &e, err, sizeof err) && strstr(err, "3 items"));
    buf[3] = 0x82;
    buf[0] = 0x82; /* no tag */
    CHECK(!ratls_ext_decode(buf, len, &e, err, sizeof err) && strstr(err, "tag"));
    /* every truncation is refused, never read past the end */
    buf[0] = 0xd9;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        if (ratls_ext_decode(copy, cut, &e, err, sizeof err))
            check_record(0, __FILE__, __LINE__, "a truncated extension decoded");
        free(copy);
    }
    /* an empty evidence or claims buffer */
    len = ratls_ext_encode(60000, quote, 0, claims, sizeof claims, buf, sizeof buf);
    CHECK(!ratls_ext_decode(buf, len, &e, err, sizeof err) && strstr(err, "evidence is empty"));
    /* oversize */
    uint8_t *ev = calloc(1, RATLS_EXT_MAX), *big = calloc(1, RATLS_EXT_MAX + 128);
    size_t bl = ratls_ext_encode(60000, ev, RATLS_EXT_MAX, claims, sizeof claims, big, RATLS_EXT_MAX + 128);
    CHECK(bl > RATLS_EXT_MAX && bl <= RATLS_EXT_MAX + 128);
    CHECK(!ratls_ext_decode(big, bl, &e, err, sizeof err) && strstr(err, "at most"));
    free(ev);
    free(big);
}

int main(void)
{
    test_reader_examples();
    test_reader_refusals();
    test_writer();
    test_claims();
    test_extension();
    return check_summary();
}
