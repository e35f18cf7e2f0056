/* AMD SEV-SNP attestation report verification.
 *
 * Layout: SEV-SNP Firmware ABI specification (AMD pub. 56860), table
 * ATTESTATION_REPORT; VCEK/VLEK extensions: AMD pub. 57230. Order of checks:
 * structure, product, certificate chain to a pinned ARK, CRLs, the VCEK's TCB
 * and chip binding, then the report signature. Binding checks come before the
 * signature so that a VCEK fetched for the wrong TCB or chip is reported as
 * such, not as a bad signature. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "attest/internal.h"

#define SNP_REPORT_SIZE 0x4A0
#define SNP_SIGNED_SIZE 0x2A0

#define POLICY_SMT (1ULL << 16)
#define POLICY_RESERVED_ONE (1ULL << 17)
#define POLICY_MIGRATE_MA (1ULL << 18)
#define POLICY_DEBUG (1ULL << 19)
#define POLICY_SINGLE_SOCKET (1ULL << 20)
#define POLICY_CXL_ALLOW (1ULL << 21)
#define POLICY_MEM_AES_256_XTS (1ULL << 22)
#define POLICY_RAPL_DIS (1ULL << 23)
#define POLICY_CIPHERTEXT_HIDING (1ULL << 24)
#define POLICY_PAGE_SWAP_DISABLE (1ULL << 25)
#define POLICY_KNOWN_MASK ((1ULL << 26) - 1)

typedef struct snp_tcb {
    unsigned bl, tee, snp, ucode, fmc;
} snp_tcb;

static snp_tcb tcb_decode(const uint8_t b[8], amd_product product)
{
    snp_tcb t;
    if (product == AMD_TURIN) {
        t.fmc = b[0];
        t.bl = b[1];
        t.tee = b[2];
        t.snp = b[3];
    } else {
        t.fmc = 0;
        t.bl = b[0];
        t.tee = b[1];
        t.snp = b[6];
    }
    t.ucode = b[7];
    return t;
}

static json_t *tcb_claim(const uint8_t b[8], amd_product product)
{
    snp_tcb t = tcb_decode(b, product);
    json_t *o = json_object();
    claim_hex(o, "raw", b, 8);
    if (product == AMD_TURIN)
        claim_int(o, "fmc", t.fmc);
    claim_int(o, "bootloader", t.bl);
    claim_int(o, "tee", t.tee);
    claim_int(o, "snp", t.snp);
    claim_int(o, "microcode", t.ucode);
    return o;
}

static void tcb_text(snp_tcb t, amd_product product, char *buf, size_t len)
{
    if (product == AMD_TURIN)
        snprintf(buf, len, "fmc=%u bl=%u tee=%u snp=%u ucode=%u", t.fmc, t.bl, t.tee, t.snp, t.ucode);
    else
        snprintf(buf, len, "bl=%u tee=%u snp=%u ucode=%u", t.bl, t.tee, t.snp, t.ucode);
}

/* Product from CPUID family/model (report v3+). */
static amd_product product_from_cpuid(uint8_t family, uint8_t model)
{
    if (family == 0x19) {
        if (model <= 0x0f)
            return AMD_MILAN;
        if ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf))
            return AMD_GENOA;
    }
    if (family == 0x1a)
        return AMD_TURIN;
    return AMD_UNKNOWN;
}

static amd_product product_from_name(const char *s)
{
    if (strstr(s, "Milan"))
        return AMD_MILAN;
    if (strstr(s, "Genoa"))
        return AMD_GENOA;
    if (strstr(s, "Turin"))
        return AMD_TURIN;
    return AMD_UNKNOWN;
}

/* ---- VCEK/VLEK extensions ---------------------------------------------- */

typedef struct vek_ext {
    bool have_spl[10];
    uint64_t spl[10];       /* index = last arc of 1.3.6.1.4.1.3704.1.3.N */
    char product[64];
    uint8_t hwid[64];
    size_t hwid_len;
    char csp_id[128];
    long struct_version;
} vek_ext;

static const ASN1_OCTET_STRING *ext_data(X509 *x, const char *oid)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    int i = obj ? X509_get_ext_by_OBJ(x, obj, -1) : -1;
    ASN1_OBJECT_free(obj);
    if (i < 0)
        return NULL;
    return X509_EXTENSION_get_data(X509_get_ext(x, i));
}

