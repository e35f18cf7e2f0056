/* Unit tests of the shim's SEV-SNP code (src/shim/snp), compiled for the
 * host: AES-256-GCM known answers, the guest-message format, the CPUID page,
 * page-table encryption bits, the validation bookkeeping, #VC decoding and
 * the GHCB protocol against a model hypervisor (tests/sev/fake_hw.c). */
#include <stddef.h>
#include <stdlib.h>

#include "check.h"
#include "fake_hw.h"
#include "shim/snp/aes_gcm.h"
#include "shim/snp/cpuid.h"
#include "shim/snp/ghcb.h"
#include "shim/snp/guest_msg.h"
#include "shim/snp/guest_req.h"
#include "shim/snp/pagetable.h"
#include "shim/snp/pvalidate.h"
#include "shim/snp/vc.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (s[0] && s[1] && n < cap) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

/* ---- AES-256 and AES-256-GCM known answers -------------------------------- */

/* FIPS 197, appendix C.3 (AES-256). */
static void test_aes256_fips197(void)
{
    uint8_t key[32], pt[16], want[16], out[16];
    unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key, 32);
    unhex("00112233445566778899aabbccddeeff", pt, 16);
    unhex("8ea2b7ca516745bfeafc49904b496089", want, 16);
    struct aes256 a;
    aes256_init(&a, key);
    aes256_encrypt_block(&a, pt, out);
    CHECK(memcmp(out, want, 16) == 0);
}

struct gcm_vector {
    const char *source, *key, *iv, *aad, *pt, *ct, *tag;
};

/* Test cases 13-16 are from "The Galois/Counter Mode of Operation (GCM)"
 * (McGrew and Viega, the specification NIST SP 800-38D is based on),
 * appendix B; the "CAVP" ones from NIST's GCM validation vectors,
 * gcmEncryptExtIV256.rsp (Keylen 256, IVlen 96, Taglen 128). */
static const struct gcm_vector gcm_vectors[] = {
    {"GCM spec test case 13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"GCM spec test case 14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "00000000000000000000000000000000",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"GCM spec test case 15", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"GCM spec test case 16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"CAVP gcmEncryptExtIV256 PTlen 128 #0",
     "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22", "0d18e06c7c725ac9e362e1ce",
     "", "2db5168e932556f8089a0622981d017d", "fa4362189661d163fcd6a56d8bf0405a",
     "d636ac1bbedd5cc3ee727dc2ab4a9489"},
    {"CAVP gcmEncryptExtIV256 PTlen 104 #3",
     "e5a0eb92cc2b064e1bc80891faf1fab5e9a17a9c3a984e25416720e30e6c2b21", "4742357c335913153ff0eb0f",
     "", "8499893e16b0ba8b007d54665a", "eb8e6175f1fe38eb1acf95fd51",
     "88a8b74bb74fda553e91020a23deed45"},
    {"CAVP gcmEncryptExtIV256 PTlen 256 #6",
     "37f39137416bafde6f75022a7a527cc593b6000a83ff51ec04871a0ff5360e4e", "a291484c3de8bec6b47f525f",
     "", "fafd94cede8b5a0730394bec68a8e77dba288d6ccaa8e1563a81d6e7ccc7fc97",
     "44dc868006b21d49284016565ffb3979cc4271d967628bf7cdaf86db888e92e5",
     "01a2b578aa2f41ec6379a44a31cc019c"},
    {"CAVP gcmEncryptExtIV256 PTlen 408 #8",
     "595f259c55abe00ae07535ca5d9b09d6efb9f7e9abb64605c337acbd6b14fc7e", "92f258071d79af3e63672285",
     "",
     "a6fee33eb110a2d769bbc52b0f36969c287874f665681477a25fc4c48015c541fbe2394133ba490a34ee2dd67b898177849a91",
     "bbca4a9e09ae9690c0f6f8d405e53dccd666aa9c5fa13c8758bc30abe1ddd1bcce0d36a1eaaaaffef20cd3c5970b9673f8a65c",
     "26ccecb9976fd6ac9c2c0f372c52c821"},
};

