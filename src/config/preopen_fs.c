/* Pseudo file systems no preopen may be on; see preopen_fs.h. */
#include "config/preopen_fs.h"

#include <linux/magic.h>
#include <stdio.h>
#include <string.h>

/* Not in <linux/magic.h>; the kernel's own values (fs/configfs/mount.c,
 * ipc/mqueue.c, fs/fuse/control.c, net/sunrpc/rpc_pipe.c, fs/nfsd). */
#define CONFIGFS_MAGIC_ 0x62656570
#define MQUEUE_MAGIC_ 0x19800202
#define FUSECTL_MAGIC_ 0x65735543
#define RPC_PIPEFS_MAGIC_ 0x67596969
#define NFSD_MAGIC_ 0x6e667364

static const pseudo_fs table[] = {
    {"procfs", "proc", PROC_SUPER_MAGIC, "the memory and state of every process"},
    {"sysfs", "sysfs", SYSFS_MAGIC, "kernel and device settings"},
    {"devtmpfs", "devtmpfs", 0, "the machine's devices"},
    {"debugfs", "debugfs", DEBUGFS_MAGIC, "kernel internals"},
    {"tracefs", "tracefs", TRACEFS_MAGIC, "kernel tracing controls"},
    {"securityfs", "securityfs", SECURITYFS_MAGIC, "security module settings"},
    {"cgroupfs", "cgroup", CGROUP_SUPER_MAGIC, "process resource controls"},
    {"cgroupfs", "cgroup2", CGROUP2_SUPER_MAGIC, "process resource controls (cgroup v2)"},
    {"bpffs", "bpf", BPF_FS_MAGIC, "kernel BPF programs and maps"},
    {"configfs", "configfs", CONFIGFS_MAGIC_, "kernel object settings"},
    {"efivarfs", "efivarfs", EFIVARFS_MAGIC, "firmware variables"},
    {"devpts", "devpts", DEVPTS_SUPER_MAGIC, "terminals"},
    {"pstore", "pstore", PSTOREFS_MAGIC, "kernel crash records"},
    {"selinuxfs", "selinuxfs", SELINUX_MAGIC, "SELinux policy"},
    {"smackfs", "smackfs", SMACK_MAGIC, "Smack policy"},
    {"binfmt_misc", "binfmt_misc", BINFMTFS_MAGIC, "the kernel's table of program interpreters"},
    {"fusectl", "fusectl", FUSECTL_MAGIC_, "FUSE connection controls"},
    {"mqueue", "mqueue", MQUEUE_MAGIC_, "POSIX message queues"},
    {"nsfs", "nsfs", NSFS_MAGIC, "process namespaces"},
    {"resctrl", "resctrl", RDTGROUP_SUPER_MAGIC, "CPU cache and memory bandwidth controls"},
    {"rpc_pipefs", "rpc_pipefs", RPC_PIPEFS_MAGIC_, "kernel RPC channels"},
    {"nfsd", "nfsd", NFSD_MAGIC_, "NFS server controls"},
    {"xenfs", "xenfs", XENFS_SUPER_MAGIC, "Xen hypervisor interfaces"},
    {"openpromfs", "openpromfs", OPENPROM_SUPER_MAGIC, "firmware properties"},
    {"usbfs", "usbfs", USBDEVICE_SUPER_MAGIC, "USB devices"},
};

const pseudo_fs *pseudo_fs_by_magic(uint64_t magic)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].magic && table[i].magic == magic)
            return &table[i];
    return NULL;
}

const pseudo_fs *pseudo_fs_by_type(const char *type)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].type, type) == 0)
            return &table[i];
    return NULL;
}

void preopen_fs_refusal(const pseudo_fs *fs, const char *dir, const char *what, char *out, size_t len)
{
    snprintf(out, len,
             "cannot preopen '%s': %s %s %s, a pseudo file system holding %s, not files; a workload "
             "may only be given directories on storage",
             dir, what, strcmp(what, "it") == 0 ? "is on" : "is", fs->name, fs->holds);
}
