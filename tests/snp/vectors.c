/* Every SEV-SNP vector in $SHARED_DIR/measurement-vectors reproduced with
 * the project's own calculator (src/snp): launch digests of OVMF, COCONUT-
 * SVSM and synthetic layouts, VMSA pages, ID blocks, ID/author key digests
 * and a byte-exact ID_AUTH with deterministic signatures.
 *
 * The launch digest, VMSA encoder and ID-block code are the production
 * ones; what is here is only the layout of other people's launches (OVMF's
 * GUIDed footer table and SEV metadata, QEMU's kernel-hashes page, the VMSA
 * register models of QEMU, EC2, GCE and COCONUT-SVSM), written from
 * ../shared/docs/measurement.md. Skips, saying so, when the vectors are
 * absent. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common/file.h"
#include "snp/snp.h"

static unsigned passed, failed;
static char vdir[4096];

static void result(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "ok  " : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (ok)
        passed++;
    else
        failed++;
}

/* ---- inputs ------------------------------------------------------------- */

static int read_vec(const char *rel, file_contents *f)
{
    char path[8192], why[256];
    snprintf(path, sizeof path, "%s/%s", vdir, rel);
    if (file_read_all(path, 64u << 20, 0, f, why, sizeof why) != FILE_OK) {
        printf("     %s: %s\n", path, why);
        return -1;
    }
    return 0;
}

static json_t *read_json(const char *rel)
{
    file_contents f;
    if (read_vec(rel, &f) < 0)
        return NULL;
    json_error_t e;
    json_t *j = json_loadb((const char *)f.data, f.size, 0, &e);
    if (!j)
        printf("     %s: %s at line %d\n", rel, e.text, e.line);
    file_contents_free(&f);
    return j;
}

