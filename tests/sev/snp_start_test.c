/* The shim's SEV-SNP glue (src/shim/snp/snp.c) on the host: a guest image
 * laid out as the SEV launcher lays it out (abi/snp_launch.h: page tables
 * with the encryption bit, the launch-information, CPUID and secrets pages,
 * launched ranges validated in the model's RMP), then the shim's start-up,
 * memory acceptance, doorbell, #VC and evidence call against the model CPU,
 * hypervisor and secure processor — and the start-up failures a hostile or
 * broken host causes. Each scenario runs in its own process (snp.c keeps
 * its state in statics, as the shim does).
 *
 *   snp_start_test --attester DIR --report-data HEX --measurement HEX --evidence FILE
 * instead starts the shim once more, with the secure-processor model
 * signing reports with the test attester's chain in DIR (and the host
 * model offering that chain as the extended request's certificate table),
 * asks for evidence through ENARX_SYS_GETATT and writes it to FILE, for
 * `enarx attest verify --test-root` (suite 61-sev-guest). */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../attester/test_attester.h"
#include "check.h"
#include "common/hex.h"
#include "fake_hw.h"
#include "psp_guest.h"
#include "shim_stubs.h"

#include "abi/evidence.h"
#include "abi/sallyport.h"
#include "abi/snp_guest.h"
#include "abi/snp_launch.h"
#include "shim/kvm/regs.h"
#include "shim/snp/pagetable.h"
#include "shim/snp/snp.h"

#define EINVAL   22
#define EFAULT   14
#define EIO      5
#define EMSGSIZE 90

#define ENC        (1ull << 51)
#define PHYS_FREE  0x480000ull
#define SP_GPA     0x200000ull
#define SP_DATA    0x10000ull
#define SHARED_VA  0xffffc90000000000ull   /* where snp.c maps shared pages */

