/* The shim's SEV-SNP start-up on the image the SEV launcher really builds:
 * sev_build (src/backend/sev), the code behind `enarx run --backend sev`
 * and `enarx keep measure --backend sev`, lays out the real shim and exec
 * with its page tables, boot information and launch-information page in
 * the model's guest memory; the model's firmware then validates the
 * launched ranges, fills the CPUID and secrets pages; and the shim's own
 * SNP code (src/shim/snp/snp.c, host-compiled) starts on it: the launcher's
 * and the shim's halves of the contract (abi/snp_launch.h) meet. Finally
 * the shim asks for evidence, and the report the model's secure processor
 * signs carries the launch digest the calculator computes for this image.
 *
 *   launch_image_test EXEC      (suite 61-sev-guest passes build/bin/enarx-exec) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sev/internal.h"
#include "check.h"
#include "fake_hw.h"
#include "psp_guest.h"
#include "shim/kvm/regs.h"
#include "shim/snp/snp.h"
#include "shim_stubs.h"

#define MEM (64ull << 20)
#define C_BIT 51u

static uint8_t digest[48];
static uint8_t user_mem[128 << 10];
static const uint8_t vmpck0[32] = {0x5e, 0x5e, 0x5e, 1, 2, 3};

/* The report the model's firmware signs: its MEASUREMENT is the launch
 * digest of this image. */
static int report_with_digest(void *ctx, const uint8_t report_data[64], uint8_t report[1184])
{
    psp_unsigned_report(ctx, report_data, report);
    memcpy(report + 0x90, digest, 48);
    return 0;
}

