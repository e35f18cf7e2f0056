/* TLS 1.3 for the exec's sockets (OpenSSL 3), terminated inside the Keep.
 *
 * A tls_conn sits on a non-blocking socket and never blocks: OpenSSL reads
 * and writes memory BIOs, and tls_conn_pump moves bytes between them and the
 * socket. Callers that want blocking behaviour wait on the socket for
 * tls_conn_poll_events() and pump again. The workload only ever sees the
 * plaintext.
 *
 * Nothing here reads the host's files: no openssl.cnf, no system trust store.
 * Trust anchors come with the workload or from the bundle compiled into the
 * exec (tls_builtin_anchors). */
#ifndef TLS_TLS_H
#define TLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct tls_server tls_server;
typedef struct tls_client tls_client;
typedef struct tls_conn tls_conn;

#define TLS_AGAIN (-1)   /* would block: wait for tls_conn_poll_events() and retry */
#define TLS_FAILED (-2)  /* the connection failed; tls_conn_error() says why */

/* Initialises OpenSSL without loading any configuration file. */
int tls_init(char *err, size_t errlen);

/* A server context with a fresh P-256 key and a self-signed certificate for
 * common_name (also used as a DNS subjectAltName, with 127.0.0.1 and ::1). */
tls_server *tls_server_new_selfsigned(const char *common_name, char *err, size_t errlen);
/* PEM of the server's certificate (for logs and tests). */
const char *tls_server_cert_pem(const tls_server *server);
void tls_server_free(tls_server *server);

/* A client context trusting the PEM certificates in anchors (NULL: the
 * bundle built into the exec). */
tls_client *tls_client_new(const uint8_t *anchors_pem, size_t len, char *err, size_t errlen);
void tls_client_free(tls_client *client);

/* Connections on a socket the caller owns (and closes after tls_conn_free). */
tls_conn *tls_conn_new_server(tls_server *server, int sockfd);
tls_conn *tls_conn_new_client(tls_client *client, int sockfd, const char *host);
/* Sends close_notify if it can without blocking, then frees. */
void tls_conn_free(tls_conn *conn);

/* Moves bytes between the socket and OpenSSL without blocking: flushes
 * pending output, reads what has arrived, advances the handshake, decrypts.
 * Returns 0, or TLS_FAILED. */
int tls_conn_pump(tls_conn *conn);

/* > 0 bytes, 0 at end of stream, TLS_AGAIN or TLS_FAILED. */
ssize_t tls_conn_read(tls_conn *conn, void *buf, size_t len, bool peek);
ssize_t tls_conn_write(tls_conn *conn, const void *buf, size_t len);
/* Writes the buffers as as few TLS records as the record size allows (a
 * small header and a body are one record) and sends them in one go. Returns
 * the bytes taken (possibly fewer than offered), TLS_AGAIN or TLS_FAILED. */
ssize_t tls_conn_writev(tls_conn *conn, const struct iovec *iov, size_t iovcnt);
/* Sends close_notify (no more writes). */
int tls_conn_shutdown_write(tls_conn *conn);

bool tls_conn_handshake_done(const tls_conn *conn);
/* A read would not return TLS_AGAIN: plaintext buffered, end of stream or failure. */
bool tls_conn_readable(const tls_conn *conn);
/* A write would not return TLS_AGAIN. */
bool tls_conn_writable(const tls_conn *conn);
size_t tls_conn_pending(const tls_conn *conn); /* plaintext bytes buffered */
/* Received bytes not yet decrypted (held back while the plaintext buffer
 * was full): a pump may turn them into plaintext without the socket. */
bool tls_conn_input_buffered(const tls_conn *conn);
/* The socket events (POLLIN/POLLOUT) to wait for before pumping again. */
short tls_conn_poll_events(const tls_conn *conn, bool for_read, bool for_write);
const char *tls_conn_error(const tls_conn *conn);
/* Why a failed connection failed, as an errno a plain socket would give:
 * the socket's own (ECONNRESET, EPIPE, ...), ECONNRESET for a peer that left
 * mid-handshake or mid-record, EIO for a TLS protocol failure; 0 while it
 * has not failed. A peer's FIN without close_notify is not a failure: it
 * ends the read side (reads return 0) and writing goes on. */
int tls_conn_errno(const tls_conn *conn);

/* The CA bundle compiled into the exec (PEM). */
const uint8_t *tls_builtin_anchors(size_t *len);

#endif
