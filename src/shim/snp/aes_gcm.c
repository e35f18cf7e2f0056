/* AES-256-GCM, table-free and constant-time (see aes_gcm.h for why). */
#include "shim/snp/aes_gcm.h"

#include <string.h>

/* ---- GF(2^8), eight bytes in parallel ------------------------------------ */

#define LANES_01 0x0101010101010101ull
#define LANES_7F 0x7f7f7f7f7f7f7f7full
#define LANES_80 0x8080808080808080ull

/* Multiplies every byte by x modulo x^8 + x^4 + x^3 + x + 1. */
static uint64_t lanes_xtime(uint64_t a)
{
    return ((a & LANES_7F) << 1) ^ (((a & LANES_80) >> 7) * 0x1b);
}

/* Byte-wise products a[i] * b[i] in GF(2^8). */
static uint64_t lanes_mul(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (int i = 0; i < 8; i++) {
        r ^= a & (((b >> i) & LANES_01) * 0xff);
        a = lanes_xtime(a);
    }
    return r;
}

/* Byte-wise inverses (0 stays 0): x^254 = x^240 * x^12 * x^2. */
static uint64_t lanes_inverse(uint64_t x)
{
    uint64_t x2 = lanes_mul(x, x);
    uint64_t x3 = lanes_mul(x2, x);
    uint64_t x6 = lanes_mul(x3, x3);
    uint64_t x12 = lanes_mul(x6, x6);
    uint64_t x15 = lanes_mul(x12, x3);
    uint64_t x30 = lanes_mul(x15, x15);
    uint64_t x60 = lanes_mul(x30, x30);
    uint64_t x120 = lanes_mul(x60, x60);
    uint64_t x240 = lanes_mul(x120, x120);
    uint64_t x14 = lanes_mul(x12, x2);
    return lanes_mul(x240, x14);
}

static uint64_t lanes_rotl(uint64_t x, unsigned n)
{
    uint64_t keep = LANES_01 * (uint64_t)(0xffu >> n);   /* bits that stay in their byte */
    return ((x & keep) << n) | ((x >> (8 - n)) & (LANES_01 * ((1u << n) - 1)));
}

/* The AES S-box on every byte: inverse, then the affine map. */
static uint64_t lanes_sbox(uint64_t x)
{
    uint64_t b = lanes_inverse(x);
    return b ^ lanes_rotl(b, 1) ^ lanes_rotl(b, 2) ^ lanes_rotl(b, 3) ^ lanes_rotl(b, 4) ^
           (LANES_01 * 0x63);
}

static void sub_bytes(uint8_t *p, size_t n)   /* n <= 16 */
{
    for (size_t off = 0; off < n; off += 8) {
        uint64_t w = 0;
        size_t k = n - off < 8 ? n - off : 8;
        memcpy(&w, p + off, k);
        w = lanes_sbox(w);
        memcpy(p + off, &w, k);
    }
}

/* ---- AES-256 -------------------------------------------------------------- */

void aes256_init(struct aes256 *a, const uint8_t key[AES256_KEY_SIZE])
{
    uint8_t w[60][4];
    memcpy(w, key, 32);
    uint8_t rcon = 1;
    for (int i = 8; i < 60; i++) {
        uint8_t t[4];
        memcpy(t, w[i - 1], 4);
        if (i % 8 == 0) {
            uint8_t r = t[0];
            t[0] = t[1];
            t[1] = t[2];
            t[2] = t[3];
            t[3] = r;
            sub_bytes(t, 4);
            t[0] ^= rcon;
            rcon = (uint8_t)((rcon << 1) ^ ((rcon >> 7) * 0x1b));
        } else if (i % 8 == 4) {
            sub_bytes(t, 4);
        }
        for (int j = 0; j < 4; j++)
            w[i][j] = w[i - 8][j] ^ t[j];
    }
    memcpy(a->round_key, w, sizeof a->round_key);
    secure_wipe(w, sizeof w);
}

static void add_round_key(uint8_t s[16], const uint8_t k[16])
{
    for (int i = 0; i < 16; i++)
        s[i] ^= k[i];
}

/* State byte (row r, column c) is s[4c + r]; row r rotates left by r. */
static void shift_rows(uint8_t s[16])
{
    uint8_t t[16];
    for (int c = 0; c < 4; c++)
        for (int r = 0; r < 4; r++)
            t[4 * c + r] = s[4 * ((c + r) % 4) + r];
    memcpy(s, t, 16);
}

static uint8_t xtime(uint8_t b)
{
    return (uint8_t)((b << 1) ^ ((b >> 7) * 0x1b));
}

static void mix_columns(uint8_t s[16])
{
    for (int c = 0; c < 4; c++) {
        uint8_t *col = s + (size_t)4 * c;
        uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
        uint8_t all = a0 ^ a1 ^ a2 ^ a3;
        col[0] = a0 ^ all ^ xtime(a0 ^ a1);
        col[1] = a1 ^ all ^ xtime(a1 ^ a2);
        col[2] = a2 ^ all ^ xtime(a2 ^ a3);
        col[3] = a3 ^ all ^ xtime(a3 ^ a0);
    }
}

void aes256_encrypt_block(const struct aes256 *a, const uint8_t in[16], uint8_t out[16])
{
    uint8_t s[16];
    memcpy(s, in, 16);
    add_round_key(s, a->round_key[0]);
    for (int round = 1; round < 14; round++) {
        sub_bytes(s, 16);
        shift_rows(s);
        mix_columns(s);
        add_round_key(s, a->round_key[round]);
    }
    sub_bytes(s, 16);
    shift_rows(s);
    add_round_key(s, a->round_key[14]);
    memcpy(out, s, 16);
    secure_wipe(s, sizeof s);
}

