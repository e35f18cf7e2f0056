/* enarx deploy: an attested `run` (docs/deploy.md). The module, its
 * configuration, arguments, environment and secrets go to the Keep only
 * inside a TLS channel whose other end has proved what it is. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi/workload_stream.h"
#include "attest/attest.h"
#include "backend/backend.h"
#include "backend/workload_stream.h"
#include "cli/commands.h"
#include "cli/log.h"
#include "cli/run_config.h"
#include "common/file.h"
#include "common/hex.h"
#include "deploy/deploy.h"
#include "measure/measure.h"

int cmd_deploy(int argc, char **argv);

typedef struct deploy_options {
    const char *host, *backend, *policy, *expect_hex, *config, *test_root, *module;
    bool allow_unattested, json;
    const char **env, **secrets;
    size_t env_count, secret_count;
    char **args;
    int arg_count;
} deploy_options;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx deploy [OPTIONS] MODULE.wasm [ARGS...]\n"
            "\n"
            "Runs a WebAssembly module in a Keep that proves what it is first: the Keep's\n"
            "RA-TLS certificate and fresh evidence bound to this connection are verified,\n"
            "and only then are the module, Enarx.toml, arguments, environment and secrets\n"
            "sent, inside TLS. stdin, stdout and stderr are relayed; the exit status is the\n"
            "workload's (1: a check failed or the Keep failed; 2: usage or input error).\n"
            "\n"
            "Options:\n"
            "  --host <HOST:PORT>            an `enarx host` agent (default: a local Keep)\n"
            "  --backend <B>                 nil, kvm, ... (local: default the first available;\n"
            "                                with --host: the agent's own)\n"
            "  --policy <FILE>               attestation policy (TOML, docs/attestation.md)\n"
            "  --expect-measurement <HEX>    the Keep's measurement must be this (`enarx keep\n"
            "                                measure`); default: what this build computes\n"
            "  --insecure-allow-unattested   accept a Keep without a hardware root (nil, kvm)\n"
            "  --wasmcfgfile <FILE>          Enarx.toml [env: ENARX_WASMCFGFILE]\n"
            "  --env <NAME=VALUE>            add to the workload's environment\n"
            "  --secret <NAME=PATH>          the file PATH, readable by the workload as\n"
            "                                /run/secrets/NAME (never on the host's disk)\n"
            "  --test-root <FILE>            TEST ONLY: accept SNP evidence chaining to this ARK\n"
            "  --json                        print the verification outcome as JSON on stderr\n"
            "  --log-level <LEVEL>           error, warn, info, debug or trace [env: ENARX_LOG]\n"
            "  -h, --help                    this help\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("enarx deploy: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nRun `enarx deploy --help` for the options.\n", stderr);
    return 2;
}

static const char *value_of(int argc, char **argv, int *i, const char *name, bool *matched)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    *matched = strncmp(arg, name, n) == 0 && (arg[n] == 0 || arg[n] == '=');
    if (!*matched)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    return *i + 1 < argc ? argv[++*i] : NULL;
}

static int parse(int argc, char **argv, deploy_options *o)
{
    memset(o, 0, sizeof *o);
    o->config = getenv("ENARX_WASMCFGFILE");
    if (o->config && !*o->config)
        o->config = NULL;
    const char *log_env = getenv("ENARX_LOG");
    if (log_env && *log_env && cli_log_parse(log_env) >= 0)
        cli_log_set(cli_log_parse(log_env));
    o->env = calloc((size_t)argc + 1, sizeof *o->env);
    o->secrets = calloc((size_t)argc + 1, sizeof *o->secrets);
    if (!o->env || !o->secrets)
        return usage_error("out of memory");
    static const char *const with_value[] = {"--host", "--backend", "--policy", "--expect-measurement",
                                             "--wasmcfgfile", "--env", "--secret", "--test-root", "--log-level"};
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        if (strcmp(a, "--insecure-allow-unattested") == 0) {
            o->allow_unattested = true;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        bool matched = false;
        const char *v = NULL;
        size_t k = 0;
        for (; k < sizeof with_value / sizeof with_value[0]; k++)
            if ((v = value_of(argc, argv, &i, with_value[k], &matched)) || matched)
                break;
        if (!matched)
            return usage_error("unknown option '%s'", a);
        if (!v)
            return usage_error("%s needs a value", with_value[k]);
        switch (k) {
        case 0: o->host = v; break;
        case 1: o->backend = v; break;
        case 2: o->policy = v; break;
        case 3: o->expect_hex = v; break;
        case 4: o->config = v; break;
        case 5:
            if (v[0] == '=' || !strchr(v, '='))
                return usage_error("--env %s: expected NAME=VALUE", v);
            o->env[o->env_count++] = v;
            break;
        case 6:
            if (v[0] == '=' || !strchr(v, '='))
                return usage_error("--secret %s: expected NAME=PATH", v);
            o->secrets[o->secret_count++] = v;
            break;
        case 7: o->test_root = v; break;
        default: {
            int level = cli_log_parse(v);
            if (level < 0)
                return usage_error("--log-level %s: expected error, warn, info, debug or trace", v);
            cli_log_set(level);
        }
        }
    }
    if (i >= argc)
        return usage_error("no MODULE given");
    o->module = argv[i];
    o->args = argv + i + 1;
    o->arg_count = argc - i - 1;
    return 0;
}

static int parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit_value(hex[2 * i]), lo = hex_digit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return 0;
}

/* The inputs the client reads: module, config, secrets. */
typedef struct inputs {
    file_contents module;
    run_config cfg;
    file_contents *secrets;
    wl_request_file *secret_req;
    size_t secret_count;
    uint8_t digest[32];
} inputs;