/* The one DER item an extension's value holds: 1 and it, 0 when the
 * certificate has no such extension, -1 when the value is not one item. */
static int ext_item(X509 *x, const char *oid, der_item *it)
{
    const ASN1_OCTET_STRING *d = ext_data(x, oid);
    if (!d)
        return 0;
    breader r;
    br_init(&r, ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
    return der_next(&r, it) && br_left(&r) == 0 ? 1 : -1;
}

static bool ext_uint(X509 *x, const char *oid, uint64_t *out, bool *present)
{
    der_item it;
    int found = ext_item(x, oid, &it);
    *present = found != 0;
    return found == 0 || (found > 0 && der_uint(&it, out));
}

static bool ext_string(X509 *x, const char *oid, char *out, size_t outlen)
{
    out[0] = '\0';
    der_item it;
    int found = ext_item(x, oid, &it);
    if (found == 0)
        return true;
    if (found < 0 || (it.tag != 0x16 && it.tag != 0x0c && it.tag != 0x13))
        return false;
    size_t n = it.len < outlen - 1 ? it.len : outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (it.content[i] >= 0x20 && it.content[i] < 0x7f) ? (char)it.content[i] : '?';
    out[n] = '\0';
    return true;
}

static bool vek_parse_ext(X509 *x, vek_ext *e, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    for (int i = 1; i <= 9; i++) {
        char oid[64];
        snprintf(oid, sizeof oid, "1.3.6.1.4.1.3704.1.3.%d", i);
        if (!ext_uint(x, oid, &e->spl[i], &e->have_spl[i]) || e->spl[i] > 255) {
            snprintf(err, errlen, "extension %s (SPL) is not a small INTEGER", oid);
            return false;
        }
    }
    uint64_t sv = 0;
    bool present;
    if (!ext_uint(x, "1.3.6.1.4.1.3704.1.1", &sv, &present)) {
        snprintf(err, errlen, "extension structVersion is not an INTEGER");
        return false;
    }
    e->struct_version = present ? (long)sv : -1;
    if (!ext_string(x, "1.3.6.1.4.1.3704.1.2", e->product, sizeof e->product) ||
        !ext_string(x, "1.3.6.1.4.1.3704.1.5", e->csp_id, sizeof e->csp_id)) {
        snprintf(err, errlen, "extension productName or cspID is not a string");
        return false;
    }
    const ASN1_OCTET_STRING *hw = ext_data(x, "1.3.6.1.4.1.3704.1.4");
    if (hw) {
        const uint8_t *p = ASN1_STRING_get0_data(hw);
        size_t n = (size_t)ASN1_STRING_length(hw);
        /* Real certificates hold the raw bytes; accept an OCTET STRING
         * wrapper too, when it accounts for the whole value. */
        if ((n == 66 || n == 10) && p[0] == 0x04 && p[1] == n - 2) {
            p += 2;
            n -= 2;
        }
        if (n != 64 && n != 8) {
            snprintf(err, errlen, "hwID extension is %zu bytes (expected 64, or 8 on Turin)", n);
            return false;
        }
        memcpy(e->hwid, p, n);
        e->hwid_len = n;
    }
    return true;
}

/* ---- chain -------------------------------------------------------------- */

/* Finds the issuer of `child` whose key verifies it: among the trusted AMD
 * certificates, then the test anchors given explicitly, then the
 * certificates the evidence carried (untrusted: the root they lead to is
 * checked by is_anchor). Falls back to the first with the right name (so the
 * failure names it). */
static X509 *find_issuer(verify_ctx *ctx, X509 *child)
{
    X509 *first = NULL;
    STACK_OF(X509) *sources[] = {ctx->trust->amd_certs, ctx->trust->amd_test_certs, ctx->carried};
    for (size_t s = 0; s < sizeof sources / sizeof sources[0]; s++)
        for (int i = 0; sources[s] && i < sk_X509_num(sources[s]); i++) {
            X509 *c = sk_X509_value(sources[s], i);
            if (X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(child)) != 0)
                continue;
            if (!first)
                first = c;
            if (ctx_cert_signed(ctx, child, c))
                return c;
        }
    return first;
}

typedef enum { ANCHOR_NONE, ANCHOR_TRUSTED, ANCHOR_TEST } anchor_kind;

/* Whether the chain's root may end it: one of the trusted AMD certificates
 * (compared by content), or a test root given explicitly. */
