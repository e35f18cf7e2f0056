/* What a workload may not be given as a preopened directory: a pseudo file
 * system, whose "files" are the kernel's and other processes' state, not
 * storage. procfs alone hands out any process's memory (/proc/self/mem is
 * the exec's own code, writable); sysfs, debugfs, configfs... are kernel
 * settings; devtmpfs is every device.
 *
 * The check is by the file system's type, never by path (a bind mount of
 * /proc elsewhere is still procfs): statfs's f_type where one is known, and
 * the type the mount table names (devtmpfs has no magic of its own: statfs
 * says tmpfs). The host (enarx run) checks both before a Keep starts; the
 * exec checks the opened descriptor's f_type again.
 *
 * Plain C, no system calls: both sides link it (src/config/module.mk). */
#ifndef CONFIG_PREOPEN_FS_H
#define CONFIG_PREOPEN_FS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pseudo_fs {
    const char *name;   /* as users know it: "procfs" */
    const char *type;   /* as the mount table says: "proc" */
    uint64_t magic;     /* statfs f_type; 0: none of its own */
    const char *holds;  /* what it is instead of files */
} pseudo_fs;

/* The pseudo file system with statfs f_type magic, or NULL (storage). */
const pseudo_fs *pseudo_fs_by_magic(uint64_t magic);
/* The pseudo file system a mount table calls type, or NULL. */
const pseudo_fs *pseudo_fs_by_type(const char *type);

/* The message for refusing dir: "cannot preopen 'DIR': WHAT is procfs, a
 * pseudo file system holding ..., not storage; ...". what is "it", or e.g.
 * "'/proc', mounted below it,". */
void preopen_fs_refusal(const pseudo_fs *fs, const char *dir, const char *what, char *out, size_t len);

#endif
