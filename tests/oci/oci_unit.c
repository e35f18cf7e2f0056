/* enarx-oci's unit tests (suite 70-oci-unit): config.json checks, signal
 * names, ids, the state machine (created / running / stopped, pid reuse,
 * zombies), the per-id lock, cgroup paths, the runtime's settings and the
 * Keep launcher's command line. Needs no container engine. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "oci/cgroup.h"
#include "oci/commands.h"
#include "oci/keep.h"
#include "oci/runtime_config.h"
#include "oci/spec.h"
#include "oci/state.h"

static char tmpdir[256];

/* ---- config.json ---- */

#define MINIMAL_PROCESS "\"process\":{\"cwd\":\"/\",\"args\":[\"/app.wasm\",\"a\"],\"env\":[\"A=1\",\"PATH=/bin\"]}"
#define MINIMAL "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}," MINIMAL_PROCESS

static int parse(const char *text, oci_spec *s, char *err, size_t errlen)
{
    return oci_spec_parse(text, strlen(text), s, err, errlen);
}

/* The parse fails and the message contains want. */
static void refused(const char *text, const char *want)
{
    char err[1024] = "";
    oci_spec s;
    int rc = parse(text, &s, err, sizeof err);
    CHECK_EQ_INT(rc, -1);
    if (!strstr(err, want))
        printf("     message \"%s\" lacks \"%s\"\n", err, want);
    CHECK(strstr(err, want) != NULL);
    if (rc == 0)
        oci_spec_free(&s);
}

static void test_spec_valid(void)
{
    char err[1024];
    oci_spec s;
    const char *text = MINIMAL ",\"root\":{\"path\":\"rootfs\",\"readonly\":true}}";
    /* a duplicate key is refused */
    CHECK_EQ_INT(parse(text, &s, err, sizeof err), -1);
    text = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true}," MINIMAL_PROCESS ","
           "\"hostname\":\"h\",\"annotations\":{\"run.oci.handler\":\"wasm\"},"
           "\"mounts\":[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"rbind\",\"ro\",\"nosuid\"]},"
           "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"size=65536k\",\"mode=1777\"]}],"
           "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],"
           "\"cgroupsPath\":\"/k8s.io/x\",\"resources\":{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":100},"
           "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},\"sysctl\":{\"net.ipv4.ping_group_range\":\"0 0\"},"
           "\"maskedPaths\":[\"/proc/kcore\"],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"}}}";
    err[0] = 0;
    CHECK_EQ_INT(parse(text, &s, err, sizeof err), 0);
    if (*err)
        printf("     %s\n", err);
    CHECK_EQ_STR(s.root_path, "rootfs");
    CHECK(s.root_readonly);
    CHECK_EQ_INT(s.arg_count, 2);
    CHECK_EQ_STR(s.args[1], "a");
    CHECK_EQ_STR(oci_spec_getenv(&s, "PATH"), "/bin");
    CHECK(oci_spec_getenv(&s, "PAT") == NULL);
    CHECK_EQ_STR(oci_spec_annotation(&s, "run.oci.handler"), "wasm");
    CHECK_EQ_INT(s.mount_count, 2);
    CHECK(s.mounts[0].bind && s.mounts[0].recursive);
    CHECK(s.mounts[0].flags & 1 /* MS_RDONLY */);
    CHECK_EQ_STR(s.mounts[1].data, "size=65536k,mode=1777");
    CHECK_EQ_INT(s.namespace_count, 2);
    CHECK(oci_spec_namespace(&s, 0x40000000 /* CLONE_NEWNET */) != NULL);
    CHECK_EQ_STR(oci_spec_namespace(&s, 0x40000000)->path, "/proc/1/ns/net");
    CHECK(oci_spec_namespace(&s, 0x20000000 /* CLONE_NEWPID */)->path == NULL);
    CHECK_EQ_INT(s.resources.memory_limit, 67108864);
    CHECK_EQ_INT(s.resources.pids_limit, 100);
    CHECK_EQ_INT(s.resources.cpu_shares, -1);
    CHECK_EQ_STR(s.cgroups_path, "/k8s.io/x");
    CHECK_EQ_INT(s.sysctl_count, 1);
    oci_spec_free(&s);
}

