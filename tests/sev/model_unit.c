/* The SEV-SNP host side against the model of KVM and the secure processor
 * (model.h): full launches whose digest, as the model's firmware computes
 * it, must equal the VMM's own and `sev_keep_measure` (the calculator of
 * `enarx keep measure --backend sev`); the CPUID fix-up retry; partial
 * SNP_LAUNCH_UPDATE progress; ID blocks good and bad; host data; page-state
 * changes valid and hostile; memory faults; certificate requests; the
 * guest's termination; hosts missing pieces; and the model's own refusals. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "backend/kvm/vmm.h"
#include "backend/sev/sev.h"
#include "backend/sev/uapi.h"
#include "check.h"
#include "model.h"
#include "snp/snp.h"

/* A static x86-64 ELF that is loaded, never run (the model plays the guest):
 * one RX segment with `hlt`. */
static size_t tiny_elf(uint8_t *buf)
{
    memset(buf, 0, 4096);
    uint8_t *e = buf;
    e[0] = 0x7f, e[1] = 'E', e[2] = 'L', e[3] = 'F';
    e[4] = 2, e[5] = 1, e[6] = 1;             /* 64-bit, little-endian, version 1 */
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
#define P16(o, v) (u16 = (v), memcpy(e + (o), &u16, 2))
#define P32(o, v) (u32 = (v), memcpy(e + (o), &u32, 4))
#define P64(o, v) (u64 = (v), memcpy(e + (o), &u64, 8))
    P16(16, 2);         /* ET_EXEC */
    P16(18, 62);        /* EM_X86_64 */
    P32(20, 1);
    P64(24, 0x400078);  /* entry */
    P64(32, 64);        /* phoff */
    P16(52, 64);        /* ehsize */
    P16(54, 56);        /* phentsize */
    P16(56, 1);         /* phnum */
    uint8_t *ph = e + 64;
    memcpy(&u32, &(uint32_t){1}, 4), memcpy(ph, &u32, 4);        /* PT_LOAD */
    memcpy(&u32, &(uint32_t){5}, 4), memcpy(ph + 4, &u32, 4);    /* R X */
    memcpy(ph + 8, &(uint64_t){0}, 8);                           /* offset */
    memcpy(ph + 16, &(uint64_t){0x400000}, 8);                   /* vaddr */
    memcpy(ph + 24, &(uint64_t){0x400000}, 8);                   /* paddr */
    memcpy(ph + 32, &(uint64_t){0x80}, 8);                       /* filesz */
    memcpy(ph + 40, &(uint64_t){0x80}, 8);                       /* memsz */
    memcpy(ph + 48, &(uint64_t){0x1000}, 8);                     /* align */
    e[0x78] = 0xf4;                                              /* hlt */
    return 0x80;
#undef P16
#undef P32
#undef P64
}

static uint8_t elf[4096];
static size_t elf_len;
static int out_pipe[2];

static void base_options(struct sev_keep_options *o, struct snp_model *m)
{
    sev_keep_options_init(o);
    kvm_keep_options_measured(&o->keep, 256ull << 20);
    o->keep.exec_image = elf;
    o->keep.exec_size = elf_len;
    o->keep.exec_path = "tiny";
    for (int fd = 0; fd < 5; fd++)
        o->keep.fds[fd] = -1;
    o->keep.fds[1] = out_pipe[1];
    o->keep.nfds = 2;
    o->kernel = snp_model_kernel(m);
}

/* What the Keep wrote to its fd 1, drained. */
static void drain(char *buf, size_t len)
{
    int fl = fcntl(out_pipe[0], F_GETFL);
    fcntl(out_pipe[0], F_SETFL, fl | O_NONBLOCK);
    ssize_t n = read(out_pipe[0], buf, len - 1);
    buf[n > 0 ? n : 0] = 0;
    fcntl(out_pipe[0], F_SETFL, fl);
}

struct run {
    struct snp_model *m;
    struct sev_keep_result res;
    int rc;
    char err[1024];
    char out[256];
};

