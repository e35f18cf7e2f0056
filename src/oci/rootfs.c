/* The Keep's view of the bundle's root filesystem (see rootfs.h). */
#include "oci/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

int oci_open_in_root(int rootfd, const char *path, int flags)
{
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    while (*path == '/')
        path++;
    long fd;
    do
        fd = syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return (int)fd;
}

int oci_fd_path(int fd, char *out, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    if (n < 0 || (size_t)n >= size - 1)
        return -1;
    out[n] = 0;
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_sandbox(const oci_spec *spec)
{
    const char *cri = oci_spec_annotation(spec, "io.kubernetes.cri.container-type");
    const char *crio = oci_spec_annotation(spec, "io.kubernetes.cri-o.ContainerType");
    return (cri && strcmp(cri, "sandbox") == 0) || (crio && strcmp(crio, "sandbox") == 0);
}

/* process.args[0] in the rootfs, found as execve + PATH would: an fd, or -1.
 * Opened O_NONBLOCK: an image's FIFO must not hang create (its type is
 * checked before anything is read). */
static int open_entry_point(const oci_spec *spec, int rootfd)
{
    const char *name = spec->args[0];
    char path[8192];
    if (strchr(name, '/')) {
        if (name[0] == '/')
            snprintf(path, sizeof path, "%s", name);
        else
            snprintf(path, sizeof path, "%s/%s", spec->cwd, name);
        return oci_open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    }
    const char *search = oci_spec_getenv(spec, "PATH");
    if (!search)
        search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    while (*search) {
        size_t len = strcspn(search, ":");
        snprintf(path, sizeof path, "%.*s/%s", (int)len, search, name);
        int fd = oci_open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
            return fd;
        if (fd >= 0)
            close(fd);
        search += len + (search[len] == ':');
    }
    errno = ENOENT;
    return -1;
}

int oci_workload_kind_of(const oci_spec *spec, const char *rootfs, oci_workload_kind *kind, char *module,
                         size_t size, char *err, size_t errlen)
{
    *kind = OCI_NATIVE;
    if (is_sandbox(spec))
        return 0;
    const char *handler = oci_spec_annotation(spec, "run.oci.handler");
    const char *variant = oci_spec_annotation(spec, "module.wasm.image/variant");
    bool named_wasm = ends_with(spec->args[0], ".wasm");
    bool claimed = (handler && strcmp(handler, "wasm") == 0) || (variant && strcmp(variant, "compat") == 0);
    if ((handler && strcmp(handler, "wasm-smart") == 0) || (variant && strcmp(variant, "compat-smart") == 0))
        claimed = claimed || named_wasm;
    int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        snprintf(err, errlen, "root.path: cannot open the root filesystem %s: %s", rootfs, strerror(errno));
        return -1;
    }
    int fd = open_entry_point(spec, rootfd);
    int saved = errno;
    close(rootfd);
    bool must = claimed || named_wasm;
    if (fd < 0) {
        if (!must)
            return 0; /* runc reports it in its own words */
        snprintf(err, errlen, "process.args[0]: the wasm module %s is not in the container's root filesystem: %s",
                 spec->args[0], strerror(saved));
        return -1;
    }
    struct stat st;
    unsigned char head[8] = {0};
    ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, head, sizeof head, 0) : -1;
    bool magic = n == 8 && memcmp(head, "\0asm", 4) == 0;
    int rc = 0;
    if (!magic) {
        if (must) {
            snprintf(err, errlen, "process.args[0]: %s is not a WebAssembly module (%s)", spec->args[0],
                     n < 0 ? "not a regular file" : "it does not start with \"\\0asm\"");
            rc = -1;
        }
    } else if (head[4] != 1 || head[5] || head[6] || head[7]) {
        snprintf(err, errlen, "process.args[0]: %s is a WebAssembly %s; a Keep runs core modules (version 1)",
                 spec->args[0], head[6] == 1 ? "component" : "binary of an unknown version");
        rc = -1;
    } else if (oci_fd_path(fd, module, size) < 0) {
        snprintf(err, errlen, "process.args[0]: the path of %s is too long", spec->args[0]);
        rc = -1;
    } else {
        *kind = OCI_WASM;
    }
    close(fd);
    return rc;
}

