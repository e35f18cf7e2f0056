/* config.json -> oci_spec (see spec.h). jansson builds the tree (duplicate
 * keys and NUL characters refused); everything after that is ours: each
 * object's keys are checked against what the runtime-spec defines, each
 * value's type and range, and each field we cannot honour for a Keep is
 * refused by name. */
#include "oci/spec.h"

#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>

#define MAX_STRING (128ul * 1024) /* one argument, variable or path, like a Keep's stream */
#define MAX_ITEMS 65536          /* entries in any one array or map */

typedef struct parser {
    char *err;
    size_t errlen;
} parser;

static int fail(parser *p, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(parser *p, const char *field, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "config.json: %s: ", field);
    if (n < 0 || (size_t)n >= p->errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Every key of obj must be in names (NULL-terminated). */
static int check_keys(parser *p, json_t *obj, const char *path, const char *const *names)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        bool known = false;
        for (size_t i = 0; names[i] && !known; i++)
            known = strcmp(key, names[i]) == 0;
        if (!known) {
            char field[512];
            snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "", key);
            return fail(p, field, "unknown field (not in the OCI runtime specification for Linux)");
        }
    }
    return 0;
}

static int dup_string(parser *p, json_t *v, const char *field, char **out)
{
    if (!json_is_string(v))
        return fail(p, field, "must be a string, not %s",
                    json_is_null(v) ? "null" : json_is_object(v) ? "an object" : json_is_array(v) ? "an array" : "a number or boolean");
    size_t len = json_string_length(v);
    if (len > MAX_STRING)
        return fail(p, field, "is %zu bytes long; the limit is %lu", len, MAX_STRING);
    if (!(*out = strdup(json_string_value(v))))
        return fail(p, field, "out of memory");
    return 0;
}

/* An optional string member. */
static int opt_string(parser *p, json_t *obj, const char *key, const char *path, char **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    char field[512];
    snprintf(field, sizeof field, "%s.%s", path, key);
    return dup_string(p, v, field, out);
}

static int opt_bool(parser *p, json_t *obj, const char *key, const char *path, bool *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        char field[512];
        snprintf(field, sizeof field, "%s.%s", path, key);
        return fail(p, field, "must be true or false");
    }
    *out = json_is_true(v);
    return 0;
}

/* An integer in [min, max]. */
static int get_int(parser *p, json_t *v, const char *field, int64_t min, int64_t max, int64_t *out)
{
    if (!json_is_integer(v))
        return fail(p, field, "must be an integer");
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return fail(p, field, "%lld is out of range [%lld, %lld]", (long long)i, (long long)min, (long long)max);
    *out = i;
    return 0;
}

static int opt_int(parser *p, json_t *obj, const char *key, const char *path, int64_t min, int64_t max,
                   int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    char field[512];
    snprintf(field, sizeof field, "%s.%s", path, key);
    return get_int(p, v, field, min, max, out);
}

/* An unsigned 64-bit value: jansson's integers are signed, so the top
 * half of the range (runc's "unlimited" rlimit) arrives as a real. */
static int get_u64(parser *p, json_t *v, const char *field, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v) && json_real_value(v) >= 9.2e18 && json_real_value(v) <= 18446744073709551615.0) {
        double d = json_real_value(v);
        *out = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
        return 0;
    }
    return fail(p, field, "must be an unsigned integer");
}

static int string_array(parser *p, json_t *v, const char *field, char ***out, size_t *count)
{
    if (!json_is_array(v))
        return fail(p, field, "must be an array of strings");
    size_t n = json_array_size(v);
    if (n > MAX_ITEMS)
        return fail(p, field, "has %zu entries; the limit is %u", n, MAX_ITEMS);
    char **list = calloc(n + 1, sizeof *list);
    if (!list)
        return fail(p, field, "out of memory");
    *out = list;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        char item[512];
        snprintf(item, sizeof item, "%s[%zu]", field, i);
        if (dup_string(p, json_array_get(v, i), item, &list[i]) < 0)
            return -1;
        *count = i + 1;
    }
    return 0;
}

static void free_strings(char **list, size_t count)
{
    for (size_t i = 0; list && i < count; i++)
        free(list[i]);
    free(list);
}

/* A member that must be absent, or empty (an empty array, object or string). */
static int refuse_unless_empty(parser *p, json_t *obj, const char *key, const char *path, const char *why)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
        (json_is_object(v) && json_object_size(v) == 0) || (json_is_string(v) && json_string_length(v) == 0))
        return 0;
    char field[512];
    snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "", key);
    return fail(p, field, "not supported by enarx-oci: %s", why);
}

/* A member that may be present but must have the given JSON type. */
static int accept_typed(parser *p, json_t *obj, const char *key, const char *path, json_type type)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v)) ||
        (type == JSON_REAL && json_is_number(v)))
        return 0;
    char field[512];
    snprintf(field, sizeof field, "%s.%s", path, key);
    static const char *const names[] = {"an object", "an array", "a string", "an integer", "a number",
                                        "a boolean", "a boolean", "null"};
    return fail(p, field, "must be %s", names[type]);
}

