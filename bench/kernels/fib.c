/* fib: doubly recursive Fibonacci. Almost nothing but calls, returns and
 * compares: measures the cost of a wasm call and of a frame. */
#include "kernel.h"

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    uint64_t n = kernel_size(argc, argv, "fib", 30, 47);
    uint32_t r = fib((uint32_t)n);
    /* fib(n) also satisfies the closed loop recurrence: check it. */
    uint32_t a = 0, b = 1;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t t = a + b;
        a = b;
        b = t;
    }
    if (a != r)
        kernel_fail("fib", "recursive and iterative results differ");
    kernel_report("fib", n, mix(0, r));
    return 0;
}
