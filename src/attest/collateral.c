/* Intel collateral: TCB Info and QE Identity (Intel SGX/TDX PCS API v4).
 *
 * Both are signed over the exact bytes of their JSON member ("tcbInfo",
 * "enclaveIdentity") as it appears in the response, so the member is located
 * in the original text and never re-serialised. Every field the verifier uses
 * is read from a parse of exactly those signed bytes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/internal.h"

/* ---- time --------------------------------------------------------------- */

int attest_parse_time(const char *s, time_t *out)
{
    int Y, M, D, h, m, sec, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6)
        return -1;
    const char *p = s + n;
    if (*p == '.') { /* fractional seconds: ignored */
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
            return -1;
        offset = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
        p += 1 + k;
    } else {
        return -1;
    }
    if (*p != '\0' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    struct tm back;
    if (!gmtime_r(&t, &back) || back.tm_mday != D) /* 2023-02-30 */
        return -1;
    *out = t - offset;
    return 0;
}

/* ---- locating the signed member ---------------------------------------- */

static size_t skip_ws(const uint8_t *t, size_t len, size_t i)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    return i;
}

/* Index just past the string starting at t[i] == '"', or 0 on error. */
static size_t skip_string(const uint8_t *t, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (t[i] == '\\')
            i++;
        else if (t[i] == '"')
            return i + 1;
    }
    return 0;
}