static int object_member(parser *p, json_t *obj, const char *key, const char *path, json_t **out)
{
    *out = json_object_get(obj, key);
    if (*out && !json_is_object(*out)) {
        char field[512];
        snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "", key);
        return fail(p, field, "must be an object");
    }
    return 0;
}

/* An array of at most max objects at field: the zeroed list (count + 1
 * entries of size bytes) to fill, or NULL after a message. */
static void *object_list(parser *p, json_t *v, const char *field, size_t max, size_t size)
{
    if (!json_is_array(v) || json_array_size(v) > max) {
        fail(p, field, "must be an array of at most %zu objects", max);
        return NULL;
    }
    void *list = calloc(json_array_size(v) + 1, size);
    if (!list)
        fail(p, field, "out of memory");
    return list;
}

/* Entry i of an array that must hold objects; path receives "field[i]". */
static json_t *object_entry(parser *p, json_t *v, size_t i, const char *field, char *path, size_t size)
{
    snprintf(path, size, "%s[%zu]", field, i);
    json_t *entry = json_array_get(v, i);
    if (!json_is_object(entry)) {
        fail(p, path, "must be an object");
        return NULL;
    }
    return entry;
}

/* ---- root ---- */

static int parse_root(parser *p, json_t *root, oci_spec *s)
{
    if (!root)
        return fail(p, "root", "missing: the bundle must name its root filesystem (root.path)");
    if (!json_is_object(root))
        return fail(p, "root", "must be an object");
    static const char *const keys[] = {"path", "readonly", NULL};
    if (check_keys(p, root, "root", keys) < 0 || opt_string(p, root, "path", "root", &s->root_path) < 0 ||
        opt_bool(p, root, "readonly", "root", &s->root_readonly) < 0)
        return -1;
    if (!s->root_path || !*s->root_path)
        return fail(p, "root.path", "missing or empty");
    return 0;
}

/* ---- process ---- */

