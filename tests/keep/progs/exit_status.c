/* The Keep's exit status is the program's: exit(N), _exit(N), return N. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    const char *how = argc > 2 ? argv[2] : "exit";
    if (strcmp(how, "_exit") == 0)
        _exit(n);
    if (strcmp(how, "return") == 0)
        return n;
    exit(n);
}
