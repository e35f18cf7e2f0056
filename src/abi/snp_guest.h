/* SHARED BY HOST AND KEEP: what an SEV-SNP guest (the shim) says to the
 * hypervisor and, through it, to the AMD secure processor. Self-contained
 * (only <stdint.h>); no code. Documented in docs/abi.md and docs/keep.md.
 *
 * Three formats, all from AMD's specifications:
 *
 *  - the GHCB (Guest-Hypervisor Communication Block, AMD pub. 56421 "SEV-ES
 *    Guest-Hypervisor Communication Block Standardization", version 2): the
 *    MSR protocol (MSR 0xC001_0130 carries a request code in bits 11:0 and
 *    data above it) and the shared 4 KiB page a guest fills before VMGEXIT;
 *  - the guest message (AMD pub. 56860 "SEV Secure Nested Paging Firmware
 *    ABI", chapter "Guest messages"): a 96-byte header, then a payload
 *    encrypted with AES-256-GCM under a VMPCK from the secrets page; the
 *    MSG_REPORT_REQ / MSG_REPORT_RSP payloads;
 *  - the certificate table the hypervisor returns with the extended guest
 *    request (GHCB spec, SNP extended guest request).
 *
 * Writers and readers: the shim (src/shim/snp) writes GHCB requests and
 * guest messages and reads the replies, trusting nothing in them; the SEV
 * host backend and the test models (tests/sev) read requests and write
 * replies. Guest messages are end-to-end between the shim and the secure
 * processor: the host only carries them.
 *
 * Versioning: AMD's (GHCB protocol version 2, guest-message header version
 * 1, MSG_REPORT version 1). The shim refuses other versions in replies. */
#ifndef ABI_SNP_GUEST_H
#define ABI_SNP_GUEST_H

#include <stdint.h>

/* ---- MSRs ---------------------------------------------------------------- */

#define SNP_MSR_SEV_STATUS   0xc0010131u   /* read-only, never intercepted */
#define SNP_SEV_STATUS_SEV   (1ull << 0)
#define SNP_SEV_STATUS_ES    (1ull << 1)
#define SNP_SEV_STATUS_SNP   (1ull << 2)
#define SNP_MSR_GHCB         0xc0010130u   /* the GHCB MSR: GPA or MSR protocol */

/* ---- the GHCB MSR protocol ---------------------------------------------- */

#define GHCB_MSR_CODE_MASK       0xfffull   /* bits 11:0: request/response code */

#define GHCB_MSR_SEV_INFO_RESP   0x001u     /* [63:48] max, [47:32] min version, [31:24] C-bit */
#define GHCB_MSR_SEV_INFO_REQ    0x002u
#define GHCB_MSR_REGISTER_REQ    0x012u     /* [63:12] GHCB GFN */
#define GHCB_MSR_REGISTER_RESP   0x013u     /* [63:12] the GFN registered */
#define GHCB_MSR_PSC_REQ         0x014u     /* [55:52] operation, [51:12] GFN */
#define GHCB_MSR_PSC_RESP        0x015u     /* [63:32] error code, 0 = done */
#define GHCB_MSR_HV_FEATURES_REQ 0x080u
#define GHCB_MSR_HV_FEATURES_RESP 0x081u    /* [63:12] feature bitmap */
#define GHCB_MSR_TERM_REQ        0x100u     /* [15:12] reason set, [23:16] reason */

#define GHCB_PROTOCOL_VERSION    2u         /* the version SNP needs */
#define GHCB_HV_FEATURE_SNP      (1ull << 0)

/* Page-state change operations (MSR protocol and GHCB event alike). */
#define GHCB_PSC_PRIVATE 1u
#define GHCB_PSC_SHARED  2u

/* Termination reasons: set 0 is the GHCB spec's (0 = general), set 0xE is
 * the Keep's own: which attack or failure stopped it, for the host's log. */
#define GHCB_TERM_SET_GENERAL  0u
#define GHCB_TERM_GENERAL      0u
#define GHCB_TERM_SET_KEEP     0xeu
enum ghcb_term_keep {
    GHCB_TERM_KEEP_STOP = 0,            /* an orderly stop before the sallyport works */
    GHCB_TERM_KEEP_PROTOCOL = 1,        /* the hypervisor broke the GHCB protocol */
    GHCB_TERM_KEEP_VALIDATION = 2,      /* double validation or an unvalidated page */
    GHCB_TERM_KEEP_NOT_VMPL0 = 3,       /* the shim is not running at VMPL 0 */
    GHCB_TERM_KEEP_CPUID = 4,           /* no usable CPUID page */
    GHCB_TERM_KEEP_PAGE_TABLES = 5,     /* page tables without the encryption bit */
};

/* ---- exit codes (SW_EXITCODE; also the #VC error code) ------------------ */

