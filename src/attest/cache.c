/* The verifier's caches: what a server would otherwise redo for every piece
 * of evidence from the same platforms.
 *
 * Two bounded LRU tables behind one mutex:
 *   objects     parsed certificate lists (a VCEK, a PCK chain, a collateral
 *               issuer chain), parsed CRLs, parsed collateral documents
 *               (the exact signed member, its signature and its JSON), and
 *               validated quote attestation keys;
 *   signatures  facts "this signature verifies": a certificate by its
 *               issuer, a CRL by its issuer, a collateral member or a QE
 *               report by the certificate's key.
 *
 * Every key is a SHA-256 over a domain tag and everything the cached result
 * depends on: the exact input bytes for a parse; for a signature fact, the
 * exact DER of the signed object (or the SHA-256 of the signed message and the
 * signature bytes) and the exact DER of the signer's certificate. A hit
 * therefore stands for the very computation a cold run would make, and
 * nothing that depends on the verification time, the CRLs given or the trust
 * anchors is cached: validity periods, collateral dates, revocation, pinning
 * and every binding are checked on every call.
 *
 * Ownership: every value a verification obtains through its verify_ctx
 * (parsed here, or found in the cache) is held by that verify_ctx and given
 * back in verify_ctx_finish; callers never free them. A cached value in use
 * is never freed: an entry evicted meanwhile is only detached, and freed by
 * its last user, under the lock. So shared OpenSSL and jansson objects are
 * freed only after every thread that read them has let go of them through
 * the mutex — no reliance on the libraries' own reference counts across
 * threads.
 *
 * Admission: what one verification parsed or verified enters the shared
 * tables only if the evidence verifies (status VALID before any policy).
 * Junk, forgeries and evidence for other roots never displace the entries of
 * genuine platforms. Without a cache the same bookkeeping spares a
 * verification from checking one signature twice. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "attest/internal.h"

typedef enum entry_kind {
    ENTRY_CERTS,       /* STACK_OF(X509) */
    ENTRY_CRL,         /* X509_CRL */
    ENTRY_COLLATERAL,  /* collateral_doc */
    ENTRY_PKEY,        /* EVP_PKEY (a quote's attestation key) */
    ENTRY_FACT,        /* no value: the key is the fact */
} entry_kind;

typedef struct cache_entry cache_entry;
struct cache_entry {
    uint8_t key[32];
    entry_kind kind;
    void *value;
    cache_entry *newer, *older;  /* LRU list */
    cache_entry *next_in_bucket;
    unsigned users;              /* verifications holding the value */
    bool detached;               /* evicted while in use: the last user frees it */
};

typedef struct lru {
    cache_entry **buckets;
    size_t nbuckets;          /* a power of two */
    cache_entry *newest, *oldest;
    size_t count, capacity;
    uint64_t hits, misses, evictions;
} lru;

struct attest_cache {
    pthread_mutex_t lock;
    lru objects;
    lru signatures;
    EVP_MD *sha256;           /* fetched once: an implicit fetch per digest costs a lock */
};

/* ---- values ------------------------------------------------------------- */

static void value_free(entry_kind kind, void *value)
{
    switch (kind) {
    case ENTRY_CERTS:
        sk_X509_pop_free(value, X509_free);
        break;
    case ENTRY_CRL:
        X509_CRL_free(value);
        break;
    case ENTRY_COLLATERAL:
        if (value) {
            json_decref(((collateral_doc *)value)->member);
            free(value);
        }
        break;
    case ENTRY_PKEY:
        EVP_PKEY_free(value);
        break;
    case ENTRY_FACT:
        break;
    }
}

static void entry_free(cache_entry *e)
{
    value_free(e->kind, e->value);
    free(e);
}

/* ---- one LRU table (callers hold the lock) ----------------------------- */

static bool lru_init(lru *t, size_t capacity)
{
    memset(t, 0, sizeof *t);
    t->capacity = capacity;
    t->nbuckets = 16;
    while (t->nbuckets < capacity && t->nbuckets < ((size_t)1 << 24))
        t->nbuckets <<= 1;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    return t->buckets != NULL;
}