/* ---- mounts ---- */

bool oci_mount_skipped(const oci_mount *m)
{
    static const char *const kernel_types[] = {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2",
                                               "securityfs", "debugfs", "tracefs", "bpf", "configfs", NULL};
    for (size_t i = 0; kernel_types[i]; i++)
        if (strcmp(m->type, kernel_types[i]) == 0)
            return true;
    static const char *const kernel_dirs[] = {"/proc", "/sys", "/dev", NULL};
    for (size_t i = 0; kernel_dirs[i]; i++) {
        size_t n = strlen(kernel_dirs[i]);
        if (strncmp(m->destination, kernel_dirs[i], n) == 0 && (m->destination[n] == 0 || m->destination[n] == '/'))
            return true;
    }
    return false;
}

bool oci_mount_is_preopen(const oci_mount *m)
{
    struct stat st;
    return m->bind && !oci_mount_skipped(m) && m->source[0] == '/' && stat(m->source, &st) == 0 &&
           S_ISDIR(st.st_mode) && strcmp(m->destination, "/") != 0;
}

int oci_make_in_root(int rootfd, const char *path, bool dir)
{
    char prefix[4096] = "";
    size_t used = 0;
    const char *p = path;
    int fd = -1;
    while (*p) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 0)
            break;
        bool last = p[len] == 0 || p[len + strspn(p + len, "/")] == 0;
        if (used + len + 2 >= sizeof prefix) {
            errno = ENAMETOOLONG;
            return -1;
        }
        char name[256];
        if (len >= sizeof name) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(name, p, len);
        name[len] = 0;
        int parent = oci_open_in_root(rootfd, used ? prefix : "/", O_PATH | O_DIRECTORY);
        if (parent < 0)
            return -1;
        prefix[used++] = '/';
        memcpy(prefix + used, p, len);
        used += len;
        prefix[used] = 0;
        if (fd >= 0)
            close(fd);
        fd = oci_open_in_root(rootfd, prefix, O_PATH);
        if (fd < 0 && errno == ENOENT) {
            int made;
            if (!last || dir) {
                made = mkdirat(parent, name, 0755);
            } else {
                made = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (made >= 0)
                    made = close(made);
            }
            if (made < 0 && errno != EEXIST) {
                close(parent);
                return -1;
            }
            fd = oci_open_in_root(rootfd, prefix, O_PATH);
        }
        close(parent);
        if (fd < 0)
            return -1;
        p += len;
    }
    return fd >= 0 ? fd : oci_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
}

/* Flags of the mount at path that a bind remount must keep. */
static unsigned long kept_flags(const char *path)
{
    struct statvfs v;
    if (statvfs(path, &v) != 0)
        return 0;
    unsigned long flags = 0;
    if (v.f_flag & ST_NOSUID)
        flags |= MS_NOSUID;
    if (v.f_flag & ST_NODEV)
        flags |= MS_NODEV;
    if (v.f_flag & ST_NOEXEC)
        flags |= MS_NOEXEC;
    if (v.f_flag & ST_RDONLY)
        flags |= MS_RDONLY;
    return flags;
}

static int remount(const char *target, unsigned long set, unsigned long clear)
{
    unsigned long flags = (kept_flags(target) | set) & ~clear;
    return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL);
}

