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
    default: return "unknown";
    }
}