static cache_entry **lru_slot(lru *t, const uint8_t key[32])
{
    uint64_t h;
    memcpy(&h, key, sizeof h); /* the key is a SHA-256: its bytes are already uniform */
    cache_entry **slot = &t->buckets[h & (t->nbuckets - 1)];
    while (*slot && memcmp((*slot)->key, key, 32) != 0)
        slot = &(*slot)->next_in_bucket;
    return slot;
}

static void lru_unlink(lru *t, cache_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        t->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        t->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void lru_push_newest(lru *t, cache_entry *e)
{
    e->older = t->newest;
    e->newer = NULL;
    if (t->newest)
        t->newest->newer = e;
    t->newest = e;
    if (!t->oldest)
        t->oldest = e;
}

static void lru_remove(lru *t, cache_entry **slot)
{
    cache_entry *e = *slot;
    *slot = e->next_in_bucket;
    e->next_in_bucket = NULL;
    lru_unlink(t, e);
    t->count--;
    if (e->users > 0)
        e->detached = true;
    else
        entry_free(e);
}

static cache_entry *lru_find(lru *t, const uint8_t key[32], entry_kind kind)
{
    cache_entry *e = *lru_slot(t, key);
    if (!e || e->kind != kind) {
        t->misses++;
        return NULL;
    }
    t->hits++;
    lru_unlink(t, e);
    lru_push_newest(t, e);
    return e;
}

/* Takes ownership of value (freed here if not kept). */
static void lru_insert(lru *t, const uint8_t key[32], entry_kind kind, void *value)
{
    cache_entry **slot = lru_slot(t, key);
    if (*slot || t->capacity == 0) { /* another thread admitted it first */
        value_free(kind, value);
        return;
    }
    cache_entry *e = calloc(1, sizeof *e);
    if (!e) {
        value_free(kind, value);
        return;
    }
    memcpy(e->key, key, 32);
    e->kind = kind;
    e->value = value;
    *slot = e;
    lru_push_newest(t, e);
    t->count++;
    while (t->count > t->capacity) {
        cache_entry *old = t->oldest;
        lru_remove(t, lru_slot(t, old->key));
        t->evictions++;
    }
}

static void lru_clear(lru *t)
{
    while (t->oldest)
        lru_remove(t, lru_slot(t, t->oldest->key));
}

/* ---- the cache ---------------------------------------------------------- */

attest_cache *cache_new(size_t objects, size_t signatures)
{
    attest_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!c->sha256 || !lru_init(&c->objects, objects) || !lru_init(&c->signatures, signatures)) {
        cache_free(c);
        return NULL;
    }
    return c;
}

void cache_free(attest_cache *c)
{
    if (!c)
        return;
    cache_flush(c);
    free(c->objects.buckets);
    free(c->signatures.buckets);
    EVP_MD_free(c->sha256);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void cache_flush(attest_cache *c)
{
    pthread_mutex_lock(&c->lock);
    if (c->objects.buckets)
        lru_clear(&c->objects);
    if (c->signatures.buckets)
        lru_clear(&c->signatures);
    pthread_mutex_unlock(&c->lock);
}

void cache_stats(attest_cache *c, attest_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    out->objects = c->objects.count;
    out->objects_capacity = c->objects.capacity;
    out->signatures = c->signatures.count;
    out->signatures_capacity = c->signatures.capacity;
    out->hits = c->objects.hits + c->signatures.hits;
    out->misses = c->objects.misses + c->signatures.misses;
    out->evictions = c->objects.evictions + c->signatures.evictions;
    pthread_mutex_unlock(&c->lock);
}

static lru *table_for(attest_cache *c, entry_kind kind)
{
    return kind == ENTRY_FACT ? &c->signatures : &c->objects;
}

/* ---- per-verification context ------------------------------------------- */

void verify_ctx_init(verify_ctx *ctx, const attest_trust *trust, attest_cache *cache)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->trust = trust;
    ctx->cache = cache;
}

