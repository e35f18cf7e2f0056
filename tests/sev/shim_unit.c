/* Unit tests of the shim's SEV-SNP code (src/shim/snp), compiled for the
 * host: AES-256-GCM known answers, the guest-message format, the CPUID page,
 * page-table encryption bits, the validation bookkeeping, #VC decoding and
 * the GHCB protocol against a model hypervisor (tests/sev/fake_hw.c). */
#include <stdlib.h>

#include "check.h"
#include "shim/snp/aes_gcm.h"

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
        uint8_t key[32], iv[12], aad[64], pt[128], ct[128], tag[16], out[128], got_tag[16];
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

int main(void)
{
    test_aes256_fips197();
    test_gcm_vectors();
    return check_summary();
}
