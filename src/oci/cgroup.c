/* cgroupfs placement and limits (see cgroup.h). */
#include "oci/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct hierarchy {
    char mount[512];
    char controllers[256]; /* v1: super options ("rw,memory"); v2: "" */
    bool v2;
} hierarchy;

#define MAX_HIERARCHIES 24

/* The cgroup hierarchies mounted at their root, from /proc/self/mountinfo. */
static size_t find_hierarchies(hierarchy *out, size_t max)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return 0;
    char line[4096];
    size_t n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        /* id parent major:minor root mountpoint options [optional...] - fstype source superopts */
        char root[512], mnt[512], fstype[64], super[256];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %511s %511s", root, mnt) != 2 ||
            sscanf(dash + 3, "%63s %*s %255s", fstype, super) != 2 || strcmp(root, "/") != 0)
            continue;
        bool v2 = strcmp(fstype, "cgroup2") == 0;
        if (!v2 && strcmp(fstype, "cgroup") != 0)
            continue;
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = out[i].v2 == v2 && strcmp(out[i].controllers, v2 ? "" : super) == 0;
        if (seen)
            continue;
        snprintf(out[n].mount, sizeof out[n].mount, "%s", mnt);
        snprintf(out[n].controllers, sizeof out[n].controllers, "%s", v2 ? "" : super);
        out[n].v2 = v2;
        n++;
    }
    fclose(f);
    return n;
}

static bool has_controller(const hierarchy *h, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = h->controllers; (p = strstr(p, name)); p += len)
        if ((p == h->controllers || p[-1] == ',') && (p[len] == 0 || p[len] == ','))
            return true;
    return false;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice" ("-.slice": the root). */
static int expand_slice(const char *slice, char *out, size_t size)
{
    size_t len = strlen(slice);
    out[0] = 0;
    if (strcmp(slice, "-.slice") == 0)
        return 0;
    if (len < 7 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/') || slice[0] == '-' ||
        strstr(slice, "--") || slice[len - 7] == '-')
        return -1;
    size_t used = 0;
    for (size_t i = 0; i + 6 <= len; i++) {
        if (i + 6 == len || slice[i] == '-') {
            int w = snprintf(out + used, size - used, "/%.*s.slice", (int)i, slice);
            if (w < 0 || (size_t)w >= size - used)
                return -1;
            used += (size_t)w;
        }
    }
    return 0;
}

int oci_cgroup_path(const char *cgroups_path, bool systemd, const char *id, char *out, size_t size, char *err,
                    size_t errlen)
{
    int n;
    if (!cgroups_path || !*cgroups_path) {
        n = snprintf(out, size, "/enarx-oci/%s", id);
    } else if (systemd) {
        /* slice:prefix:name */
        const char *c1 = strchr(cgroups_path, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c1 || !c2 || strchr(c2 + 1, ':') || strchr(cgroups_path, '/')) {
            snprintf(err, errlen, "linux.cgroupsPath: \"%s\" is not systemd's slice:prefix:name form "
                     "(--systemd-cgroup was given)", cgroups_path);
            return -1;
        }
        char slice[256], prefix[256], name[256], expanded[1024];
        snprintf(slice, sizeof slice, "%.*s", (int)(c1 - cgroups_path), cgroups_path);
        snprintf(prefix, sizeof prefix, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
        snprintf(name, sizeof name, "%s", c2 + 1);
        if (!*slice)
            snprintf(slice, sizeof slice, "system.slice");
        if (expand_slice(slice, expanded, sizeof expanded) < 0 || !*name) {
            snprintf(err, errlen, "linux.cgroupsPath: \"%s\": %s", cgroups_path,
                     *name ? "the slice is not a valid systemd slice name" : "the name part is empty");
            return -1;
        }
        size_t nl = strlen(name);
        if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0) {
            char sub[1024];
            if (expand_slice(name, sub, sizeof sub) < 0) {
                snprintf(err, errlen, "linux.cgroupsPath: \"%s\": the name is not a valid slice", cgroups_path);
                return -1;
            }
            n = snprintf(out, size, "%s", sub);
        } else {
            n = snprintf(out, size, "%s/%s%s%s.scope", expanded, prefix, *prefix ? "-" : "", name);
        }
    } else {
        if (strstr(cgroups_path, "..")) {
            snprintf(err, errlen, "linux.cgroupsPath: \"%s\" must not contain \"..\"", cgroups_path);
            return -1;
        }
        if (strchr(cgroups_path, ':') && !strchr(cgroups_path, '/')) {
            snprintf(err, errlen, "linux.cgroupsPath: \"%s\" looks like systemd's slice:prefix:name form; "
                     "the engine should then pass --systemd-cgroup", cgroups_path);
            return -1;
        }
        n = snprintf(out, size, "%s", cgroups_path);
    }
    if (n < 0 || (size_t)n >= size) {
        snprintf(err, errlen, "linux.cgroupsPath: too long");
        return -1;
    }
    return 0;
}

