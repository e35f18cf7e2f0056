/* hello: the smallest useful WASI program, for measuring start-up cost
 * end to end (process start, module load and compile, WASI set-up, exit). */
#include <stdio.h>

int main(void)
{
    puts("hello from enarx-c bench");
    return 0;
}