void verify_ctx_finish(verify_ctx *ctx, bool admit)
{
    if (ctx->cache)
        pthread_mutex_lock(&ctx->cache->lock);
    size_t admitted = 0;
    for (size_t i = 0; i < ctx->nheld; i++) {
        held_value *h = &ctx->held[i];
        if (h->entry) { /* borrowed from the cache */
            cache_entry *e = h->entry;
            if (--e->users == 0 && e->detached)
                entry_free(e);
        } else if (ctx->cache && admit && h->keyed && admitted < ATTEST_MAX_ADMITTED) {
            lru_insert(table_for(ctx->cache, (entry_kind)h->kind), h->key, (entry_kind)h->kind, h->value);
            admitted++;
        } else {
            value_free((entry_kind)h->kind, h->value);
        }
    }
    for (size_t i = 0; ctx->cache && admit && i < ctx->nfacts; i++)
        lru_insert(&ctx->cache->signatures, ctx->facts[i], ENTRY_FACT, NULL);
    if (ctx->cache)
        pthread_mutex_unlock(&ctx->cache->lock);
    free(ctx->held);
    ctx->held = NULL;
    ctx->nheld = ctx->held_cap = 0;
    ctx->nfacts = 0;
    ctx->ncert_hashes = 0;
}

/* Keeps a value until verify_ctx_finish. False (and the value freed, unless
 * borrowed) when memory runs out. */
static bool hold(verify_ctx *ctx, entry_kind kind, void *value, cache_entry *entry, const uint8_t *key)
{
    if (ctx->nheld == ctx->held_cap) {
        size_t cap = ctx->held_cap ? 2 * ctx->held_cap : 8;
        held_value *bigger = realloc(ctx->held, cap * sizeof *bigger);
        if (!bigger) {
            if (!entry)
                value_free(kind, value);
            return false;
        }
        ctx->held = bigger;
        ctx->held_cap = cap;
    }
    held_value *h = &ctx->held[ctx->nheld++];
    h->kind = (int)kind;
    h->value = value;
    h->entry = entry;
    h->keyed = key != NULL;
    if (key)
        memcpy(h->key, key, 32);
    return true;
}

/* The value for key: one this verification already holds, or the cache's
 * (then held, so it outlives any eviction until verify_ctx_finish). */
static void *lookup(verify_ctx *ctx, const uint8_t key[32], entry_kind kind)
{
    for (size_t i = 0; i < ctx->nheld; i++) {
        held_value *h = &ctx->held[i];
        if (h->kind == (int)kind && (h->entry ? memcmp(h->entry->key, key, 32) == 0
                                              : h->keyed && memcmp(h->key, key, 32) == 0))
            return h->value;
    }
    if (!ctx->cache)
        return NULL;
    void *value = NULL;
    pthread_mutex_lock(&ctx->cache->lock);
    cache_entry *e = lru_find(&ctx->cache->objects, key, kind);
    if (e) {
        e->users++;
        if (hold(ctx, kind, e->value, e, NULL))
            value = e->value;
        else
            e->users--;
    }
    pthread_mutex_unlock(&ctx->cache->lock);
    return value;
}

/* A parse result of this verification: held, and offered to the cache if
 * the evidence verifies. NULL when value is NULL or memory runs out. */
static void *keep(verify_ctx *ctx, entry_kind kind, void *value, const uint8_t *key)
{
    return value && hold(ctx, kind, value, NULL, key) ? value : NULL;
}

static bool fact_known(verify_ctx *ctx, const uint8_t key[32])
{
    for (size_t i = 0; i < ctx->nfacts; i++)
        if (memcmp(ctx->facts[i], key, 32) == 0)
            return true;
    if (!ctx->cache)
        return false;
    pthread_mutex_lock(&ctx->cache->lock);
    bool known = lru_find(&ctx->cache->signatures, key, ENTRY_FACT) != NULL;
    pthread_mutex_unlock(&ctx->cache->lock);
    return known;
}

static void fact_learned(verify_ctx *ctx, const uint8_t key[32])
{
    if (ctx->nfacts < ATTEST_MAX_FACTS)
        memcpy(ctx->facts[ctx->nfacts++], key, 32);
}

/* ---- keys --------------------------------------------------------------- */

typedef struct key_part {
    const void *p;
    size_t n;
} key_part;

/* SHA-256(tag || 0 || len(part1) || part1 || ...): parts cannot run into each other. */
static const EVP_MD *key_md(const verify_ctx *ctx)
{
    return ctx->cache ? ctx->cache->sha256 : EVP_sha256();
}

