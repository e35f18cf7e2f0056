/* The model's secure processor, behind KVM_MEMORY_ENCRYPT_OP: the SNP guest
 * context, SNP_LAUNCH_START/UPDATE/FINISH as the firmware ABI (pub. 56860)
 * and Linux's KVM describe them, the launch digest, the VMSA KVM hands the
 * firmware, the CPUID check and the ID block check. Written from the specs,
 * independently of the project's calculator (src/snp): own PAGE_INFO
 * layout, own VMSA construction from the registers as KVM's SVM code keeps
 * them. Test-only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "backend/sev/uapi.h"
#include "model_internal.h"

/* ---- the digest: PAGE_INFO as the firmware hashes it ---- */

struct __attribute__((packed)) page_info {
    uint8_t digest_cur[48];
    uint8_t contents[48];
    uint16_t length;
    uint8_t page_type;
    uint8_t imi_page;
    uint8_t vmpl3_perms, vmpl2_perms, vmpl1_perms;
    uint8_t reserved;
    uint64_t gpa;
};
_Static_assert(sizeof(struct page_info) == 112, "PAGE_INFO is 112 bytes");

static void measure(struct snp_model *m, uint64_t gpa, uint8_t type, const uint8_t *page)
{
    struct page_info pi;
    memset(&pi, 0, sizeof pi);
    memcpy(pi.digest_cur, m->launch.measurement, 48);
    unsigned int n = 48;
    if (type == 1 || type == 2) /* NORMAL and VMSA: the page's hash; the rest: zeros */
        EVP_Digest(page, M_PAGE, pi.contents, &n, EVP_sha384(), NULL);
    pi.length = sizeof pi; /* little-endian host */
    pi.page_type = type;
    pi.gpa = gpa;
    EVP_Digest(&pi, sizeof pi, m->launch.measurement, &n, EVP_sha384(), NULL);
    m->launch.pages++;
}

/* ---- the VMSA KVM builds from the vCPU (sev_es_sync_vmsa) ---- */

static void seg(uint8_t *p, const struct kvm_segment *s)
{
    /* svm_set_segment's packing; an unusable segment is not present. */
    uint16_t attrib = (uint16_t)((s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
                                 ((s->present & 1) && !s->unusable) << 7 | (s->avl & 1) << 8 | (s->l & 1) << 9 |
                                 (s->db & 1) << 10 | (s->g & 1) << 11);
    memcpy(p, &s->selector, 2);
    memcpy(p + 2, &attrib, 2);
    memcpy(p + 4, &s->limit, 4);
    memcpy(p + 8, &s->base, 8);
}

static void dtable(uint8_t *p, const struct kvm_dtable *d)
{
    uint32_t limit = d->limit;
    memset(p, 0, 16);
    memcpy(p + 4, &limit, 4);
    memcpy(p + 8, &d->base, 8);
}

#define PUT64(off, v)                                                                                              \
    do {                                                                                                           \
        uint64_t v_ = (v);                                                                                         \
        memcpy(page + (off), &v_, 8);                                                                              \
    } while (0)

void m_vmsa(const struct snp_model *m, const struct m_vcpu *v, uint8_t page[M_PAGE])
{
    const struct kvm_sregs *s = &v->sregs;
    const struct kvm_regs *r = &v->regs;
    memset(page, 0, M_PAGE);
    const struct kvm_segment *segs[] = {&s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs};
    for (int i = 0; i < 6; i++)
        seg(page + 16 * (size_t)i, segs[i]);
    dtable(page + 0x60, &s->gdt);
    seg(page + 0x70, &s->ldt);
    dtable(page + 0x80, &s->idt);
    seg(page + 0x90, &s->tr);
    page[0xcb] = s->ss.dpl & 3;                              /* CPL follows SS */
    PUT64(0xd0, s->efer | 0x1000);                           /* EFER.SVME */
    PUT64(0x148, s->cr4 | (m->cfg.host_mce ? 0x40 : 0));     /* the host's MCE */
    PUT64(0x150, s->cr3);
    PUT64(0x158, s->cr0 & ~0x60000000ull);                   /* the CD/NW quirk */
    PUT64(0x160, 0x400);
    PUT64(0x168, 0xffff0ff0);
    PUT64(0x170, r->rflags | 2);
    PUT64(0x178, r->rip);
    PUT64(0x1d8, r->rsp);
    PUT64(0x1f8, r->rax);
    PUT64(0x200, v->star);
    PUT64(0x208, v->lstar);
    PUT64(0x210, v->cstar);
    PUT64(0x218, v->sfmask);
    PUT64(0x220, v->kernel_gs_base);
    PUT64(0x268, v->pat);
    const uint64_t gprs[] = {r->rcx, r->rdx, r->rbx, 0, r->rbp, r->rsi, r->rdi, r->r8,
                             r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};
    for (int i = 0; i < 15; i++)
        PUT64(0x308 + 8 * i, gprs[i]);
    PUT64(0x3b0, m->vmsa_features);
    PUT64(0x3e8, v->xcr0);
    uint32_t mxcsr = 0x1f80;  /* the vCPU's reset FPU state, copied for KVM_SEV_INIT2 VMs */
    uint16_t fcw = 0x37f;
    memcpy(page + 0x408, &mxcsr, 4);
    memcpy(page + 0x410, &fcw, 2);
}

/* ---- ID block and ID_AUTH ---- */

static EVP_PKEY *public_key(const uint8_t key[0x404])
{
    uint32_t curve;
    memcpy(&curve, key, 4);
    if (curve != 2)
        return NULL;
    uint8_t point[97];
    point[0] = 4;
    for (int i = 0; i < 48; i++) { /* the firmware's little-endian coordinates */
        point[1 + i] = key[4 + 47 - i];
        point[49 + i] = key[4 + 0x48 + 47 - i];
    }
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    if (b && ctx && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) &&
        (params = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(ctx) > 0)
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(ctx);
    return k;
}

static int signature_ok(const uint8_t key[0x404], const uint8_t *msg, size_t len, const uint8_t sig[0x200])
{
    uint8_t rb[48], sb[48];
    for (int i = 0; i < 48; i++) {
        rb[i] = sig[47 - i];
        sb[i] = sig[0x48 + 47 - i];
    }
    EVP_PKEY *k = public_key(key);
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rb, 48, NULL), *s = BN_bin2bn(sb, 48, NULL);
    unsigned char *der = NULL;
    int ok = 0, len_der = -1;
    if (k && es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL;
        len_der = i2d_ECDSA_SIG(es, &der);
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (len_der > 0 && md && EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, k) == 1)
        ok = EVP_DigestVerify(md, der, (size_t)len_der, msg, len) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    EVP_PKEY_free(k);
    return ok;
}

