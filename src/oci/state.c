/* Container state under --root (see state.h). */
#include "oci/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAX_SIZE (1u << 20)

bool oci_valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '+' || *c == '-' || *c == '.'))
            return false;
    return true;
}

bool oci_state_dir(const char *root, const char *id, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/keep/%s", root, id);
    return n > 0 && (size_t)n < size;
}

bool oci_fifo_path(const char *root, const char *id, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/keep/%s/exec.fifo", root, id);
    return n > 0 && (size_t)n < size;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    snprintf(err, errlen, "cannot create the state directory %s: %s", path, strerror(errno));
    return -1;
}

int oci_root_prepare(const char *root, char *err, size_t errlen)
{
    char path[4200];
    /* the root's parents too: a --root under a fresh /run/... */
    snprintf(path, sizeof path, "%s", root);
    for (char *slash = path + 1; (slash = strchr(slash, '/')); slash++) {
        *slash = 0;
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s (for --root %s): %s", path, root, strerror(errno));
            return -1;
        }
        *slash = '/';
    }
    if (make_dir(root, err, errlen) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/keep", root);
    if (make_dir(path, err, errlen) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/lock", root);
    return make_dir(path, err, errlen);
}

int oci_lock(const char *root, const char *id, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lock/%s", root, id);
    /* The file can be removed by a delete while we wait for it: then we
     * hold a lock nobody else sees, so check we locked the file that is
     * there and try again if not. */
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "cannot open the lock %s: %s", path, strerror(errno));
            return -1;
        }
        int rc;
        do
            rc = flock(fd, LOCK_EX);
        while (rc < 0 && errno == EINTR);
        if (rc < 0) {
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        struct stat held, current;
        if (fstat(fd, &held) == 0 && stat(path, &current) == 0 && held.st_ino == current.st_ino &&
            held.st_dev == current.st_dev)
            return fd;
        close(fd);
    }
    snprintf(err, errlen, "cannot lock %s: it keeps being removed", path);
    return -1;
}

void oci_unlock_remove(int fd, const char *root, const char *id)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lock/%s", root, id);
    unlink(path); /* while still holding it: a waiter then sees a new file */
    close(fd);
}

bool oci_state_exists(const char *root, const char *id)
{
    char dir[4200];
    struct stat st;
    return oci_state_dir(root, id, dir, sizeof dir) && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

int oci_state_save(const char *root, const oci_state *st, char *err, size_t errlen)
{
    json_t *cgroups = json_array();
    for (size_t i = 0; i < st->cgroup_count; i++)
        json_array_append_new(cgroups, json_string(st->cgroups[i]));
    json_t *annotations = st->annotations_json ? json_loads(st->annotations_json, 0, NULL) : json_object();
    if (!annotations)
        annotations = json_object();
    json_t *doc = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "ociVersion", "1.0.2", "id",
                            st->id, "pid", (json_int_t)st->pid, "startTime", (json_int_t)st->start_time, "bundle",
                            st->bundle, "rootfs", st->rootfs, "created", st->created, "backend", st->backend,
                            "cgroups", cgroups, "annotations", annotations);
    char dir[4200], tmp[4300], path[4300];
    oci_state_dir(root, st->id, dir, sizeof dir);
    snprintf(tmp, sizeof tmp, "%s/state.json.tmp", dir);
    snprintf(path, sizeof path, "%s/state.json", dir);
    if (!doc || json_dump_file(doc, tmp, JSON_COMPACT) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, doc ? strerror(errno) : "out of memory");
        json_decref(doc);
        unlink(tmp);
        return -1;
    }
    json_decref(doc);
    return 0;
}

