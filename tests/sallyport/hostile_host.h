/* A lying host, for tests only: the sallyport executor's replies with one
 * field damaged, to check that the Keep notices (docs/sallyport.md, "Hostile
 * host"). Never part of enarx: it is linked into the sallyport hostile test
 * and into the test build of enarx (tests/keep/enarx-hostile), where
 * -Wl,--wrap=sp_host_run_batch puts it between the VMM and the executor.
 *
 * A spec is CALL[#N]:TARGET[:set|add:VALUE]: the Nth (default first) call
 * named CALL (or "any"), TARGET `ret` (its result), `rsp_seq` (the batch's
 * response number) or `argI[+OFF]/WIDTH` (WIDTH bytes of the data area at the
 * offset argument I gives, plus OFF); `add:1` when no op is given. */
#ifndef TESTS_SALLYPORT_HOSTILE_HOST_H
#define TESTS_SALLYPORT_HOSTILE_HOST_H

#include <stdint.h>

#include "sallyport/host.h"

enum sp_hostile_target {
    SP_HOSTILE_OFF = 0,
    SP_HOSTILE_RET,        /* the call's result */
    SP_HOSTILE_RSP_SEQ,    /* the batch's response sequence number */
    SP_HOSTILE_DATA,       /* bytes in the data area at arg[arg] + offset */
};
enum sp_hostile_op { SP_HOSTILE_SET, SP_HOSTILE_ADD };

struct sp_hostile {
    enum sp_hostile_target target;
    uint64_t nr;            /* which call (0 = any) */
    uint32_t nth;           /* which occurrence of it, from 1 */
    uint32_t arg;           /* SP_HOSTILE_DATA: which argument holds the offset */
    uint64_t offset;        /* SP_HOSTILE_DATA: byte offset from there */
    uint32_t width;         /* SP_HOSTILE_DATA: 1, 2, 4 or 8 bytes */
    enum sp_hostile_op op;
    int64_t value;
    /* State. */
    uint32_t seen;
    int fired;
};

/* Parses a spec. Returns 0, or -1 with a message in err. */
int sp_hostile_parse(struct sp_hostile *hs, const char *spec, char *err, int errlen);

/* The damage the executor's batches get from now on (a copy is kept; NULL:
 * none), and the state of that damage (has it fired?). */
void sp_hostile_set(const struct sp_hostile *hs);
const struct sp_hostile *sp_hostile_state(void);

/* sp_host_run_batch with the damage applied before the Keep can see the
 * replies. In a program linked with -Wl,--wrap=sp_host_run_batch every
 * caller of sp_host_run_batch gets it. */
int __wrap_sp_host_run_batch(struct sp_host *h, uint8_t *block, uint64_t data_size);

#endif
