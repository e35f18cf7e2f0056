/* Enarx Steward evidence: a PKCS#10 CSR whose extensionRequest carries the
 * evidence (OID 1.3.6.1.4.1.58270.1.2 SGX, .1.3 SNP). The CSR's own signature
 * proves possession of the key; the evidence's REPORT_DATA must bind that key
 * (SHA-256 of the SubjectPublicKeyInfo for SGX, SHA-384 for SNP). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "attest/internal.h"

#define OID_KVM "1.3.6.1.4.1.58270.1.1"
#define OID_SGX "1.3.6.1.4.1.58270.1.2"
#define OID_SNP "1.3.6.1.4.1.58270.1.3"

void csr_evidence_free(csr_evidence *ev)
{
    /* The certificates and CRLs themselves belong to the verify_ctx. */
    sk_X509_CRL_free(ev->crls);
    sk_X509_free(ev->tcb_chain);
    free(ev->buf);
    memset(ev, 0, sizeof *ev);
}

/* The exact SubjectPublicKeyInfo bytes of a DER CSR. */
static bool csr_spki(const uint8_t *der, size_t len, const uint8_t **spki, size_t *spki_len)
{
    breader r, req, info;
    der_item top, cri, version, subject, pk;
    br_init(&r, der, len);
    if (!der_next(&r, &top) || top.tag != 0x30)
        return false;
    br_init(&req, top.content, top.len);
    if (!der_next(&req, &cri) || cri.tag != 0x30)
        return false;
    br_init(&info, cri.content, cri.len);
    if (!der_next(&info, &version) || version.tag != 0x02 || !der_next(&info, &subject) ||
        subject.tag != 0x30 || !der_next(&info, &pk) || pk.tag != 0x30)
        return false;
    *spki = pk.whole;
    *spki_len = pk.whole_len;
    return true;
}

/* CrlList ::= SEQUENCE { SEQUENCE OF SEQUENCE { url UTF8String, crl CertificateList } } */
static bool parse_crl_list(verify_ctx *ctx, const der_item *list, STACK_OF(X509_CRL) **out)
{
    breader r, inner;
    der_item seqof;
    br_init(&r, list->content, list->len);
    if (list->tag != 0x30 || !der_next(&r, &seqof) || seqof.tag != 0x30 || br_left(&r) != 0)
        return false;
    *out = sk_X509_CRL_new_null();
    br_init(&inner, seqof.content, seqof.len);
    while (br_left(&inner) > 0) {
        der_item entry, url, crl;
        breader e;
        if (!der_next(&inner, &entry) || entry.tag != 0x30)
            return false;
        br_init(&e, entry.content, entry.len);
        if (!der_next(&e, &url) || url.tag != 0x0c || !der_next(&e, &crl) || crl.tag != 0x30 ||
            br_left(&e) != 0)
            return false;
        X509_CRL *c = ctx_crl_parse(ctx, crl.whole, crl.whole_len);
        if (!c)
            return false;
        sk_X509_CRL_push(*out, c);
    }
    return true;
}

static X509 *parse_cert(verify_ctx *ctx, const der_item *it)
{
    return ctx_cert_der(ctx, it->whole, it->whole_len);
}

static attest_status parse_sgx(verify_ctx *ctx, const uint8_t *v, size_t len, csr_evidence *ev, attest_result *res)
{
    if (len == 0 || v[0] != 0x30) { /* old format: the raw quote */
        ev->report = v;
        ev->report_len = len;
        return ATTEST_VALID;
    }
    ev->new_format = true;
    breader r, s, tcb, crts;
    der_item top, quote, crl, pkg, certs, report;
    br_init(&r, v, len);
    if (!der_next(&r, &top) || top.tag != 0x30 || br_left(&r) != 0)
        goto bad;
    br_init(&s, top.content, top.len);
    if (!der_next(&s, &quote) || quote.tag != 0x04 || !der_next(&s, &crl) || !der_next(&s, &pkg) ||
        pkg.tag != 0x30 || br_left(&s) != 0)
        goto bad;
    if (!parse_crl_list(ctx, &crl, &ev->crls))
        goto bad;
    br_init(&tcb, pkg.content, pkg.len);
    if (!der_next(&tcb, &certs) || certs.tag != 0x30 || !der_next(&tcb, &report) || report.tag != 0x04 ||
        br_left(&tcb) != 0)
        goto bad;
    ev->tcb_chain = sk_X509_new_null();
    br_init(&crts, certs.content, certs.len);
    while (br_left(&crts) > 0) {
        der_item c;
        X509 *x;
        if (!der_next(&crts, &c) || !(x = parse_cert(ctx, &c)))
            goto bad;
        sk_X509_push(ev->tcb_chain, x);
    }
    ev->report = quote.content;
    ev->report_len = quote.len;
    ev->tcb_info = report.content;
    ev->tcb_info_len = report.len;
    return ATTEST_VALID;
bad:
    return res_fail(res, "csr.evidence", NULL,
                    "the SGX evidence extension is neither a raw quote nor SEQUENCE { quote, CrlList, TcbPackage }");
}

