/* Attestation policy: a TOML file naming what is acceptable. Defaults are
 * strict: debug is refused, Intel TCB status must be known and UpToDate, no
 * advisory is tolerated, and every listed value must match. Unknown keys,
 * wrong types, values outside a key's set and lists that would refuse
 * everything are errors naming line and column, so a typo cannot silently
 * change what a policy accepts. */
#include <ctype.h>
#include <stdarg.h>
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

typedef struct key_spec key_spec;
struct key_spec {
    const char *name;
    const char *const *choices;    /* K_STRLIST: the allowed strings (NULL = any) */
    const key_spec *table;         /* K_TABLE: its keys */
    size_t hex_bytes;              /* K_HEX / K_HEXLIST: exact length (0 = 1..64 bytes) */
    key_kind kind;
    bool may_be_empty;             /* list: [] is meaningful (otherwise an error) */
};

static const char *const tee_names[] = {"sev-snp", "sgx", "tdx", "unattested", NULL};
static const char *const signing_key_names[] = {"vcek", "vlek", NULL};
/* Intel's TCB statuses a policy may accept. "Revoked" is not among them: the
 * verifier refuses it whatever a policy says. */
static const char *const tcb_status_names[] = {
    "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
    "OutOfDate", "OutOfDateConfigurationNeeded", NULL,
};

static const key_spec tcb_keys[] = {
    {"bootloader", NULL, NULL, 0, K_INT, false}, {"tee", NULL, NULL, 0, K_INT, false},
    {"snp", NULL, NULL, 0, K_INT, false},        {"microcode", NULL, NULL, 0, K_INT, false},
    {"fmc", NULL, NULL, 0, K_INT, false},        {NULL, NULL, NULL, 0, 0, false},
};

static const key_spec snp_keys[] = {
    {"measurements", NULL, NULL, 48, K_HEXLIST, false},
    {"id_key_digests", NULL, NULL, 48, K_HEXLIST, false},
    {"author_key_digests", NULL, NULL, 48, K_HEXLIST, false},
    {"host_data", NULL, NULL, 32, K_HEX, false},
    {"family_id", NULL, NULL, 16, K_HEX, false},
    {"image_id", NULL, NULL, 16, K_HEX, false},
    {"min_tcb", NULL, tcb_keys, 0, K_TABLE, false},
    {"vmpl", NULL, NULL, 0, K_INT, false},
    {"min_guest_svn", NULL, NULL, 0, K_INT, false},
    {"allow_migration_agent", NULL, NULL, 0, K_BOOL, false},
    {"allow_smt", NULL, NULL, 0, K_BOOL, false},
    {"signing_keys", signing_key_names, NULL, 0, K_STRLIST, false},
    {NULL, NULL, NULL, 0, 0, false},
};

static const key_spec sgx_keys[] = {
    {"mrenclaves", NULL, NULL, 32, K_HEXLIST, false},
    {"mrsigners", NULL, NULL, 32, K_HEXLIST, false},
    {"isv_prod_id", NULL, NULL, 0, K_INT, false},
    {"min_isv_svn", NULL, NULL, 0, K_INT, false},
    {NULL, NULL, NULL, 0, 0, false},
};

static const key_spec tdx_keys[] = {
    {"mrtds", NULL, NULL, 48, K_HEXLIST, false},   {"mrconfigids", NULL, NULL, 48, K_HEXLIST, false},
    {"mrowners", NULL, NULL, 48, K_HEXLIST, false}, {"rtmr0", NULL, NULL, 48, K_HEXLIST, false},
    {"rtmr1", NULL, NULL, 48, K_HEXLIST, false},   {"rtmr2", NULL, NULL, 48, K_HEXLIST, false},
    {"rtmr3", NULL, NULL, 48, K_HEXLIST, false},   {NULL, NULL, NULL, 0, 0, false},
};

/* UNATTESTED documents (nil, plain kvm): what the host claims it measured.
 * Not security (nothing vouches for it), but it catches the wrong build. */
static const key_spec unattested_keys[] = {
    {"measurements", NULL, NULL, 0, K_HEXLIST, false},
    {NULL, NULL, NULL, 0, 0, false},
};

