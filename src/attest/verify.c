/* Entry point: recognise the evidence (raw report or quote, hex text, CSR in
 * PEM or DER, Azure HCL wrapper), gather certificates and collateral, run the
 * vendor verifier, and for a CSR check that the evidence binds the CSR's key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "attest/internal.h"

typedef enum { EV_UNKNOWN, EV_SNP, EV_QUOTE, EV_CSR, EV_HCL, EV_CERT, EV_TYPED } ev_format;

static ev_format detect(const uint8_t *d, size_t n)
{
    if (n >= 4 && memcmp(d, "HCLA", 4) == 0)
        return EV_HCL;
    if (typed_evidence_magic(d, n))
        return EV_TYPED;
    if (ratls_looks_like_cert(d, n))
        return EV_CERT;
    if (n >= 4 && d[0] == 0x30 && (d[1] & 0x80)) {
        const unsigned char *p = d;
        X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)n);
        bool ok = req != NULL;
        X509_REQ_free(req);
        ERR_clear_error();
        if (ok)
            return EV_CSR;
    }
    if (n >= 4) {
        uint16_t v16 = ld16le(d), k16 = ld16le(d + 2);
        if (v16 >= 3 && v16 <= 5 && (k16 == 2 || k16 == 3))
            return EV_QUOTE;
        uint32_t v32 = ld32le(d);
        if (v32 >= 2 && v32 <= 5)
            return EV_SNP;
        /* Another version, but the shape of a report (signature algorithm 1
         * at 0x34): let the SNP parser say what is wrong with it. */
        if (n >= 0x4A0 && v32 > 0 && v32 < 256 && ld32le(d + 0x34) == 1)
            return EV_SNP;
    }
    return EV_UNKNOWN;
}

static bool is_text(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i] == 0 || (d[i] < 0x20 && d[i] != '\n' && d[i] != '\r' && d[i] != '\t'))
            return false;
    return n > 0;
}