static void test_spec_refused(void)
{
    refused("{", "not valid JSON");
    refused("[]", "must be a JSON object");
    refused("{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}," MINIMAL_PROCESS "}", "ociVersion");
    refused(MINIMAL ",\"bogus\":1}", "config.json: bogus: unknown field");
    refused(MINIMAL ",\"linux\":{\"resources\":{\"memory\":{\"limitt\":1}}}}", "linux.resources.memory.limitt: unknown field");
    refused("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":[]}}", "process.args: empty");
    refused("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"rel\",\"args\":[\"x\"]}}", "process.cwd");
    refused("{\"ociVersion\":\"1.0.2\",\"process\":{\"cwd\":\"/\",\"args\":[\"x\"]}}", "root: missing");
    refused("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":[\"x\",3]}}",
            "process.args[1]: must be a string");
    refused("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":[\"x\"],\"env\":[\"NOEQUALS\"]}}",
            "process.env[0]");
    refused(MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}", "linux.namespaces[0].type: \"user\" namespaces are not supported");
    refused(MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}", "linux.namespaces[1].type: \"pid\" is given twice");
    refused(MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}", "is not a Linux namespace kind");
    refused(MINIMAL ",\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}]}}", "hooks.prestart: not supported");
    refused(MINIMAL ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}", "linux.uidMappings");
    refused(MINIMAL ",\"linux\":{\"resources\":{\"blockIO\":{\"weight\":10}}}}", "linux.resources.blockIO");
    refused(MINIMAL ",\"mounts\":[{\"destination\":\"rel\",\"type\":\"bind\",\"source\":\"/tmp\"}]}", "mounts[0].destination");
    refused("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":[\"x\"],"
            "\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}]}}", "process.rlimits[0].type");
    refused("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":[\"x\"],"
            "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":1}]}}", "above the hard limit");
    refused("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":[\"x\"],\"user\":{\"uid\":-1}}}",
            "process.user.uid");
    refused(MINIMAL ",\"windows\":{\"layerFolders\":[\"c\"]}}", "windows: not supported");
    refused("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":[\"x\\u0000y\"]}}", "JSON");
    /* the largest config.json accepted, and one byte more */
    char err[256];
    oci_spec s;
    CHECK_EQ_INT(oci_spec_parse("{}", OCI_SPEC_MAX_SIZE + 1, &s, err, sizeof err), -1);
    CHECK(strstr(err, "limit") != NULL);
}

static void test_spec_peek(void)
{
    /* what a Keep refuses still reaches runc: the peek reads only what decides */
    const char *text = MINIMAL ",\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}]},"
                               "\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\"}}";
    char err[512];
    oci_spec s;
    CHECK_EQ_INT(oci_spec_peek(text, strlen(text), &s, err, sizeof err), 0);
    CHECK_EQ_STR(s.args[0], "/app.wasm");
    CHECK_EQ_STR(oci_spec_annotation(&s, "io.kubernetes.cri.container-type"), "sandbox");
    oci_spec_free(&s);
    CHECK_EQ_INT(oci_spec_peek("{\"root\":{}}", 11, &s, err, sizeof err), -1);
}

static void test_signals_and_ids(void)
{
    CHECK_EQ_INT(oci_signal_number("KILL"), SIGKILL);
    CHECK_EQ_INT(oci_signal_number("SIGTERM"), SIGTERM);
    CHECK_EQ_INT(oci_signal_number("sigusr1"), SIGUSR1);
    CHECK_EQ_INT(oci_signal_number("9"), 9);
    CHECK_EQ_INT(oci_signal_number("15"), 15);
    CHECK_EQ_INT(oci_signal_number("RTMIN+1"), SIGRTMIN + 1);
    CHECK_EQ_INT(oci_signal_number("0"), -1);
    CHECK_EQ_INT(oci_signal_number("999"), -1);
    CHECK_EQ_INT(oci_signal_number("BOGUS"), -1);
    CHECK_EQ_INT(oci_signal_number("9x"), -1);
    CHECK(oci_valid_id("abc-1.2_3+4"));
    CHECK(!oci_valid_id(""));
    CHECK(!oci_valid_id(".."));
    CHECK(!oci_valid_id("a/b"));
    CHECK(!oci_valid_id("a b"));
}

/* ---- state ---- */

static pid_t spawn_sleeper(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    return pid;
}

static void make_state(const char *root, const char *id, pid_t pid, uint64_t start)
{
    char err[512], dir[4200], fifo[4300];
    CHECK_EQ_INT(oci_root_prepare(root, err, sizeof err), 0);
    oci_state_dir(root, id, dir, sizeof dir);
    mkdir(dir, 0711);
    oci_fifo_path(root, id, fifo, sizeof fifo);
    mkfifo(fifo, 0622);
    oci_state st = {0};
    snprintf(st.id, sizeof st.id, "%s", id);
    st.pid = pid;
    st.start_time = start;
    snprintf(st.bundle, sizeof st.bundle, "/b");
    snprintf(st.rootfs, sizeof st.rootfs, "/b/rootfs");
    snprintf(st.created, sizeof st.created, "2024-01-01T00:00:00Z");
    st.annotations_json = (char *)"{\"k\":\"v\"}";
    CHECK_EQ_INT(oci_state_save(root, &st, err, sizeof err), 0);
}

static void test_state_transitions(void)
{
    char root[300], err[512], fifo[4300];
    snprintf(root, sizeof root, "%s/root", tmpdir);
    pid_t child = spawn_sleeper();
    uint64_t start = oci_process_start_time(child, NULL);
    CHECK(start != 0);
    make_state(root, "c1", child, start);
    oci_state st;
    CHECK_EQ_INT(oci_state_load(root, "c1", &st, err, sizeof err), 0);
    CHECK_EQ_STR(st.bundle, "/b");
    CHECK_EQ_STR(st.annotations_json, "{\"k\":\"v\"}");
    CHECK_EQ_INT(oci_state_status(root, &st), OCI_CREATED);
    char *json = oci_state_json(root, &st);
    CHECK(json && strstr(json, "\"status\": \"created\"") && strstr(json, "\"annotations\": {"));
    free(json);
    /* start removes the fifo: running */
    oci_fifo_path(root, "c1", fifo, sizeof fifo);
    unlink(fifo);
    CHECK_EQ_INT(oci_state_status(root, &st), OCI_RUNNING);
    /* kill without --all on a running container: the signal arrives */
    CHECK_EQ_INT(oci_cmd_kill(root, "c1", SIGTERM, false), 0);
    int ws = 0;
    waitpid(child, &ws, 0);
    CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM);
    CHECK_EQ_INT(oci_state_status(root, &st), OCI_STOPPED);
    json = oci_state_json(root, &st);
    CHECK(json && strstr(json, "\"pid\": 0,") && strstr(json, "\"status\": \"stopped\""));
    free(json);
    /* stopped: kill fails, except with --all (runc); delete needs no --force */
    fprintf(stderr, "(expected below: \"container not running: c1\")\n");
    CHECK_EQ_INT(oci_cmd_kill(root, "c1", SIGTERM, false), 1);
    CHECK_EQ_INT(oci_cmd_kill(root, "c1", SIGKILL, true), 0);
    CHECK_EQ_INT(oci_cmd_delete(root, "c1", false), 0);
    CHECK(!oci_state_exists(root, "c1"));
    oci_state_free(&st);
}

