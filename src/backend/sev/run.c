/* The SEV-SNP Keep's exit loop: the sallyport doorbell (as the KVM Keep),
 * the page-state changes an SNP guest asks for (KVM_HC_MAP_GPA_RANGE) or
 * causes (KVM_EXIT_MEMORY_FAULT), the certificate request of the extended
 * guest request, and the guest's own termination request. Every value in
 * an exit comes from the guest and is checked before use. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/sev/launch.h"
#include "common/file.h"

/* [gpa, gpa + len) inside guest memory, page aligned, not empty. */
static int guest_range(const struct sev_vm *s, uint64_t gpa, uint64_t len)
{
    return len && !((gpa | len) & (SNP_PAGE_SIZE - 1)) && gpa < s->keep.mem_size && len <= s->keep.mem_size - gpa;
}

/* Converts a range between private and shared: the memory attribute, and
 * the backing the other kind no longer needs is given back (as QEMU does):
 * the private pages' guest_memfd range, or the shared view's pages. */
static int convert(struct sev_vm *s, uint64_t gpa, uint64_t len, int private_)
{
    if (sev_set_private(s, gpa, len, private_) < 0)
        return -1;
    if (private_)
        s->k->madvise(s->k->ctx, s->mem + gpa, len, MADV_DONTNEED);
    else
        s->k->fallocate(s->k->ctx, s->gmem, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)gpa, (off_t)len);
    s->conversions++;
    return 0;
}

/* KVM_HC_MAP_GPA_RANGE: a0 = GPA, a1 = pages, a2 = attributes (bits 3:0
 * page size, bit 4 private, the rest reserved). The guest learns 0 or an
 * error; a bad request is refused, never acted on. */
static int map_gpa_range(struct sev_vm *s)
{
    struct kvm_run *run = s->run;
    uint64_t gpa = run->hypercall.args[0], npages = run->hypercall.args[1], attrs = run->hypercall.args[2];
    int ok = (attrs & ~0x1full) == 0 && (attrs & 0xf) <= 2 && npages <= s->keep.mem_size / SNP_PAGE_SIZE &&
             guest_range(s, gpa, npages * SNP_PAGE_SIZE);
    if (!ok) {
        if (s->keep.log_level >= ENARX_LOG_DEBUG)
            fprintf(stderr, "enarx: refused a page-state change of %#llx pages at %#llx (attributes %#llx)\n",
                    (unsigned long long)npages, (unsigned long long)gpa, (unsigned long long)attrs);
        run->hypercall.ret = EINVAL;
        return 0;
    }
    if (convert(s, gpa, npages * SNP_PAGE_SIZE, (attrs & SEV_KVM_MAP_GPA_RANGE_ENCRYPTED) != 0) < 0)
        return -1;
    run->hypercall.ret = 0;
    return 0;
}

/* KVM_EXIT_MEMORY_FAULT: the guest touched a page as the other kind than
 * its attribute says; make it that kind, as the guest's access asks. */
static int memory_fault(struct sev_vm *s)
{
    const struct sev_kvm_memory_fault *f = (const void *)&s->run->hypercall;
    uint64_t start = f->gpa & ~(uint64_t)(SNP_PAGE_SIZE - 1), end = f->gpa + f->size;
    if (end < f->gpa || end > s->keep.mem_size || f->size == 0)
        return sev_fail(s, "the Keep touched guest-physical memory %#llx + %#llx outside its %llu MiB",
                        (unsigned long long)f->gpa, (unsigned long long)f->size,
                        (unsigned long long)(s->keep.mem_size >> 20));
    end = (end + SNP_PAGE_SIZE - 1) & ~(uint64_t)(SNP_PAGE_SIZE - 1);
    return convert(s, start, end - start, (f->flags & SEV_KVM_MEMORY_EXIT_FLAG_PRIVATE) != 0);
}

/* The guest's GHCB termination request: reason set [15:12], code [23:16]. */
static int terminated(struct sev_vm *s)
{
    const struct kvm_run *run = s->run;
    uint64_t msr = run->system_event.ndata ? run->system_event.data[0] : 0;
    unsigned set = (unsigned)(msr >> 12) & 0xf, code = (unsigned)(msr >> 16) & 0xff;
    if (s->v.done) /* an orderly stop after the Keep's own report */
        return s->v.done == 1 ? 0 : -1;
    return sev_fail(s, "the Keep terminated itself through the GHCB (reason set %u, code %u)%s", set, code,
                    set == 0xe   ? ": the shim stopped: see docs/keep.md for the Keep's reasons"
                    : set == 0   ? ": a general SEV-SNP failure in the guest"
                                 : "");
}