#define SVM_EXIT_RDTSC                 0x6eu
#define SVM_EXIT_CPUID                 0x72u
#define SVM_EXIT_IOIO                  0x7bu
#define SVM_EXIT_MSR                   0x7cu
#define SVM_EXIT_RDTSCP                0x87u
#define SVM_EXIT_NPF                   0x400u
#define SVM_EXIT_PAGE_NOT_VALIDATED    0x404u   /* #VC only: CR2 holds the address */
#define SVM_VMGEXIT_PSC                0x80000010u
#define SVM_VMGEXIT_GUEST_REQUEST      0x80000011u
#define SVM_VMGEXIT_EXT_GUEST_REQUEST  0x80000012u
#define SVM_VMGEXIT_HV_FEATURES        0x8000fffdu
#define SVM_VMGEXIT_TERMINATE          0x8000fffeu

/* IOIO exit information (SW_EXITINFO1). */
#define SVM_IOIO_TYPE_IN    (1u << 0)
#define SVM_IOIO_SZ8        (1u << 4)
#define SVM_IOIO_SZ16       (1u << 5)
#define SVM_IOIO_SZ32       (1u << 6)
#define SVM_IOIO_A64        (1u << 9)
#define SVM_IOIO_PORT_SHIFT 16

/* SW_EXITINFO1 after VMGEXIT: [31:0] 0 = done, 1 = the hypervisor injects
 * an exception (SW_EXITINFO2 says which), 2 = the GHCB was unusable. */
#define GHCB_RESULT_OK        0u
#define GHCB_RESULT_EXCEPTION 1u
#define GHCB_RESULT_BAD_GHCB  2u

/* Guest request: SW_EXITINFO2 = [63:32] the hypervisor's error, [31:0] the
 * firmware's. */
#define SNP_GUEST_VMM_ERR_INVALID_LEN 1u   /* certificate buffer too small: RBX = pages */
#define SNP_GUEST_VMM_ERR_BUSY        2u   /* try again, the same message */

/* ---- the GHCB page (4 KiB, shared) -------------------------------------- */

/* The save area uses the VMSA's offsets; a field is valid when its bit
 * (offset / 8) is set in valid_bitmap, in both directions. Only the fields
 * the shim uses are named. */
struct snp_ghcb {
    uint8_t reserved_0x000[0xcb];
    uint8_t cpl;                        /* 0x0cb */
    uint8_t reserved_0x0cc[0x74];
    uint64_t xss;                       /* 0x140 */
    uint8_t reserved_0x148[0xb0];
    uint64_t rax;                       /* 0x1f8 */
    uint8_t reserved_0x200[0x108];
    uint64_t rcx;                       /* 0x308 */
    uint64_t rdx;                       /* 0x310 */
    uint64_t rbx;                       /* 0x318 */
    uint8_t reserved_0x320[0x70];
    uint64_t sw_exit_code;              /* 0x390 */
    uint64_t sw_exit_info_1;            /* 0x398 */
    uint64_t sw_exit_info_2;            /* 0x3a0 */
    uint64_t sw_scratch;                /* 0x3a8 */
    uint8_t reserved_0x3b0[0x38];
    uint64_t xcr0;                      /* 0x3e8 */
    uint8_t valid_bitmap[16];           /* 0x3f0 */
    uint8_t reserved_0x400[0x400];
    uint8_t shared_buffer[0x7f0];       /* 0x800: scratch area for events */
    uint8_t reserved_0xff0[0xa];
    uint16_t protocol_version;          /* 0xffa */
    uint32_t ghcb_usage;                /* 0xffc: 0 = the standard layout */
};
_Static_assert(sizeof(struct snp_ghcb) == 4096, "the GHCB is one page");

/* Valid-bitmap bit of each field: its offset / 8. */
#define GHCB_BIT_CPL          (0x0cb / 8)
#define GHCB_BIT_XSS          (0x140 / 8)
#define GHCB_BIT_RAX          (0x1f8 / 8)
#define GHCB_BIT_RCX          (0x308 / 8)
#define GHCB_BIT_RDX          (0x310 / 8)
#define GHCB_BIT_RBX          (0x318 / 8)
#define GHCB_BIT_EXIT_CODE    (0x390 / 8)
#define GHCB_BIT_EXIT_INFO_1  (0x398 / 8)
#define GHCB_BIT_EXIT_INFO_2  (0x3a0 / 8)
#define GHCB_BIT_SCRATCH      (0x3a8 / 8)
#define GHCB_BIT_XCR0         (0x3e8 / 8)
#define GHCB_SHARED_BUFFER_OFFSET 0x800u

/* Page-state change event: this descriptor in the shared buffer, SW_SCRATCH
 * = its GPA. The hypervisor advances cur_entry as it goes. */
struct snp_psc_header {
    uint16_t cur_entry;
    uint16_t end_entry;                 /* the last entry, inclusive */
    uint32_t reserved;
};
/* An entry: [11:0] current page (the hypervisor's progress inside a 2 MiB
 * entry), [51:12] GFN, [55:52] operation, [56] 2 MiB page, rest reserved. */