static int unhex(const char *s, uint8_t *out, size_t len)
{
    if (!s || strlen(s) != 2 * len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int unb64(const char *s, uint8_t *out, size_t len)
{
    size_t n = strlen(s);
    uint8_t buf[4096];
    if (n == 0 || n % 4 || n / 4 * 3 > sizeof buf)
        return -1;
    int got = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
    if (got < 0)
        return -1;
    size_t pad = (s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
    if ((size_t)got - pad != len)
        return -1;
    memcpy(out, buf, len);
    return 0;
}

static uint64_t num(json_t *v)
{
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v);
    const char *s = json_string_value(v);
    return s ? strtoull(s, NULL, 0) : 0;
}

static void check_digest(const char *name, const uint8_t got[48], const char *want_hex)
{
    uint8_t want[48];
    char g[97];
    snp_hex(got, 48, g);
    if (unhex(want_hex, want, 48) < 0) {
        result(0, "%s: expected value unreadable", name);
        return;
    }
    int ok = memcmp(got, want, 48) == 0;
    result(ok, "%s", name);
    if (!ok)
        printf("     got  %s\n     want %s\n", g, want_hex);
}

/* GUID text -> the bytes a firmware image holds (EFI order: the first three
 * fields little-endian). */
static void guid_le(const char *s, uint8_t out[16])
{
    unsigned a, b, c, d[8];
    sscanf(s, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &a, &b, &c, &d[0], &d[1], &d[2], &d[3], &d[4], &d[5],
           &d[6], &d[7]);
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(a >> (8 * i));
    out[4] = (uint8_t)b, out[5] = (uint8_t)(b >> 8), out[6] = (uint8_t)c, out[7] = (uint8_t)(c >> 8);
    for (int i = 0; i < 8; i++)
        out[8 + i] = (uint8_t)d[i];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- OVMF / SVSM images: the GUIDed footer table and SEV metadata -------- */

#define MAX_SECTIONS 32
struct section {
    uint32_t gpa, size, type;
};
struct fw_image {
    const uint8_t *data;
    size_t size;
    uint64_t gpa;                 /* where the image is loaded (it ends at end_at) */
    const uint8_t *entry[16];     /* table entries: data before each header */
    uint8_t guid[16][16];
    size_t entry_len[16];
    int nentries;
    struct section sec[MAX_SECTIONS];
    int nsec;
};

static const uint8_t *fw_entry(const struct fw_image *fw, const char *guid, size_t min_len)
{
    uint8_t g[16];
    guid_le(guid, g);
    for (int i = 0; i < fw->nentries; i++)
        if (memcmp(fw->guid[i], g, 16) == 0 && fw->entry_len[i] >= min_len)
            return fw->entry[i];
    return NULL;
}

/* Every length and offset checked: an image is an input like any other. */
static int fw_parse(struct fw_image *fw, const uint8_t *data, size_t size, uint64_t end_at)
{
    memset(fw, 0, sizeof *fw);
    fw->data = data;
    fw->size = size;
    fw->gpa = end_at - size;
    enum { HDR = 18 };
    if (size < 32 + HDR)
        return -1;
    size_t footer = size - 32 - HDR;
    uint8_t g[16];
    guid_le("96b582de-1fb2-45f7-baea-a366c55a082d", g);
    if (memcmp(data + footer + 2, g, 16) != 0)
        return -1;
    size_t table = (size_t)(data[footer] | data[footer + 1] << 8);
    if (table < HDR || table - HDR > footer)
        return -1;
    size_t end = footer, start = footer - (table - HDR);
    while (end - start >= HDR && fw->nentries < 16) {
        const uint8_t *h = data + end - HDR;
        size_t esize = (size_t)(h[0] | h[1] << 8);
        if (esize < HDR || esize > end - start)
            return -1;
        int i = fw->nentries++;
        memcpy(fw->guid[i], h + 2, 16);
        fw->entry[i] = data + end - esize;
        fw->entry_len[i] = esize - HDR;
        end -= esize;
    }
    const uint8_t *meta = fw_entry(fw, "dc886566-984a-4798-a75e-5585a7bf67cc", 4);
    if (!meta)
        return 0;
    uint32_t from_end = le32(meta);
    if (from_end > size || from_end < 16)
        return -1;
    const uint8_t *m = data + size - from_end;
    if (memcmp(m, "ASEV", 4) != 0 || le32(m + 8) != 1)
        return -1;
    uint32_t n = le32(m + 12), total = le32(m + 4);
    if (n > MAX_SECTIONS || total > from_end || 16 + 12ull * n > total)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *d = m + 16 + 12 * (size_t)i;
        fw->sec[i] = (struct section){le32(d), le32(d + 4), le32(d + 8)};
    }
    fw->nsec = (int)n;
    return 0;
}

/* ---- VMSA register models of other hypervisors -------------------------- */

enum vmm { VMM_QEMU, VMM_EC2, VMM_EC2_RDX0, VMM_GCE };

static enum vmm vmm_of(const char *s)
{
    return strcmp(s, "ec2") == 0 ? VMM_EC2 : strcmp(s, "ec2-rdx0") == 0 ? VMM_EC2_RDX0
                                 : strcmp(s, "gce") == 0   ? VMM_GCE
                                                           : VMM_QEMU;
}

/* What every model below shares: KVM's reset values. */
static void vmsa_common(struct snp_vmsa *v, uint64_t features, uint64_t rdx)
{
    memset(v, 0, sizeof *v);
    v->gdtr = v->idtr = (struct snp_seg){0, 0, 0xffff, 0};
    v->ldtr = (struct snp_seg){0, 0x82, 0xffff, 0};
    v->tr = (struct snp_seg){0, 0x8b, 0xffff, 0};
    v->efer = 0x1000;
    v->cr4 = 0x40;
    v->dr7 = 0x400;
    v->dr6 = 0xffff0ff0;
    v->rflags = 2;
    v->g_pat = 0x0007040600070406ull;
    v->sev_features = features;
    v->rdx = rdx;
    v->xcr0 = 1;
}

/* The reset state (real mode, CS:IP at eip) as each VMM hands it to KVM. */
static void vmsa_reset(struct snp_vmsa *v, uint32_t eip, int bsp, enum vmm vmm, uint64_t features,
                       uint64_t vcpu_sig, int legacy_kvm_init)
{
    vmsa_common(v, features, 0);
    struct snp_seg data = {0, 0x93, 0xffff, 0};
    v->es = v->ds = v->fs = v->gs = v->ss = data;
    v->cs = (struct snp_seg){0xf000, 0x9b, 0xffff, eip & 0xffff0000u};
    v->cr0 = 0x10;
    v->rip = eip & 0xffff;
    switch (vmm) {
    case VMM_QEMU:
        v->rdx = vcpu_sig;
        if (!legacy_kvm_init) {
            v->mxcsr = 0x1f80;
            v->x87_fcw = 0x37f;
        }
        break;
    case VMM_EC2:
    case VMM_EC2_RDX0:
        v->cs.attrib = bsp ? 0x9a : 0x9b;
        v->ss.attrib = 0x92;
        v->tr.attrib = 0x83;
        v->rdx = vmm == VMM_EC2 ? 0x600 : 0;
        break;
    case VMM_GCE:
        v->g_pat = 0x00070106ull;
        v->rdx = 0x600;
        break;
    }
}

/* COCONUT-SVSM's vCPUs start in 32-bit protected mode at the SVSM's entry. */
static void vmsa_svsm(struct snp_vmsa *v, uint32_t eip, uint64_t vcpu_sig, uint32_t mxcsr, uint16_t fcw)
{
    vmsa_common(v, 1, vcpu_sig);
    struct snp_seg flat = {16, 0xc93, 0xffffffff, 0};
    v->es = v->ss = v->ds = v->fs = flat;
    v->cs = (struct snp_seg){8, 0xc9b, 0xffffffff, 0};
    v->gs = (struct snp_seg){0, 0x93, 0xffff, 0};
    v->cr0 = 0x11;
    v->rip = eip;
    v->mxcsr = mxcsr;
    v->x87_fcw = fcw;
}

static int ld_vmsa(struct snp_launch_digest *d, const struct snp_vmsa *v)
{
    uint8_t page[SNP_PAGE_SIZE];
    snp_vmsa_encode(v, page);
    return snp_ld_pages(d, SNP_VMSA_GPA, 1, SNP_PAGE_VMSA, page);
}

/* ---- QEMU's kernel-hashes page ------------------------------------------ */

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned int len = 32;
    EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

static void hashes_page(uint8_t page[SNP_PAGE_SIZE], size_t offset, const char *cmdline,
                        const file_contents *kernel, const file_contents *initrd)
{
    memset(page, 0, SNP_PAGE_SIZE);
    uint8_t *t = page + offset;
    guid_le("9438d606-4f22-4cc9-b479-a793d411fd21", t);
    t[16] = 168, t[17] = 0;
    struct {
        const char *guid;
        const uint8_t *data;
        size_t len;
    } e[3] = {
        {"97d02dd8-bd20-4c94-aa78-e7714d36ab2a", (const uint8_t *)cmdline, strlen(cmdline) + 1},
        {"44baf731-3a2f-4bd7-9af1-41e29169781d", initrd->data, initrd->size},
        {"4de79437-abd2-427f-b835-d5b172d2045b", kernel->data, kernel->size},
    };
    for (int i = 0; i < 3; i++) {
        uint8_t *p = t + 18 + 50 * (size_t)i;
        guid_le(e[i].guid, p);
        p[16] = 50, p[17] = 0;
        sha256(e[i].data ? e[i].data : (const uint8_t *)"", e[i].len, p + 18);
    }
}

/* ---- the OVMF launch (QEMU, EC2, GCE rules) ----------------------------- */

struct ovmf_case {
    const char *name;
    const struct fw_image *fw;
    enum vmm vmm;
    int vcpus, legacy;
    uint64_t features, vcpu_sig;
    const uint8_t *seed;          /* a precomputed "OVMF hash", or NULL */
    int has_kernel;
    const char *cmdline;
};

static int section_pages(struct snp_launch_digest *d, const struct section *s, enum snp_page_type type)
{
    return snp_ld_pages(d, s->gpa, (s->size + SNP_PAGE_SIZE - 1) / SNP_PAGE_SIZE, type, NULL);
}

static int ovmf_metadata(struct snp_launch_digest *d, const struct fw_image *fw, enum vmm vmm, int has_kernel,
                         const char *cmdline)
{
    const struct section *cpuid = NULL;
    file_contents empty = {(uint8_t *)"", 0, 0};
    for (int i = 0; i < fw->nsec; i++) {
        const struct section *s = &fw->sec[i];
        int rc = 0;
        switch (s->type) {
        case 1: /* SNP_SEC_MEM */
            rc = section_pages(d, s, vmm == VMM_GCE ? SNP_PAGE_UNMEASURED : SNP_PAGE_ZERO);
            break;
        case 2:
            rc = section_pages(d, s, SNP_PAGE_SECRETS);
            break;
        case 3:
            if (vmm == VMM_EC2 || vmm == VMM_EC2_RDX0)
                cpuid = s; /* EC2 measures the CPUID page after the others */
            else
                rc = section_pages(d, s, SNP_PAGE_CPUID);
            break;
        case 4: /* SVSM_CAA */
            rc = section_pages(d, s, SNP_PAGE_ZERO);
            break;
        case 0x10: /* SNP_KERNEL_HASHES */
            if (has_kernel) {
                const uint8_t *ht = fw_entry(fw, "7255371f-3a3b-4b04-927b-1da6efa8d454", 4);
                if (!ht)
                    return -1;
                uint8_t page[SNP_PAGE_SIZE];
                hashes_page(page, le32(ht) & 0xfff, cmdline ? cmdline : "", &empty, &empty);
                rc = snp_ld_pages(d, s->gpa, 1, SNP_PAGE_NORMAL, page);
            } else {
                rc = section_pages(d, s, SNP_PAGE_ZERO);
            }
            break;
        default:
            return -1;
        }
        if (rc < 0)
            return -1;
    }
    return cpuid ? section_pages(d, cpuid, SNP_PAGE_CPUID) : 0;
}

static int ovmf_launch(const struct ovmf_case *c, uint8_t out[48], uint8_t ovmf_hash[48])
{
    struct snp_launch_digest d;
    snp_ld_init(&d, c->seed);
    if (!c->seed && snp_ld_pages(&d, c->fw->gpa, c->fw->size / SNP_PAGE_SIZE, SNP_PAGE_NORMAL, c->fw->data) < 0)
        return -1;
    if (ovmf_hash)
        memcpy(ovmf_hash, d.ld, 48);
    if (ovmf_metadata(&d, c->fw, c->vmm, c->has_kernel, c->cmdline) < 0)
        return -1;
    const uint8_t *reset = fw_entry(c->fw, "00f771de-1a7e-4fcb-890e-68c77e2fb44e", 4);
    uint32_t ap_eip = reset ? le32(reset) : 0;
    for (int i = 0; i < c->vcpus; i++) {
        struct snp_vmsa v;
        vmsa_reset(&v, i == 0 ? 0xfffffff0u : ap_eip, i == 0, c->vmm, c->features, c->vcpu_sig, c->legacy);
        if (ld_vmsa(&d, &v) < 0)
            return -1;
    }
    memcpy(out, d.ld, 48);
    return 0;
}

static void sev_snp_measure_ovmf(void)
{
    json_t *cases = read_json("snp-sev-snp-measure-ovmf/cases.json");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *commit = json_string_value(json_object_get(c, "upstream_commit"));
        char label[512], rel[512];
        snprintf(label, sizeof label, "ovmf %s @%.7s", name, commit ? commit : "?");
        snprintf(rel, sizeof rel, "snp-sev-snp-measure-ovmf/%s", json_string_value(json_object_get(c, "firmware")));
        file_contents f;
        struct fw_image fw;
        if (read_vec(rel, &f) < 0) {
            result(0, "%s: firmware unreadable", label);
            continue;
        }
        if (fw_parse(&fw, f.data, f.size, 1ull << 32) < 0) {
            result(0, "%s: firmware table unreadable", label);
            file_contents_free(&f);
            continue;
        }
        uint8_t seed[48];
        const char *seed_hex = json_string_value(json_object_get(c, "seed_ovmf_hash"));
        json_t *kernel = json_object_get(c, "kernel");
        struct ovmf_case oc = {
            .name = name,
            .fw = &fw,
            .vmm = vmm_of(json_string_value(json_object_get(c, "vmm"))),
            .vcpus = (int)num(json_object_get(c, "vcpus")),
            .legacy = json_is_true(json_object_get(c, "legacy_kvm_init")),
            .features = num(json_object_get(c, "guest_features")),
            .vcpu_sig = num(json_object_get(c, "vcpu_sig")),
            .seed = seed_hex && unhex(seed_hex, seed, 48) == 0 ? seed : NULL,
            .has_kernel = kernel && !json_is_null(kernel),
            .cmdline = json_string_value(json_object_get(c, "cmdline")),
        };
        uint8_t got[48], ovmf_hash[48];
        if (ovmf_launch(&oc, got, ovmf_hash) < 0) {
            result(0, "%s: the launch could not be computed", label);
        } else {
            check_digest(label, got, json_string_value(json_object_get(c, "expected_launch_digest")));
            const char *oh = json_string_value(json_object_get(c, "expected_ovmf_hash"));
            if (oh) {
                char l2[600];
                snprintf(l2, sizeof l2, "%s: OVMF hash", label);
                check_digest(l2, ovmf_hash, oh);
            }
        }
        file_contents_free(&f);
    }
    json_decref(cases);
}

/* The VMSA pages the reference tool wrote, against this encoder. */
static void sev_snp_measure_vmsa_pages(void)
{
    static const struct {
        const char *file;
        enum vmm vmm;
        int bsp, legacy;
        uint64_t features, sig;
    } pages[] = {
        {"qemu_epyc-v4_feat0x21_bsp", VMM_QEMU, 1, 0, 0x21, 0x800f12},
        {"qemu_epyc-v4_feat0x21_ap", VMM_QEMU, 0, 0, 0x21, 0x800f12},
        {"qemu_epyc-v4_feat0x1_bsp", VMM_QEMU, 1, 0, 0x1, 0x800f12},
        {"qemu_epyc-v4_feat0x1_bsp_legacy-kvm-init", VMM_QEMU, 1, 1, 0x1, 0x800f12},
        {"ec2_feat0x1_bsp", VMM_EC2, 1, 0, 0x1, 0},
        {"ec2_feat0x1_ap", VMM_EC2, 0, 0, 0x1, 0},
        {"gce_feat0x1_bsp", VMM_GCE, 1, 0, 0x1, 0},
        {"gce_feat0x1_ap", VMM_GCE, 0, 0, 0x1, 0},
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "snp-sev-snp-measure-ovmf/vmsa/%s.bin", pages[i].file);
        file_contents f;
        if (read_vec(rel, &f) < 0 || f.size != SNP_PAGE_SIZE) {
            result(0, "vmsa page %s unreadable", pages[i].file);
            if (f.data)
                file_contents_free(&f);
            continue;
        }
        struct snp_vmsa v;
        vmsa_reset(&v, pages[i].bsp ? 0xfffffff0u : 0x80b004u, pages[i].bsp, pages[i].vmm, pages[i].features,
                   pages[i].sig, pages[i].legacy);
        uint8_t page[SNP_PAGE_SIZE];
        snp_vmsa_encode(&v, page);
        int ok = memcmp(page, f.data, SNP_PAGE_SIZE) == 0;
        result(ok, "vmsa page %s byte-exact", pages[i].file);
        for (size_t b = 0; !ok && b < SNP_PAGE_SIZE; b++)
            if (page[b] != f.data[b]) {
                printf("     first difference at 0x%zx: got %02x want %02x\n", b, page[b], f.data[b]);
                break;
            }
        file_contents_free(&f);
    }
}