static struct keep_boot_info bi;
static struct psp_model psp;
static uint8_t user_mem[256 << 10];
static const uint8_t vmpck0[32] = {7, 6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 11, 12, 13, 14, 15,
                                   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

static void *mem(uint64_t gpa)
{
    return fake_mem + gpa;
}

static void cpuid(struct snp_cpuid_page *p, uint32_t leaf, uint32_t sub, uint32_t a, uint32_t b, uint32_t c,
                  uint32_t d)
{
    p->fn[p->count++] = (struct snp_cpuid_function){leaf, sub, 0, 0, a, b, c, d, 0};
}

static void launch_range(struct snp_launch_info *li, uint64_t gpa, uint64_t end, uint32_t type)
{
    li->ranges[li->nranges++] = (struct snp_launch_range){gpa, (end - gpa) / 4096, type, 0};
    for (uint64_t p = gpa; p < end; p += 4096)
        fake_rmp_set_validated(p, 1); /* SNP_LAUNCH_UPDATE validates what it launches */
}

/* The image as the SEV launcher would leave it at the first instruction. */
static void build_image(void)
{
    fake_reset();
    uint64_t *pml4 = mem(0x1000), *pdpt_dm = mem(0x2000), *pdpt_hi = mem(0x3000), *pd_hi = mem(0x4000);
    pml4[273] = 0x2000 | PTE_P | PTE_W | ENC;                     /* the direct map ... */
    pdpt_dm[0] = PTE_P | PTE_W | PTE_PS | PTE_NX | ENC;            /* ... one 1 GiB page */
    pml4[511] = 0x3000 | PTE_P | PTE_W | ENC;                     /* the shim's half */
    pdpt_hi[510] = 0x4000 | PTE_P | PTE_W | ENC;
    pd_hi[0] = PTE_P | PTE_W | PTE_PS | ENC;
    fake_hv.cr3 = 0x1000 | ENC;
    fake_hv.cr4 = 0x20 | 0x80 | 0x200 | 0x400 | (1u << 18) | (1u << 20);
    fake_hv.xcr0 = 1;

    struct snp_cpuid_page *cp = mem(SNP_KEEP_CPUID_GPA);
    cpuid(cp, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65);
    cpuid(cp, 1, 0, 0x00a00f11, 0x800, 0x76f8320b, 0x178bfbff);
    cpuid(cp, 0xd, 0, 0x207, 0x340, 0x988, 0);                /* x87 SSE AVX PKRU offered */
    cpuid(cp, 0xd, 2, 0x100, 0x240, 0, 0);
    cpuid(cp, 0x8000001f, 0, 0x0101fd3f, 0x00004173, 0x1fd, 0x80); /* C-bit 51 */

    struct snp_secrets_page *sp = mem(SNP_KEEP_SECRETS_GPA);
    sp->version = 3;
    memcpy(sp->vmpck0, vmpck0, 32);

    struct snp_launch_info *li = mem(SNP_KEEP_LAUNCH_INFO_GPA);
    li->magic = SNP_LAUNCH_INFO_MAGIC;
    li->version = SNP_LAUNCH_INFO_VERSION;
    li->c_bit = 51;
    li->vcpus = 1;
    li->policy = SNP_KEEP_POLICY;
    li->cpuid_gpa = SNP_KEEP_CPUID_GPA;
    li->secrets_gpa = SNP_KEEP_SECRETS_GPA;
    li->ghcb_gpa = SNP_KEEP_GHCB_GPA;
    launch_range(li, 0x1000, 0x5000, SNP_PAGE_NORMAL);                        /* page tables */
    launch_range(li, SNP_KEEP_LAUNCH_INFO_GPA, SNP_KEEP_LAUNCH_INFO_GPA + 4096, SNP_PAGE_NORMAL);
    launch_range(li, 0x100000, 0x180000, SNP_PAGE_NORMAL);                    /* the shim */
    launch_range(li, 0x400000, PHYS_FREE, SNP_PAGE_NORMAL);                   /* exec, stack */
    launch_range(li, SNP_KEEP_SECRETS_GPA, SNP_KEEP_SECRETS_GPA + 4096, SNP_PAGE_SECRETS);
    launch_range(li, SNP_KEEP_CPUID_GPA, SNP_KEEP_CPUID_GPA + 4096, SNP_PAGE_CPUID);

    memset(&bi, 0, sizeof bi);
    bi.magic = SHIM_MAGIC;
    bi.mem_size = FAKE_MEM_SIZE;
    bi.phys_free = PHYS_FREE;
    bi.sallyport_gpa = SP_GPA;
    bi.sallyport_data_size = SP_DATA;

    memset(&stub, 0, sizeof stub);
    stub.carve_next = PHYS_FREE;
    stub.carve_end = FAKE_MEM_SIZE;
    stub.user_lo = (uint64_t)(uintptr_t)user_mem;
    stub.user_hi = stub.user_lo + sizeof user_mem;

    memset(&psp, 0, sizeof psp);
    memcpy(psp.vmpck0, vmpck0, 32);
    psp.make_report = psp_unsigned_report;
    fake_hv.psp = psp_guest_request;
    fake_hv.psp_ctx = &psp;
}

/* Where the shim's shared mapping of va leads, and whether it is encrypted. */
static int shared_mapping(uint64_t va, uint64_t *gpa)
{
    struct pt_env e = {(uint64_t)(uintptr_t)fake_mem, ENC, FAKE_MEM_SIZE, SHARED_VA, SHARED_VA + (1ull << 30)};
    struct pt_fault f = {0, 0, 0};
    return pt_translate(&e, fake_hv.cr3, va, gpa) == PT_OK && pt_check(&e, fake_hv.cr3, &f) == PT_OK;
}

/* Runs start-up to the point where the sallyport works. */
static void start(void)
{
    CHECK_EQ_INT(snp_early_init(&bi), 0);
    snp_memory_init(&bi, &shim_sallyport);
}

/* ---- the scenarios ---- */

static void scenario_start_up(void)
{
    build_image();
    CHECK_EQ_INT(snp_early_init(&bi), 0);
    CHECK(snp_active && snp_pte_enc() == ENC);
    CHECK_EQ_INT(fake_hv.xcr0, 0x7); /* x87, SSE, AVX: what the CPUID page offers, less PKRU */
    CHECK(!snp_sallyport_ready());
    snp_memory_init(&bi, &shim_sallyport);
    CHECK(snp_sallyport_ready());
    /* The GHCB: made shared, registered, mapped without the encryption bit. */
    CHECK(fake_rmp_shared(SNP_KEEP_GHCB_GPA) && fake_hv.registered_gpa == SNP_KEEP_GHCB_GPA);
    uint64_t gpa = 0;
    CHECK(shared_mapping(SHARED_VA, &gpa) && gpa == SNP_KEEP_GHCB_GPA);
    /* The sallyport block: every page shared, the shim's view of it there. */
    int all = 1;
    for (uint64_t p = SP_GPA; p < SP_GPA + 4096 + SP_DATA; p += 4096)
        all &= fake_rmp_shared(p);
    CHECK(all && !fake_rmp_shared(SP_GPA + 4096 + SP_DATA));
    CHECK(shim_sallyport.block == fake_mem + SP_GPA);
    CHECK(shared_mapping(SHARED_VA + 2 * (uint64_t)4096, &gpa) && gpa == SP_GPA);
    /* Launched pages were never validated again; the bitmap's and the
     * tables' pages were, once. */
    CHECK(!fake_rmp_shared(0x100000) && fake_rmp_validated(0x100000));
    CHECK(fake_rmp_validated(PHYS_FREE));
    CHECK(strstr(stub.log, "VMPL 0") && strstr(stub.log, "VMPCK0 present"));
    CHECK_EQ_INT(stub.stops, 0);

    /* The doorbell goes through the GHCB. */
    snp_doorbell();
    CHECK_EQ_INT(fake_hv.last_out_port, SP_DOORBELL_PORT);

    /* Fresh memory: validated and zeroed once; again is a no-op. */
    uint64_t fresh = stub.carve_next;
    memset(mem(fresh), 0xee, 8192);
    snp_accept(fresh, 2);
    CHECK(fake_rmp_validated(fresh) && fake_rmp_validated(fresh + 4096));
    CHECK(((uint8_t *)mem(fresh))[0] == 0 && ((uint8_t *)mem(fresh))[8191] == 0);
    ((uint8_t *)mem(fresh))[5] = 1;
    snp_accept(fresh, 1);
    CHECK(((uint8_t *)mem(fresh))[5] == 1);
    CHECK_EQ_INT(stub.stops, 0);
}

static void scenario_vc(void)
{
    build_image();
    start();
    /* CPUID from the workload and from the shim, from the CPUID page. */
    /* The shim reads up to 15 bytes at RIP (its code goes on; so does this). */
    static uint8_t code[16] = {0x0f, 0xa2, 0x90, 0x90};
    struct keep_regs r;
    memset(&r, 0, sizeof r);
    r.vector = 29;
    r.error = SVM_EXIT_CPUID;
    r.rax = 0x8000001f;
    r.rip = (uint64_t)(uintptr_t)code;
    r.cs = KEEP_USER_CS;
    stub.user_lo = (uint64_t)(uintptr_t)code;
    stub.user_hi = stub.user_lo + sizeof code;
    unsigned exits = fake_hv.vmgexits;
    snp_vc(&r);
    CHECK(r.rax == 0x0101fd3f && r.rbx == 0x00004173 && r.rip == (uint64_t)(uintptr_t)code + 2);
    CHECK_EQ_INT(fake_hv.vmgexits, exits); /* the hypervisor was not asked */
    r.rax = 1;
    r.rip = (uint64_t)(uintptr_t)code;
    r.cs = KEEP_KERNEL_CS;
    snp_vc(&r);
    CHECK(r.rax == 0x00a00f11 && (r.rcx & (1u << 27)));
    CHECK_EQ_INT(stub.stops, 0);
    /* An intercept the Keep does not serve, from the workload: it stops like
     * an illegal instruction. */
    r.error = 0x8e; /* RDPRU */
    r.rip = (uint64_t)(uintptr_t)code;
    r.cs = KEEP_USER_CS;
    if (setjmp(stub_stop_jmp) == 0)
        snp_vc(&r);
    CHECK(stub.stops == 1 && stub.stop_status == 128 + 4 && strstr(stub.stop_msg, "0x8e"));
}

static void scenario_page_swapped(void)
{
    build_image();
    start();
    /* The host swaps a page of the shim's for an unvalidated one: the next
     * access raises #VC "page not validated", and the Keep stops. */
    struct keep_regs r;
    memset(&r, 0, sizeof r);
    r.vector = 29;
    r.error = SVM_EXIT_PAGE_NOT_VALIDATED;
    r.rip = 0xffffffff80101234ull;
    fake_hv.cr2 = KEEP_DIRECT_MAP + 0x101000;
    if (setjmp(stub_stop_jmp) == 0)
        snp_vc(&r);
    CHECK_EQ_INT(stub.stops, 1);
    CHECK(strstr(stub.stop_msg, "GPA 0x101000") && strstr(stub.stop_msg, "took it away"));
    /* And memory the shim never validated. */
    fake_hv.cr2 = KEEP_DIRECT_MAP + 0x700000;
    if (setjmp(stub_stop_jmp) == 0)
        snp_vc(&r);
    CHECK(stub.stops == 2 && strstr(stub.stop_msg, "never validated"));
}

static void scenario_double_validation(void)
{
    build_image();
    start();
    /* The host validated a fresh page behind the Keep's back. */
    uint64_t fresh = stub.carve_next;
    fake_rmp_set_validated(fresh, 1);
    if (setjmp(stub_stop_jmp) == 0)
        snp_accept(fresh, 1);
    CHECK(stub.stops == 1 && strstr(stub.stop_msg, "behind the Keep's back"));
}

static void scenario_getatt(void)
{
    build_image();
    start();
    uint8_t *rd = user_mem, *buf = user_mem + 4096;
    uint64_t ubuf = (uint64_t)(uintptr_t)buf, urd = (uint64_t)(uintptr_t)rd, kind = 99;
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)(0xa0 + i);
    /* Size first, then the evidence: one report for both. */
    int64_t n = snp_getatt(urd, 64, 0, 0, &kind);
    CHECK(n == 32 + 1184 && kind == ENARX_EVIDENCE_SNP);
    CHECK_EQ_INT(snp_getatt(urd, 64, ubuf, (uint64_t)n - 1, &kind), -EMSGSIZE);
    CHECK_EQ_INT(snp_getatt(urd, 64, ubuf, 64 << 10, &kind), n);
    CHECK_EQ_INT(psp.accepted, 1);
    CHECK(memcmp(buf, "ENARXEV1", 8) == 0 && buf[8] == ENARX_EVIDENCE_SNP);
    CHECK(memcmp(buf + 32 + 0x50, rd, 64) == 0);
    /* New report data, new report, next sequence numbers. */
    rd[0] ^= 0xff;
    CHECK_EQ_INT(snp_getatt(urd, 64, ubuf, 64 << 10, &kind), n);
    CHECK(psp.accepted == 2 && psp.counter == 4 && memcmp(buf + 32 + 0x50, rd, 64) == 0);
    /* Bad arguments. */
    CHECK_EQ_INT(snp_getatt(urd, 63, ubuf, 64 << 10, &kind), -EINVAL);
    CHECK_EQ_INT(snp_getatt(8, 64, ubuf, 64 << 10, &kind), -EFAULT);
    CHECK_EQ_INT(snp_getatt(urd, 64, ubuf, sizeof user_mem, &kind), -EFAULT);
    /* A tampered response: no evidence, now or later, and no more requests. */
    rd[1] ^= 0xff;
    fake_hv.tamper_response = 1;
    CHECK_EQ_INT(snp_getatt(urd, 64, ubuf, 64 << 10, &kind), -EIO);
    CHECK(strstr(stub.log, "no SEV-SNP report") != NULL);
    fake_hv.tamper_response = 0;
    unsigned requests = fake_hv.guest_requests;
    rd[1] ^= 0x0f;
    CHECK_EQ_INT(snp_getatt(urd, 64, ubuf, 64 << 10, &kind), -EIO);
    CHECK_EQ_INT(fake_hv.guest_requests, requests);
    static const uint8_t zero[32];
    CHECK(memcmp(((struct snp_secrets_page *)mem(SNP_KEEP_SECRETS_GPA))->vmpck0, zero, 32) == 0);
    CHECK_EQ_INT(fake_hv.iv_reuse, 0);
}

