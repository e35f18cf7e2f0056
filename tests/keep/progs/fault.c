/* A workload fault ends the Keep the way a signal ends a process: status
 * 128 + signal, after output already written is out.
 *   fault write-ro | mprotect-none | null | exec-data | ud2 | div0 | int3 | abort | stack */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prog.h"

static volatile int zero;

static int recurse(int n)
{
    volatile char pad[4096];
    pad[0] = (char)n;
    if (n > 1 << 30) /* never: the stack ends long before */
        return 0;
    return recurse(n + 1) + pad[0];
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "";
    printf("about to fault: %s\n", how);
    fflush(stdout);
    if (strcmp(how, "write-ro") == 0) {
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[0] = 1;
        mprotect(p, 4096, PROT_READ);
        p[1] = 2;
    } else if (strcmp(how, "mprotect-none") == 0) {
        /* Readable and written first (so the page is really there), then
         * taken away: the read after mprotect must fault. */
        volatile char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[4096] = 1;
        mprotect((void *)p, 8192, PROT_NONE);
        printf("%d\n", p[4096]);
    } else if (strcmp(how, "null") == 0) {
        printf("%d\n", *(volatile int *)(uintptr_t)zero);
    } else if (strcmp(how, "exec-data") == 0) {
        static unsigned char code[] = {0xc3};
        ((void (*)(void))(uintptr_t)code)();
    } else if (strcmp(how, "ud2") == 0) {
        __asm__ volatile("ud2");
    } else if (strcmp(how, "div0") == 0) {
        int q, d = zero;
        __asm__ volatile("cltd; idivl %1" : "=a"(q) : "r"(d), "a"(1) : "rdx");
        printf("%d\n", q);
    } else if (strcmp(how, "int3") == 0) {
        __asm__ volatile("int3");
    } else if (strcmp(how, "abort") == 0) {
        abort();
    } else if (strcmp(how, "stack") == 0) {
        return recurse(0);
    }
    printf("no fault\n");
    return 1;
}
