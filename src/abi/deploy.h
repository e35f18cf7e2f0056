/* SHARED BY CLIENT, HOST AND KEEP: the attested deployment's wire formats.
 * Self-contained (only <stdint.h>); no code. Documented in docs/deploy.md
 * and docs/abi.md.
 *
 * Three formats:
 *
 * 1. The preamble (client -> agent, plain text on the TCP connection, before
 *    anything else): what the client wants. The agent never sees more than
 *    this in clear.
 *
 *      preamble = "ENARXDP1" backend_len:u8 backend[backend_len]   a deploy
 *               | "ENARXIN1"                                        an info request
 *      answer   = "ENARXOK1"                       deploy: a Keep owns the connection now;
 *                                                  TLS 1.3 (the Keep is the server) follows
 *               | "ENARXNO1" len:u16le text[len]   deploy refused (limits, backend), then close
 *               | JSON text, then close            to an info request
 *
 *    backend_len 0: the agent's own backend. Names are at most 15 bytes.
 *
 * 2. The deploy launch (host -> exec, on fd 3 instead of a workload stream):
 *    a fixed 96-byte record telling the exec to serve a deploy on the
 *    connection DEPLOY_CONN_FD, with what the host claims was measured.
 *
 *      launch = "ENARXDL1" conn_fd:u32le log_level:u32le
 *               measurement_alg:u32le measurement_len:u32le measurement[64]
 *               attester_fd:i32le (-1: none; tests only) reserved:u32le (= 0)
 *
 * 3. The channel (client <-> Keep, inside TLS 1.3, after the handshake):
 *
 *      message = type:u32le length:u32le payload[length]
 *
 *    client: NONCE(32 random bytes)
 *    Keep:   EVIDENCE(typed evidence, abi/evidence.h) whose report data is
 *            DEPLOY_BINDER(exporter, nonce, key hash) below
 *    client: (verifies) then the workload stream (abi/workload_stream.h,
 *            "ENARXWL1" ... END, raw bytes, not in messages) with its
 *            SECRET and DIGEST frames
 *    Keep:   RUNNING(digest_alg:u32le digest[32]) or ERROR(text) EXIT
 *    client: STDIN(bytes)* STDIN_EOF        (any time while it runs)
 *    Keep:   STDOUT(bytes)* STDERR(bytes)* EXIT(status:u32le) then close_notify
 *
 *    Each side refuses an unknown type, a message out of order and a length
 *    over the type's limit, and closes the connection.
 *
 * The binder (report data of the fresh evidence), 64 bytes:
 *
 *      SHA-512( "enarx-deploy-v1 keep" (20 bytes, no NUL)
 *               || TLS-Exporter("EXPORTER-Channel-Binding", "", 32) of this connection (RFC 9266)
 *               || nonce (32)
 *               || SHA-256(DER SubjectPublicKeyInfo of the Keep's certificate) (32) )
 *
 *    The role label ("keep") stops an exporter value from being reflected
 *    into evidence for the other direction; the key hash ties the evidence
 *    to the key that signed this handshake; the exporter to this very TLS
 *    session (a relay that terminates TLS has another one); the nonce to this
 *    request.
 *
 * Versioning: the magics ("ENARXDP1", "ENARXIN1", "ENARXDL1") and the binder's
 * label ("-v1"). Unknown types and non-zero reserved fields are refused. */
#ifndef ABI_DEPLOY_H
#define ABI_DEPLOY_H

#include <stdint.h>

/* 1. the preamble */
#define DEPLOY_MAGIC_LEN 8
#define DEPLOY_PREAMBLE_DEPLOY "ENARXDP1"
#define DEPLOY_PREAMBLE_INFO "ENARXIN1"
#define DEPLOY_ANSWER_OK "ENARXOK1"
#define DEPLOY_ANSWER_NO "ENARXNO1"
#define DEPLOY_BACKEND_NAME_MAX 15u
#define DEPLOY_REFUSAL_MAX 1024u

/* 2. the deploy launch */
#define DEPLOY_LAUNCH_MAGIC "ENARXDL1"
#define DEPLOY_LAUNCH_LEN 96
#define DEPLOY_CONN_FD 4         /* where the exec finds the client's connection */
#define DEPLOY_ATTESTER_FD 5     /* test builds: where the exec finds a test attester */

struct deploy_launch {
    uint8_t magic[8];            /* DEPLOY_LAUNCH_MAGIC */
    uint32_t conn_fd;            /* DEPLOY_CONN_FD */
    uint32_t log_level;          /* enum enarx_log_level */
    uint32_t measurement_alg;    /* enum enarx_hash_alg (abi/evidence.h); 0 = none claimed */
    uint32_t measurement_len;    /* 0..64 */
    uint8_t measurement[64];     /* what the host claims was measured */
    int32_t attester_fd;         /* -1, or a test attester's socket (test option only) */
    uint32_t reserved;           /* 0 */
};

/* The test attester's socket (nil, test option only): the exec writes 64
 * bytes of report data, the host answers len:u32le kind:u32le evidence[len]
 * (len 0: it cannot; kind as abi/evidence.h). */

/* 3. the channel */
#define DEPLOY_MSG_HEADER_LEN 8
#define DEPLOY_NONCE_LEN 32
#define DEPLOY_EXPORTER_LABEL "EXPORTER-Channel-Binding"
#define DEPLOY_EXPORTER_LEN 32
#define DEPLOY_BINDER_LABEL "enarx-deploy-v1 keep"
#define DEPLOY_BINDER_LABEL_LEN 20
#define DEPLOY_DIGEST_ALG_SHA256 1u  /* the workload's digest: SHA-256 of the module bytes */
#define DEPLOY_DIGEST_LEN 32

enum deploy_msg_type {
    DEPLOY_MSG_NONCE = 1,        /* client: 32 bytes */
    DEPLOY_MSG_STDIN = 2,        /* client: bytes for the workload's stdin */
    DEPLOY_MSG_STDIN_EOF = 3,    /* client: no more stdin; empty */
    DEPLOY_MSG_EVIDENCE = 0x81,  /* Keep: typed evidence (abi/evidence.h) */
    DEPLOY_MSG_RUNNING = 0x82,   /* Keep: digest_alg:u32le digest[32]: the workload it runs */
    DEPLOY_MSG_STDOUT = 0x83,    /* Keep: bytes the workload wrote */
    DEPLOY_MSG_STDERR = 0x84,
    DEPLOY_MSG_EXIT = 0x85,      /* Keep: status:u32le (0..255); the last message */
    DEPLOY_MSG_ERROR = 0x86,     /* Keep: text: why the workload did not run (EXIT follows) */
};

#define DEPLOY_MSG_MAX_DATA (64u << 10)     /* one STDIN/STDOUT/STDERR message */
#define DEPLOY_MSG_MAX_ERROR 4096u

#endif
