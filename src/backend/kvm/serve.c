/* A running Keep's sallyport, for the KVM and SEV-SNP Keeps alike: the
 * Keep's own calls (exit, abort, log, discard) and the batches of proxied
 * system calls, served on the vCPU thread at each doorbell exit or, with
 * the exit-less sallyport, from a thread that polls the block while the
 * Keep spins, falling back to the exit when that thread is idle. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/kvm/vmm.h"

/* How long the exit-less poller keeps spinning after the last request
 * before it parks. */
#define POLL_IDLE_NS 200000

double vmm_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int vmm_keep_fail(struct vmm_keep *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err, v->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- the Keep's own sallyport calls ---- */

static void print_keep_message(const char *prefix, const char *msg, size_t len)
{
    char clean[4097];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof clean - 1; i++) {
        unsigned char c = (unsigned char)msg[i];
        clean[n++] = (c == '\n' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
    }
    clean[n] = 0;
    fprintf(stderr, "%s%s\n", prefix, clean);
}

/* With host_files, the Keep reaches the host's files as the user running
 * enarx would (as nil does); without, none at all. */
static int allow_files(struct sp_host *h, const char *path, int flags)
{
    (void)h;
    (void)path;
    (void)flags;
    return 0;
}

static int64_t keep_call(struct sp_host *h, const struct sp_call *c, int *stop)
{
    struct vmm_keep *v = h->ctx;
    switch (c->nr) {
    case SP_EXIT:
        v->status = (int)(c->arg[0] & 0xff);
        v->done = 1;
        *stop = 1;
        return 0;
    case SP_ABORT: {
        uint64_t len = c->arg[2] > 4096 ? 4096 : c->arg[2];
        const char *msg = sp_host_data(h, c->arg[1], len);
        v->status = c->arg[0] >= 1 && c->arg[0] <= 255 ? (int)c->arg[0] : 1;
        v->done = 2;
        *stop = 1;
        if (!msg)
            return vmm_keep_fail(v, "the Keep stopped (status %d) with an unreadable report", v->status), 0;
        char text[4097];
        memcpy(text, msg, len);
        text[len] = 0;
        for (uint64_t i = 0; i < len; i++)
            if (text[i] != '\n' && ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f))
                text[i] = '?';
        snprintf(v->err, v->errlen, "Keep stopped: %s", text);
        return 0;
    }
    case SP_LOG: {
        if ((int64_t)c->arg[0] > (int64_t)v->opt->log_level)
            return 0;
        uint64_t len = c->arg[2] > 4096 ? 4096 : c->arg[2];
        const char *msg = sp_host_data(h, c->arg[1], len);
        if (!msg)
            return -EFAULT;
        print_keep_message("enarx: keep: ", msg, len);
        return 0;
    }
    case SP_DISCARD: {
        uint64_t gpa = c->arg[0], len = c->arg[1];
        if ((gpa | len) & (KVM_HUGE - 1) || gpa < v->discard_floor || gpa > v->mem_size || len > v->mem_size - gpa)
            return -EINVAL;
        return v->discard(v->discard_ctx, gpa, len);
    }
    case SP_GETATT:
        return v->getatt ? v->getatt(v->getatt_ctx, h, c) : -ENOSYS;
    default:
        return -ENOSYS;
    }
}

/* Runs the batch in the block if the Keep published a new one. Returns 1
 * when the Keep has ended, -1 on a protocol error, 0 otherwise. */
static int serve(struct vmm_keep *v)
{
    pthread_mutex_lock(&v->lock);
    volatile struct sp_header *hdr = (volatile struct sp_header *)(void *)v->block;
    uint64_t seq = hdr->req_seq;
    int r = 0;
    if (v->done)
        r = 1;
    else if (v->batch_error)
        r = -1;
    else if (seq != v->last_seq) {
        v->last_seq = seq;
        v->stats->batches++;
        int b = sp_host_run_batch(&v->host, v->block, v->data_size);
        if (b < 0) {
            v->batch_error = 1;
            vmm_keep_fail(v, "the Keep sent a malformed sallyport batch: %s", v->host.error);
            r = -1;
        } else if (b > 0 || v->done) {
            r = 1;
        }
    }
    pthread_mutex_unlock(&v->lock);
    return r;
}

