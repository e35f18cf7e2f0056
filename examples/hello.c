/* The example workload `make run` builds and runs in a Keep. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("Hello, world! I am %s, running in an Enarx Keep.\n", argc > 0 ? argv[0] : "a workload");
    return 0;
}