static const key_spec top_keys[] = {
    {"allow_debug", NULL, NULL, 0, K_BOOL, false},
    {"allow_unattested", NULL, NULL, 0, K_BOOL, false},
    {"test_roots", NULL, NULL, 32, K_HEXLIST, false},
    {"tee", tee_names, NULL, 0, K_STRLIST, false},
    {"report_data", NULL, NULL, 0, K_HEX, false},
    {"allowed_tcb_statuses", tcb_status_names, NULL, 0, K_STRLIST, false},
    {"allowed_advisories", NULL, NULL, 0, K_STRLIST, true},
    {"require_tcb_status", NULL, NULL, 0, K_BOOL, false},
    {"snp", NULL, snp_keys, 0, K_TABLE, false},
    {"sgx", NULL, sgx_keys, 0, K_TABLE, false},
    {"tdx", NULL, tdx_keys, 0, K_TABLE, false},
    {"unattested", NULL, unattested_keys, 0, K_TABLE, false},
    {NULL, NULL, NULL, 0, 0, false},
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

/* "96 hex digits (48 bytes)" or "a hex string of 1 to 64 bytes". */
static const char *hex_wanted(size_t bytes, char *buf, size_t len)
{
    if (bytes)
        snprintf(buf, len, "%zu hex digits (%zu bytes)", 2 * bytes, bytes);
    else
        snprintf(buf, len, "an even number of hex digits (1 to 64 bytes)");
    return buf;
}

/* A printable string without NUL or control characters. */
static bool plain_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return n > 0;
}

static bool in_choices(const char *const *choices, const char *s, size_t n)
{
    for (size_t i = 0; choices[i]; i++)
        if (strlen(choices[i]) == n && memcmp(choices[i], s, n) == 0)
            return true;
    return false;
}

/* A key as the user could type it back: control bytes (NUL included) as \uXXXX. */
static const char *escape_key(const char *s, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    for (size_t i = 0; i < n && used + 7 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            used += (size_t)snprintf(buf + used, len - used, "\\u%04x", c);
        else
            buf[used++] = (char)c;
    }
    buf[used] = '\0';
    return buf;
}

/* "a, b, c" into buf (truncated if it does not fit). */
static void join(const char *const *names, size_t count, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}

static void join_choices(const char *const *choices, char *buf, size_t len)
{
    size_t n = 0;
    while (choices[n])
        n++;
    join(choices, n, buf, len);
}

static void join_keys(const key_spec *keys, char *buf, size_t len)
{
    const char *names[16];
    size_t n = 0;
    for (; n < sizeof names / sizeof names[0] && keys[n].name; n++)
        names[n] = keys[n].name;
    join(names, n, buf, len);
}

ATTEST_PRINTF(5, 6)
static bool schema_error(char *err, size_t errlen, unsigned line, unsigned column, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "line %u, column %u: ", line, column);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool check_value(const toml_value *v, const key_spec *k, const char *path, char *err, size_t errlen);

static bool check_table(const toml_value *t, const key_spec *keys, const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; i < toml_table_size(t); i++) {
        const char *name = toml_table_key(t, i);
        size_t name_len = toml_table_key_length(t, i);
        const key_spec *k = keys;
        while (k->name && (strlen(k->name) != name_len || memcmp(k->name, name, name_len) != 0))
            k++;
        if (!k->name) {
            char known[256], shown[96];
            join_keys(keys, known, sizeof known);
            return schema_error(err, errlen, toml_table_key_line(t, i), toml_table_key_column(t, i),
                                "unknown key %s%s%s (known keys%s%s: %s)", path, *path ? "." : "",
                                escape_key(name, name_len, shown, sizeof shown), *path ? " of " : "", path, known);
        }
        char sub[96];
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", name);
        if (!check_value(toml_table_value(t, i), k, sub, err, errlen))
            return false;
    }
    return true;
}

