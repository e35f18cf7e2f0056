/* Probes for the hardware TEE backends (sgx, sev = AMD SEV-SNP). Their
 * launchers are later issues: both report "not part of this build". */
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

static void sev_probe(backend_report *r)
{
    bool dev = device(r, 0, "/dev/sev");
    char snp[8] = "";
    FILE *f = fopen("/sys/module/kvm_amd/parameters/sev_snp", "r");
    if (f) {
        if (!fgets(snp, sizeof snp, f))
            snp[0] = 0;
        fclose(f);
    }
    bool snp_on = snp[0] == 'Y' || snp[0] == '1';
    backend_add_check(r, 1, snp_on, "SEV-SNP is enabled in the host kernel", NULL);
    bool kvm = device(r, 0, "/dev/kvm");
    char vendor[13], brand[49];
    cpu_vendor(vendor);
    cpu_brand(brand);
    bool amd = strcmp(vendor, "AuthenticAMD") == 0;
    backend_add_check(r, 0, amd, "CPU", "%s | %s", brand, vendor);
    cpuid_regs m;
    bool leaf = amd && cpu_leaf(0x8000001fu, 0, &m);
    backend_add_check(r, 1, leaf && (m.eax & (1u << 1)), "SEV", NULL);
    backend_add_check(r, 1, leaf && (m.eax & (1u << 4)), "SEV-SNP", NULL);
    if (leaf)
        backend_add_check(r, 2, true, "C-bit location in page table entry", "%u", m.ebx & 0x3fu);
    backend_add_check(r, 0, false, "Keep launcher (SEV-SNP)", "not part of this build yet");
    snprintf(r->hint, sizeof r->hint, "%s",
             !amd ? "SEV-SNP needs an AMD EPYC CPU (Milan or later)"
             : !dev || !snp_on ? "/dev/sev or SNP support is missing: a host kernel with SEV-SNP and kvm_amd sev_snp=1"
             : !kvm ? "/dev/kvm is missing"
                    : "the sev Keep launcher is not part of this build yet");
}

const backend backend_sgx = {
    .name = "sgx",
    .summary = "Intel SGX enclave",
    .probe = sgx_probe,
    .launch = NULL,
};

const backend backend_sev = {
    .name = "sev",
    .summary = "AMD SEV-SNP virtual machine",
    .probe = sev_probe,
    .launch = NULL,
};