static void test_gcm_vectors(void)
{
    for (size_t i = 0; i < sizeof gcm_vectors / sizeof gcm_vectors[0]; i++) {
        const struct gcm_vector *v = &gcm_vectors[i];
        uint8_t key[32] = {0}, iv[12] = {0}, aad[64] = {0}, pt[128] = {0}, ct[128] = {0}, tag[16] = {0};
        uint8_t out[128], got_tag[16];
        unhex(v->key, key, 32);
        unhex(v->iv, iv, 12);
        size_t aad_len = unhex(v->aad, aad, sizeof aad);
        size_t len = unhex(v->pt, pt, sizeof pt);
        unhex(v->ct, ct, sizeof ct);
        unhex(v->tag, tag, 16);
        struct gcm256 g;
        gcm256_init(&g, key);
        gcm256_seal(&g, iv, aad, aad_len, pt, len, out, got_tag);
        int sealed = memcmp(out, ct, len) == 0 && memcmp(got_tag, tag, 16) == 0;
        if (!sealed)
            printf("     %s: seal differs\n", v->source);
        CHECK(sealed);
        memset(out, 0xaa, sizeof out);
        CHECK(gcm256_open(&g, iv, aad, aad_len, ct, len, tag, out) == 0 && memcmp(out, pt, len) == 0);
        /* Any flipped bit of tag, ciphertext or AAD is refused, and nothing
         * is decrypted then. */
        uint8_t bad_tag[16];
        memcpy(bad_tag, tag, 16);
        bad_tag[i % 16] ^= 0x01;
        memset(out, 0xaa, sizeof out);
        CHECK(gcm256_open(&g, iv, aad, aad_len, ct, len, bad_tag, out) == -1 && out[0] == 0xaa);
        if (len) {
            ct[len / 2] ^= 0x80;
            CHECK(gcm256_open(&g, iv, aad, aad_len, ct, len, tag, out) == -1);
            ct[len / 2] ^= 0x80;
        }
        if (aad_len) {
            aad[0] ^= 1;
            CHECK(gcm256_open(&g, iv, aad, aad_len, ct, len, tag, out) == -1);
        }
        iv[11] ^= 1;
        CHECK(gcm256_open(&g, iv, aad, aad_len, ct, len, tag, out) == -1);
        gcm256_wipe(&g);
        uint8_t zero[sizeof g] = {0};
        CHECK(memcmp(&g, zero, sizeof g) == 0);
    }
}

/* ---- layouts ---------------------------------------------------------------- */

static void test_layouts(void)
{
    CHECK_EQ_INT(offsetof(struct snp_ghcb, cpl), 0xcb);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, xss), 0x140);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, rax), 0x1f8);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, rcx), 0x308);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, rdx), 0x310);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, rbx), 0x318);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, sw_exit_code), 0x390);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, sw_exit_info_1), 0x398);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, sw_exit_info_2), 0x3a0);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, sw_scratch), 0x3a8);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, xcr0), 0x3e8);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, valid_bitmap), 0x3f0);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, shared_buffer), 0x800);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, protocol_version), 0xffa);
    CHECK_EQ_INT(offsetof(struct snp_ghcb, ghcb_usage), 0xffc);
    CHECK_EQ_INT(offsetof(struct snp_msg_header, msg_seqno), 0x20);
    CHECK_EQ_INT(offsetof(struct snp_msg_header, algo), 0x30);
    CHECK_EQ_INT(offsetof(struct snp_msg_header, msg_type), 0x34);
    CHECK_EQ_INT(offsetof(struct snp_msg_header, msg_size), 0x36);
    CHECK_EQ_INT(offsetof(struct snp_msg_header, msg_vmpck), 0x3c);
    CHECK_EQ_INT(offsetof(struct snp_report_req, vmpl), 0x40);
    CHECK_EQ_INT(offsetof(struct snp_report_req, key_sel), 0x44);
    CHECK_EQ_INT(offsetof(struct snp_report_rsp, report), 0x20);
    CHECK_EQ_INT(GHCB_BIT_RAX, 0x3f);
    CHECK_EQ_INT(GHCB_BIT_EXIT_CODE, 0x72);
}

/* ---- guest messages ----------------------------------------------------- */

