/* enarx key sev (create, digest, sign) and enarx sign: the SEV-SNP keys that
 * sign a Keep's ID block, so that a policy can pin the signer (its
 * AUTHOR_KEY_DIGEST or ID_KEY_DIGEST) instead of one launch digest — as
 * upstream Enarx's commands of the same names (docs/snp.md).
 *
 *   enarx key sev create --out author.pem       an author key (and an ID key)
 *   enarx key sev sign --author-key author.pem --id-key id.pem --out id.sig
 *   enarx sign --sev-id-key id.pem --sev-id-key-signature id.sig --out enarx.sig
 *   enarx run --backend sev --signatures enarx.sig app.wasm */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "abi/snp_launch.h"
#include "backend/backend.h"
#include "backend/kvm/kvm.h"
#include "cli/commands.h"
#include "common/file.h"
#include "common/hex.h"
#include "measure/measure.h"
#include "snp/snp.h"

/* Writes len bytes to path (mode 0644; refused if it exists unless
 * replace), or to stdout when path is NULL. */
static int write_out(const char *who, const char *path, const void *data, size_t len, int replace)
{
    if (!path) {
        return fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL), 0644);
    if (fd < 0) {
        fprintf(stderr, "%s: %s: %s\n", who, path, strerror(errno));
        return 1;
    }
    const uint8_t *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n <= 0) {
            fprintf(stderr, "%s: %s: %s\n", who, path, strerror(errno));
            close(fd);
            return 1;
        }
        done += (size_t)n;
    }
    return close(fd) == 0 ? 0 : 1;
}

/* ---- enarx key sev ---- */

static void key_usage(FILE *out)
{
    fprintf(out, "Usage: enarx key sev <command>\n\n"
                 "SEV-SNP ID and author keys (ECDSA P-384):\n"
                 "  create [--out FILE]                       a new key, PKCS#8 PEM (never overwrites FILE)\n"
                 "  digest KEY [--out FILE]                   SHA-384 of the key's public part in the firmware's\n"
                 "                                            layout: the report's ID_KEY_DIGEST or AUTHOR_KEY_DIGEST\n"
                 "  sign --author-key FILE --id-key FILE --out FILE\n"
                 "                                            the author's signature of the ID key, for\n"
                 "                                            `enarx sign --sev-id-key-signature`\n");
}

static int key_create(int argc, char **argv)
{
    const char *out = NULL;
    if (argc == 3 && strcmp(argv[1], "--out") == 0)
        out = argv[2];
    else if (argc != 1) {
        key_usage(stderr);
        return 2;
    }
    char err[512];
    if (snp_key_create(out, err, sizeof err) < 0) {
        fprintf(stderr, "enarx key sev create: %s\n", err);
        return 1;
    }
    return 0;
}

static int key_digest(int argc, char **argv)
{
    const char *key = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-' && !key)
            key = argv[i];
        else {
            key_usage(stderr);
            return 2;
        }
    }
    if (!key) {
        key_usage(stderr);
        return 2;
    }
    char err[512], hex[2 * SNP_DIGEST_LEN + 2];
    struct evp_pkey_st *k;
    uint8_t d[SNP_DIGEST_LEN];
    if (snp_key_load(key, 0, &k, err, sizeof err) < 0 || snp_key_digest(k, d, err, sizeof err) < 0) {
        fprintf(stderr, "enarx key sev digest: %s\n", err);
        return 1;
    }
    EVP_PKEY_free(k);
    snp_hex(d, sizeof d, hex);
    hex[(size_t)2 * SNP_DIGEST_LEN] = '\n';
    hex[(size_t)2 * SNP_DIGEST_LEN + 1] = 0;
    return write_out("enarx key sev digest", out, hex, strlen(hex), 1);
}

