/* SHARED BY HOST AND KEEP: the evidence call and the typed evidence it
 * returns. Self-contained (only <stdint.h>); no code. Documented in
 * docs/abi.md and docs/deploy.md.
 *
 * The call: the exec asks whatever is beneath it for evidence binding 64
 * bytes of report data it chose.
 *
 *   long getatt(const uint8_t report_data[64], size_t report_data_len (= 64),
 *               uint8_t *buf, size_t buf_len);
 *
 *   system call number ENARX_SYS_GETATT (upstream Enarx's number);
 *   rax: the evidence length (>= 0), or -errno:
 *        -ENOSYS   nothing beneath serves it (nil on Linux): the exec then
 *                  builds the UNATTESTED document itself from what the host
 *                  claimed;
 *        -EMSGSIZE buf is too small: call with buf = NULL, buf_len = 0 first,
 *                  which returns the size;
 *        -EINVAL   report_data_len is not 64;
 *   rdx: the evidence kind (enum enarx_evidence_kind).
 *
 * Writers: the kvm shim (src/shim/kvm/syscall.c, from the VMM's answer to
 * SP_GETATT), the exec for nil (src/exec/evidence.c), later the SEV-SNP
 * shim (guest request) and the test attester (tests only).
 * Readers: the exec (puts the bytes in its RA-TLS certificate and its fresh
 * evidence), the verifier (src/attest), which trusts nothing in them.
 *
 * The bytes: a header, then the body, then the extra part.
 *
 *   evidence = header body[body_len] extra[extra_len]
 *   header   = magic "ENARXEV1" (8)  kind:u32le  header_len:u32le (= 32)
 *              body_len:u32le  extra_len:u32le  reserved[8] (= 0)
 *
 * kind ENARX_EVIDENCE_UNATTESTED: body = struct enarx_unattested_body
 *      (168 bytes), extra empty. No hardware root signed anything: it only
 *      says what the host CLAIMS was measured. No verifier may accept it as
 *      hardware evidence.
 * kind ENARX_EVIDENCE_SNP: body = the ATTESTATION_REPORT (1184 bytes),
 *      extra = the certificate table of the extended guest request (may be
 *      empty).
 * kind ENARX_EVIDENCE_SGX: body = a DCAP quote (later).
 *
 * In an RA-TLS certificate the evidence rides in the CBOR of extension
 * 2.23.133.5.4.9: tag([bstr evidence, bstr claims]) where the tag names the
 * kind. SGX/TDX use the CCC tag 60000 and the bare quote; for our kinds the
 * bstr is this whole typed document (header included) under the tags below,
 * which are ours (not registered with IANA yet; the FCFS range).
 *
 * Versioning: the magic. A reader refuses another magic, an unknown kind, a
 * header_len other than 32, a non-zero reserved byte, and lengths that do
 * not add up to the bytes it was given. */
#ifndef ABI_EVIDENCE_H
#define ABI_EVIDENCE_H

#include <stdint.h>

#define ENARX_SYS_GETATT 0xEA01       /* the exec's pseudo system call, as upstream's number */
#define ENARX_REPORT_DATA_LEN 64

enum enarx_evidence_kind {
    ENARX_EVIDENCE_UNATTESTED = 0,  /* our own document, no hardware root (nil, plain kvm) */
    ENARX_EVIDENCE_SNP = 1,         /* ATTESTATION_REPORT (1184 bytes) [+ certificate table] */
    ENARX_EVIDENCE_SGX = 2,         /* DCAP quote (later) */
    ENARX_EVIDENCE_KIND_COUNT
};

#define ENARX_EVIDENCE_MAGIC "ENARXEV1"
#define ENARX_EVIDENCE_MAGIC_LEN 8
#define ENARX_EVIDENCE_HEADER_LEN 32

struct enarx_evidence_header {
    uint8_t magic[8];       /* ENARX_EVIDENCE_MAGIC */
    uint32_t kind;          /* enum enarx_evidence_kind */
    uint32_t header_len;    /* ENARX_EVIDENCE_HEADER_LEN */
    uint32_t body_len;
    uint32_t extra_len;
    uint8_t reserved[8];    /* zero */
};

/* The explicit marker every UNATTESTED document carries (NUL-padded to 32). */
#define ENARX_UNATTESTED_MARKER "UNATTESTED: NO HARDWARE ROOT"
#define ENARX_UNATTESTED_MARKER_LEN 32
#define ENARX_MEASUREMENT_MAX 64

/* Hash algorithms by their IANA "Named Information" ids (as CCC's hash-entry). */
enum enarx_hash_alg {
    ENARX_HASH_NONE = 0,    /* the host claimed no measurement */
    ENARX_HASH_SHA256 = 1,
    ENARX_HASH_SHA384 = 7,
    ENARX_HASH_SHA512 = 8,
};

struct enarx_unattested_body {
    uint8_t marker[32];                 /* ENARX_UNATTESTED_MARKER, NUL-padded */
    uint32_t measurement_alg;           /* enum enarx_hash_alg */
    uint32_t measurement_len;           /* bytes used in measurement (0..64), the alg's size */
    uint8_t measurement[64];            /* what the HOST CLAIMS the Keep is; proof of nothing */
    uint8_t report_data[64];            /* exactly the 64 bytes the exec asked for */
};
#define ENARX_UNATTESTED_BODY_LEN 168

/* An SEV-SNP ATTESTATION_REPORT; REPORT_DATA at 0x50. */
#define ENARX_SNP_REPORT_LEN 1184
#define ENARX_SNP_REPORT_DATA_OFFSET 0x50

/* Upper bound of any evidence the exec accepts from beneath it. */
#define ENARX_EVIDENCE_MAX (64u << 10)

/* CBOR tags of tag([bstr evidence, bstr claims]) in extension 2.23.133.5.4.9. */
#define ENARX_CBOR_TAG_INTEL_QUOTE 60000u   /* CCC: SGX/TDX DCAP quote, bare */
#define ENARX_CBOR_TAG_SNP 60100u           /* ours: a typed document of kind SNP */
#define ENARX_CBOR_TAG_UNATTESTED 60101u    /* ours: a typed document of kind UNATTESTED */

#endif