static void scenario_getatt_certs(void)
{
    build_image();
    static uint8_t table[24 * 2 + 500];
    uint32_t off = 48, len = 500;
    memset(table, 0, sizeof table);
    memset(table, 0x63, 16);
    memcpy(table + 16, &off, 4);
    memcpy(table + 20, &len, 4);
    memset(table + off, 0x30, len);
    fake_hv.certs = table;
    fake_hv.certs_len = sizeof table;
    start();
    uint64_t kind, urd = (uint64_t)(uintptr_t)user_mem, ubuf = urd + 4096;
    int64_t n = snp_getatt(urd, 64, ubuf, 64 << 10, &kind);
    CHECK_EQ_INT(n, 32 + 1184 + sizeof table);
    CHECK(memcmp(user_mem + 4096 + 32 + 1184, table, sizeof table) == 0);
    uint32_t extra;
    memcpy(&extra, user_mem + 4096 + 20, 4);
    CHECK_EQ_INT(extra, sizeof table);
}

static void scenario_plain_kvm(void)
{
    build_image();
    memset(mem(SNP_KEEP_LAUNCH_INFO_GPA), 0, 4096);
    CHECK_EQ_INT(snp_early_init(&bi), 0);
    CHECK(!snp_active && snp_pte_enc() == 0);
    snp_memory_init(&bi, &shim_sallyport);
    snp_accept(PHYS_FREE, 1);
    CHECK(!fake_rmp_validated(PHYS_FREE) && fake_hv.vmgexits == 0);
}

