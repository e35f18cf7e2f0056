/* Intel DCAP quotes: SGX v3, TDX v4 and v5.
 *
 * Layouts: Intel SGX ECDSA Quote Library API (quote v3) and the TDX DCAP
 * Quoting Library API (v4/v5). Check order follows Intel's Quote Verification
 * Library: structure, PCK chain to the pinned Intel SGX Root CA, CRLs, PCK
 * extensions, QE report signature, attestation-key binding, QE Identity,
 * quote signature, then TCB Info. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "attest/internal.h"

static const uint8_t INTEL_QE_VENDOR_ID[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                               0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

#define SGX_REPORT_BODY 384
#define TD10_REPORT_BODY 584
#define TD15_REPORT_BODY 648

typedef struct quote {
    uint16_t version, att_key_type;
    uint32_t tee_type;
    uint16_t qe_svn, pce_svn;
    const uint8_t *qe_vendor_id, *user_data;
    unsigned body_type; /* 1 SGX, 2 TD 1.0, 3 TD 1.5 */
    const uint8_t *body;
    size_t body_len;
    size_t signed_len;
    const uint8_t *sig, *att_key, *qe_report, *qe_report_sig, *qe_auth;
    size_t qe_auth_len;
    uint16_t cert_type;
    const uint8_t *cert_data;
    size_t cert_len;
    size_t trailing;
} quote;

/* A structural refusal of the quote: recorded in res, and false (a literal
 * the caller's control flow, and static analysers, can see). */
#define BAD_QUOTE(...) (res_fail(res, "quote.format", __VA_ARGS__), false)

static bool parse_qe_part(breader *r, quote *q, attest_result *res)
{
    q->qe_report = br_take(r, SGX_REPORT_BODY);
    q->qe_report_sig = br_take(r, 64);
    q->qe_auth_len = br_u16le(r);
    q->qe_auth = br_take(r, q->qe_auth_len);
    q->cert_type = br_u16le(r);
    uint32_t clen = br_u32le(r);
    if (r->bad)
        return BAD_QUOTE("give the complete quote",
                        "quote signature data is truncated (QE report, QE authentication data or "
                        "certification data header runs past its end)");
    q->cert_len = clen;
    q->cert_data = br_take(r, clen);
    if (r->bad)
        return BAD_QUOTE("give the complete quote",
                        "certification data declares %u bytes but only %zu remain", clen,
                        br_left(r));
    return true;
}