static int mount_one(int rootfd, const oci_mount *m, size_t index, const char *bundle, char *err, size_t errlen)
{
    char source[8192], fdpath[64];
    bool tmpfs = strcmp(m->type, "tmpfs") == 0;
    if (!m->bind && !tmpfs) {
        snprintf(err, errlen, "mounts[%zu].type: \"%s\" (at %s) is not supported by enarx-oci: bind and tmpfs "
                 "mounts are", index, m->type, m->destination);
        return -1;
    }
    struct stat st = {.st_mode = S_IFDIR};
    if (m->bind) {
        if (m->source[0] == '/')
            snprintf(source, sizeof source, "%s", m->source);
        else
            snprintf(source, sizeof source, "%s/%s", bundle, m->source);
        if (stat(source, &st) != 0) {
            snprintf(err, errlen, "mounts[%zu].source: %s: %s", index, source, strerror(errno));
            return -1;
        }
    }
    int fd = oci_make_in_root(rootfd, m->destination, S_ISDIR(st.st_mode));
    if (fd < 0) {
        snprintf(err, errlen, "mounts[%zu].destination: cannot make %s in the root filesystem: %s", index,
                 m->destination, strerror(errno));
        return -1;
    }
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    int rc = m->bind ? mount(source, fdpath, NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL)
                     : mount("tmpfs", fdpath, "tmpfs", m->flags, *m->data ? m->data : NULL);
    close(fd);
    if (rc != 0) {
        snprintf(err, errlen, "mounts[%zu]: cannot mount %s on %s: %s", index, m->bind ? source : "tmpfs",
                 m->destination, strerror(errno));
        return -1;
    }
    if (m->bind && (m->flags || m->clear_flags)) {
        /* the fd named the mount point below; the new mount is found again */
        fd = oci_open_in_root(rootfd, m->destination, O_PATH);
        snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
        rc = fd < 0 ? -1 : remount(fdpath, m->flags, m->clear_flags);
        if (fd >= 0)
            close(fd);
        if (rc != 0) {
            snprintf(err, errlen, "mounts[%zu].options: cannot apply them to %s: %s", index, m->destination,
                     strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int mask_path(int rootfd, const char *path, char *err, size_t errlen)
{
    int fd = oci_open_in_root(rootfd, path, O_PATH);
    if (fd < 0)
        return 0; /* nothing there to hide */
    struct stat st;
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    int rc = fstat(fd, &st);
    if (rc == 0)
        rc = S_ISDIR(st.st_mode) ? mount("tmpfs", fdpath, "tmpfs", MS_RDONLY, "size=0")
                                 : mount("/dev/null", fdpath, NULL, MS_BIND, NULL);
    close(fd);
    if (rc != 0)
        snprintf(err, errlen, "linux.maskedPaths: cannot mask %s: %s", path, strerror(errno));
    return rc;
}

static int readonly_path(int rootfd, const char *path, char *err, size_t errlen)
{
    int fd = oci_open_in_root(rootfd, path, O_PATH);
    if (fd < 0)
        return 0;
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    int rc = mount(fdpath, fdpath, NULL, MS_BIND | MS_REC, NULL);
    close(fd);
    if (rc == 0 && (fd = oci_open_in_root(rootfd, path, O_PATH)) >= 0) {
        snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
        rc = remount(fdpath, MS_RDONLY, 0);
        close(fd);
    }
    if (rc != 0)
        snprintf(err, errlen, "linux.readonlyPaths: cannot make %s read-only: %s", path, strerror(errno));
    return rc;
}

int oci_rootfs_setup(const oci_spec *spec, const char *rootfs, const char *bundle, char *err, size_t errlen)
{
    /* nothing mounted here reaches the host; the host's mounts still reach us */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0 ||
        mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) {
        snprintf(err, errlen, "root.path: cannot bind %s in the Keep's mount namespace: %s", rootfs, strerror(errno));
        return -1;
    }
    int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        snprintf(err, errlen, "root.path: %s: %s", rootfs, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < spec->mount_count && rc == 0; i++)
        if (!oci_mount_skipped(&spec->mounts[i]))
            rc = mount_one(rootfd, &spec->mounts[i], i, bundle, err, errlen);
    for (size_t i = 0; i < spec->masked_count && rc == 0; i++)
        rc = mask_path(rootfd, spec->masked_paths[i], err, errlen);
    for (size_t i = 0; i < spec->readonly_count && rc == 0; i++)
        rc = readonly_path(rootfd, spec->readonly_paths[i], err, errlen);
    close(rootfd);
    if (rc == 0 && spec->root_readonly && remount(rootfs, MS_RDONLY, 0) != 0) {
        snprintf(err, errlen, "root.readonly: cannot make %s read-only: %s", rootfs, strerror(errno));
        rc = -1;
    }
    return rc;
}