static const uint8_t test_key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void test_guest_msg(void)
{
    struct gcm256 k;
    gcm256_init(&k, test_key);
    uint8_t payload[96], msg[4096], out[128];
    for (int i = 0; i < 96; i++)
        payload[i] = (uint8_t)(0x40 + i);
    size_t n = snp_msg_seal(&k, 0, 7, SNP_MSG_REPORT_REQ, 1, payload, sizeof payload, msg, sizeof msg);
    CHECK_EQ_INT(n, 0x60 + 96);
    /* The header, byte by byte, as the firmware ABI lays it out. */
    CHECK(msg[0x20] == 7 && msg[0x21] == 0);
    CHECK(msg[0x30] == 1 && msg[0x31] == 1 && msg[0x32] == 0x60 && msg[0x33] == 0);
    CHECK(msg[0x34] == 5 && msg[0x35] == 1 && msg[0x36] == 96 && msg[0x37] == 0 && msg[0x3c] == 0);
    uint8_t zeros[32] = {0};
    CHECK(memcmp(msg + 16, zeros, 16) == 0);             /* the tag's unused half */
    CHECK(memcmp(msg + 0x60, payload, 16) != 0);         /* encrypted */
    /* The payload is AES-256-GCM(key, IV = seqno LE || 0, AAD = 0x30..0x5f). */
    uint8_t iv[12] = {7}, ct[96], tag[16];
    gcm256_seal(&k, iv, msg + 0x30, 0x30, payload, 96, ct, tag);
    CHECK(memcmp(ct, msg + 0x60, 96) == 0 && memcmp(tag, msg, 16) == 0);

    size_t len = 0;
    /* A "response" is the same format: open what was sealed. */
    CHECK_EQ_INT(snp_msg_open(&k, 0, 7, SNP_MSG_REPORT_REQ, 1, msg, n, out, sizeof out, &len), SNP_MSG_OK);
    CHECK(len == 96 && memcmp(out, payload, 96) == 0);
    CHECK_EQ_INT(snp_msg_open(&k, 0, 9, SNP_MSG_REPORT_REQ, 1, msg, n, out, sizeof out, &len), SNP_MSG_BAD_SEQNO);
    CHECK_EQ_INT(snp_msg_open(&k, 0, 7, SNP_MSG_REPORT_RSP, 1, msg, n, out, sizeof out, &len), SNP_MSG_BAD_TYPE);
    CHECK_EQ_INT(snp_msg_open(&k, 1, 7, SNP_MSG_REPORT_REQ, 1, msg, n, out, sizeof out, &len), SNP_MSG_BAD_VMPCK);
    CHECK_EQ_INT(snp_msg_open(&k, 0, 7, SNP_MSG_REPORT_REQ, 1, msg, n, out, 95, &len), SNP_MSG_BAD_SIZE);
    CHECK_EQ_INT(snp_msg_open(&k, 0, 7, SNP_MSG_REPORT_REQ, 1, msg, n - 1, out, sizeof out, &len), SNP_MSG_TRUNCATED);
    CHECK_EQ_INT(snp_msg_open(&k, 0, 7, SNP_MSG_REPORT_REQ, 1, msg, 0x5f, out, sizeof out, &len), SNP_MSG_TRUNCATED);
    /* Every byte matters: the payload and the AAD through the tag, the rest
     * of the header through the checks. */
    static const size_t flips[] = {0x00, 0x0f, 0x10, 0x1f, 0x20, 0x28, 0x30, 0x31, 0x33, 0x35,
                                   0x38, 0x3d, 0x5f, 0x60, 0x60 + 95};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        msg[flips[i]] ^= 0x10;
        memset(out, 0xcc, sizeof out);
        enum snp_msg_status st = snp_msg_open(&k, 0, 7, SNP_MSG_REPORT_REQ, 1, msg, n, out, sizeof out, &len);
        if (st == SNP_MSG_OK)
            printf("     flipping byte %#zx went unnoticed\n", flips[i]);
        CHECK(st != SNP_MSG_OK && out[0] == 0xcc);
        msg[flips[i]] ^= 0x10;
    }
    CHECK_EQ_INT(snp_msg_seal(&k, 0, 1, 5, 1, payload, SNP_MSG_MAX_PAYLOAD + 1, msg, sizeof msg), 0);
}

/* ---- the GHCB protocol against the model hypervisor ----------------------- */

#define GHCB_GPA 0x1000u

static void test_ghcb_msr(void)
{
    uint64_t features = 0, detail = 0;
    fake_reset();
    CHECK_EQ_INT(ghcb_msr_negotiate(51, &features), GHCB_OK);
    CHECK(features & GHCB_HV_FEATURE_SNP);
    CHECK_EQ_INT(ghcb_msr_negotiate(47, &features), GHCB_ERR_CBIT);
    fake_hv.proto_max = 1;
    CHECK_EQ_INT(ghcb_msr_negotiate(51, &features), GHCB_ERR_VERSION);
    fake_hv.proto_max = 3;
    fake_hv.proto_min = 3;
    CHECK_EQ_INT(ghcb_msr_negotiate(51, &features), GHCB_ERR_VERSION);
    fake_hv.proto_min = 2;
    fake_hv.features = 0;
    CHECK_EQ_INT(ghcb_msr_negotiate(51, &features), GHCB_ERR_NO_SNP);
    fake_hv.features = GHCB_HV_FEATURE_SNP;
    fake_hv.wrong_response_code = 1;
    CHECK_EQ_INT(ghcb_msr_negotiate(51, &features), GHCB_ERR_PROTOCOL);
    CHECK_EQ_INT(ghcb_msr_register(1), GHCB_ERR_PROTOCOL);
    CHECK_EQ_INT(ghcb_msr_page_state(1, GHCB_PSC_SHARED, &detail), GHCB_ERR_PROTOCOL);
    fake_hv.wrong_response_code = 0;

    CHECK_EQ_INT(ghcb_msr_page_state(GHCB_GPA / 4096, GHCB_PSC_SHARED, &detail), GHCB_OK);
    CHECK(fake_rmp_shared(GHCB_GPA));
    fake_hv.psc_error = 5;
    CHECK_EQ_INT(ghcb_msr_page_state(2, GHCB_PSC_SHARED, &detail), GHCB_ERR_REFUSED);
    CHECK_EQ_INT(detail, 5);
    CHECK(!fake_rmp_shared(2 * (uint64_t)4096));
    fake_hv.psc_error = 0;
    CHECK_EQ_INT(ghcb_msr_register(GHCB_GPA / 4096), GHCB_OK);
    CHECK_EQ_INT(fake_hv.registered_gpa, GHCB_GPA);

    fake_hv.last_term_set = 99;
    fake_term_armed = 1;
    if (setjmp(fake_term_jmp) == 0)
        ghcb_msr_terminate(GHCB_TERM_SET_KEEP, GHCB_TERM_KEEP_VALIDATION);
    CHECK_EQ_INT(fake_hv.last_term_set, GHCB_TERM_SET_KEEP);
    CHECK_EQ_INT(fake_hv.last_term_reason, GHCB_TERM_KEEP_VALIDATION);
}