static anchor_kind anchor_of(const attest_trust *trust, X509 *ark)
{
    for (int i = 0; i < sk_X509_num(trust->amd_certs); i++)
        if (X509_cmp(sk_X509_value(trust->amd_certs, i), ark) == 0)
            return ANCHOR_TRUSTED;
    return trust_is_test_root(trust, ark) ? ANCHOR_TEST : ANCHOR_NONE;
}

static attest_status check_chain(verify_ctx *ctx, X509 *vek, bool vlek,
                                 amd_product product, STACK_OF(X509_CRL) *crls, time_t when,
                                 attest_result *res)
{
    const char *gen = amd_product_name(product);
    const char *vek_what = vlek ? "VLEK" : "VCEK";
    const char *ca_what = vlek ? "ASVK" : "ASK";
    char want[128], hint[256];
    name_cn(X509_get_issuer_name(vek), want, sizeof want);
    const attest_trust *trust = ctx->trust;
    const char *source = trust->amd_builtin ? "built-in AMD certificates" : "certificates given with --chain";

    X509 *ask = find_issuer(ctx, vek);
    if (!ask) {
        if (vlek)
            snprintf(hint, sizeof hint,
                     "a VLEK is signed by the ASVK (SEV-VLEK-%s), not the ASK: give the chain "
                     "from https://kdsintf.amd.com/vlek/v1/%s/cert_chain with --chain",
                     gen, gen);
        else
            snprintf(hint, sizeof hint,
                     "give the chain for this product (https://kdsintf.amd.com/vcek/v1/%s/cert_chain) "
                     "with --chain",
                     gen);
        return res_fail(res, "snp.chain", hint,
                        "%s issuer \"%s\" is not among the %s", vek_what, want, source);
    }
    char askcn[128];
    cert_cn(ask, askcn, sizeof askcn);
    bool ask_is_vlek_ca = strstr(askcn, "VLEK") != NULL;
    if (ask_is_vlek_ca != vlek)
        return res_fail(res, "snp.chain",
                        vlek ? "a VLEK must chain to the ASVK (SEV-VLEK-<product>)"
                             : "a VCEK must chain to the ASK (SEV-<product>)",
                        "%s is issued by %s, which is an %s", vek_what, askcn,
                        ask_is_vlek_ca ? "ASVK (signs VLEKs)" : "ASK (signs VCEKs)");
    snprintf(hint, sizeof hint,
             "the %s does not belong to this %s: use the current chain for %s from AMD KDS "
             "(a stale or foreign ASK cannot verify current certificates)",
             ca_what, vek_what, gen);
    if (!cert_signed_by(ctx, res, "snp.chain", vek, vek_what, ask, ca_what, hint))
        return ATTEST_REFUSED;

    X509 *ark = find_issuer(ctx, ask);
    if (!ark) {
        name_cn(X509_get_issuer_name(ask), want, sizeof want);
        return res_fail(res, "snp.chain", "give the AMD root (ARK) for this product with --chain",
                        "the issuer of %s, \"%s\", is not among the %s", askcn, want, source);
    }
    char arkcn[128];
    cert_cn(ark, arkcn, sizeof arkcn);
    if (!cert_signed_by(ctx, res, "snp.chain", ask, ca_what, ark, "ARK",
                        "the ASK/ASVK is not signed by the pinned AMD root"))
        return ATTEST_REFUSED;
    /* The ARK is the anchor: it must be self-signed (it is pinned because it
     * is one of the trusted certificates, compared by the whole certificate). */
    if (X509_NAME_cmp(X509_get_subject_name(ark), X509_get_issuer_name(ark)) != 0 ||
        !cert_signed_by(ctx, res, "snp.chain", ark, "ARK", ark, "ARK", NULL))
        return res_fail(res, "snp.chain", "the trusted AMD certificates must include the self-signed ARK",
                        "%s is not a self-signed AMD root key", arkcn);
    anchor_kind anchor = anchor_of(trust, ark);
    if (anchor == ANCHOR_NONE) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        char fpr[65] = "?";
        if (X509_digest(ark, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32)
            hex_encode(md, 32, fpr);
        return res_fail(res, "snp.root",
                        "a test chain is accepted only when given explicitly: --test-root FILE (its ARK), or "
                        "its SHA-256 in the policy's test_roots",
                        "the chain ends in %s (SHA-256 of its DER %s), which the evidence carried and which is "
                        "not one of the %s",
                        arkcn, fpr, source);
    }
    if (!cert_valid_at(res, "snp.validity", vek, vek_what, when) ||
        !cert_valid_at(res, "snp.validity", ask, ca_what, when) ||
        !cert_valid_at(res, "snp.validity", ark, "ARK", when))
        return ATTEST_REFUSED;
    char vcn[128];
    res_pass(res, "chain %s -> %s -> %s verified (RSA-PSS), all valid at the verification time",
             arkcn, askcn, cert_cn(vek, vcn, sizeof vcn));

    X509 *const chain[CRL_CHAIN_LENGTH] = {vek, ask, ark};
    if (!crls_check(ctx, res, "snp.crl", crls, chain, when))
        return ATTEST_REFUSED;
    json_object_set_new(res->claims, "chain",
                        json_pack("{s:s, s:s, s:s, s:b, s:b}", "root", arkcn, "intermediate", askcn, "signer",
                                  vcn, "builtin_roots", trust->amd_builtin && anchor == ANCHOR_TRUSTED,
                                  "test_root", anchor == ANCHOR_TEST));
    if (anchor == ANCHOR_TEST) {
        res->test_root = true;
        res_note(res, "the chain ends in the TEST root %s given explicitly: this is NOT evidence from AMD "
                      "hardware",
                 arkcn);
    }
    return ATTEST_VALID;
}