static const struct {
    const char *name;
    int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},     {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},   {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int parse_rlimits(parser *p, json_t *v, oci_spec *s)
{
    if (!json_is_array(v))
        return fail(p, "process.rlimits", "must be an array");
    if (json_array_size(v) > OCI_MAX_RLIMITS)
        return fail(p, "process.rlimits", "has %zu entries; there are %d kinds", json_array_size(v),
                    OCI_MAX_RLIMITS);
    for (size_t i = 0; i < json_array_size(v); i++) {
        char path[64], field[96];
        json_t *r = object_entry(p, v, i, "process.rlimits", path, sizeof path);
        static const char *const keys[] = {"type", "soft", "hard", NULL};
        if (!r || check_keys(p, r, path, keys) < 0)
            return -1;
        json_t *type = json_object_get(r, "type");
        snprintf(field, sizeof field, "%s.type", path);
        if (!json_is_string(type))
            return fail(p, field, "must be a string such as RLIMIT_NOFILE");
        int resource = -1;
        for (size_t k = 0; k < sizeof rlimit_names / sizeof rlimit_names[0]; k++)
            if (strcmp(json_string_value(type), rlimit_names[k].name) == 0)
                resource = rlimit_names[k].resource;
        if (resource < 0)
            return fail(p, field, "\"%s\" is not a Linux resource limit", json_string_value(type));
        for (size_t k = 0; k < s->rlimit_count; k++)
            if (s->rlimits[k].resource == resource)
                return fail(p, field, "\"%s\" is given twice", json_string_value(type));
        oci_rlimit *out = &s->rlimits[s->rlimit_count];
        snprintf(field, sizeof field, "%s.soft", path);
        if (!json_object_get(r, "soft") || get_u64(p, json_object_get(r, "soft"), field, &out->soft) < 0)
            return json_object_get(r, "soft") ? -1 : fail(p, field, "missing");
        snprintf(field, sizeof field, "%s.hard", path);
        if (!json_object_get(r, "hard") || get_u64(p, json_object_get(r, "hard"), field, &out->hard) < 0)
            return json_object_get(r, "hard") ? -1 : fail(p, field, "missing");
        if (out->soft > out->hard)
            return fail(p, path, "soft limit %llu is above the hard limit %llu", (unsigned long long)out->soft,
                        (unsigned long long)out->hard);
        out->resource = resource;
        s->rlimit_count++;
    }
    return 0;
}

static int parse_user(parser *p, json_t *u, oci_spec *s)
{
    if (!u)
        return 0;
    if (!json_is_object(u))
        return fail(p, "process.user", "must be an object");
    static const char *const keys[] = {"uid", "gid", "umask", "additionalGids", "username", NULL};
    int64_t uid = 0, gid = 0, mask = -1;
    if (check_keys(p, u, "process.user", keys) < 0 ||
        opt_int(p, u, "uid", "process.user", 0, UINT32_MAX - 1, &uid) < 0 ||
        opt_int(p, u, "gid", "process.user", 0, UINT32_MAX - 1, &gid) < 0 ||
        opt_int(p, u, "umask", "process.user", 0, 0777, &mask) < 0 ||
        refuse_unless_empty(p, u, "username", "process.user", "it is for Windows"))
        return -1;
    s->uid = (uid_t)uid;
    s->gid = (gid_t)gid;
    s->umask = (int)mask;
    json_t *groups = json_object_get(u, "additionalGids");
    if (groups) {
        if (!json_is_array(groups) || json_array_size(groups) > 65536)
            return fail(p, "process.user.additionalGids", "must be an array of at most 65536 group ids");
        s->groups = calloc(json_array_size(groups) + 1, sizeof *s->groups);
        if (!s->groups)
            return fail(p, "process.user.additionalGids", "out of memory");
        for (size_t i = 0; i < json_array_size(groups); i++) {
            char field[64];
            int64_t g = 0;
            snprintf(field, sizeof field, "process.user.additionalGids[%zu]", i);
            if (get_int(p, json_array_get(groups, i), field, 0, UINT32_MAX - 1, &g) < 0)
                return -1;
            s->groups[s->group_count++] = (gid_t)g;
        }
    }
    return 0;
}

static int parse_capabilities(parser *p, json_t *caps)
{
    if (!caps)
        return 0;
    if (!json_is_object(caps))
        return fail(p, "process.capabilities", "must be an object");
    static const char *const keys[] = {"bounding", "effective", "inheritable", "permitted", "ambient", NULL};
    if (check_keys(p, caps, "process.capabilities", keys) < 0)
        return -1;
    const char *key;
    json_t *set;
    json_object_foreach(caps, key, set) {
        char field[96];
        snprintf(field, sizeof field, "process.capabilities.%s", key);
        if (!json_is_array(set))
            return fail(p, field, "must be an array of capability names");
        for (size_t i = 0; i < json_array_size(set); i++) {
            json_t *c = json_array_get(set, i);
            if (!json_is_string(c) || strncmp(json_string_value(c), "CAP_", 4) != 0) {
                snprintf(field, sizeof field, "process.capabilities.%s[%zu]", key, i);
                return fail(p, field, "must be a capability name such as CAP_CHOWN");
            }
        }
    }
    return 0;
}

static int parse_env(parser *p, json_t *v, oci_spec *s)
{
    if (string_array(p, v, "process.env", &s->env, &s->env_count) < 0)
        return -1;
    for (size_t i = 0; i < s->env_count; i++) {
        const char *eq = strchr(s->env[i], '=');
        if (!eq || eq == s->env[i]) {
            char field[64];
            snprintf(field, sizeof field, "process.env[%zu]", i);
            return fail(p, field, "\"%.200s\" is not NAME=VALUE", s->env[i]);
        }
    }
    return 0;
}

static int parse_process(parser *p, json_t *proc, oci_spec *s)
{
    if (!proc)
        return fail(p, "process", "missing: the bundle must say what to run");
    if (!json_is_object(proc))
        return fail(p, "process", "must be an object");
    static const char *const keys[] = {
        "terminal", "consoleSize", "cwd", "env", "args", "commandLine", "rlimits", "apparmorProfile",
        "capabilities", "noNewPrivileges", "oomScoreAdj", "selinuxLabel", "user", "ioPriority",
        "scheduler", "execCPUAffinity", NULL};
    if (check_keys(p, proc, "process", keys) < 0 || opt_bool(p, proc, "terminal", "process", &s->terminal) < 0 ||
        opt_bool(p, proc, "noNewPrivileges", "process", &s->no_new_privileges) < 0 ||
        opt_string(p, proc, "cwd", "process", &s->cwd) < 0 ||
        accept_typed(p, proc, "apparmorProfile", "process", JSON_STRING) < 0 ||
        accept_typed(p, proc, "selinuxLabel", "process", JSON_STRING) < 0 ||
        refuse_unless_empty(p, proc, "commandLine", "process", "it is for Windows") < 0 ||
        refuse_unless_empty(p, proc, "ioPriority", "process", "a Keep's I/O is done by its host process") < 0 ||
        refuse_unless_empty(p, proc, "scheduler", "process", "scheduling policies are not applied to Keeps") < 0 ||
        refuse_unless_empty(p, proc, "execCPUAffinity", "process", "use linux.resources.cpu.cpus") < 0 ||
        parse_capabilities(p, json_object_get(proc, "capabilities")) < 0 ||
        parse_user(p, json_object_get(proc, "user"), s) < 0)
        return -1;
    if (!s->cwd || s->cwd[0] != '/')
        return fail(p, "process.cwd", "%s; it must be an absolute path", s->cwd ? "is relative" : "missing");
    json_t *size;
    if (object_member(p, proc, "consoleSize", "process", &size) < 0)
        return -1;
    if (size) {
        static const char *const size_keys[] = {"height", "width", NULL};
        int64_t h = 0, w = 0;
        if (check_keys(p, size, "process.consoleSize", size_keys) < 0 ||
            opt_int(p, size, "height", "process.consoleSize", 0, 65535, &h) < 0 ||
            opt_int(p, size, "width", "process.consoleSize", 0, 65535, &w) < 0)
            return -1;
        s->console_height = (unsigned)h;
        s->console_width = (unsigned)w;
    }
    json_t *args = json_object_get(proc, "args");
    if (!args)
        return fail(p, "process.args", "missing: nothing to run");
    if (string_array(p, args, "process.args", &s->args, &s->arg_count) < 0)
        return -1;
    if (s->arg_count == 0 || !s->args[0][0])
        return fail(p, "process.args", "empty: nothing to run");
    json_t *env = json_object_get(proc, "env");
    if (env && parse_env(p, env, s) < 0)
        return -1;
    if (!s->env && !(s->env = calloc(1, sizeof *s->env)))
        return fail(p, "process.env", "out of memory");
    json_t *rl = json_object_get(proc, "rlimits");
    if (rl && parse_rlimits(p, rl, s) < 0)
        return -1;
    int64_t oom = 0;
    if (json_object_get(proc, "oomScoreAdj")) {
        if (opt_int(p, proc, "oomScoreAdj", "process", -1000, 1000, &oom) < 0)
            return -1;
        s->has_oom_score_adj = true;
        s->oom_score_adj = (int)oom;
    }
    return 0;
}

/* ---- mounts ---- */

static const struct {
    const char *name;
    unsigned long flag;
    bool clear;
} mount_flags[] = {
    {"ro", MS_RDONLY, false},        {"rw", MS_RDONLY, true},         {"nosuid", MS_NOSUID, false},
    {"suid", MS_NOSUID, true},       {"nodev", MS_NODEV, false},      {"dev", MS_NODEV, true},
    {"noexec", MS_NOEXEC, false},    {"exec", MS_NOEXEC, true},       {"sync", MS_SYNCHRONOUS, false},
    {"async", MS_SYNCHRONOUS, true}, {"noatime", MS_NOATIME, false},  {"atime", MS_NOATIME, true},
    {"nodiratime", MS_NODIRATIME, false}, {"diratime", MS_NODIRATIME, true},
    {"relatime", MS_RELATIME, false}, {"norelatime", MS_RELATIME, true},
    {"strictatime", MS_STRICTATIME, false}, {"nostrictatime", MS_STRICTATIME, true},
    {"mand", MS_MANDLOCK, false},    {"nomand", MS_MANDLOCK, true},   {"dirsync", MS_DIRSYNC, false},
    {"remount", MS_REMOUNT, false},
};

/* Options that choose propagation or are engine hints: no effect on a Keep's view. */
static const char *const ignored_mount_options[] = {
    "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
    "tmpcopyup", "notmpcopyup", "copy", "nocopy", "z", "Z", "U", "idmap", "ridmap", "rro", "rrw", NULL};

static int parse_mount_options(parser *p, json_t *opts, const char *path, oci_mount *m)
{
    char field[96];
    snprintf(field, sizeof field, "%s.options", path);
    if (!json_is_array(opts))
        return fail(p, field, "must be an array of strings");
    size_t data_len = 0;
    m->data = calloc(1, 1);
    if (!m->data)
        return fail(p, field, "out of memory");
    for (size_t i = 0; i < json_array_size(opts); i++) {
        json_t *o = json_array_get(opts, i);
        snprintf(field, sizeof field, "%s.options[%zu]", path, i);
        if (!json_is_string(o) || json_string_length(o) > 4096)
            return fail(p, field, "must be a string of at most 4096 bytes");
        const char *opt = json_string_value(o);
        if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
            m->bind = true;
            m->recursive = m->recursive || opt[0] == 'r';
            continue;
        }
        bool done = false;
        for (size_t k = 0; k < sizeof mount_flags / sizeof mount_flags[0] && !done; k++) {
            if (strcmp(opt, mount_flags[k].name) != 0)
                continue;
            if (mount_flags[k].clear) {
                m->flags &= ~mount_flags[k].flag;
                m->clear_flags |= mount_flags[k].flag;
            } else {
                m->flags |= mount_flags[k].flag;
                m->clear_flags &= ~mount_flags[k].flag;
            }
            done = true;
        }
        for (size_t k = 0; ignored_mount_options[k] && !done; k++)
            done = strcmp(opt, ignored_mount_options[k]) == 0;
        if (done)
            continue;
        /* anything else is file-system data (tmpfs size=, mode=, ...) */
        size_t len = strlen(opt);
        char *grown = realloc(m->data, data_len + len + 2);
        if (!grown)
            return fail(p, field, "out of memory");
        m->data = grown;
        if (data_len)
            m->data[data_len++] = ',';
        memcpy(m->data + data_len, opt, len + 1);
        data_len += len;
    }
    m->flags &= ~MS_REMOUNT;
    return 0;
}