static void launch(struct run *r, const struct snp_model_config *cfg, void (*tweak)(struct sev_keep_options *))
{
    memset(r, 0, sizeof *r);
    r->m = snp_model_new(cfg);
    struct sev_keep_options o;
    base_options(&o, r->m);
    if (tweak)
        tweak(&o);
    r->rc = sev_keep_run(&o, &r->res, r->err, sizeof r->err);
    drain(r->out, sizeof r->out);
}

static void done(struct run *r)
{
    snp_model_free(r->m);
}

/* The digest sev_keep_measure computes for the options launch() uses. */
static void measure_for(const struct snp_model_config *cfg, void (*tweak)(struct sev_keep_options *), uint8_t out[48])
{
    struct snp_model *m = snp_model_new(cfg);
    struct sev_keep_options o;
    base_options(&o, m);
    if (tweak)
        tweak(&o);
    o.kernel = NULL;
    o.keep.fd_domain_set = 1;
    char err[512];
    uint64_t pages = 0;
    if (sev_keep_measure(&o, out, &pages, err, sizeof err) < 0)
        printf("     measure: %s\n", err);
    snp_model_free(m);
}

static void full_launch(void)
{
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    struct run r;
    launch(&r, &cfg, NULL);
    const struct snp_model_launch *l = snp_model_launch(r.m);
    CHECK_EQ_INT(r.rc, 0);
    if (r.rc)
        printf("     %s\n", r.err);
    CHECK_EQ_STR(snp_model_error(r.m), "");
    CHECK_EQ_INT(r.res.keep.outcome, KVM_KEEP_EXITED);
    CHECK_EQ_INT(r.res.keep.status, 0);
    CHECK_EQ_STR(r.out, "hello from the SNP model\n");
    CHECK(l->finished);
    CHECK(r.res.launched && r.res.measured);
    /* Three computations of one digest: the model's firmware, the VMM's plan, the calculator. */
    uint8_t calc[48];
    measure_for(&cfg, NULL, calc);
    CHECK(memcmp(l->measurement, r.res.measurement, 48) == 0);
    CHECK(memcmp(l->measurement, calc, 48) == 0);
    CHECK_EQ_INT(l->pages, r.res.pages);
    CHECK_EQ_INT(l->policy, SNP_KEEP_POLICY);
    CHECK_EQ_INT(l->sev_features, 1);
    CHECK_EQ_INT(l->vcpus, 1);
    CHECK_EQ_INT(l->cpuid_attempts, 1);
    struct snp_model_counts c = snp_model_counts(r.m);
    CHECK(c.to_shared >= 2); /* the sallyport block and the GHCB page */
    done(&r);

    /* The digest does not depend on the host: without CR4.MCE on the host,
     * with the firmware taking one page per command. */
    cfg.host_mce = 0;
    cfg.update_chunk = 1;
    launch(&r, &cfg, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(snp_model_error(r.m), "");
    CHECK(memcmp(snp_model_launch(r.m)->measurement, calc, 48) == 0);
    done(&r);
}

static void bigger(struct sev_keep_options *o)
{
    o->keep.mem_size = 512ull << 20;
}

static void digest_follows_inputs(void)
{
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    uint8_t a[48], b[48];
    measure_for(&cfg, NULL, a);
    measure_for(&cfg, bigger, b);
    CHECK(memcmp(a, b, 48) != 0); /* memory size is measured (page tables) */
    struct run r;
    launch(&r, &cfg, bigger);
    CHECK_EQ_INT(r.rc, 0);
    CHECK(memcmp(snp_model_launch(r.m)->measurement, b, 48) == 0);
    done(&r);
}

static void cpuid_fixup(void)
{
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    cfg.cpuid_fixups = 2;
    struct run r;
    launch(&r, &cfg, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(snp_model_error(r.m), "");
    CHECK_EQ_INT(snp_model_launch(r.m)->cpuid_attempts, 2); /* refused once, then the firmware's own page */
    uint8_t calc[48];
    measure_for(&cfg, NULL, calc);
    CHECK(memcmp(snp_model_launch(r.m)->measurement, calc, 48) == 0); /* the CPUID page is not measured */
    done(&r);
    cfg.cpuid_refuse_always = 1;
    launch(&r, &cfg, NULL);
    CHECK_EQ_INT(r.rc, -1);
    CHECK(strstr(r.err, "CPUID page") && strstr(r.err, "INVALID_PARAM") && strstr(r.err, "its own corrections"));
    CHECK_EQ_INT(snp_model_launch(r.m)->cpuid_attempts, 2); /* once retried, never more */
    done(&r);
}

/* ---- ID blocks ---- */

static EVP_PKEY *id_key, *author_key;
static uint8_t id_block[SNP_ID_BLOCK_SIZE], id_auth[SNP_ID_AUTH_SIZE];

static void with_id(struct sev_keep_options *o)
{
    o->id_block = id_block;
    o->id_auth = id_auth;
    o->auth_key_en = 1;
    memset(o->host_data, 0xa5, sizeof o->host_data);
}

/* An ID block for ld, signed by the ID key, the ID key signed by the author. */
static void sign_id(const uint8_t ld[48], uint64_t policy)
{
    struct snp_id_block b = {.version = 1, .guest_svn = 7, .policy = policy};
    memcpy(b.ld, ld, 48);
    memset(b.family_id, 0x11, 16);
    memset(b.image_id, 0x22, 16);
    snp_id_block_encode(&b, id_block);
    uint8_t blob[SNP_ID_KEY_SIG_BLOB_SIZE];
    char err[256];
    if (snp_id_key_sign(author_key, id_key, blob, err, sizeof err) < 0 ||
        snp_id_auth_build(id_block, id_key, blob, id_auth, err, sizeof err) < 0)
        printf("     signing: %s\n", err);
}

static void id_blocks(void)
{
    id_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    author_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    uint8_t ld[48], want_id[48], want_author[48];
    char err[256];
    measure_for(&cfg, NULL, ld);
    snp_key_digest(id_key, want_id, err, sizeof err);
    snp_key_digest(author_key, want_author, err, sizeof err);

    sign_id(ld, SNP_KEEP_POLICY);
    struct run r;
    launch(&r, &cfg, with_id);
    const struct snp_model_launch *l = snp_model_launch(r.m);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(snp_model_error(r.m), "");
    CHECK(l->id_block_en && l->author_key_en);
    CHECK(memcmp(l->id_key_digest, want_id, 48) == 0);
    CHECK(memcmp(l->author_key_digest, want_author, 48) == 0);
    CHECK_EQ_INT(l->guest_svn, 7);
    CHECK(l->host_data[0] == 0xa5 && l->host_data[31] == 0xa5);
    done(&r);

    uint8_t wrong[48];
    memcpy(wrong, ld, 48);
    wrong[0] ^= 1;
    sign_id(wrong, SNP_KEEP_POLICY);
    launch(&r, &cfg, with_id);
    CHECK_EQ_INT(r.rc, -1);
    CHECK(strstr(r.err, "BAD_MEASUREMENT") && strstr(r.err, "enarx keep measure --backend sev"));
    done(&r);

    sign_id(ld, SNP_KEEP_POLICY | SNP_POLICY_SINGLE_SOCKET);
    launch(&r, &cfg, with_id);
    CHECK_EQ_INT(r.rc, -1);
    CHECK(strstr(r.err, "POLICY_FAILURE") != NULL);
    done(&r);

    sign_id(ld, SNP_KEEP_POLICY);
    id_auth[SNP_ID_AUTH_BLOCK_SIG + 3] ^= 0x40; /* a damaged signature */
    launch(&r, &cfg, with_id);
    CHECK_EQ_INT(r.rc, -1);
    CHECK(strstr(r.err, "BAD_SIGNATURE") != NULL);
    done(&r);
    EVP_PKEY_free(id_key);
    EVP_PKEY_free(author_key);
}

/* ---- exits ---- */

static void hostile_guest(void)
{
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    cfg.script = "psc-bad,psc-shared,psc-private,psc-shared,hello,exit:3";
    struct run r;
    launch(&r, &cfg, NULL);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(snp_model_error(r.m), "");
    CHECK_EQ_INT(r.res.keep.status, 3);
    CHECK_EQ_INT(snp_model_counts(r.m).refused, 1);
    done(&r);

    cfg.script = "term:14:2";
    launch(&r, &cfg, NULL);
    CHECK_EQ_INT(r.rc, -1);
    CHECK_EQ_INT(r.res.keep.outcome, KVM_KEEP_FAILED);
    CHECK(strstr(r.err, "terminated itself") && strstr(r.err, "reason set 14, code 2"));
    done(&r);

    cfg.script = "hello"; /* writes to a block it never made shared */
    launch(&r, &cfg, NULL);
    CHECK_EQ_INT(r.rc, -1);
    CHECK(strstr(snp_model_error(r.m), "while it was private") != NULL);
    done(&r);

    cfg.script = "psc-shared,shutdown";
    launch(&r, &cfg, NULL);
    CHECK_EQ_INT(r.rc, -1);
    CHECK(strstr(r.err, "shut down") != NULL);
    done(&r);
}

static char certs_path[64];

static void with_certs(struct sev_keep_options *o)
{
    o->certs_path = certs_path;
}

/* A certificate table file: one VCEK entry of len bytes. */
static void write_certs(size_t len, int bad)
{
    uint8_t *t = calloc(1, 48 + len);
    uint8_t vcek[16];
    snp_cert_guid("VCEK", vcek);
    memcpy(t, vcek, 16);
    uint32_t off = 48, l = (uint32_t)len + (bad ? 1 : 0);
    memcpy(t + 16, &off, 4);
    memcpy(t + 20, &l, 4);
    memset(t + 48, 0x30, len);
    int fd = open(certs_path, O_WRONLY | O_TRUNC | O_CREAT, 0600);
    if (fd < 0 || write(fd, t, 48 + len) != (ssize_t)(48 + len))
        printf("     cannot write %s\n", certs_path);
    close(fd);
    free(t);
}

static void certificates(void)
{
    snprintf(certs_path, sizeof certs_path, "/tmp/snp-model-certs.%d", (int)getpid());
    write_certs(6000, 0);
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    cfg.req_certs = 1;
    cfg.script = "psc-shared,certs:1,certs:2,exit:0";
    struct run r;
    launch(&r, &cfg, with_certs);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(snp_model_error(r.m), "");
    struct snp_model_counts c = snp_model_counts(r.m);
    CHECK_EQ_INT(c.certs_enospc, 1); /* one page is too small: the guest is told two */
    CHECK_EQ_INT(c.certs_ok, 1);
    CHECK_EQ_INT(c.certs_bytes, 6048);
    done(&r);

    /* A kernel without certificate exits: the launch goes on without them. */
    cfg.req_certs = 0;
    cfg.script = NULL;
    launch(&r, &cfg, with_certs);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(snp_model_error(r.m), "");
    done(&r);

    /* A table that points past its end is refused before anything runs. */
    cfg.req_certs = 1;
    write_certs(100, 1);
    launch(&r, &cfg, with_certs);
    CHECK_EQ_INT(r.rc, -1);
    CHECK(strstr(r.err, "points outside") != NULL);
    CHECK(!snp_model_launch(r.m)->started);
    done(&r);
    unlink(certs_path);
}

/* ---- hosts that cannot ---- */

static void hosts(void)
{
    struct snp_model_config cfg;
    struct run r;
    snp_model_config_default(&cfg);
    cfg.vm_types = 1; /* no KVM_X86_SNP_VM */
    launch(&r, &cfg, NULL);
    CHECK(r.rc == -1 && strstr(r.err, "cannot create SEV-SNP VMs") && strstr(r.err, "6.11"));
    done(&r);

    snp_model_config_default(&cfg);
    cfg.fw_minor = 50; /* older than the policy's ABI 1.51 */
    launch(&r, &cfg, NULL);
    CHECK(r.rc == -1 && strstr(r.err, "SNP_LAUNCH_START") && strstr(r.err, "POLICY_FAILURE"));
    done(&r);

    snp_model_config_default(&cfg);
    cfg.dev_sev = 0;
    launch(&r, &cfg, NULL);
    CHECK(r.rc == -1 && strstr(r.err, "/dev/sev") != NULL);
    done(&r);

    /* platform info against the model's hosts */
    struct kvm_check checks[24];
    snp_model_config_default(&cfg);
    struct snp_model *m = snp_model_new(&cfg);
    int n = sev_platform_checks(snp_model_kernel(m), checks, 24), pass = 1;
    for (int i = 0; i < n; i++)
        pass = pass && checks[i].pass;
    CHECK(n >= 9 && pass);
    snp_model_free(m);

    snp_model_config_default(&cfg);
    cfg.sev_snp_param = 0;
    cfg.asids_used = 99;
    cfg.fw_minor = 49;
    m = snp_model_new(&cfg);
    n = sev_platform_checks(snp_model_kernel(m), checks, 24);
    int param = 0, asids = 0, fw = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(checks[i].name, "kvm_amd sev_snp parameter") == 0)
            param = !checks[i].pass && strstr(checks[i].hint, "sev_snp=1");
        if (strcmp(checks[i].name, "Free SEV-ES/SNP ASIDs") == 0)
            asids = !checks[i].pass && strstr(checks[i].info, "0 of 99");
        if (strcmp(checks[i].name, "SNP firmware") == 0)
            fw = !checks[i].pass && strstr(checks[i].hint, "1.51");
    }
    CHECK(param);
    CHECK(asids);
    CHECK(fw);
    snp_model_free(m);
}

