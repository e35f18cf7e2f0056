/* KVM shim: the few library functions a freestanding program needs, and the
 * Keep's source of randomness. */
#include "shim/kvm/shim.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* ---- formatting: %s %c %d %i %u %x %p %%, with l/ll/z, '#', '0' and width ---- */

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, int neg, int width, char pad,
                    const char *prefix)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0);
    for (const char *p = prefix; *p; p++)
        len++;
    if (pad == ' ')
        for (; width > len; width--)
            put(o, ' ');
    if (neg)
        put(o, '-');
    for (const char *p = prefix; *p; p++)
        put(o, *p);
    for (; width > len; width--)
        put(o, '0');
    while (n)
        put(o, tmp[--n]);
}

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        f++;
        int alt = 0, width = 0, longs = 0;
        char pad = ' ';
        if (*f == '#')
            alt = 1, f++;
        if (*f == '0')
            pad = '0', f++;
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (*f++ - '0');
        while (*f == 'l' || *f == 'z')
            longs++, f++;
        switch (*f) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            for (s = s ? s : "(null)"; *s; s++)
                put(&o, *s);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(&o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, v < 0, width, pad, "");
            break;
        }
        case 'u':
            put_num(&o, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0, width, pad, "");
            break;
        case 'x':
            put_num(&o, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0, width, pad,
                    alt ? "0x" : "");
            break;
        case 'p':
            put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, width, pad, "0x");
            break;
        case '%':
            put(&o, '%');
            break;
        default:
            put(&o, '%');
            if (*f)
                put(&o, *f);
            else
                f--;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return o.len;
}

size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- randomness: the CPU's, never the host's ---- */

static int have_rdrand = -1, have_rdseed;

void shim_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

int random_available(void)
{
    if (have_rdrand < 0) {
        uint32_t r[4];
        shim_cpuid(1, 0, r);
        have_rdrand = (r[2] >> 30) & 1;
        shim_cpuid(0, 0, r);
        if (r[0] >= 7) {
            shim_cpuid(7, 0, r);
            have_rdseed = (r[1] >> 18) & 1;
        }
    }
    return have_rdrand || have_rdseed;
}

uint64_t random_u64(void)
{
    if (!random_available())
        shim_stop(1, SP_ABORT_PANIC, "the CPU offers neither RDRAND nor RDSEED; a Keep needs "
                                     "a source of randomness the host does not control");
    /* Intel's guidance: retry RDRAND up to 10 times; RDSEED may need more. */
    for (int i = 0; i < 1024; i++) {
        uint64_t v;
        unsigned char ok;
        if (have_rdrand)
            __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        else
            __asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok));
        if (ok)
            return v;
        __asm__ volatile("pause");
    }
    shim_stop(1, SP_ABORT_PANIC, "the CPU's random number generator failed 1024 times in a row");
}

void random_fill(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len) {
        uint64_t v = random_u64();
        size_t n = len < sizeof v ? len : sizeof v;
        memcpy(p, &v, n);
        p += n;
        len -= n;
    }
}