static int parse_mounts(parser *p, json_t *v, oci_spec *s)
{
    if (!v)
        return 0;
    if (!(s->mounts = object_list(p, v, "mounts", 4096, sizeof *s->mounts)))
        return -1;
    for (size_t i = 0; i < json_array_size(v); i++) {
        oci_mount *out = &s->mounts[i];
        s->mount_count = i + 1;
        char path[64];
        json_t *m = object_entry(p, v, i, "mounts", path, sizeof path);
        static const char *const keys[] = {"destination", "type", "source", "options", "uidMappings",
                                           "gidMappings", NULL};
        if (!m || check_keys(p, m, path, keys) < 0 || opt_string(p, m, "destination", path, &out->destination) < 0 ||
            opt_string(p, m, "type", path, &out->type) < 0 || opt_string(p, m, "source", path, &out->source) < 0 ||
            refuse_unless_empty(p, m, "uidMappings", path, "id-mapped mounts") < 0 ||
            refuse_unless_empty(p, m, "gidMappings", path, "id-mapped mounts") < 0)
            return -1;
        char field[96];
        snprintf(field, sizeof field, "%s.destination", path);
        if (!out->destination || out->destination[0] != '/')
            return fail(p, field, "%s; it must be an absolute path in the container",
                        out->destination ? "is relative" : "missing");
        if ((!out->type && !(out->type = strdup(""))) || (!out->source && !(out->source = strdup(""))))
            return fail(p, path, "out of memory");
        json_t *opts = json_object_get(m, "options");
        if (opts ? parse_mount_options(p, opts, path, out) < 0 : !(out->data = calloc(1, 1)))
            return opts ? -1 : fail(p, path, "out of memory");
        if (strcmp(out->type, "bind") == 0 || strcmp(out->type, "rbind") == 0)
            out->bind = true;
    }
    return 0;
}

