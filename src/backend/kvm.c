/* The kvm backend: probes. The Keep launcher (VMM + shim) is a later
 * issue; until it lands, .launch is NULL and kvm reports "not in this build". */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/cpu.h"

#define KVM_REQUIRED_API 12

static void kvm_probe(backend_report *r)
{
    struct stat st;
    bool present = stat("/dev/kvm", &st) == 0;
    backend_add_check(r, 0, present, "Driver: /dev/kvm", present ? NULL : "%s", strerror(errno));
    if (!present) {
        snprintf(r->hint, sizeof r->hint,
                 "/dev/kvm does not exist: enable virtualisation (VT-x/AMD-V) in the firmware and load "
                 "kvm_intel or kvm_amd; in a virtual machine, enable nested virtualisation");
    } else {
        int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        backend_add_check(r, 1, fd >= 0, "Accessible (read/write)", fd >= 0 ? NULL : "%s", strerror(errno));
        if (fd < 0) {
            snprintf(r->hint, sizeof r->hint,
                     "/dev/kvm is not accessible: add your user to the 'kvm' group "
                     "(sudo usermod -aG kvm $USER, then log in again) or check its permissions");
        } else {
            int version = ioctl(fd, KVM_GET_API_VERSION, 0);
            backend_add_check(r, 1, version == KVM_REQUIRED_API, "API version: 12", "%d", version);
            if (version != KVM_REQUIRED_API)
                snprintf(r->hint, sizeof r->hint, "this kernel's KVM API version is %d; a Keep needs %d",
                         version, KVM_REQUIRED_API);
            close(fd);
        }
    }
    char vendor[13], brand[49];
    cpu_vendor(vendor);
    cpu_brand(brand);
    backend_add_check(r, 0, true, "CPU", "%s | %s", brand, vendor);
    cpuid_regs l7, l1;
    bool has7 = cpu_leaf(7, 0, &l7), has1 = cpu_leaf(1, 0, &l1);
    backend_add_check(r, 1, has7 && (l7.ebx & 1u), "FSGSBASE", NULL);
    backend_add_check(r, 1, has1 && (l1.ecx & (1u << 30)), "RDRAND", NULL);
    backend_add_check(r, 0, false, "Keep launcher (VMM and shim)", "not part of this build yet");
    if (!r->hint[0])
        snprintf(r->hint, sizeof r->hint,
                 "the kvm Keep launcher is not part of this build yet; use the nil backend for development");
}

const backend backend_kvm = {
    .name = "kvm",
    .summary = "a KVM micro-VM with the Enarx shim",
    .probe = kvm_probe,
    .launch = NULL,
};
