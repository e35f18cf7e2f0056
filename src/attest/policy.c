/* Attestation policy: a TOML file naming what is acceptable. Defaults are
 * strict: debug is refused, Intel TCB status must be known and UpToDate, no
 * advisory is tolerated, and every listed value must match. Unknown keys and
 * wrong types are errors naming line and column, so a typo cannot silently
 * weaken a policy. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attest/internal.h"


#include "config/toml.h"

struct attest_policy {
    toml_value *root;
};

/* ---- schema ------------------------------------------------------------- */

typedef enum { K_BOOL, K_INT, K_HEX, K_HEXLIST, K_STRLIST, K_TABLE } key_kind;

typedef struct key_spec {
    const char *name;
    key_kind kind;
    size_t hex_bytes; /* expected length for K_HEX / K_HEXLIST (0 = 1..64) */
} key_spec;

static const key_spec top_keys[] = {
    {"allow_debug", K_BOOL, 0},
    {"tee", K_STRLIST, 0},
    {"report_data", K_HEX, 0},
    {"allowed_tcb_statuses", K_STRLIST, 0},
    {"allowed_advisories", K_STRLIST, 0},
    {"require_tcb_status", K_BOOL, 0},
    {"snp", K_TABLE, 0},
    {"sgx", K_TABLE, 0},
    {"tdx", K_TABLE, 0},
    {NULL, 0, 0},
};

static const key_spec snp_keys[] = {
    {"measurements", K_HEXLIST, 48}, {"id_key_digests", K_HEXLIST, 48}, {"author_key_digests", K_HEXLIST, 48},
    {"host_data", K_HEX, 32},        {"family_id", K_HEX, 16},          {"image_id", K_HEX, 16},
    {"min_tcb", K_TABLE, 0},         {"vmpl", K_INT, 0},                {"min_guest_svn", K_INT, 0},
    {"allow_migration_agent", K_BOOL, 0}, {"allow_smt", K_BOOL, 0},     {"signing_keys", K_STRLIST, 0},
    {NULL, 0, 0},
};

static const key_spec sgx_keys[] = {
    {"mrenclaves", K_HEXLIST, 32}, {"mrsigners", K_HEXLIST, 32}, {"isv_prod_id", K_INT, 0},
    {"min_isv_svn", K_INT, 0},     {NULL, 0, 0},
};

static const key_spec tdx_keys[] = {
    {"mrtds", K_HEXLIST, 48},  {"mrconfigids", K_HEXLIST, 48}, {"mrowners", K_HEXLIST, 48},
    {"rtmr0", K_HEXLIST, 48},  {"rtmr1", K_HEXLIST, 48},       {"rtmr2", K_HEXLIST, 48},
    {"rtmr3", K_HEXLIST, 48},  {NULL, 0, 0},
};

static const key_spec tcb_keys[] = {
    {"bootloader", K_INT, 0}, {"tee", K_INT, 0}, {"snp", K_INT, 0}, {"microcode", K_INT, 0}, {"fmc", K_INT, 0},
    {NULL, 0, 0},
};

static bool is_hex(const char *s, size_t n, size_t bytes)
{
    if (n == 0 || n % 2 || n > 128 || (bytes && n != 2 * bytes))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool check_value(const toml_value *v, const key_spec *k, const char *path, char *err, size_t errlen);

static bool check_table(const toml_value *t, const key_spec *keys, const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; i < toml_table_size(t); i++) {
        const char *name = toml_table_key(t, i);
        const toml_value *v = toml_table_value(t, i);
        const key_spec *k = keys;
        while (k->name && strcmp(k->name, name) != 0)
            k++;
        if (!k->name) {
            snprintf(err, errlen, "line %u, column %u: unknown key %s%s%s", toml_line(v), toml_column(v), path,
                     *path ? "." : "", name);
            return false;
        }
        char sub[96];
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", name);
        if (!check_value(v, k, sub, err, errlen))
            return false;
    }
    return true;
}

