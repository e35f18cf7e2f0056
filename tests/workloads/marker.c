/* A module whose data holds a marker string that must never cross the
 * host in clear (the recording relay of the deploy suite looks for it). */
#include <stdio.h>

static const char marker[] = "ENARX-PLAINTEXT-MARKER-3d9a71c4e2b8";

int main(void)
{
    puts(marker);
    return 0;
}