static size_t skip_value(const uint8_t *t, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    if (t[i] == '"')
        return skip_string(t, len, i);
    if (t[i] == '{' || t[i] == '[') {
        size_t depth = 0;
        for (; i < len; i++) {
            if (t[i] == '"') {
                size_t e = skip_string(t, len, i);
                if (!e)
                    return 0;
                i = e - 1;
            } else if (t[i] == '{' || t[i] == '[') {
                depth++;
            } else if (t[i] == '}' || t[i] == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return 0;
    }
    while (i < len && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\n' &&
           t[i] != '\r' && t[i] != '\t')
        i++;
    return i;
}

bool json_signed_member(const uint8_t *text, size_t len, const char *key, const uint8_t **member,
                        size_t *member_len, uint8_t sig[64], char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        snprintf(err, errlen, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        return false;
    }
    const char *sighex = json_string_value(json_object_get(doc, "signature"));
    bool sig_ok = sighex && hex_decode_fixed(sighex, sig, 64);
    bool is_obj = json_is_object(json_object_get(doc, key));
    json_decref(doc);
    if (!is_obj) {
        snprintf(err, errlen, "no \"%s\" object at the top level", key);
        return false;
    }
    if (!sig_ok) {
        snprintf(err, errlen, "no \"signature\" of 128 hex digits at the top level");
        return false;
    }
    size_t klen = strlen(key);
    size_t i = skip_ws(text, len, 0);
    if (i >= len || text[i] != '{')
        goto bad;
    i++;
    for (;;) {
        i = skip_ws(text, len, i);
        if (i >= len || text[i] != '"')
            goto bad;
        size_t kend = skip_string(text, len, i);
        if (!kend)
            goto bad;
        bool match = kend - i - 2 == klen && memcmp(text + i + 1, key, klen) == 0;
        i = skip_ws(text, len, kend);
        if (i >= len || text[i] != ':')
            goto bad;
        i = skip_ws(text, len, i + 1);
        size_t vend = skip_value(text, len, i);
        if (!vend)
            goto bad;
        if (match) {
            *member = text + i;
            *member_len = vend - i;
            return true;
        }
        i = skip_ws(text, len, vend);
        if (i < len && text[i] == ',') {
            i++;
            continue;
        }
        break;
    }
bad:
    /* The key exists (jansson saw it) but not spelled plainly: refuse rather
     * than guess which bytes were signed. */
    snprintf(err, errlen, "cannot locate the exact bytes of \"%s\"", key);
    return false;
}

/* ---- signed collateral ------------------------------------------------- */

/* Verifies a signed collateral document and returns it (its member parsed;
 * it belongs to ctx and may be shared with other threads: read only), or NULL
 * with the failure in res. */
static collateral_doc *verify_signed_json(verify_ctx *ctx, const uint8_t *text, size_t len, const char *name,
                                  const char *key, STACK_OF(X509) *chain, const char *what, const char *check,
                                  time_t when, attest_result *res)
{
    char err[256];
    collateral_doc *doc = ctx_collateral_parse(ctx, text, len, key, err, sizeof err);
    if (!doc) {
        res_fail(res, check, "give the PCS response body unchanged", "%s (%s): %s", what,
                 name ? name : "collateral", err);
        return NULL;
    }
    if (!chain || sk_X509_num(chain) == 0) {
        res_fail(res, check, "give the issuer chain (TCB Signing certificate and Root CA) of the collateral",
                 "%s: no issuer chain", what);
        return NULL;
    }
    X509 *signer = NULL;
    char cn[128];
    for (int i = 0; i < sk_X509_num(chain) && !signer; i++)
        if (strstr(cert_cn(sk_X509_value(chain, i), cn, sizeof cn), "TCB Signing"))
            signer = sk_X509_value(chain, i);
    if (!signer)
        signer = sk_X509_value(chain, 0);
    X509 *root = ctx->trust->intel_root;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        if (c != signer && X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(signer)) == 0 &&
            !same_key(c, root)) {
            res_fail(res, check, "the collateral must be signed under the genuine Intel SGX Root CA",
                     "%s issuer chain: root \"%s\" is not the pinned Intel SGX Root CA (same name, different key)",
                     what, cert_cn(c, cn, sizeof cn));
            return NULL;
        }
    }
    char buf[96];
    snprintf(buf, sizeof buf, "%s signing certificate", what);
    if (!cert_signed_by(ctx, res, check, signer, buf, root, "the pinned Intel SGX Root CA",
                        "the collateral must be signed by Intel's TCB Signing key") ||
        !cert_valid_at(res, check, signer, buf, when) ||
        !cert_valid_at(res, check, root, "Intel SGX Root CA", when))
        return NULL;
    if (ctx_ecdsa_p256_signed(ctx, key, text + doc->member_off, doc->member_len, doc->sig, signer) != 1) {
        res_fail(res, check, "the collateral was altered: fetch it again from Intel PCS or your PCCS",
                 "%s signature does not verify over the \"%s\" bytes with the TCB Signing key", what, key);
        return NULL;
    }
    const char *issue = json_string_value(json_object_get(doc->member, "issueDate"));
    const char *next = json_string_value(json_object_get(doc->member, "nextUpdate"));
    time_t ti, tn;
    if (attest_parse_time(issue, &ti) != 0 || attest_parse_time(next, &tn) != 0) {
        res_fail(res, check, NULL, "%s: issueDate / nextUpdate missing or not RFC 3339", what);
        return NULL;
    }
    char w[32];
    format_time(when, w, sizeof w);
    if (when < ti) {
        res_fail(res, check, "check the verification time (--time)",
                 "%s was issued at %s, after the verification time %s", what, issue, w);
        return NULL;
    }
    if (when > tn) {
        res_fail(res, check, "fetch current collateral from Intel PCS or your PCCS, or verify at a time "
                             "within its period with --time",
                 "%s is stale: issued %s, next update due %s, verification time %s", what, issue, next, w);
        return NULL;
    }
    res_pass(res, "%s signature verifies (TCB Signing -> Intel SGX Root CA); current (%s to %s)", what, issue, next);
    return doc;
}

static bool jhex(json_t *obj, const char *key, uint8_t *out, size_t n)
{
    return hex_decode_fixed(json_string_value(json_object_get(obj, key)), out, n);
}

static bool jint(json_t *obj, const char *key, long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return false;
    *out = json_integer_value(v);
    return true;
}

