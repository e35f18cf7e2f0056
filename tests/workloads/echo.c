/* Upstream's echo: copies stdin to stdout byte for byte (also the 1 GiB
 * throughput benchmark's workload). */
#include <stdio.h>
#include <unistd.h>

static char buf[1 << 16];

int main(void)
{
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0)
            return 0;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(1, buf + done, (size_t)(n - done));
            if (w <= 0) {
                perror("write");
                return 1;
            }
            done += w;
        }
    }
}
