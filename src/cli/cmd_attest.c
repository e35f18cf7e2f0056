/* enarx attest verify: check TEE evidence (SEV-SNP reports, SGX/TDX quotes,
 * Steward CSRs) against the vendors' roots, collateral and a policy. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest/attest.h"
#include "cli/commands.h"
#include "common/file.h"
#include "common/hex.h"

#define MAX_INPUT (64u << 20)

int cmd_attest(int argc, char **argv);

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx attest verify EVIDENCE [options]\n"
            "\n"
            "Verifies attestation evidence: an AMD SEV-SNP report, an Intel SGX (v3) or TDX (v4/v5)\n"
            "DCAP quote, an Enarx Steward CSR carrying one, an RA-TLS certificate (CCC format:\n"
            "Gramine, Intel SGX SDK, rats-tls, Enarx Keeps; or Gramine's legacy one) with its key\n"
            "binding, or an Enarx evidence document. EVIDENCE may be raw bytes, hex text, or a CSR or\n"
            "certificate in PEM or DER; the kind is detected.\n"
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
            "  --test-root FILE           also trust this TEST chain (ARK [+ ASK], PEM or DER) for SNP\n"
            "                             evidence: for the test attester only, never real hardware\n"
            "  --insecure-allow-unattested\n"
            "                             accept an UNATTESTED document (nil, plain kvm): nothing vouches\n"
            "                             for it; without this it is refused\n"
            "  --expect-measurement HEX   the evidence's measurement must be exactly this\n"
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

/* The whole file, up to MAX_INPUT: a regular file, or a pipe such as
 * `<(command)` or /dev/stdin. A FIFO or device never blocks the open, and
 * only a pipe with a writer is waited on. */
