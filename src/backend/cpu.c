#include "backend/cpu.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

bool cpu_leaf(uint32_t leaf, uint32_t subleaf, cpuid_regs *r)
{
    memset(r, 0, sizeof *r);
    unsigned max = __get_cpuid_max(leaf & 0x80000000u, NULL);
    if (max == 0 || leaf > max)
        return false;
    __cpuid_count(leaf, subleaf, r->eax, r->ebx, r->ecx, r->edx);
    return true;
}
#else
bool cpu_leaf(uint32_t leaf, uint32_t subleaf, cpuid_regs *r)
{
    (void)leaf;
    (void)subleaf;
    memset(r, 0, sizeof *r);
    return false;
}
#endif

void cpu_vendor(char out[13])
{
    cpuid_regs r;
    memset(out, 0, 13);
    if (!cpu_leaf(0, 0, &r))
        return;
    memcpy(out, &r.ebx, 4);
    memcpy(out + 4, &r.edx, 4);
    memcpy(out + 8, &r.ecx, 4);
}

void cpu_brand(char out[49])
{
    memset(out, 0, 49);
    for (uint32_t i = 0; i < 3; i++) {
        cpuid_regs r;
        if (!cpu_leaf(0x80000002u + i, 0, &r))
            return;
        memcpy(out + (size_t)16 * i, &r, 16);
    }
    /* trim the padding some CPUs put in front */
    size_t start = 0;
    while (out[start] == ' ')
        start++;
    memmove(out, out + start, 49 - start);
    size_t end = strlen(out);
    while (end > 0 && out[end - 1] == ' ')
        out[--end] = 0;
    for (size_t i = 0, j = 0;; i++) { /* squeeze runs of blanks */
        if (out[i] == ' ' && j > 0 && out[j - 1] == ' ')
            continue;
        out[j++] = out[i];
        if (!out[i])
            break;
    }
}