/* ---- gce-tcb-verifier ---------------------------------------------------- */

static void gce_tcb_verifier(void)
{
    json_t *cases = read_json("snp-gce-tcb-verifier/cases.json");
    file_contents f;
    struct snp_launch_digest d;
    if (read_vec("snp-gce-tcb-verifier/update_data_3pages.bin", &f) == 0) {
        snp_ld_init(&d, NULL);
        snp_ld_pages(&d, 0, 3, SNP_PAGE_NORMAL, f.data);
        check_digest("gce TestUpdateData", d.ld, json_string_value(json_object_get(cases, "TestUpdateData")));
        file_contents_free(&f);
    } else {
        result(0, "gce TestUpdateData: input unreadable");
    }
    snp_ld_init(&d, NULL);
    snp_ld_pages(&d, 0x9000, 3, SNP_PAGE_ZERO, NULL);
    check_digest("gce TestZeroContentUpdateData", d.ld,
                 json_string_value(json_object_get(cases, "TestZeroContentUpdateData")));

    static const struct {
        const char *name, *fw, *key;
        int vcpus;
    } launches[] = {
        {"gce TestLaunchDigest", "fake_fw_4k.bin", "TestLaunchDigest", 1},
        {"gce TestUnsignedSnp (4 vCPUs)", "fake_fw_4k_notdx.bin", "TestUnsignedSnp_4vcpu", 4},
    };
    for (size_t i = 0; i < 2; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "snp-gce-tcb-verifier/%s", launches[i].fw);
        struct fw_image fw;
        if (read_vec(rel, &f) < 0 || fw_parse(&fw, f.data, f.size, 1ull << 32) < 0) {
            result(0, "%s: firmware unreadable", launches[i].name);
            file_contents_free(&f);
            continue;
        }
        struct ovmf_case c = {.name = launches[i].name, .fw = &fw, .vmm = VMM_GCE, .vcpus = launches[i].vcpus,
                              .features = 1};
        uint8_t got[48];
        if (ovmf_launch(&c, got, NULL) < 0)
            result(0, "%s: the launch could not be computed", launches[i].name);
        else
            check_digest(launches[i].name, got, json_string_value(json_object_get(cases, launches[i].key)));
        file_contents_free(&f);
    }
    /* The BSP VMSA that test spells out byte by byte. */
    if (read_vec("snp-gce-tcb-verifier/vmsa_bsp_gce.bin", &f) == 0) {
        struct snp_vmsa v;
        uint8_t page[SNP_PAGE_SIZE];
        vmsa_reset(&v, 0xfffffff0u, 1, VMM_GCE, 1, 0, 0);
        snp_vmsa_encode(&v, page);
        result(f.size == SNP_PAGE_SIZE && memcmp(page, f.data, SNP_PAGE_SIZE) == 0, "gce BSP VMSA byte-exact");
        file_contents_free(&f);
    }
    json_decref(cases);
}