/* The runtime's own cgroup in a hierarchy, for relative paths. */
static void own_cgroup(const hierarchy *h, char *out, size_t size)
{
    snprintf(out, size, "/");
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = 0;
        const char *ctl = c1 + 1;
        bool match = h->v2 ? *ctl == 0 : false;
        if (!h->v2 && *ctl) {
            /* "cpu,cpuacct" in /proc/self/cgroup; "rw,cpu,cpuacct" in the options */
            char copy[256];
            snprintf(copy, sizeof copy, "%s", ctl);
            match = true;
            for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                match = match && has_controller(h, t);
        }
        if (match) {
            snprintf(out, size, "%s", c2 + 1);
            break;
        }
    }
    fclose(f);
}

static int write_file(const char *dir, const char *file, const char *value)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t len = (ssize_t)strlen(value), w = write(fd, value, (size_t)len);
    int saved = errno;
    close(fd);
    errno = saved;
    return w == len ? 0 : -1;
}

static bool file_exists(const char *dir, const char *file)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

/* cpuset: a new cgroup starts with no cpus or mems and nothing can join it
 * until they are copied from its parent. */
static void inherit_cpuset(const char *dir)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    for (size_t i = 0; i < 2; i++) {
        char path[1200], buf[1024] = "";
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        bool empty = !fgets(buf, sizeof buf, f) || buf[0] == '\n' || buf[0] == 0;
        fclose(f);
        if (!empty)
            continue;
        char parent[1024];
        snprintf(parent, sizeof parent, "%s", dir);
        char *slash = strrchr(parent, '/');
        if (!slash)
            continue;
        *slash = 0;
        snprintf(path, sizeof path, "%s/%s", parent, files[i]);
        if ((f = fopen(path, "re"))) {
            if (fgets(buf, sizeof buf, f))
                write_file(dir, files[i], buf);
            fclose(f);
        }
    }
}

/* mkdir -p below the hierarchy's mount; each new level of a cpuset
 * hierarchy gets its parent's cpus and mems. */
static int make_dirs(const hierarchy *h, const char *dir)
{
    char path[1024];
    size_t base = strlen(h->mount);
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + base + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        if (mkdir(path, 0755) == 0) {
            if (has_controller(h, "cpuset"))
                inherit_cpuset(path);
        } else if (errno != EEXIST) {
            return -1;
        }
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return -1;
    if (has_controller(h, "cpuset"))
        inherit_cpuset(path);
    return 0;
}

typedef struct applied {
    bool memory, reservation, swap, shares, quota, cpus, mems, pids;
} applied;

static int set(const char *dir, const char *file, long long value, bool *done, const char *field, char *err,
               size_t errlen)
{
    if (!file_exists(dir, file))
        return 0;
    char text[32];
    if (value == -1 && strcmp(file, "pids.max") == 0)
        snprintf(text, sizeof text, "max");
    else
        snprintf(text, sizeof text, "%lld", value);
    if (write_file(dir, file, text) != 0) {
        snprintf(err, errlen, "%s: cannot write %lld to %s/%s: %s", field, value, dir, file, strerror(errno));
        return -1;
    }
    *done = true;
    return 0;
}

static int set_text(const char *dir, const char *file, const char *value, bool *done, const char *field,
                    char *err, size_t errlen)
{
    if (!file_exists(dir, file))
        return 0;
    if (write_file(dir, file, value) != 0) {
        snprintf(err, errlen, "%s: cannot write \"%s\" to %s/%s: %s", field, value, dir, file, strerror(errno));
        return -1;
    }
    *done = true;
    return 0;
}

