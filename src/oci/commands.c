/* start, state, kill, delete, ps, features for Keeps (see commands.h). */
#include "oci/commands.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci/cgroup.h"
#include "oci/log.h"
#include "oci/state.h"

#define START_TIMEOUT_MS 10000
#define KILL_WAIT_MS 10000

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

bool oci_wait_gone(int pid, unsigned long long start_time, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        if (!oci_process_alive(pid, start_time))
            return true;
        sleep_ms(5);
    }
    return false;
}

/* Loads the state; a missing or half-made one is an error here. */
static int load(const char *root, const char *id, oci_state *st)
{
    char err[8192];
    int rc = oci_state_load(root, id, st, err, sizeof err);
    if (rc == 1) {
        oci_state_free(st);
        return oci_fail("container %s was not completely created (its create did not finish); `delete %s` "
                        "removes it", id, id);
    }
    return rc < 0 ? oci_fail("%s", err) : 0;
}

int oci_cmd_start(const char *root, const char *id)
{
    oci_state st;
    if (load(root, id, &st))
        return 1;
    oci_status status = oci_state_status(root, &st);
    if (status != OCI_CREATED) {
        oci_state_free(&st);
        return oci_fail(status == OCI_RUNNING ? "cannot start an already running container %s"
                                              : "cannot start a container that has stopped: %s", id);
    }
    char fifo[4300];
    oci_fifo_path(root, id, fifo, sizeof fifo);
    /* non-blocking: a Keep process that died while parked must not hang us */
    int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        oci_state_free(&st);
        return oci_fail("cannot open %s to start %s: %s", fifo, id, strerror(errno));
    }
    int rc = 1;
    for (int waited = 0; waited < START_TIMEOUT_MS; waited += 50) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0 && (p.revents & POLLIN)) {
            char c;
            if (read(fd, &c, 1) == 1) {
                rc = 0;
                break;
            }
        }
        if (!oci_process_alive(st.pid, st.start_time))
            break;
    }
    close(fd);
    if (rc == 0)
        unlink(fifo);
    else
        oci_fail("cannot start %s: its Keep process %s", id,
                 oci_process_alive(st.pid, st.start_time) ? "did not answer" : "has exited");
    oci_state_free(&st);
    return rc;
}

int oci_cmd_state(const char *root, const char *id)
{
    oci_state st;
    if (load(root, id, &st))
        return 1;
    char *json = oci_state_json(root, &st);
    oci_state_free(&st);
    if (!json)
        return oci_fail("out of memory");
    printf("%s\n", json);
    free(json);
    return 0;
}

/* The Keep's process leads its own process group (it called setsid), and
 * the launcher's children (the nil backend's exec) are in it: signals go to
 * the group, as a terminal's would. */
static int signal_keep(const oci_state *st, int sig)
{
    if (kill(-st->pid, sig) == 0)
        return 0;
    return kill(st->pid, sig);
}

int oci_cmd_kill(const char *root, const char *id, int sig, bool all)
{
    oci_state st;
    char err[8192];
    int rc = oci_state_load(root, id, &st, err, sizeof err);
    if (rc != 0) {
        oci_state_free(&st);
        if (rc == 1 && all)
            return 0;
        return rc == 1 ? oci_fail("container not running: %s", id) : oci_fail("%s", err);
    }
    rc = 0;
    if (oci_state_status(root, &st) == OCI_STOPPED) {
        if (!all)
            rc = oci_fail("container not running: %s", id);
    } else if (signal_keep(&st, sig) != 0) {
        rc = oci_fail("cannot send signal %d to %s (pid %d): %s", sig, id, (int)st.pid, strerror(errno));
    }
    oci_state_free(&st);
    return rc;
}

int oci_cmd_delete(const char *root, const char *id, bool force)
{
    oci_state st;
    char err[8192];
    int rc = oci_state_load(root, id, &st, err, sizeof err);
    if (rc < 0 && !force) {
        oci_state_free(&st);
        return oci_fail("%s", err);
    }
    /* rc 1 (a create that died early) and, with --force, a corrupt state:
     * nothing is known but the directory */
    if (rc == 0) {
        oci_status status = oci_state_status(root, &st);
        if (status == OCI_RUNNING && !force) {
            oci_state_free(&st);
            return oci_fail("cannot delete container %s that is not stopped: running", id);
        }
        if (status != OCI_STOPPED) {
            signal_keep(&st, SIGKILL);
            if (!oci_wait_gone(st.pid, st.start_time, KILL_WAIT_MS)) {
                oci_state_free(&st);
                return oci_fail("container %s: its Keep process %d did not die after SIGKILL", id, (int)st.pid);
            }
        }
        oci_cgroup_remove(&st);
    }
    oci_state_free(&st);
    if (oci_state_remove(root, id, err, sizeof err) < 0)
        return oci_fail("%s", err);
    return 0;
}

int oci_cmd_ps(const char *root, const char *id, bool json)
{
    oci_state st;
    if (load(root, id, &st))
        return 1;
    pid_t *pids = NULL;
    size_t n = 0;
    if (oci_cgroup_pids(&st, &pids, &n) < 0) {
        oci_state_free(&st);
        return oci_fail("out of memory");
    }
    if (n == 0 && oci_process_alive(st.pid, st.start_time))
        pids[n++] = st.pid;
    if (json) {
        printf("[");
        for (size_t i = 0; i < n; i++)
            printf("%s%d", i ? "," : "", (int)pids[i]);
        printf("]\n");
    } else {
        printf("PID\n");
        for (size_t i = 0; i < n; i++)
            printf("%d\n", (int)pids[i]);
    }
    free(pids);
    oci_state_free(&st);
    return 0;
}

int oci_cmd_features(void)
{
    /* What a wasm bundle gets (other bundles go to runc, which has its own). */
    printf("{\n"
           "  \"ociVersionMin\": \"1.0.0\",\n"
           "  \"ociVersionMax\": \"1.2.0\",\n"
           "  \"hooks\": [],\n"
           "  \"mountOptions\": [\"async\", \"atime\", \"bind\", \"dev\", \"diratime\", \"dirsync\", \"exec\", "
           "\"mand\", \"noatime\", \"nodev\", \"nodiratime\", \"noexec\", \"nomand\", \"norelatime\", "
           "\"nostrictatime\", \"nosuid\", \"rbind\", \"relatime\", \"ro\", \"rw\", \"strictatime\", \"suid\", "
           "\"sync\"],\n"
           "  \"linux\": {\n"
           "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"uts\"],\n"
           "    \"capabilities\": [],\n"
           "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": true, \"systemdUser\": false},\n"
           "    \"seccomp\": {\"enabled\": false},\n"
           "    \"apparmor\": {\"enabled\": false},\n"
           "    \"selinux\": {\"enabled\": false}\n"
           "  },\n"
           "  \"annotations\": {\n"
           "    \"io.enarx.oci.wasm-annotations\": \"run.oci.handler, module.wasm.image/variant, io.enarx.backend, "
           "io.enarx.config\",\n"
           "    \"io.enarx.oci.other-bundles\": \"runc\"\n"
           "  }\n"
           "}\n");
    return 0;
}