static bool check_list(const toml_value *v, const key_spec *k, const char *path, char *err, size_t errlen)
{
    size_t count = toml_array_size(v);
    if (count == 0 && !k->may_be_empty)
        return schema_error(err, errlen, toml_line(v), toml_column(v),
                            "%s is an empty list, which would refuse all evidence: list the accepted values, "
                            "or remove the key to accept any",
                            path);
    for (size_t i = 0; i < count; i++) {
        const toml_value *e = toml_array_get(v, i);
        size_t n = 0;
        const char *s = toml_kind_of(e) == TOML_STRING ? toml_string(e, &n) : NULL;
        char want[256];
        if (k->kind == K_HEXLIST) {
            if (s && is_hex(s, n, k->hex_bytes))
                continue;
            hex_wanted(k->hex_bytes, want, sizeof want);
        } else if (k->choices) {
            if (s && in_choices(k->choices, s, n))
                continue;
            char names[200];
            join_choices(k->choices, names, sizeof names);
            snprintf(want, sizeof want, "one of %s", names);
        } else {
            if (s && plain_text(s, n))
                continue;
            snprintf(want, sizeof want, "a non-empty string without control characters");
        }
        if (s && plain_text(s, n) && n <= 100)
            return schema_error(err, errlen, toml_line(e), toml_column(e), "%s[%zu] must be %s (found \"%.*s\")",
                                path, i, want, (int)n, s);
        return schema_error(err, errlen, toml_line(e), toml_column(e), "%s[%zu] must be %s (found %s)", path, i,
                            want, s ? "a string that cannot be shown" : toml_kind_name(toml_kind_of(e)));
    }
    return true;
}