static bool parse_quote(const uint8_t *data, size_t len, quote *q, attest_result *res)
{
    memset(q, 0, sizeof *q);
    breader r;
    br_init(&r, data, len);
    q->version = br_u16le(&r);
    q->att_key_type = br_u16le(&r);
    q->tee_type = br_u32le(&r);
    q->qe_svn = br_u16le(&r);
    q->pce_svn = br_u16le(&r);
    q->qe_vendor_id = br_take(&r, 16);
    q->user_data = br_take(&r, 20);
    if (r.bad)
        return BAD_QUOTE("give the complete quote",
                        "quote is %zu bytes, shorter than its 48-byte header", len);
    if (q->version < 3 || q->version > 5)
        return BAD_QUOTE(NULL, "unsupported quote version %u (3, 4 and 5 are understood)",
                        q->version);
    if (q->version == 3 || q->version == 4) {
        if (q->version == 3 && q->tee_type != 0)
            return BAD_QUOTE(NULL, "quote v3 reserved field at offset 4 is 0x%x, not 0",
                            q->tee_type);
        if (q->tee_type == 0) {
            q->body_type = 1;
            q->body_len = SGX_REPORT_BODY;
        } else if (q->tee_type == 0x81) {
            q->body_type = 2;
            q->body_len = TD10_REPORT_BODY;
        } else {
            return BAD_QUOTE(NULL, "unknown TEE type 0x%x (0 = SGX, 0x81 = TDX)",
                            q->tee_type);
        }
    } else {
        if (q->tee_type != 0 && q->tee_type != 0x81)
            return BAD_QUOTE(NULL, "unknown TEE type 0x%x (0 = SGX, 0x81 = TDX)",
                            q->tee_type);
        q->body_type = br_u16le(&r);
        uint32_t size = br_u32le(&r);
        size_t want = q->body_type == 1 ? SGX_REPORT_BODY
                      : q->body_type == 2 ? TD10_REPORT_BODY
                      : q->body_type == 3 ? TD15_REPORT_BODY
                                          : 0;
        if (r.bad)
            return BAD_QUOTE("give the complete quote", "quote v5 is truncated in its body header");
        if (want == 0 || size != want)
            return BAD_QUOTE(NULL,
                            "quote v5 body type %u with size %u (types 1/2/3 are 384/584/648 bytes)",
                            q->body_type, size);
        if ((q->body_type == 1) != (q->tee_type == 0))
            return BAD_QUOTE(NULL, "quote v5 body type %u does not fit TEE type 0x%x",
                            q->body_type, q->tee_type);
        q->body_len = want;
    }
    q->body = br_take(&r, q->body_len);
    q->signed_len = r.off;
    uint32_t sig_len = br_u32le(&r);
    if (r.bad)
        return BAD_QUOTE("give the complete quote",
                        "quote is %zu bytes: truncated inside the %zu-byte report body", len, q->body_len);
    const uint8_t *sig_data = br_take(&r, sig_len);
    if (!sig_data)
        return BAD_QUOTE("give the complete quote",
                        "signature data length %u at offset %zu runs past the end of the %zu-byte quote",
                        sig_len, q->signed_len, len);
    q->trailing = br_left(&r);

    breader s;
    br_init(&s, sig_data, sig_len);
    q->sig = br_take(&s, 64);
    q->att_key = br_take(&s, 64);
    if (s.bad)
        return BAD_QUOTE(NULL, "signature data (%u bytes) too short", sig_len);
    if (q->version == 3) {
        if (!parse_qe_part(&s, q, res))
            return false;
    } else {
        uint16_t outer_type = br_u16le(&s);
        uint32_t outer_len = br_u32le(&s);
        const uint8_t *outer = br_take(&s, outer_len);
        if (s.bad)
            return BAD_QUOTE("give the complete quote",
                            "QE report certification data (%u bytes) runs past the signature data",
                            outer_len);
        if (outer_type != 6)
            return BAD_QUOTE(NULL,
                            "outer certification data type %u (quote v4/v5 need 6, QE report "
                            "certification data)",
                            outer_type);
        breader o;
        br_init(&o, outer, outer_len);
        if (!parse_qe_part(&o, q, res))
            return false;
        if (br_left(&o) != 0)
            return BAD_QUOTE(NULL,
                            "QE report certification data has %zu bytes unaccounted for", br_left(&o));
    }
    if (br_left(&s) != 0)
        return BAD_QUOTE(NULL, "signature data has %zu bytes unaccounted for",
                        br_left(&s));
    return true;
}

/* ---- PCK certificate extensions --------------------------------------- */

#define SGX_EXT "1.2.840.113741.1.13.1"
/* The DER content of SGX_EXT and of SGX_EXT.2 (the TCB sequence), compared
 * byte for byte with each entry's OID (checked by the unit tests). */
const uint8_t attest_sgx_ext_oid[9] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
const uint8_t attest_sgx_tcb_oid[10] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x02};

static bool octets(const der_item *v, uint8_t *out, size_t n)
{
    if (v->tag != 0x04 || v->len != n)
        return false;
    memcpy(out, v->content, n);
    return true;
}

