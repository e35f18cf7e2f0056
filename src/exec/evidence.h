/* The exec's side of the evidence call (abi/evidence.h): 64 bytes of report
 * data in, typed evidence out, from whatever is beneath the exec. */
#ifndef EXEC_EVIDENCE_H
#define EXEC_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

/* What the host claims was measured (the deploy launch record): used only
 * when nothing beneath serves the call, to fill the UNATTESTED document. */
typedef struct exec_claim {
    uint32_t alg;            /* enum enarx_hash_alg; 0: none */
    uint32_t len;
    uint8_t measurement[64];
    int attester_fd;         /* a test attester's socket (tests only), or -1 */
} exec_claim;

/* Fills *out (malloc'd, the typed document with its header) and *kind.
 * Returns 0, or -1 with a message in err. */
int exec_evidence(const uint8_t report_data[64], const exec_claim *claim, uint8_t **out, size_t *len,
                  uint32_t *kind, char *err, size_t errlen);

#endif