/* ---- the report --------------------------------------------------------- */

static attest_status check_reserved(const uint8_t *r, uint32_t version, attest_result *res)
{
    struct {
        size_t off, len;
        const char *what;
    } mbz[] = {
        {0x04C, 4, "reserved 0x04C"},
        {version >= 3 ? 0x18B : 0x188, version >= 3 ? 0x15 : 0x18, "reserved 0x188-0x19F"},
        {0x1EB, 1, "reserved 0x1EB"},
        {0x1EF, 1, "reserved 0x1EF"},
        {version >= 5 ? 0x208 : 0x1F8, version >= 5 ? 0x98 : 0xA8, "reserved 0x1F8-0x29F"},
        {0x330, 0x170, "signature reserved bytes 0x330-0x49F"},
    };
    for (size_t i = 0; i < sizeof mbz / sizeof mbz[0]; i++)
        if (!all_zero(r + mbz[i].off, mbz[i].len))
            return res_fail(res, "snp.format", "this is not a well-formed SNP report",
                            "%s must be zero (report version %u)", mbz[i].what, version);
    return ATTEST_VALID;
}

static void policy_claims(json_t *claims, uint64_t policy)
{
    json_t *p = json_object();
    char hex[32];
    snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)policy);
    claim_str(p, "raw", hex);
    claim_int(p, "abi_major", (policy >> 8) & 0xff);
    claim_int(p, "abi_minor", policy & 0xff);
    claim_bool(p, "smt", policy & POLICY_SMT);
    claim_bool(p, "migrate_ma", policy & POLICY_MIGRATE_MA);
    claim_bool(p, "debug", policy & POLICY_DEBUG);
    claim_bool(p, "single_socket", policy & POLICY_SINGLE_SOCKET);
    claim_bool(p, "cxl_allow", policy & POLICY_CXL_ALLOW);
    claim_bool(p, "mem_aes_256_xts", policy & POLICY_MEM_AES_256_XTS);
    claim_bool(p, "rapl_dis", policy & POLICY_RAPL_DIS);
    claim_bool(p, "ciphertext_hiding", policy & POLICY_CIPHERTEXT_HIDING);
    claim_bool(p, "page_swap_disable", policy & POLICY_PAGE_SWAP_DISABLE);
    json_object_set_new(claims, "policy", p);
}

static void platform_claims(json_t *claims, uint64_t info)
{
    json_t *p = json_object();
    char hex[32];
    snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)info);
    claim_str(p, "raw", hex);
    claim_bool(p, "smt_enabled", info & 1);
    claim_bool(p, "tsme_enabled", info & 2);
    claim_bool(p, "ecc_enabled", info & 4);
    claim_bool(p, "rapl_disabled", info & 8);
    claim_bool(p, "ciphertext_hiding_enabled", info & 16);
    claim_bool(p, "alias_check_complete", info & 32);
    json_object_set_new(claims, "platform_info", p);
}

static void version_claim(json_t *claims, const char *key, const uint8_t *p)
{
    char v[32];
    snprintf(v, sizeof v, "%u.%u.%u", p[2], p[1], p[0]);
    claim_str(claims, key, v);
}