static int key_sign(int argc, char **argv)
{
    const char *author = NULL, *id = NULL, *out = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--author-key") == 0)
            author = argv[i + 1];
        else if (strcmp(argv[i], "--id-key") == 0)
            id = argv[i + 1];
        else if (strcmp(argv[i], "--out") == 0)
            out = argv[i + 1];
        else
            author = id = NULL, i = argc;
    }
    if (!author || !id || !out || argc % 2 == 0) {
        key_usage(stderr);
        return 2;
    }
    char err[512];
    struct evp_pkey_st *ak = NULL, *ik = NULL;
    uint8_t blob[SNP_ID_KEY_SIG_BLOB_SIZE];
    int rc = 1;
    if (snp_key_load(author, 1, &ak, err, sizeof err) < 0 || snp_key_load(id, 0, &ik, err, sizeof err) < 0 ||
        snp_id_key_sign(ak, ik, blob, err, sizeof err) < 0)
        fprintf(stderr, "enarx key sev sign: %s\n", err);
    else
        rc = write_out("enarx key sev sign", out, blob, sizeof blob, 1);
    EVP_PKEY_free(ak);
    EVP_PKEY_free(ik);
    return rc;
}

int cmd_key(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "sev") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            key_usage(stdout);
            return 0;
        }
        fprintf(stderr, "enarx key: the keys are `enarx key sev ...` (SEV-SNP)\n");
        key_usage(stderr);
        return 2;
    }
    const char *sub = argv[2];
    if (strcmp(sub, "create") == 0)
        return key_create(argc - 2, argv + 2);
    if (strcmp(sub, "digest") == 0)
        return key_digest(argc - 2, argv + 2);
    if (strcmp(sub, "sign") == 0)
        return key_sign(argc - 2, argv + 2);
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        key_usage(stdout);
        return 0;
    }
    fprintf(stderr, "enarx key sev: unknown command '%s'\n", sub);
    key_usage(stderr);
    return 2;
}

/* ---- enarx sign ---- */

static void sign_usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx sign --sev-id-key FILE [--sev-id-key-signature FILE] [--out FILE] [OPTIONS] [EXEC]\n\n"
            "Signs an ID block for this build's SEV-SNP Keep (the launch digest `enarx keep measure\n"
            "--backend sev` prints, for the exec EXEC or this build's enarx-exec) and writes the\n"
            "signatures file `enarx run --signatures` takes. The secure processor refuses to launch\n"
            "a Keep whose digest differs from the ID block's; the report then carries the ID key's\n"
            "and the author key's digests, which a policy can pin (snp.id_key_digests,\n"
            "snp.author_key_digests).\n\n"
            "Options:\n"
            "  --sev-id-key FILE            the ID key (P-384 private key, `enarx key sev create`)\n"
            "  --sev-id-key-signature FILE  the author's signature of it (`enarx key sev sign`)\n"
            "  --out FILE                   where the signatures go (default: standard output)\n"
            "  --memory SIZE                the Keep's memory (default 2G; part of the digest)\n"
            "  --c-bit N                    the encryption bit's position (default 51)\n"
            "  --family-id HEX, --image-id HEX   16 bytes each (32 hex digits; default zeros)\n"
            "  --guest-svn N                the guest's security version number (default 0)\n");
}

