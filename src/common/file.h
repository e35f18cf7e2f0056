/* Reading a file a user named (a module, an Enarx.toml, a trust anchor,
 * attestation evidence) without ever hanging on it: the file is opened with
 * O_NONBLOCK, so that a FIFO with no writer or a device cannot block the
 * open, and its type is checked on the open descriptor before any read.
 * Anything but a regular file is refused (a pipe only where the caller
 * accepts one), and no more than a limit is read.
 *
 * Messages are fragments meant to follow the caller's name for the file,
 * e.g. "Enarx.toml:3:6: ca = \"x.pem\": " + "is a FIFO, not a regular file".
 *
 * Dependency-free C11 + POSIX; used by host-side programs (Keep-side ones may
 * use it too). */
#ifndef COMMON_FILE_H
#define COMMON_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum file_status {
    FILE_OK = 0,
    FILE_CANNOT_OPEN,   /* open(2) failed */
    FILE_WRONG_TYPE,    /* a directory, FIFO, device, socket (or a pipe not accepted) */
    FILE_TOO_LARGE,     /* more bytes than the limit */
    FILE_CANNOT_READ,   /* read(2) failed, or the file shrank while it was read */
    FILE_NO_MEMORY,
} file_status;

/* Flags for file_read_all. */
enum {
    /* Also read a pipe or FIFO to its end: for inputs like `<(command)` or
     * /dev/stdin. One that nobody writes to reads as empty (no wait). */
    FILE_ACCEPT_PIPE = 1u << 0,
};

typedef struct file_contents {
    uint8_t *data;  /* malloc'ed, size bytes and a NUL after them; NULL on error */
    size_t size;
    int is_pipe;    /* it came from a pipe or FIFO (FILE_ACCEPT_PIPE) */
} file_contents;

/* Opens path for reading if it is a regular file: *fd (close it) and *size.
 * On error writes why ("cannot open: ...", "is a FIFO, not a regular file")
 * and returns the status. */
file_status file_open_regular(const char *path, int *fd, uint64_t *size, char *why, size_t why_size);

/* Reads all of path (at most limit bytes) into out. On error out->data is
 * NULL, why says what is wrong ("is 3000000 bytes; the limit is 1048576")
 * and the status is returned. */
file_status file_read_all(const char *path, size_t limit, unsigned flags, file_contents *out, char *why,
                          size_t why_size);

/* Frees out->data and clears out. */
void file_contents_free(file_contents *out);

/* "a regular file", "a directory", "a FIFO", "a character device", ... */
const char *file_type_name(mode_t mode);

#endif