/* ---- linux ---- */

int oci_namespace_flag(const char *name)
{
    static const struct {
        const char *name;
        int flag;
    } kinds[] = {{"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
                 {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
                 {"cgroup", CLONE_NEWCGROUP}, {"time", 0x80 /* CLONE_NEWTIME */}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(name, kinds[i].name) == 0)
            return kinds[i].flag;
    return 0;
}

static int parse_namespaces(parser *p, json_t *v, oci_spec *s)
{
    if (!v)
        return 0;
    if (!(s->namespaces = object_list(p, v, "linux.namespaces", 16, sizeof *s->namespaces)))
        return -1;
    for (size_t i = 0; i < json_array_size(v); i++) {
        char path[64], field[96];
        json_t *ns = object_entry(p, v, i, "linux.namespaces", path, sizeof path);
        if (!ns)
            return -1;
        static const char *const keys[] = {"type", "path", NULL};
        char *type = NULL;
        oci_namespace *out = &s->namespaces[s->namespace_count];
        if (check_keys(p, ns, path, keys) < 0 || opt_string(p, ns, "type", path, &type) < 0 ||
            opt_string(p, ns, "path", path, &out->path) < 0) {
            free(type);
            free(out->path);
            out->path = NULL;
            return -1;
        }
        snprintf(field, sizeof field, "%s.type", path);
        int flag = type ? oci_namespace_flag(type) : 0;
        int rc = 0;
        if (!flag)
            rc = fail(p, field, "%s%s%s is not a Linux namespace kind", type ? "\"" : "", type ? type : "missing",
                      type ? "\"" : "");
        else if (flag == CLONE_NEWUSER || flag == 0x80)
            rc = fail(p, field, "\"%s\" namespaces are not supported by enarx-oci (run the engine rootful, "
                      "without user-namespace remapping)", type);
        for (size_t k = 0; rc == 0 && k < s->namespace_count; k++)
            if (s->namespaces[k].flag == flag)
                rc = fail(p, field, "\"%s\" is given twice", type);
        free(type);
        if (rc == 0 && out->path && out->path[0] != '/') {
            snprintf(field, sizeof field, "%s.path", path);
            rc = fail(p, field, "\"%s\" is not an absolute path", out->path);
        }
        if (rc < 0) {
            free(out->path);
            out->path = NULL;
            return -1;
        }
        if (out->path && !*out->path) {
            free(out->path);
            out->path = NULL;
        }
        out->flag = flag;
        s->namespace_count++;
    }
    return 0;
}

static int parse_memory(parser *p, json_t *mem, oci_resources *r)
{
    static const char *const keys[] = {"limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness",
                                       "disableOOMKiller", "useHierarchy", "checkBeforeUpdate", NULL};
    const char *path = "linux.resources.memory";
    if (check_keys(p, mem, path, keys) < 0 || opt_int(p, mem, "limit", path, -1, INT64_MAX, &r->memory_limit) < 0 ||
        opt_int(p, mem, "reservation", path, -1, INT64_MAX, &r->memory_reservation) < 0 ||
        opt_int(p, mem, "swap", path, -1, INT64_MAX, &r->memory_swap) < 0 ||
        accept_typed(p, mem, "kernel", path, JSON_INTEGER) < 0 ||
        accept_typed(p, mem, "kernelTCP", path, JSON_INTEGER) < 0 ||
        accept_typed(p, mem, "swappiness", path, JSON_INTEGER) < 0 ||
        accept_typed(p, mem, "disableOOMKiller", path, JSON_TRUE) < 0 ||
        accept_typed(p, mem, "useHierarchy", path, JSON_TRUE) < 0 ||
        accept_typed(p, mem, "checkBeforeUpdate", path, JSON_TRUE) < 0)
        return -1;
    if (r->memory_limit == 0)
        r->memory_limit = -1;
    return 0;
}

static int parse_cpu(parser *p, json_t *cpu, oci_resources *r)
{
    static const char *const keys[] = {"shares", "quota", "burst", "period", "realtimeRuntime",
                                       "realtimePeriod", "cpus", "mems", "idle", NULL};
    const char *path = "linux.resources.cpu";
    if (check_keys(p, cpu, path, keys) < 0 || opt_int(p, cpu, "shares", path, 0, INT64_MAX, &r->cpu_shares) < 0 ||
        opt_int(p, cpu, "quota", path, -1, INT64_MAX, &r->cpu_quota) < 0 ||
        opt_int(p, cpu, "period", path, 0, INT64_MAX, &r->cpu_period) < 0 ||
        opt_string(p, cpu, "cpus", path, &r->cpus) < 0 || opt_string(p, cpu, "mems", path, &r->mems) < 0)
        return -1;
    static const char *const refused[] = {"burst", "realtimeRuntime", "realtimePeriod", "idle"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        json_t *v = json_object_get(cpu, refused[i]);
        if (v && !(json_is_integer(v) && json_integer_value(v) == 0) && !json_is_null(v)) {
            char field[96];
            snprintf(field, sizeof field, "%s.%s", path, refused[i]);
            return fail(p, field, "not supported by enarx-oci (supported: shares, quota, period, cpus, mems)");
        }
    }
    return 0;
}

static int parse_hugepages(parser *p, json_t *v)
{
    if (!v)
        return 0;
    if (!json_is_array(v))
        return fail(p, "linux.resources.hugepageLimits", "must be an array");
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *h = json_array_get(v, i), *limit = json_is_object(h) ? json_object_get(h, "limit") : NULL;
        if (limit && json_is_integer(limit) && json_integer_value(limit) == 0)
            continue; /* kubelet's "none of this page size" */
        char field[96];
        snprintf(field, sizeof field, "linux.resources.hugepageLimits[%zu]", i);
        return fail(p, field, "not supported by enarx-oci: a Keep does not use huge pages");
    }
    return 0;
}

static int parse_resources(parser *p, json_t *res, oci_resources *r)
{
    if (!res)
        return 0;
    if (!json_is_object(res))
        return fail(p, "linux.resources", "must be an object");
    static const char *const keys[] = {"devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits",
                                       "network", "rdma", "unified", NULL};
    const char *path = "linux.resources";
    json_t *mem, *cpu, *pids;
    if (check_keys(p, res, path, keys) < 0 || accept_typed(p, res, "devices", path, JSON_ARRAY) < 0 ||
        refuse_unless_empty(p, res, "blockIO", path, "block I/O weights and throttles are not applied to Keeps") < 0 ||
        refuse_unless_empty(p, res, "network", path, "network class ids and priorities are not applied to Keeps") < 0 ||
        refuse_unless_empty(p, res, "rdma", path, "a Keep has no RDMA devices") < 0 ||
        refuse_unless_empty(p, res, "unified", path, "raw cgroup v2 settings are not applied to Keeps") < 0 ||
        parse_hugepages(p, json_object_get(res, "hugepageLimits")) < 0 || object_member(p, res, "memory", path, &mem) < 0 ||
        object_member(p, res, "cpu", path, &cpu) < 0 || object_member(p, res, "pids", path, &pids) < 0)
        return -1;
    if (mem && parse_memory(p, mem, r) < 0)
        return -1;
    if (cpu && parse_cpu(p, cpu, r) < 0)
        return -1;
    if (pids) {
        static const char *const pid_keys[] = {"limit", NULL};
        if (check_keys(p, pids, "linux.resources.pids", pid_keys) < 0 ||
            opt_int(p, pids, "limit", "linux.resources.pids", -1, INT64_MAX, &r->pids_limit) < 0)
            return -1;
        if (r->pids_limit == 0)
            r->pids_limit = -1;
    }
    return 0;
}

static int parse_string_map(parser *p, json_t *v, const char *path, oci_kv **out, size_t *count)
{
    if (!v)
        return 0;
    if (!json_is_object(v) || json_object_size(v) > MAX_ITEMS)
        return fail(p, path, "must be an object of at most %u strings", MAX_ITEMS);
    *out = calloc(json_object_size(v) + 1, sizeof **out);
    if (!*out)
        return fail(p, path, "out of memory");
    const char *key;
    json_t *value;
    json_object_foreach(v, key, value) {
        char field[512];
        snprintf(field, sizeof field, "%s[\"%.200s\"]", path, key);
        oci_kv *kv = &(*out)[*count];
        if (strlen(key) > 4096)
            return fail(p, field, "the key is longer than 4096 bytes");
        if (!(kv->key = strdup(key)))
            return fail(p, field, "out of memory");
        (*count)++;
        if (dup_string(p, value, field, &kv->value) < 0)
            return -1;
    }
    return 0;
}

static int parse_linux(parser *p, json_t *lx, oci_spec *s)
{
    if (!lx)
        return 0;
    if (!json_is_object(lx))
        return fail(p, "linux", "must be an object");
    static const char *const keys[] = {
        "namespaces", "uidMappings", "gidMappings", "timeOffsets", "devices", "cgroupsPath", "resources",
        "rootfsPropagation", "seccomp", "sysctl", "maskedPaths", "readonlyPaths", "mountLabel", "intelRdt",
        "personality", "memoryPolicy", "netDevices", NULL};
    if (check_keys(p, lx, "linux", keys) < 0 ||
        refuse_unless_empty(p, lx, "uidMappings", "linux", "user namespaces (run the engine rootful)") < 0 ||
        refuse_unless_empty(p, lx, "gidMappings", "linux", "user namespaces (run the engine rootful)") < 0 ||
        refuse_unless_empty(p, lx, "timeOffsets", "linux", "time namespaces") < 0 ||
        refuse_unless_empty(p, lx, "intelRdt", "linux", "Intel RDT") < 0 ||
        refuse_unless_empty(p, lx, "personality", "linux", "execution domains") < 0 ||
        refuse_unless_empty(p, lx, "memoryPolicy", "linux", "NUMA memory policies") < 0 ||
        refuse_unless_empty(p, lx, "netDevices", "linux", "moving network devices") < 0 ||
        accept_typed(p, lx, "devices", "linux", JSON_ARRAY) < 0 ||
        accept_typed(p, lx, "rootfsPropagation", "linux", JSON_STRING) < 0 ||
        accept_typed(p, lx, "seccomp", "linux", JSON_OBJECT) < 0 ||
        accept_typed(p, lx, "mountLabel", "linux", JSON_STRING) < 0 ||
        opt_string(p, lx, "cgroupsPath", "linux", &s->cgroups_path) < 0 ||
        parse_namespaces(p, json_object_get(lx, "namespaces"), s) < 0 ||
        parse_resources(p, json_object_get(lx, "resources"), &s->resources) < 0 ||
        parse_string_map(p, json_object_get(lx, "sysctl"), "linux.sysctl", &s->sysctl, &s->sysctl_count) < 0)
        return -1;
    json_t *masked = json_object_get(lx, "maskedPaths"), *ro = json_object_get(lx, "readonlyPaths");
    if ((masked && string_array(p, masked, "linux.maskedPaths", &s->masked_paths, &s->masked_count) < 0) ||
        (ro && string_array(p, ro, "linux.readonlyPaths", &s->readonly_paths, &s->readonly_count) < 0))
        return -1;
    return 0;
}

static int parse_hooks(parser *p, json_t *hooks)
{
    if (!hooks)
        return 0;
    if (!json_is_object(hooks))
        return fail(p, "hooks", "must be an object");
    static const char *const keys[] = {"prestart", "createRuntime", "createContainer", "startContainer",
                                       "poststart", "poststop", NULL};
    if (check_keys(p, hooks, "hooks", keys) < 0)
        return -1;
    for (size_t i = 0; keys[i]; i++)
        if (refuse_unless_empty(p, hooks, keys[i], "hooks", "hooks would run host programs around a Keep") < 0)
            return -1;
    return 0;
}

int oci_spec_parse(const char *text, size_t size, oci_spec *s, char *err, size_t errlen)
{
    parser p = {err, errlen};
    memset(s, 0, sizeof *s);
    s->umask = -1;
    oci_resources *r = &s->resources;
    r->memory_limit = r->memory_reservation = r->memory_swap = r->cpu_shares = r->cpu_quota = r->cpu_period =
        r->pids_limit = -1;
    if (size > OCI_SPEC_MAX_SIZE) {
        snprintf(err, errlen, "config.json: %zu bytes; the limit is %u", size, OCI_SPEC_MAX_SIZE);
        return -1;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        snprintf(err, errlen, "config.json:%d:%d: not valid JSON: %s", jerr.line, jerr.column, jerr.text);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "config.json: the document must be a JSON object");
        goto done;
    }
    static const char *const keys[] = {"ociVersion", "root", "mounts", "process", "hostname", "domainname",
                                       "hooks", "annotations", "linux", "solaris", "windows", "vm", "zos", NULL};
    char *version = NULL;
    if (check_keys(&p, doc, "", keys) < 0 || opt_string(&p, doc, "ociVersion", "", &version) < 0)
        goto done;
    if (!version || strncmp(version, "1.", 2) != 0) {
        fail(&p, "ociVersion", "%s%s%s; enarx-oci implements the OCI runtime specification 1.x",
             version ? "\"" : "missing", version ? version : "", version ? "\" is not supported" : "");
        free(version);
        goto done;
    }
    free(version);
    static const char *const platforms[] = {"solaris", "windows", "vm", "zos", NULL};
    for (size_t i = 0; platforms[i]; i++)
        if (refuse_unless_empty(&p, doc, platforms[i], "", "enarx-oci runs Linux bundles") < 0)
            goto done;
    if (parse_root(&p, json_object_get(doc, "root"), s) < 0 || parse_process(&p, json_object_get(doc, "process"), s) < 0 ||
        parse_mounts(&p, json_object_get(doc, "mounts"), s) < 0 || parse_hooks(&p, json_object_get(doc, "hooks")) < 0 ||
        opt_string(&p, doc, "hostname", "", &s->hostname) < 0 || opt_string(&p, doc, "domainname", "", &s->domainname) < 0 ||
        parse_string_map(&p, json_object_get(doc, "annotations"), "annotations", &s->annotations,
                         &s->annotation_count) < 0 ||
        parse_linux(&p, json_object_get(doc, "linux"), s) < 0)
        goto done;
    rc = 0;
done:
    json_decref(doc);
    if (rc < 0)
        oci_spec_free(s);
    return rc;
}

