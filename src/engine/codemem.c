/* W^X code memory (see codemem.h). */
#include "engine/codemem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t code_pages(size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t psz = page > 0 ? (size_t)page : 4096;
    if (len == 0 || len > SIZE_MAX - psz)
        return 0;
    return (len + psz - 1) / psz * psz;
}

int codemem_seal(codemem *cm, const uint8_t *code, size_t len)
{
    cm->base = NULL;
    cm->size = 0;
    code_arena a;
    if (code_arena_map(&a, len) != 0)
        return -1;
    if (!code_arena_append(&a, code, len)) {
        int e = errno;
        codemem_free(&a.mem);
        errno = e;
        return -1;
    }
    *cm = a.mem;
    return 0;
}

void codemem_free(codemem *cm)
{
    if (cm->base)
        munmap(cm->base, cm->size);
    cm->base = NULL;
    cm->size = 0;
}

int code_arena_map(code_arena *a, size_t size)
{
    a->mem.base = NULL;
    a->mem.size = 0;
    a->used = 0;
    size = code_pages(size);
    if (!size) {
        errno = EINVAL;
        return -1;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    a->mem.base = p;
    a->mem.size = size;
    return 0;
}

void *code_arena_append(code_arena *a, const uint8_t *code, size_t len)
{
    size_t size = code_pages(len);
    if (!size || size > a->mem.size - a->used) {
        errno = ENOSPC;
        return NULL;
    }
    uint8_t *at = a->mem.base + a->used;
    memcpy(at, code, len);
    if (mprotect(at, size, PROT_READ | PROT_EXEC) != 0) {
        /* left read+write: never run, never reused */
        a->used = a->mem.size;
        return NULL;
    }
    a->used += size;
    return at;
}

bool codemem_exec_available(void)
{
    static int state; /* 0 not probed, 1 yes, 2 no; racing probes agree */
    int known = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (known)
        return known == 1;
    static const uint8_t ret = 0xc3;
    codemem cm;
    bool ok = codemem_seal(&cm, &ret, 1) == 0;
    if (ok)
        codemem_free(&cm);
    __atomic_store_n(&state, ok ? 1 : 2, __ATOMIC_RELEASE);
    return ok;
}