static void free_inputs(inputs *in)
{
    file_contents_free(&in->module);
    run_config_free(&in->cfg);
    for (size_t i = 0; i < in->secret_count; i++) {
        if (in->secrets[i].data)
            explicit_bzero(in->secrets[i].data, in->secrets[i].size);
        file_contents_free(&in->secrets[i]);
        free((char *)in->secret_req[i].name);
    }
    free(in->secrets);
    free(in->secret_req);
}

static int read_inputs(const deploy_options *o, inputs *in)
{
    memset(in, 0, sizeof *in);
    char why[512];
    if (file_read_all(o->module, WL_MAX_MODULE, 0, &in->module, why, sizeof why) != FILE_OK) {
        cli_log(ENARX_LOG_ERROR, "%s: %s", o->module, why);
        return 2;
    }
    if (in->module.size < 8 || memcmp(in->module.data, "\0asm\1\0\0\0", 8) != 0) {
        cli_log(ENARX_LOG_ERROR, "%s is not a WebAssembly module (no \\0asm version 1 header)", o->module);
        return 2;
    }
    SHA256(in->module.data, in->module.size, in->digest);
    int rc = run_config_load(o->config, &in->cfg);
    if (rc)
        return rc;
    in->secrets = calloc(o->secret_count + 1, sizeof *in->secrets);
    in->secret_req = calloc(o->secret_count + 1, sizeof *in->secret_req);
    if (!in->secrets || !in->secret_req)
        return 1;
    for (size_t i = 0; i < o->secret_count; i++) {
        const char *eq = strchr(o->secrets[i], '=');
        char *name = strndup(o->secrets[i], (size_t)(eq - o->secrets[i]));
        in->secret_count = i + 1;
        in->secret_req[i].name = name;
        if (!name)
            return 1;
        if (file_read_all(eq + 1, WL_MAX_SECRET, FILE_ACCEPT_PIPE, &in->secrets[i], why, sizeof why) != FILE_OK) {
            cli_log(ENARX_LOG_ERROR, "--secret %s: %s: %s", o->secrets[i], eq + 1, why);
            return 2;
        }
        in->secret_req[i].data = in->secrets[i].data;
        in->secret_req[i].size = in->secrets[i].size;
    }
    return 0;
}