int oci_spec_peek(const char *text, size_t size, oci_spec *s, char *err, size_t errlen)
{
    parser p = {err, errlen};
    memset(s, 0, sizeof *s);
    if (size > OCI_SPEC_MAX_SIZE) {
        snprintf(err, errlen, "config.json: %zu bytes; the limit is %u", size, OCI_SPEC_MAX_SIZE);
        return -1;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        snprintf(err, errlen, "config.json:%d:%d: not valid JSON: %s", jerr.line, jerr.column, jerr.text);
        return -1;
    }
    json_t *root = json_object_get(doc, "root"), *proc = json_object_get(doc, "process");
    json_t *args = json_is_object(proc) ? json_object_get(proc, "args") : NULL;
    json_t *env = json_is_object(proc) ? json_object_get(proc, "env") : NULL;
    int rc = -1;
    if (!json_is_object(root) || !json_is_object(proc)) {
        fail(&p, json_is_object(root) ? "process" : "root", "missing, or not an object");
        goto done;
    }
    if (opt_string(&p, root, "path", "root", &s->root_path) < 0 || opt_string(&p, proc, "cwd", "process", &s->cwd) < 0 ||
        (args && string_array(&p, args, "process.args", &s->args, &s->arg_count) < 0) ||
        (env && string_array(&p, env, "process.env", &s->env, &s->env_count) < 0) ||
        parse_string_map(&p, json_object_get(doc, "annotations"), "annotations", &s->annotations,
                         &s->annotation_count) < 0)
        goto done;
    if (!s->root_path || !*s->root_path || !s->args || s->arg_count == 0) {
        fail(&p, s->root_path && *s->root_path ? "process.args" : "root.path", "missing or empty");
        goto done;
    }
    if (!s->cwd && !(s->cwd = strdup("/")))
        goto done;
    rc = 0;
done:
    json_decref(doc);
    if (rc < 0)
        oci_spec_free(s);
    return rc;
}

