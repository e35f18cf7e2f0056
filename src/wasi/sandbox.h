/* Path resolution that never leaves a directory.
 *
 * A guest path is always relative to a directory descriptor it holds. No
 * resolution step may climb above that directory: not "..", not an absolute
 * path, not a symbolic link (absolute targets are refused; relative ones are
 * resolved inside the same directory). Linux's openat2(RESOLVE_BENEATH) does
 * this in the kernel; where it is missing, a component-by-component walk
 * with O_NOFOLLOW does the same, with the same answers (docs/wasi.md). */
#ifndef WASI_SANDBOX_H
#define WASI_SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/* Where a path's final component lives. name never holds a slash: hand it to
 * the *at() calls as it is (they do not follow it), and give a trailing
 * slash its meaning ("a directory") yourself, never by passing one on. */
typedef struct sandbox_loc {
    int parent_fd;            /* O_PATH descriptor of the containing directory */
    char name[NAME_MAX + 2];  /* final component; "." when the path names a directory itself */
    bool trailing_slash;      /* the path ended in '/': the object must be a directory */
} sandbox_loc;

/* Opens path beneath dirfd with open(2) flags (O_CLOEXEC added). A final
 * symbolic link is followed only when follow is set, or before a trailing
 * slash, as Linux does (never with O_CREAT|O_EXCL). Returns a WASI errno. */
int sandbox_open(int dirfd, const char *path, int flags, mode_t mode, bool follow, int *out_fd);

/* Finds the directory that contains path's final component, for the *at()
 * system calls. With follow, a final symbolic link is replaced by its target
 * (resolved beneath dirfd). Returns a WASI errno; on success close the loc. */
int sandbox_locate(int dirfd, const char *path, bool follow, sandbox_loc *loc);
void sandbox_loc_close(sandbox_loc *loc);

/* Tests: 1 forces the component walk even where openat2 exists. */
extern int sandbox_force_walk;

#endif
