/* enarx attest verify: check TEE evidence (SEV-SNP reports, SGX/TDX quotes,
 * Steward CSRs) against the vendors' roots, collateral and a policy. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest/attest.h"
#include "cli/commands.h"

#define MAX_INPUT (64u << 20)

int cmd_attest(int argc, char **argv);

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx attest verify EVIDENCE [options]\n"
            "\n"
            "Verifies attestation evidence: an AMD SEV-SNP report, an Intel SGX (v3) or TDX (v4/v5)\n"
            "DCAP quote, or an Enarx Steward CSR carrying one. EVIDENCE may be raw bytes, hex text,\n"
            "or a CSR in PEM or DER; the kind is detected.\n"
            "\n"
            "Options:\n"
            "  --vcek FILE                SNP: the VCEK or VLEK certificate (PEM or DER)\n"
            "  --chain FILE               SNP: AMD chain (ARK + ASK/ASVK) replacing the built-in one;\n"
            "                             Intel: PCK chain for quotes that do not carry one\n"
            "  --intel-root FILE          replace the built-in Intel SGX Root CA\n"
            "  --tcb-info FILE            Intel TCB Info (PCS response JSON)\n"
            "  --tcb-info-chain FILE      its issuer chain (PEM)\n"
            "  --qe-identity FILE         Intel QE Identity (PCS response JSON)\n"
            "  --qe-identity-chain FILE   its issuer chain (PEM)\n"
            "  --crl FILE                 a CRL to check (repeatable; DER or PEM)\n"
            "  --time RFC3339             verification time (default: now)\n"
            "  --policy FILE              TOML policy of what is acceptable (see docs/attestation.md)\n"
            "  --json                     print the result as JSON\n"
            "  -h, --help                 this help\n"
            "\n"
            "Exit status: 0 valid, 1 refused, 2 unreadable input or usage error.\n");
}

typedef struct file_buf {
    uint8_t *data;
    size_t len;
    const char *name;
} file_buf;

static int read_file(const char *path, file_buf *out, const char *opt)
{
    out->name = path;
    out->data = NULL;
    out->len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "enarx attest: %s %s: %s\n", opt, path, strerror(errno));
        return -1;
    }
    /* Regular files, pipes and /dev/stdin alike: read up to the limit. */
    size_t cap = 1 << 16, n = 0;
    out->data = malloc(cap);
    while (out->data) {
        if (n == cap) {
            if (cap >= MAX_INPUT) {
                fprintf(stderr, "enarx attest: %s %s: larger than %u MiB\n", opt, path, MAX_INPUT >> 20);
                break;
            }
            uint8_t *bigger = realloc(out->data, cap * 2);
            if (!bigger)
                break;
            out->data = bigger;
            cap *= 2;
        }
        size_t got = fread(out->data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                break;
            fclose(f);
            goto done;
        }
    }
    fprintf(stderr, "enarx attest: %s %s: read error\n", opt, path);
    fclose(f);
    free(out->data);
    out->data = NULL;
    return -1;
done:
    out->len = n;
    /* An empty policy is a valid TOML document meaning "all the strict defaults". */
    if (n == 0 && strcmp(opt, "--policy") != 0) {
        fprintf(stderr, "enarx attest: %s %s: the file is empty\n", opt, path);
        free(out->data);
        out->data = NULL;
        return -1;
    }
    return 0;
}

static void print_value(const char *prefix, json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            char p[128];
            snprintf(p, sizeof p, "%s.%s", prefix, k);
            print_value(p, x);
        }
        return;
    }
    printf("  %-34s ", prefix);
    if (json_is_string(v)) {
        printf("%s\n", json_string_value(v));
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            char *s = json_is_string(x) ? NULL : json_dumps(x, JSON_ENCODE_ANY);
            printf("%s%s", i ? ", " : "", s ? s : json_string_value(x));
            free(s);
        }
        printf("%s\n", json_array_size(v) ? "" : "(none)");
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        printf("%s\n", s ? s : "?");
        free(s);
    }
}

static void print_text(const char *path, const attest_result *res, time_t when, bool policy)
{
    char t[32];
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("evidence:  %s\n", path);
    if (res->format[0])
        printf("format:    %s\n", res->format);
    printf("time:      %s\n", t);
    if (json_object_size(res->claims)) {
        printf("claims:\n");
        const char *k;
        json_t *v;
        json_object_foreach(res->claims, k, v) print_value(k, v);
    }
    size_t i;
    json_t *x;
    if (json_array_size(res->checks)) {
        printf("checks passed:\n");
        json_array_foreach(res->checks, i, x) printf("  ok   %s\n", json_string_value(x));
    }
    if (json_array_size(res->notes)) {
        printf("notes:\n");
        json_array_foreach(res->notes, i, x) printf("  note %s\n", json_string_value(x));
    }
    if (res->status == ATTEST_VALID) {
        printf("verdict:   VALID%s\n",
               policy ? " (genuine, and acceptable under the policy)"
                      : " (genuine; no --policy given, so measurements, debug and TCB status were not judged)");
    } else {
        printf("verdict:   %s\n", res->status == ATTEST_REFUSED ? "REFUSED" : "UNREADABLE INPUT");
        printf("  check:   %s\n", res->check);
        printf("  reason:  %s\n", res->reason);
        if (res->hint[0])
            printf("  fix:     %s\n", res->hint);
    }
}