static int copy_field(json_t *doc, const char *key, char *out, size_t size)
{
    json_t *v = json_object_get(doc, key);
    if (!json_is_string(v) || json_string_length(v) >= size)
        return -1;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

int oci_state_load(const char *root, const char *id, oci_state *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", id);
    if (!oci_state_exists(root, id)) {
        snprintf(err, errlen, "container %s does not exist", id);
        return -1;
    }
    char path[4300];
    oci_state_dir(root, id, path, sizeof path);
    strncat(path, "/state.json", sizeof path - strlen(path) - 1);
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return 1;
    json_t *pid = json_object_get(doc, "pid"), *start = json_object_get(doc, "startTime"),
           *cgroups = json_object_get(doc, "cgroups"), *annotations = json_object_get(doc, "annotations");
    int rc = -1;
    if (!json_is_integer(pid) || json_integer_value(pid) < 0 || json_integer_value(pid) > INT32_MAX ||
        !json_is_integer(start) || json_integer_value(start) < 0 || copy_field(doc, "bundle", st->bundle, sizeof st->bundle) ||
        copy_field(doc, "rootfs", st->rootfs, sizeof st->rootfs) || copy_field(doc, "created", st->created, sizeof st->created) ||
        copy_field(doc, "backend", st->backend, sizeof st->backend) || !json_is_array(cgroups) ||
        json_array_size(cgroups) > OCI_MAX_CGROUPS || !json_is_object(annotations)) {
        snprintf(err, errlen, "%s is corrupt; `delete --force %s` removes the container", path, id);
        goto done;
    }
    st->pid = (pid_t)json_integer_value(pid);
    st->start_time = (uint64_t)json_integer_value(start);
    for (size_t i = 0; i < json_array_size(cgroups); i++) {
        json_t *c = json_array_get(cgroups, i);
        if (!json_is_string(c) || !(st->cgroups[st->cgroup_count] = strdup(json_string_value(c)))) {
            snprintf(err, errlen, "%s is corrupt (cgroups); `delete --force %s` removes the container", path, id);
            goto done;
        }
        st->cgroup_count++;
    }
    st->annotations_json = json_dumps(annotations, JSON_COMPACT | JSON_PRESERVE_ORDER);
    rc = st->annotations_json ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "out of memory");
done:
    json_decref(doc);
    if (rc)
        oci_state_free(st);
    return rc;
}

void oci_state_free(oci_state *st)
{
    for (size_t i = 0; i < st->cgroup_count; i++)
        free(st->cgroups[i]);
    st->cgroup_count = 0;
    free(st->annotations_json);
    st->annotations_json = NULL;
}

int oci_state_remove(const char *root, const char *id, char *err, size_t errlen)
{
    char dir[4200];
    if (!oci_state_dir(root, id, dir, sizeof dir))
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    if (rmdir(dir) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

uint64_t oci_process_start_time(pid_t pid, bool *zombie)
{
    if (pid <= 0)
        return 0;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    /* comm (field 2) may hold spaces and parentheses: fields resume after the last ')' */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    p += 2;
    if (zombie)
        *zombie = *p == 'Z' || *p == 'X';
    /* p is at field 3 (state); the start time is field 22 */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

bool oci_process_alive(pid_t pid, uint64_t start_time)
{
    bool zombie = false;
    uint64_t t = oci_process_start_time(pid, &zombie);
    return t != 0 && t == start_time && !zombie;
}

oci_status oci_state_status(const char *root, const oci_state *st)
{
    if (!oci_process_alive(st->pid, st->start_time))
        return OCI_STOPPED;
    char fifo[4300];
    struct stat sb;
    if (oci_fifo_path(root, st->id, fifo, sizeof fifo) && stat(fifo, &sb) == 0)
        return OCI_CREATED;
    return OCI_RUNNING;
}

const char *oci_status_name(oci_status status)
{
    static const char *const names[] = {"created", "running", "stopped"};
    return names[status];
}

char *oci_state_json(const char *root, const oci_state *st)
{
    oci_status status = oci_state_status(root, st);
    json_t *annotations = st->annotations_json ? json_loads(st->annotations_json, 0, NULL) : NULL;
    if (!annotations)
        annotations = json_object();
    json_t *doc = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "ociVersion", "1.0.2", "id", st->id,
                            "pid", (json_int_t)(status == OCI_STOPPED ? 0 : st->pid), "status",
                            oci_status_name(status), "bundle", st->bundle, "rootfs", st->rootfs, "created",
                            st->created, "owner", "", "annotations", annotations);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    return text;
}