static int read_file(const char *path, file_buf *out, const char *opt)
{
    out->name = path;
    out->data = NULL;
    out->len = 0;
    char why[256];
    file_contents fc;
    if (file_read_all(path, MAX_INPUT, FILE_ACCEPT_PIPE, &fc, why, sizeof why) != FILE_OK) {
        fprintf(stderr, "enarx attest: %s %s: %s\n", opt, path, why);
        return -1;
    }
    /* An empty policy file is a valid TOML document meaning "all the strict
     * defaults"; a pipe nobody wrote to is a mistake, even for --policy. */
    if (fc.size == 0 && (fc.is_pipe || strcmp(opt, "--policy") != 0)) {
        fprintf(stderr, "enarx attest: %s %s: %s\n", opt, path,
                fc.is_pipe ? "nothing was written to this pipe" : "the file is empty");
        file_contents_free(&fc);
        return -1;
    }
    out->data = fc.data;
    out->len = fc.size;
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
        json_object_foreach(res->claims, k, v) {
            print_value(k, v);
        }
    }
    size_t i;
    json_t *x;
    if (json_array_size(res->checks)) {
        printf("checks passed:\n");
        json_array_foreach(res->checks, i, x) {
            printf("  ok   %s\n", json_string_value(x));
        }
    }
    if (json_array_size(res->notes)) {
        printf("notes:\n");
        json_array_foreach(res->notes, i, x) {
            printf("  note %s\n", json_string_value(x));
        }
    }
    if (res->status == ATTEST_VALID && !res->hardware_rooted) {
        printf("verdict:   VALID only as UNATTESTED, as asked: no hardware vouches for it%s\n",
               policy ? " (the host's claims are acceptable under the policy)" : "");
    } else if (res->status == ATTEST_VALID && res->test_root) {
        printf("verdict:   VALID under a TEST root given explicitly: NOT evidence from vendor hardware%s\n",
               policy ? " (acceptable under the policy)" : "");
    } else if (res->status == ATTEST_VALID) {
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
    json_object_set_new(o, "hardware_rooted", json_boolean(res->hardware_rooted));
    json_object_set_new(o, "test_root", json_boolean(res->test_root));
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

static int parse_count(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The built-in roots, or those the operator names. --chain replaces the AMD
 * certificates when it holds a self-signed ARK; otherwise it can only be an
 * Intel PCK chain (and is given to the verifier as such). Test roots only
 * when named: --test-root, or a policy's test_roots. */
static attest_verifier *make_verifier(const file_buf *intel_root, const file_buf *chain, const file_buf *test_root,
                                      const attest_policy *policy, bool *amd_chain)
{
    char err[512];
    attest_trust *trust = attest_trust_new(err, sizeof err);
    if (!trust) {
        fprintf(stderr, "enarx attest verify: %s\n", err);
        return NULL;
    }
    if (intel_root && attest_trust_set_intel_root(trust, intel_root->data, intel_root->len, err, sizeof err)) {
        fprintf(stderr, "enarx attest verify: --intel-root %s: %s\n", intel_root->name, err);
        attest_trust_free(trust);
        return NULL;
    }
    *amd_chain = chain && attest_trust_set_amd_chain(trust, chain->data, chain->len, err, sizeof err) == 0;
    if (test_root && attest_trust_add_test_roots(trust, test_root->data, test_root->len, err, sizeof err)) {
        fprintf(stderr, "enarx attest verify: --test-root %s: %s\n", test_root->name, err);
        attest_trust_free(trust);
        return NULL;
    }
    if (policy && attest_policy_pin_test_roots(policy, trust) != 0) {
        fprintf(stderr, "enarx attest verify: --policy: too many test_roots\n");
        attest_trust_free(trust);
        return NULL;
    }
    attest_verifier *v =
        attest_verifier_new(trust, ATTEST_CACHE_OBJECTS_DEFAULT, ATTEST_CACHE_SIGNATURES_DEFAULT, err, sizeof err);
    if (!v)
        fprintf(stderr, "enarx attest verify: %s\n", err);
    return v;
}

/* ---- --bench ------------------------------------------------------------ */

typedef struct bench_job {
    attest_verifier *verifier;
    const attest_inputs *in;
    const attest_policy *policy;
    long count;
    bool cold;          /* empty the caches before each verification */
    long not_valid;     /* verdicts that differ from VALID */
} bench_job;

static void *bench_run(void *arg)
{
    bench_job *job = arg;
    for (long i = 0; i < job->count; i++) {
        if (job->cold)
            attest_verifier_flush(job->verifier);
        attest_result r;
        attest_result_init(&r);
        attest_verifier_verify(job->verifier, job->in, &r);
        if (job->policy && r.status == ATTEST_VALID)
            attest_policy_apply(job->policy, &r);
        job->not_valid += r.status != ATTEST_VALID;
        attest_result_clear(&r);
    }
    return NULL;
}

static double seconds_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static double thread_cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Separate, never inlined, so a profiler can look at one phase only
 * (valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_warm). */
#if defined(__GNUC__)
#define BENCH_PHASE __attribute__((noinline))
#else
#define BENCH_PHASE
#endif

/* Seconds per verification: CPU time of this thread (what a verification
 * costs, whatever else the machine runs) and wall time. */
typedef struct bench_time {
    double cpu, wall;
} bench_time;

static bench_time bench_timed(bench_job *job)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    double cpu0 = thread_cpu_seconds();
    bench_run(job);
    bench_time t = {(thread_cpu_seconds() - cpu0) / (double)job->count, seconds_since(&start) / (double)job->count};
    return t;
}

BENCH_PHASE static bench_time bench_cold(bench_job *job)
{
    job->cold = true;
    return bench_timed(job);
}

BENCH_PHASE static bench_time bench_warm(bench_job *job)
{
    job->cold = false;
    return bench_timed(job);
}

/* Runs `threads` jobs of `count` verifications at once; returns the wall time. */
static double bench_parallel(const bench_job *proto, long count, long threads, long *not_valid)
{
    bench_job jobs[64];
    pthread_t ids[64];
    if (threads < 1 || threads > 64)
        return -1;
    for (long t = 0; t < threads; t++) {
        jobs[t] = *proto;
        jobs[t].count = count;
        jobs[t].not_valid = 0;
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long started = 1; /* job 0 runs on this thread */
    while (started < threads && pthread_create(&ids[started], NULL, bench_run, &jobs[started]) == 0)
        started++;
    bench_run(&jobs[0]);
    for (long t = 1; t < started; t++)
        pthread_join(ids[t], NULL);
    double secs = seconds_since(&start);
    for (long t = 0; t < started; t++)
        *not_valid += jobs[t].not_valid;
    return started == threads ? secs : -1;
}

static void run_bench(attest_verifier *v, const attest_inputs *in, const attest_policy *policy, long count,
                      long threads, const char *path, const attest_result *first)
{
    bench_job job = {v, in, policy, count, true, 0};
    long not_valid = 0;
    printf("bench: %s (%s%s), %ld verifications per figure\n", path,
           first->status == ATTEST_VALID ? "valid" : "NOT VALID: ", first->status == ATTEST_VALID ? "" : first->check,
           count);
    /* Cold: roots parsed, caches empty (as the first evidence a server sees,
     * or attest_verify on every call). Warm: the same evidence again and
     * again, after one round to fill the caches and steady the CPU. */
    bench_time cold = bench_cold(&job);
    job.not_valid = 0;
    bench_warm(&job);
    bench_time warm = bench_warm(&job);
    not_valid = job.not_valid;
    double par = threads > 1 ? bench_parallel(&job, count, threads, &not_valid) : 0;
    printf("  %-22s %9s %12s %10s\n", "", "CPU us", "per second", "wall us");
    printf("  %-22s %9.1f %12.0f %10.1f\n", "cold (caches empty)", cold.cpu * 1e6, 1 / cold.cpu, cold.wall * 1e6);
    printf("  %-22s %9.1f %12.0f %10.1f\n", "warm (caches filled)", warm.cpu * 1e6, 1 / warm.cpu, warm.wall * 1e6);
    if (par > 0)
        printf("  warm, %ld threads: %.0f verifications per second (wall clock, all threads)\n", threads,
               (double)(count * threads) / par);
    attest_cache_stats st;
    attest_verifier_stats(v, &st);
    printf("  caches: %zu of %zu objects, %zu of %zu signatures; %llu hits, %llu misses, %llu evicted\n",
           st.objects, st.objects_capacity, st.signatures, st.signatures_capacity, (unsigned long long)st.hits,
           (unsigned long long)st.misses, (unsigned long long)st.evictions);
    if (not_valid)
        printf("  %ld warm verifications were not VALID\n", not_valid);
}

enum {
    OPT_VCEK = 256, OPT_CHAIN, OPT_INTEL_ROOT, OPT_TCB, OPT_TCB_CHAIN, OPT_QE, OPT_QE_CHAIN,
    OPT_CRL, OPT_TIME, OPT_POLICY, OPT_JSON, OPT_BENCH, OPT_BENCH_THREADS, OPT_TEST_ROOT, OPT_ALLOW_UNATTESTED,
    OPT_EXPECT_MEASUREMENT,
};

/* What the command line asked for. */
typedef struct verify_options {
    const char *evidence, *vcek, *chain, *intel_root, *tcb, *tcb_chain, *qe, *qe_chain, *policy, *test_root;
    const char *crls[ATTEST_MAX_CRLS];
    size_t ncrls;
    time_t when;
    bool json, allow_unattested;
    uint8_t expect[64];
    size_t expect_len;
    long bench, bench_threads;
} verify_options;

/* The files it names, read. */
typedef struct verify_files {
    file_buf evidence, vcek, chain, intel_root, tcb, tcb_chain, qe, qe_chain, policy, test_root;
    file_buf crls[ATTEST_MAX_CRLS];
} verify_files;

/* One option with its value: 0, 2 after a usage error, -1 if c is not one
 * of ours (getopt's '?': unknown, or its value is missing). */
static int take_option(int c, const char *value, verify_options *o)
{
    switch (c) {
    case OPT_VCEK: o->vcek = value; break;
    case OPT_CHAIN: o->chain = value; break;
    case OPT_INTEL_ROOT: o->intel_root = value; break;
    case OPT_TCB: o->tcb = value; break;
    case OPT_TCB_CHAIN: o->tcb_chain = value; break;
    case OPT_QE: o->qe = value; break;
    case OPT_QE_CHAIN: o->qe_chain = value; break;
    case OPT_POLICY: o->policy = value; break;
    case OPT_TEST_ROOT: o->test_root = value; break;
    case OPT_ALLOW_UNATTESTED: o->allow_unattested = true; break;
    case OPT_EXPECT_MEASUREMENT:
        if (hex_decode_string(value, o->expect, sizeof o->expect, &o->expect_len) != 0) {
            fprintf(stderr, "enarx attest verify: --expect-measurement %s: not 1 to 64 bytes of hex\n", value);
            return 2;
        }
        break;
    case OPT_JSON: o->json = true; break;
    case OPT_BENCH:
        if (parse_count(value, 1, 10000000, &o->bench) != 0) {
            fprintf(stderr, "enarx attest verify: --bench needs a count from 1 to 10000000\n");
            return 2;
        }
        break;
    case OPT_BENCH_THREADS:
        if (parse_count(value, 1, 64, &o->bench_threads) != 0) {
            fprintf(stderr, "enarx attest verify: --bench-threads needs a count from 1 to 64\n");
            return 2;
        }
        break;
    case OPT_CRL:
        if (o->ncrls == ATTEST_MAX_CRLS) {
            fprintf(stderr, "enarx attest verify: at most %d --crl options\n", ATTEST_MAX_CRLS);
            return 2;
        }
        o->crls[o->ncrls++] = value;
        break;
    default:
        return -1;
    }
    return 0;
}

/* The options that only make sense together, EVIDENCE and --time. */
static int check_options(int argc, char **argv, const char *time_text, verify_options *o)
{
    if (optind != argc - 1) {
        fprintf(stderr, "enarx attest verify: %s\n", optind >= argc ? "missing EVIDENCE" : "only one EVIDENCE file");
        usage(stderr);
        return 2;
    }
    if ((o->tcb != NULL) != (o->tcb_chain != NULL) || (o->qe != NULL) != (o->qe_chain != NULL)) {
        fprintf(stderr, "enarx attest verify: --tcb-info needs --tcb-info-chain and --qe-identity needs "
                        "--qe-identity-chain (the TCB Signing certificate and the Root CA)\n");
        return 2;
    }
    o->evidence = argv[optind];
    o->when = time(NULL);
    if (time_text && attest_parse_time(time_text, &o->when) != 0) {
        fprintf(stderr, "enarx attest verify: --time %s: not an RFC 3339 date-time (e.g. 2025-07-01T00:00:00Z)\n",
                time_text);
        return 2;
    }
    return 0;
}

/* 0 to go on, 2 after a usage error, -1 after --help. */
static int parse_options(int argc, char **argv, verify_options *o)
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
        {"test-root", required_argument, NULL, OPT_TEST_ROOT},
        {"insecure-allow-unattested", no_argument, NULL, OPT_ALLOW_UNATTESTED},
        {"expect-measurement", required_argument, NULL, OPT_EXPECT_MEASUREMENT},
        /* hidden: verify N times cold and warm and time it (bench/run-attest.sh) */
        {"bench", required_argument, NULL, OPT_BENCH},
        {"bench-threads", required_argument, NULL, OPT_BENCH_THREADS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->bench_threads = 2;
    const char *time_text = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        if (c == OPT_TIME) {
            time_text = optarg;
            continue;
        }
        int rc = take_option(c, optarg, o);
        if (rc < 0) {
            fprintf(stderr, "enarx attest verify: unknown option or missing value: %s\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
        if (rc)
            return rc;
    }
    return check_options(argc, argv, time_text, o);
}

/* Reads path into buf unless path is NULL; -1 after saying what is wrong. */
static int read_optional(const char *path, file_buf *buf, const char *opt)
{
    return path ? read_file(path, buf, opt) : 0;
}

/* Every named file, in the order of the usage text; 0 or -1. */
static int read_inputs(const verify_options *o, verify_files *f)
{
    if (read_file(o->evidence, &f->evidence, "EVIDENCE") || read_optional(o->vcek, &f->vcek, "--vcek") ||
        read_optional(o->chain, &f->chain, "--chain") || read_optional(o->intel_root, &f->intel_root, "--intel-root") ||
        read_optional(o->tcb, &f->tcb, "--tcb-info") || read_optional(o->tcb_chain, &f->tcb_chain, "--tcb-info-chain") ||
        read_optional(o->qe, &f->qe, "--qe-identity") ||
        read_optional(o->qe_chain, &f->qe_chain, "--qe-identity-chain") ||
        read_optional(o->policy, &f->policy, "--policy") || read_optional(o->test_root, &f->test_root, "--test-root"))
        return -1;
    for (size_t i = 0; i < o->ncrls; i++)
        if (read_file(o->crls[i], &f->crls[i], "--crl"))
            return -1;
    return 0;
}

static void free_inputs(verify_files *f)
{
    file_buf *all[] = {&f->evidence, &f->vcek, &f->chain, &f->intel_root, &f->tcb,
                       &f->tcb_chain, &f->qe, &f->qe_chain, &f->policy, &f->test_root};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->data);
    for (size_t i = 0; i < ATTEST_MAX_CRLS; i++)
        free(f->crls[i].data);
}

static void fill_inputs(const verify_options *o, const verify_files *f, attest_inputs *in)
{
    memset(in, 0, sizeof *in);
    in->evidence = (attest_blob){f->evidence.data, f->evidence.len, o->evidence};
    in->vcek = (attest_blob){f->vcek.data, f->vcek.len, o->vcek};
    in->tcb_info = (attest_blob){f->tcb.data, f->tcb.len, o->tcb};
    in->tcb_info_chain = (attest_blob){f->tcb_chain.data, f->tcb_chain.len, o->tcb_chain};
    in->qe_identity = (attest_blob){f->qe.data, f->qe.len, o->qe};
    in->qe_identity_chain = (attest_blob){f->qe_chain.data, f->qe_chain.len, o->qe_chain};
    /* --chain is the AMD chain for SNP evidence, the PCK chain for Intel
     * quotes that do not carry one: which one is decided per evidence. */
    in->pck_chain = (attest_blob){f->chain.data, f->chain.len, o->chain};
    for (size_t i = 0; i < o->ncrls; i++)
        in->crls[i] = (attest_blob){f->crls[i].data, f->crls[i].len, o->crls[i]};
    in->ncrls = o->ncrls;
    in->time = o->when;
    in->allow_unattested = o->allow_unattested;
}

/* Verifies, applies the policy, prints (or benchmarks); the exit status. */
static int verify_and_report(const verify_options *o, attest_verifier *verifier, bool amd_chain,
                             const attest_inputs *in, const attest_policy *policy)
{
    attest_result res;
    attest_result_init(&res);
    attest_verifier_verify(verifier, in, &res);
    if (res.status == ATTEST_VALID && policy)
        attest_policy_apply(policy, &res);
    if (o->expect_len)
        attest_expect_measurement(&res, o->expect, o->expect_len);
    if (o->chain && !amd_chain && res.kind == ATTEST_KIND_SNP)
        json_array_append_new(res.notes, json_string("--chain holds no self-signed AMD root (ARK): the built-in "
                                                     "AMD certificates were used"));
    if (o->bench > 0)
        run_bench(verifier, in, policy, o->bench, o->bench_threads, o->evidence, &res);
    else if (o->json)
        print_json(o->evidence, &res, o->when, policy != NULL);
    else
        print_text(o->evidence, &res, o->when, policy != NULL);
    int rc = res.status == ATTEST_VALID ? 0 : res.status == ATTEST_REFUSED ? 1 : 2;
    attest_result_clear(&res);
    return rc;
}

static int verify_main(int argc, char **argv)
{
    verify_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    rc = 2;
    verify_files f = {0};
    attest_verifier *verifier = NULL;
    attest_policy *policy = NULL;
    char err[512];
    if (read_inputs(&o, &f) != 0)
        goto out;
    if (o.policy && !(policy = attest_policy_parse((const char *)f.policy.data, f.policy.len, err, sizeof err))) {
        fprintf(stderr, "enarx attest verify: --policy %s: %s\n", o.policy, err);
        goto out;
    }
    bool amd_chain = false;
    verifier = make_verifier(o.intel_root ? &f.intel_root : NULL, o.chain ? &f.chain : NULL,
                             o.test_root ? &f.test_root : NULL, policy, &amd_chain);
    if (!verifier)
        goto out;
    attest_inputs in;
    fill_inputs(&o, &f, &in);
    in.allow_unattested = in.allow_unattested || attest_policy_allows_unattested(policy);
    rc = verify_and_report(&o, verifier, amd_chain, &in, policy);
out:
    attest_policy_free(policy);
    attest_verifier_free(verifier);
    free_inputs(&f);
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