/* The fields of a report that the checks and claims use (pointers into the
 * caller's bytes). */
typedef struct snp_report {
    const uint8_t *bytes;
    size_t len;
    uint32_t version, guest_svn, vmpl, sig_algo, key_info;
    uint64_t policy, platform_info, launch_mit, current_mit;
    const uint8_t *family_id, *image_id, *current_tcb, *report_data, *measurement, *host_data;
    const uint8_t *id_key_digest, *author_key_digest, *report_id, *report_id_ma, *reported_tcb;
    const uint8_t *cpuid, *chip_id, *committed_tcb, *current_ver, *committed_ver, *launch_tcb;
    const uint8_t *sig_r, *sig_s;
    unsigned signing_key; /* KEY_INFO.SIGNING_KEY: 0 VCEK, 1 VLEK, 7 none */
    bool vlek, mask_chip_id;
} snp_report;

static const char *signer_name(const snp_report *r)
{
    return r->vlek ? "VLEK" : "VCEK";
}

/* Splits the report into its fields (table ATTESTATION_REPORT); false after
 * recording why it cannot. */
static bool parse_report(const uint8_t *report, size_t len, snp_report *out, attest_result *res)
{
    memset(out, 0, sizeof *out);
    if (len < SNP_REPORT_SIZE) {
        res_fail(res, "snp.format", "give the whole 1184-byte report",
                 "SNP report is %zu bytes, shorter than the 1184 (0x4A0) of a report", len);
        return false;
    }
    breader r;
    br_init(&r, report, len);
    out->bytes = report;
    out->len = len;
    out->version = br_u32le(&r);
    out->guest_svn = br_u32le(&r);
    out->policy = br_u64le(&r);
    out->family_id = br_take(&r, 16);
    out->image_id = br_take(&r, 16);
    out->vmpl = br_u32le(&r);
    out->sig_algo = br_u32le(&r);
    out->current_tcb = br_take(&r, 8);
    out->platform_info = br_u64le(&r);
    out->key_info = br_u32le(&r);
    br_skip(&r, 4);
    out->report_data = br_take(&r, 64);
    out->measurement = br_take(&r, 48);
    out->host_data = br_take(&r, 32);
    out->id_key_digest = br_take(&r, 48);
    out->author_key_digest = br_take(&r, 48);
    out->report_id = br_take(&r, 32);
    out->report_id_ma = br_take(&r, 32);
    out->reported_tcb = br_take(&r, 8);
    out->cpuid = br_take(&r, 3);
    br_skip(&r, 0x15);
    out->chip_id = br_take(&r, 64);
    out->committed_tcb = br_take(&r, 8);
    out->current_ver = br_take(&r, 4);
    out->committed_ver = br_take(&r, 4);
    out->launch_tcb = br_take(&r, 8);
    out->launch_mit = br_u64le(&r);
    out->current_mit = br_u64le(&r);
    if (r.bad || r.off != 0x208) {
        res_fail(res, "snp.format", NULL, "internal: SNP layout mismatch at 0x%zx", r.off);
        return false;
    }
    out->sig_r = report + 0x2A0;
    out->sig_s = report + 0x2E8;
    out->signing_key = (out->key_info >> 2) & 7;
    out->vlek = out->signing_key == 1;
    out->mask_chip_id = out->key_info & 2;
    return true;
}

/* Version, signature algorithm, KEY_INFO, POLICY and reserved fields. */
static attest_status check_format(const snp_report *r, attest_result *res)
{
    if (r->version < 2 || r->version > 5)
        return res_fail(res, "snp.format", "only report versions 2 to 5 are understood",
                        "unsupported SNP report version %u", r->version);
    if (r->len > SNP_REPORT_SIZE)
        res_note(res, "%zu bytes after the 1184-byte report ignored (extended report certificates?)",
                 r->len - SNP_REPORT_SIZE);
    if (r->sig_algo != 1)
        return res_fail(res, "snp.format", NULL,
                        "signature algorithm %u is not ECDSA P-384 with SHA-384 (1)", r->sig_algo);
    if (r->key_info >> 5)
        return res_fail(res, "snp.format", NULL, "KEY_INFO 0x%x has reserved bits set", r->key_info);
    if (r->signing_key == 7)
        return res_fail(res, "snp.signing_key", "request a report signed by the VCEK or VLEK",
                        "the report is not signed (SIGNING_KEY = 7, no key)");
    if (r->signing_key > 1)
        return res_fail(res, "snp.format", NULL, "SIGNING_KEY %u is reserved", r->signing_key);
    if (!(r->policy & POLICY_RESERVED_ONE))
        return res_fail(res, "snp.format", NULL, "POLICY 0x%llx: bit 17 must be set",
                        (unsigned long long)r->policy);
    if (r->policy & ~POLICY_KNOWN_MASK)
        return res_fail(res, "snp.format", NULL, "POLICY 0x%llx has reserved bits (26-63) set",
                        (unsigned long long)r->policy);
    return check_reserved(r->bytes, r->version, res);
}

