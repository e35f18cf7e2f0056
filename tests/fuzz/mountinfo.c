/* libFuzzer: the mount-table line parser of the host's preopen checks
 * (src/cli/preopen_check.c). Mount points are chosen by whoever mounts, so
 * a line may hold anything the kernel escapes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/preopen_check.h"
#include "config/preopen_fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = 0;
    unsigned long id;
    char *point, *type;
    if (mountinfo_parse(line, &id, &point, &type) == 0) {
        /* what it hands back lies inside the line */
        if (point < line || point > line + size || type < line || type > line + size || point[0] != '/')
            abort();
        (void)pseudo_fs_by_type(type);
    }
    free(line);
    return 0;
}
