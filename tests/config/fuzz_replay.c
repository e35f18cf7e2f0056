/* Runs a libFuzzer target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer: `make test` (and `make asan`) replays the seed corpora and every
 * past finding with it. Usage: fuzz-replay-NAME FILE_OR_DIR... */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    file_contents file;
    char why[256];
    if (file_read_all(path, 64u << 20, 0, &file, why, sizeof why) != FILE_OK) {
        fprintf(stderr, "%s: %s\n", path, why);
        return 1;
    }
    LLVMFuzzerTestOneInput(file.data, file.size);
    file_contents_free(&file);
    return 0;
}

int main(int argc, char **argv)
{
    int failures = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            failures++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failures += replay_file(argv[i]);
            count++;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        if (!dir) {
            perror(argv[i]);
            failures++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            failures += replay_file(path);
            count++;
        }
        closedir(dir);
    }
    printf("replayed %d inputs\n", count);
    return failures ? 1 : 0;
}
