/* The probe for the Intel SGX backend, whose launcher is a later issue: it
 * reports "not part of this build". (AMD SEV-SNP: src/backend/sev.c.) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/cpu.h"

static bool device(backend_report *r, int depth, const char *path)
{
    struct stat st;
    bool ok = stat(path, &st) == 0;
    char name[96];
    snprintf(name, sizeof name, "Driver: %s", path);
    backend_add_check(r, depth, ok, name, ok ? NULL : "%s", strerror(errno));
    return ok;
}

static void sgx_probe(backend_report *r)
{
    bool dev = device(r, 0, "/dev/sgx_enclave");
    char vendor[13], brand[49];
    cpu_vendor(vendor);
    cpu_brand(brand);
    bool intel = strcmp(vendor, "GenuineIntel") == 0;
    backend_add_check(r, 0, intel, "CPU", "%s | %s", brand, vendor);
    cpuid_regs l7, l12;
    bool sgx = intel && cpu_leaf(7, 0, &l7) && (l7.ebx & (1u << 2));
    backend_add_check(r, 1, sgx, "SGX support", NULL);
    bool leaf12 = sgx && cpu_leaf(0x12, 0, &l12);
    backend_add_check(r, 2, leaf12 && (l12.eax & 1u), "SGX1", NULL);
    backend_add_check(r, 2, leaf12 && (l12.eax & 2u), "SGX2 (EDMM)", NULL);
    backend_add_check(r, 2, sgx && (l7.ecx & (1u << 30)), "Flexible launch control", NULL);
    struct stat st;
    bool aesm = stat("/var/run/aesmd/aesm.socket", &st) == 0;
    backend_add_check(r, 0, aesm, "AESM daemon socket: /var/run/aesmd/aesm.socket", NULL);
    backend_add_check(r, 0, false, "Keep launcher (SGX shim)", "not part of this build yet");
    snprintf(r->hint, sizeof r->hint, "%s",
             !intel ? "SGX needs an Intel CPU with SGX2 and flexible launch control"
             : !dev ? "/dev/sgx_enclave is missing: enable SGX in the firmware; Linux 6.0 or later has the driver"
                    : "the sgx Keep launcher is not part of this build yet");
}

const backend backend_sgx = {
    .name = "sgx",
    .summary = "Intel SGX enclave",
    .device = "/dev/sgx_enclave",
    .probe = sgx_probe,
    .launch = NULL,
};