/* A registered, shared GHCB page. */
static struct ghcb_ctx ghcb_setup(void)
{
    uint64_t detail;
    fake_reset();
    ghcb_msr_page_state(GHCB_GPA / 4096, GHCB_PSC_SHARED, &detail);
    ghcb_msr_register(GHCB_GPA / 4096);
    struct ghcb_ctx g = {(volatile struct snp_ghcb *)(void *)(fake_mem + GHCB_GPA), GHCB_GPA, 0};
    return g;
}

static void test_ghcb_events(void)
{
    struct ghcb_ctx g = ghcb_setup();
    CHECK_EQ_INT(ghcb_io_out(&g, 0x5e4, 1, 0x42), GHCB_OK);
    CHECK(fake_hv.last_out_port == 0x5e4 && fake_hv.last_out_value == 0x42);
    uint64_t v = 0;
    CHECK_EQ_INT(ghcb_wrmsr(&g, 0xc0000101, 0x1122334455667788ull), GHCB_OK);
    CHECK_EQ_INT(ghcb_rdmsr(&g, 0xc0000101, &v), GHCB_OK);
    CHECK(v == 0x1122334455667788ull);
    uint64_t tsc = 0;
    uint32_t aux = 0;
    CHECK_EQ_INT(ghcb_rdtsc(&g, 1, &tsc, &aux), GHCB_OK);
    CHECK(tsc == 1000 && aux == 7);
    g.in_use = 1;
    CHECK_EQ_INT(ghcb_io_out(&g, 1, 1, 0), GHCB_ERR_IN_USE);
    g.in_use = 0;

    /* Page-state change of 600 pages in two ranges: three batches of at
     * most 253 entries; a hypervisor doing 100 per round is followed. */
    struct ghcb_psc_range r[2] = {{0x100, 300}, {0x500, 300}};
    uint64_t detail = 0;
    fake_hv.psc_per_round = 100;
    CHECK_EQ_INT(ghcb_page_state(&g, r, 2, GHCB_PSC_SHARED, &detail), GHCB_OK);
    CHECK_EQ_INT(fake_hv.psc_entries, 600);
    int all = 1;
    for (uint64_t p = 0; p < 300; p++)
        all &= fake_rmp_shared((0x100 + p) * 4096) && fake_rmp_shared((0x500 + p) * 4096);
    CHECK(all && !fake_rmp_shared(0x100 * 4096 - 4096) && !fake_rmp_shared((0x500 + 300) * (uint64_t)4096));
    /* Progress that goes back, or none at all, breaks the protocol. */
    fake_hv.psc_go_back = 1;
    CHECK_EQ_INT(ghcb_page_state(&g, r, 1, GHCB_PSC_PRIVATE, &detail), GHCB_ERR_PROTOCOL);
    fake_hv.psc_go_back = 0;
    CHECK_EQ_INT(g.in_use, 0);
}

/* ---- validation bookkeeping --------------------------------------------- */

static uint64_t pv_bits[FAKE_MEM_SIZE / 4096 / 64];

static struct pv_map pv_setup(void)
{
    struct pv_map m;
    fake_reset();
    memset(pv_bits, 0, sizeof pv_bits);
    pv_init(&m, pv_bits, FAKE_MEM_SIZE / 4096, (uint64_t)(uintptr_t)fake_mem);
    return m;
}

static void test_pvalidate(void)
{
    struct pv_map m = pv_setup();
    CHECK_EQ_INT(pv_bitmap_bytes(FAKE_MEM_SIZE / 4096), sizeof pv_bits);
    /* Launched pages are validated by the firmware, not again by the shim. */
    for (uint64_t p = 0; p < 16; p++)
        fake_rmp_set_validated(p * 4096, 1);
    CHECK_EQ_INT(pv_mark_validated(&m, 0, 16), PV_OK);
    CHECK_EQ_INT(pv_validate(&m, 0x2000, 1), PV_DOUBLE);
    CHECK_EQ_INT(m.validated, 16);

    /* Fresh memory: exactly once. */
    CHECK_EQ_INT(pv_validate(&m, 0x10000, 4), PV_OK);
    CHECK(fake_rmp_validated(0x10000) && fake_rmp_validated(0x13000) && !fake_rmp_validated(0x14000));
    CHECK(pv_is_validated(&m, 0x13fff) && !pv_is_validated(&m, 0x14000));
    CHECK_EQ_INT(pv_validate(&m, 0x12000, 4), PV_DOUBLE); /* overlaps: nothing touched */
    CHECK(!fake_rmp_validated(0x14000));

    /* The host validated a page behind the shim's back: refused. */
    fake_rmp_set_validated(0x20000, 1);
    CHECK_EQ_INT(pv_validate(&m, 0x20000, 1), PV_ALREADY_IN_RMP);
    CHECK(!pv_is_validated(&m, 0x20000));

    /* 2 MiB at once where the RMP allows it, else 512 small ones. */
    CHECK_EQ_INT(pv_validate(&m, 2u << 20, 512), PV_OK);
    CHECK(pv_is_validated(&m, (2u << 20) + 511 * 4096));
    fake_rmp_set_small(4u << 20, 1);
    CHECK_EQ_INT(pv_validate(&m, 4u << 20, 512 + 3), PV_OK);
    CHECK(fake_rmp_validated((4u << 20) + 514 * 4096) && pv_is_validated(&m, (4u << 20) + 514 * 4096));

    /* Rescinding before sharing. */
    CHECK_EQ_INT(pv_rescind(&m, 0x10000, 2), PV_OK);
    CHECK(!fake_rmp_validated(0x10000) && !pv_is_validated(&m, 0x11000) && pv_is_validated(&m, 0x12000));
    CHECK_EQ_INT(pv_rescind(&m, 0x10000, 1), PV_NOT_VALIDATED);
    /* The host had taken a validated page away: rescinding finds it so. */
    fake_rmp_set_validated(0x12000, 0);
    CHECK_EQ_INT(pv_rescind(&m, 0x12000, 1), PV_NOT_IN_RMP);
    CHECK_EQ_INT(pv_validate(&m, FAKE_MEM_SIZE - 4096, 2), PV_RANGE);
    CHECK_EQ_INT(pv_validate(&m, 0x10001, 1), PV_RANGE);

    /* A #VC "page not validated" is explained by the bookkeeping. */
    CHECK(strstr(pv_explain_unvalidated(&m, 0x13000), "took it away") != NULL);
    CHECK(strstr(pv_explain_unvalidated(&m, 0x30000), "never validated") != NULL);
}