/* DER bytes of a PEM CSR or certificate (the first PEM block), or NULL. */
static uint8_t *pem_csr_or_cert(const uint8_t *d, size_t n, size_t *out_len)
{
    if (n > INT32_MAX)
        return NULL;
    BIO *bio = BIO_new_mem_buf(d, (int)n);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    uint8_t *out = NULL;
    if (bio && PEM_read_bio(bio, &name, &header, &data, &len) == 1 &&
        (strcmp(name, "CERTIFICATE REQUEST") == 0 || strcmp(name, "NEW CERTIFICATE REQUEST") == 0 ||
         strcmp(name, "CERTIFICATE") == 0) &&
        len > 0) {
        out = malloc((size_t)len);
        if (out) {
            memcpy(out, data, (size_t)len);
            *out_len = (size_t)len;
        }
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    BIO_free(bio);
    ERR_clear_error();
    return out;
}

attest_status run_snp(verify_ctx *ctx, const uint8_t *report, size_t len, X509 *vek,
                             STACK_OF(X509_CRL) *crls, time_t when, attest_result *res)
{
    if (!vek) {
        char hint[300] = "give the VCEK (or VLEK) certificate with --vcek FILE";
        if (len >= 0x4A0) {
            char chip[17];
            const uint8_t *t = report + 0x180;
            hex_encode(report + 0x1A0, 8, chip);
            snprintf(hint, sizeof hint,
                     "give the VCEK with --vcek FILE: https://kdsintf.amd.com/vcek/v1/{Milan|Genoa}/<CHIP_ID %s...>"
                     "?blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u (Turin: see AMD KDS)",
                     chip, t[0], t[1], t[6], t[7]);
        }
        return res_bad_input(res, "snp.vcek", hint, "an SNP report is verified with its VCEK or VLEK certificate");
    }
    return snp_verify(ctx, report, len, vek, crls, when, res);
}

static bool load_certs(verify_ctx *ctx, const attest_blob *b, const char *opt, STACK_OF(X509) **out,
                       attest_result *res)
{
    *out = NULL;
    if (!b->data)
        return true;
    *out = ctx_certs_parse(ctx, b->data, b->len);
    if (!*out) {
        res_bad_input(res, "input", "give PEM or DER certificates", "%s %s: no certificate could be read", opt,
                      b->name ? b->name : "");
        return false;
    }
    return true;
}

/* The evidence as bytes: raw, from hex text, or the DER of a PEM CSR or
 * certificate (then *owned is set and must be freed). False with res filled
 * otherwise. */
static bool evidence_bytes(const attest_blob *b, const uint8_t **ev, size_t *evlen, uint8_t **owned,
                           attest_result *res)
{
    *ev = b->data;
    *evlen = b->len;
    *owned = NULL;
    if (!b->data || b->len == 0) {
        res_bad_input(res, "input", NULL, "the evidence is empty");
        return false;
    }
    if (!is_text(b->data, b->len))
        return true;
    size_t n;
    if ((*owned = pem_csr_or_cert(b->data, b->len, &n)) == NULL &&
        (*owned = hex_decode_text(b->data, b->len, &n)) != NULL)
        res_note(res, "evidence decoded from hex text (%zu bytes)", n);
    if (!*owned) {
        res_bad_input(res, "input",
                      "give a raw report or quote, its hex text, a CSR or an RA-TLS certificate (PEM or DER)",
                      "the evidence is text but neither a PEM CSR or certificate nor hex");
        return false;
    }
    *ev = *owned;
    *evlen = n;
    return true;
}

bool gather_inputs(verify_ctx *ctx, const attest_inputs *in, operator_inputs *op, attest_result *res)
{
    memset(op, 0, sizeof *op);
    if (!load_certs(ctx, &in->vcek, "--vcek", &op->vek_certs, res) ||
        !load_certs(ctx, &in->tcb_info_chain, "--tcb-info-chain", &op->tcb_chain, res) ||
        !load_certs(ctx, &in->qe_identity_chain, "--qe-identity-chain", &op->qe_chain, res) ||
        !load_certs(ctx, &in->pck_chain, "--chain", &op->pck_chain, res))
        return false;
    op->crls = sk_X509_CRL_new_null();
    if (!op->crls) {
        res_bad_input(res, "input", NULL, "out of memory");
        return false;
    }
    for (size_t i = 0; i < in->ncrls && i < ATTEST_MAX_CRLS; i++) {
        X509_CRL *c = ctx_crl_parse(ctx, in->crls[i].data, in->crls[i].len);
        if (!c) {
            res_bad_input(res, "input", "give a CRL in DER or PEM", "--crl %s: not a CRL",
                          in->crls[i].name ? in->crls[i].name : "");
            return false;
        }
        /* A CRL that could not be kept would silently not be checked: fail. */
        if (sk_X509_CRL_push(op->crls, c) <= 0) {
            res_bad_input(res, "input", NULL, "out of memory");
            return false;
        }
    }
    if ((in->tcb_info.data && !op->tcb_chain) || (in->qe_identity.data && !op->qe_chain)) {
        res_bad_input(res, "input", "give --tcb-info-chain / --qe-identity-chain (TCB Signing cert + Root CA)",
                      "collateral given without its issuer chain");
        return false;
    }
    return true;
}

/* A Steward CSR's evidence must bind the CSR's own key. */
static attest_status check_csr_binding(const csr_evidence *csr, attest_result *res)
{
    uint8_t bound[64];
    if (!hex_decode_fixed(json_string_value(json_object_get(res->claims, "report_data")), bound, 64))
        return res_fail(res, "csr.binding", NULL, "internal: report data missing");
    char want[97], got[97];
    hex_encode(csr->spki_hash, csr->spki_hash_len, want);
    hex_encode(bound, csr->spki_hash_len, got);
    bool sgx = csr->kind == ATTEST_KIND_SGX;
    const char *alg = sgx ? "SHA-256" : "SHA-384";
    if (memcmp(bound, csr->spki_hash, csr->spki_hash_len) != 0)
        return res_fail(res, "csr.binding",
                        "the CSR's key is not the key the Keep made: the CSR was not produced by this Keep",
                        "REPORT_DATA[0:%zu] = %s but %s of the CSR's public key is %s", csr->spki_hash_len, got, alg,
                        want);
    if (csr->key_nid != (sgx ? NID_X9_62_prime256v1 : NID_secp384r1))
        return res_fail(res, "csr.binding", NULL, "the CSR key is not %s, as Enarx requires for %s",
                        sgx ? "ECDSA P-256" : "ECDSA P-384", sgx ? "SGX" : "SEV-SNP");
    res_pass(res, "REPORT_DATA binds the CSR's public key (%s of its SubjectPublicKeyInfo)", alg);
    claim_hex(res->claims, "csr_public_key_hash", csr->spki_hash, csr->spki_hash_len);
    return ATTEST_VALID;
}

static attest_status verify_csr(verify_ctx *ctx, const uint8_t *ev, size_t evlen, intel_collateral col, X509 *vek,
                                STACK_OF(X509_CRL) *crls, time_t when, attest_result *res)
{
    csr_evidence csr;
    snprintf(res->format, sizeof res->format, "Enarx Steward CSR");
    if (csr_extract(ctx, ev, evlen, &csr, res) != ATTEST_VALID)
        return res->status;
    res->kind = csr.kind;
    snprintf(res->format, sizeof res->format, "Enarx Steward CSR (%s evidence, %s format)",
             csr.kind == ATTEST_KIND_SGX ? "SGX" : "SNP", csr.new_format ? "new" : "old");
    for (int i = 0; csr.crls && i < sk_X509_CRL_num(csr.crls); i++)
        if (sk_X509_CRL_push(crls, sk_X509_CRL_value(csr.crls, i)) <= 0) {
            res_bad_input(res, "input", NULL, "out of memory");
            goto out;
        }
    if (csr.kind == ATTEST_KIND_SNP) {
        if (vek)
            res_note(res, "the CSR carries its VCEK: --vcek is not used");
        snp_verify(ctx, csr.report, csr.report_len, csr.vcek, crls, when, res);
    } else {
        if (csr.tcb_info && !col.tcb_info) {
            col.tcb_info = csr.tcb_info;
            col.tcb_info_len = csr.tcb_info_len;
            col.tcb_info_name = "TCB Info carried in the CSR";
            col.tcb_info_chain = csr.tcb_chain;
        }
        dcap_verify(ctx, csr.report, csr.report_len, &col, crls, when, res);
    }
    if (res->status == ATTEST_VALID)
        check_csr_binding(&csr, res);
out:
    csr_evidence_free(&csr);
    return res->status;
}

intel_collateral operator_collateral(const attest_inputs *in, const operator_inputs *op)
{
    intel_collateral col = {in->tcb_info.data, in->tcb_info.len, in->tcb_info.name, op->tcb_chain,
                            in->qe_identity.data, in->qe_identity.len, in->qe_identity.name, op->qe_chain,
                            op->pck_chain};
    return col;
}

static attest_status verify_evidence(verify_ctx *ctx, const attest_inputs *in, attest_result *res)
{
    const uint8_t *ev;
    size_t evlen;
    uint8_t *owned;
    operator_inputs op = {NULL, NULL, NULL, NULL, NULL};
    if (!evidence_bytes(&in->evidence, &ev, &evlen, &owned, res) || !gather_inputs(ctx, in, &op, res))
        goto out;
    intel_collateral col = operator_collateral(in, &op);
    X509 *vek = op.vek_certs ? sk_X509_value(op.vek_certs, 0) : NULL;
    if (op.vek_certs && sk_X509_num(op.vek_certs) > 1)
        res_note(res, "--vcek holds %d certificates: the first is used as the VCEK/VLEK", sk_X509_num(op.vek_certs));

    switch (detect(ev, evlen)) {
    case EV_SNP:
        snprintf(res->format, sizeof res->format, "AMD SEV-SNP attestation report");
        run_snp(ctx, ev, evlen, vek, op.crls, in->time, res);
        break;
    case EV_HCL:
        snprintf(res->format, sizeof res->format, "Azure HCL report wrapping an AMD SEV-SNP report");
        if (evlen < 0x20 + 0x4A0) {
            res_fail(res, "snp.format", NULL, "the HCL report is %zu bytes, too short to hold an SNP report", evlen);
            break;
        }
        res_note(res, "SNP report taken from bytes 0x20-0x4BF of the HCL report; its runtime claims are not checked");
        run_snp(ctx, ev + 0x20, 0x4A0, vek, op.crls, in->time, res);
        break;
    case EV_QUOTE:
        snprintf(res->format, sizeof res->format, "Intel DCAP quote v%u", ld16le(ev));
        dcap_verify(ctx, ev, evlen, &col, op.crls, in->time, res);
        break;
    case EV_CSR:
        verify_csr(ctx, ev, evlen, col, vek, op.crls, in->time, res);
        break;
    case EV_CERT:
        ratls_verify_cert_ctx(ctx, ev, evlen, in, res, NULL);
        break;
    case EV_TYPED:
        typed_evidence_verify(ctx, ev, evlen, NULL, in, res);
        break;
    case EV_UNKNOWN:
    default:
        res_bad_input(res, "input",
                      "give a raw SNP report, an SGX/TDX quote, its hex text, a Steward CSR, an RA-TLS "
                      "certificate or an Enarx evidence document",
                      "the evidence (%zu bytes) is not a recognised SNP report, DCAP quote, CSR, RA-TLS "
                      "certificate or evidence document",
                      evlen);
        break;
    }
    result_finish(res);
out:
    free(owned);
    sk_X509_CRL_free(op.crls); /* the CRLs themselves belong to ctx */
    ERR_clear_error();
    return res->status;
}

attest_status attest_verify(const attest_trust *trust, const attest_inputs *in, attest_result *res)
{
    verify_ctx ctx;
    verify_ctx_init(&ctx, trust, NULL);
    verify_evidence(&ctx, in, res);
    verify_ctx_finish(&ctx, false);
    return res->status;
}

/* ---- the caching verifier ----------------------------------------------- */

struct attest_verifier {
    attest_trust *trust;
    attest_cache *cache;
};

attest_verifier *attest_verifier_new(attest_trust *trust, size_t max_objects, size_t max_signatures, char *err,
                                     size_t errlen)
{
    attest_verifier *v = calloc(1, sizeof *v);
    if (v)
        v->cache = cache_new(max_objects, max_signatures);
    if (!trust || !v || !v->cache) {
        snprintf(err, errlen, "%s", trust ? "out of memory" : "no trust anchors");
        if (v)
            cache_free(v->cache);
        free(v);
        attest_trust_free(trust);
        return NULL;
    }
    v->trust = trust;
    return v;
}

void attest_verifier_free(attest_verifier *v)
{
    if (!v)
        return;
    cache_free(v->cache);
    attest_trust_free(v->trust);
    free(v);
}

attest_status attest_verifier_verify(attest_verifier *v, const attest_inputs *in, attest_result *res)
{
    verify_ctx ctx;
    verify_ctx_init(&ctx, v->trust, v->cache);
    verify_evidence(&ctx, in, res);
    /* Only what belongs to genuine evidence is remembered. */
    verify_ctx_finish(&ctx, res->status == ATTEST_VALID);
    return res->status;
}

void attest_verifier_flush(attest_verifier *v)
{
    cache_flush(v->cache);
}

void attest_verifier_stats(attest_verifier *v, attest_cache_stats *out)
{
    cache_stats(v->cache, out);
}

attest_status ratls_verifier_verify_cert(attest_verifier *v, const uint8_t *cert, size_t cert_len,
                                         const attest_inputs *in, attest_result *res, ratls_cert *out)
{
    verify_ctx ctx;
    verify_ctx_init(&ctx, v->trust, v->cache);
    ratls_verify_cert_ctx(&ctx, cert, cert_len, in, res, out);
    verify_ctx_finish(&ctx, res->status == ATTEST_VALID);
    result_finish(res);
    return res->status;
}