/* The product generation, from CPUID (v3+) and from the certificate: they
 * must agree. Also parses the certificate's extensions into ext. */
static attest_status find_product(const snp_report *r, X509 *vek, vek_ext *ext, amd_product *product,
                                  char *issuer_cn, size_t issuer_cn_size, attest_result *res)
{
    amd_product cpuid_product = r->version >= 3 ? product_from_cpuid(r->cpuid[0], r->cpuid[1]) : AMD_UNKNOWN;
    name_cn(X509_get_issuer_name(vek), issuer_cn, issuer_cn_size);
    char err[160];
    if (!vek_parse_ext(vek, ext, err, sizeof err))
        return res_fail(res, "snp.vcek", "use the certificate from AMD KDS", "%s: %s", signer_name(r), err);
    amd_product cert_product = product_from_name(issuer_cn);
    if (cert_product == AMD_UNKNOWN)
        cert_product = product_from_name(ext->product);
    *product = cert_product != AMD_UNKNOWN ? cert_product : cpuid_product;
    if (cpuid_product != AMD_UNKNOWN && cert_product != AMD_UNKNOWN && cpuid_product != cert_product)
        return res_fail(res, "snp.product", "fetch the VCEK for this product from AMD KDS",
                        "the report comes from a %s CPU (CPUID family 0x%02x model 0x%02x) but the "
                        "certificate is for %s (issuer %s)",
                        amd_product_name(cpuid_product), r->cpuid[0], r->cpuid[1],
                        amd_product_name(cert_product), issuer_cn);
    return ATTEST_VALID;
}

/* Everything the report says, as claims for the policy and the output. */
static void report_claims(json_t *c, const snp_report *r, amd_product product, const vek_ext *ext)
{
    claim_str(c, "tee", "sev-snp");
    claim_int(c, "version", r->version);
    claim_str(c, "product", amd_product_name(product));
    claim_str(c, "signing_key", r->vlek ? "vlek" : "vcek");
    claim_hex(c, "measurement", r->measurement, 48);
    claim_hex(c, "report_data", r->report_data, 64);
    claim_hex(c, "host_data", r->host_data, 32);
    claim_hex(c, "id_key_digest", r->id_key_digest, 48);
    claim_hex(c, "author_key_digest", r->author_key_digest, 48);
    claim_bool(c, "author_key_en", r->key_info & 1);
    claim_bool(c, "mask_chip_key", r->mask_chip_id);
    claim_bool(c, "debug", r->policy & POLICY_DEBUG);
    policy_claims(c, r->policy);
    claim_int(c, "vmpl", r->vmpl);
    claim_int(c, "guest_svn", r->guest_svn);
    claim_hex(c, "family_id", r->family_id, 16);
    claim_hex(c, "image_id", r->image_id, 16);
    platform_claims(c, r->platform_info);
    json_object_set_new(c, "current_tcb", tcb_claim(r->current_tcb, product));
    json_object_set_new(c, "reported_tcb", tcb_claim(r->reported_tcb, product));
    json_object_set_new(c, "committed_tcb", tcb_claim(r->committed_tcb, product));
    json_object_set_new(c, "launch_tcb", tcb_claim(r->launch_tcb, product));
    version_claim(c, "current_firmware", r->current_ver);
    version_claim(c, "committed_firmware", r->committed_ver);
    claim_hex(c, "chip_id", r->chip_id, 64);
    claim_hex(c, "report_id", r->report_id, 32);
    claim_hex(c, "report_id_ma", r->report_id_ma, 32);
    if (r->version >= 3) {
        char cpu[16];
        snprintf(cpu, sizeof cpu, "%02x/%02x/%02x", r->cpuid[0], r->cpuid[1], r->cpuid[2]);
        claim_str(c, "cpuid_fam_mod_step", cpu);
    }
    if (r->version >= 5) {
        claim_int(c, "launch_mit_vector", (long long)r->launch_mit);
        claim_int(c, "current_mit_vector", (long long)r->current_mit);
    }
    if (ext->product[0])
        claim_str(c, "vcek_product_name", ext->product);
    if (ext->csp_id[0])
        claim_str(c, "vlek_csp_id", ext->csp_id);
}

