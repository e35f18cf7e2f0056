/* The layout description (a Keep's initial pages, as the loader fills them)
 * and the digests over it (measure.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/file.h"
#include "measure/measure.h"

void keep_layout_init(struct keep_layout *l)
{
    memset(l, 0, sizeof *l);
}

void keep_layout_free(struct keep_layout *l)
{
    free(l->runs);
    keep_layout_init(l);
}

static int overlaps(const struct keep_layout_run *r, uint64_t gpa, uint64_t end)
{
    return gpa < r->gpa + r->npages * MEASURE_PAGE && r->gpa < end;
}

int keep_layout_add(struct keep_layout *l, uint64_t gpa, uint64_t npages, enum keep_page_type type,
                    const char *what)
{
    if ((gpa % MEASURE_PAGE) || npages == 0 || npages > (UINT64_MAX - gpa) / MEASURE_PAGE)
        return -1;
    uint64_t end = gpa + npages * MEASURE_PAGE;
    for (size_t i = 0; i < l->nruns; i++)
        if (overlaps(&l->runs[i], gpa, end))
            return -1;
    l->pages += npages;
    if (l->nruns) {
        struct keep_layout_run *last = &l->runs[l->nruns - 1];
        if (last->type == type && last->what == what && last->gpa + last->npages * MEASURE_PAGE == gpa) {
            last->npages += npages;
            return 0;
        }
    }
    if (l->nruns == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        struct keep_layout_run *runs = realloc(l->runs, cap * sizeof *runs);
        if (!runs) {
            l->pages -= npages;
            return -1;
        }
        l->runs = runs;
        l->cap = cap;
    }
    l->runs[l->nruns++] = (struct keep_layout_run){gpa, npages, (uint8_t)type, what};
    return 0;
}

const char *keep_page_type_name(enum keep_page_type type)
{
    switch (type) {
    case KEEP_PAGE_NORMAL: return "normal";
    case KEEP_PAGE_VMSA: return "vmsa";
    case KEEP_PAGE_ZERO: return "zero";
    case KEEP_PAGE_UNMEASURED: return "unmeasured";
    case KEEP_PAGE_SECRETS: return "secrets";
    case KEEP_PAGE_CPUID: return "cpuid";
    default: return "unknown";
    }
}

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int measure_layout_sha384(const struct keep_layout *l, const uint8_t *mem, uint64_t mem_size,
                          uint8_t out[MEASURE_SHA384_LEN])
{
    static const uint8_t zero_page[MEASURE_PAGE];
    static const uint8_t domain[8] = {'E', 'N', 'A', 'R', 'X', 'K', 'V', 'M'};
    uint8_t d[MEASURE_SHA384_LEN] = {0}, page_hash[MEASURE_SHA384_LEN];
    /* d || "ENARXKVM" || gpa || type || SHA-384(page) */
    uint8_t link[MEASURE_SHA384_LEN + 8 + 8 + 1 + MEASURE_SHA384_LEN];
    for (size_t i = 0; i < l->nruns; i++) {
        const struct keep_layout_run *r = &l->runs[i];
        if (r->gpa > mem_size || r->npages > (mem_size - r->gpa) / MEASURE_PAGE)
            return -1;
        if (r->type == KEEP_PAGE_UNMEASURED)
            continue;
        for (uint64_t p = 0; p < r->npages; p++) {
            uint64_t gpa = r->gpa + p * MEASURE_PAGE;
            const uint8_t *content = r->type == KEEP_PAGE_ZERO ? zero_page : mem + gpa;
            unsigned int n = 0;
            if (EVP_Digest(content, MEASURE_PAGE, page_hash, &n, EVP_sha384(), NULL) != 1)
                return -1;
            memcpy(link, d, sizeof d);
            memcpy(link + 48, domain, sizeof domain);
            le64(link + 56, gpa);
            link[64] = r->type;
            memcpy(link + 65, page_hash, sizeof page_hash);
            if (EVP_Digest(link, sizeof link, d, &n, EVP_sha384(), NULL) != 1)
                return -1;
        }
    }
    memcpy(out, d, sizeof d);
    return 0;
}

int measure_file_sha384(const char *path, uint8_t out[MEASURE_SHA384_LEN], char *err, size_t errlen)
{
    file_contents fc;
    char why[256];
    if (file_read_all(path, 1ull << 30, 0, &fc, why, sizeof why) != FILE_OK) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    unsigned int n = 0;
    int ok = EVP_Digest(fc.data, fc.size, out, &n, EVP_sha384(), NULL) == 1 && n == MEASURE_SHA384_LEN;
    file_contents_free(&fc);
    if (!ok) {
        snprintf(err, errlen, "%s: SHA-384 failed", path);
        return -1;
    }
    return 0;
}
