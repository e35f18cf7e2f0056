/* Prints the secret /run/secrets/NAME (argv[1]) and checks that the
 * directory is read-only and lists it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char path[512];
    snprintf(path, sizeof path, "/run/secrets/%s", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    printf("secret: %s\n", buf);
    int fd = open(path, O_WRONLY);
    printf("write: %s\n", fd < 0 ? strerror(errno) : "allowed");
    fd = open("/run/secrets/new", O_WRONLY | O_CREAT, 0600);
    printf("create: %s\n", fd < 0 ? strerror(errno) : "allowed");
    DIR *d = opendir("/run/secrets");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            printf("entry: %s\n", e->d_name);
    if (d)
        closedir(d);
    return 0;
}