/* SNP_LAUNCH_FINISH's checks of ID_BLOCK/ID_AUTH; a firmware status. */
static uint32_t check_id(struct snp_model *m, const uint8_t *blk, const uint8_t *auth, int author)
{
    uint32_t id_algo, au_algo, version;
    uint64_t policy;
    memcpy(&id_algo, auth, 4);
    memcpy(&au_algo, auth + 4, 4);
    memcpy(&version, blk + 0x50, 4);
    memcpy(&policy, blk + 0x58, 8);
    if (id_algo != 1 || (author && au_algo != 1) || version != 1)
        return 0x16; /* INVALID_PARAM */
    if (!signature_ok(auth + 0x240, blk, 96, auth + 0x40))
        return 0x0a; /* BAD_SIGNATURE */
    if (author && !signature_ok(auth + 0x880, auth + 0x240, 0x404, auth + 0x680))
        return 0x0a;
    if (memcmp(blk, m->launch.measurement, 48) != 0)
        return 0x0b; /* BAD_MEASUREMENT */
    if (policy != m->launch.policy)
        return 0x07; /* POLICY_FAILURE */
    unsigned int n = 48;
    EVP_Digest(auth + 0x240, 0x404, m->launch.id_key_digest, &n, EVP_sha384(), NULL);
    if (author)
        EVP_Digest(auth + 0x880, 0x404, m->launch.author_key_digest, &n, EVP_sha384(), NULL);
    memcpy(m->launch.family_id, blk + 0x30, 16);
    memcpy(m->launch.image_id, blk + 0x40, 16);
    memcpy(&m->launch.guest_svn, blk + 0x54, 4);
    m->launch.id_block_en = 1;
    m->launch.author_key_en = author;
    return 0;
}

/* ---- the CPUID page ---- */

/* The firmware's check, played: the count and reserved fields, the ranges,
 * and (as configured) corrections of the first entries with features. */
static uint32_t check_cpuid(struct snp_model *m, uint8_t *page)
{
    uint32_t count;
    memcpy(&count, page, 4);
    if (count > 64)
        return 0x16;
    int refuse = m->cfg.cpuid_refuse_always || (m->cfg.cpuid_fixups && m->launch.cpuid_attempts == 1);
    unsigned fixed = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *e = page + 16 + 48 * (size_t)i;
        uint32_t leaf, ebx;
        memcpy(&leaf, e, 4);
        if (!(leaf <= 0xffff || (leaf >= 0x80000000u && leaf <= 0x8000ffffu)))
            return 0x16;
        memcpy(&ebx, e + 28, 4);
        if (refuse && fixed < m->cfg.cpuid_fixups && ebx) {
            ebx &= ~1u; /* "the hardware does not have this" */
            memcpy(e + 28, &ebx, 4);
            fixed++;
        }
    }
    return refuse ? 0x16 : 0;
}