/* ---- CPUID page ----------------------------------------------------------- */

static struct snp_cpuid_page cpuid_page_s, *cpuid_page = &cpuid_page_s;

static void cpuid_add(uint32_t leaf, uint32_t sub, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    cpuid_page->fn[cpuid_page->count++] = (struct snp_cpuid_function){leaf, sub, 0, 0, a, b, c, d, 0};
}

static void cpuid_setup(void)
{
    memset(cpuid_page, 0, sizeof *cpuid_page);
    cpuid_add(0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65);       /* AuthenticAMD */
    cpuid_add(1, 0, 0x00a00f11, 0x00000800, 0x76f8320b, 0x178bfbff); /* OSXSAVE (bit 27) off */
    cpuid_add(7, 0, 0, 0x219c91a9, 0x00000010, 0);                   /* OSPKE (bit 4) on */
    cpuid_add(7, 1, 0, 0, 0, 0x11);
    cpuid_add(0xd, 0, 0x7, 0x340, 0x340, 0);
    cpuid_add(0xd, 1, 0xf, 0x340, 0, 0);
    cpuid_add(0xd, 2, 0x100, 0x240, 0, 0);                           /* AVX: 256 bytes at 576 */
    cpuid_add(0xd, 9, 0x8, 0xa80, 0, 0);                             /* PKRU: 8 bytes at 2688 */
    cpuid_add(0xd, 11, 0x10, 0, 1, 0);                               /* CET_U (XSS) */
    cpuid_add(0x80000000, 0, 0x80000021, 0x68747541, 0x444d4163, 0x69746e65);
    cpuid_add(0x8000001f, 0, 0x0101fd3f, 0x00004173, 0x1fd, 0x80);   /* C-bit 51 */
}

static void test_cpuid(void)
{
    cpuid_setup();
    struct cpuid_state st = {0, 0x7, 0};
    struct cpuid_regs r;
    CHECK_EQ_INT(snp_cpuid_check_page(cpuid_page), CPUID_OK);
    CHECK_EQ_INT(snp_cpuid_cbit(cpuid_page), 51);
    CHECK_EQ_INT(snp_cpuid(cpuid_page, 0, 0, &st, &r), CPUID_OK);
    CHECK(r.eax == 0xd && r.ebx == 0x68747541 && r.ecx == 0x444d4163 && r.edx == 0x69746e65);
    /* The sub-leaf counts for leaf 7; not for leaf 1. */
    CHECK_EQ_INT(snp_cpuid(cpuid_page, 7, 1, &st, &r), CPUID_OK);
    CHECK(r.edx == 0x11);
    CHECK_EQ_INT(snp_cpuid(cpuid_page, 1, 5, &st, &r), CPUID_OK);
    CHECK(r.eax == 0x00a00f11);
    /* OSXSAVE and OSPKE follow CR4, whatever the table says. */
    CHECK(!(r.ecx & (1u << 27)));
    st.cr4 = 1u << 18;
    snp_cpuid(cpuid_page, 1, 0, &st, &r);
    CHECK(r.ecx & (1u << 27));
    snp_cpuid(cpuid_page, 7, 0, &st, &r);
    CHECK(!(r.ecx & (1u << 4)));
    st.cr4 |= 1u << 22;
    snp_cpuid(cpuid_page, 7, 0, &st, &r);
    CHECK(r.ecx & (1u << 4));
    /* XSAVE sizes from XCR0/XSS: standard = furthest end, compacted = sum. */
    snp_cpuid(cpuid_page, 0xd, 0, &st, &r);
    CHECK_EQ_INT(r.ebx, 576 + 256);
    st.xcr0 = 0x207; /* x87, SSE, AVX, PKRU */
    snp_cpuid(cpuid_page, 0xd, 0, &st, &r);
    CHECK_EQ_INT(r.ebx, 0xa80 + 8);
    st.xss = 1u << 11;
    snp_cpuid(cpuid_page, 0xd, 1, &st, &r);
    CHECK_EQ_INT(r.ebx, 576 + 256 + 8 + 16);
    st.xcr0 = 0x7 | (1u << 5); /* a component the table lacks */
    CHECK_EQ_INT(snp_cpuid(cpuid_page, 0xd, 0, &st, &r), CPUID_NO_XSAVE_SIZE);
    /* Leaves the table lacks read as zeros. */
    st.xcr0 = 0x7;
    CHECK_EQ_INT(snp_cpuid(cpuid_page, 0x80000008, 0, &st, &r), CPUID_OK);
    CHECK(r.eax == 0 && r.ebx == 0 && r.ecx == 0 && r.edx == 0);
    CHECK_EQ_INT(snp_cpuid(cpuid_page, 0x40000000, 0, &st, &r), CPUID_OK);
    CHECK(r.eax == 0);
    cpuid_page->count = 65;
    CHECK_EQ_INT(snp_cpuid_check_page(cpuid_page), CPUID_BAD_PAGE);
    CHECK_EQ_INT(snp_cpuid(cpuid_page, 0, 0, &st, &r), CPUID_BAD_PAGE);
}

