/* The OCI runtime's test workload (tests/suites/70-oci.sh). argv[1] picks:
 *   hello              prints a greeting
 *   args               prints argv and the environment, one per line
 *   exit N             exits with status N
 *   sleep S            sleeps S seconds, then prints "slept"
 *   cat PATH           prints the file ("-": standard input, to its end)
 *   write PATH TEXT    writes TEXT to PATH; prints "wrote" or the error
 *   ls PATH            lists the directory's names
 * With no argument it says hello. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char **environ;

static int cat(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        printf("cannot open %s: %s\n", path, strerror(errno));
        return 3;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    if (f != stdin)
        fclose(f);
    return 0;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        printf("cannot write %s: %s\n", path, strerror(errno));
        return 4;
    }
    printf("wrote %s\n", path);
    return 0;
}

static int list(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("cannot list %s: %s\n", path, strerror(errno));
        return 5;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            printf("%s\n", e->d_name);
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "hello";
    if (strcmp(mode, "hello") == 0) {
        printf("Hello from a Keep\n");
        return 0;
    }
    if (strcmp(mode, "args") == 0) {
        for (int i = 0; i < argc; i++)
            printf("argv[%d]=%s\n", i, argv[i]);
        for (char **e = environ; *e; e++)
            printf("env %s\n", *e);
        return 0;
    }
    if (strcmp(mode, "exit") == 0 && argc > 2)
        return atoi(argv[2]);
    if (strcmp(mode, "sleep") == 0 && argc > 2) {
        struct timespec ts = {atoi(argv[2]), 0};
        nanosleep(&ts, NULL);
        printf("slept\n");
        return 0;
    }
    if (strcmp(mode, "cat") == 0 && argc > 2)
        return cat(argv[2]);
    if (strcmp(mode, "write") == 0 && argc > 3)
        return write_file(argv[2], argv[3]);
    if (strcmp(mode, "ls") == 0 && argc > 2)
        return list(argv[2]);
    printf("usage: oci_probe hello|args|exit N|sleep S|cat PATH|write PATH TEXT|ls PATH\n");
    return 2;
}