/* ---- QE Identity ------------------------------------------------------- */

attest_status qe_identity_check(verify_ctx *ctx, const intel_collateral *col,
                                const uint8_t *qe_report, bool tdx, time_t when, attest_result *res,
                                char *qe_status, size_t qe_status_len)
{
    collateral_doc *doc = verify_signed_json(ctx, col->qe_identity, col->qe_identity_len, col->qe_identity_name,
                                             "enclaveIdentity", col->qe_identity_chain, "QE Identity",
                                             "qe.identity", when, res);
    if (!doc)
        return ATTEST_REFUSED;
    json_t *id = doc->member;
    attest_status st = ATTEST_REFUSED;
    const char *want = tdx ? "TD_QE" : "QE";
    const char *got = json_string_value(json_object_get(id, "id"));
    long long version = 0, prodid = 0, eval = 0;
    jint(id, "version", &version);
    jint(id, "tcbEvaluationDataNumber", &eval);
    if (!got || strcmp(got, want) != 0 || version != 2) {
        res_fail(res, "qe.identity", tdx ? "give the TDX QE identity (PCS /tdx/certification/v4/qe/identity)"
                                         : "give the SGX QE identity (PCS /sgx/certification/v4/qe/identity)",
                 "QE Identity is for \"%s\" version %lld; this quote needs \"%s\" version 2",
                 got ? got : "?", version, want);
        goto out;
    }
    uint8_t mrsigner[32], misc[4], miscmask[4], attr[16], attrmask[16];
    if (!jhex(id, "mrsigner", mrsigner, 32) || !jhex(id, "miscselect", misc, 4) ||
        !jhex(id, "miscselectMask", miscmask, 4) || !jhex(id, "attributes", attr, 16) ||
        !jhex(id, "attributesMask", attrmask, 16) || !jint(id, "isvprodid", &prodid)) {
        res_fail(res, "qe.identity", NULL, "QE Identity lacks mrsigner, miscselect, attributes or isvprodid");
        goto out;
    }
    if (memcmp(mrsigner, qe_report + 128, 32) != 0) {
        char a[65], b[65];
        hex_encode(qe_report + 128, 32, a);
        hex_encode(mrsigner, 32, b);
        res_fail(res, "qe.identity", "the quote was not produced by Intel's Quoting Enclave",
                 "QE MRSIGNER %s is not Intel's %s", a, b);
        goto out;
    }
    if (prodid != ld16le(qe_report + 256)) {
        res_fail(res, "qe.identity", NULL, "QE ISVPRODID %u, QE Identity expects %lld", ld16le(qe_report + 256), prodid);
        goto out;
    }
    uint32_t rmisc = ld32le(qe_report + 16);
    uint32_t imisc = (uint32_t)misc[0] << 24 | (uint32_t)misc[1] << 16 | (uint32_t)misc[2] << 8 | misc[3];
    uint32_t imask = (uint32_t)miscmask[0] << 24 | (uint32_t)miscmask[1] << 16 | (uint32_t)miscmask[2] << 8 | miscmask[3];
    if ((rmisc & imask) != imisc) {
        res_fail(res, "qe.identity", NULL, "QE MISCSELECT 0x%08x does not match 0x%08x under mask 0x%08x", rmisc,
                 imisc, imask);
        goto out;
    }
    for (int i = 0; i < 16; i++)
        if ((qe_report[48 + i] & attrmask[i]) != attr[i]) {
            char a[33];
            hex_encode(qe_report + 48, 16, a);
            res_fail(res, "qe.identity", NULL, "QE ATTRIBUTES %s do not match the QE Identity under its mask", a);
            goto out;
        }
    unsigned isvsvn = ld16le(qe_report + 258);
    json_t *levels = json_object_get(id, "tcbLevels");
    const char *status = NULL;
    size_t i;
    json_t *lvl;
    json_array_foreach(levels, i, lvl) {
        long long svn;
        if (!jint(json_object_get(lvl, "tcb"), "isvsvn", &svn))
            continue;
        if ((long long)isvsvn >= svn) {
            status = json_string_value(json_object_get(lvl, "tcbStatus"));
            break;
        }
    }
    if (!status) {
        res_fail(res, "qe.tcb", "update the platform's Quoting Enclave",
                 "QE TCB level not supported: QE ISVSVN %u is below every level of the QE Identity", isvsvn);
        goto out;
    }
    snprintf(qe_status, qe_status_len, "%s", status);
    json_object_set_new(res->claims, "qe_identity",
                        json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", want, "tcb_status", status,
                                  "tcb_evaluation_data_number", (json_int_t)eval, "issue_date",
                                  json_string_value(json_object_get(id, "issueDate")), "next_update",
                                  json_string_value(json_object_get(id, "nextUpdate"))));
    if (strcmp(status, "Revoked") == 0) {
        res_fail(res, "qe.tcb", "the platform's Quoting Enclave must be updated", "the QE's TCB status is Revoked");
        goto out;
    }
    res_pass(res, "QE matches the QE Identity (MRSIGNER, ISVPRODID, MISCSELECT, ATTRIBUTES); QE TCB %s", status);
    st = ATTEST_VALID;
