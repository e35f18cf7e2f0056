/* Host side of the workload stream (format: src/abi/workload_stream.h): builds
 * the stream the exec reads on fd 3. */
#ifndef BACKEND_WORKLOAD_STREAM_H
#define BACKEND_WORKLOAD_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct wl_writer {
    int fd;          /* where the stream goes */
    char *err;       /* message buffer for failures */
    size_t errlen;
} wl_writer;

/* Each returns 0, or -1 with a message in w->err. */
int wl_write_magic(wl_writer *w);
int wl_write_frame(wl_writer *w, uint32_t type, const void *payload, size_t len);
int wl_write_string(wl_writer *w, uint32_t type, const char *s);
/* Two NUL-separated parts (DIR: host, guest; FILE: name, bytes). */
int wl_write_pair(wl_writer *w, uint32_t type, const char *first, const void *second, size_t second_len);
/* A MODULE frame copied from an open file of known size (kernel copy when possible). */
int wl_write_module_fd(wl_writer *w, int module_fd, uint64_t size, const char *module_path);
int wl_write_end(wl_writer *w);

#endif