static void test_pid_reuse_and_zombies(void)
{
    char root[300], err[512];
    snprintf(root, sizeof root, "%s/root", tmpdir);
    pid_t child = spawn_sleeper();
    uint64_t start = oci_process_start_time(child, NULL);
    /* the same pid with another start time is another process: stopped, and never signalled */
    make_state(root, "reuse", child, start + 1);
    oci_state st;
    CHECK_EQ_INT(oci_state_load(root, "reuse", &st, err, sizeof err), 0);
    CHECK_EQ_INT(oci_state_status(root, &st), OCI_STOPPED);
    CHECK_EQ_INT(oci_cmd_kill(root, "reuse", SIGKILL, true), 0);
    CHECK_EQ_INT(oci_cmd_delete(root, "reuse", true), 0);
    CHECK(oci_process_alive(child, start)); /* untouched */
    oci_state_free(&st);
    /* a zombie counts as stopped */
    kill(child, SIGKILL);
    bool zombie = false;
    for (int i = 0; i < 500 && !zombie; i++) { /* until it has exited (a loaded machine is slow) */
        struct timespec ts = {0, 10L * 1000 * 1000};
        nanosleep(&ts, NULL);
        oci_process_start_time(child, &zombie);
    }
    CHECK(oci_process_start_time(child, &zombie) == start && zombie);
    CHECK(!oci_process_alive(child, start));
    waitpid(child, NULL, 0);
    CHECK_EQ_INT(oci_process_start_time(child, NULL), 0);
}

