/* W^X code memory (see codemem.h). */
#include "engine/codemem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int codemem_seal(codemem *cm, const uint8_t *code, size_t len)
{
    cm->base = NULL;
    cm->size = 0;
    long page = sysconf(_SC_PAGESIZE);
    size_t psz = page > 0 ? (size_t)page : 4096;
    if (len == 0 || len > SIZE_MAX - psz) {
        errno = EINVAL;
        return -1;
    }
    size_t size = (len + psz - 1) / psz * psz;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    memcpy(p, code, len);
    if (mprotect(p, size, PROT_READ | PROT_EXEC) != 0) {
        int e = errno;
        munmap(p, size);
        errno = e;
        return -1;
    }
    cm->base = p;
    cm->size = size;
    return 0;
}

void codemem_free(codemem *cm)
{
    if (cm->base)
        munmap(cm->base, cm->size);
    cm->base = NULL;
    cm->size = 0;
}
