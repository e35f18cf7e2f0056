/* Entry point: recognise the evidence (raw report or quote, hex text, CSR in
 * PEM or DER, Azure HCL wrapper), gather certificates and collateral, run the
 * vendor verifier, and for a CSR check that the evidence binds the CSR's key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "attest/internal.h"

typedef enum { EV_UNKNOWN, EV_SNP, EV_QUOTE, EV_CSR, EV_HCL } ev_format;

static ev_format detect(const uint8_t *d, size_t n)
{
    if (n >= 4 && memcmp(d, "HCLA", 4) == 0)
        return EV_HCL;
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

/* DER bytes of a PEM CSR, or NULL. */
static uint8_t *pem_csr(const uint8_t *d, size_t n, size_t *out_len)
{
    if (n > INT32_MAX)
        return NULL;
    BIO *bio = BIO_new_mem_buf(d, (int)n);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    uint8_t *out = NULL;
    if (bio && PEM_read_bio(bio, &name, &header, &data, &len) == 1 &&
        (strcmp(name, "CERTIFICATE REQUEST") == 0 || strcmp(name, "NEW CERTIFICATE REQUEST") == 0) && len > 0) {
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

static attest_status run_snp(verify_ctx *ctx, const uint8_t *report, size_t len, X509 *vek,
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

static attest_status verify_evidence(verify_ctx *ctx, const attest_inputs *in, attest_result *res)
{
    const uint8_t *ev = in->evidence.data;
    size_t evlen = in->evidence.len;
    uint8_t *owned = NULL;
    STACK_OF(X509) *vek_certs = NULL, *tcb_chain = NULL, *qe_chain = NULL, *pck_chain = NULL;
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    csr_evidence csr;
    memset(&csr, 0, sizeof csr);
    attest_status st;

    if (!ev || evlen == 0) {
        st = res_bad_input(res, "input", NULL, "the evidence is empty");
        goto out;
    }
    if (is_text(ev, evlen)) {
        size_t n;
        if ((owned = pem_csr(ev, evlen, &n)) != NULL) {
            ev = owned;
            evlen = n;
        } else if ((owned = hex_decode_text(ev, evlen, &n)) != NULL) {
            ev = owned;
            evlen = n;
            res_note(res, "evidence decoded from hex text (%zu bytes)", n);
        } else {
            st = res_bad_input(res, "input", "give a raw report or quote, its hex text, or a CSR (PEM or DER)",
                               "the evidence is text but neither a PEM CSR nor hex");
            goto out;
        }
    }

    /* Operator-given inputs. */
    if (!load_certs(ctx, &in->vcek, "--vcek", &vek_certs, res) ||
        !load_certs(ctx, &in->tcb_info_chain, "--tcb-info-chain", &tcb_chain, res) ||
        !load_certs(ctx, &in->qe_identity_chain, "--qe-identity-chain", &qe_chain, res) ||
        !load_certs(ctx, &in->pck_chain, "--chain", &pck_chain, res)) {
        st = res->status;
        goto out;
    }
    for (size_t i = 0; i < in->ncrls && i < ATTEST_MAX_CRLS; i++) {
        X509_CRL *c = ctx_crl_parse(ctx, in->crls[i].data, in->crls[i].len);
        if (!c) {
            st = res_bad_input(res, "input", "give a CRL in DER or PEM", "--crl %s: not a CRL",
                               in->crls[i].name ? in->crls[i].name : "");
            goto out;
        }
        sk_X509_CRL_push(crls, c);
    }
    if ((in->tcb_info.data && !tcb_chain) || (in->qe_identity.data && !qe_chain)) {
        st = res_bad_input(res, "input", "give --tcb-info-chain / --qe-identity-chain (TCB Signing cert + Root CA)",
                           "collateral given without its issuer chain");
        goto out;
    }

    ev_format fmt = detect(ev, evlen);
    intel_collateral col = {in->tcb_info.data, in->tcb_info.len, in->tcb_info.name, tcb_chain,
                            in->qe_identity.data, in->qe_identity.len, in->qe_identity.name, qe_chain,
                            pck_chain};
    X509 *vek = vek_certs ? sk_X509_value(vek_certs, 0) : NULL;
    if (vek_certs && sk_X509_num(vek_certs) > 1)
        res_note(res, "--vcek holds %d certificates: the first is used as the VCEK/VLEK", sk_X509_num(vek_certs));

    switch (fmt) {
    case EV_SNP:
        snprintf(res->format, sizeof res->format, "AMD SEV-SNP attestation report");
        st = run_snp(ctx, ev, evlen, vek, crls, in->time, res);
        break;
    case EV_HCL:
        snprintf(res->format, sizeof res->format, "Azure HCL report wrapping an AMD SEV-SNP report");
        if (evlen < 0x20 + 0x4A0) {
            st = res_fail(res, "snp.format", NULL, "the HCL report is %zu bytes, too short to hold an SNP report", evlen);
            break;
        }
        res_note(res, "SNP report taken from bytes 0x20-0x4BF of the HCL report; its runtime claims are not checked");
        st = run_snp(ctx, ev + 0x20, 0x4A0, vek, crls, in->time, res);
        break;
    case EV_QUOTE:
        snprintf(res->format, sizeof res->format, "Intel DCAP quote v%u", ld16le(ev));
        st = dcap_verify(ctx, ev, evlen, &col, crls, in->time, res);
        break;
    case EV_CSR: {
        snprintf(res->format, sizeof res->format, "Enarx Steward CSR");
        st = csr_extract(ctx, ev, evlen, &csr, res);
        if (st != ATTEST_VALID)
            break;
        snprintf(res->format, sizeof res->format, "Enarx Steward CSR (%s evidence, %s format)",
                 csr.kind == ATTEST_KIND_SGX ? "SGX" : "SNP", csr.new_format ? "new" : "old");
        for (int i = 0; csr.crls && i < sk_X509_CRL_num(csr.crls); i++) {
            sk_X509_CRL_push(crls, sk_X509_CRL_value(csr.crls, i));
        }
        if (csr.kind == ATTEST_KIND_SNP) {
            if (vek)
                res_note(res, "the CSR carries its VCEK: --vcek is not used");
            st = snp_verify(ctx, csr.report, csr.report_len, csr.vcek, crls, in->time, res);
        } else {
            if (csr.tcb_info && !col.tcb_info) {
                col.tcb_info = csr.tcb_info;
                col.tcb_info_len = csr.tcb_info_len;
                col.tcb_info_name = "TCB Info carried in the CSR";
                col.tcb_info_chain = csr.tcb_chain;
            }
            st = dcap_verify(ctx, csr.report, csr.report_len, &col, crls, in->time, res);
        }
        if (st != ATTEST_VALID)
            break;
        /* The evidence must bind the CSR's key. */
        json_t *rd = json_object_get(res->claims, "report_data");
        uint8_t bound[64];
        if (!hex_decode_fixed(json_string_value(rd), bound, 64)) {
            st = res_fail(res, "csr.binding", NULL, "internal: report data missing");
            break;
        }
        char want[97], got[97];
        hex_encode(csr.spki_hash, csr.spki_hash_len, want);
        hex_encode(bound, csr.spki_hash_len, got);
        const char *alg = csr.kind == ATTEST_KIND_SGX ? "SHA-256" : "SHA-384";
        if (memcmp(bound, csr.spki_hash, csr.spki_hash_len) != 0) {
            st = res_fail(res, "csr.binding", "the CSR's key is not the key the Keep made: the CSR was not produced by this Keep",
                          "REPORT_DATA[0:%zu] = %s but %s of the CSR's public key is %s", csr.spki_hash_len, got, alg,
                          want);
            break;
        }
        int want_nid = csr.kind == ATTEST_KIND_SGX ? NID_X9_62_prime256v1 : NID_secp384r1;
        if (csr.key_nid != want_nid) {
            st = res_fail(res, "csr.binding", NULL, "the CSR key is not %s, as Enarx requires for %s",
                          csr.kind == ATTEST_KIND_SGX ? "ECDSA P-256" : "ECDSA P-384",
                          csr.kind == ATTEST_KIND_SGX ? "SGX" : "SEV-SNP");
            break;
        }
        res_pass(res, "REPORT_DATA binds the CSR's public key (%s of its SubjectPublicKeyInfo)", alg);
        claim_hex(res->claims, "csr_public_key_hash", csr.spki_hash, csr.spki_hash_len);
        break;
    }
    default:
        st = res_bad_input(res, "input", "give a raw SNP report, an SGX/TDX quote, its hex text, or a Steward CSR",
                           "the evidence (%zu bytes) is not a recognised SNP report, DCAP quote or CSR", evlen);
        break;
    }
    if (res->kind == ATTEST_KIND_UNKNOWN && csr.kind != ATTEST_KIND_UNKNOWN)
        res->kind = csr.kind;
out:
    free(owned);
    csr_evidence_free(&csr);
    /* Certificates, CRLs and collateral belong to ctx (verify_ctx_finish). */
    sk_X509_CRL_free(crls);
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
