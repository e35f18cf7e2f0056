/* Upstream's hello_wasi_snapshot1: one line on stdout. */
#include <stdio.h>

int main(void)
{
    fputs("Hello, world!\n", stdout);
    return 0;
}