/* cpuset and pids: the same files in v1 and v2 */
static int apply_common(const char *dir, const oci_resources *r, applied *a, char *err, size_t errlen)
{
    if (r->cpus && *r->cpus && set_text(dir, "cpuset.cpus", r->cpus, &a->cpus, "linux.resources.cpu.cpus", err, errlen))
        return -1;
    if (r->mems && *r->mems && set_text(dir, "cpuset.mems", r->mems, &a->mems, "linux.resources.cpu.mems", err, errlen))
        return -1;
    if (r->pids_limit > 0 && set(dir, "pids.max", r->pids_limit, &a->pids, "linux.resources.pids.limit", err, errlen))
        return -1;
    return 0;
}

static int apply_v1(const char *dir, const oci_resources *r, applied *a, char *err, size_t errlen)
{
    if (r->memory_limit >= 0 &&
        set(dir, "memory.limit_in_bytes", r->memory_limit, &a->memory, "linux.resources.memory.limit", err, errlen))
        return -1;
    if (r->memory_reservation >= 0 && set(dir, "memory.soft_limit_in_bytes", r->memory_reservation,
                                          &a->reservation, "linux.resources.memory.reservation", err, errlen))
        return -1;
    if (r->memory_swap >= 0 && file_exists(dir, "memory.memsw.limit_in_bytes") &&
        set(dir, "memory.memsw.limit_in_bytes", r->memory_swap, &a->swap, "linux.resources.memory.swap", err, errlen))
        return -1;
    if (r->cpu_shares > 0 && set(dir, "cpu.shares", r->cpu_shares, &a->shares, "linux.resources.cpu.shares", err, errlen))
        return -1;
    if (r->cpu_period > 0 && set(dir, "cpu.cfs_period_us", r->cpu_period, &a->quota, "linux.resources.cpu.period",
                                 err, errlen))
        return -1;
    if (r->cpu_quota != 0 && r->cpu_quota != -1 &&
        set(dir, "cpu.cfs_quota_us", r->cpu_quota, &a->quota, "linux.resources.cpu.quota", err, errlen))
        return -1;
    return apply_common(dir, r, a, err, errlen);
}

static int apply_v2(const char *dir, const oci_resources *r, applied *a, char *err, size_t errlen)
{
    if (r->memory_limit >= 0 && set(dir, "memory.max", r->memory_limit, &a->memory, "linux.resources.memory.limit", err, errlen))
        return -1;
    if (r->memory_reservation >= 0 &&
        set(dir, "memory.low", r->memory_reservation, &a->reservation, "linux.resources.memory.reservation", err, errlen))
        return -1;
    if (r->memory_swap >= 0 && r->memory_limit >= 0 && r->memory_swap >= r->memory_limit &&
        set(dir, "memory.swap.max", r->memory_swap - r->memory_limit, &a->swap, "linux.resources.memory.swap", err, errlen))
        return -1;
    if (r->cpu_shares > 0) {
        long long weight = 1 + ((r->cpu_shares - 2) * 9999) / 262142;
        if (set(dir, "cpu.weight", weight < 1 ? 1 : weight > 10000 ? 10000 : weight, &a->shares,
                "linux.resources.cpu.shares", err, errlen))
            return -1;
    }
    if ((r->cpu_quota > 0 || r->cpu_period > 0) && file_exists(dir, "cpu.max")) {
        char text[64];
        long long period = r->cpu_period > 0 ? (long long)r->cpu_period : 100000LL;
        if (r->cpu_quota > 0)
            snprintf(text, sizeof text, "%lld %lld", (long long)r->cpu_quota, period);
        else
            snprintf(text, sizeof text, "max %lld", period);
        if (set_text(dir, "cpu.max", text, &a->quota, "linux.resources.cpu.quota", err, errlen))
            return -1;
    }
    return apply_common(dir, r, a, err, errlen);
}

static int check_applied(const oci_resources *r, const applied *a, char *err, size_t errlen)
{
    const char *missing = NULL;
    if (r->memory_limit >= 0 && !a->memory)
        missing = "linux.resources.memory.limit: no memory cgroup controller";
    else if (r->cpu_shares > 0 && !a->shares)
        missing = "linux.resources.cpu.shares: no cpu cgroup controller";
    else if (r->cpu_quota > 0 && !a->quota)
        missing = "linux.resources.cpu.quota: no cpu cgroup controller";
    else if (r->cpus && *r->cpus && !a->cpus)
        missing = "linux.resources.cpu.cpus: no cpuset cgroup controller";
    else if (r->pids_limit > 0 && !a->pids)
        missing = "linux.resources.pids.limit: no pids cgroup controller";
    if (!missing)
        return 0;
    snprintf(err, errlen, "%s on this host can apply it", missing);
    return -1;
}