static bool parse_tcb(const der_item *seq, pck_info *pck, char *err, size_t errlen)
{
    breader r;
    br_init(&r, seq->content, seq->len);
    unsigned seen = 0;
    while (br_left(&r) > 0) {
        der_item pair, oid, val;
        breader p;
        if (!der_next(&r, &pair) || pair.tag != 0x30)
            goto bad;
        br_init(&p, pair.content, pair.len);
        if (!der_next(&p, &oid) || !der_next(&p, &val) || br_left(&p) != 0)
            goto bad;
        unsigned i = der_oid_arc_below(&oid, attest_sgx_tcb_oid, sizeof attest_sgx_tcb_oid);
        if (i < 1 || i > 18)
            goto bad;
        if (seen & (1u << i)) {
            snprintf(err, errlen, "TCB entry .2.%u appears twice", i);
            return false;
        }
        seen |= 1u << i;
        uint64_t v;
        if (i <= 16) {
            if (!der_uint(&val, &v) || v > 255)
                goto bad;
            pck->comps[i - 1] = (uint8_t)v;
        } else if (i == 17) {
            if (!der_uint(&val, &v) || v > 65535)
                goto bad;
            pck->pcesvn = (unsigned)v;
        } else if (!octets(&val, pck->cpusvn, 16)) {
            goto bad;
        }
    }
    if (seen != 0x7fffe) {
        snprintf(err, errlen, "TCB sequence lacks some of its 18 entries");
        return false;
    }
    return true;
bad:
    snprintf(err, errlen, "malformed TCB sequence in the SGX extension");
    return false;
}

static bool parse_pck_ext(X509 *pck, pck_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT, 1);
    int idx = obj ? X509_get_ext_by_OBJ(pck, obj, -1) : -1;
    int idx2 = (obj && idx >= 0) ? X509_get_ext_by_OBJ(pck, obj, idx) : -1;
    ASN1_OBJECT_free(obj);
    if (idx < 0 || idx2 >= 0) {
        snprintf(err, errlen, idx < 0 ? "the PCK certificate has no SGX extension (%s)"
                                      : "the PCK certificate has the SGX extension (%s) twice",
                 SGX_EXT);
        return false;
    }
    const ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(X509_get_ext(pck, idx));
    breader r, body;
    der_item top;
    br_init(&r, ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
    if (!der_next(&r, &top) || top.tag != 0x30 || br_left(&r) != 0) {
        snprintf(err, errlen, "the SGX extension is not a SEQUENCE");
        return false;
    }
    br_init(&body, top.content, top.len);
    unsigned seen = 0, count = 0;
    while (br_left(&body) > 0) {
        der_item pair, oid, val;
        breader p;
        if (!der_next(&body, &pair) || pair.tag != 0x30)
            goto bad;
        br_init(&p, pair.content, pair.len);
        if (!der_next(&p, &oid) || !der_next(&p, &val) || br_left(&p) != 0)
            goto bad;
        count++;
        unsigned which = der_oid_arc_below(&oid, attest_sgx_ext_oid, sizeof attest_sgx_ext_oid);
        if (which < 1 || which > 7) {
            snprintf(err, errlen, "unknown entry in the SGX extension");
            return false;
        }
        if (seen & (1u << which)) {
            snprintf(err, errlen, "entry .%u appears twice in the SGX extension", which);
            return false;
        }
        seen |= 1u << which;
        switch (which) {
        case 1:
            if (!octets(&val, out->ppid, 16))
                goto bad;
            break;
        case 2:
            if (val.tag != 0x30 || !parse_tcb(&val, out, err, errlen))
                return false;
            break;
        case 3:
            if (!octets(&val, out->pceid, 2))
                goto bad;
            break;
        case 4:
            if (!octets(&val, out->fmspc, 6))
                goto bad;
            break;
        case 5:
            if (val.tag != 0x0a || val.len != 1)
                goto bad;
            out->sgx_type = val.content[0];
            break;
        case 6:
            if (val.tag != 0x04)
                goto bad;
            break;
        case 7:
            if (val.tag != 0x30)
                goto bad;
            break;
        default:
            break;
        }
    }
    /* Intel's rule: entries 1-5 (Processor CA) or 1-7 (Platform CA). */
    if (seen != 0x3e && seen != 0xfe) {
        snprintf(err, errlen, "the SGX extension has %u entries; need .1-.5 (Processor CA) or .1-.7 (Platform CA)",
                 count);
        return false;
    }
    return true;
bad:
    snprintf(err, errlen, "malformed entry in the SGX extension");
    return false;
}