static void *poller_main(void *arg)
{
    struct vmm_keep *v = arg;
    volatile struct sp_header *hdr = (volatile struct sp_header *)(void *)v->block;
    uint64_t seen = hdr->req_seq;
    for (;;) {
        double idle_since = vmm_now_us();
        hdr->host_polling = 1;
        while (!atomic_load(&v->stop_poller)) {
            if (hdr->req_seq != seen) {
                seen = hdr->req_seq;
                if (serve(v) != 0)
                    break;
                idle_since = vmm_now_us();
            } else if (vmm_now_us() - idle_since > POLL_IDLE_NS / 1000.0) {
                break;
            }
            __builtin_ia32_pause();
        }
        hdr->host_polling = 0;
        pthread_mutex_lock(&v->lock);
        atomic_store(&v->parked, 1);
        while (atomic_load(&v->parked) && !atomic_load(&v->stop_poller) && !v->done)
            pthread_cond_wait(&v->wake, &v->lock);
        pthread_mutex_unlock(&v->lock);
        if (atomic_load(&v->stop_poller) || v->done)
            return NULL;
        seen = hdr->req_seq;
    }
}

static void wake_poller(struct vmm_keep *v)
{
    if (!v->poller_started || !atomic_load(&v->parked))
        return;
    pthread_mutex_lock(&v->lock);
    atomic_store(&v->parked, 0);
    pthread_cond_signal(&v->wake);
    pthread_mutex_unlock(&v->lock);
}

int vmm_keep_doorbell(struct vmm_keep *v)
{
    int r = serve(v);
    wake_poller(v);
    return r;
}

int vmm_keep_io_exit(struct vmm_keep *v, const struct kvm_run *run)
{
    if (run->io.port != SP_DOORBELL_PORT || run->io.direction != KVM_EXIT_IO_OUT)
        return vmm_keep_fail(v, "the Keep used I/O port %#x, which it has no business with", run->io.port);
    int r = vmm_keep_doorbell(v);
    if (r < 0)
        return -1;
    if (r > 0)
        return v->done == 1 ? 0 : -1;
    return 1;
}

void vmm_keep_init(struct vmm_keep *v, const struct kvm_keep_options *opt, struct kvm_keep_stats *stats,
                   char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    v->opt = opt;
    v->stats = stats;
    v->err = err;
    v->errlen = errlen;
    pthread_mutex_init(&v->lock, NULL);
    pthread_cond_init(&v->wake, NULL);
    sp_host_init(&v->host);
    v->host.keep_call = keep_call;
    v->host.ctx = v;
    if (opt->host_files)
        v->host.open_policy = allow_files;
}

int vmm_keep_start(struct vmm_keep *v, uint8_t *block, uint64_t data_size)
{
    v->block = block;
    v->data_size = data_size;
    for (int i = 0; i < v->opt->nfds && i < KVM_KEEP_MAX_FDS; i++) {
        if (v->opt->fds[i] < 0)
            continue;
        int d = fcntl(v->opt->fds[i], F_DUPFD_CLOEXEC, 10);
        if (d < 0)
            return vmm_keep_fail(v, "cannot pass fd %d to the Keep: %s", v->opt->fds[i], strerror(errno));
        sp_host_give_fd(&v->host, i, d);
    }
    if (v->opt->exitless) {
        if (pthread_create(&v->poller, NULL, poller_main, v) != 0)
            return vmm_keep_fail(v, "cannot start the sallyport thread");
        v->poller_started = 1;
    }
    return 0;
}

void vmm_keep_stop(struct vmm_keep *v)
{
    if (v->poller_started) {
        atomic_store(&v->stop_poller, 1);
        pthread_mutex_lock(&v->lock);
        atomic_store(&v->parked, 0);
        pthread_cond_broadcast(&v->wake);
        pthread_mutex_unlock(&v->lock);
        pthread_join(v->poller, NULL);
        v->poller_started = 0;
    }
    sp_host_close_all(&v->host);
    pthread_mutex_destroy(&v->lock);
    pthread_cond_destroy(&v->wake);
}

int kvm_resolve_options(const struct kvm_keep_options *in, struct kvm_keep_options *out, char *err, size_t errlen)
{
    *out = *in;
    if (!out->mem_size)
        out->mem_size = KVM_KEEP_DEFAULT_MEM;
    if (!out->sallyport_size)
        out->sallyport_size = KVM_KEEP_DEFAULT_SALLYPORT;
    if (out->mem_size % KVM_HUGE || out->mem_size < (64ull << 20) || out->mem_size > (1ull << 40)) {
        snprintf(err, errlen, "the Keep's memory must be a multiple of 2 MiB between 64 MiB and 1 TiB (got %llu "
                 "bytes)", (unsigned long long)out->mem_size);
        return -1;
    }
    if (out->sallyport_size % 4096 || out->sallyport_size < 4096 || out->sallyport_size > SP_MAX_DATA_SIZE) {
        snprintf(err, errlen, "the sallyport block must be a multiple of 4 KiB up to %u MiB",
                 SP_MAX_DATA_SIZE >> 20);
        return -1;
    }
    return 0;
}