static int parse_hex16(const char *s, uint8_t out[16])
{
    if (strlen(s) != 32)
        return -1;
    for (int i = 0; i < 16; i++) {
        int hi = hex_digit_value(s[2 * (size_t)i]), lo = hex_digit_value(s[2 * (size_t)i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int sign_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sign_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "enarx sign: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 2;
}

int cmd_sign(int argc, char **argv)
{
    static const struct option opts[] = {
        {"sev-id-key", required_argument, NULL, 'k'}, {"sev-id-key-signature", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},        {"memory", required_argument, NULL, 'm'},
        {"c-bit", required_argument, NULL, 'c'},      {"family-id", required_argument, NULL, 'f'},
        {"image-id", required_argument, NULL, 'i'},   {"guest-svn", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    const char *id_key = NULL, *blob_path = NULL, *out = NULL;
    struct measure_request req = {.backend = "sev"};
    struct snp_id_block blk = {.version = 1, .policy = SNP_KEEP_POLICY};
    int c;
    char *end;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': id_key = optarg; break;
        case 's': blob_path = optarg; break;
        case 'o': out = optarg; break;
        case 'm':
            if (!(req.mem_size = kvm_parse_size(optarg)))
                return sign_error("--memory '%s' is not a size such as 512M or 2G", optarg);
            break;
        case 'c': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v < 32 || v > 51)
                return sign_error("--c-bit '%s' is not a position from 32 to 51", optarg);
            req.c_bit = (uint32_t)v;
            break;
        }
        case 'f':
            if (parse_hex16(optarg, blk.family_id) < 0)
                return sign_error("--family-id '%s' is not 32 hex digits", optarg);
            break;
        case 'i':
            if (parse_hex16(optarg, blk.image_id) < 0)
                return sign_error("--image-id '%s' is not 32 hex digits", optarg);
            break;
        case 'g': {
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || errno || v > UINT32_MAX || optarg[0] == '-')
                return sign_error("--guest-svn '%s' is not a number from 0 to 4294967295", optarg);
            blk.guest_svn = (uint32_t)v;
            break;
        }
        case 'h': sign_usage(stdout); return 0;
        default:
            sign_usage(stderr);
            return sign_error("unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind + 1 < argc)
        return sign_error("one EXEC at most, not also '%s'", argv[optind + 1]);
    if (optind < argc)
        req.exec_path = argv[optind];
    if (!id_key) {
        sign_usage(stderr);
        return sign_error("--sev-id-key is needed (create one with `enarx key sev create`)");
    }
    char err[512];
    struct keep_measurement m;
    if (measure_keep(&req, &m, err, sizeof err) != 0) {
        fprintf(stderr, "enarx sign: %s\n", err);
        return 1;
    }
    memcpy(blk.ld, m.digest, SNP_DIGEST_LEN);
    uint8_t id_block[SNP_ID_BLOCK_SIZE], id_auth[SNP_ID_AUTH_SIZE], blob[SNP_ID_KEY_SIG_BLOB_SIZE];
    snp_id_block_encode(&blk, id_block);
    if (blob_path) {
        file_contents f;
        char why[256];
        if (file_read_all(blob_path, SNP_ID_KEY_SIG_BLOB_SIZE, 0, &f, why, sizeof why) != FILE_OK) {
            fprintf(stderr, "enarx sign: %s: %s\n", blob_path, why);
            return 1;
        }
        int ok = f.size == SNP_ID_KEY_SIG_BLOB_SIZE;
        if (ok)
            memcpy(blob, f.data, sizeof blob);
        file_contents_free(&f);
        if (!ok) {
            fprintf(stderr, "enarx sign: %s is not a `enarx key sev sign` output (%u bytes)\n", blob_path,
                    SNP_ID_KEY_SIG_BLOB_SIZE);
            return 1;
        }
    }
    struct evp_pkey_st *k;
    if (snp_key_load(id_key, 1, &k, err, sizeof err) < 0) {
        fprintf(stderr, "enarx sign: %s\n", err);
        return 1;
    }
    int rc = snp_id_auth_build(id_block, k, blob_path ? blob : NULL, id_auth, err, sizeof err);
    EVP_PKEY_free(k);
    if (rc < 0) {
        fprintf(stderr, "enarx sign: %s: %s\n", blob_path ? blob_path : id_key, err);
        return 1;
    }
    char *json = snp_signatures_json(id_block, id_auth);
    if (!json) {
        fprintf(stderr, "enarx sign: out of memory\n");
        return 1;
    }
    size_t len = strlen(json);
    json[len] = '\n';
    rc = write_out("enarx sign", out, json, len + 1, 1);
    free(json);
    if (rc == 0 && out) {
        char hex[2 * SNP_DIGEST_LEN + 1];
        snp_hex(blk.ld, SNP_DIGEST_LEN, hex);
        fprintf(stderr, "enarx sign: signed the SEV-SNP launch digest %s (%s, %llu MiB) into %s\n", hex,
                m.exec_path, (unsigned long long)(m.mem_size >> 20), out);
    }
    return rc;
}