/* ---- page tables ----------------------------------------------------------- */

#define ENC (1ull << 51)
static uint64_t next_frame;

static uint64_t alloc_frame(void *ctx)
{
    (void)ctx;
    uint64_t f = next_frame;
    next_frame += 4096;
    memset(fake_mem + f, 0, 4096);
    return f;
}

static void test_page_tables(void)
{
    fake_reset();
    struct pt_env e = {(uint64_t)(uintptr_t)fake_mem, ENC, FAKE_MEM_SIZE, 0, 0};
    /* PML4 at 0x1000 -> PDPT 0x2000 -> PD 0x3000: a 2 MiB page and a PT at
     * 0x4000 with two 4 KiB pages; PML4[511] -> PDPT 0x5000 with a 1 GiB page. */
    uint64_t *pml4 = (uint64_t *)(void *)(fake_mem + 0x1000), *pdpt = (uint64_t *)(void *)(fake_mem + 0x2000);
    uint64_t *pd = (uint64_t *)(void *)(fake_mem + 0x3000), *pt = (uint64_t *)(void *)(fake_mem + 0x4000);
    uint64_t *pdpt_hi = (uint64_t *)(void *)(fake_mem + 0x5000);
    pml4[0] = pt_private(0x2000, PTE_P | PTE_W, ENC);
    pml4[511] = pt_private(0x5000, PTE_P | PTE_W, ENC);
    pdpt[0] = pt_private(0x3000, PTE_P | PTE_W, ENC);
    pd[1] = pt_private(0x200000, PTE_P | PTE_W | PTE_PS | PTE_NX, ENC);
    pd[2] = pt_private(0x4000, PTE_P | PTE_W, ENC);
    pt[0] = pt_private(0x6000, PTE_P | PTE_NX, ENC);
    pt[7] = pt_private(0x7000, PTE_P | PTE_W | PTE_NX, ENC);
    pdpt_hi[510] = pt_private(0, PTE_P | PTE_W | PTE_PS, ENC);
    struct pt_fault f = {0, 0, 0};
    CHECK_EQ_INT(pt_check(&e, 0x1000 | ENC, &f), PT_OK);
    uint64_t gpa = 0;
    CHECK(pt_translate(&e, 0x1000 | ENC, 0x407123, &gpa) == PT_OK && gpa == 0x7123);
    CHECK(pt_translate(&e, 0x1000, 0x2abcde, &gpa) == PT_OK && gpa == 0x2abcde);
    CHECK(pt_translate(&e, 0x1000, 0xffffffff80123456ull, &gpa) == PT_OK && gpa == 0x123456);
    CHECK_EQ_INT(pt_translate(&e, 0x1000, 0x408000, &gpa), PT_NOT_MAPPED);
    CHECK_EQ_INT(pt_addr(pt[7], ENC), 0x7000);
    CHECK_EQ_INT(pt_addr(pd[1], ENC), 0x200000);

    /* An entry without the bit, at any level, is found and located. */
    pt[7] &= ~ENC;
    CHECK_EQ_INT(pt_check(&e, 0x1000, &f), PT_NO_ENC);
    CHECK(f.level == 1 && f.va == 0x407000);
    pt[7] |= ENC;
    pdpt_hi[510] &= ~ENC;
    CHECK_EQ_INT(pt_check(&e, 0x1000, &f), PT_NO_ENC);
    CHECK(f.level == 3 && f.va == 0xffffff8000000000ull + 510ull * (1ull << 30));
    pdpt_hi[510] |= ENC;
    pd[2] &= ~ENC;
    CHECK_EQ_INT(pt_check(&e, 0x1000, &f), PT_NO_ENC);
    CHECK(f.level == 2);
    pd[2] |= ENC;
    /* Tables outside guest memory and loops are refused, not followed. */
    pd[3] = pt_private(FAKE_MEM_SIZE, PTE_P, ENC);
    CHECK_EQ_INT(pt_check(&e, 0x1000, &f), PT_OUTSIDE);
    pd[3] = 0;
    /* Tables shared many times over (a tree far larger than its pages) are
     * refused after a bound, not walked for ever. */
    for (int i = 1; i < 256; i++)
        pml4[i] = pml4[0];
    for (int i = 1; i < 512; i++)
        pdpt[i] = pdpt[0];
    CHECK_EQ_INT(pt_check(&e, 0x1000, &f), PT_TOO_MANY);
    for (int i = 1; i < 256; i++)
        pml4[i] = 0;
    for (int i = 1; i < 512; i++)
        pdpt[i] = 0;

    /* Shared pages: mapped without the bit, in the shared window only. */
    next_frame = 0x100000;
    uint64_t va = 0xffffc90000000000ull;
    e.shared_lo = va;
    e.shared_hi = va + (1u << 20);
    CHECK_EQ_INT(pt_map_shared(&e, 0x1000, va, 0x9000, PTE_P | PTE_W | PTE_NX, alloc_frame, NULL), PT_OK);
    CHECK_EQ_INT(pt_map_shared(&e, 0x1000, va + 4096, 0xa000, PTE_P | PTE_W | PTE_NX, alloc_frame, NULL), PT_OK);
    CHECK_EQ_INT(next_frame, 0x100000 + 3 * 4096); /* PDPT, PD, PT once */
    CHECK_EQ_INT(pt_map_shared(&e, 0x1000, va, 0xb000, PTE_P, alloc_frame, NULL), PT_IN_USE);
    CHECK_EQ_INT(pt_check(&e, 0x1000, &f), PT_OK);
    uint64_t *leaf = (uint64_t *)(void *)(fake_mem + 0x100000 + 2 * (size_t)4096);
    CHECK(leaf[0] == (0x9000 | PTE_P | PTE_W | PTE_NX) && !(leaf[1] & ENC));
    /* The tables on the way are private. */
    CHECK(pml4[(va >> 39) & 511] & ENC);
    /* An encrypted leaf in the window, or a shared one outside, is refused. */
    leaf[1] |= ENC;
    CHECK_EQ_INT(pt_check(&e, 0x1000, &f), PT_SHARED_ENC);
    leaf[1] &= ~ENC;
    e.shared_hi = va + 4096;
    CHECK_EQ_INT(pt_check(&e, 0x1000, &f), PT_NO_ENC);
    CHECK(f.va == va + 4096);
    next_frame = 0;
    CHECK_EQ_INT(pt_map_shared(&e, 0x1000, 0x10000000000ull, 0xc000, PTE_P, alloc_frame, NULL), PT_NO_FRAME);
}

