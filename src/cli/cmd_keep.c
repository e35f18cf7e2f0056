/* enarx keep measure: the measurement of this build's Keep for a backend, as
 * its evidence will report it (src/measure/measure.h). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/kvm/kvm.h"
#include "cli/commands.h"
#include "measure/measure.h"

static void keep_usage(FILE *out)
{
    fprintf(out, "Usage: enarx keep <command>\n\n"
                 "Commands:\n"
                 "  measure [--backend B] [--memory SIZE] [--c-bit N] [--json]\n"
                 "                  the measurement of this build's Keep, as its evidence reports it\n");
}

static void measure_usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx keep measure [--backend nil|kvm|sev] [--memory SIZE] [--c-bit N] [--exec FILE] [--json]\n\n"
            "Prints the measurement of the Keep this build launches for `enarx deploy`, computed\n"
            "here, without the backend's hardware: compare it with what a Keep's evidence says\n"
            "(`enarx deploy --expect-measurement`, a policy's measurements).\n\n"
            "  nil  SHA-384 of the exec binary\n"
            "  kvm  SHA-384 chain over exactly the pages the VMM loads (shim, page tables, exec,\n"
            "       stack, boot information), built by the VMM's own loader\n"
            "  sev  the SEV-SNP launch digest of the same pages and the SNP Keep's own, VMSA\n"
            "       included, as the AMD secure processor computes it (the report's MEASUREMENT)\n\n"
            "Options:\n"
            "  --backend B     nil, kvm or sev (default: the one `enarx run` picks on this machine)\n"
            "  --memory SIZE   kvm, sev: the Keep's memory, e.g. 512M, 2G (default 2G; part of the\n"
            "                  measurement, since the page tables map all of it)\n"
            "  --c-bit N       sev: the encryption bit's position in page-table entries (default 51,\n"
            "                  every SNP processor's; `enarx platform info` shows this host's)\n"
            "  --vcpus N       sev: vCPUs launched; the SNP Keep has one (1 is the only value)\n"
            "  --exec FILE     the exec to measure (default: enarx-exec beside enarx, or $ENARX_EXEC)\n"
            "  --json          machine-readable output\n"
            "  -h, --help      this help\n");
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

static void print_measurement(const struct keep_measurement *m, int json)
{
    char digest[129];
    hex(m->digest, m->len, digest);
    if (json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "backend", m->backend, "algorithm", "sha-384",
                              "measurement", digest, "exec", m->exec_path);
        if (strcmp(m->backend, "nil") != 0) {
            json_object_set_new(o, "memory_bytes", json_integer((json_int_t)m->mem_size));
            json_object_set_new(o, "pages", json_integer((json_int_t)m->pages));
        }
        char *s = json_dumps(o, JSON_INDENT(2));
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(o);
        return;
    }
    printf("backend:      %s\n", m->backend);
    printf("exec:         %s\n", m->exec_path);
    if (strcmp(m->backend, "nil") != 0)
        printf("memory:       %llu MiB (%llu pages measured)\n", (unsigned long long)(m->mem_size >> 20),
               (unsigned long long)m->pages);
    printf("algorithm:    sha-384\n");
    printf("measurement:  %s\n", digest);
}

static int measure_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"backend", required_argument, NULL, 'b'}, {"memory", required_argument, NULL, 'm'},
        {"exec", required_argument, NULL, 'e'},    {"json", no_argument, NULL, 'j'},
        {"c-bit", required_argument, NULL, 'c'},   {"vcpus", required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    struct measure_request req = {0};
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
        switch (c) {
        case 'b': req.backend = optarg; break;
        case 'e': req.exec_path = optarg; break;
        case 'j': json = 1; break;
        case 'm':
            if (!(req.mem_size = kvm_parse_size(optarg))) {
                fprintf(stderr, "enarx keep measure: --memory '%s' is not a size such as 512M or 2G\n", optarg);
                return 2;
            }
            break;
        case 'c': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v < 32 || v > 51) {
                fprintf(stderr, "enarx keep measure: --c-bit '%s' is not a position from 32 to 51\n", optarg);
                return 2;
            }
            req.c_bit = (uint32_t)v;
            break;
        }
        case 'v':
            /* The SNP Keep runs on one vCPU: its shim is single-threaded and an
             * extra vCPU's VMSA would be measured state nobody runs. */
            if (strcmp(optarg, "1") != 0) {
                fprintf(stderr, "enarx keep measure: --vcpus '%s': a Keep has one vCPU (--vcpus 1)\n", optarg);
                return 2;
            }
            break;
        case 'h': measure_usage(stdout); return 0;
        default:
            fprintf(stderr, "enarx keep measure: unknown option or missing value: %s\n", argv[optind - 1]);
            measure_usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "enarx keep measure: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    char err[512];
    if (!req.backend) {
        const backend *b = backend_select(NULL, err, sizeof err);
        if (!b) {
            fprintf(stderr, "enarx keep measure: %s; name one with --backend\n", err);
            return 2;
        }
        req.backend = b->name;
    }
    if (req.mem_size && strcmp(req.backend, "kvm") != 0 && strcmp(req.backend, "sev") != 0) {
        fprintf(stderr, "enarx keep measure: --memory is part of a kvm or sev Keep's measurement only\n");
        return 2;
    }
    if (req.c_bit && strcmp(req.backend, "sev") != 0) {
        fprintf(stderr, "enarx keep measure: --c-bit is part of a sev Keep's measurement only\n");
        return 2;
    }
    struct keep_measurement m;
    if (measure_keep(&req, &m, err, sizeof err) != 0) {
        fprintf(stderr, "enarx keep measure: %s\n", err);
        return 1;
    }
    print_measurement(&m, json);
    return 0;
}

int cmd_keep(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        keep_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "measure") == 0)
        return measure_main(argc - 1, argv + 1);
    fprintf(stderr, "enarx keep: unknown subcommand '%s' (try `enarx keep --help`)\n", argv[1]);
    return 2;
}