static void scenario_not_snp(void)
{
    build_image();
    fake_hv.not_snp = 1;
    CHECK_EQ_INT(snp_early_init(&bi), -1);
    CHECK(!snp_active);
}

/* Start-up must end in a termination request with this reason. */
static void expect_termination(unsigned reason)
{
    fake_term_armed = 1;
    if (setjmp(fake_term_jmp) == 0) {
        start();
        CHECK(!"start-up went on");
    }
    CHECK_EQ_INT(fake_hv.last_term_set, GHCB_TERM_SET_KEEP);
    CHECK_EQ_INT(fake_hv.last_term_reason, reason);
}

static void scenario_cbit_mismatch(void)
{
    build_image();
    ((struct snp_launch_info *)mem(SNP_KEEP_LAUNCH_INFO_GPA))->c_bit = 47;
    expect_termination(GHCB_TERM_KEEP_CPUID);
}

static void scenario_not_vmpl0(void)
{
    build_image();
    fake_set_vmpl(1);
    expect_termination(GHCB_TERM_KEEP_NOT_VMPL0);
}

static void scenario_unencrypted_tables(void)
{
    build_image();
    ((uint64_t *)mem(0x4000))[0] &= ~ENC;
    expect_termination(GHCB_TERM_KEEP_PAGE_TABLES);
}