static bool make_key(const verify_ctx *ctx, const char *tag, const key_part *parts, size_t nparts, uint8_t out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestInit_ex(md, key_md(ctx), NULL) == 1 &&
              EVP_DigestUpdate(md, tag, strlen(tag) + 1) == 1;
    for (size_t i = 0; ok && i < nparts; i++) {
        uint8_t len[8];
        for (int b = 0; b < 8; b++)
            len[b] = (uint8_t)((uint64_t)parts[i].n >> (8 * b));
        ok = EVP_DigestUpdate(md, len, sizeof len) == 1 && EVP_DigestUpdate(md, parts[i].p, parts[i].n) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, out, NULL) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* SHA-256 of a certificate's (or CRL's) DER encoding. */
static bool der_hash(const verify_ctx *ctx, int (*i2d)(const void *, unsigned char **), const void *obj,
                     uint8_t out[32])
{
    unsigned char stack_buf[4096];
    int n = i2d(obj, NULL);
    if (n <= 0)
        return false;
    unsigned char *buf = (size_t)n <= sizeof stack_buf ? stack_buf : malloc((size_t)n);
    if (!buf)
        return false;
    unsigned char *p = buf;
    bool ok = i2d(obj, &p) == n && EVP_Digest(buf, (size_t)n, out, NULL, key_md(ctx), NULL) == 1;
    if (buf != stack_buf)
        free(buf);
    return ok;
}

static int i2d_cert(const void *x, unsigned char **p)
{
    return i2d_X509((const X509 *)x, p);
}

/* Certificates stay alive until verify_ctx_finish (trust anchors, or
 * values held by the verification), so their addresses identify them. */
static bool cert_hash(verify_ctx *ctx, X509 *x, uint8_t out[32])
{
    for (size_t i = 0; i < ctx->ncert_hashes; i++)
        if (ctx->cert_hashes[i].cert == x) {
            memcpy(out, ctx->cert_hashes[i].hash, 32);
            return true;
        }
    if (!der_hash(ctx, i2d_cert, x, out))
        return false;
    if (ctx->ncert_hashes < ATTEST_MAX_CERT_HASHES) {
        ctx->cert_hashes[ctx->ncert_hashes].cert = x;
        memcpy(ctx->cert_hashes[ctx->ncert_hashes].hash, out, 32);
        ctx->ncert_hashes++;
    }
    return true;
}

static int i2d_crl(const void *c, unsigned char **p)
{
    return i2d_X509_CRL((const X509_CRL *)c, p);
}

/* ---- cached operations -------------------------------------------------- */

static STACK_OF(X509) *cached_certs(verify_ctx *ctx, const char *tag, const uint8_t *data, size_t len,
                                    STACK_OF(X509) *(*parse)(const uint8_t *, size_t))
{
    uint8_t key[32];
    key_part part = {data, len};
    bool keyed = data && make_key(ctx, tag, &part, 1, key);
    STACK_OF(X509) *certs = keyed ? lookup(ctx, key, ENTRY_CERTS) : NULL;
    return certs ? certs : keep(ctx, ENTRY_CERTS, parse(data, len), keyed ? key : NULL);
}

STACK_OF(X509) *ctx_certs_parse(verify_ctx *ctx, const uint8_t *data, size_t len)
{
    return cached_certs(ctx, "certs", data, len, certs_parse);
}

X509 *ctx_cert_der(verify_ctx *ctx, const uint8_t *der, size_t len)
{
    STACK_OF(X509) *one = cached_certs(ctx, "certs-der", der, len, certs_parse_der);
    return one && sk_X509_num(one) == 1 ? sk_X509_value(one, 0) : NULL;
}

X509_CRL *ctx_crl_parse(verify_ctx *ctx, const uint8_t *data, size_t len)
{
    uint8_t key[32];
    key_part part = {data, len};
    bool keyed = data && make_key(ctx, "crl", &part, 1, key);
    X509_CRL *crl = keyed ? lookup(ctx, key, ENTRY_CRL) : NULL;
    return crl ? crl : keep(ctx, ENTRY_CRL, crl_parse(data, len), keyed ? key : NULL);
}

EVP_PKEY *ctx_p256_key(verify_ctx *ctx, const uint8_t xy[64])
{
    uint8_t key[32];
    key_part part = {xy, 64};
    bool keyed = make_key(ctx, "p256-public-key", &part, 1, key);
    EVP_PKEY *pk = keyed ? lookup(ctx, key, ENTRY_PKEY) : NULL;
    return pk ? pk : keep(ctx, ENTRY_PKEY, p256_key_from_xy(xy), keyed ? key : NULL);
}

