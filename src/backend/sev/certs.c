/* The certificates of the extended guest request (KVM_EXIT_SNP_REQ_CERTS):
 * the operator's certificate table file (GHCB format), checked at launch and
 * read again, under a shared lock, for every request, so that a tool
 * updating the firmware's endorsement key and the file under an exclusive
 * lock never lets a Keep see a certificate that does not match the key that
 * signs its report (the scheme Linux documents for this exit). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sev/launch.h"

/* Reads the table through the kernel interface; with lock, leaves the file
 * open and locked shared in s->certs_fd. 0, -EAGAIN (someone holds an
 * exclusive lock) or -1 with a message. */
static int read_table(struct sev_vm *s, int lock)
{
    const struct vmm_kernel *k = s->k;
    int fd = k->open(k->ctx, s->opt->certs_path, O_RDONLY);
    if (fd < 0)
        return sev_fail(s, "the certificate table %s: %s", s->opt->certs_path, strerror(-fd));
    if (lock) {
        int r = k->lock(k->ctx, fd, F_RDLCK);
        if (r < 0) {
            k->close(k->ctx, fd);
            return r == -EAGAIN || r == -EACCES ? -EAGAIN
                                                : sev_fail(s, "cannot lock %s: %s", s->opt->certs_path, strerror(-r));
        }
    }
    uint8_t *buf = malloc(SNP_CERTS_MAX_SIZE + 1);
    size_t len = 0;
    ssize_t n = 1;
    while (buf && n > 0 && len <= SNP_CERTS_MAX_SIZE) {
        n = k->read(k->ctx, fd, buf + len, SNP_CERTS_MAX_SIZE + 1 - len);
        if (n > 0)
            len += (size_t)n;
    }
    char why[256];
    struct snp_cert_info info[SNP_CERT_TABLE_MAX_ENTRIES];
    int rc = 0;
    if (!buf)
        rc = sev_fail(s, "out of memory");
    else if (n < 0)
        rc = sev_fail(s, "cannot read the certificate table %s: %s", s->opt->certs_path, strerror((int)-n));
    else if (snp_cert_table_parse(buf, len, info, SNP_CERT_TABLE_MAX_ENTRIES, why, sizeof why) < 0)
        rc = sev_fail(s, "%s: %s", s->opt->certs_path, why);
    if (rc < 0) {
        free(buf);
        k->close(k->ctx, fd);
        return -1;
    }
    free(s->certs);
    s->certs = buf;
    s->certs_len = len;
    if (lock)
        s->certs_fd = fd;
    else
        k->close(k->ctx, fd);
    return 0;
}

int sev_certs_load(struct sev_vm *s)
{
    s->certs_fd = -1;
    return read_table(s, 0);
}

void sev_certs_release(struct sev_vm *s)
{
    if (s->certs_fd < 0)
        return;
    s->k->lock(s->k->ctx, s->certs_fd, F_UNLCK);
    s->k->close(s->k->ctx, s->certs_fd);
    s->certs_fd = -1;
    s->run->immediate_exit = 0;
}

/* The guest gave npages shared pages at gpa for the table. The answer goes
 * in snp_req_certs.ret: 0 (written), ENOSPC (npages says how many are
 * needed), EAGAIN (busy: ask again) or EIO. */
void sev_certs_request(struct sev_vm *s)
{
    struct sev_kvm_snp_req_certs *rc = (struct sev_kvm_snp_req_certs *)(void *)&s->run->hypercall;
    uint64_t gpa = rc->gpa, npages = rc->npages;
    sev_certs_release(s);
    int r = read_table(s, 1);
    if (r == -EAGAIN) {
        rc->ret = EAGAIN;
        return;
    }
    if (r < 0) {
        fprintf(stderr, "enarx: %s; the Keep gets no certificates\n", s->err);
        rc->ret = EIO;
        return;
    }
    uint64_t need = (s->certs_len + SNP_PAGE_SIZE - 1) / SNP_PAGE_SIZE;
    if (npages < need) {
        rc->npages = need;
        rc->ret = ENOSPC;
        sev_certs_release(s);
        return;
    }
    /* The pages are the guest's to name: they must be its memory. */
    if ((gpa & (SNP_PAGE_SIZE - 1)) || gpa > s->keep.mem_size || need > (s->keep.mem_size - gpa) / SNP_PAGE_SIZE) {
        rc->ret = EIO;
        sev_certs_release(s);
        return;
    }
    memcpy(s->mem + gpa, s->certs, s->certs_len);
    memset(s->mem + gpa + s->certs_len, 0, need * SNP_PAGE_SIZE - s->certs_len);
    rc->ret = 0;
    /* Keep the shared lock until KVM has sent the request to the firmware:
     * KVM_RUN comes back with EINTR right after it (immediate_exit). */
    s->run->immediate_exit = 1;
}