static bool check_value(const toml_value *v, const key_spec *k, const char *path, char *err, size_t errlen)
{
    toml_kind kind = toml_kind_of(v);
    const char *want = NULL;
    switch (k->kind) {
    case K_BOOL:
        if (kind != TOML_BOOL)
            want = "true or false";
        break;
    case K_INT:
        if (kind != TOML_INTEGER || toml_integer(v) < 0 || toml_integer(v) > 0xffffffffLL)
            want = "a non-negative integer";
        break;
    case K_HEX: {
        size_t n;
        const char *s = kind == TOML_STRING ? toml_string(v, &n) : NULL;
        if (!s || !is_hex(s, n, k->hex_bytes))
            want = k->hex_bytes ? "a hex string of the field's full length" : "a hex string (1 to 64 bytes)";
        break;
    }
    case K_HEXLIST:
    case K_STRLIST:
        if (kind != TOML_ARRAY) {
            want = k->kind == K_HEXLIST ? "an array of hex strings" : "an array of strings";
            break;
        }
        for (size_t i = 0; i < toml_array_size(v); i++) {
            const toml_value *e = toml_array_get(v, i);
            size_t n;
            const char *s = toml_kind_of(e) == TOML_STRING ? toml_string(e, &n) : NULL;
            if (!s || (k->kind == K_HEXLIST && !is_hex(s, n, k->hex_bytes))) {
                snprintf(err, errlen, "line %u, column %u: %s[%zu] must be %s", toml_line(e), toml_column(e), path, i,
                         k->kind == K_HEXLIST ? "a hex string of the field's full length" : "a string");
                return false;
            }
        }
        break;
    case K_TABLE:
        if (kind != TOML_TABLE) {
            want = "a table";
            break;
        }
        return check_table(v, !strcmp(path, "snp") ? snp_keys : !strcmp(path, "sgx") ? sgx_keys
                                : !strcmp(path, "tdx") ? tdx_keys : tcb_keys,
                           path, err, errlen);
    }
    if (want) {
        snprintf(err, errlen, "line %u, column %u: %s must be %s (found %s)", toml_line(v), toml_column(v), path, want,
                 toml_kind_name(kind));
        return false;
    }
    return true;
}

