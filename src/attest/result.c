/* The verification result: claims, passed checks, notes, and the first
 * failure with the values involved and what would fix it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/internal.h"

void attest_result_init(attest_result *res)
{
    memset(res, 0, sizeof *res);
    res->status = ATTEST_VALID;
    res->claims = json_object();
    res->checks = json_array();
    res->notes = json_array();
}

void attest_result_clear(attest_result *res)
{
    json_decref(res->claims);
    json_decref(res->checks);
    json_decref(res->notes);
    memset(res, 0, sizeof *res);
}

ATTEST_PRINTF(5, 0)
static attest_status record(attest_result *res, attest_status status, const char *check,
                            const char *hint, const char *fmt, va_list ap)
{
    if (res->status != ATTEST_VALID)
        return res->status; /* the first failure is the one that matters */
    res->status = status;
    snprintf(res->check, sizeof res->check, "%s", check);
    vsnprintf(res->reason, sizeof res->reason, fmt, ap);
    snprintf(res->hint, sizeof res->hint, "%s", hint ? hint : "");
    return status;
}

attest_status res_fail(attest_result *res, const char *check, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    attest_status s = record(res, ATTEST_REFUSED, check, hint, fmt, ap);
    va_end(ap);
    return s;
}

attest_status res_bad_input(attest_result *res, const char *check, const char *hint,
                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    attest_status s = record(res, ATTEST_BAD_INPUT, check, hint, fmt, ap);
    va_end(ap);
    return s;
}

ATTEST_PRINTF(2, 0)
static void append(json_t *array, const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    json_array_append_new(array, json_string(buf));
}

void res_pass(attest_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append(res->checks, fmt, ap);
    va_end(ap);
}

void res_note(attest_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append(res->notes, fmt, ap);
    va_end(ap);
}

void claim_hex(json_t *obj, const char *key, const uint8_t *p, size_t n)
{
    char *s = hex_alloc(p, n);
    if (s) {
        json_object_set_new(obj, key, json_string(s));
        free(s);
    }
}

void claim_str(json_t *obj, const char *key, const char *value)
{
    /* Strings from evidence may hold any bytes: keep only valid UTF-8. */
    json_t *v = json_string(value);
    json_object_set_new(obj, key, v ? v : json_string("(not valid UTF-8)"));
}

void claim_int(json_t *obj, const char *key, long long value)
{
    json_object_set_new(obj, key, json_integer(value));
}

void claim_bool(json_t *obj, const char *key, bool value)
{
    json_object_set_new(obj, key, json_boolean(value));
}

const char *attest_kind_name(attest_kind kind)
{
    switch (kind) {
    case ATTEST_KIND_SNP: return "sev-snp";
    case ATTEST_KIND_SGX: return "sgx";
    case ATTEST_KIND_TDX: return "tdx";
    case ATTEST_KIND_UNATTESTED: return "unattested";
    default: return "unknown";
    }
}

/* A claim holding exactly n bytes of hex, into out. */
static bool claim_bytes(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
    const char *hex = json_string_value(json_object_get(obj, key));
    return hex && strlen(hex) == 2 * n && hex_decode_fixed(hex, out, n);
}

void result_finish(attest_result *res)
{
    res->has_report_data = claim_bytes(res->claims, "report_data", res->report_data, 64);
    static const struct {
        attest_kind kind;
        const char *key;
        size_t len;
    } measurements[] = {
        {ATTEST_KIND_SNP, "measurement", 48},
        {ATTEST_KIND_SGX, "mrenclave", 32},
        {ATTEST_KIND_TDX, "mrtd", 48},
    };
    res->measurement_len = 0;
    for (size_t i = 0; i < sizeof measurements / sizeof measurements[0]; i++)
        if (res->kind == measurements[i].kind &&
            claim_bytes(res->claims, measurements[i].key, res->measurement, measurements[i].len))
            res->measurement_len = measurements[i].len;
    if (res->kind == ATTEST_KIND_UNATTESTED) {
        const char *hex = json_string_value(json_object_get(res->claims, "measurement"));
        size_t n = hex ? strlen(hex) / 2 : 0;
        if (n <= sizeof res->measurement && claim_bytes(res->claims, "measurement", res->measurement, n))
            res->measurement_len = n;
    }
    res->hardware_rooted = res->status == ATTEST_VALID && res->kind != ATTEST_KIND_UNATTESTED &&
                           res->kind != ATTEST_KIND_UNKNOWN;
    if (!res->hardware_rooted)
        res->test_root = false;
}

attest_status attest_expect_measurement(attest_result *res, const uint8_t *expected, size_t len)
{
    if (res->status != ATTEST_VALID)
        return res->status;
    char want[129], got[129];
    hex_encode(expected, len < 64 ? len : 64, want);
    hex_encode(res->measurement, res->measurement_len, got);
    if (res->measurement_len == 0)
        return res_fail(res, "measurement", "this evidence carries no measurement to compare",
                        "expected measurement %s, but the evidence has none", want);
    if (len != res->measurement_len || memcmp(expected, res->measurement, len) != 0)
        return res_fail(res, "measurement",
                        "the Keep runs other software than expected: compare `enarx keep measure` for the "
                        "build and backend it runs, or fix --expect-measurement",
                        "expected measurement %s, but the evidence says %s", want, got);
    res_pass(res, "the measurement is the expected one (%s)", got);
    return ATTEST_VALID;
}