/* ---- sev-snp-measure-go EC2 (seeded, metadata as JSON) ------------------- */

static void sev_snp_measure_go(void)
{
    json_t *cases = read_json("snp-sev-snp-measure-go-ec2/cases.json");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        char rel[256], label[256];
        snprintf(rel, sizeof rel, "snp-sev-snp-measure-go-ec2/%s",
                 json_string_value(json_object_get(c, "metadata_wrapper")));
        snprintf(label, sizeof label, "ec2 (sev-snp-measure-go) %s", json_string_value(json_object_get(c, "name")));
        json_t *w = read_json(rel);
        uint8_t seed[48];
        if (!w || unhex(json_string_value(json_object_get(w, "OVMFHash")), seed, 48) < 0) {
            result(0, "%s: wrapper unreadable", label);
            json_decref(w);
            continue;
        }
        struct fw_image fw;
        memset(&fw, 0, sizeof fw);
        size_t k;
        json_t *item;
        json_array_foreach(json_object_get(w, "MetadataItems"), k, item)
        {
            if (fw.nsec < MAX_SECTIONS)
                fw.sec[fw.nsec++] = (struct section){(uint32_t)num(json_object_get(item, "GPA")),
                                                     (uint32_t)num(json_object_get(item, "Size")),
                                                     (uint32_t)num(json_object_get(item, "SectionTypeInt"))};
        }
        struct snp_launch_digest d;
        snp_ld_init(&d, seed);
        int rc = ovmf_metadata(&d, &fw, VMM_EC2_RDX0, 0, NULL);
        uint32_t ap = (uint32_t)num(json_object_get(w, "ResetEIP"));
        for (int v = 0; rc == 0 && v < (int)num(json_object_get(c, "vcpus")); v++) {
            struct snp_vmsa vm;
            vmsa_reset(&vm, v == 0 ? 0xfffffff0u : ap, v == 0, VMM_EC2_RDX0, num(json_object_get(c, "guest_features")),
                       0, 0);
            rc = ld_vmsa(&d, &vm);
        }
        if (rc < 0)
            result(0, "%s: the launch could not be computed", label);
        else
            check_digest(label, d.ld, json_string_value(json_object_get(c, "expected_launch_digest")));
        json_decref(w);
    }
    json_decref(cases);
}