/* ---- PCK chain ---------------------------------------------------------- */

static X509 *find_by_subject(STACK_OF(X509) *certs, const X509_NAME *name, X509 *not_this)
{
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *c = sk_X509_value(certs, i);
        if (c != not_this && X509_NAME_cmp(X509_get_subject_name(c), name) == 0)
            return c;
    }
    return NULL;
}

/* Leaf first. On success, the leaf (borrowed from certs) and its SGX
 * extension; the outputs are defined (NULL, zero) on every path. */
static attest_status check_pck_chain(verify_ctx *ctx, STACK_OF(X509) *certs,
                                     STACK_OF(X509_CRL) *crls, time_t when, attest_result *res,
                                     X509 **leaf_out, pck_info *pck)
{
    *leaf_out = NULL;
    memset(pck, 0, sizeof *pck);
    X509 *leaf = sk_X509_value(certs, 0);
    X509 *ca = find_by_subject(certs, X509_get_issuer_name(leaf), leaf);
    char lcn[128], icn[128];
    cert_cn(leaf, lcn, sizeof lcn);
    name_cn(X509_get_issuer_name(leaf), icn, sizeof icn);
    if (!strstr(lcn, "SGX PCK Certificate"))
        return res_fail(res, "pck.chain", "the first certificate of the chain must be the PCK certificate",
                        "the leaf certificate is \"%s\", not an Intel SGX PCK Certificate", lcn);
    if (X509_check_ca(leaf) != 0)
        return res_fail(res, "pck.chain", NULL, "the PCK certificate \"%s\" claims to be a CA", lcn);
    if (!ca)
        return res_fail(res, "pck.chain", "the quote (or --chain) must carry the PCK CA certificate",
                        "the PCK certificate's issuer \"%s\" is not in the chain", icn);
    char ccn[128];
    cert_cn(ca, ccn, sizeof ccn);
    bool platform = strstr(ccn, "SGX PCK Platform CA") != NULL;
    if (!platform && !strstr(ccn, "SGX PCK Processor CA"))
        return res_fail(res, "pck.chain", NULL,
                        "the PCK issuer is \"%s\", not the Intel SGX PCK Processor or Platform CA", ccn);
    const attest_trust *trust = ctx->trust;
    X509 *root = trust->intel_root;
    X509 *presented = find_by_subject(certs, X509_get_issuer_name(ca), ca);
    char rcn[128];
    cert_cn(root, rcn, sizeof rcn);
    if (presented && !same_key(presented, root)) {
        char pcn[128];
        cert_cn(presented, pcn, sizeof pcn);
        return res_fail(res, "pck.root",
                        trust->intel_root_builtin
                            ? "this chain does not lead to Intel: the evidence is not from a genuine Intel platform"
                            : "this chain does not lead to the root given with --intel-root",
                        "the chain's root \"%s\" is not the pinned %s (same name, different key)", pcn,
                        trust->intel_root_builtin ? "Intel SGX Root CA" : "root from --intel-root");
    }
    if (!cert_signed_by(ctx, res, "pck.chain", ca, "PCK CA", root,
                        trust->intel_root_builtin ? "the pinned Intel SGX Root CA" : "the root from --intel-root",
                        "this chain does not lead to the pinned Intel SGX Root CA"))
        return ATTEST_REFUSED;
    if (!cert_signed_by(ctx, res, "pck.chain", leaf, "PCK certificate", ca, "PCK CA", NULL))
        return ATTEST_REFUSED;
    if (!cert_valid_at(res, "pck.validity", leaf, "PCK certificate", when) ||
        !cert_valid_at(res, "pck.validity", ca, "PCK CA", when) ||
        !cert_valid_at(res, "pck.validity", root, "Intel SGX Root CA", when))
        return ATTEST_REFUSED;
    res_pass(res, "PCK chain %s -> %s -> PCK certificate verified, valid at the verification time", rcn, ccn);
    X509 *const chain[CRL_CHAIN_LENGTH] = {leaf, ca, root};
    if (!crls_check(ctx, res, "pck.crl", crls, chain, when))
        return ATTEST_REFUSED;
    char err[160];
    if (!parse_pck_ext(leaf, pck, err, sizeof err))
        return res_fail(res, "pck.extensions", "use the PCK certificate issued by Intel", "%s", err);
    pck->platform_ca = platform;
    *leaf_out = leaf;
    return ATTEST_VALID;
}