/* ---- GHASH ------------------------------------------------------------- */

static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

struct ghash {
    uint64_t h_hi, h_lo;
    uint64_t y_hi, y_lo;
};

/* Y = (Y xor block) * H in GCM's bit order (SP 800-38D, algorithm 1), with
 * masks instead of branches. */
static void ghash_block(struct ghash *g, const uint8_t block[16])
{
    uint64_t x_hi = g->y_hi ^ load_be64(block), x_lo = g->y_lo ^ load_be64(block + 8);
    uint64_t z_hi = 0, z_lo = 0, v_hi = g->h_hi, v_lo = g->h_lo;
    for (int i = 0; i < 128; i++) {
        uint64_t bit = i < 64 ? (x_hi >> (63 - i)) & 1 : (x_lo >> (127 - i)) & 1;
        uint64_t take = 0 - bit;
        z_hi ^= v_hi & take;
        z_lo ^= v_lo & take;
        uint64_t reduce = 0 - (v_lo & 1);
        v_lo = (v_lo >> 1) | (v_hi << 63);
        v_hi = (v_hi >> 1) ^ (0xe100000000000000ull & reduce);
    }
    g->y_hi = z_hi;
    g->y_lo = z_lo;
}

static void ghash_data(struct ghash *g, const uint8_t *p, size_t len)
{
    while (len) {
        uint8_t block[16] = {0};
        size_t n = len < 16 ? len : 16;
        memcpy(block, p, n);
        ghash_block(g, block);
        p += n;
        len -= n;
    }
}

/* ---- GCM ------------------------------------------------------------------ */

void gcm256_init(struct gcm256 *g, const uint8_t key[AES256_KEY_SIZE])
{
    uint8_t h[16] = {0};
    aes256_init(&g->aes, key);
    aes256_encrypt_block(&g->aes, h, h);
    g->h_hi = load_be64(h);
    g->h_lo = load_be64(h + 8);
    secure_wipe(h, sizeof h);
}

/* Counter mode from counter block J0 + 1 (32-bit big-endian increment). */
static void ctr_crypt(const struct gcm256 *g, const uint8_t j0[16], const uint8_t *in, size_t len,
                      uint8_t *out)
{
    uint8_t ctr[16], ks[16];
    memcpy(ctr, j0, 16);
    uint32_t n = (uint32_t)ctr[12] << 24 | (uint32_t)ctr[13] << 16 | (uint32_t)ctr[14] << 8 | ctr[15];
    for (size_t off = 0; off < len; off += 16) {
        n++;
        ctr[12] = (uint8_t)(n >> 24);
        ctr[13] = (uint8_t)(n >> 16);
        ctr[14] = (uint8_t)(n >> 8);
        ctr[15] = (uint8_t)n;
        aes256_encrypt_block(&g->aes, ctr, ks);
        size_t k = len - off < 16 ? len - off : 16;
        for (size_t i = 0; i < k; i++)
            out[off + i] = in[off + i] ^ ks[i];
    }
    secure_wipe(ks, sizeof ks);
}

static void compute_tag(const struct gcm256 *g, const uint8_t j0[16], const uint8_t *aad,
                        size_t aad_len, const uint8_t *ct, size_t len, uint8_t tag[16])
{
    struct ghash h = {g->h_hi, g->h_lo, 0, 0};
    ghash_data(&h, aad, aad_len);
    ghash_data(&h, ct, len);
    uint8_t lengths[16];
    store_be64(lengths, (uint64_t)aad_len * 8);
    store_be64(lengths + 8, (uint64_t)len * 8);
    ghash_block(&h, lengths);
    uint8_t s[16], ek[16];
    store_be64(s, h.y_hi);
    store_be64(s + 8, h.y_lo);
    aes256_encrypt_block(&g->aes, j0, ek);
    for (int i = 0; i < 16; i++)
        tag[i] = s[i] ^ ek[i];
    secure_wipe(ek, sizeof ek);
}

static void make_j0(const uint8_t iv[GCM_IV_SIZE], uint8_t j0[16])
{
    memcpy(j0, iv, GCM_IV_SIZE);
    j0[12] = j0[13] = j0[14] = 0;
    j0[15] = 1;
}

void gcm256_seal(const struct gcm256 *g, const uint8_t iv[GCM_IV_SIZE], const uint8_t *aad,
                 size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct,
                 uint8_t tag[GCM_TAG_SIZE])
{
    uint8_t j0[16];
    make_j0(iv, j0);
    ctr_crypt(g, j0, pt, len, ct);
    compute_tag(g, j0, aad, aad_len, ct, len, tag);
}

int gcm256_open(const struct gcm256 *g, const uint8_t iv[GCM_IV_SIZE], const uint8_t *aad,
                size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[GCM_TAG_SIZE],
                uint8_t *pt)
{
    uint8_t j0[16], expect[16];
    make_j0(iv, j0);
    compute_tag(g, j0, aad, aad_len, ct, len, expect);
    int ok = ct_equal(expect, tag, GCM_TAG_SIZE);
    secure_wipe(expect, sizeof expect);
    if (!ok)
        return -1;
    ctr_crypt(g, j0, ct, len, pt);
    return 0;
}

void gcm256_wipe(struct gcm256 *g)
{
    secure_wipe(g, sizeof *g);
}

int ct_equal(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    return diff == 0;
}

void secure_wipe(void *p, size_t len)
{
    volatile uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        b[i] = 0;
}