/* ---- COCONUT-SVSM --------------------------------------------------------- */

static void svsm(void)
{
    json_t *cases = read_json("snp-sev-snp-measure-svsm/cases.json");
    file_contents ovmf_f, svsm_f;
    if (read_vec("snp-sev-snp-measure-svsm/svsm_ovmf.fd", &ovmf_f) < 0) {
        result(0, "svsm: OVMF image unreadable");
        json_decref(cases);
        return;
    }
    if (read_vec("snp-sev-snp-measure-svsm/svsm.bin", &svsm_f) < 0) {
        result(0, "svsm: SVSM image unreadable");
        file_contents_free(&ovmf_f);
        json_decref(cases);
        return;
    }
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        char label[512];
        snprintf(label, sizeof label, "svsm %s", name);
        struct fw_image ovmf, sv;
        if (fw_parse(&ovmf, ovmf_f.data, ovmf_f.size, 1ull << 32) < 0 ||
            fw_parse(&sv, svsm_f.data, svsm_f.size, ovmf.gpa - num(json_object_get(c, "ovmf_vars_size"))) < 0) {
            result(0, "%s: images unreadable", label);
            continue;
        }
        const uint8_t *info = fw_entry(&sv, "a789a612-0597-4c4b-a49f-cbb1fe9d1ddd", 4);
        struct snp_launch_digest d;
        snp_ld_init(&d, NULL);
        int rc = info ? 0 : -1;
        if (rc == 0)
            rc = snp_ld_pages(&d, ovmf.gpa, ovmf.size / SNP_PAGE_SIZE, SNP_PAGE_NORMAL, ovmf.data);
        if (rc == 0)
            rc = snp_ld_pages(&d, sv.gpa, sv.size / SNP_PAGE_SIZE, SNP_PAGE_NORMAL, sv.data);
        if (rc == 0)
            rc = ovmf_metadata(&d, &sv, VMM_QEMU, 0, NULL);
        for (int v = 0; rc == 0 && v < (int)num(json_object_get(c, "vcpus")); v++) {
            struct snp_vmsa vm;
            vmsa_svsm(&vm, (uint32_t)(le32(info) + sv.gpa), num(json_object_get(c, "vcpu_sig")),
                      (uint32_t)num(json_object_get(c, "vmsa_mxcsr")), (uint16_t)num(json_object_get(c, "vmsa_x87_fcw")));
            rc = ld_vmsa(&d, &vm);
        }
        if (rc < 0)
            result(0, "%s: the launch could not be computed", label);
        else
            check_digest(label, d.ld, json_string_value(json_object_get(c, "expected_launch_digest")));
    }
    file_contents_free(&ovmf_f);
    file_contents_free(&svsm_f);
    json_decref(cases);
}