/* ---- claims ------------------------------------------------------------- */

static void sgx_body_claims(json_t *c, const uint8_t *b)
{
    uint64_t flags = ld64le(b + 48);
    claim_hex(c, "mrenclave", b + 64, 32);
    claim_hex(c, "mrsigner", b + 128, 32);
    claim_int(c, "isv_prod_id", ld16le(b + 256));
    claim_int(c, "isv_svn", ld16le(b + 258));
    claim_bool(c, "debug", flags & 2);
    claim_hex(c, "report_data", b + 320, 64);
    claim_hex(c, "attributes", b + 48, 16);
    json_object_set_new(c, "attribute_flags",
                        json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "init", (int)(flags & 1), "debug",
                                  (int)((flags >> 1) & 1), "mode64bit", (int)((flags >> 2) & 1),
                                  "provisionkey", (int)((flags >> 4) & 1), "einittoken_key",
                                  (int)((flags >> 5) & 1), "kss", (int)((flags >> 7) & 1)));
    claim_int(c, "miscselect", ld32le(b + 16));
    claim_hex(c, "cpusvn", b, 16);
    claim_int(c, "config_svn", ld16le(b + 260));
    claim_hex(c, "config_id", b + 192, 64);
    claim_hex(c, "isv_ext_prod_id", b + 32, 16);
    claim_hex(c, "isv_family_id", b + 304, 16);
}

static void tdx_body_claims(json_t *c, const uint8_t *b, unsigned type)
{
    uint64_t attrs = ld64le(b + 120);
    claim_hex(c, "mrtd", b + 136, 48);
    static const char *const rtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    for (size_t i = 0; i < 4; i++)
        claim_hex(c, rtmr[i], b + 328 + 48 * i, 48);
    claim_hex(c, "report_data", b + 520, 64);
    claim_bool(c, "debug", attrs & 1);
    claim_hex(c, "td_attributes", b + 120, 8);
    json_object_set_new(c, "td_attribute_flags",
                        json_pack("{s:b, s:b, s:b, s:b, s:b}", "debug", (int)(attrs & 1),
                                  "sept_ve_disable", (int)((attrs >> 28) & 1), "pks",
                                  (int)((attrs >> 30) & 1), "kl", (int)((attrs >> 31) & 1),
                                  "perfmon", (int)((attrs >> 63) & 1)));
    claim_hex(c, "xfam", b + 128, 8);
    claim_hex(c, "mrconfigid", b + 184, 48);
    claim_hex(c, "mrowner", b + 232, 48);
    claim_hex(c, "mrownerconfig", b + 280, 48);
    claim_hex(c, "mrseam", b + 16, 48);
    claim_hex(c, "mrsignerseam", b + 64, 48);
    claim_hex(c, "seam_attributes", b + 112, 8);
    claim_hex(c, "tee_tcb_svn", b, 16);
    if (type == 3) {
        claim_hex(c, "tee_tcb_svn2", b + 584, 16);
        claim_hex(c, "mrservicetd", b + 600, 48);
    }
}

static void pck_claims(json_t *c, const pck_info *p)
{
    json_t *o = json_object();
    claim_hex(o, "fmspc", p->fmspc, 6);
    claim_hex(o, "pce_id", p->pceid, 2);
    claim_int(o, "pcesvn", p->pcesvn);
    json_t *comps = json_array();
    for (int i = 0; i < 16; i++)
        json_array_append_new(comps, json_integer(p->comps[i]));
    json_object_set_new(o, "tcb_components", comps);
    claim_hex(o, "cpusvn", p->cpusvn, 16);
    claim_int(o, "sgx_type", p->sgx_type);
    claim_str(o, "ca", p->platform_ca ? "platform" : "processor");
    json_object_set_new(c, "pck", o);
}

