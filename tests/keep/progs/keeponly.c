/* What is different inside a Keep (docs/keep.md): identity is fixed, the host
 * file system is out of reach, and calls a Keep does not offer fail with
 * ENOSYS. Only run in a Keep; compared with tests/keep/expected/keeponly. */
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "prog.h"

static void nosys(const char *name, long nr)
{
    errno = 0;
    long r = syscall(nr, 0, 0, 0, 0, 0, 0);
    printf("%s: %ld %s\n", name, r, r == -1 ? strerrorname_np(errno) : "");
}

int main(void)
{
    printf("pid %d ppid %d uid %d gid %d\n", getpid(), getppid(), getuid(), getgid());
    struct utsname u;
    EXPECT(uname(&u) == 0);
    printf("uname: %s %s\n", u.sysname, u.machine);
    cpu_set_t set;
    EXPECT(sched_getaffinity(0, sizeof set, &set) == 0);
    printf("cpus: %d\n", CPU_COUNT(&set));
    errno = 0;
    int fd = open("/etc/passwd", O_RDONLY);
    int open_errno = errno;
    printf("open host file: %d %s\n", fd, strerrorname_np(open_errno));
    errno = 0;
    void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 0, 0);
    printf("mmap of an fd: %s %s\n", m == MAP_FAILED ? "failed" : "mapped", strerrorname_np(errno));
    errno = 0;
    int ps = socket(AF_PACKET, SOCK_RAW, 0);
    printf("packet socket: %d %s\n", ps, strerrorname_np(errno));
    nosys("fork", SYS_fork);
    nosys("execve", SYS_execve);
    nosys("ptrace", SYS_ptrace);
    nosys("mount", SYS_mount);
    nosys("syscall 500", 500);
    errno = 0;
    char link[64];
    ssize_t rl = readlink("/proc/self/exe", link, sizeof link);
    printf("readlink /proc/self/exe: %zd %s\n", rl, strerrorname_np(errno));
    return prog_done();
}
