/* CPUID helpers for the backend probes (host side). */
#ifndef BACKEND_CPU_H
#define BACKEND_CPU_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
} cpuid_regs;

/* false if the leaf is beyond the CPU's maximum (or not x86). */
bool cpu_leaf(uint32_t leaf, uint32_t subleaf, cpuid_regs *out);
void cpu_vendor(char out[13]);
void cpu_brand(char out[49]);

#endif