/* The certificate is of the kind that signed the report (VCEK or VLEK), its
 * product is known, and it chains to a pinned ARK. */
static attest_status check_signer(verify_ctx *ctx, const snp_report *r, X509 *vek, amd_product product,
                                  const char *issuer_cn, STACK_OF(X509_CRL) *crls, time_t when,
                                  attest_result *res)
{
    char vcn[128];
    cert_cn(vek, vcn, sizeof vcn);
    bool cert_is_vlek = strstr(vcn, "VLEK") != NULL;
    if (cert_is_vlek != r->vlek)
        return res_fail(res, "snp.signing_key",
                        r->vlek ? "give the VLEK certificate (--vcek FILE) that signed this report"
                                : "give the VCEK certificate (--vcek FILE) of this chip",
                        "the report is signed by the %s (KEY_INFO.SIGNING_KEY=%u) but the certificate "
                        "given is a %s (%s)",
                        signer_name(r), r->signing_key, cert_is_vlek ? "VLEK" : "VCEK", vcn);
    if (product == AMD_UNKNOWN)
        return res_fail(res, "snp.product", "give a VCEK/VLEK issued by SEV-Milan, SEV-Genoa or SEV-Turin",
                        "cannot tell the product generation (certificate issuer \"%s\")", issuer_cn);
    if (check_chain(ctx, vek, r->vlek, product, crls, when, res) != ATTEST_VALID)
        return ATTEST_REFUSED;
    return ATTEST_VALID;
}

/* CHIP_ID as hex: Turin's is 8 bytes, earlier products' 64. */
static void chip_id_hex(const snp_report *r, amd_product product, char out[129])
{
    hex_encode(r->chip_id, product == AMD_TURIN ? 8 : 64, out);
}

/* TCB binding: the VCEK is derived from REPORTED_TCB. */
static attest_status check_tcb(const snp_report *r, const vek_ext *ext, amd_product product, attest_result *res)
{
    snp_tcb rt = tcb_decode(r->reported_tcb, product);
    int idx_bl = 1, idx_tee = 2, idx_snp = 3, idx_ucode = 8, idx_fmc = 9;
    if (!ext->have_spl[idx_bl] || !ext->have_spl[idx_tee] || !ext->have_spl[idx_snp] ||
        !ext->have_spl[idx_ucode] || (product == AMD_TURIN && !ext->have_spl[idx_fmc]))
        return res_fail(res, "snp.vcek_tcb", "use the certificate from AMD KDS",
                        "the %s lacks a TCB (SPL) extension", signer_name(r));
    snp_tcb ct = {(unsigned)ext->spl[idx_bl], (unsigned)ext->spl[idx_tee], (unsigned)ext->spl[idx_snp],
                  (unsigned)ext->spl[idx_ucode], (unsigned)ext->spl[idx_fmc]};
    char rts[96], cts[96];
    tcb_text(rt, product, rts, sizeof rts);
    tcb_text(ct, product, cts, sizeof cts);
    bool tcb_ok = rt.bl == ct.bl && rt.tee == ct.tee && rt.snp == ct.snp && rt.ucode == ct.ucode &&
                  (product != AMD_TURIN || rt.fmc == ct.fmc);
    if (!tcb_ok) {
        char chip_hex[129], hint[320];
        chip_id_hex(r, product, chip_hex);
        if (r->vlek)
            snprintf(hint, sizeof hint, "fetch the VLEK for TCB %s from the cloud provider", rts);
        else if (product == AMD_TURIN)
            snprintf(hint, sizeof hint,
                     "fetch the VCEK for this TCB: https://kdsintf.amd.com/vcek/v1/Turin/%s"
                     "?fmcSPL=%u&blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u",
                     chip_hex, rt.fmc, rt.bl, rt.tee, rt.snp, rt.ucode);
        else
            snprintf(hint, sizeof hint,
                     "fetch the VCEK for this TCB: https://kdsintf.amd.com/vcek/v1/%s/%.16s..."
                     "?blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u",
                     amd_product_name(product), chip_hex, rt.bl, rt.tee, rt.snp, rt.ucode);
        return res_fail(res, "snp.vcek_tcb", hint, "%s TCB %s does not match REPORTED_TCB %s",
                        signer_name(r), cts, rts);
    }
    res_pass(res, "%s TCB extensions match REPORTED_TCB (%s)", signer_name(r), rts);
    return ATTEST_VALID;
}

