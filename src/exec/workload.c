/* The workload description: Enarx.toml, then the command line's options. */
#include "exec/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/workload_stream.h"
#include "exec/grow.h"

int workload_add_string(char ***list, size_t *count, const char *s)
{
    char *copy = strdup(s);
    char **grown = copy ? grow_array(*list, *count, sizeof **list) : NULL;
    if (!grown) {
        free(copy);
        return -1;
    }
    grown[(*count)++] = copy;
    *list = grown;
    return 0;
}

xfile *workload_add_file(workload *w, xfile_kind kind, const char *name)
{
    xfile *grown = grow_array(w->files, w->file_count, sizeof *grown);
    if (!grown)
        return NULL;
    w->files = grown;
    xfile *f = &w->files[w->file_count];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->name = strdup(name);
    if (!f->name)
        return NULL;
    w->file_count++;
    return f;
}

/* The environment's entries by name: an open-addressing table of indices
 * into w->env, so that each NAME=VALUE from the command line finds the entry
 * it replaces at once (there may be 65,536 of each kind). */
typedef struct env_index {
    size_t *slots; /* index + 1; 0 = empty */
    size_t mask;
} env_index;

static int env_index_init(env_index *ix, size_t entries)
{
    size_t size = 16;
    while (size < 2 * entries)
        size *= 2;
    ix->mask = size - 1;
    ix->slots = calloc(size, sizeof *ix->slots);
    return ix->slots ? 0 : -1;
}

/* The slot of entry's NAME: where it is, or the empty slot it would take. */
static size_t *env_slot(const env_index *ix, char *const *env, const char *entry)
{
    size_t len = strcspn(entry, "=");
    uint64_t hash = 14695981039346656037ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ (uint8_t)entry[i]) * 1099511628211ull;
    for (size_t i = (size_t)hash & ix->mask;; i = (i + 1) & ix->mask) {
        size_t *slot = &ix->slots[i];
        if (*slot == 0 || (strncmp(env[*slot - 1], entry, len) == 0 && env[*slot - 1][len] == '='))
            return slot;
    }
}

/* NAME=VALUE from the command line replaces the same NAME from Enarx.toml
 * (or an earlier one from the command line). */
static int set_env(workload *w, env_index *ix, const char *entry)
{
    size_t *slot = env_slot(ix, w->env, entry);
    if (*slot == 0) {
        if (workload_add_string(&w->env, &w->env_count, entry) != 0)
            return -1;
        *slot = w->env_count;
        return 0;
    }
    char *copy = strdup(entry);
    if (!copy)
        return -1;
    free(w->env[*slot - 1]);
    w->env[*slot - 1] = copy;
    return 0;
}

static int add_command_line_env(const wl_stream *s, workload *w)
{
    env_index ix;
    if (env_index_init(&ix, w->env_count + s->env_count) != 0)
        return -1;
    for (size_t i = 0; i < w->env_count; i++)
        *env_slot(&ix, w->env, w->env[i]) = i + 1;
    int rc = 0;
    for (size_t i = 0; i < s->env_count && rc == 0; i++)
        rc = set_env(w, &ix, s->env[i]);
    free(ix.slots);
    return rc;
}

static uint64_t strings_bytes(char *const *list, size_t count)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < count; i++)
        bytes += strlen(list[i]) + 1;
    return bytes;
}

/* One limit for arguments and environment entries, wherever they came from
 * (abi/workload_stream.h): the config's (in w so far) and the stream's. */
static int check_strings(const wl_stream *s, const workload *w, char *err, size_t errlen)
{
    uint64_t from_config = (uint64_t)w->arg_count + w->env_count;
    uint64_t count = from_config + s->arg_count + s->env_count;
    uint64_t bytes = strings_bytes(w->args, w->arg_count) + strings_bytes(w->env, w->env_count) +
                     strings_bytes(s->args, s->arg_count) + strings_bytes(s->env, s->env_count);
    if (count <= WL_MAX_STRINGS && bytes <= WL_MAX_STRINGS_BYTES)
        return 0;
    snprintf(err, errlen, "%llu arguments and environment entries (%llu from %s, %zu from the command line), "
             "%llu bytes: a workload takes at most %u entries and %u bytes", (unsigned long long)count,
             (unsigned long long)from_config, s->config_name ? s->config_name : "Enarx.toml",
             s->arg_count + s->env_count, (unsigned long long)bytes, WL_MAX_STRINGS, WL_MAX_STRINGS_BYTES);
    return 2;
}

int workload_from_stream(const wl_stream *s, workload *w, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    if (s->config) {
        int rc = workload_from_toml(s->config, s->config_size, s->config_name ? s->config_name : "Enarx.toml",
                                    s, w, err, errlen);
        if (rc != 0) {
            workload_free(w);
            return rc;
        }
        w->from_config = true;
        if ((rc = check_strings(s, w, err, errlen)) != 0) {
            workload_free(w);
            return rc;
        }
    } else {
        static const struct { xfile_kind kind; const char *name; } stdio[] = {
            {XF_STDIN, "stdin"}, {XF_STDOUT, "stdout"}, {XF_STDERR, "stderr"}};
        for (size_t i = 0; i < 3; i++)
            if (!workload_add_file(w, stdio[i].kind, stdio[i].name))
                goto nomem;
    }
    for (size_t i = 0; i < s->dir_count; i++) {
        xfile *f = workload_add_file(w, XF_DIR, s->dirs[i].guest_path);
        if (!f)
            goto nomem;
        f->host_path = strdup(s->dirs[i].host_path);
        f->guest_path = strdup(s->dirs[i].guest_path);
        if (!f->host_path || !f->guest_path)
            goto nomem;
        snprintf(f->where, sizeof f->where, "--dir %s", s->dirs[i].host_path);
    }
    for (size_t i = 0; i < s->arg_count; i++)
        if (workload_add_string(&w->args, &w->arg_count, s->args[i]) != 0)
            goto nomem;
    if (add_command_line_env(s, w) != 0)
        goto nomem;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    workload_free(w);
    return 1;
}

void workload_free(workload *w)
{
    for (size_t i = 0; i < w->file_count; i++) {
        xfile *f = &w->files[i];
        free(f->name);
        free(f->host);
        free(f->host_path);
        free(f->guest_path);
        free(f->anchors);
    }
    free(w->files);
    for (size_t i = 0; i < w->arg_count; i++)
        free(w->args[i]);
    free(w->args);
    for (size_t i = 0; i < w->env_count; i++)
        free(w->env[i]);
    free(w->env);
    memset(w, 0, sizeof *w);
}
