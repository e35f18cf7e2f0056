/* Unit tests of src/measure (the layout description and its digests) and
 * of the kvm loader's record of it, without KVM: the digest against a value
 * computed independently (Python's hashlib, from measure.h's definition),
 * the layout's refusals, and the kvm image's layout (what it covers, that it
 * is reproducible and depends on exactly its inputs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "abi/sallyport.h"
#include "backend/kvm/internal.h"
#include "check.h"
#include "measure/measure.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_layout(void)
{
    struct keep_layout l;
    keep_layout_init(&l);
    static const char a[] = "a", b[] = "b";
    CHECK(keep_layout_add(&l, 0x1000, 2, KEEP_PAGE_NORMAL, a) == 0);
    CHECK(keep_layout_add(&l, 0x3000, 1, KEEP_PAGE_NORMAL, a) == 0);   /* continues: merged */
    CHECK(l.nruns == 1 && l.runs[0].npages == 3 && l.pages == 3);
    CHECK(keep_layout_add(&l, 0x4000, 1, KEEP_PAGE_NORMAL, b) == 0);   /* another what: a new run */
    CHECK(keep_layout_add(&l, 0x5000, 1, KEEP_PAGE_ZERO, b) == 0);     /* another type: a new run */
    CHECK(l.nruns == 3 && l.pages == 5);
    CHECK(keep_layout_add(&l, 0x2000, 1, KEEP_PAGE_NORMAL, b) < 0);    /* measured twice */
    CHECK(keep_layout_add(&l, 0x0800, 2, KEEP_PAGE_NORMAL, b) < 0);    /* unaligned */
    CHECK(keep_layout_add(&l, 0x9000, 0, KEEP_PAGE_NORMAL, b) < 0);    /* empty */
    CHECK(keep_layout_add(&l, UINT64_MAX & ~0xfffull, 2, KEEP_PAGE_NORMAL, b) < 0); /* wraps */
    CHECK(l.pages == 5);
    for (int i = 0; i < 100; i++) /* growth */
        CHECK(keep_layout_add(&l, 0x100000 + (uint64_t)i * 0x2000, 1, KEEP_PAGE_NORMAL, a) == 0);
    CHECK(l.nruns == 103);
    keep_layout_free(&l);
    CHECK(l.nruns == 0 && l.runs == NULL);
}

/* measure.h's chain against hashlib's (tests/measure/unit.c's comment). */
static void test_digest(void)
{
    static uint8_t mem[4 * 4096];
    for (int i = 0; i < 4096; i++)
        mem[4096 + i] = (uint8_t)i;
    mem[(size_t)3 * 4096] = 7;
    mem[(size_t)2 * 4096] = 0x55; /* a ZERO page is measured as zeros, whatever is there */
    struct keep_layout l;
    keep_layout_init(&l);
    static const char w[] = "w";
    keep_layout_add(&l, 4096, 1, KEEP_PAGE_NORMAL, w);
    keep_layout_add(&l, 8192, 1, KEEP_PAGE_ZERO, w);
    keep_layout_add(&l, 12288, 1, KEEP_PAGE_NORMAL, w);
    keep_layout_add(&l, 0, 1, KEEP_PAGE_UNMEASURED, w);
    uint8_t d[48];
    char got[97] = {0};
    CHECK(measure_layout_sha384(&l, mem, sizeof mem, d) == 0);
    hex(d, 48, got);
    CHECK_EQ_STR(got, "67c37e744acd014d478b19aff15921497c8e37c9006b43d15cb61a28bf0965478fd1d51ec920912419c7bf09d7bba0fd");
    CHECK(measure_layout_sha384(&l, mem, (uint64_t)3 * 4096, d) < 0); /* a run outside the memory */
    keep_layout_free(&l);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    file_contents fc;
    char why[200];
    if (file_read_all(path, 256u << 20, 0, &fc, why, sizeof why) != FILE_OK) {
        printf("FAIL %s: %s\n", path, why);
        return NULL;
    }
    *len = fc.size;
    return fc.data;
}

/* The kvm image's record: the runs cover the shim, the page tables, the
 * exec and the stack, nothing twice, and never the sallyport block. */