/* ---- the synthetic Keep-like layout -------------------------------------- */

static void synthetic_keep(void)
{
    json_t *s = read_json("snp-synthetic-keep/steps.json");
    file_contents img;
    if (!s || read_vec("snp-synthetic-keep/image.bin", &img) < 0) {
        result(0, "synthetic keep: inputs unreadable");
        json_decref(s);
        return;
    }
    struct snp_launch_digest d;
    snp_ld_init(&d, NULL);
    size_t i;
    json_t *st;
    int rc = 0;
    json_array_foreach(json_object_get(s, "steps"), i, st)
    {
        const char *op = json_string_value(json_object_get(st, "op"));
        uint64_t gpa = num(json_object_get(st, "gpa")), n = num(json_object_get(st, "pages"));
        if (strcmp(op, "NORMAL") == 0) {
            uint64_t off = num(json_object_get(st, "image_offset"));
            if (off > img.size || n > (img.size - off) / SNP_PAGE_SIZE)
                rc = -1;
            else
                rc |= snp_ld_pages(&d, gpa, n, SNP_PAGE_NORMAL, img.data + off);
        } else if (strcmp(op, "VMSA_DIGEST") == 0) {
            uint8_t contents[48];
            rc |= unhex(json_string_value(json_object_get(st, "contents_sha384")), contents, 48);
            rc |= snp_ld_page_contents(&d, gpa, SNP_PAGE_VMSA, contents);
        } else {
            enum snp_page_type t = strcmp(op, "ZERO") == 0         ? SNP_PAGE_ZERO
                                   : strcmp(op, "UNMEASURED") == 0 ? SNP_PAGE_UNMEASURED
                                   : strcmp(op, "SECRETS") == 0    ? SNP_PAGE_SECRETS
                                                                   : SNP_PAGE_CPUID;
            rc |= snp_ld_pages(&d, gpa, n, t, NULL);
        }
    }
    if (rc)
        result(0, "synthetic keep: a step could not be computed");
    else
        check_digest("synthetic keep (all page types)", d.ld,
                     json_string_value(json_object_get(s, "expected_launch_digest")));
    file_contents_free(&img);
    json_decref(s);
}

/* ---- ID blocks, key digests, ID_AUTH ------------------------------------- */

static void check_bytes(const char *name, const uint8_t *got, const uint8_t *want, size_t n)
{
    int ok = memcmp(got, want, n) == 0;
    result(ok, "%s", name);
    for (size_t b = 0; !ok && b < n; b++)
        if (got[b] != want[b]) {
            printf("     first difference at 0x%zx: got %02x want %02x\n", b, got[b], want[b]);
            break;
        }
}