/* ---- the model refuses what Linux refuses ---- */

static void model_refusals(void)
{
    struct snp_model_config cfg;
    snp_model_config_default(&cfg);
    struct snp_model *m = snp_model_new(&cfg);
    const struct vmm_kernel *k = snp_model_kernel(m);
    int kvm = k->open(k->ctx, "/dev/kvm", O_RDWR), sev = k->open(k->ctx, "/dev/sev", O_RDWR);
    long vm = k->ioctl(k->ctx, kvm, KVM_CREATE_VM, (void *)(uintptr_t)SEV_KVM_X86_SNP_VM);
    struct sev_kvm_snp_launch_update u = {.len = 4096, .type = 1};
    struct sev_kvm_cmd cmd = {.id = SEV_KVM_SNP_LAUNCH_UPDATE, .data = (uintptr_t)&u, .sev_fd = (uint32_t)sev};
    CHECK_EQ_INT(k->ioctl(k->ctx, (int)vm, SEV_KVM_MEMORY_ENCRYPT_OP, &cmd), -EINVAL);
    CHECK(strstr(snp_model_error(m), "before SNP_LAUNCH_START") != NULL);
    CHECK_EQ_INT(k->ioctl(k->ctx, (int)vm, KVM_CREATE_VCPU, (void *)0), -EINVAL); /* before INIT2 */
    struct sev_kvm_init init = {.vmsa_features = 1}; /* SNPActive is KVM's to set */
    cmd = (struct sev_kvm_cmd){.id = SEV_KVM_SEV_INIT2, .data = (uintptr_t)&init, .sev_fd = (uint32_t)sev};
    CHECK_EQ_INT(k->ioctl(k->ctx, (int)vm, SEV_KVM_MEMORY_ENCRYPT_OP, &cmd), -EINVAL);
    snp_model_free(m);
}

int main(void)
{
    if (pipe(out_pipe) < 0)
        return 1;
    elf_len = tiny_elf(elf);
    full_launch();
    digest_follows_inputs();
    cpuid_fixup();
    id_blocks();
    hostile_guest();
    certificates();
    hosts();
    model_refusals();
    return check_summary();
}