static attest_status parse_snp(verify_ctx *ctx, const uint8_t *v, size_t len, csr_evidence *ev, attest_result *res)
{
    breader r, s, pair;
    der_item top, first, report, cert, crl;
    br_init(&r, v, len);
    if (!der_next(&r, &top) || top.tag != 0x30 || br_left(&r) != 0)
        goto bad;
    br_init(&s, top.content, top.len);
    if (!der_next(&s, &first) || first.tag != 0x30 || !der_next(&s, &report) || report.tag != 0x04 ||
        br_left(&s) != 0)
        goto bad;
    ev->vcek = parse_cert(ctx, &first);
    if (!ev->vcek) { /* new format: SEQUENCE { vcek, CrlList } */
        ev->new_format = true;
        br_init(&pair, first.content, first.len);
        if (!der_next(&pair, &cert) || !der_next(&pair, &crl) || br_left(&pair) != 0)
            goto bad;
        ev->vcek = parse_cert(ctx, &cert);
        if (!ev->vcek || !parse_crl_list(ctx, &crl, &ev->crls))
            goto bad;
    }
    ev->report = report.content;
    ev->report_len = report.len;
    return ATTEST_VALID;
bad:
    return res_fail(res, "csr.evidence", NULL,
                    "the SNP evidence extension is neither SEQUENCE { vcek, report } nor "
                    "SEQUENCE { SEQUENCE { vcek, CrlList }, report }");
}

attest_status csr_extract(verify_ctx *ctx, const uint8_t *der, size_t len, csr_evidence *ev, attest_result *res)
{
    memset(ev, 0, sizeof *ev);
    const unsigned char *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
    attest_status st = ATTEST_REFUSED;
    STACK_OF(X509_EXTENSION) *exts = NULL;
    if (!req || p != der + len) {
        st = res_bad_input(res, "csr.format", NULL, "not a DER certificate signing request");
        goto out;
    }
    EVP_PKEY *key = X509_REQ_get0_pubkey(req);
    if (!key || X509_REQ_verify(req, key) != 1) {
        st = res_fail(res, "csr.signature", "the CSR was altered after it was signed",
                      "the CSR's signature does not verify with its own public key");
        goto out;
    }
    res_pass(res, "CSR signature verifies with the CSR's key");
    char group[32] = "";
    size_t glen = 0;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
        EVP_PKEY_get_group_name(key, group, sizeof group, &glen);
    ev->key_nid = OBJ_sn2nid(group);
    exts = X509_REQ_get_extensions(req);
    X509_EXTENSION *found = NULL;
    int hits = 0;
    for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
        X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
        char oid[64];
        OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(e), 1);
        if (strcmp(oid, OID_SGX) == 0 || strcmp(oid, OID_SNP) == 0 || strcmp(oid, OID_KVM) == 0) {
            found = e;
            hits++;
            ev->kind = strcmp(oid, OID_SGX) == 0 ? ATTEST_KIND_SGX
                       : strcmp(oid, OID_SNP) == 0 ? ATTEST_KIND_SNP
                                                    : ATTEST_KIND_UNKNOWN;
        }
    }
    if (hits != 1) {
        st = res_fail(res, "csr.evidence", "the CSR must come from an Enarx Keep",
                      hits ? "the CSR carries %d Enarx evidence extensions; exactly one is allowed"
                           : "the CSR carries no Enarx evidence extension (1.3.6.1.4.1.58270.1.2 or .1.3)%.0d",
                      hits);
        goto out;
    }
    if (X509_EXTENSION_get_critical(found)) {
        st = res_fail(res, "csr.evidence", NULL, "the evidence extension is marked critical; Steward requires it non-critical");
        goto out;
    }
    if (ev->kind == ATTEST_KIND_UNKNOWN) {
        st = res_fail(res, "csr.evidence", "run the workload in an SGX or SEV-SNP Keep",
                      "the CSR carries KVM evidence (1.3.6.1.4.1.58270.1.1): a KVM Keep has no hardware attestation");
        goto out;
    }
    const ASN1_OCTET_STRING *val = X509_EXTENSION_get_data(found);
    const uint8_t *vp = ASN1_STRING_get0_data(val);
    size_t vlen = (size_t)ASN1_STRING_length(val);
    /* vp points into `req`, which is freed below: keep a copy. */
    ev->buf = malloc(vlen ? vlen : 1);
    if (!ev->buf) {
        st = res_fail(res, "csr.evidence", NULL, "out of memory");
        goto out;
    }
    memcpy(ev->buf, vp, vlen);
    const uint8_t *in_der = ev->buf;
    st = ev->kind == ATTEST_KIND_SGX ? parse_sgx(ctx, in_der, vlen, ev, res) : parse_snp(ctx, in_der, vlen, ev, res);
    if (st != ATTEST_VALID)
        goto out;
    const uint8_t *spki;
    size_t spki_len;
    if (!csr_spki(der, len, &spki, &spki_len)) {
        st = res_fail(res, "csr.format", NULL, "cannot locate the CSR's SubjectPublicKeyInfo");
        goto out;
    }
    if (ev->kind == ATTEST_KIND_SGX) {
        sha256(spki, spki_len, ev->spki_hash);
        ev->spki_hash_len = 32;
    } else {
        sha384(spki, spki_len, ev->spki_hash);
        ev->spki_hash_len = 48;
    }
    st = ATTEST_VALID;
out:
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    ERR_clear_error();
    if (st != ATTEST_VALID)
        csr_evidence_free(ev);
    return st;
}