/* The workload stream, in memory (it goes into the TLS channel, not a Keep's fd 3). */
static int build_stream(const deploy_options *o, inputs *in, uint8_t **stream, size_t *len)
{
    wl_request_file *files = in->cfg.file_count ? calloc(in->cfg.file_count, sizeof *files) : NULL;
    for (size_t i = 0; files && i < in->cfg.file_count; i++)
        files[i] = (wl_request_file){in->cfg.files[i].name, in->cfg.files[i].data, in->cfg.files[i].size};
    wl_request req = {
        .module = in->module.data, .module_size = in->module.size, .module_name = o->module,
        .config = in->cfg.text, .config_size = in->cfg.size, .config_name = in->cfg.text ? o->config : NULL,
        .config_strings = in->cfg.strings, .config_strings_bytes = in->cfg.strings_bytes,
        .args = (const char *const *)o->args, .arg_count = (size_t)o->arg_count,
        .env = o->env, .env_count = o->env_count, .files = files, .file_count = files ? in->cfg.file_count : 0,
        .log_level = cli_log_get(), .secrets = in->secret_req, .secret_count = in->secret_count,
        .digest = in->digest,
    };
    wl_problem p;
    if (wl_request_check(&req, &p) != 0) {
        if (p.part == WL_PART_SECRET_NAME)
            cli_log(ENARX_LOG_ERROR, "--secret %s: a secret's NAME is 1..%u of A-Z a-z 0-9 . _ - and unique",
                    o->secrets[p.index], WL_MAX_SECRET_NAME);
        else
            cli_log(ENARX_LOG_ERROR, "the workload breaks a limit of the Keep's input (part %d, entry %zu: %llu, "
                    "limit %llu)", (int)p.part, p.index, (unsigned long long)p.value, (unsigned long long)p.limit);
        free(files);
        return 2;
    }
    char err[512];
    int fd = memfd_create("enarx-deploy-workload", MFD_CLOEXEC);
    int rc = fd >= 0 && wl_stream_write(&req, fd, err, sizeof err) == 0 ? 0 : 1;
    free(files);
    off_t size = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
    void *map = size > 0 ? mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    if (fd >= 0)
        close(fd);
    if (map == MAP_FAILED) {
        cli_log(ENARX_LOG_ERROR, "cannot build the workload stream: %s", rc ? err : strerror(errno));
        return 1;
    }
    *stream = map;
    *len = (size_t)size;
    return 0;
}

static const char *kind_name(attest_kind k)
{
    switch (k) {
    case ATTEST_KIND_SNP: return "sev-snp";
    case ATTEST_KIND_SGX: return "sgx";
    case ATTEST_KIND_TDX: return "tdx";
    case ATTEST_KIND_UNATTESTED: return "unattested";
    default: return "unknown";
    }
}

static void hexstr(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
    out[2 * n] = 0;
}

/* As soon as the Keep is accepted, before the workload goes: what is not protected. */
static void warn_verified(const deploy_outcome *out)
{
    if (out->kind == ATTEST_KIND_UNATTESTED)
        fprintf(stderr, "enarx deploy: WARNING: the Keep is UNATTESTED (no hardware root of trust): its measurement "
                        "is only what the host claims, and the host can read and change the workload, its "
                        "secrets and its data in the Keep's memory. Accepted because of "
                        "--insecure-allow-unattested.\n");
    else if (out->test_root)
        fprintf(stderr, "enarx deploy: WARNING: the Keep's evidence chains to a TEST root (--test-root), not to "
                        "AMD or Intel: nothing is protected.\n");
}

static void report(const deploy_options *o, const deploy_outcome *out, int rc)
{
    if (rc != 0)
        fprintf(stderr, "enarx deploy: refused (%s): %s\n", out->failed_check, out->message);
    if (!o->json)
        return;
    json_t *j = json_object();
    char m[129], d[65];
    hexstr(out->measurement, out->measurement_len, m);
    hexstr(out->workload_digest, 32, d);
    json_object_set_new(j, "verified", json_boolean(out->verified));
    json_object_set_new(j, "evidence", json_string(kind_name(out->kind)));
    json_object_set_new(j, "hardware_rooted", json_boolean(out->hardware_rooted));
    json_object_set_new(j, "test_root", json_boolean(out->test_root));
    json_object_set_new(j, "measurement", json_string(m));
    if (out->ran) {
        json_object_set_new(j, "workload_sha256", json_string(d));
        json_object_set_new(j, "status", json_integer(out->status));
    }
    if (rc != 0) {
        json_object_set_new(j, "failed_check", json_string(out->failed_check));
        json_object_set_new(j, "message", json_string(out->message));
    }
    json_t *ms = json_object();
    json_object_set_new(ms, "connect", json_real(out->ms_connect));
    json_object_set_new(ms, "handshake", json_real(out->ms_handshake));
    json_object_set_new(ms, "verify_certificate", json_real(out->ms_verify_cert));
    json_object_set_new(ms, "fresh_evidence", json_real(out->ms_fresh));
    json_object_set_new(ms, "send_workload", json_real(out->ms_workload));
    json_object_set_new(j, "ms", ms);
    char *text = json_dumps(j, JSON_COMPACT);
    if (text)
        fprintf(stderr, "%s\n", text);
    free(text);
    json_decref(j);
}

