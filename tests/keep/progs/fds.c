/* File descriptors: lowest-free allocation, dup/dup2/dup3/fcntl, pipes,
 * poll, FIONREAD, fstat, fstatfs, closed-fd errors. */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "prog.h"

int main(void)
{
    int p[2];
    EXPECT(pipe(p) == 0);
    printf("pipe: %d %d\n", p[0], p[1]);
    int d = dup(p[0]);
    printf("dup: %d\n", d);
    EXPECT(dup2(p[1], 10) == 10);
    EXPECT(dup3(p[1], 11, O_CLOEXEC) == 11);
    EXPECT(fcntl(11, F_GETFD) == FD_CLOEXEC);
    EXPECT(fcntl(p[0], F_DUPFD, 20) == 20);
    EXPECT(close(d) == 0);
    int q[2];
    EXPECT(pipe2(q, O_NONBLOCK | O_CLOEXEC) == 0);
    printf("pipe2 reuses the lowest fd: %d %d\n", q[0], q[1]);
    EXPECT((fcntl(q[0], F_GETFL) & O_NONBLOCK) != 0);
    char c;
    errno = 0;
    EXPECT(read(q[0], &c, 1) == -1 && errno == EAGAIN);
    struct pollfd pf[3] = {{q[0], POLLIN, 0}, {q[1], POLLOUT, 0}, {p[0], POLLIN, 0}};
    EXPECT(poll(pf, 3, 0) == 1 && pf[1].revents == POLLOUT);
    EXPECT(write(10, "abc", 3) == 3);
    int n = 0;
    EXPECT(ioctl(20, FIONREAD, &n) == 0 && n == 3);
    EXPECT(poll(pf, 3, 1000) == 2 && pf[2].revents == POLLIN);
    struct stat st;
    EXPECT(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
    EXPECT(fstat(1, &st) == 0);
    struct statfs sf; /* the exec asks it of every preopen */
    EXPECT(fstatfs(p[0], &sf) == 0 && sf.f_type == 0x50495045 /* pipefs */);
    errno = 0;
    EXPECT(fstatfs(999, &sf) == -1 && errno == EBADF);
    EXPECT(close(p[1]) == 0 && close(10) == 0 && close(11) == 0);
    char buf[8];
    EXPECT(read(p[0], buf, sizeof buf) == 3);
    EXPECT(read(p[0], buf, sizeof buf) == 0);
    errno = 0;
    EXPECT(close(p[1]) == -1 && errno == EBADF);
    errno = 0;
    EXPECT(write(999, "x", 1) == -1 && errno == EBADF);
    struct pollfd bad = {p[1], POLLIN, 0};
    EXPECT(poll(&bad, 1, 1000) == 1 && bad.revents == POLLNVAL);
    errno = 0;
    EXPECT(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE);
    return prog_done();
}