int oci_cgroup_plan(const char *path, oci_state *st, char *err, size_t errlen)
{
    hierarchy hs[MAX_HIERARCHIES];
    size_t n = find_hierarchies(hs, MAX_HIERARCHIES);
    for (size_t i = 0; i < n && st->cgroup_count < OCI_MAX_CGROUPS; i++) {
        char base[512] = "/", dir[1024];
        if (path[0] != '/')
            own_cgroup(&hs[i], base, sizeof base);
        int len = snprintf(dir, sizeof dir, "%s%s%s%s", hs[i].mount, base, base[strlen(base) - 1] == '/' ? "" : "/",
                           path[0] == '/' ? path + 1 : path);
        if (len < 0 || (size_t)len >= sizeof dir) {
            snprintf(err, errlen, "linux.cgroupsPath: %s is too long", path);
            return -1;
        }
        if (!(st->cgroups[st->cgroup_count] = strdup(dir))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        st->cgroup_count++;
    }
    return 0;
}

/* The hierarchy a planned directory is on. */
static const hierarchy *hierarchy_of(const hierarchy *hs, size_t n, const char *dir)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(hs[i].mount);
        if (strncmp(dir, hs[i].mount, len) == 0 && dir[len] == '/')
            return &hs[i];
    }
    return NULL;
}

int oci_cgroup_create(const oci_resources *r, oci_state *st, char *err, size_t errlen)
{
    hierarchy hs[MAX_HIERARCHIES];
    size_t n = find_hierarchies(hs, MAX_HIERARCHIES);
    applied a = {0};
    size_t kept = 0;
    for (size_t i = 0; i < st->cgroup_count; i++) {
        const hierarchy *h = hierarchy_of(hs, n, st->cgroups[i]);
        if (!h || make_dirs(h, st->cgroups[i]) < 0) {
            /* an unusable hierarchy (read-only, or v2 here with nothing delegated) is skipped */
            free(st->cgroups[i]);
            continue;
        }
        st->cgroups[kept++] = st->cgroups[i];
        if ((h->v2 ? apply_v2 : apply_v1)(st->cgroups[kept - 1], r, &a, err, errlen) < 0) {
            for (size_t k = i + 1; k < st->cgroup_count; k++)
                st->cgroups[kept++] = st->cgroups[k];
            st->cgroup_count = kept;
            return -1;
        }
    }
    st->cgroup_count = kept;
    return check_applied(r, &a, err, errlen);
}

int oci_cgroup_join(const oci_state *st, pid_t pid, char *err, size_t errlen)
{
    char text[32];
    snprintf(text, sizeof text, "%d", (int)pid);
    for (size_t i = 0; i < st->cgroup_count; i++) {
        if (write_file(st->cgroups[i], "cgroup.procs", text) != 0) {
            snprintf(err, errlen, "linux.cgroupsPath: cannot move the Keep into %s: %s", st->cgroups[i],
                     strerror(errno));
            return -1;
        }
    }
    return 0;
}

static size_t read_pids(const char *dir, pid_t *out, size_t max)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = 0;
    int pid;
    while (n < max && fscanf(f, "%d", &pid) == 1)
        out[n++] = (pid_t)pid;
    fclose(f);
    return n;
}

void oci_cgroup_remove(const oci_state *st)
{
    for (size_t i = 0; i < st->cgroup_count; i++) {
        for (int attempt = 0; attempt < 200; attempt++) {
            if (rmdir(st->cgroups[i]) == 0 || errno == ENOENT)
                break;
            if (errno != EBUSY)
                break;
            /* something of the Keep outlived its process: it goes too */
            pid_t pids[256];
            size_t n = read_pids(st->cgroups[i], pids, 256);
            for (size_t k = 0; k < n; k++)
                kill(pids[k], SIGKILL);
            struct timespec ts = {0, 10L * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

int oci_cgroup_pids(const oci_state *st, pid_t **pids, size_t *count)
{
    *count = 0;
    *pids = calloc(4096, sizeof **pids);
    if (!*pids)
        return -1;
    for (size_t i = 0; i < st->cgroup_count && *count == 0; i++)
        *count = read_pids(st->cgroups[i], *pids, 4096);
    return 0;
}