out:
    return st;
}

/* ---- TCB Info ---------------------------------------------------------- */

static const char *converge(const char *platform, const char *other)
{
    if (!other || !*other)
        return platform;
    if (strcmp(other, "Revoked") == 0)
        return "Revoked";
    if (strcmp(other, "OutOfDate") == 0) {
        if (!strcmp(platform, "UpToDate") || !strcmp(platform, "SWHardeningNeeded"))
            return "OutOfDate";
        if (!strcmp(platform, "ConfigurationNeeded") || !strcmp(platform, "ConfigurationAndSWHardeningNeeded"))
            return "OutOfDateConfigurationNeeded";
    }
    return platform;
}

static bool level_comp(json_t *tcb, long version, const char *array, int i, long long *svn)
{
    if (version >= 3) {
        json_t *c = json_array_get(json_object_get(tcb, array), (size_t)i);
        return jint(c, "svn", svn);
    }
    char key[32];
    snprintf(key, sizeof key, "sgxtcbcomp%02dsvn", i + 1);
    return jint(tcb, key, svn);
}

/* TDX module identity: MRSIGNERSEAM, SEAMATTRIBUTES and the module's own
 * TCB level. Fills module_status. */
static attest_status tdx_module_check(json_t *info, const tdx_tcb_input *tdx, attest_result *res,
                                      const char **module_status)
{
    unsigned major = tdx->tee_tcb_svn[1], minor = tdx->tee_tcb_svn[0];
    json_t *ident = json_object_get(info, "tdxModule");
    json_t *levels = NULL;
    char idname[16] = "tdxModule";
    if (major > 0) {
        snprintf(idname, sizeof idname, "TDX_%02X", major);
        json_t *ids = json_object_get(info, "tdxModuleIdentities"), *it;
        size_t i;
        ident = NULL;
        json_array_foreach(ids, i, it) {
            const char *n = json_string_value(json_object_get(it, "id"));
            if (n && strcmp(n, idname) == 0)
                ident = it;
        }
        if (!ident)
            return res_fail(res, "tdx.module", "fetch current TCB Info for this platform",
                            "TDX module identity %s (TEE_TCB_SVN[1] = %u) is not in the TCB Info", idname, major);
        levels = json_object_get(ident, "tcbLevels");
    }
    uint8_t mrsigner[48], attr[8], mask[8];
    if (!json_is_object(ident) || !jhex(ident, "mrsigner", mrsigner, 48) || !jhex(ident, "attributes", attr, 8) ||
        !jhex(ident, "attributesMask", mask, 8))
        return res_fail(res, "tdx.module", NULL, "the TCB Info lacks the TDX module identity %s", idname);
    if (memcmp(mrsigner, tdx->mrsignerseam, 48) != 0) {
        char a[97];
        hex_encode(tdx->mrsignerseam, 48, a);
        return res_fail(res, "tdx.module", "the TDX module is not signed by Intel",
                        "MRSIGNERSEAM %.32s... does not match the TCB Info's %s mrsigner", a, idname);
    }
    for (int i = 0; i < 8; i++)
        if (tdx->seam_attributes[i] != 0 || (tdx->seam_attributes[i] & mask[i]) != attr[i])
            return res_fail(res, "tdx.module", NULL, "SEAMATTRIBUTES must be zero and match the TCB Info");
    *module_status = NULL;
    if (levels) {
        json_t *lvl;
        size_t i;
        json_array_foreach(levels, i, lvl) {
            long long svn;
            if (jint(json_object_get(lvl, "tcb"), "isvsvn", &svn) && (long long)minor >= svn) {
                *module_status = json_string_value(json_object_get(lvl, "tcbStatus"));
                break;
            }
        }
        if (!*module_status)
            return res_fail(res, "tdx.module", "update the TDX module",
                            "TDX module TCB level not supported: module SVN %u is below every level of %s", minor,
                            idname);
    }
    res_pass(res, "TDX module matches %s in the TCB Info%s%s", idname, *module_status ? "; module TCB " : "",
             *module_status ? *module_status : "");
    return ATTEST_VALID;
}