static void scenario_lying_hypervisor(void)
{
    build_image();
    fake_hv.cbit = 47;
    expect_termination(GHCB_TERM_KEEP_PROTOCOL);
}

static void scenario_sallyport_over_shim(void)
{
    build_image();
    bi.sallyport_gpa = 0x100000; /* would make the shim's own pages shared */
    expect_termination(GHCB_TERM_KEEP_STOP);
    CHECK(!fake_rmp_shared(0x100000));
}

static void scenario_launch_info_damaged(void)
{
    build_image();
    ((struct snp_launch_info *)mem(SNP_KEEP_LAUNCH_INFO_GPA))->ranges[2].npages = 1ull << 40;
    expect_termination(GHCB_TERM_KEEP_STOP);
}

/* ---- evidence signed by the test attester ---- */

static test_attester *attester;
static struct test_report_fields fields;

static int attester_report(void *ctx, const uint8_t report_data[64], uint8_t report[1184])
{
    (void)ctx;
    return test_attester_sign_report(attester, report_data, &fields, report);
}

static int write_evidence(const char *dir, const char *rd_hex, const char *meas_hex, const char *path)
{
    char err[512];
    uint8_t rd[64] = {0};
    size_t n = 0;
    test_report_fields_init(&fields);
    if (hex_decode_string(rd_hex, rd, sizeof rd, &n) != 0 || n != 64 ||
        hex_decode_string(meas_hex, fields.measurement, sizeof fields.measurement, &n) != 0 || n != 48) {
        fprintf(stderr, "snp_start_test: --report-data takes 64 bytes of hex, --measurement 48\n");
        return 2;
    }
    if (!(attester = test_attester_load(dir, err, sizeof err))) {
        fprintf(stderr, "snp_start_test: %s\n", err);
        return 1;
    }
    /* The host offers the attester's chain as its certificate table. */
    uint8_t *ev = NULL;
    size_t ev_len = 0;
    if (test_attester_evidence(attester, rd, &fields, &ev, &ev_len) != 0 || ev_len <= 32 + 1184)
        return 1;
    build_image();
    fake_hv.certs = ev + 32 + 1184;
    fake_hv.certs_len = ev_len - 32 - 1184;
    psp.make_report = attester_report;
    start();
    memcpy(user_mem, rd, 64);
    uint64_t kind = 0, urd = (uint64_t)(uintptr_t)user_mem;
    int64_t len = snp_getatt(urd, 64, urd + 4096, 64 << 10, &kind);
    FILE *f = fopen(path, "wb");
    int ok = len > 0 && kind == ENARX_EVIDENCE_SNP && f && fwrite(user_mem + 4096, 1, (size_t)len, f) == (size_t)len;
    if (f && fclose(f) != 0)
        ok = 0;
    free(ev);
    test_attester_free(attester);
    if (!ok) {
        fprintf(stderr, "snp_start_test: no evidence (getatt returned %lld; %s)\n", (long long)len, stub.log);
        return 1;
    }
    printf("evidence: %lld bytes from the shim's guest request, %u message(s) to the secure processor\n",
           (long long)len, psp.accepted);
    return 0;
}