static void test_delete_semantics(void)
{
    char root[300], err[512];
    snprintf(root, sizeof root, "%s/root", tmpdir);
    /* running without --force: refused, left alone */
    pid_t child = spawn_sleeper();
    uint64_t start = oci_process_start_time(child, NULL);
    make_state(root, "run1", child, start);
    char fifo[4300];
    oci_fifo_path(root, "run1", fifo, sizeof fifo);
    unlink(fifo);
    fprintf(stderr, "(expected below: \"cannot delete container run1 that is not stopped\")\n");
    CHECK_EQ_INT(oci_cmd_delete(root, "run1", false), 1);
    CHECK(oci_process_alive(child, start));
    /* --force kills it (a zombie until reaped counts as gone) */
    CHECK_EQ_INT(oci_cmd_delete(root, "run1", true), 0);
    int ws = 0;
    waitpid(child, &ws, 0);
    CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
    CHECK(!oci_state_exists(root, "run1"));
    /* created: delete kills without --force (runc) */
    child = spawn_sleeper();
    make_state(root, "created1", child, oci_process_start_time(child, NULL));
    CHECK_EQ_INT(oci_cmd_delete(root, "created1", false), 0);
    waitpid(child, &ws, 0);
    CHECK(WIFSIGNALED(ws));
    /* what a create that died before writing state.json left: delete removes it */
    char dir[4200];
    oci_state_dir(root, "half", dir, sizeof dir);
    mkdir(dir, 0711);
    oci_state st;
    CHECK_EQ_INT(oci_state_load(root, "half", &st, err, sizeof err), 1);
    oci_state_free(&st);
    CHECK_EQ_INT(oci_cmd_delete(root, "half", false), 0);
    CHECK(!oci_state_exists(root, "half"));
    /* a corrupt state.json: refused without --force, removed with it */
    mkdir(dir, 0711);
    char path[4300];
    snprintf(path, sizeof path, "%s/state.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"pid\":\"x\"}", f);
    fclose(f);
    fprintf(stderr, "(expected below: \"state.json is corrupt\")\n");
    CHECK_EQ_INT(oci_cmd_delete(root, "half", false), 1);
    CHECK_EQ_INT(oci_cmd_delete(root, "half", true), 0);
    CHECK(!oci_state_exists(root, "half"));
    /* start of a created container whose process died: an error, not a hang */
    child = spawn_sleeper();
    make_state(root, "dead", child, oci_process_start_time(child, NULL));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    fprintf(stderr, "(expected below: \"cannot start a container that has stopped\")\n");
    CHECK_EQ_INT(oci_cmd_start(root, "dead"), 1);
    CHECK_EQ_INT(oci_cmd_delete(root, "dead", false), 0);
}

/* ---- the lock ---- */

static void test_lock(void)
{
    char root[300], err[512], path[400];
    snprintf(root, sizeof root, "%s/root", tmpdir);
    CHECK_EQ_INT(oci_root_prepare(root, err, sizeof err), 0);
    int pipefd[2];
    CHECK_EQ_INT(pipe(pipefd), 0);
    pid_t holder = fork();
    if (holder == 0) {
        int fd = oci_lock(root, "locked", err, sizeof err);
        if (write(pipefd[1], "L", 1) != 1)
            _exit(1);
        struct timespec ts = {0, 300L * 1000 * 1000};
        nanosleep(&ts, NULL);
        /* what the holder did while locked is done before the waiter goes on */
        snprintf(path, sizeof path, "%s/marker", root);
        close(open(path, O_CREAT | O_WRONLY, 0600));
        oci_unlock_remove(fd, root, "locked");
        _exit(0);
    }
    char c;
    CHECK_EQ_INT(read(pipefd[0], &c, 1), 1);
    int fd = oci_lock(root, "locked", err, sizeof err);
    CHECK(fd >= 0);
    /* the holder's marker, made just before it let go, is there: we waited for it */
    snprintf(path, sizeof path, "%s/marker", root);
    CHECK(access(path, F_OK) == 0);
    /* we hold the lock of the file that is there now, not the removed one */
    struct stat held, now;
    snprintf(path, sizeof path, "%s/lock/locked", root);
    CHECK(fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino);
    oci_unlock_remove(fd, root, "locked");
    CHECK(access(path, F_OK) != 0);
    waitpid(holder, NULL, 0);
    close(pipefd[0]);
    close(pipefd[1]);
}