static void free_kv(oci_kv *kv, size_t count)
{
    for (size_t i = 0; kv && i < count; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void oci_spec_free(oci_spec *s)
{
    free(s->root_path);
    free_strings(s->args, s->arg_count);
    free_strings(s->env, s->env_count);
    free(s->cwd);
    free(s->groups);
    free(s->hostname);
    free(s->domainname);
    for (size_t i = 0; s->mounts && i < s->mount_count; i++) {
        free(s->mounts[i].destination);
        free(s->mounts[i].type);
        free(s->mounts[i].source);
        free(s->mounts[i].data);
    }
    free(s->mounts);
    for (size_t i = 0; s->namespaces && i < s->namespace_count; i++)
        free(s->namespaces[i].path);
    free(s->namespaces);
    free(s->cgroups_path);
    free(s->resources.cpus);
    free(s->resources.mems);
    free_kv(s->sysctl, s->sysctl_count);
    free_strings(s->masked_paths, s->masked_count);
    free_strings(s->readonly_paths, s->readonly_count);
    free_kv(s->annotations, s->annotation_count);
    memset(s, 0, sizeof *s);
}

const char *oci_spec_annotation(const oci_spec *s, const char *key)
{
    for (size_t i = 0; i < s->annotation_count; i++)
        if (strcmp(s->annotations[i].key, key) == 0)
            return s->annotations[i].value;
    return NULL;
}

const oci_namespace *oci_spec_namespace(const oci_spec *s, int flag)
{
    for (size_t i = 0; i < s->namespace_count; i++)
        if (s->namespaces[i].flag == flag)
            return &s->namespaces[i];
    return NULL;
}

const char *oci_spec_getenv(const oci_spec *s, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < s->env_count; i++)
        if (strncmp(s->env[i], name, n) == 0 && s->env[i][n] == '=')
            return s->env[i] + n + 1;
    return NULL;
}

int oci_signal_number(const char *text)
{
    if (!text || !*text)
        return -1;
    if (text[0] >= '0' && text[0] <= '9') {
        char *end;
        errno = 0;
        long n = strtol(text, &end, 10);
        return (*end || errno || n < 1 || n > SIGRTMAX) ? -1 : (int)n;
    }
    if (strncasecmp(text, "SIG", 3) == 0)
        text += 3;
    for (int sig = 1; sig < NSIG; sig++) {
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev && strcasecmp(abbrev, text) == 0)
            return sig;
    }
    if (strncasecmp(text, "RTMIN", 5) == 0 || strncasecmp(text, "RTMAX", 5) == 0) {
        bool min = strncasecmp(text, "RTMIN", 5) == 0;
        const char *rest = text + 5;
        long off = 0;
        if (*rest) {
            char *end;
            off = strtol(rest, &end, 10);
            if (*end || (min ? off < 0 : off > 0))
                return -1;
        }
        long sig = (min ? SIGRTMIN : SIGRTMAX) + off;
        return sig >= SIGRTMIN && sig <= SIGRTMAX ? (int)sig : -1;
    }
    return -1;
}
