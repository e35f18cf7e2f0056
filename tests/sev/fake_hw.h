/* TEST-ONLY: a model of what lies beneath the shim's SNP code: the CPU's
 * RMP (PVALIDATE, RMPADJUST), the GHCB MSR and VMGEXIT, and a hypervisor
 * that answers the MSR protocol and the GHCB events as KVM would, handing
 * guest requests to a secure-processor model. It implements the functions
 * of src/shim/snp/hw.h, so the shim's own code runs on top of it unchanged.
 *
 * Guest memory is one host buffer: GPA g is at fake_mem + g, which is also
 * the "direct map" the shim code is given (va_base = fake_mem).
 *
 * Knobs let a test make the hypervisor misbehave the ways a hostile host
 * could: lie in the MSR protocol, stall page-state changes, claim to be busy,
 * say the certificate buffer is too small, tamper with or replay responses,
 * pre-validate or swap pages. */
#ifndef TESTS_SEV_FAKE_HW_H
#define TESTS_SEV_FAKE_HW_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_MEM_SIZE (8u << 20)    /* guest memory after fake_reset */
#define FAKE_MEM_MAX  (256u << 20)  /* ... and at most (fake_reset_size) */

extern uint8_t *fake_mem;
extern uint64_t fake_mem_size;

/* The secure processor's side of a guest request: reads the request
 * message, writes the response message; returns the firmware status (0 =
 * done) that the hypervisor puts in SW_EXITINFO2[31:0]. */
typedef uint32_t (*fake_psp_fn)(void *ctx, const uint8_t *req_page, uint8_t *rsp_page);

struct fake_hv {
    /* MSR protocol answers. */
    uint16_t proto_min, proto_max;
    unsigned cbit;
    uint64_t features;
    int wrong_response_code;        /* answer every MSR request with a wrong code */
    uint32_t psc_error;             /* page-state changes fail with this */
    /* GHCB events. */
    unsigned psc_per_round;         /* entries done per VMGEXIT (0 = all) */
    int psc_go_back;                /* report progress going backwards */
    unsigned busy;                  /* answer this many guest requests "busy" first */
    int tamper_response;            /* flip a byte of the response message */
    int replay_response;            /* return the previous response again */
    int swallow_request;            /* claim success without asking the firmware */
    uint32_t vmm_error;             /* refuse guest requests with this */
    const uint8_t *certs;           /* the certificate table to return */
    size_t certs_len;
    int corrupt_certs;              /* return a table without a terminator */
    fake_psp_fn psp;
    void *psp_ctx;
    /* The CPU's registers the shim reads (and XCR0, which it writes). */
    uint64_t cr2, cr3, cr4, xcr0;
    int not_snp;                    /* SEV_STATUS without SNP */

    /* What happened (read by tests). */
    uint64_t ghcb_msr;
    uint64_t registered_gpa;
    unsigned vmgexits, guest_requests, psp_calls, psc_entries;
    unsigned iv_reuse;              /* a sequence number carried two different messages */
    unsigned last_term_set, last_term_reason;
    uint16_t last_out_port;
    uint32_t last_out_value;
    uint64_t msrs[4];               /* a few MSRs the hypervisor "emulates" */
    uint64_t tsc;
};

extern struct fake_hv fake_hv;
/* A termination request longjmps here (set it before code that may stop). */
extern jmp_buf fake_term_jmp;
extern int fake_term_armed;

/* Fresh memory and RMP (all pages assigned private, none validated) and a
 * well-behaved hypervisor (protocol 1..2, C-bit 51, SNP offered). */
void fake_reset(void);
/* The same with `size` bytes of guest memory (up to FAKE_MEM_MAX). */
void fake_reset_size(uint64_t size);

/* RMP state of a 4 KiB page. */
int fake_rmp_validated(uint64_t gpa);
int fake_rmp_shared(uint64_t gpa);
void fake_rmp_set_validated(uint64_t gpa, int on);  /* the host's tricks */
/* Make the RMP hold 4 KiB entries in the 2 MiB region at gpa (PVALIDATE of
 * 2 MiB then fails with a size mismatch), or a 2 MiB entry. */
void fake_rmp_set_small(uint64_t gpa, int small);
/* Pretend the shim runs at this VMPL (RMPADJUST checks it). */
void fake_set_vmpl(unsigned vmpl);

#endif