/* ---- #VC ------------------------------------------------------------------ */

static void test_vc(void)
{
    struct vc_io io;
    static const uint8_t cpuid_insn[] = {0x0f, 0xa2}, cpuid_prefixed[] = {0x66, 0x48, 0x0f, 0xa2};
    static const uint8_t out_dx[] = {0xee}, out_imm[] = {0x66, 0xe7, 0x80}, in_dx[] = {0xec};
    static const uint8_t rdmsr[] = {0x0f, 0x32}, wrmsr[] = {0x0f, 0x30}, rdtscp[] = {0x0f, 0x01, 0xf9};
    static const uint8_t outs[] = {0x6e}, nop[] = {0x90, 0x90};
    CHECK_EQ_INT(vc_decode(SVM_EXIT_CPUID, cpuid_insn, 2, 0, &io), 2);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_CPUID, cpuid_prefixed, 4, 0, &io), 4);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_CPUID, cpuid_insn, 1, 0, &io), 0);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_CPUID, nop, 2, 0, &io), 0);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_CPUID, rdmsr, 2, 0, &io), 0);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_IOIO, out_dx, 1, 0x5e4, &io), 1);
    CHECK(io.out && io.port == 0x5e4 && io.size == 1);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_IOIO, out_imm, 3, 0, &io), 3);
    CHECK(io.out && io.port == 0x80 && io.size == 2);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_IOIO, in_dx, 1, 0x60, &io), 1);
    CHECK(!io.out);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_IOIO, outs, 1, 0, &io), 0);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_MSR, wrmsr, 2, 0, &io), 2);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_RDTSCP, rdtscp, 3, 0, &io), 3);
    uint8_t long_prefix[20];
    memset(long_prefix, 0x66, sizeof long_prefix);
    CHECK_EQ_INT(vc_decode(SVM_EXIT_CPUID, long_prefix, sizeof long_prefix, 0, &io), 0);

    struct ghcb_ctx g = ghcb_setup();
    cpuid_setup();
    struct vc_env env = {cpuid_page, {1u << 18, 0x7, 0}, &g};
    int detail;
    /* CPUID from the workload: from the page, never the hypervisor. */
    unsigned exits = fake_hv.vmgexits;
    struct vc_frame f = {0x8000001f, 0, 0, 0, 0x1000, 1};
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_CPUID, &f, cpuid_insn, 2, &detail), VC_DONE);
    CHECK(f.rax == 0x0101fd3f && (f.rbx & 0x3f) == 51 && f.rip == 0x1002);
    f = (struct vc_frame){0xffffffff00000001ull, 0, 0, 0, 0x2000, 1};
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_CPUID, &f, cpuid_prefixed, 4, &detail), VC_DONE);
    CHECK(f.rax == 0x00a00f11 && (f.rcx & (1u << 27)) && f.rip == 0x2004);
    CHECK_EQ_INT(fake_hv.vmgexits, exits);
    /* I/O and MSRs only from the shim, through the GHCB. */
    f = (struct vc_frame){0x77, 0, 0, 0x5e4, 0x3000, 1};
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_IOIO, &f, out_dx, 1, &detail), VC_FORBIDDEN);
    CHECK_EQ_INT(f.rip, 0x3000);
    f.user = 0;
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_IOIO, &f, out_dx, 1, &detail), VC_DONE);
    CHECK(fake_hv.last_out_port == 0x5e4 && fake_hv.last_out_value == 0x77 && f.rip == 0x3001);
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_IOIO, &f, in_dx, 1, &detail), VC_UNSUPPORTED);
    f = (struct vc_frame){0x55, 0, 3, 0x66, 0x4000, 0};
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_MSR, &f, wrmsr, 2, &detail), VC_DONE);
    f.rax = f.rdx = 0;
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_MSR, &f, rdmsr, 2, &detail), VC_DONE);
    CHECK(f.rax == 0x55 && f.rdx == 0x66);
    f.user = 1;
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_RDTSCP, &f, rdtscp, 3, &detail), VC_DONE);
    CHECK(f.rcx == 7 && f.rip == 0x4007);
    /* An instruction that is not what the exit says, an exit the Keep does
     * not serve, and unvalidated memory. */
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_CPUID, &f, rdmsr, 2, &detail), VC_DECODE);
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_NPF, &f, nop, 2, &detail), VC_UNSUPPORTED);
    CHECK_EQ_INT(vc_handle(&env, 0x78 /* HLT */, &f, nop, 2, &detail), VC_UNSUPPORTED);
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_PAGE_NOT_VALIDATED, &f, nop, 2, &detail), VC_NOT_VALIDATED);
    /* A broken CPUID page stops it. */
    cpuid_page->count = 99;
    CHECK_EQ_INT(vc_handle(&env, SVM_EXIT_CPUID, &f, cpuid_insn, 2, &detail), VC_CPUID);
    CHECK_EQ_INT(detail, CPUID_BAD_PAGE);
}