/* ---- verification ------------------------------------------------------- */

static STACK_OF(X509) *chain_from_cert_data(verify_ctx *ctx, const quote *q, attest_result *res)
{
    /* The PEM chain may end with NUL bytes. */
    size_t n = q->cert_len;
    while (n > 0 && q->cert_data[n - 1] == 0)
        n--;
    STACK_OF(X509) *certs = ctx_certs_parse(ctx, q->cert_data, n);
    if (!certs || sk_X509_num(certs) == 0) {
        res_fail(res, "pck.chain", NULL, "the quote's certification data (type 5) holds no readable PEM chain");
        return NULL;
    }
    return certs;
}

attest_status dcap_verify(verify_ctx *ctx, const uint8_t *data, size_t len,
                          const intel_collateral *col, STACK_OF(X509_CRL) *crls, time_t when,
                          attest_result *res)
{
    quote q;
    bool tdx = len >= 8 && ld32le(data + 4) == 0x81 && ld16le(data) >= 4;
    res->kind = tdx ? ATTEST_KIND_TDX : ATTEST_KIND_SGX;
    if (!parse_quote(data, len, &q, res))
        return ATTEST_REFUSED;
    if (q.att_key_type != 2)
        return res_fail(res, "quote.format", "only ECDSA P-256 attestation keys are used by Intel's QE",
                        "attestation key type %u is not ECDSA-256-with-P-256 (2)", q.att_key_type);
    if (memcmp(q.qe_vendor_id, INTEL_QE_VENDOR_ID, 16) != 0) {
        char hex[33];
        hex_encode(q.qe_vendor_id, 16, hex);
        return res_fail(res, "quote.format", NULL, "QE vendor ID %s is not Intel's", hex);
    }

    json_t *c = res->claims;
    claim_str(c, "tee", tdx ? "tdx" : "sgx");
    claim_int(c, "version", q.version);
    if (tdx)
        tdx_body_claims(c, q.body, q.body_type);
    else
        sgx_body_claims(c, q.body);
    if (q.version == 3) {
        claim_int(c, "qe_svn", q.qe_svn);
        claim_int(c, "pce_svn", q.pce_svn);
    }
    json_object_set_new(c, "qe",
                        json_pack("{s:o, s:o, s:i, s:i}", "mrenclave",
                                  json_string_nocheck(""), "mrsigner", json_string_nocheck(""),
                                  "isv_prod_id", ld16le(q.qe_report + 256), "isv_svn",
                                  ld16le(q.qe_report + 258)));
    claim_hex(json_object_get(c, "qe"), "mrenclave", q.qe_report + 64, 32);
    claim_hex(json_object_get(c, "qe"), "mrsigner", q.qe_report + 128, 32);
    if (q.trailing)
        res_note(res, "%zu bytes after the quote's signature data ignored%s", q.trailing,
                 all_zero(data + len - q.trailing, q.trailing) ? " (zero padding)" : "");
    res_pass(res, "%s quote v%u structure (%s body, certification data type %u)", tdx ? "TDX" : "SGX",
             q.version, q.body_type == 1 ? "SGX report" : q.body_type == 2 ? "TD 1.0 report" : "TD 1.5 report",
             q.cert_type);

    /* PCK chain (it belongs to ctx, like every parsed certificate). */
    STACK_OF(X509) *certs = NULL;
    if (q.cert_type == 5) {
        certs = chain_from_cert_data(ctx, &q, res);
        if (!certs)
            return ATTEST_REFUSED;
        if (col && col->pck_chain)
            res_note(res, "the quote carries its PCK chain: the chain given with --chain is not used");
    } else if (col && col->pck_chain && sk_X509_num(col->pck_chain) > 0) {
        certs = col->pck_chain;
        res_note(res, "certification data type %u: using the PCK chain given with --chain", q.cert_type);
    } else {
        const char *what = q.cert_type == 1 ? "PPID in clear" : q.cert_type == 2 ? "encrypted PPID (RSA-2048)"
                         : q.cert_type == 3 ? "encrypted PPID (RSA-3072)" : q.cert_type == 4 ? "PCK leaf certificate"
                                                                                  : "unknown";
        return res_fail(res, "pck.chain",
                        "fetch the PCK certificate chain for this platform from Intel PCS / your PCCS "
                        "and give it with --chain FILE",
                        "certification data type %u (%s) carries no PCK certificate chain", q.cert_type, what);
    }
    X509 *leaf = NULL;
    pck_info pck;
    if (check_pck_chain(ctx, certs, crls, when, res, &leaf, &pck) != ATTEST_VALID)
        return ATTEST_REFUSED;
    pck_claims(c, &pck);

    /* QE report signed by the PCK key. */
    if (ctx_ecdsa_p256_signed(ctx, "qe-report", q.qe_report, SGX_REPORT_BODY, q.qe_report_sig, leaf) != 1)
        return res_fail(res, "qe.report_signature", "the quote was altered, or its QE report is not from this platform",
                        "the QE report signature does not verify with the PCK certificate's key");
    res_pass(res, "QE report signature verifies with the PCK key");

    /* Attestation key bound into the QE report. */
    uint8_t h[32];
    if (!sha256_2(q.att_key, 64, q.qe_auth, q.qe_auth_len, h))
        return res_fail(res, "qe.attestation_key", NULL, "cannot compute SHA-256 (OpenSSL failure)");
    const uint8_t *qe_rd = q.qe_report + 320;
    if (memcmp(h, qe_rd, 32) != 0 || !all_zero(qe_rd + 32, 32)) {
        char a[65], b[65];
        hex_encode(h, 32, a);
        hex_encode(qe_rd, 32, b);
        return res_fail(res, "qe.attestation_key", "the attestation key or QE authentication data was altered",
                        "SHA-256(attestation key || QE auth data) = %s but the QE report binds %s%s", a, b,
                        all_zero(qe_rd + 32, 32) ? "" : " (and REPORT_DATA[32:64] is not zero)");
    }
    res_pass(res, "attestation key bound into the QE report (SHA-256 of key and QE auth data)");

    /* QE Identity (optional). */
    char qe_status[48] = "";
    if (col && col->qe_identity &&
        qe_identity_check(ctx, col, q.qe_report, tdx, when, res, qe_status, sizeof qe_status) != ATTEST_VALID)
        return ATTEST_REFUSED;

    /* The quote signature. */
    EVP_PKEY *ak = ctx_p256_key(ctx, q.att_key);
    if (!ak)
        return res_fail(res, "quote.signature", "the quote header or report body was altered",
                        "the attestation key is not a valid P-256 point");
    if (ecdsa_verify_raw(ak, EVP_sha256(), data, q.signed_len, q.sig, q.sig + 32, 32, true) != 1)
        return res_fail(res, "quote.signature", "the quote header or report body was altered",
                        "the quote signature does not verify with the attestation key");
    res_pass(res, "quote signature (ECDSA P-256) over header and report body verifies with the attestation key");

    /* TCB Info (optional). */
    if (col && col->tcb_info) {
        tdx_tcb_input ti = {q.body, q.body + 64, q.body + 112};
        if (tcb_info_check(ctx, col, &pck, tdx ? &ti : NULL, qe_status, when, res) != ATTEST_VALID)
            return ATTEST_REFUSED;
    } else {
        res_note(res, "no TCB Info given (--tcb-info): the platform's TCB status is unknown");
    }
    if (json_is_true(json_object_get(c, "debug")))
        res_note(res, "%s: the host can read and change the enclave's memory",
                 tdx ? "TD attribute DEBUG is set" : "enclave attribute DEBUG is set");
    return res->status;
}