/* ---- one process per scenario ---- */

static void run(const char *name, void (*scenario)(void))
{
    int fds[2];
    if (pipe(fds) != 0)
        abort();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        check_passed = check_failed = 0;
        scenario();
        unsigned counts[2] = {check_passed, check_failed};
        fflush(stdout);
        if (write(fds[1], counts, sizeof counts) != sizeof counts)
            _exit(2);
        _exit(0);
    }
    close(fds[1]);
    unsigned counts[2] = {0, 0};
    ssize_t got = read(fds[0], counts, sizeof counts);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof counts || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("     scenario %s did not finish (status %#x)\n", name, status);
        check_record(0, __FILE__, __LINE__, name);
        return;
    }
    check_passed += counts[0];
    check_failed += counts[1];
}

int main(int argc, char **argv)
{
    if (argc == 9 && strcmp(argv[1], "--attester") == 0 && strcmp(argv[3], "--report-data") == 0 &&
        strcmp(argv[5], "--measurement") == 0 && strcmp(argv[7], "--evidence") == 0)
        return write_evidence(argv[2], argv[4], argv[6], argv[8]);
    if (argc != 1) {
        fprintf(stderr, "usage: snp_start_test [--attester DIR --report-data HEX --measurement HEX "
                        "--evidence FILE]\n");
        return 2;
    }
    run("start-up", scenario_start_up);
    run("#VC", scenario_vc);
    run("page swapped", scenario_page_swapped);
    run("double validation", scenario_double_validation);
    run("getatt", scenario_getatt);
    run("getatt with certificates", scenario_getatt_certs);
    run("plain KVM", scenario_plain_kvm);
    run("not SNP", scenario_not_snp);
    run("C-bit mismatch", scenario_cbit_mismatch);
    run("not VMPL 0", scenario_not_vmpl0);
    run("unencrypted page tables", scenario_unencrypted_tables);
    run("lying hypervisor", scenario_lying_hypervisor);
    run("sallyport over the shim", scenario_sallyport_over_shim);
    run("damaged launch information", scenario_launch_info_damaged);
    return check_summary();
}