static int exit_once(struct sev_vm *s)
{
    struct kvm_run *run = s->run;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        return vmm_keep_io_exit(&s->v, run);
    case KVM_EXIT_HYPERCALL:
        if (run->hypercall.nr != SEV_KVM_HC_MAP_GPA_RANGE)
            return sev_fail(s, "unexpected hypercall %llu from KVM", (unsigned long long)run->hypercall.nr);
        return map_gpa_range(s) < 0 ? -1 : 1;
    case SEV_KVM_EXIT_SNP_REQ_CERTS:
        if (!s->certs_enabled)
            return sev_fail(s, "KVM asked for certificates it was not offered");
        sev_certs_request(s);
        return 1;
    case KVM_EXIT_SYSTEM_EVENT:
        if (run->system_event.type == SEV_KVM_SYSTEM_EVENT_SEV_TERM)
            return terminated(s);
        return sev_fail(s, "the Keep's vCPU stopped (system event %u)", run->system_event.type);
    case KVM_EXIT_HLT:
        if (s->v.done)
            return s->v.done == 1 ? 0 : -1;
        return sev_fail(s, "the Keep halted without a report (the shim could not reach the host)");
    case KVM_EXIT_SHUTDOWN:
        return sev_fail(s, "the Keep's CPU shut down (a fault the shim could not handle; its state is encrypted, "
                           "so the host cannot show its registers)");
    case KVM_EXIT_FAIL_ENTRY:
        return sev_fail(s, "KVM could not enter the Keep (hardware reason %#llx)",
                        (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
    case KVM_EXIT_INTERNAL_ERROR:
        return sev_fail(s, "KVM internal error %u while running the Keep", run->internal.suberror);
    case KVM_EXIT_MMIO:
        return sev_fail(s, "the Keep touched guest-physical address %#llx, outside its memory",
                        (unsigned long long)run->mmio.phys_addr);
    case KVM_EXIT_INTR:
        return 1;
    default:
        return sev_fail(s, "unexpected VM exit %u", run->exit_reason);
    }
}

int sev_vm_run(struct sev_vm *s)
{
    for (;;) {
        long r = s->k->ioctl(s->k->ctx, s->vcpu, KVM_RUN, NULL);
        if (r < 0) {
            if (r == -EFAULT && s->run->exit_reason == SEV_KVM_EXIT_MEMORY_FAULT) {
                s->stats->exits++;
                if (memory_fault(s) < 0)
                    return -1;
                continue;
            }
            if (r == -EINTR || r == -EAGAIN) {
                sev_certs_release(s); /* the request reached the firmware */
                continue;
            }
            return sev_fail(s, "KVM_RUN failed: %s", strerror((int)-r));
        }
        s->stats->exits++;
        int e = exit_once(s);
        if (e <= 0)
            return e;
    }
}

/* SP_DISCARD: the Keep gives back private memory it no longer uses. */
static int discard(void *ctx, uint64_t gpa, uint64_t len)
{
    struct sev_vm *s = ctx;
    return s->k->fallocate(s->k->ctx, s->gmem, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)gpa, (off_t)len);
}

void sev_keep_options_init(struct sev_keep_options *opt)
{
    memset(opt, 0, sizeof *opt);
    kvm_keep_options_init(&opt->keep);
}

int sev_keep_run(const struct sev_keep_options *opt, struct sev_keep_result *res, char *err, size_t errlen)
{
    double t0 = vmm_now_us();
    memset(res, 0, sizeof *res);
    res->keep.outcome = KVM_KEEP_FAILED;
    res->keep.status = 1;
    err[0] = 0;
    if (opt->id_block && !opt->id_auth) {
        snprintf(err, errlen, "an ID block needs its ID_AUTH");
        return -1;
    }
    struct sev_vm *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sev_vm_init(s, opt, &res->keep.stats, err, errlen);
    s->certs_fd = -1;
    int rc = kvm_resolve_options(&opt->keep, &s->keep, err, errlen);
    vmm_keep_init(&s->v, &s->keep, &res->keep.stats, err, errlen);
    s->v.discard = discard;
    s->v.discard_ctx = s;
    file_contents exec_file = {0};
    const uint8_t *exec = NULL;
    size_t exec_len = 0;
    if (rc == 0)
        rc = kvm_exec_bytes(&s->keep, &exec_file, &exec, &exec_len, err, errlen);
    struct elf_info ei; /* a bad executable is reported before KVM is touched */
    if (rc == 0)
        rc = elf_parse(exec, exec_len, "exec", &ei, err, errlen);
    res->keep.stats.read_us = vmm_now_us() - t0;
    if (rc == 0)
        rc = sev_vm_boot(s, exec, exec_len);
    res->launched = s->launched;
    res->measured = s->measured;
    memcpy(res->measurement, s->measurement, sizeof res->measurement);
    res->pages = s->pages;
    if (rc == 0) {
        s->v.discard_floor = s->img.boot->phys_free;
        s->v.mem_size = s->keep.mem_size;
        rc = vmm_keep_start(&s->v, s->mem + s->img.sallyport_gpa, s->img.sallyport_data);
    }
    res->keep.stats.setup_us = vmm_now_us() - t0;
    if (rc == 0) {
        rc = sev_vm_run(s);
        res->keep.stats.run_us = vmm_now_us() - t0 - res->keep.stats.setup_us;
    }
    if (rc == 0) {
        res->keep.outcome = KVM_KEEP_EXITED;
        res->keep.status = s->v.status;
    } else if (s->v.done == 2) {
        res->keep.outcome = KVM_KEEP_STOPPED;
        res->keep.status = s->v.status;
    }
    sev_certs_release(s);
    vmm_keep_stop(&s->v);
    sev_vm_teardown(s);
    file_contents_free(&exec_file);
    free(s);
    return rc;
}