static void test_kvm_layout(const char *exec_path)
{
    size_t exec_len = 0;
    uint8_t *exec = read_all(exec_path, &exec_len);
    if (!exec) {
        check_record(0, __FILE__, __LINE__, "the exec");
        return;
    }
    struct kvm_keep_options opt;
    kvm_keep_options_measured(&opt, 64ull << 20);
    opt.exec_image = exec;
    opt.exec_size = exec_len;
    uint8_t m1[48], m2[48], m3[48];
    uint64_t pages = 0;
    char err[256];
    CHECK(kvm_keep_measure(&opt, m1, &pages, err, sizeof err) == 0 && pages > 100);
    CHECK(kvm_keep_measure(&opt, m2, NULL, err, sizeof err) == 0 && memcmp(m1, m2, 48) == 0);
    /* every input that reaches memory changes it */
    struct kvm_keep_options o = opt;
    o.log_level = ENARX_LOG_DEBUG;
    CHECK(kvm_keep_measure(&o, m3, NULL, err, sizeof err) == 0 && memcmp(m1, m3, 48) != 0);
    o = opt;
    o.fd_domain[4] = AF_INET;
    CHECK(kvm_keep_measure(&o, m3, NULL, err, sizeof err) == 0 && memcmp(m1, m3, 48) != 0);
    o = opt;
    o.exitless = 1;
    CHECK(kvm_keep_measure(&o, m3, NULL, err, sizeof err) == 0 && memcmp(m1, m3, 48) != 0);
    o = opt;
    o.mem_size = 128ull << 20;
    CHECK(kvm_keep_measure(&o, m3, NULL, err, sizeof err) == 0 && memcmp(m1, m3, 48) != 0);
    o = opt;
    o.fd_domain_set = 0;
    CHECK(kvm_keep_measure(&o, m3, NULL, err, sizeof err) < 0 && strstr(err, "fd_domain_set"));

    /* the runs themselves, from the loader */
    struct keep_layout l;
    keep_layout_init(&l);
    uint8_t *mem = calloc(1, opt.mem_size);
    struct keep_image img;
    memset(&img, 0, sizeof img);
    img.mem = mem;
    img.mem_size = opt.mem_size;
    img.layout = &l;
    struct kvm_keep_options r;
    CHECK(kvm_resolve_options(&opt, &r, err, sizeof err) == 0);
    CHECK(image_build(&img, kvm_shim_image, (size_t)kvm_shim_image_size, exec, exec_len, &r, err, sizeof err) == 0);
    int have_shim = 0, have_exec = 0, have_stack = 0, have_pt = 0, sallyport = 0;
    for (size_t i = 0; i < l.nruns; i++) {
        const struct keep_layout_run *run = &l.runs[i];
        have_shim |= strcmp(run->what, "shim") == 0 && run->gpa == KEEP_SHIM_PHYS;
        have_exec |= strcmp(run->what, "exec") == 0;
        have_stack |= strcmp(run->what, "stack") == 0;
        have_pt |= strcmp(run->what, "page tables") == 0 && run->gpa == img.pml4;
        if (run->gpa < img.sallyport_gpa + SP_HEADER_SIZE && img.sallyport_gpa < run->gpa + run->npages * 4096)
            sallyport = 1;
        CHECK(run->type == KEEP_PAGE_NORMAL);
    }
    CHECK(have_shim && have_exec && have_stack && have_pt && !sallyport);
    CHECK(l.pages == pages);
    uint8_t m4[48];
    CHECK(measure_layout_sha384(&l, mem, img.mem_size, m4) == 0 && memcmp(m4, m1, 48) == 0);
    /* the boot information is inside the measured shim pages */
    uint64_t boot = (uint64_t)((uint8_t *)img.boot - mem);
    int boot_measured = 0;
    for (size_t i = 0; i < l.nruns; i++)
        if (boot >= l.runs[i].gpa && boot + sizeof *img.boot <= l.runs[i].gpa + l.runs[i].npages * 4096)
            boot_measured = 1;
    CHECK(boot_measured);
    keep_layout_free(&l);
    free(mem);
    free(exec);
}

int main(int argc, char **argv)
{
    test_layout();
    test_digest();
    if (argc > 1)
        test_kvm_layout(argv[1]);
    return check_summary();
}