static bool check_value(const toml_value *v, const key_spec *k, const char *path, char *err, size_t errlen)
{
    toml_kind kind = toml_kind_of(v);
    char want[96];
    switch (k->kind) {
    case K_BOOL:
        if (kind == TOML_BOOL)
            return true;
        snprintf(want, sizeof want, "true or false");
        break;
    case K_INT:
        if (kind == TOML_INTEGER && toml_integer(v) >= 0 && toml_integer(v) <= 0xffffffffLL)
            return true;
        if (kind == TOML_INTEGER)
            return schema_error(err, errlen, toml_line(v), toml_column(v),
                                "%s must be an integer from 0 to 4294967295 (found %lld)", path,
                                (long long)toml_integer(v));
        snprintf(want, sizeof want, "a non-negative integer");
        break;
    case K_HEX: {
        size_t n = 0;
        const char *s = kind == TOML_STRING ? toml_string(v, &n) : NULL;
        if (s && is_hex(s, n, k->hex_bytes))
            return true;
        hex_wanted(k->hex_bytes, want, sizeof want);
        if (s)
            return schema_error(err, errlen, toml_line(v), toml_column(v), "%s must be %s (found %zu characters)",
                                path, want, n);
        break;
    }
    case K_HEXLIST:
    case K_STRLIST:
        if (kind == TOML_ARRAY)
            return check_list(v, k, path, err, errlen);
        snprintf(want, sizeof want, "%s", k->kind == K_HEXLIST ? "an array of hex strings" : "an array of strings");
        break;
    case K_TABLE:
        if (kind == TOML_TABLE)
            return check_table(v, k->table, path, err, errlen);
        snprintf(want, sizeof want, "a table");
        break;
    default:
        snprintf(want, sizeof want, "(internal: unknown key kind)");
        break;
    }
    return schema_error(err, errlen, toml_line(v), toml_column(v), "%s must be %s (found %s)", path, want,
                        toml_kind_name(kind));
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
        if (!have) {
            res_fail(out, "policy.min_tcb", "set snp.min_tcb.fmc only for Turin platforms",
                     "the policy requires %s >= %lld but this %s report's REPORTED_TCB has no %s component", k,
                     want, claim_s(res, "product") ? claim_s(res, "product") : "SNP", k);
            return false;
        }
        if (json_integer_value(have) < want) {
            res_fail(out, "policy.min_tcb", "update the platform firmware/microcode",
                     "REPORTED_TCB %s=%lld is below the policy's minimum %lld", k,
                     (long long)json_integer_value(have), want);
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

/* Intel only: the TCB status from TCB Info, and the advisories of its level. */
static attest_status check_intel_tcb(const toml_value *root, attest_result *res)
{
    const char *status = claim_s(res, "tcb_status");
    const toml_value *v = toml_table_get(root, "require_tcb_status");
    bool require = !v || toml_bool(v);
    if (!status) {
        if (require)
            return res_fail(res, "policy.tcb_status",
                            "give --tcb-info and --qe-identity (from Intel PCS or a PCCS), or set "
                            "require_tcb_status = false",
                            "the platform's TCB status is unknown (no TCB Info given) and the policy requires it");
        return ATTEST_VALID;
    }
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
    return ATTEST_VALID;
}

bool attest_policy_allows_unattested(const attest_policy *p)
{
    const toml_value *v = p ? toml_table_get(p->root, "allow_unattested") : NULL;
    return v && toml_bool(v);
}

int attest_policy_pin_test_roots(const attest_policy *p, attest_trust *trust)
{
    const toml_value *list = p ? toml_table_get(p->root, "test_roots") : NULL;
    for (size_t i = 0; list && i < toml_array_size(list); i++) {
        uint8_t fpr[32];
        if (!hex_decode_fixed(str_of(toml_array_get(list, i)), fpr, 32) || attest_trust_pin_test_root(trust, fpr) < 0)
            return -1;
    }
    return 0;
}

attest_status attest_policy_apply(const attest_policy *p, attest_result *res)
{
    if (res->status != ATTEST_VALID)
        return res->status;
    const toml_value *root = p->root, *v;
    const char *tee = claim_s(res, "tee");
    bool snp = tee && !strcmp(tee, "sev-snp"), sgx = tee && !strcmp(tee, "sgx"), tdx = tee && !strcmp(tee, "tdx");
    bool unattested = tee && !strcmp(tee, "unattested");
    if (!snp && !sgx && !tdx && !unattested)
        return res_fail(res, "policy.tee", NULL, "internal: the result names no TEE (claim \"tee\")");
    v = toml_table_get(root, "tee");
    if (v && !in_strlist(v, tee))
        return res_fail(res, "policy.tee", "add it to the policy's tee list if this TEE is acceptable",
                        "%s evidence is not accepted by the policy", tee);
    if (unattested) {
        /* Accepting it at all was decided by the verification
         * (attest_inputs.allow_unattested: this policy's allow_unattested or
         * the user's explicit option); here only what the host claims. */
        if (!one_of(res, toml_table_get(toml_table_get(root, "unattested"), "measurements"), "measurement",
                    "the measurement the host claims", res))
            return res->status;
        res_pass(res, "policy satisfied (unattested: only the host's claims were judged)");
        return ATTEST_VALID;
    }
    v = toml_table_get(root, "allow_debug");
    if (json_is_true(json_object_get(res->claims, "debug")) && !(v && toml_bool(v)))
        return res_fail(res, "policy.debug",
                        "launch the workload without debug, or set allow_debug = true for development only",
                        "debug is enabled (%s): the host can read and change the guest's memory, and the policy "
                        "does not allow debug",
                        snp ? "POLICY.DEBUG" : sgx ? "ATTRIBUTES.DEBUG" : "TDATTRIBUTES.DEBUG");
    v = toml_table_get(root, "report_data");
    if (v) {
        const char *want = str_of(v), *have = claim_s(res, "report_data");
        size_t n = strlen(want);
        if (!have || strncasecmp(want, have, n) != 0)
            return res_fail(res, "policy.report_data", "the evidence was not made for this request (nonce or key)",
                            "REPORT_DATA %.*s... does not start with the policy's %s", (int)n, have ? have : "",
                            want);
    }
    /* The TEE's section may be absent: its rules still apply with their
     * defaults (e.g. no migration agent). Lookups in a NULL table find nothing. */
    const toml_value *section = toml_table_get(root, snp ? "snp" : tee);
    bool ok = snp ? check_snp(res, section, res) : sgx ? check_sgx(res, section, res) : check_tdx(res, section, res);
    if (!ok)
        return res->status;
    if ((sgx || tdx) && check_intel_tcb(root, res) != ATTEST_VALID)
        return res->status;
    res_pass(res, "policy satisfied");
    return ATTEST_VALID;
}
