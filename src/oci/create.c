/* `create` for a wasm bundle (see create.h). */
#include "oci/create.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci/cgroup.h"
#include "oci/keep.h"
#include "oci/log.h"
#include "oci/rootfs.h"
#include "oci/state.h"

#define SYNC_TIMEOUT_MS 60000

enum { MSG_PID = 1, MSG_READY, MSG_ERROR, MSG_COMMIT };

typedef struct sync_msg {
    int type;
    int pid;
    char text[2048];
} sync_msg;

static void send_msg(int fd, int type, int pid, const char *text)
{
    sync_msg m = {.type = type, .pid = pid};
    if (text)
        snprintf(m.text, sizeof m.text, "%s", text);
    while (send(fd, &m, sizeof m, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

/* One message, waiting at most timeout_ms (-1: forever): 1, or 0 at EOF or
 * on an error, RECV_TIMED_OUT when the time ran out. */
enum { RECV_TIMED_OUT = -1 };
static int recv_msg(int fd, sync_msg *m, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return RECV_TIMED_OUT;
    if (r < 0)
        return 0;
    ssize_t n;
    do
        n = recv(fd, m, sizeof *m, 0);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof *m)
        return 0;
    m->text[sizeof m->text - 1] = 0;
    return 1;
}

/* ---- checks made before anything is created ---- */

static bool has_ns(const oci_spec *spec, int flag)
{
    return oci_spec_namespace(spec, flag) != NULL;
}

/* runc's rule: only sysctls of a namespace the container has of its own. */
static int check_sysctls(const oci_spec *spec, char *err, size_t errlen)
{
    for (size_t i = 0; i < spec->sysctl_count; i++) {
        const char *k = spec->sysctl[i].key;
        bool ok;
        if (strncmp(k, "net.", 4) == 0)
            ok = has_ns(spec, CLONE_NEWNET);
        else if (strncmp(k, "fs.mqueue.", 10) == 0 || strcmp(k, "kernel.sem") == 0 ||
                 strncmp(k, "kernel.shm", 10) == 0 || strncmp(k, "kernel.msg", 10) == 0)
            ok = has_ns(spec, CLONE_NEWIPC);
        else if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
            ok = has_ns(spec, CLONE_NEWUTS);
        else
            ok = false;
        if (!ok || strstr(k, "..") || strchr(k, '/')) {
            snprintf(err, errlen, "linux.sysctl[\"%.200s\"]: not a sysctl of a namespace the container has of its own; "
                     "enarx-oci does not change the host's settings", k);
            return -1;
        }
    }
    return 0;
}

static int check_request(const oci_create_request *req, const oci_spec *spec, char *err, size_t errlen)
{
    if (spec->terminal && (!req->console_socket || !*req->console_socket)) {
        snprintf(err, errlen, "process.terminal is true but no --console-socket was given: a detached container "
                 "needs one to receive its terminal");
        return -1;
    }
    if (!spec->terminal && req->console_socket && *req->console_socket) {
        snprintf(err, errlen, "--console-socket was given but process.terminal is false");
        return -1;
    }
    if ((spec->hostname && *spec->hostname && !has_ns(spec, CLONE_NEWUTS))) {
        snprintf(err, errlen, "hostname: setting it needs a private UTS namespace (linux.namespaces has none)");
        return -1;
    }
    return check_sysctls(spec, err, errlen);
}

/* ---- the Keep's process (C) ---- */

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
    return rc;
}

static int apply_process_limits(const oci_spec *spec, char *err, size_t errlen)
{
    for (size_t i = 0; i < spec->rlimit_count; i++) {
        struct rlimit rl = {(rlim_t)spec->rlimits[i].soft, (rlim_t)spec->rlimits[i].hard};
        if (setrlimit(spec->rlimits[i].resource, &rl) != 0) {
            snprintf(err, errlen, "process.rlimits[%zu]: cannot set limit %d to %llu:%llu: %s", i,
                     spec->rlimits[i].resource, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
                     strerror(errno));
            return -1;
        }
    }
    if (spec->has_oom_score_adj) {
        char text[16];
        snprintf(text, sizeof text, "%d", spec->oom_score_adj);
        if (write_text("/proc/self/oom_score_adj", text) != 0) {
            snprintf(err, errlen, "process.oomScoreAdj: cannot set %d: %s", spec->oom_score_adj, strerror(errno));
            return -1;
        }
    }
    if (spec->umask >= 0)
        umask((mode_t)spec->umask);
    if (spec->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "process.noNewPrivileges: %s", strerror(errno));
        return -1;
    }
    if (setgroups(spec->group_count, spec->groups) != 0 || setresgid(spec->gid, spec->gid, spec->gid) != 0 ||
        setresuid(spec->uid, spec->uid, spec->uid) != 0) {
        snprintf(err, errlen, "process.user: cannot become uid %u gid %u: %s", (unsigned)spec->uid, (unsigned)spec->gid,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static int setup_view(const oci_create_request *req, const oci_spec *spec, char *err, size_t errlen)
{
    if (oci_rootfs_setup(spec, req->rootfs, req->bundle, err, errlen) < 0)
        return -1;
    const oci_namespace *uts = oci_spec_namespace(spec, CLONE_NEWUTS);
    if (uts && !uts->path) {
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) != 0) {
            snprintf(err, errlen, "hostname: cannot set \"%s\": %s", spec->hostname, strerror(errno));
            return -1;
        }
        if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) != 0) {
            snprintf(err, errlen, "domainname: cannot set \"%s\": %s", spec->domainname, strerror(errno));
            return -1;
        }
    }
    const oci_namespace *net = oci_spec_namespace(spec, CLONE_NEWNET);
    if (net && !net->path && loopback_up() != 0) {
        snprintf(err, errlen, "linux.namespaces: cannot bring up lo in the new network namespace: %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < spec->sysctl_count; i++) {
        char path[512];
        snprintf(path, sizeof path, "/proc/sys/%s", spec->sysctl[i].key);
        for (char *p = path + 10; *p; p++)
            if (*p == '.')
                *p = '/';
        if (write_text(path, spec->sysctl[i].value) != 0) {
            snprintf(err, errlen, "linux.sysctl[\"%.200s\"]: cannot set \"%.200s\": %s", spec->sysctl[i].key,
                     spec->sysctl[i].value, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void __attribute__((noreturn)) keep_process(const oci_create_request *req, const oci_spec *spec, int sync,
                                                   int tty_slave)
{
    char err[2048] = "";
    oci_keep_plan plan;
    setsid();
    if (tty_slave >= 0) {
        if (ioctl(tty_slave, TIOCSCTTY, 0) != 0 || dup2(tty_slave, 0) < 0 || dup2(tty_slave, 1) < 0 ||
            dup2(tty_slave, 2) < 0) {
            snprintf(err, sizeof err, "process.terminal: cannot make the terminal the Keep's: %s", strerror(errno));
            goto failed;
        }
        if (tty_slave > 2)
            close(tty_slave);
    }
    if (setup_view(req, spec, err, sizeof err) < 0)
        goto failed;
    oci_keep_inputs in = {.enarx = req->enarx, .backend = req->backend, .module = req->module,
                          .config_path = req->config, .rootfs = req->rootfs};
    if (oci_keep_plan_build(spec, &in, &plan, err, sizeof err) < 0 || apply_process_limits(spec, err, sizeof err) < 0)
        goto failed;
    send_msg(sync, MSG_READY, 0, NULL);
    sync_msg m;
    if (recv_msg(sync, &m, -1) != 1 || m.type != MSG_COMMIT)
        _exit(1); /* create died before recording us: nobody could start or delete us */
    close(sync);
    char fifo[4300];
    oci_fifo_path(req->root, req->id, fifo, sizeof fifo);
    int fd;
    do
        fd = open(fifo, O_WRONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0 || write(fd, "0", 1) != 1)
        _exit(1); /* deleted before it was started */
    close(fd);
    /* only stdio and the fds the engine asked to keep (--preserve-fds) */
    unsigned first = 3u + (unsigned)req->preserve_fds;
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    close_range(first, ~0U, 0);
    execve(plan.argv[0], plan.argv, plan.envp);
    dprintf(2, "enarx-oci: cannot start the Keep launcher %s: %s\n", plan.argv[0], strerror(errno));
    _exit(127);
failed:
    send_msg(sync, MSG_ERROR, 0, err);
    _exit(1);
}

/* ---- B: namespaces and cgroup, then C ---- */

static void __attribute__((noreturn)) intermediate(const oci_create_request *req, const oci_spec *spec,
                                                   const oci_state *st, int sync, int tty_slave)
{
    char err[2048];
    if (oci_cgroup_join(st, getpid(), err, sizeof err) < 0)
        goto failed;
    int unshare_flags = CLONE_NEWNS;
    /* by path first (the pod's network, ipc, uts, pid), in a fixed order */
    static const int order[] = {CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWCGROUP};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const oci_namespace *ns = oci_spec_namespace(spec, order[i]);
        if (!ns)
            continue;
        if (!ns->path) {
            unshare_flags |= ns->flag;
            continue;
        }
        int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, ns->flag) != 0) {
            snprintf(err, sizeof err, "linux.namespaces: cannot join %s: %s", ns->path, strerror(errno));
            goto failed;
        }
        close(fd);
    }
    if (unshare(unshare_flags) != 0) {
        snprintf(err, sizeof err, "linux.namespaces: cannot create the Keep's namespaces: %s", strerror(errno));
        goto failed;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, sizeof err, "fork: %s", strerror(errno));
        goto failed;
    }
    if (pid == 0)
        keep_process(req, spec, sync, tty_slave);
    send_msg(sync, MSG_PID, pid, NULL);
    _exit(0);
failed:
    send_msg(sync, MSG_ERROR, 0, err);
    _exit(1);
}