static void print_json(const char *path, const attest_result *res, time_t when, bool policy)
{
    char t[32];
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_object();
    json_object_set_new(o, "verdict",
                        json_string(res->status == ATTEST_VALID     ? "valid"
                                    : res->status == ATTEST_REFUSED ? "refused"
                                                                    : "unreadable"));
    json_object_set_new(o, "evidence", json_string(path));
    json_object_set_new(o, "format", json_string(res->format));
    json_object_set_new(o, "kind", json_string(attest_kind_name(res->kind)));
    json_object_set_new(o, "verification_time", json_string(t));
    json_object_set_new(o, "policy_applied", json_boolean(policy));
    if (res->status != ATTEST_VALID) {
        json_object_set_new(o, "check", json_string(res->check));
        json_object_set_new(o, "reason", json_string(res->reason));
        json_object_set_new(o, "hint", json_string(res->hint));
    }
    json_object_set(o, "claims", res->claims);
    json_object_set(o, "checks", res->checks);
    json_object_set(o, "notes", res->notes);
    char *s = json_dumps(o, JSON_INDENT(2));
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(o);
}

enum {
    OPT_VCEK = 256, OPT_CHAIN, OPT_INTEL_ROOT, OPT_TCB, OPT_TCB_CHAIN, OPT_QE, OPT_QE_CHAIN,
    OPT_CRL, OPT_TIME, OPT_POLICY, OPT_JSON, OPT_BENCH,
};