/* ---- cgroup paths, settings, the launcher's command line ---- */

static void test_cgroup_paths(void)
{
    char out[1024], err[512];
    CHECK_EQ_INT(oci_cgroup_path("/libpod_parent/libpod-x", false, "x", out, sizeof out, err, sizeof err), 0);
    CHECK_EQ_STR(out, "/libpod_parent/libpod-x");
    CHECK_EQ_INT(oci_cgroup_path(NULL, false, "x", out, sizeof out, err, sizeof err), 0);
    CHECK_EQ_STR(out, "/enarx-oci/x");
    CHECK_EQ_INT(oci_cgroup_path("machine.slice:libpod:abc", true, "x", out, sizeof out, err, sizeof err), 0);
    CHECK_EQ_STR(out, "/machine.slice/libpod-abc.scope");
    CHECK_EQ_INT(oci_cgroup_path("kubepods-besteffort-pod1.slice:cri-containerd:abc", true, "x", out, sizeof out, err,
                                 sizeof err), 0);
    CHECK_EQ_STR(out, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope");
    CHECK_EQ_INT(oci_cgroup_path(":p:n", true, "x", out, sizeof out, err, sizeof err), 0);
    CHECK_EQ_STR(out, "/system.slice/p-n.scope");
    CHECK_EQ_INT(oci_cgroup_path("a.slice:p", true, "x", out, sizeof out, err, sizeof err), -1);
    CHECK(strstr(err, "linux.cgroupsPath") != NULL);
    CHECK_EQ_INT(oci_cgroup_path("bad-.slice:p:n", true, "x", out, sizeof out, err, sizeof err), -1);
    CHECK_EQ_INT(oci_cgroup_path("/a/../b", false, "x", out, sizeof out, err, sizeof err), -1);
    CHECK_EQ_INT(oci_cgroup_path("system.slice:p:n", false, "x", out, sizeof out, err, sizeof err), -1);
    CHECK(strstr(err, "--systemd-cgroup") != NULL);
}

static void test_runtime_config(void)
{
    oci_runtime_config c;
    char err[512];
    const char *good = "backend = \"nil\"\nrunc = \"/usr/sbin/runc\"\n";
    CHECK_EQ_INT(oci_runtime_config_parse(&c, good, strlen(good), "t.toml", err, sizeof err), 0);
    CHECK_EQ_STR(c.backend, "nil");
    CHECK_EQ_STR(c.runc, "/usr/sbin/runc");
    CHECK(strstr(c.enarx, "/enarx") != NULL);
    const char *bad = "backend = \"tdx\"\n";
    CHECK_EQ_INT(oci_runtime_config_parse(&c, bad, strlen(bad), "t.toml", err, sizeof err), -1);
    CHECK(strstr(err, "t.toml:1:") && strstr(err, "tdx"));
    const char *unknown = "root = \"/x\"\n";
    CHECK_EQ_INT(oci_runtime_config_parse(&c, unknown, strlen(unknown), "t.toml", err, sizeof err), -1);
    CHECK(strstr(err, "unknown key \"root\"") != NULL);
}

static bool has_arg(const oci_keep_plan *p, const char *a, const char *b)
{
    for (size_t i = 0; i + 1 < p->argc; i++)
        if (strcmp(p->argv[i], a) == 0 && (!b || strcmp(p->argv[i + 1], b) == 0))
            return true;
    return false;
}

static void test_keep_plan(void)
{
    char rootfs[300], err[1024], cmd[400];
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", tmpdir);
    snprintf(cmd, sizeof cmd, "%s/app", rootfs);
    mkdir(rootfs, 0755);
    const char *text = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"cwd\":\"/app\","
                       "\"args\":[\"/app.wasm\",\"a b\"],\"env\":[\"ENARX_EXEC=/bin/evil\",\"LD_PRELOAD=/x.so\"]},"
                       "\"annotations\":{\"io.enarx.backend\":\"nil\"},"
                       "\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576}}}}";
    oci_spec s;
    CHECK_EQ_INT(parse(text, &s, err, sizeof err), 0);
    char backend[32];
    CHECK_EQ_INT(oci_keep_backend(&s, "", backend, sizeof backend, err, sizeof err), 0);
    CHECK_EQ_STR(backend, "nil");
    oci_keep_inputs in = {.enarx = "/usr/bin/enarx", .backend = backend, .module = "/r/app.wasm", .rootfs = rootfs};
    oci_keep_plan plan;
    CHECK_EQ_INT(oci_keep_plan_build(&s, &in, &plan, err, sizeof err), 0);
    CHECK_EQ_STR(plan.argv[0], "/usr/bin/enarx");
    CHECK_EQ_STR(plan.argv[1], "run");
    CHECK(has_arg(&plan, "--backend", "nil"));
    char want[400];
    snprintf(want, sizeof want, "%s::/", rootfs);
    CHECK(has_arg(&plan, "--dir", want));
    /* the cwd is made, as runc makes it, but not preopened as "." (it would take "/" over) */
    snprintf(want, sizeof want, "%s/app::.", rootfs);
    CHECK(!has_arg(&plan, "--dir", want));
    CHECK(access(cmd, F_OK) == 0);
    CHECK(has_arg(&plan, "--argv0", "/app.wasm"));
    CHECK(has_arg(&plan, "--env", "ENARX_EXEC=/bin/evil"));
    CHECK(has_arg(&plan, "--", "/r/app.wasm"));
    CHECK_EQ_STR(plan.argv[plan.argc - 1], "a b");
    /* the launcher's own environment: the Keep's memory, nothing of process.env */
    bool memory = false, leaked = false;
    for (size_t i = 0; i < plan.envc; i++) {
        memory = memory || strcmp(plan.envp[i], "ENARX_KEEP_MEMORY=1048576") == 0;
        leaked = leaked || strstr(plan.envp[i], "ENARX_EXEC") || strstr(plan.envp[i], "LD_PRELOAD");
    }
    CHECK(memory);
    CHECK(!leaked);
    oci_keep_plan_free(&plan);
    oci_spec_free(&s);
    text = MINIMAL ",\"annotations\":{\"io.enarx.backend\":\"tdx\"}}";
    CHECK_EQ_INT(parse(text, &s, err, sizeof err), 0);
    CHECK_EQ_INT(oci_keep_backend(&s, "", backend, sizeof backend, err, sizeof err), -1);
    CHECK(strstr(err, "annotations[\"io.enarx.backend\"]") != NULL);
    oci_spec_free(&s);
}

/* The fuzz target's seeds are real engines' config.json files: each parses. */
static void test_seed_corpus(const char *dir)
{
    static const char *const seeds[] = {"runc-spec.json", "podman.json", "containerd-cri.json"};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[512], err[1024] = "";
        snprintf(path, sizeof path, "%s/%s", dir, seeds[i]);
        FILE *f = fopen(path, "r");
        CHECK(f != NULL);
        if (!f)
            continue;
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof text, f);
        fclose(f);
        oci_spec s;
        int rc = oci_spec_parse(text, n, &s, err, sizeof err);
        if (rc != 0)
            printf("     %s: %s\n", seeds[i], err);
        CHECK_EQ_INT(rc, 0);
        if (rc == 0)
            oci_spec_free(&s);
    }
}

int main(int argc, char **argv)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/enarx-oci-unit-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_spec_valid();
    test_spec_refused();
    test_spec_peek();
    test_signals_and_ids();
    test_state_transitions();
    test_pid_reuse_and_zombies();
    test_delete_semantics();
    test_lock();
    test_cgroup_paths();
    test_runtime_config();
    test_keep_plan();
    if (argc > 1)
        test_seed_corpus(argv[1]);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    return check_summary();
}