attest_policy *attest_policy_parse(const char *text, size_t len, char *err, size_t errlen)
{
    toml_error terr;
    toml_value *root = toml_parse(text, len, &terr);
    if (!root) {
        snprintf(err, errlen, "line %u, column %u: %s", terr.line, terr.column, terr.message);
        return NULL;
    }
    if (!check_table(root, top_keys, "", err, errlen)) {
        toml_free(root);
        return NULL;
    }
    attest_policy *p = calloc(1, sizeof *p);
    if (!p) {
        toml_free(root);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->root = root;
    return p;
}

void attest_policy_free(attest_policy *p)
{
    if (!p)
        return;
    toml_free(p->root);
    free(p);
}

/* ---- evaluation --------------------------------------------------------- */

static const char *claim_s(const attest_result *res, const char *key)
{
    return json_string_value(json_object_get(res->claims, key));
}

static const char *str_of(const toml_value *v)
{
    return v ? toml_string(v, NULL) : NULL;
}

/* One of the listed hex values must equal the claim. */
static bool one_of(const attest_result *res, const toml_value *list, const char *claim_key, const char *what,
                   attest_result *out)
{
    if (!list)
        return true;
    const char *have = claim_s(res, claim_key);
    for (size_t i = 0; have && i < toml_array_size(list); i++)
        if (strcasecmp(str_of(toml_array_get(list, i)), have) == 0)
            return true;
    res_fail(out, "policy.measurement", "add the value to the policy if this software is trusted",
             "%s %s is not one of the %zu allowed by the policy", what, have ? have : "(absent)",
             toml_array_size(list));
    snprintf(out->check, sizeof out->check, "policy.%s", claim_key);
    return false;
}

static bool hex_equal(const attest_result *res, const toml_value *v, const char *claim_key, const char *what,
                      attest_result *out)
{
    if (!v)
        return true;
    const char *want = str_of(v), *have = claim_s(res, claim_key);
    if (have && strcasecmp(want, have) == 0)
        return true;
    res_fail(out, "policy.value", NULL, "%s %s is not the %s required by the policy", what, have ? have : "(absent)",
             want);
    snprintf(out->check, sizeof out->check, "policy.%s", claim_key);
    return false;
}

static bool in_strlist(const toml_value *list, const char *s)
{
    for (size_t i = 0; s && i < toml_array_size(list); i++)
        if (strcmp(str_of(toml_array_get(list, i)), s) == 0)
            return true;
    return false;
}

static bool check_snp(const attest_result *res, const toml_value *t, attest_result *out)
{
    json_t *c = res->claims;
    if (!one_of(res, toml_table_get(t, "measurements"), "measurement", "MEASUREMENT", out) ||
        !one_of(res, toml_table_get(t, "id_key_digests"), "id_key_digest", "ID_KEY_DIGEST", out) ||
        !one_of(res, toml_table_get(t, "author_key_digests"), "author_key_digest", "AUTHOR_KEY_DIGEST", out) ||
        !hex_equal(res, toml_table_get(t, "host_data"), "host_data", "HOST_DATA", out) ||
        !hex_equal(res, toml_table_get(t, "family_id"), "family_id", "FAMILY_ID", out) ||
        !hex_equal(res, toml_table_get(t, "image_id"), "image_id", "IMAGE_ID", out))
        return false;
    const toml_value *v;
    json_t *policy = json_object_get(c, "policy");
    bool migrate = json_is_true(json_object_get(policy, "migrate_ma"));
    v = toml_table_get(t, "allow_migration_agent");
    if (migrate && !(v && toml_bool(v))) {
        res_fail(out, "policy.migration_agent", "set snp.allow_migration_agent = true if a migration agent is trusted",
                 "the guest policy allows a migration agent (POLICY.MIGRATE_MA)");
        return false;
    }
    v = toml_table_get(t, "allow_smt");
    if (v && !toml_bool(v) && json_is_true(json_object_get(policy, "smt"))) {
        res_fail(out, "policy.smt", NULL, "the guest policy allows SMT, which the policy forbids");
        return false;
    }
    v = toml_table_get(t, "vmpl");
    long long vmpl = json_integer_value(json_object_get(c, "vmpl"));
    if (v && vmpl != toml_integer(v)) {
        res_fail(out, "policy.vmpl", NULL, "the report is from VMPL %lld; the policy requires VMPL %lld", vmpl,
                 (long long)toml_integer(v));
        return false;
    }
    v = toml_table_get(t, "min_guest_svn");
    long long svn = json_integer_value(json_object_get(c, "guest_svn"));
    if (v && svn < toml_integer(v)) {
        res_fail(out, "policy.guest_svn", NULL, "GUEST_SVN %lld is below the policy's minimum %lld", svn,
                 (long long)toml_integer(v));
        return false;
    }
    v = toml_table_get(t, "signing_keys");
    if (v && !in_strlist(v, claim_s(res, "signing_key"))) {
        res_fail(out, "policy.signing_key", NULL, "the report is signed by the %s, which the policy does not allow",
                 claim_s(res, "signing_key"));
        return false;
    }
    const toml_value *min = toml_table_get(t, "min_tcb");
    json_t *tcb = json_object_get(c, "reported_tcb");
    for (size_t i = 0; min && i < toml_table_size(min); i++) {
        const char *k = toml_table_key(min, i);
        json_t *have = json_object_get(tcb, k);
        long long want = toml_integer(toml_table_value(min, i));
        if (!have && want == 0)
            continue;
        if (!have || json_integer_value(have) < want) {
            res_fail(out, "policy.min_tcb", "update the platform firmware/microcode",
                     "REPORTED_TCB %s=%lld is below the policy's minimum %lld", k,
                     have ? (long long)json_integer_value(have) : -1LL, want);
            return false;
        }
    }
    return true;
}

static bool check_sgx(const attest_result *res, const toml_value *t, attest_result *out)
{
    if (!one_of(res, toml_table_get(t, "mrenclaves"), "mrenclave", "MRENCLAVE", out) ||
        !one_of(res, toml_table_get(t, "mrsigners"), "mrsigner", "MRSIGNER", out))
        return false;
    const toml_value *v = toml_table_get(t, "isv_prod_id");
    long long prod = json_integer_value(json_object_get(res->claims, "isv_prod_id"));
    if (v && prod != toml_integer(v)) {
        res_fail(out, "policy.isv_prod_id", NULL, "ISVPRODID %lld is not the policy's %lld", prod,
                 (long long)toml_integer(v));
        return false;
    }
    v = toml_table_get(t, "min_isv_svn");
    long long svn = json_integer_value(json_object_get(res->claims, "isv_svn"));
    if (v && svn < toml_integer(v)) {
        res_fail(out, "policy.isv_svn", NULL, "ISVSVN %lld is below the policy's minimum %lld", svn,
                 (long long)toml_integer(v));
        return false;
    }
    return true;
}

static bool check_tdx(const attest_result *res, const toml_value *t, attest_result *out)
{
    static const char *const keys[][3] = {
        {"mrtds", "mrtd", "MRTD"},          {"mrconfigids", "mrconfigid", "MRCONFIGID"},
        {"mrowners", "mrowner", "MROWNER"}, {"rtmr0", "rtmr0", "RTMR0"},
        {"rtmr1", "rtmr1", "RTMR1"},        {"rtmr2", "rtmr2", "RTMR2"},
        {"rtmr3", "rtmr3", "RTMR3"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!one_of(res, toml_table_get(t, keys[i][0]), keys[i][1], keys[i][2], out))
            return false;
    return true;
}

attest_status attest_policy_apply(const attest_policy *p, attest_result *res)
{
    if (res->status != ATTEST_VALID)
        return res->status;
    const toml_value *root = p->root, *v;
    const char *tee = claim_s(res, "tee");
    v = toml_table_get(root, "tee");
    if (v && !in_strlist(v, tee))
        return res_fail(res, "policy.tee", NULL, "%s evidence is not accepted by the policy", tee ? tee : "this");
    v = toml_table_get(root, "allow_debug");
    if (json_is_true(json_object_get(res->claims, "debug")) && !(v && toml_bool(v)))
        return res_fail(res, "policy.debug",
                        "launch the workload without debug, or set allow_debug = true for development only",
                        "debug is enabled (%s): the host can read and change the guest's memory, and the policy "
                        "does not allow debug",
                        !strcmp(tee, "sev-snp") ? "POLICY.DEBUG" : !strcmp(tee, "sgx") ? "ATTRIBUTES.DEBUG"
                                                                                        : "TDATTRIBUTES.DEBUG");
    v = toml_table_get(root, "report_data");
    if (v) {
        const char *want = str_of(v), *have = claim_s(res, "report_data");
        size_t n = strlen(want);
        if (!have || strncasecmp(want, have, n) != 0)
            return res_fail(res, "policy.report_data", "the evidence was not made for this request (nonce or key)",
                            "REPORT_DATA %.*s... does not start with the policy's %s", (int)n, have ? have : "",
                            want);
    }
    const toml_value *section = toml_table_get(root, tee ? tee : "");
    if (tee && !strcmp(tee, "sev-snp"))
        section = toml_table_get(root, "snp");
    bool ok = true;
    if (section && !strcmp(tee, "sev-snp"))
        ok = check_snp(res, section, res);
    else if (section && !strcmp(tee, "sgx"))
        ok = check_sgx(res, section, res);
    else if (section && !strcmp(tee, "tdx"))
        ok = check_tdx(res, section, res);
    if (!ok)
        return res->status;
    if (!strcmp(tee, "sgx") || !strcmp(tee, "tdx")) {
        const char *status = claim_s(res, "tcb_status");
        v = toml_table_get(root, "require_tcb_status");
        bool require = !v || toml_bool(v);
        if (!status) {
            if (require)
                return res_fail(res, "policy.tcb_status",
                                "give --tcb-info and --qe-identity (from Intel PCS or a PCCS), or set "
                                "require_tcb_status = false",
                                "the platform's TCB status is unknown (no TCB Info given) and the policy requires it");
        } else {
            const toml_value *allowed = toml_table_get(root, "allowed_tcb_statuses");
            bool ok_status = allowed ? in_strlist(allowed, status) : strcmp(status, "UpToDate") == 0;
            if (!ok_status)
                return res_fail(res, "policy.tcb_status",
                                "update the platform (microcode/BIOS), or list the status in allowed_tcb_statuses",
                                "TCB status %s is not allowed by the policy (allowed: %s)", status,
                                allowed ? "see allowed_tcb_statuses" : "UpToDate");
            const toml_value *adv_ok = toml_table_get(root, "allowed_advisories");
            json_t *adv = json_object_get(res->claims, "advisory_ids"), *a;
            size_t i;
            json_array_foreach(adv, i, a) {
                if (!adv_ok || !in_strlist(adv_ok, json_string_value(a)))
                    return res_fail(res, "policy.advisories", "list the advisory in allowed_advisories if mitigated",
                                    "advisory %s applies to this platform and is not allowed by the policy",
                                    json_string_value(a));
            }
        }
    }
    res_pass(res, "policy satisfied");
    return ATTEST_VALID;
}