/* ---- the commands ---- */

static long launch_update(struct snp_model *m, struct sev_kvm_snp_launch_update *u, uint32_t *fw)
{
    if (m->state != L_STARTED)
        return m_error(m, "SNP_LAUNCH_UPDATE %s", m->state == L_FINISHED ? "after SNP_LAUNCH_FINISH"
                                                                        : "before SNP_LAUNCH_START"), -EINVAL;
    if (!m->slot_set)
        return m_error(m, "SNP_LAUNCH_UPDATE without a private memslot"), -EINVAL;
    if (u->flags || u->pad0 || u->pad1 || !m_all_zero(u->pad2, sizeof u->pad2) || !u->len || u->len % M_PAGE ||
        !(u->type == 1 || (u->type >= 3 && u->type <= 6)))
        return m_error(m, "SNP_LAUNCH_UPDATE refused (type %u, len %#llx)", u->type, (unsigned long long)u->len),
               -EINVAL;
    uint64_t npages = u->len / M_PAGE;
    if (u->gfn_start > m->gmem_size / M_PAGE || npages > m->gmem_size / M_PAGE - u->gfn_start)
        return m_error(m, "SNP_LAUNCH_UPDATE outside guest memory"), -EINVAL;
    if (u->type != 3 && (u->uaddr % M_PAGE || !m_user_range(m, u->uaddr, u->len)))
        return m_error(m, "SNP_LAUNCH_UPDATE from %#llx, not page-aligned memory of the VMM",
                       (unsigned long long)u->uaddr), -EFAULT;
    uint64_t chunk = m->cfg.update_chunk && npages > m->cfg.update_chunk ? m->cfg.update_chunk : npages;
    for (uint64_t i = 0; i < chunk; i++) {
        uint64_t gfn = u->gfn_start + i;
        if (!m->attr[gfn])
            return m_error(m, "SNP_LAUNCH_UPDATE of GPA %#llx, which is not private",
                           (unsigned long long)gfn * M_PAGE), -EINVAL;
        if (m->populated[gfn])
            return m_error(m, "SNP_LAUNCH_UPDATE of GPA %#llx a second time", (unsigned long long)gfn * M_PAGE),
                   -EEXIST;
    }
    for (uint64_t i = 0; i < chunk; i++) {
        uint64_t gfn = u->gfn_start + i, gpa = gfn * M_PAGE;
        uint8_t *src = u->type == 3 ? NULL : (uint8_t *)(uintptr_t)(u->uaddr + i * M_PAGE);
        uint8_t *dst = m->priv + gpa;
        switch (u->type) {
        case 6: {
            m->launch.cpuid_attempts++;
            uint8_t copy[M_PAGE];
            memcpy(copy, src, M_PAGE);
            uint32_t st = check_cpuid(m, copy);
            if (st) {
                memcpy(src, copy, M_PAGE); /* Linux copies the firmware's page back */
                *fw = st;
                return -EIO;
            }
            memcpy(dst, copy, M_PAGE);
            break;
        }
        case 5: { /* the firmware writes the secrets page */
            uint8_t seed[8] = {'v', 'm', 'p', 'c', 'k'};
            memset(dst, 0, M_PAGE);
            uint32_t version = 3;
            memcpy(dst, &version, 4);
            for (int k = 0; k < 4; k++) {
                seed[7] = (uint8_t)k;
                unsigned int n = 32;
                EVP_Digest(seed, sizeof seed, m->launch.vmpck[k], &n, EVP_sha256(), NULL);
                memcpy(dst + 0x20 + 32 * (size_t)k, m->launch.vmpck[k], 32);
            }
            break;
        }
        case 3:
            memset(dst, 0, M_PAGE);
            break;
        default:
            memcpy(dst, src, M_PAGE);
        }
        m->populated[gfn] = 1;
        measure(m, gpa, u->type, dst);
    }
    u->gfn_start += chunk;
    if (u->type != 3)
        u->uaddr += chunk * M_PAGE;
    u->len -= chunk * M_PAGE;
    return 0;
}