static int key_digest_of(const char *rel, uint8_t out[48])
{
    char path[8192], err[512];
    snprintf(path, sizeof path, "%s/%s", vdir, rel);
    struct evp_pkey_st *k;
    if (snp_key_load(path, 0, &k, err, sizeof err) < 0) {
        printf("     %s\n", err);
        return -1;
    }
    int rc = snp_key_digest(k, out, err, sizeof err);
    EVP_PKEY_free(k);
    return rc;
}

static void id_block_vectors(void)
{
    /* sev-snp-measure: ID block bytes and key digests (base64). */
    json_t *e = read_json("snp-idblock-sev-snp-measure/expected.json");
    struct snp_id_block b = {.version = 1, .policy = 0x30000};
    uint8_t blk[96], want[96], dg[48], want_dg[48];
    if (unb64(json_string_value(json_object_get(e, "launch_digest_b64")), b.ld, 48) == 0 &&
        unb64(json_string_value(json_object_get(e, "id_block_b64")), want, 96) == 0) {
        snp_id_block_encode(&b, blk);
        check_bytes("id block (sev-snp-measure)", blk, want, 96);
    } else {
        result(0, "id block (sev-snp-measure): expected values unreadable");
    }
    int ok = key_digest_of("snp-idblock-sev-snp-measure/id_key_test.pem", dg) == 0 &&
             unb64(json_string_value(json_object_get(e, "id_key_digest_b64")), want_dg, 48) == 0;
    result(ok && memcmp(dg, want_dg, 48) == 0, "id key digest (sev-snp-measure)");
    ok = key_digest_of("snp-idblock-sev-snp-measure/author_key_test.pem", dg) == 0 &&
         unb64(json_string_value(json_object_get(e, "author_key_digest_b64")), want_dg, 48) == 0;
    result(ok && memcmp(dg, want_dg, 48) == 0, "author key digest (sev-snp-measure)");
    json_decref(e);

    /* virtee/sev: ID block, key digests, and a full ID_AUTH from canned signatures. */
    e = read_json("snp-idblock-virtee-sev/expected.json");
    memset(&b, 0, sizeof b);
    b.version = 1;
    b.policy = 0x30000;
    if (unhex(json_string_value(json_object_get(e, "launch_digest_hex")), b.ld, 48) == 0 &&
        unb64(json_string_value(json_object_get(e, "id_block_b64")), want, 96) == 0) {
        snp_id_block_encode(&b, blk);
        check_bytes("id block (virtee/sev)", blk, want, 96);
    } else {
        result(0, "id block (virtee/sev): expected values unreadable");
    }
    ok = key_digest_of("snp-idblock-virtee-sev/test_id_key.pem", dg) == 0 &&
         unb64(json_string_value(json_object_get(e, "id_key_digest_b64")), want_dg, 48) == 0;
    result(ok && memcmp(dg, want_dg, 48) == 0, "id key digest (virtee/sev)");
    ok = key_digest_of("snp-idblock-virtee-sev/test_auth_key.pem", dg) == 0 &&
         unb64(json_string_value(json_object_get(e, "author_key_digest_b64")), want_dg, 48) == 0;
    result(ok && memcmp(dg, want_dg, 48) == 0, "author key digest (virtee/sev)");
    file_contents auth, idsig, ausig;
    if (read_vec("snp-idblock-virtee-sev/test_auth_block.bin", &auth) == 0 &&
        read_vec("snp-idblock-virtee-sev/test_id_sig.bin", &idsig) == 0 &&
        read_vec("snp-idblock-virtee-sev/test_auth_sig.bin", &ausig) == 0 && auth.size == SNP_ID_AUTH_SIZE &&
        idsig.size == SNP_SIG_SIZE && ausig.size == SNP_SIG_SIZE) {
        /* The layout: the canned signatures and the keys at their offsets. */
        uint8_t built[SNP_ID_AUTH_SIZE] = {0};
        built[0] = 1, built[4] = 1;
        memcpy(built + SNP_ID_AUTH_BLOCK_SIG, idsig.data, SNP_SIG_SIZE);
        memcpy(built + SNP_ID_AUTH_ID_KEY_SIG, ausig.data, SNP_SIG_SIZE);
        char path[8192], err[512];
        struct evp_pkey_st *idk = NULL, *auk = NULL;
        snprintf(path, sizeof path, "%s/snp-idblock-virtee-sev/test_id_key.pem", vdir);
        int kok = snp_key_load(path, 0, &idk, err, sizeof err) == 0 &&
                  snp_key_public(idk, built + SNP_ID_AUTH_ID_KEY, err, sizeof err) == 0;
        snprintf(path, sizeof path, "%s/snp-idblock-virtee-sev/test_auth_key.pem", vdir);
        kok = kok && snp_key_load(path, 0, &auk, err, sizeof err) == 0 &&
              snp_key_public(auk, built + SNP_ID_AUTH_AUTHOR_KEY, err, sizeof err) == 0;
        if (kok)
            check_bytes("id auth layout (virtee/sev)", built, auth.data, SNP_ID_AUTH_SIZE);
        else
            result(0, "id auth layout (virtee/sev): %s", err);
        /* The canned signatures verify, and damaged ones do not. */
        result(snp_sig_verify(auth.data + SNP_ID_AUTH_ID_KEY, want, 96, auth.data + SNP_ID_AUTH_BLOCK_SIG) == 1,
               "id block signature verifies (virtee/sev)");
        result(snp_sig_verify(auth.data + SNP_ID_AUTH_AUTHOR_KEY, auth.data + SNP_ID_AUTH_ID_KEY, SNP_PUBKEY_SIZE,
                          auth.data + SNP_ID_AUTH_ID_KEY_SIG) == 1,
               "id key signature verifies (virtee/sev)");
        want[0] ^= 1;
        result(snp_sig_verify(auth.data + SNP_ID_AUTH_ID_KEY, want, 96, auth.data + SNP_ID_AUTH_BLOCK_SIG) == 0,
               "a changed id block does not verify");
        EVP_PKEY_free(idk);
        EVP_PKEY_free(auk);
    } else {
        result(0, "id auth (virtee/sev): inputs unreadable");
    }
    file_contents_free(&auth);
    file_contents_free(&idsig);
    file_contents_free(&ausig);
    json_decref(e);

    /* enarx: RFC 6979 signatures make ID_AUTH byte-reproducible. */
    e = read_json("snp-idblock-enarx/expected.json");
    ok = key_digest_of("snp-idblock-enarx/sev-id.key", dg) == 0 &&
         unhex(json_string_value(json_object_get(e, "id_key_digest_hex")), want_dg, 48) == 0;
    result(ok && memcmp(dg, want_dg, 48) == 0, "id key digest (enarx)");
    ok = key_digest_of("snp-idblock-enarx/sev-author.key", dg) == 0 &&
         unhex(json_string_value(json_object_get(e, "author_key_digest_hex")), want_dg, 48) == 0;
    result(ok && memcmp(dg, want_dg, 48) == 0, "author key digest (enarx)");
    file_contents in, out, blob;
    if (read_vec("snp-idblock-enarx/id_block_in.bin", &in) == 0 &&
        read_vec("snp-idblock-enarx/id_auth_expected.bin", &out) == 0 &&
        read_vec("snp-idblock-enarx/sev-id-key-signature.blob", &blob) == 0 && in.size == 96 &&
        out.size == SNP_ID_AUTH_SIZE && blob.size == SNP_ID_KEY_SIG_BLOB_SIZE) {
        char path[8192], err[512];
        struct evp_pkey_st *idk = NULL, *auk = NULL;
        snprintf(path, sizeof path, "%s/snp-idblock-enarx/sev-id.key", vdir);
        int kok = snp_key_load(path, 1, &idk, err, sizeof err) == 0;
        snprintf(path, sizeof path, "%s/snp-idblock-enarx/sev-author.key", vdir);
        kok = kok && snp_key_load(path, 1, &auk, err, sizeof err) == 0;
        uint8_t myblob[SNP_ID_KEY_SIG_BLOB_SIZE], id_auth[SNP_ID_AUTH_SIZE];
        if (kok && snp_id_key_sign(auk, idk, myblob, err, sizeof err) == 0)
            check_bytes("id key signature blob byte-exact (enarx key sev sign)", myblob, blob.data,
                        SNP_ID_KEY_SIG_BLOB_SIZE);
        else
            result(0, "id key signature blob (enarx): %s", err);
        if (kok && snp_id_auth_build(in.data, idk, blob.data, id_auth, err, sizeof err) == 0)
            check_bytes("id auth byte-exact (enarx sign, RFC 6979)", id_auth, out.data, SNP_ID_AUTH_SIZE);
        else
            result(0, "id auth (enarx): %s", err);
        /* A blob made for another ID key is refused. */
        result(kok && snp_id_auth_build(in.data, auk, blob.data, id_auth, err, sizeof err) < 0 &&
                   strstr(err, "another ID key") != NULL,
               "an author signature over another ID key is refused");
        EVP_PKEY_free(idk);
        EVP_PKEY_free(auk);
    } else {
        result(0, "id auth (enarx): inputs unreadable");
    }
    file_contents_free(&in);
    file_contents_free(&out);
    file_contents_free(&blob);
    json_decref(e);
}

int main(void)
{
    const char *shared = getenv("SHARED_DIR");
    snprintf(vdir, sizeof vdir, "%s/measurement-vectors", shared && *shared ? shared : "../shared");
    char probe[8192];
    snprintf(probe, sizeof probe, "%s/README.md", vdir);
    FILE *f = fopen(probe, "r");
    if (!f) {
        printf("skipped: the measurement vectors (%s) are absent\n", vdir);
        printf("0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    fclose(f);
    gce_tcb_verifier();
    sev_snp_measure_ovmf();
    sev_snp_measure_vmsa_pages();
    sev_snp_measure_go();
    svsm();
    synthetic_keep();
    id_block_vectors();
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
