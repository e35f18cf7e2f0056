/* Keep benchmark: the VMM's own set-up work, the part of `enarx run
 * --backend kvm` start-up that needs no /dev/kvm, so it can be measured on
 * any machine (docs/performance.md, Keep): reserving guest RAM as the VMM
 * does (MAP_NORESERVE, 2 MiB aligned, MADV_HUGEPAGE), building the boot image
 * (shim, exec segments, page tables, GDT/IDT/TSS, the initial stack), and
 * giving the memory back.
 *   vmm_setup EXEC [RUNS [MEM_MIB]]   prints the median and best of each step */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/kvm/internal.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    printf("  %-52s median %8.1f us   best %8.1f us\n", what, v[n / 2], v[0]);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0) {
        perror(path);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    uint8_t *buf = malloc((size_t)st.st_size);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        fprintf(stderr, "%s: short read\n", path);
        free(buf);
        return NULL;
    }
    *len = got;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s EXEC [RUNS [MEM_MIB]]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 200;
    uint64_t mem = (argc > 3 ? (uint64_t)atoll(argv[3]) : 2048) << 20;
    if (runs < 1 || runs > 100000 || mem < (64ull << 20)) {
        fprintf(stderr, "%s: RUNS must be 1..100000 and MEM_MIB at least 64\n", argv[0]);
        return 2;
    }
    size_t exec_len = 0;
    uint8_t *exec = NULL;
    double *times = calloc((size_t)runs * 4, sizeof(double));
    if (!times)
        return 1;
    double *t_read = times, *t_map = times + runs, *t_img = times + 2 * (size_t)runs;
    double *t_unmap = times + 3 * (size_t)runs;
    int status = 1;
    char *args[] = {argv[1], "--", NULL}, *env[] = {"LANG=C", NULL};
    for (int i = 0; i < runs; i++) {
        struct kvm_keep_options opt;
        kvm_keep_options_init(&opt);
        opt.argv = args;
        opt.envp = env;
        opt.nfds = 0;
        opt.mem_size = mem;
        opt.sallyport_size = KVM_KEEP_DEFAULT_SALLYPORT;
        double r = now_us();
        free(exec);
        exec = read_file(argv[1], &exec_len);
        if (!exec)
            goto out;
        double a = now_us();
        t_read[i] = a - r;
        size_t map_len = mem + KVM_HUGE;
        void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (map == MAP_FAILED) {
            perror("mmap");
            goto out;
        }
        uint8_t *aligned = (uint8_t *)(((uintptr_t)map + KVM_HUGE - 1) & ~(uintptr_t)(KVM_HUGE - 1));
        madvise(aligned, mem, MADV_HUGEPAGE);
        double b = now_us();
        struct keep_image img;
        memset(&img, 0, sizeof img);
        img.mem = aligned;
        img.mem_size = mem;
        char err[256];
        if (image_build(&img, kvm_shim_image, (size_t)kvm_shim_image_size, exec, exec_len, &opt,
                        err, sizeof err) < 0) {
            fprintf(stderr, "image_build: %s\n", err);
            munmap(map, map_len);
            goto out;
        }
        double c = now_us();
        munmap(map, map_len);
        double d = now_us();
        t_map[i] = b - a;
        t_img[i] = c - b;
        t_unmap[i] = d - c;
    }
    printf("VMM set-up outside KVM, %d runs, %llu MiB guest RAM, exec %s (%zu KiB)\n", runs,
           (unsigned long long)(mem >> 20), argv[1], exec_len >> 10);
    report("read the exec (page cache warm)", t_read, runs);
    report("reserve guest RAM (mmap NORESERVE + MADV_HUGEPAGE)", t_map, runs);
    report("build the boot image (shim, exec, page tables, stack)", t_img, runs);
    report("give the memory back (munmap)", t_unmap, runs);
    status = 0;
out:
    free(times);
    free(exec);
    return status;
}