static void cpuid(struct snp_cpuid_page *p, uint32_t leaf, uint32_t sub, uint32_t a, uint32_t b, uint32_t c,
                  uint32_t d)
{
    p->fn[p->count++] = (struct snp_cpuid_function){leaf, sub, 0, 0, a, b, c, d, 0};
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: launch_image_test EXEC\n");
        return 2;
    }
    char err[512];
    struct kvm_keep_options in, opt;
    memset(&in, 0, sizeof in);
    kvm_keep_options_measured(&in, MEM);
    in.exec_path = argv[1];
    static char *args[] = {"enarx-exec", NULL}, *env[] = {NULL};
    in.argv = args;
    in.envp = env;
    for (int fd = 0; fd < 3; fd++)
        in.fds[fd] = -1;
    in.nfds = 3;
    file_contents file = {0};
    const uint8_t *exec;
    size_t exec_len;
    if (kvm_resolve_options(&in, &opt, err, sizeof err) < 0 ||
        kvm_exec_bytes(&opt, &file, &exec, &exec_len, err, sizeof err) < 0) {
        printf("cannot load %s: %s\n", argv[1], err);
        file_contents_free(&file);
        return 1;
    }

    /* The launcher's image, in the model's memory. */
    fake_reset_size(MEM);
    struct keep_image img;
    memset(&img, 0, sizeof img);
    img.mem = fake_mem;
    img.mem_size = MEM;
    struct sev_plan plan;
    uint64_t pages = 0;
    int built = sev_build(&img, exec, exec_len, &opt, C_BIT, &plan, err, sizeof err) == 0;
    if (!built)
        printf("     sev_build: %s\n", err);
    CHECK(built);
    if (!built)
        goto done;
    CHECK(sev_plan_digest(&plan, fake_mem, digest, &pages) == 0);

    /* The firmware's part of the launch. */
    for (unsigned i = 0; i < plan.nsteps; i++)
        for (uint64_t p = 0; p < plan.steps[i].npages; p++)
            fake_rmp_set_validated(plan.steps[i].gpa + p * 4096, 1);
    struct snp_cpuid_page *cp = (void *)(fake_mem + SNP_KEEP_CPUID_GPA);
    cpuid(cp, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65);
    cpuid(cp, 1, 0, 0x00a00f11, 0x800, 0x76f8320b, 0x178bfbff);
    cpuid(cp, 0xd, 0, 0x7, 0x340, 0x340, 0);
    cpuid(cp, 0xd, 2, 0x100, 0x240, 0, 0);
    cpuid(cp, 0x8000001f, 0, 0x0101fd3f, 0x00004100 | C_BIT, 0x1fd, 0x80);
    struct snp_secrets_page *secrets = (void *)(fake_mem + SNP_KEEP_SECRETS_GPA);
    secrets->version = 3;
    memcpy(secrets->vmpck0, vmpck0, 32);
    /* The vCPU as the launch leaves it. */
    fake_hv.cr3 = plan.entry.cr3;
    fake_hv.cr4 = plan.entry.cr4;
    fake_hv.xcr0 = 1;

    struct keep_boot_info *bi = img.boot;
    memset(&stub, 0, sizeof stub);
    stub.carve_next = bi->phys_free;
    stub.carve_end = MEM;
    stub.user_lo = (uint64_t)(uintptr_t)user_mem;
    stub.user_hi = stub.user_lo + sizeof user_mem;
    static struct psp_model psp;
    memcpy(psp.vmpck0, vmpck0, 32);
    psp.make_report = report_with_digest;
    fake_hv.psp = psp_guest_request;
    fake_hv.psp_ctx = &psp;

    /* The shim starts. Any termination request is a failure here. */
    fake_term_armed = 1;
    if (setjmp(fake_term_jmp) != 0) {
        printf("     the shim asked to be terminated: reason set %u, reason %u\n", fake_hv.last_term_set,
               fake_hv.last_term_reason);
        CHECK(!"terminated");
        goto done;
    }
    if (setjmp(stub_stop_jmp) != 0) {
        printf("     the shim stopped: %s\n", stub.stop_msg);
        CHECK(!"stopped");
        goto done;
    }
    CHECK_EQ_INT(snp_early_init(bi), 0);
    CHECK(snp_active && snp_pte_enc() == 1ull << C_BIT);
    snp_memory_init(bi, &shim_sallyport);
    CHECK(snp_sallyport_ready());
    CHECK(shim_sallyport.block == fake_mem + bi->sallyport_gpa);
    int shared = 1;
    for (uint64_t p = 0; p < SP_HEADER_SIZE + bi->sallyport_data_size; p += 4096)
        shared &= fake_rmp_shared(bi->sallyport_gpa + p);
    CHECK(shared && fake_rmp_shared(SNP_KEEP_GHCB_GPA) && fake_hv.registered_gpa == SNP_KEEP_GHCB_GPA);
    CHECK_EQ_INT(fake_hv.xcr0, 0x7);
    printf("launch: %u ranges, %llu pages measured, sallyport at %#llx (%llu KiB), free memory from %#llx\n",
           plan.nsteps, (unsigned long long)pages, (unsigned long long)bi->sallyport_gpa,
           (unsigned long long)(bi->sallyport_data_size >> 10), (unsigned long long)bi->phys_free);

    /* Fresh memory from where the boot information says it starts. */
    uint64_t fresh = stub.carve_next;
    snp_accept(fresh, 1);
    CHECK(fake_rmp_validated(fresh));

    /* Evidence: the report carries this image's launch digest. */
    memset(user_mem, 0x3c, 64);
    uint64_t kind = 0, urd = (uint64_t)(uintptr_t)user_mem;
    int64_t len = snp_getatt(urd, 64, urd + 4096, 64 << 10, &kind);
    CHECK_EQ_INT(len, 32 + 1184);
    CHECK(memcmp(user_mem + 4096 + 32 + 0x90, digest, 48) == 0);
    CHECK(memcmp(user_mem + 4096 + 32 + 0x50, user_mem, 64) == 0);
done:
    fake_term_armed = 0;
    file_contents_free(&file);
    return check_summary();
}
