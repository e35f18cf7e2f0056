/* enarx platform info: which Keep backends this machine can run, and why not. */
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "abi/version.h"
#include "backend/backend.h"
#include "cli/commands.h"

int cmd_platform(int argc, char **argv);

static void platform_usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx platform <command>\n\n"
            "Commands:\n"
            "  info [--json]   the Keep backends this machine offers: each check that makes a\n"
            "                  backend available or not, and what to do about a failing one\n");
}

static void info_usage(FILE *out)
{
    fprintf(out,
            "Usage: enarx platform info [--json]\n\n"
            "Probes every Keep backend (sgx, sev, kvm, nil) and prints what passes and what\n"
            "fails. `enarx run` picks the first available one in that order.\n\n"
            "Options:\n"
            "  -j, --json   machine-readable output\n"
            "  -h, --help   this help\n");
}

static void system_info(char *out, size_t len)
{
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(out, len, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
    else
        snprintf(out, len, "unknown");
}

/* Every backend's checks, probed once; the default is the first available
 * one, in backend_all's order of preference (as backend_select chooses). */
#define SURVEY_MAX 8
typedef struct platform_survey {
    size_t count;
    const backend *chosen;
    struct {
        const backend *b;
        bool available;
        backend_report report;
    } entry[SURVEY_MAX];
} platform_survey;

static platform_survey *survey(void)
{
    platform_survey *s = calloc(1, sizeof *s);
    for (size_t i = 0; s && backend_all[i] && s->count < SURVEY_MAX; i++) {
        const backend *b = backend_all[i];
        bool available = backend_available(b, &s->entry[s->count].report);
        s->entry[s->count].b = b;
        s->entry[s->count++].available = available;
        if (available && !s->chosen)
            s->chosen = b;
    }
    if (!s)
        fprintf(stderr, "enarx platform info: out of memory\n");
    return s;
}

static int print_text(void)
{
    platform_survey *s = survey();
    if (!s)
        return 1;
    bool color = isatty(1);
    const char *ok = color ? "\033[32m✔\033[0m" : "✔";
    const char *bad = color ? "\033[31m✗\033[0m" : "✗";
    char sys[512];
    system_info(sys, sizeof sys);
    printf("Enarx version %s\nSystem Info: %s\n", ENARX_VERSION, sys);
    for (size_t i = 0; i < s->count; i++) {
        const backend *b = s->entry[i].b;
        const backend_report *r = &s->entry[i].report;
        bool available = s->entry[i].available;
        printf("%s Backend: %s (%s)\n", available ? ok : bad, b->name, b->summary);
        for (size_t k = 0; k < r->count; k++) {
            const backend_check *c = &r->checks[k];
            printf("%*s%s %s%s%s\n", 2 + 2 * c->depth, "", c->pass ? ok : bad, c->name,
                   c->info[0] ? ": " : "", c->info);
        }
        if (!available && r->hint[0])
            printf("\n  %s\n\n", r->hint);
    }
    printf("Default backend: %s\n", s->chosen ? s->chosen->name : "none");
    free(s);
    return 0;
}

/* Checks nest by depth, as upstream's JSON does: each datum holds its sub-checks. */
static json_t *checks_json(const backend_report *r, size_t *k, int depth)
{
    json_t *list = json_array();
    while (*k < r->count && r->checks[*k].depth >= depth) {
        const backend_check *c = &r->checks[*k];
        if (c->depth > depth) {
            json_t *last = json_array_get(list, json_array_size(list) - 1);
            json_t *sub = checks_json(r, k, c->depth);
            if (last)
                json_object_set_new(last, "data", sub);
            else
                json_decref(sub);
            continue;
        }
        json_t *item = json_object();
        json_object_set_new(item, "name", json_string(c->name));
        json_object_set_new(item, "pass", json_boolean(c->pass));
        json_object_set_new(item, "info", c->info[0] ? json_string(c->info) : json_null());
        json_object_set_new(item, "mesg", json_null());
        json_object_set_new(item, "data", json_array());
        json_array_append_new(list, item);
        (*k)++;
    }
    return list;
}

static int print_json(void)
{
    platform_survey *s = survey();
    if (!s)
        return 1;
    char sys[512];
    system_info(sys, sizeof sys);
    json_t *root = json_object();
    json_object_set_new(root, "version", json_string(ENARX_VERSION));
    json_object_set_new(root, "system_info", json_string(sys));
    json_t *list = json_array();
    for (size_t i = 0; i < s->count; i++) {
        const backend_report *r = &s->entry[i].report;
        bool available = s->entry[i].available;
        json_t *entry = json_object();
        json_object_set_new(entry, "backend", json_string(s->entry[i].b->name));
        json_object_set_new(entry, "available", json_boolean(available));
        size_t k = 0;
        json_object_set_new(entry, "data", checks_json(r, &k, 0));
        json_object_set_new(entry, "hint", available || !r->hint[0] ? json_null() : json_string(r->hint));
        json_array_append_new(list, entry);
    }
    json_object_set_new(root, "backends", list);
    json_object_set_new(root, "default", s->chosen ? json_string(s->chosen->name) : json_null());
    free(s);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return 1;
    puts(text);
    free(text);
    return 0;
}

int cmd_platform(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        platform_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "info") != 0) {
        fprintf(stderr, "enarx platform: unknown command '%s'\n", argv[1]);
        platform_usage(stderr);
        return 2;
    }
    bool json = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            info_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "enarx platform info: unknown option '%s'\n", argv[i]);
            info_usage(stderr);
            return 2;
        }
    }
    return json ? print_json() : print_text();
}
