#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000000, count = 0;
    char *s = malloc(n + 1);
    for (int rep = 0; rep < 3; rep++) {
        memset(s, 1, n + 1); count = 0;
        for (int i = 2; i <= n; i++) if (s[i]) { count++; for (long long j = (long long)i * i; j <= n; j += i) s[j] = 0; }
    }
    printf("primes %d\n", count);
    return 0;
}