static long launch_finish(struct snp_model *m, const struct sev_kvm_snp_launch_finish *f, uint32_t *fw)
{
    if (m->state != L_STARTED)
        return m_error(m, "SNP_LAUNCH_FINISH %s", m->state == L_FINISHED ? "twice" : "before SNP_LAUNCH_START"),
               -EINVAL;
    if (f->flags || !m_all_zero(f->pad0, sizeof f->pad0) || !m_all_zero(f->pad1, sizeof f->pad1))
        return m_error(m, "SNP_LAUNCH_FINISH with non-zero padding"), -EINVAL;
    /* KVM encrypts and measures every vCPU's VMSA first, in order. */
    for (int i = 0; i < m->nvcpus; i++) {
        uint8_t page[M_PAGE];
        m_vmsa(m, &m->vcpus[i], page);
        measure(m, 0xfffffffff000ull, 2, page);
    }
    m->launch.vcpus = (unsigned)m->nvcpus;
    if (f->id_block_en) {
        if (!f->id_block_uaddr || !f->id_auth_uaddr)
            return m_error(m, "SNP_LAUNCH_FINISH with an ID block but no address for it"), -EFAULT;
        uint32_t st = check_id(m, (const uint8_t *)(uintptr_t)f->id_block_uaddr,
                               (const uint8_t *)(uintptr_t)f->id_auth_uaddr, f->auth_key_en);
        if (st) {
            *fw = st;
            return -EIO;
        }
    }
    memcpy(m->launch.host_data, f->host_data, 32);
    m->state = L_FINISHED;
    m->launch.finished = 1;
    return 0;
}

long m_psp_command(struct snp_model *m, void *arg)
{
    struct sev_kvm_cmd *c = arg;
    int sev_ok = c->sev_fd >= 1000 && c->sev_fd < 1064 && m->fds[c->sev_fd - 1000].kind == FD_SEV;
    c->error = 0;
    switch (c->id) {
    case SEV_KVM_SEV_INIT2: {
        const struct sev_kvm_init *i = (const void *)(uintptr_t)c->data;
        if (m->state != L_NONE || m->nvcpus)
            return m_error(m, "KVM_SEV_INIT2 %s", m->nvcpus ? "after a vCPU exists" : "twice"), -EINVAL;
        if (i->flags || i->pad1 || !m_all_zero(i->pad2, sizeof i->pad2) || (i->vmsa_features & ~(1ull << 5)) ||
            i->ghcb_version > 2)
            return m_error(m, "KVM_SEV_INIT2 refused (features %#llx, GHCB version %u)",
                           (unsigned long long)i->vmsa_features, i->ghcb_version), -EINVAL;
        m->vmsa_features = i->vmsa_features | 1; /* KVM adds SNPActive */
        m->launch.sev_features = m->vmsa_features;
        m->state = L_INIT;
        return 0;
    }
    case SEV_KVM_SNP_LAUNCH_START: {
        const struct sev_kvm_snp_launch_start *s = (const void *)(uintptr_t)c->data;
        if (m->state != L_INIT || !sev_ok)
            return m_error(m, "SNP_LAUNCH_START %s", !sev_ok ? "without /dev/sev" : "out of order"), -EINVAL;
        const uint64_t valid = 0xffffull | (1ull << 16) | (1ull << 17) | (1ull << 19) | (1ull << 20);
        if (s->flags || !m_all_zero(s->pad0, sizeof s->pad0) || !m_all_zero(s->pad1, sizeof s->pad1) ||
            (s->policy & ~valid) || !(s->policy & (1ull << 16)))
            return m_error(m, "SNP_LAUNCH_START refused (policy %#llx)", (unsigned long long)s->policy), -EINVAL;
        unsigned major = (unsigned)(s->policy >> 8) & 0xff, minor = (unsigned)s->policy & 0xff;
        if (major > m->cfg.fw_major || (major == m->cfg.fw_major && minor > m->cfg.fw_minor) ||
            (m->cfg.host_smt && !(s->policy & (1ull << 17)))) {
            c->error = 0x07; /* POLICY_FAILURE */
            return -EIO;
        }
        m->launch.policy = s->policy;
        m->launch.started = 1;
        memset(m->launch.measurement, 0, 48);
        m->state = L_STARTED;
        return 0;
    }
    case SEV_KVM_SNP_LAUNCH_UPDATE:
        if (!sev_ok)
            return m_error(m, "SNP_LAUNCH_UPDATE without /dev/sev"), -EBADF;
        return launch_update(m, (void *)(uintptr_t)c->data, &c->error);
    case SEV_KVM_SNP_LAUNCH_FINISH:
        if (!sev_ok)
            return m_error(m, "SNP_LAUNCH_FINISH without /dev/sev"), -EBADF;
        return launch_finish(m, (const void *)(uintptr_t)c->data, &c->error);
    case SEV_KVM_SNP_ENABLE_REQ_CERTS:
        if (!m->cfg.req_certs)
            return m_error(m, "KVM_SEV_SNP_ENABLE_REQ_CERTS on a kernel that does not offer it"), -ENOTTY;
        if (m->ran || m->state == L_NONE)
            return m_error(m, "KVM_SEV_SNP_ENABLE_REQ_CERTS after a vCPU ran or before KVM_SEV_INIT2"), -EINVAL;
        m->certs_enabled = 1;
        return 0;
    default:
        return m_error(m, "KVM_MEMORY_ENCRYPT_OP command %u, which the VMM has no reason to send", c->id), -EINVAL;
    }
}