/* Chip binding: a VCEK belongs to one chip (a VLEK to a cloud provider). */
static attest_status check_chip(const snp_report *r, const vek_ext *ext, amd_product product, attest_result *res)
{
    if (r->vlek)
        return ATTEST_VALID;
    if (ext->hwid_len == 0)
        return res_fail(res, "snp.chip_id", "use the VCEK from AMD KDS", "the VCEK has no hwID extension");
    size_t want = product == AMD_TURIN ? 8 : 64;
    if (ext->hwid_len != want)
        return res_fail(res, "snp.chip_id", "use the VCEK from AMD KDS",
                        "the VCEK hwID is %zu bytes; %s uses %zu", ext->hwid_len,
                        amd_product_name(product), want);
    if (r->mask_chip_id) {
        res_note(res, "MASK_CHIP_ID is set: the report hides the chip ID, so the VCEK's chip cannot be matched");
    } else if (memcmp(ext->hwid, r->chip_id, want) != 0) {
        char hw[129], chip_hex[129];
        hex_encode(ext->hwid, want, hw);
        chip_id_hex(r, product, chip_hex);
        return res_fail(res, "snp.chip_id",
                        "fetch the VCEK of the chip that produced this report (its CHIP_ID is in the report)",
                        "the VCEK is for another chip: hwID %.32s... but CHIP_ID %.32s...", hw, chip_hex);
    } else {
        res_pass(res, "VCEK hwID matches CHIP_ID");
    }
    return ATTEST_VALID;
}

/* The signature over bytes 0x000-0x29F, R and S little-endian. */
static attest_status check_signature(const snp_report *r, X509 *vek, attest_result *res)
{
    EVP_PKEY *key = X509_get0_pubkey(vek);
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 384) {
        ERR_clear_error();
        return res_fail(res, "snp.signature", "use the VCEK/VLEK from AMD", "the %s key is not ECDSA P-384",
                        signer_name(r));
    }
    int v = ecdsa_verify_raw(key, EVP_sha384(), r->bytes, SNP_SIGNED_SIZE, r->sig_r, r->sig_s, 72, false);
    if (v != 1)
        return res_fail(res, "snp.signature",
                        "the report was altered, or was signed by another key than this certificate's",
                        "the report signature does not verify with the %s key (%s)",
                        signer_name(r), v < 0 ? "malformed signature" : "signature mismatch");
    res_pass(res, "report signature (ECDSA P-384/SHA-384) verifies with the %s", signer_name(r));
    return ATTEST_VALID;
}

attest_status snp_verify(verify_ctx *ctx, const uint8_t *report, size_t len, X509 *vek,
                         STACK_OF(X509_CRL) *crls, time_t when, attest_result *res)
{
    res->kind = ATTEST_KIND_SNP;
    snp_report r;
    if (!parse_report(report, len, &r, res) || check_format(&r, res) != ATTEST_VALID)
        return ATTEST_REFUSED;
    vek_ext ext;
    amd_product product = AMD_UNKNOWN;
    char issuer_cn[128];
    if (find_product(&r, vek, &ext, &product, issuer_cn, sizeof issuer_cn, res) != ATTEST_VALID)
        return ATTEST_REFUSED;
    report_claims(res->claims, &r, product, &ext);
    res_pass(res, "SNP report v%u structure (1184 bytes, reserved fields zero)", r.version);
    if (check_signer(ctx, &r, vek, product, issuer_cn, crls, when, res) != ATTEST_VALID ||
        check_tcb(&r, &ext, product, res) != ATTEST_VALID || check_chip(&r, &ext, product, res) != ATTEST_VALID ||
        check_signature(&r, vek, res) != ATTEST_VALID)
        return ATTEST_REFUSED;
    if (r.policy & POLICY_DEBUG)
        res_note(res, "POLICY.DEBUG is set: the host can read and change this guest's memory");
    return ATTEST_VALID;
}
