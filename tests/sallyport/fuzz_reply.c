/* libFuzzer target: the Keep-side sallyport client against a host whose
 * replies are arbitrary bytes. The input picks a sequence of calls; every
 * time the client rings the doorbell, the next input bytes become the
 * response sequence number, each call's result and the data area. The
 * client must never read or write outside its buffers (ASan), and whatever
 * it returns as success must respect the call's contract (checked here). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sallyport/keep.h"

#define DATA_SIZE 4096

static uint8_t block[SP_HEADER_SIZE + DATA_SIZE] __attribute__((aligned(64)));
static const uint8_t *in;
static size_t in_len;

static uint8_t take8(void)
{
    if (!in_len)
        return 0;
    in_len--;
    return *in++;
}

static uint64_t take64(void)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | take8();
    return v;
}

/* Results mostly near the interesting range, sometimes anything. */
static int64_t take_ret(void)
{
    uint8_t mode = take8();
    switch (mode & 3) {
    case 0: return (int64_t)(take8() | (take8() << 8));
    case 1: return -(int64_t)take8();
    case 2: return (int64_t)take8() - 64;
    default: return (int64_t)take64();
    }
}

static int doorbell(struct sp_keep *k)
{
    struct sp_header *h = (struct sp_header *)(void *)block;
    h->rsp_seq = (take8() & 7) ? k->seq : take64();
    for (uint32_t i = 0; i < k->ncalls && i < SP_MAX_CALLS; i++)
        h->call[i].ret = take_ret();
    /* Overwrite a window of the data area with input bytes. */
    uint64_t off = (take8() | (uint64_t)take8() << 8) % DATA_SIZE;
    for (uint64_t i = off; i < DATA_SIZE && in_len; i++) {
        uint8_t c = take8();
        if (c == 0xff) /* leave the rest as the Keep wrote it */
            break;
        block[SP_HEADER_SIZE + i] = c;
    }
    return 0;
}

static int violated;

static void violation(struct sp_keep *k, const char *call, const char *what, int64_t value)
{
    (void)k;
    (void)call;
    (void)what;
    (void)value;
    violated = 1;
}

static void check(int cond)
{
    if (!cond)
        abort();
}

static void one_call(struct sp_keep *k, uint8_t which)
{
    uint8_t buf[600];
    memset(buf, 0xcc, sizeof buf);
    int64_t r;
    switch (which % 16) {
    case 0:
        r = sp_read(k, 3, buf, 500);
        check(r < 0 || r <= 500);
        break;
    case 1: {
        struct sp_iovec iov[3] = {{buf, 10}, {buf + 100, 0}, {buf + 200, 90}};
        r = sp_readv(k, 3, iov, 3);
        check(r < 0 || r <= 100);
        break;
    }
    case 2: {
        uint32_t len = 20;
        r = sp_accept4(k, 4, buf, &len, 0);
        check(r < 0 || (r < (int64_t)SP_MAX_FD && len <= SP_SOCKADDR_MAX));
        break;
    }
    case 3: {
        uint32_t len = 16;
        r = sp_recvfrom(k, 4, buf + 32, 400, 0, buf, &len);
        check(r < 0 || len <= SP_SOCKADDR_MAX);
        break;
    }
    case 4: {
        struct sp_pollfd p[3] = {{3, 1, 0}, {4, 4, 0}, {99, 1, 0}};
        struct sp_timespec t = {0, 0};
        r = sp_poll(k, p, 3, &t);
        if (r >= 0) {
            int n = 0;
            for (int i = 0; i < 3; i++)
                n += p[i].revents != 0;
            check(r == n);
            check(p[2].revents == 0x20);
        }
        break;
    }
    case 5:
        r = sp_getdents64(k, 3, buf, 512);
        if (r > 0)
            for (int64_t pos = 0; pos < r;) {
                uint16_t reclen;
                memcpy(&reclen, buf + pos + 16, 2);
                check(reclen >= 20 && pos + reclen <= r);
                pos += reclen;
            }
        break;
    case 6:
        r = sp_fstat(k, 3, buf);
        break;
    case 7: {
        struct sp_timespec t;
        r = sp_clock_gettime(k, 1, &t);
        check(r < 0 || (t.tv_nsec >= 0 && t.tv_nsec < 1000000000 && t.tv_sec >= 0));
        break;
    }
    case 8: {
        int fds[2];
        r = sp_pipe2(k, fds, 0);
        check(r < 0 || (fds[0] >= 0 && fds[1] > fds[0] && fds[1] < (int)SP_MAX_FD));
        break;
    }
    case 9: {
        uint32_t len = 8;
        r = sp_getsockopt(k, 4, 1, 3, buf, &len);
        check(r < 0 || len <= 8);
        break;
    }
    case 10: {
        int32_t n;
        r = sp_ioctl(k, 3, 0x541B, &n);
        check(r < 0 || n >= 0);
        break;
    }
    case 11:
        r = sp_write(k, 3, buf, 300);
        check(r < 0 || r <= 300);
        break;
    case 12:
        r = sp_socket(k, 2, 1, 0);
        check(r < 0 || r < (int64_t)SP_MAX_FD);
        break;
    case 13: {
        uint32_t len = 128;
        r = sp_getpeername(k, 4, buf, &len);
        check(r < 0 || len <= SP_SOCKADDR_MAX);
        break;
    }
    case 14:
        r = sp_readlinkat(k, -100, "/x", (char *)buf, 64);
        check(r < 0 || r <= 64);
        break;
    default:
        r = sp_close(k, 3);
        break;
    }
    /* A violation always fails the call. */
    check(!violated || r == -5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in = data;
    in_len = size;
    static struct sp_keep k;
    memset(block, 0, sizeof block);
    k.block = block;
    k.data_size = DATA_SIZE;
    k.doorbell = doorbell;
    k.violation = violation;
    sp_keep_init(&k);
    k.coalesce = take8() & 1;
    for (int fd = 0; fd < 3; fd++)
        sp_keep_adopt_fd(&k, fd, 0);
    sp_keep_adopt_fd(&k, 3, 0);
    sp_keep_adopt_fd(&k, 4, 2 /* AF_INET */);
    while (in_len) {
        violated = 0;
        one_call(&k, take8());
        if (violated) /* start over, as a new Keep would */
            sp_keep_init(&k), sp_keep_adopt_fd(&k, 3, 0), sp_keep_adopt_fd(&k, 4, 2);
    }
    return 0;
}
