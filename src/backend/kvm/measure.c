/* The kvm Keep's measurement without KVM: the VMM's own loader builds the
 * image into a scratch mapping, which is hashed as at launch (measure.h). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "backend/kvm/internal.h"

int kvm_exec_bytes(const struct kvm_keep_options *opt, file_contents *file, const uint8_t **exec, size_t *len,
                   char *err, size_t errlen)
{
    if (opt->exec_image) {
        *exec = opt->exec_image;
        *len = opt->exec_size;
        return 0;
    }
    char why[256];
    if (!opt->exec_path || file_read_all(opt->exec_path, KVM_EXEC_MAX_SIZE, 0, file, why, sizeof why) != FILE_OK) {
        snprintf(err, errlen, "the exec %s: %s", opt->exec_path ? opt->exec_path : "(none)",
                 opt->exec_path ? why : "no path given");
        return -1;
    }
    *exec = file->data;
    *len = file->size;
    return 0;
}

void kvm_keep_options_measured(struct kvm_keep_options *opt, uint64_t mem_size)
{
    static char *const argv[] = {(char *)"enarx-exec", NULL}, *const envp[] = {NULL};
    kvm_keep_options_init(opt);
    opt->argv = argv;
    opt->envp = envp;
    if (mem_size)
        opt->mem_size = mem_size;
    opt->log_level = ENARX_LOG_ERROR;
    opt->nfds = 5;
    for (int fd = 0; fd < opt->nfds; fd++)
        opt->fds[fd] = fd;
    opt->fd_domain_set = 1;
    opt->fd_domain[4] = AF_UNIX; /* the deploy connection; 0-3 are not sockets */
    opt->measure = 1;
}

int kvm_scratch_open(const struct kvm_keep_options *options, struct kvm_scratch *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->mem = MAP_FAILED;
    if (kvm_resolve_options(options, &s->opt, err, errlen) < 0)
        return -1;
    if (!s->opt.fd_domain_set) {
        snprintf(err, errlen, "a measurement needs the fds' socket domains given (fd_domain_set)");
        return -1;
    }
    if (kvm_exec_bytes(&s->opt, &s->file, &s->exec, &s->exec_len, err, errlen) < 0)
        return -1;
    /* Reserved, not committed: only the pages the loader fills cost. */
    s->mem = mmap(NULL, s->opt.mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (s->mem == MAP_FAILED) {
        snprintf(err, errlen, "cannot reserve %llu MiB to build the image",
                 (unsigned long long)(s->opt.mem_size >> 20));
        kvm_scratch_close(s);
        return -1;
    }
    return 0;
}

void kvm_scratch_close(struct kvm_scratch *s)
{
    if (s->mem != MAP_FAILED)
        munmap(s->mem, s->opt.mem_size);
    s->mem = MAP_FAILED;
    file_contents_free(&s->file);
}

int kvm_keep_measure(const struct kvm_keep_options *options, uint8_t out[48], uint64_t *pages, char *err,
                     size_t errlen)
{
    struct kvm_scratch sc;
    if (kvm_scratch_open(options, &sc, err, errlen) < 0)
        return -1;
    int rc = -1;
    struct keep_layout layout;
    keep_layout_init(&layout);
    struct keep_image img;
    memset(&img, 0, sizeof img);
    img.mem = sc.mem;
    img.mem_size = sc.opt.mem_size;
    img.layout = &layout;
    if (image_build(&img, kvm_shim_image, (size_t)kvm_shim_image_size, sc.exec, sc.exec_len, &sc.opt, err, errlen) < 0)
        goto out;
    if (measure_layout_sha384(&layout, img.mem, img.mem_size, out) < 0) {
        snprintf(err, errlen, "cannot hash the Keep's image");
        goto out;
    }
    if (pages)
        *pages = layout.pages;
    rc = 0;
out:
    keep_layout_free(&layout);
    kvm_scratch_close(&sc);
    return rc;
}
