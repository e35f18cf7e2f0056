/* Exits with the status given as its argument, through proc_exit. */
#include <stdlib.h>
#include <wasi/api.h>

int main(int argc, char **argv)
{
    int code = argc > 1 ? atoi(argv[1]) : 0;
    __wasi_proc_exit((__wasi_exitcode_t)code);
}