static int deploy(const deploy_options *o)
{
    uint8_t expect[64], local[64];
    size_t expect_len = 0, local_len = 0;
    if (o->expect_hex && parse_hex(o->expect_hex, expect, sizeof expect, &expect_len) != 0)
        return usage_error("--expect-measurement %s: expected an even number of hex digits, at most 128",
                           o->expect_hex);
    char err[1024], exec_path[PATH_MAX];
    const backend *b = NULL;
    if (!o->host) {
        b = backend_select(o->backend, err, sizeof err);
        if (!b) {
            cli_log(ENARX_LOG_ERROR, "%s", err);
            return 2;
        }
    }
    if (backend_exec_path(exec_path, sizeof exec_path, err, sizeof err) != 0) {
        cli_log(ENARX_LOG_ERROR, "%s", err);
        return 1;
    }
    attest_policy *policy = NULL;
    file_contents pf = {0}, roots = {0};
    if (o->policy) {
        char why[512];
        if (file_read_all(o->policy, 1 << 20, 0, &pf, why, sizeof why) != FILE_OK ||
            !(policy = attest_policy_parse((const char *)pf.data, pf.size, err, sizeof err))) {
            cli_log(ENARX_LOG_ERROR, "--policy %s: %s", o->policy, pf.data ? err : why);
            file_contents_free(&pf);
            return 2;
        }
    }
    if (o->test_root) {
        char why[512];
        if (file_read_all(o->test_root, 1 << 20, 0, &roots, why, sizeof why) != FILE_OK) {
            cli_log(ENARX_LOG_ERROR, "--test-root %s: %s", o->test_root, why);
            attest_policy_free(policy);
            file_contents_free(&pf);
            return 2;
        }
    }
    /* Without --expect-measurement, the Keep must be what this build would
     * launch: its measurement computed here, as `enarx keep measure` does. */
    const char *measured_backend = b ? b->name : o->backend ? o->backend : "nil";
    if (!o->expect_hex) {
        struct measure_request mr = {.backend = measured_backend, .exec_path = exec_path};
        struct keep_measurement km;
        if (measure_keep(&mr, &km, err, sizeof err) == 0 && km.len <= sizeof local) {
            memcpy(local, km.digest, km.len);
            local_len = km.len;
        } else {
            cli_log(ENARX_LOG_WARN, "cannot compute the %s Keep's measurement here (%s); give "
                                    "--expect-measurement", measured_backend, err);
        }
    }
    inputs in;
    int rc = read_inputs(o, &in);
    uint8_t *stream = NULL;
    size_t stream_len = 0;
    if (rc == 0)
        rc = build_stream(o, &in, &stream, &stream_len);
    if (rc == 0) {
        deploy_checks ck = {.policy = policy, .expect_measurement = o->expect_hex ? expect : NULL,
                            .expect_len = expect_len, .local_measurement = local_len ? local : NULL,
                            .local_len = local_len,
                            .allow_unattested = o->allow_unattested || (policy && attest_policy_allows_unattested(policy)),
                            .test_roots = roots.data, .test_roots_len = roots.size, .verified = warn_verified};
        /* a local nil Keep claims the digest of the exec: the one just computed */
        backend_deploy_options bo = {.exec_path = exec_path, .log_level = cli_log_get(),
                                     .claimed = b && strcmp(b->name, "nil") == 0 && local_len == 48 ? local : NULL};
        deploy_target t = {.host = o->host, .backend = o->backend, .local_backend = b, .local_options = &bo};
        deploy_outcome out;
        int r = deploy_run(&t, &ck, stream, stream_len, in.digest, 0, 1, 2, &out);
        report(o, &out, r);
        rc = r == 0 ? out.status : 1;
        munmap(stream, stream_len);
    }
    free_inputs(&in);
    attest_policy_free(policy);
    file_contents_free(&pf);
    file_contents_free(&roots);
    return rc;
}

int cmd_deploy(int argc, char **argv)
{
    deploy_options o;
    int rc = parse(argc, argv, &o);
    if (rc == 0)
        rc = deploy(&o);
    free(o.env);
    free(o.secrets);
    return rc < 0 ? 0 : rc;
}