#define SNP_PSC_MAX_ENTRIES 253u
#define SNP_PSC_GFN_SHIFT   12
#define SNP_PSC_OP_SHIFT    52
#define SNP_PSC_HUGE        (1ull << 56)

/* ---- guest messages ------------------------------------------------------ */

#define SNP_MSG_HEADER_SIZE   0x60u
#define SNP_MSG_AAD_OFFSET    0x30u     /* bytes 0x30..0x5f are authenticated */
#define SNP_MSG_AAD_SIZE      0x30u
#define SNP_MSG_MAX_PAYLOAD   (4096u - SNP_MSG_HEADER_SIZE)

#define SNP_AEAD_AES_256_GCM  1u
#define SNP_MSG_HDR_VERSION   1u
#define SNP_MSG_REPORT_REQ    5u
#define SNP_MSG_REPORT_RSP    6u
#define SNP_MSG_REPORT_VERSION 1u

/* The header, then msg_size bytes of ciphertext. The GCM tag (16 bytes) is
 * in authtag[0..15]; the IV is msg_seqno, little-endian, zero-padded to 12
 * bytes; the AAD is the header from algo to the end. */
struct snp_msg_header {
    uint8_t authtag[32];                /* 0x00 */
    uint64_t msg_seqno;                 /* 0x20 */
    uint8_t reserved_0x28[8];           /* 0x28 */
    uint8_t algo;                       /* 0x30: SNP_AEAD_AES_256_GCM */
    uint8_t hdr_version;                /* 0x31: SNP_MSG_HDR_VERSION */
    uint16_t hdr_size;                  /* 0x32: SNP_MSG_HEADER_SIZE */
    uint8_t msg_type;                   /* 0x34 */
    uint8_t msg_version;                /* 0x35 */
    uint16_t msg_size;                  /* 0x36: payload bytes */
    uint32_t reserved_0x38;             /* 0x38 */
    uint8_t msg_vmpck;                  /* 0x3c: which VMPCK protects it */
    uint8_t reserved_0x3d[35];          /* 0x3d */
};
_Static_assert(sizeof(struct snp_msg_header) == SNP_MSG_HEADER_SIZE, "message header is 0x60 bytes");

#define SNP_REPORT_DATA_SIZE 64u
#define SNP_REPORT_SIZE      0x4a0u     /* ATTESTATION_REPORT, 1184 bytes */

/* MSG_REPORT_REQ payload. */
struct snp_report_req {
    uint8_t report_data[SNP_REPORT_DATA_SIZE];  /* 0x00 */
    uint32_t vmpl;                              /* 0x40: the VMPL the report names */
    uint32_t key_sel;                           /* 0x44: [1:0] 0 any, 1 VCEK, 2 VLEK */
    uint8_t reserved[24];                       /* 0x48 */
};
_Static_assert(sizeof(struct snp_report_req) == 0x60, "MSG_REPORT_REQ is 96 bytes");

/* MSG_REPORT_RSP payload. */
struct snp_report_rsp {
    uint32_t status;                    /* 0x00: 0 = success */
    uint32_t report_size;               /* 0x04: SNP_REPORT_SIZE */
    uint8_t reserved[24];               /* 0x08 */
    uint8_t report[SNP_REPORT_SIZE];    /* 0x20 */
};
_Static_assert(sizeof(struct snp_report_rsp) == 0x20 + SNP_REPORT_SIZE, "MSG_REPORT_RSP layout");

#define SNP_REPORT_STATUS_OK             0u
#define SNP_REPORT_STATUS_INVALID_PARAMS 0x16u
#define SNP_REPORT_STATUS_INVALID_KEY    0x27u

/* ---- the certificate table (extended guest request) ---------------------- */

/* Entries until one of all zeros; offsets are from the start of the table;
 * GUIDs in RFC 4122 byte order. */
struct snp_cert_entry {
    uint8_t guid[16];
    uint32_t offset;
    uint32_t length;
};
_Static_assert(sizeof(struct snp_cert_entry) == 24, "certificate table entries are 24 bytes");

#define SNP_CERT_GUID_ARK  {0xc0,0xb4,0x06,0xa4, 0xa8,0x03, 0x49,0x52, 0x97,0x43, 0x3f,0xb6,0x01,0x4c,0xd0,0xae}
#define SNP_CERT_GUID_ASK  {0x4a,0xb7,0xb3,0x79, 0xbb,0xac, 0x4f,0xe4, 0xa0,0x2f, 0x05,0xae,0xf3,0x27,0xc7,0x82}
#define SNP_CERT_GUID_VCEK {0x63,0xda,0x75,0x8d, 0xe6,0x64, 0x45,0x64, 0xad,0xc5, 0xf4,0xb9,0x3b,0xe8,0xac,0xcd}
#define SNP_CERT_GUID_VLEK {0xa8,0x07,0x4b,0xc2, 0xa2,0x5a, 0x48,0x3e, 0xaa,0xe6, 0x39,0xc0,0x45,0xa0,0xb8,0xa1}

#endif