/* ---- the certificate table and the evidence --------------------------------- */

static void put_entry(uint8_t *t, unsigned i, uint8_t guid0, uint32_t off, uint32_t len)
{
    uint8_t *e = t + (size_t)24 * i;
    memset(e, guid0, 16);
    memcpy(e + 16, &off, 4);
    memcpy(e + 20, &len, 4);
}

static void test_cert_table(void)
{
    uint8_t t[4096] = {0};
    size_t used = 99;
    CHECK(snp_cert_table_check(t, sizeof t, &used) == 0 && used == 0);
    put_entry(t, 0, 0x63, 96, 1000);
    put_entry(t, 1, 0x4a, 1096, 1500);
    put_entry(t, 2, 0xc0, 2596, 1400);
    CHECK(snp_cert_table_check(t, sizeof t, &used) == 0 && used == 3996);
    put_entry(t, 2, 0xc0, 2596, 1501);                    /* past the buffer */
    CHECK(snp_cert_table_check(t, sizeof t, &used) != 0);
    put_entry(t, 2, 0xc0, 0xfffffff0u, 0x20);             /* wraps */
    CHECK(snp_cert_table_check(t, sizeof t, &used) != 0);
    put_entry(t, 2, 0xc0, 40, 10);                        /* inside the table */
    CHECK(snp_cert_table_check(t, sizeof t, &used) != 0);
    memset(t, 0x11, sizeof t);                            /* no terminator */
    CHECK(snp_cert_table_check(t, sizeof t, &used) != 0);
    CHECK(snp_cert_table_check(t, 10, &used) != 0);

    uint8_t report[SNP_REPORT_SIZE], certs[100], ev[4096];
    memset(report, 0xab, sizeof report);
    memset(certs, 0xcd, sizeof certs);
    size_t n = snp_evidence_build(report, certs, sizeof certs, ev, sizeof ev);
    CHECK_EQ_INT(n, 32 + 1184 + 100);
    CHECK_EQ_INT(snp_evidence_len(100), n);
    uint32_t kind, hlen, blen, xlen;
    memcpy(&kind, ev + 8, 4);
    memcpy(&hlen, ev + 12, 4);
    memcpy(&blen, ev + 16, 4);
    memcpy(&xlen, ev + 20, 4);
    CHECK(memcmp(ev, "ENARXEV1", 8) == 0 && kind == 1 && hlen == 32 && blen == 1184 && xlen == 100);
    CHECK(ev[32] == 0xab && ev[32 + 1184] == 0xcd && ev[24] == 0 && ev[31] == 0);
    CHECK_EQ_INT(snp_evidence_build(report, certs, sizeof certs, ev, n - 1), 0);
}

int main(void)
{
    test_aes256_fips197();
    test_gcm_vectors();
    test_layouts();
    test_guest_msg();
    test_ghcb_msr();
    test_ghcb_events();
    test_pvalidate();
    test_cpuid();
    test_page_tables();
    test_vc();
    test_cert_table();
    return check_summary();
}