static int verify_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vcek", required_argument, NULL, OPT_VCEK},
        {"chain", required_argument, NULL, OPT_CHAIN},
        {"intel-root", required_argument, NULL, OPT_INTEL_ROOT},
        {"tcb-info", required_argument, NULL, OPT_TCB},
        {"tcb-info-chain", required_argument, NULL, OPT_TCB_CHAIN},
        {"qe-identity", required_argument, NULL, OPT_QE},
        {"qe-identity-chain", required_argument, NULL, OPT_QE_CHAIN},
        {"crl", required_argument, NULL, OPT_CRL},
        {"time", required_argument, NULL, OPT_TIME},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"json", no_argument, NULL, OPT_JSON},
        {"bench", required_argument, NULL, OPT_BENCH}, /* hidden: repeat N times and time it */
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *vcek = NULL, *chain = NULL, *intel_root = NULL, *tcb = NULL, *tcb_chain = NULL, *qe = NULL,
               *qe_chain = NULL, *time_text = NULL, *policy_path = NULL;
    const char *crls[ATTEST_MAX_CRLS];
    size_t ncrls = 0;
    bool json = false;
    long bench = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_VCEK: vcek = optarg; break;
        case OPT_CHAIN: chain = optarg; break;
        case OPT_INTEL_ROOT: intel_root = optarg; break;
        case OPT_TCB: tcb = optarg; break;
        case OPT_TCB_CHAIN: tcb_chain = optarg; break;
        case OPT_QE: qe = optarg; break;
        case OPT_QE_CHAIN: qe_chain = optarg; break;
        case OPT_TIME: time_text = optarg; break;
        case OPT_POLICY: policy_path = optarg; break;
        case OPT_JSON: json = true; break;
        case OPT_BENCH: {
            char *end;
            bench = strtol(optarg, &end, 10);
            if (*end || bench < 1 || bench > 10000000) {
                fprintf(stderr, "enarx attest verify: --bench needs a count from 1 to 10000000\n");
                return 2;
            }
            break;
        }
        case OPT_CRL:
            if (ncrls == ATTEST_MAX_CRLS) {
                fprintf(stderr, "enarx attest verify: at most %d --crl options\n", ATTEST_MAX_CRLS);
                return 2;
            }
            crls[ncrls++] = optarg;
            break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "enarx attest verify: unknown option or missing value: %s\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "enarx attest verify: %s\n", optind >= argc ? "missing EVIDENCE" : "only one EVIDENCE file");
        usage(stderr);
        return 2;
    }
    if ((tcb != NULL) != (tcb_chain != NULL) || (qe != NULL) != (qe_chain != NULL)) {
        fprintf(stderr, "enarx attest verify: --tcb-info needs --tcb-info-chain and --qe-identity needs "
                        "--qe-identity-chain (the TCB Signing certificate and the Root CA)\n");
        return 2;
    }
    const char *evidence_path = argv[optind];
    time_t when = time(NULL);
    if (time_text && attest_parse_time(time_text, &when) != 0) {
        fprintf(stderr, "enarx attest verify: --time %s: not an RFC 3339 date-time (e.g. 2025-07-01T00:00:00Z)\n",
                time_text);
        return 2;
    }

    int rc = 2;
    file_buf ev = {0}, fv = {0}, fc = {0}, fr = {0}, ft = {0}, ftc = {0}, fq = {0}, fqc = {0}, fp = {0};
    file_buf fcrl[ATTEST_MAX_CRLS] = {{0}};
    attest_trust *trust = NULL;
    attest_policy *policy = NULL;
    char err[512];
    if (read_file(evidence_path, &ev, "EVIDENCE") || (vcek && read_file(vcek, &fv, "--vcek")) ||
        (chain && read_file(chain, &fc, "--chain")) || (intel_root && read_file(intel_root, &fr, "--intel-root")) ||
        (tcb && read_file(tcb, &ft, "--tcb-info")) || (tcb_chain && read_file(tcb_chain, &ftc, "--tcb-info-chain")) ||
        (qe && read_file(qe, &fq, "--qe-identity")) || (qe_chain && read_file(qe_chain, &fqc, "--qe-identity-chain")) ||
        (policy_path && read_file(policy_path, &fp, "--policy")))
        goto out;
    for (size_t i = 0; i < ncrls; i++)
        if (read_file(crls[i], &fcrl[i], "--crl"))
            goto out;
    if (policy_path && !(policy = attest_policy_parse((const char *)fp.data, fp.len, err, sizeof err))) {
        fprintf(stderr, "enarx attest verify: --policy %s: %s\n", policy_path, err);
        goto out;
    }
    trust = attest_trust_new(err, sizeof err);
    if (!trust) {
        fprintf(stderr, "enarx attest verify: %s\n", err);
        goto out;
    }
    if (intel_root && attest_trust_set_intel_root(trust, fr.data, fr.len, err, sizeof err)) {
        fprintf(stderr, "enarx attest verify: --intel-root %s: %s\n", intel_root, err);
        goto out;
    }
    /* --chain is the AMD chain for SNP evidence, the PCK chain for Intel
     * quotes that do not carry one: which one is decided per evidence. */
    attest_inputs in = {0};
    in.evidence = (attest_blob){ev.data, ev.len, evidence_path};
    in.vcek = (attest_blob){fv.data, fv.len, vcek};
    in.tcb_info = (attest_blob){ft.data, ft.len, tcb};
    in.tcb_info_chain = (attest_blob){ftc.data, ftc.len, tcb_chain};
    in.qe_identity = (attest_blob){fq.data, fq.len, qe};
    in.qe_identity_chain = (attest_blob){fqc.data, fqc.len, qe_chain};
    for (size_t i = 0; i < ncrls; i++)
        in.crls[i] = (attest_blob){fcrl[i].data, fcrl[i].len, crls[i]};
    in.ncrls = ncrls;
    in.time = when;
    if (chain) {
        if (attest_trust_set_amd_chain(trust, fc.data, fc.len, err, sizeof err) == 0) {
            in.pck_chain = (attest_blob){fc.data, fc.len, chain}; /* harmless for SNP */
        } else {
            /* No AMD root in it: it can only be an Intel PCK chain. */
            in.pck_chain = (attest_blob){fc.data, fc.len, chain};
        }
    }

    attest_result res;
    attest_result_init(&res);
    attest_verify(trust, &in, &res);
    if (res.status == ATTEST_VALID && policy)
        attest_policy_apply(policy, &res);
    if (bench > 0) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (long i = 0; i < bench; i++) {
            attest_result r;
            attest_result_init(&r);
            attest_verify(trust, &in, &r);
            if (policy && r.status == ATTEST_VALID)
                attest_policy_apply(policy, &r);
            attest_result_clear(&r);
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        double us = ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3) / (double)bench;
        printf("bench: %ld verifications of %s: %.1f us each (%.0f per second, one core)\n", bench,
               evidence_path, us, 1e6 / us);
    } else if (json) {
        print_json(evidence_path, &res, when, policy != NULL);
    } else {
        print_text(evidence_path, &res, when, policy != NULL);
    }
    rc = res.status == ATTEST_VALID ? 0 : res.status == ATTEST_REFUSED ? 1 : 2;
    attest_result_clear(&res);
out:
    attest_policy_free(policy);
    attest_trust_free(trust);
    free(ev.data);
    free(fv.data);
    free(fc.data);
    free(fr.data);
    free(ft.data);
    free(ftc.data);
    free(fq.data);
    free(fqc.data);
    free(fp.data);
    for (size_t i = 0; i < ncrls; i++)
        free(fcrl[i].data);
    return rc;
}

int cmd_attest(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "verify") == 0)
        return verify_main(argc - 1, argv + 1);
    fprintf(stderr, "enarx attest: unknown subcommand '%s' (try `enarx attest --help`)\n", argv[1]);
    return 2;
}
