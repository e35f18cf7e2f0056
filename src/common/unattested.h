/* The UNATTESTED evidence document (abi/evidence.h), written in one place
 * for both of its writers: the exec under nil (nothing beneath it serves the
 * evidence call) and the kvm VMM (the shim asks it, SP_GETATT). It proves
 * nothing: it only carries what the host claims was measured. */
#ifndef COMMON_UNATTESTED_H
#define COMMON_UNATTESTED_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the whole document: header + body. */
#define UNATTESTED_DOCUMENT_LEN 200

/* Writes the typed document (header and body) for report_data and the
 * claimed measurement (alg 0 or len 0: none claimed; len at most 64) into
 * out, which holds UNATTESTED_DOCUMENT_LEN bytes. Returns that length. */
size_t unattested_document(const uint8_t report_data[64], uint32_t alg, const uint8_t *measurement, uint32_t len,
                           uint8_t *out);

#endif
