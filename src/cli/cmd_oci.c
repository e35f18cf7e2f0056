/* enarx oci ...: the OCI runtime enarx-oci (src/oci/, docs/oci.md), which is
 * its own binary beside enarx so that container engines can name it as a
 * runtime. This alias only finds it and hands over the arguments. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_oci(int argc, char **argv);

int cmd_oci(int argc, char **argv)
{
    (void)argc;
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) {
        fprintf(stderr, "enarx oci: cannot find the enarx binary's directory: %s\n", strerror(errno));
        return 1;
    }
    path[n] = 0;
    char *slash = strrchr(path, '/');
    static const char name[] = "/enarx-oci";
    if (!slash || (size_t)(slash - path) + sizeof name > sizeof path) {
        fprintf(stderr, "enarx oci: the enarx binary's directory is too long for a path\n");
        return 1;
    }
    memcpy(slash, name, sizeof name);
    argv[0] = (char *)"enarx-oci";
    execv(path, argv);
    fprintf(stderr, "enarx oci: cannot run %s: %s (build it with `make`)\n", path, strerror(errno));
    return 1;
}