bool ctx_cert_signed(verify_ctx *ctx, X509 *child, X509 *issuer)
{
    uint8_t child_hash[32], issuer_hash[32], key[32];
    bool keyed = false;
    if (cert_hash(ctx, child, child_hash) && cert_hash(ctx, issuer, issuer_hash)) {
        key_part parts[] = {{child_hash, 32}, {issuer_hash, 32}};
        keyed = make_key(ctx, "cert-signed-by", parts, 2, key);
    }
    if (keyed && fact_known(ctx, key))
        return true;
    EVP_PKEY *k = X509_get0_pubkey(issuer);
    bool ok = k && X509_verify(child, k) == 1;
    ERR_clear_error();
    if (ok && keyed)
        fact_learned(ctx, key);
    return ok;
}

bool ctx_crl_signed(verify_ctx *ctx, X509_CRL *crl, X509 *issuer)
{
    uint8_t crl_hash[32], issuer_hash[32], key[32];
    bool keyed = false;
    if (der_hash(ctx, i2d_crl, crl, crl_hash) && cert_hash(ctx, issuer, issuer_hash)) {
        key_part parts[] = {{crl_hash, 32}, {issuer_hash, 32}};
        keyed = make_key(ctx, "crl-signed-by", parts, 2, key);
    }
    if (keyed && fact_known(ctx, key))
        return true;
    EVP_PKEY *k = X509_get0_pubkey(issuer);
    bool ok = k && X509_CRL_verify(crl, k) == 1;
    ERR_clear_error();
    if (ok && keyed)
        fact_learned(ctx, key);
    return ok;
}

int ctx_ecdsa_p256_signed(verify_ctx *ctx, const char *what, const uint8_t *msg, size_t msg_len,
                          const uint8_t sig[64], X509 *signer)
{
    uint8_t msg_hash[32], signer_hash[32], key[32];
    bool keyed = false;
    if (EVP_Digest(msg, msg_len, msg_hash, NULL, key_md(ctx), NULL) == 1 && cert_hash(ctx, signer, signer_hash)) {
        /* ECDSA-SHA256 verification depends on exactly SHA-256(msg), the
         * signature and the public key (in the signer's certificate). */
        key_part parts[] = {{what, strlen(what)}, {msg_hash, 32}, {sig, 64}, {signer_hash, 32}};
        keyed = make_key(ctx, "ecdsa-p256-sha256", parts, 4, key);
    }
    if (keyed && fact_known(ctx, key))
        return 1;
    EVP_PKEY *k = X509_get0_pubkey(signer);
    int v = k ? ecdsa_verify_raw(k, EVP_sha256(), msg, msg_len, sig, sig + 32, 32, true) : -1;
    ERR_clear_error();
    if (v == 1 && keyed)
        fact_learned(ctx, key);
    return v;
}

/* ---- collateral documents ----------------------------------------------- */

collateral_doc *ctx_collateral_parse(verify_ctx *ctx, const uint8_t *text, size_t len, const char *member_key,
                                     char *err, size_t errlen)
{
    uint8_t key[32];
    key_part parts[] = {{member_key, strlen(member_key)}, {text, len}};
    bool keyed = make_key(ctx, "collateral", parts, 2, key);
    collateral_doc *hit = keyed ? lookup(ctx, key, ENTRY_COLLATERAL) : NULL;
    if (hit)
        return hit;
    const uint8_t *member;
    size_t mlen;
    collateral_doc *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!json_signed_member(text, len, member_key, &member, &mlen, d->sig, err, errlen)) {
        free(d);
        return NULL;
    }
    d->member_off = (size_t)(member - text);
    d->member_len = mlen;
    json_error_t jerr;
    d->member = json_loadb((const char *)member, mlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(d->member)) {
        snprintf(err, errlen, "the signed \"%s\" member does not parse: %s", member_key, jerr.text);
        value_free(ENTRY_COLLATERAL, d);
        return NULL;
    }
    d = keep(ctx, ENTRY_COLLATERAL, d, keyed ? key : NULL);
    if (!d)
        snprintf(err, errlen, "out of memory");
    return d;
}
