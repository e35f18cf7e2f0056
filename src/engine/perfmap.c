/* Symbols for machine code, for perf (perfmap.h). */
#include "engine/perfmap.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

/* one file per process, shared by every module that asks; lines are written
 * whole under the lock (modules compile on several threads) */
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *map_file;
static bool map_failed;

void perf_map_note(const wasm_module *m, const func_code *fc, const void *code, size_t len)
{
    if (!m->perf_map || !code || !len)
        return;
    pthread_mutex_lock(&map_lock);
    if (!map_file && !map_failed) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
        map_file = fopen(path, "a");
        map_failed = map_file == NULL; /* a profiling aid: no map, no error */
    }
    if (map_file) {
        /* the name section is the module's: no control characters or
         * blanks into a line-per-symbol file, and a bounded length */
        const char *name = module_func_name(m, fc->func_index);
        char shown[128];
        size_t n = 0;
        for (; name && name[n] && n < sizeof shown - 1; n++) {
            unsigned char c = (unsigned char)name[n];
            shown[n] = c <= ' ' || c == 0x7f ? '_' : (char)c;
        }
        shown[n] = 0;
        if (n)
            fprintf(map_file, "%lx %zx wasm:%s\n", (unsigned long)(uintptr_t)code, len, shown);
        else
            fprintf(map_file, "%lx %zx wasm:func[%u]\n", (unsigned long)(uintptr_t)code, len,
                    fc->func_index);
        fflush(map_file);
    }
    pthread_mutex_unlock(&map_lock);
}