/* ---- A: the create command ---- */

static int open_pty(const oci_spec *spec, int *master, int *slave, char *name, size_t size, char *err, size_t errlen)
{
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0 || grantpt(*master) != 0 || unlockpt(*master) != 0 || ptsname_r(*master, name, size) != 0 ||
        (*slave = open(name, O_RDWR | O_NOCTTY)) < 0) {
        snprintf(err, errlen, "process.terminal: cannot allocate a terminal: %s", strerror(errno));
        if (*master >= 0)
            close(*master);
        *master = -1;
        return -1;
    }
    if (spec->console_height || spec->console_width) {
        struct winsize ws = {.ws_row = (unsigned short)spec->console_height,
                             .ws_col = (unsigned short)spec->console_width};
        ioctl(*slave, TIOCSWINSZ, &ws);
    }
    return 0;
}

/* runc's console socket: the pty master, with its name, over SCM_RIGHTS. */
static int send_console(const char *socket_path, int master, const char *name, char *err, size_t errlen)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof addr.sun_path) {
        snprintf(err, errlen, "--console-socket %s: the path is too long for a socket", socket_path);
        return -1;
    }
    memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
        snprintf(err, errlen, "--console-socket %s: %s", socket_path, strerror(errno));
        if (s >= 0)
            close(s);
        return -1;
    }
    char control[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &master, sizeof(int));
    ssize_t n = sendmsg(s, &msg, MSG_NOSIGNAL);
    close(s);
    if (n < 0) {
        snprintf(err, errlen, "--console-socket %s: cannot send the terminal: %s", socket_path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_pid_file(const char *path, pid_t pid, char *err, size_t errlen)
{
    char tmp[4300], text[16];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp", (int)(slash - path), path, slash + 1);
    else
        snprintf(tmp, sizeof tmp, ".%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int len = snprintf(text, sizeof text, "%d", (int)pid);
    if (fd < 0 || write(fd, text, (size_t)len) != len || close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "--pid-file %s: %s", path, strerror(errno));
        if (fd >= 0)
            unlink(tmp);
        return -1;
    }
    return 0;
}

static void fill_state(const oci_create_request *req, const oci_spec *spec, oci_state *st)
{
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", req->id);
    snprintf(st->bundle, sizeof st->bundle, "%s", req->bundle);
    snprintf(st->rootfs, sizeof st->rootfs, "%s", req->rootfs);
    snprintf(st->backend, sizeof st->backend, "%s", req->backend);
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(st->created, sizeof st->created, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(st->created + n, sizeof st->created - n, ".%09ldZ", ts.tv_nsec);
    json_t *a = json_object();
    for (size_t i = 0; a && i < spec->annotation_count; i++)
        json_object_set_new(a, spec->annotations[i].key, json_string(spec->annotations[i].value));
    st->annotations_json = a ? json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(a);
}

/* Waits for B's report of C's pid and C's readiness. */
static int await_keep(int sync, pid_t *keep, char *err, size_t errlen)
{
    sync_msg m;
    *keep = 0;
    int got;
    while ((got = recv_msg(sync, &m, SYNC_TIMEOUT_MS)) == 1) {
        if (m.type == MSG_PID)
            *keep = m.pid;
        else if (m.type == MSG_READY && *keep > 0)
            return 0;
        else if (m.type == MSG_ERROR) {
            snprintf(err, errlen, "%s", m.text);
            return -1;
        }
    }
    if (got == RECV_TIMED_OUT)
        snprintf(err, errlen, "the Keep's process did not get ready within %d s (the machine may be overloaded)",
                 SYNC_TIMEOUT_MS / 1000);
    else
        snprintf(err, errlen, "the Keep's process did not get ready (%s)", *keep ? "it exited" : "setting up failed");
    return -1;
}

int oci_create(const oci_create_request *req, const oci_spec *spec)
{
    char err[8192] = "", dir[4200], fifo[4300], cgroup[2048], ptyname[256] = "";
    oci_state st;
    int master = -1, slave = -1, sync[2] = {-1, -1};
    pid_t keep = 0;
    bool made_dir = false;
    fill_state(req, spec, &st);
    if (check_request(req, spec, err, sizeof err) < 0 || oci_root_prepare(req->root, err, sizeof err) < 0 ||
        !oci_state_dir(req->root, req->id, dir, sizeof dir) || !oci_fifo_path(req->root, req->id, fifo, sizeof fifo))
        goto failed;
    if (mkdir(dir, 0711) != 0) {
        snprintf(err, sizeof err, errno == EEXIST ? "container with id exists: %s" : "cannot create %s: %s",
                 errno == EEXIST ? req->id : dir, strerror(errno));
        goto failed;
    }
    made_dir = true;
    /* from here on the directory names everything made, for delete to undo */
    if (oci_cgroup_path(spec->cgroups_path, req->systemd_cgroup, req->id, cgroup, sizeof cgroup, err, sizeof err) < 0 ||
        oci_cgroup_plan(cgroup, &st, err, sizeof err) < 0 || oci_state_save(req->root, &st, err, sizeof err) < 0)
        goto failed;
    int cg = oci_cgroup_create(&spec->resources, &st, err, sizeof err);
    if (oci_state_save(req->root, &st, err, sizeof err) < 0 || cg < 0)
        goto failed;
    if (mkfifo(fifo, 0622) != 0) {
        snprintf(err, sizeof err, "cannot create %s: %s", fifo, strerror(errno));
        goto failed;
    }
    chmod(fifo, 0622); /* whatever the umask: the Keep may run as another user */
    if (spec->terminal && open_pty(spec, &master, &slave, ptyname, sizeof ptyname, err, sizeof err) < 0)
        goto failed;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) != 0) {
        snprintf(err, sizeof err, "socketpair: %s", strerror(errno));
        goto failed;
    }
    pid_t b = fork();
    if (b < 0) {
        snprintf(err, sizeof err, "fork: %s", strerror(errno));
        goto failed;
    }
    if (b == 0) {
        close(req->lock_fd);
        close(sync[0]);
        if (master >= 0)
            close(master);
        intermediate(req, spec, &st, sync[1], slave);
    }
    close(sync[1]);
    sync[1] = -1;
    if (slave >= 0)
        close(slave);
    slave = -1;
    int rc = await_keep(sync[0], &keep, err, sizeof err);
    while (waitpid(b, NULL, 0) < 0 && errno == EINTR)
        ;
    if (rc < 0)
        goto failed;
    st.pid = keep;
    st.start_time = oci_process_start_time(keep, NULL);
    if (!st.start_time) {
        snprintf(err, sizeof err, "the Keep's process %d exited during create", (int)keep);
        goto failed;
    }
    if ((master >= 0 && send_console(req->console_socket, master, ptyname, err, sizeof err) < 0) ||
        oci_state_save(req->root, &st, err, sizeof err) < 0 ||
        (req->pid_file && *req->pid_file && write_pid_file(req->pid_file, keep, err, sizeof err) < 0))
        goto failed;
    send_msg(sync[0], MSG_COMMIT, 0, NULL);
    close(sync[0]);
    if (master >= 0)
        close(master);
    oci_log(OCI_LOG_DEBUG, "created %s: Keep process %d, backend %s", req->id, (int)keep,
            *req->backend ? req->backend : "best available");
    oci_state_free(&st);
    return 0;
failed:
    if (keep > 0)
        kill(keep, SIGKILL); /* not started: nothing of the workload ran */
    for (int i = 0; i < 2; i++)
        if (sync[i] >= 0)
            close(sync[i]);
    if (master >= 0)
        close(master);
    if (slave >= 0)
        close(slave);
    if (made_dir) {
        char ignored[256];
        oci_cgroup_remove(&st);
        oci_state_remove(req->root, req->id, ignored, sizeof ignored);
    }
    oci_state_free(&st);
    return oci_fail("%s", err);
}