attest_status tcb_info_check(verify_ctx *ctx, const intel_collateral *col, const pck_info *pck,
                             const tdx_tcb_input *tdx, const char *qe_status, time_t when, attest_result *res)
{
    collateral_doc *doc = verify_signed_json(ctx, col->tcb_info, col->tcb_info_len, col->tcb_info_name,
                                             "tcbInfo", col->tcb_info_chain, "TCB Info", "tcb.info", when, res);
    if (!doc)
        return ATTEST_REFUSED;
    json_t *info = doc->member;
    attest_status st = ATTEST_REFUSED;
    long long version = 0, eval = 0;
    jint(info, "version", &version);
    jint(info, "tcbEvaluationDataNumber", &eval);
    const char *id = json_string_value(json_object_get(info, "id"));
    const char *want = tdx ? "TDX" : "SGX";
    if ((id && strcmp(id, want) != 0) || (!id && tdx) || version < 2 || (tdx && version < 3)) {
        res_fail(res, "tcb.info", tdx ? "give the TDX TCB Info (PCS /tdx/certification/v4/tcb)"
                                      : "give the SGX TCB Info (PCS /sgx/certification/v4/tcb)",
                 "TCB Info is for \"%s\" version %lld; this quote needs %s%s", id ? id : "SGX", version, want,
                 tdx ? " version 3" : "");
        goto out;
    }
    uint8_t fmspc[6], pceid[2];
    if (!jhex(info, "fmspc", fmspc, 6) || !jhex(info, "pceId", pceid, 2)) {
        res_fail(res, "tcb.info", NULL, "TCB Info lacks fmspc or pceId");
        goto out;
    }
    if (memcmp(fmspc, pck->fmspc, 6) != 0) {
        char a[13], b[13];
        hex_encode(pck->fmspc, 6, a);
        hex_encode(fmspc, 6, b);
        char hint[160];
        snprintf(hint, sizeof hint, "fetch the TCB Info for FMSPC %s (PCS .../tcb?fmspc=%s)", a, a);
        res_fail(res, "tcb.fmspc", hint, "TCB Info is for FMSPC %s but the PCK certificate's FMSPC is %s", b, a);
        goto out;
    }
    if (memcmp(pceid, pck->pceid, 2) != 0) {
        res_fail(res, "tcb.fmspc", NULL, "TCB Info PCE-ID %02x%02x does not match the PCK's %02x%02x", pceid[0],
                 pceid[1], pck->pceid[0], pck->pceid[1]);
        goto out;
    }
    const char *module_status = NULL;
    if (tdx && tdx_module_check(info, tdx, res, &module_status) != ATTEST_VALID)
        goto out;

    json_t *levels = json_object_get(info, "tcbLevels"), *lvl, *match = NULL;
    size_t i;
    int tdx_from = tdx && tdx->tee_tcb_svn[1] > 0 ? 2 : 0;
    json_array_foreach(levels, i, lvl) {
        json_t *tcb = json_object_get(lvl, "tcb");
        long long svn;
        bool ok = json_is_object(tcb);
        for (int k = 0; ok && k < 16; k++)
            ok = level_comp(tcb, (long)version, "sgxtcbcomponents", k, &svn) && pck->comps[k] >= svn;
        ok = ok && jint(tcb, "pcesvn", &svn) && pck->pcesvn >= svn;
        for (int k = tdx_from; ok && tdx && k < 16; k++)
            ok = level_comp(tcb, 3, "tdxtcbcomponents", k, &svn) && tdx->tee_tcb_svn[k] >= svn;
        if (ok) {
            match = lvl;
            break;
        }
    }
    char comps[96];
    int n = 0;
    for (int k = 0; k < 16; k++)
        n += snprintf(comps + n, sizeof comps - (size_t)n, "%s%u", k ? "," : "", pck->comps[k]);
    if (!match) {
        char fm[13];
        hex_encode(pck->fmspc, 6, fm);
        char tsvn[33] = "";
        if (tdx)
            hex_encode(tdx->tee_tcb_svn, 16, tsvn);
        res_fail(res, "tcb.level",
                 "the platform's TCB (microcode/BIOS/SEAMLDR) is older than every level Intel lists: update it",
                 "TCB level not supported: no level of the TCB Info (FMSPC %s, evaluation #%lld) is met by "
                 "PCK SVNs [%s] PCESVN %u%s%s",
                 fm, eval, comps, pck->pcesvn, tdx ? " TEE_TCB_SVN " : "", tsvn);
        goto out;
    }
    const char *platform = json_string_value(json_object_get(match, "tcbStatus"));
    if (!platform) {
        res_fail(res, "tcb.level", NULL, "the matching TCB level has no tcbStatus");
        goto out;
    }
    const char *status = converge(converge(platform, qe_status), module_status);
    json_t *c = res->claims;
    claim_str(c, "tcb_status", status);
    claim_str(c, "platform_tcb_status", platform);
    if (qe_status && *qe_status)
        claim_str(c, "qe_tcb_status", qe_status);
    if (module_status)
        claim_str(c, "tdx_module_tcb_status", module_status);
    json_t *adv = json_object_get(match, "advisoryIDs");
    json_object_set_new(c, "advisory_ids", json_is_array(adv) ? json_deep_copy(adv) : json_array());
    json_t *date = json_object_get(match, "tcbDate");
    if (json_is_string(date))
        claim_str(c, "tcb_date", json_string_value(date));
    claim_int(c, "tcb_evaluation_data_number", eval);
    json_object_set_new(c, "tcb_info",
                        json_pack("{s:s, s:s}", "issue_date", json_string_value(json_object_get(info, "issueDate")),
                                  "next_update", json_string_value(json_object_get(info, "nextUpdate"))));
    if (strcmp(status, "Revoked") == 0) {
        res_fail(res, "tcb.level", "the platform's TCB was revoked by Intel: update microcode/BIOS",
                 "TCB status Revoked (PCK SVNs [%s] PCESVN %u)", comps, pck->pcesvn);
        goto out;
    }
    res_pass(res, "TCB level found: %s (platform %s), evaluation #%lld", status, platform, eval);
    st = ATTEST_VALID;
out:
    return st;
}
